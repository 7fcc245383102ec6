"""Typed results of the client's calls, and the progress of bulk calls."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = [
    "BulkProgress",
    "ChunkResult",
    "DeleteOffersResult",
    "LicensesResult",
    "OrderItemsResult",
]


@attrs.frozen
class ChunkResult:
    """One request of a bulk call, answered with success.

    ``index`` counts chunks from 0, ``start`` is the position of the chunk's
    first item in the input, ``items`` are the chunk's items as sent,
    ``not_deleted`` the SKUs the server kept (deleteCampaignOffers only) and
    ``attempts`` how many times the request was sent.
    ``repeated_after_ambiguous_failure`` is True when an earlier attempt failed
    in a way that may have been applied (5xx, timeout or dropped connection
    after sending): SKUs that attempt deleted come back as not deleted (not
    found) in the repeat.
    """

    operation_id: str
    index: int
    start: int
    items: tuple[Any, ...]
    not_deleted: tuple[str, ...] = ()
    status_code: int = 200
    attempts: int = 1
    repeated_after_ambiguous_failure: bool = False


@attrs.frozen
class DeleteOffersResult:
    """Result of :meth:`ymarket.Client.delete_campaign_offers`.

    ``not_deleted_offer_ids``: every SKU of every chunk that remains in the
    store (not found, or stored in a Market warehouse), in input order.
    """

    not_deleted_offer_ids: tuple[str, ...]
    chunks: tuple[ChunkResult, ...]

    @property
    def requested(self) -> int:
        """How many SKUs were sent."""
        return sum(len(chunk.items) for chunk in self.chunks)

    @property
    def deleted_count(self) -> int:
        """How many SKUs the server did not report as kept."""
        return self.requested - len(self.not_deleted_offer_ids)


@attrs.frozen
class LicensesResult:
    """Result of deleting or updating outlet licenses: every chunk was accepted."""

    chunks: tuple[ChunkResult, ...]

    @property
    def count(self) -> int:
        """How many ids or licenses were sent."""
        return sum(len(chunk.items) for chunk in self.chunks)


@attrs.frozen
class OrderItemsResult:
    """Result of :meth:`ymarket.Client.update_order_items`: the order now has exactly ``items``."""

    campaign_id: int
    order_id: int
    items: tuple[dict[str, Any], ...]
    status_code: int = 200
    attempts: int = 1


@attrs.frozen
class BulkProgress:
    """Where a failed bulk call stopped: attached to the raised error as ``.progress``.

    ``done``: items of chunks the server accepted; ``failed``: the chunk whose
    request failed; ``not_attempted``: items read but not sent. When the input
    was an iterator, ``input_exhausted`` is False if items remain unread in it.
    """

    operation_id: str
    done: tuple[Any, ...]
    failed: tuple[Any, ...]
    not_attempted: tuple[Any, ...]
    chunks: tuple[ChunkResult, ...]
    input_exhausted: bool

    @property
    def not_done(self) -> tuple[Any, ...]:
        """``failed`` then ``not_attempted``: everything that still needs doing."""
        return self.failed + self.not_attempted

    def __str__(self) -> str:
        rest = "" if self.input_exhausted else " (more items remain unread in the input)"
        first = f", first not done: {self.not_done[0]!r:.80}" if self.not_done else ""
        return (
            f"bulk {self.operation_id}: {len(self.done)} item(s) done in {len(self.chunks)} "
            f"chunk(s); {len(self.failed)} in the failed chunk and {len(self.not_attempted)} "
            f"not attempted{rest}{first}"
        )
