"""Every operation of the spec has one binding, and the bindings agree with the spec."""

from __future__ import annotations

import inspect

import pytest
import ymarket
from ymarket._operations import BINDINGS, BulkBinding, SingleBinding
from ymarket.spec import operations

from tests.client.support import for_each_operation

OPERATION_IDS = sorted(operations())


def test_every_operation_of_the_spec_has_a_binding() -> None:
    assert sorted(BINDINGS) == OPERATION_IDS


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_a_bulk_operation_has_a_bulk_binding_on_its_chunked_field(operation_id: str) -> None:
    binding = BINDINGS[operation_id]
    op = binding.operation
    if op.bulk_field is not None and op.bulk_max_items is not None:
        assert isinstance(binding, BulkBinding)
        assert binding.chunked_field == op.bulk_field
    else:
        assert isinstance(binding, SingleBinding)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_the_body_model_is_there_exactly_when_the_spec_has_a_body(operation_id: str) -> None:
    binding = BINDINGS[operation_id]
    assert (binding.body_model is None) == (binding.operation.request_body_schema is None)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_both_clients_have_the_method_of_every_operation(operation_id: str) -> None:
    name = BINDINGS[operation_id].endpoint.__name__.rsplit(".", 1)[-1]
    sync_method = getattr(ymarket.Client, name)
    async_method = getattr(ymarket.AsyncClient, name)
    assert not inspect.iscoroutinefunction(sync_method)
    assert inspect.iscoroutinefunction(async_method)
    assert inspect.signature(sync_method) == inspect.signature(async_method)


def test_a_per_operation_table_without_a_row_fails() -> None:
    with pytest.raises(LookupError, match="no row for the operation"):
        for_each_operation({"deleteCampaignOffers": 1})
    assert list(for_each_operation(dict.fromkeys(OPERATION_IDS, 1))) == list(operations())


@pytest.mark.parametrize(
    "operation_id", [o for o in OPERATION_IDS if isinstance(BINDINGS[o], BulkBinding)]
)
def test_a_bulk_binding_names_the_parameter_of_its_method(operation_id: str) -> None:
    binding = BINDINGS[operation_id]
    assert isinstance(binding, BulkBinding)
    name = binding.endpoint.__name__.rsplit(".", 1)[-1]
    assert binding.parameter in inspect.signature(getattr(ymarket.Client, name)).parameters
