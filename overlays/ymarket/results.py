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

    Attached to whatever ended the call: a ymarket error, a ``ValidationError``,
    an exception raised by the input iterator or by ``on_chunk``, and also
    ``KeyboardInterrupt`` and ``asyncio.CancelledError`` (their type unchanged,
    a note added): read it with ``getattr(error, "progress", None)``.

    ``done``: items of chunks the server accepted; ``failed``: the chunk that was
    being sent when the call failed; ``uncertain``: the same items when that
    request may have been applied (an ambiguous failure, or an interruption while
    it was in flight), else empty; ``not_attempted``: items read from the input
    but not sent. ``read`` is how many items were taken from the input; for an
    iterator every item after them is still unread in it (``input_exhausted`` is
    False then), so what remains to do is ``not_done`` plus the rest of the
    iterator.
    """

    operation_id: str
    done: tuple[Any, ...]
    failed: tuple[Any, ...]
    not_attempted: tuple[Any, ...]
    chunks: tuple[ChunkResult, ...]
    input_exhausted: bool
    uncertain: tuple[Any, ...] = ()
    read: int | None = None

    @property
    def not_done(self) -> tuple[Any, ...]:
        """``failed`` then ``not_attempted``: everything read that still needs doing."""
        return self.failed + self.not_attempted

    def __str__(self) -> str:
        rest = (
            ""
            if self.input_exhausted
            else f" (the input was read up to item {self.read}; the rest of it is unread)"
            if self.read is not None
            else " (more items remain unread in the input)"
        )
        first = f", first not done: {self.not_done[0]!r:.80}" if self.not_done else ""
        maybe = " (may have been applied)" if self.uncertain else ""
        return (
            f"bulk {self.operation_id}: {len(self.done)} item(s) done in {len(self.chunks)} "
            f"chunk(s); {len(self.failed)} in the failed chunk{maybe} and "
            f"{len(self.not_attempted)} not attempted{rest}{first}"
        )
