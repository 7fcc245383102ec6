"""What the command modules share: click settings, the global options' object, common options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ymarket.cli._session import Settings

__all__ = ["CONTEXT", "SpecHelpOption", "campaign_id_option", "settings_of"]

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
"""click's context settings of every group and command."""

campaign_id_option = click.option(
    "--campaign-id", required=True, type=int, help="The store (campaign) id."
)
"""``--campaign-id``, which every API command takes."""


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
