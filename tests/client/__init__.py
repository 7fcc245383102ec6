"""Tests of ymarket.Client and ymarket.AsyncClient."""
