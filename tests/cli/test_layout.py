"""What the CLI is made from: exit codes from one enum, a command per spec operation,
and the one "ambiguous failure" predicate of the client."""

from __future__ import annotations

import re
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner
from ymarket import BadRequestError, RateLimitError, ServerError, TransportError
from ymarket._retry import is_ambiguous
from ymarket.cli._app import cli
from ymarket.cli._exit import ExitCode, exit_codes_table
from ymarket.cli._session import stopped_ambiguous
from ymarket.spec import operations

from tests.cli.support import COMMAND_OF_OPERATION, leaf_commands

README = Path(__file__).parents[2] / "README.md"


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(title)}\n(.*?)(?=^#)", text, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def test_the_readme_exit_code_table_is_the_enum() -> None:
    assert exit_codes_table() in readme_section("Exit codes")


def test_the_help_lists_every_exit_code_of_the_enum() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    epilog = " ".join(result.output.split()).split("Exit codes: ", 1)[1]
    for code in ExitCode:
        assert f"{code.value} {code.brief}" in epilog


def test_offers_delete_help_names_only_codes_of_the_enum() -> None:
    result = CliRunner().invoke(cli, ["offers", "delete", "--help"])
    epilog = " ".join(result.output.split()).split("Exit codes: ", 1)[1]
    named = {int(n) for n in re.findall(r"(?:^|; )(\d+) ", epilog.split(".")[0])}
    assert named == {0, 2, 3, 4, 5, 7, 130}
    assert named <= {c.value for c in ExitCode}


def test_every_operation_of_the_spec_has_its_command() -> None:
    assert set(COMMAND_OF_OPERATION) == set(operations())
    assert set(COMMAND_OF_OPERATION.values()) <= set(leaf_commands())


@pytest.mark.parametrize("command", sorted(COMMAND_OF_OPERATION.values()), ids=" ".join)
def test_each_operation_command_takes_a_campaign_id(command: tuple[str, ...]) -> None:
    group: click.Command = cli
    for name in command:
        assert isinstance(group, click.Group)
        group = group.commands[name]
    assert "--campaign-id" in {o for p in group.params for o in p.opts}


def _errors() -> list[BaseException]:
    return [
        ServerError(500, operation_id="x"),
        ServerError(503, operation_id="x"),
        BadRequestError(400, operation_id="x"),
        RateLimitError(420, operation_id="x"),
        TransportError("connect refused", maybe_sent=False),
        TransportError("read timeout", maybe_sent=True),
        httpx.ReadTimeout("not a ymarket error"),
    ]


@pytest.mark.parametrize("error", _errors(), ids=repr)
def test_a_stop_is_ambiguous_exactly_when_the_client_says_so(error: BaseException) -> None:
    assert stopped_ambiguous(error) is is_ambiguous(error)


def test_an_interrupt_during_a_request_is_ambiguous() -> None:
    assert stopped_ambiguous(KeyboardInterrupt())
