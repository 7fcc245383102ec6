"""What the command modules share: click settings, the global options' object, common options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ymarket.cli._session import Settings

__all__ = [
    "CONTEXT",
    "SpecHelpOption",
    "campaign_id_option",
    "command_group",
    "journal_option",
    "settings_of",
]

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
"""click's context settings of every group and command."""

campaign_id_option = click.option(
    "--campaign-id", required=True, type=int, help="The store (campaign) id."
)
"""``--campaign-id``, which every API command takes."""


def command_group(name: str, help_text: str) -> click.Group:
    """A group of commands (``ymarket offers``, ``ymarket licenses`` ...)."""
    return click.Group(name, help=help_text, context_settings=CONTEXT)


def journal_option(without: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--journal FILE`` of a journaled job; ``without``: what a resumed run does not do."""
    return click.option(
        "--journal",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Record each chunk's outcome here; rerun with the same file to resume without "
        f"{without}.",
    )


def settings_of(ctx: click.Context) -> Settings:
    """The global options, given to the group before the command."""
    settings = ctx.find_object(Settings)
    assert settings is not None
    return settings


class SpecHelpOption(click.Option):
    """An option whose help text is read from the compiled spec, only when help is shown
    (importing the spec would slow every start of the command)."""

    def __init__(self, *args: Any, spec_help: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spec_help = spec_help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = self._spec_help()
        return super().get_help_record(ctx)
