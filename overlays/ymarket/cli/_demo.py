"""``ymarket demo``: a seller's session through the real Client against the simulator.

The simulator runs in this process with the demo dataset. Client and
simulator share one simulated clock: the client's waits (pacing and retry
backoff) advance it instead of sleeping, so the rate-limit step shows the real
retry logic (the simulator's fault injection answers 420 twice) without
waiting a real minute. Every step checks its outcome; an unexpected one stops
the demo with an error.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ymarket.cli._exit import ExitCode
from ymarket.cli._output import Output
from ymarket.cli._session import Failure, Settings

if TYPE_CHECKING:
    from ymarket import Client
    from ymarket.simulator import Simulator

__all__ = ["run_demo"]

CAMPAIGN = 1001
ZONE = "Europe/Moscow"


class _Demo:
    def __init__(self, client: Client, simulator: Simulator, output: Output) -> None:
        self.client = client
        self.sim = simulator
        self.out = output
        self.steps: list[dict[str, Any]] = []
        self.waits: list[float] = []

    def step(self, title: str, run: Callable[[], list[str]]) -> None:
        number = len(self.steps) + 1
        self.out.line(f"[{number}] {title}")
        sent_before = len(self.sim.requests)
        lines = run()
        requests = len(self.sim.requests) - sent_before
        for line in lines:
            self.out.line(f"    {line}")
        self.out.line(f"    requests sent: {requests}")
        self.out.line()
        self.steps.append({"step": number, "title": title, "requests": requests, "result": lines})

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            raise Failure(f"demo: unexpected outcome: {what}", ExitCode.INTERNAL)

    # -- steps ------------------------------------------------------------------

    def licenses_of(self, outlet: int) -> list[str]:
        return [
            f"license {lic.id}: {lic.number}, {lic.date_of_issue[:10]} .. {lic.date_of_expiry[:10]}"
            for lic in self.sim.state.licenses.values()
            if lic.outlet_id == outlet
        ]

    def create_licenses(self) -> list[str]:
        before = set(self.sim.state.licenses)
        self.client.update_outlet_licenses(
            CAMPAIGN,
            [
                {
                    "outletId": 502,
                    "licenseType": "ALCOHOL",
                    "number": number,
                    "dateOfIssue": datetime.date(2025, 3, 1),
                    "dateOfExpiry": datetime.date(2030, 2, 28),
                }
                for number in ("77RPA0100001", "77RPA0100002")
            ],
            tz=ZONE,
        )
        created = sorted(set(self.sim.state.licenses) - before)
        self.expect(len(created) == 2, "two licenses created")
        sent = self.sim.requests[-1].body["licenses"][0]["dateOfIssue"]
        return [
            f"dates given as 2025-03-01 with zone {ZONE}: sent as {sent}",
            f"the Market assigned ids {', '.join(map(str, created))}; outlet 502 now has:",
            *(f"  {line}" for line in self.licenses_of(502)),
        ]

    def change_and_delete_licenses(self) -> list[str]:
        self.client.update_outlet_licenses(
            CAMPAIGN,
            [
                {
                    "id": 9001,
                    "outletId": 501,
                    "licenseType": "ALCOHOL",
                    "number": "77RPA0012345",
                    "dateOfIssue": datetime.date(2024, 1, 15),
                    "dateOfExpiry": datetime.date(2031, 1, 14),
                }
            ],
            tz=ZONE,
        )
        self.client.delete_outlet_licenses(CAMPAIGN, [9002])
        self.expect(
            9002 not in self.sim.state.licenses
            and self.sim.state.licenses[9001].date_of_expiry.startswith("2031-01-14"),
            "license 9001 extended and 9002 deleted",
        )
        return [
            "license 9001 (has an id: changed) now expires 2031-01-14; license 9002 deleted",
            "outlet 501 now has:",
            *(f"  {line}" for line in self.licenses_of(501)),
        ]

    def delete_skus(self) -> list[str]:
        skus = [f"SKU-{n:05d}" for n in range(401, 1601)]
        lines: list[str] = []

        def on_chunk(chunk: Any) -> None:
            lines.append(
                f"chunk {chunk.index + 1}: {len(chunk.items)} SKUs "
                f"({chunk.items[0]} .. {chunk.items[-1]}), {len(chunk.not_deleted)} not deleted"
            )

        result = self.client.delete_campaign_offers(CAMPAIGN, skus, on_chunk=on_chunk)
        kept = result.not_deleted_offer_ids
        self.expect(len(result.chunks) == 3 and len(kept) == 12, "3 chunks, 12 kept")
        bucket = self.client.rate_limiter.bucket("deleteCampaignOffers", CAMPAIGN)  # type: ignore[union-attr]
        assert bucket is not None
        return [
            *lines,
            f"deleted {result.deleted_count} of {result.requested}; not deleted "
            f"{len(kept)} (stored in a Market warehouse): {', '.join(kept[:6])}, ...",
            f"pacing: {bucket.used} of {bucket.limit} SKUs per {bucket.period:g} s "
            "of this campaign's quota used",
        ]

    def update_order(self) -> list[str]:
        order = self.sim.state.orders[(CAMPAIGN, 70001)]
        before = [f"item {i.id} {i.offer_id} x{i.count}" for i in order.items]
        self.client.update_order_items(
            CAMPAIGN,
            70001,
            [
                {"id": 1, "count": 0},  # removed
                {"id": 2, "count": 1},  # reduced from 2
                {"id": 3, "count": 1},  # kept: an item not listed would be REMOVED
            ],
            reason="PARTNER_REQUESTED_REMOVE",
        )
        order = self.sim.state.orders[(CAMPAIGN, 70001)]
        after = [f"item {i.id} {i.offer_id} x{i.count}" for i in order.items]
        self.expect([i.id for i in order.items] == [2, 3], "item 1 removed, 2 reduced")
        return [
            f"order 70001 ({order.status}/{order.substatus}) before: {'; '.join(before)}",
            "sent: item 1 count 0 (remove), item 2 count 1 (reduce), item 3 count 1 (keep: "
            "items not listed are removed)",
            f"after: {'; '.join(after)}",
        ]

    def refused(self) -> list[str]:
        from ymarket import ValidationError

        before = len(self.sim.requests)
        try:
            self.client.update_outlet_licenses(
                CAMPAIGN,
                [
                    {
                        "outletId": 501,
                        "licenseType": "ALCOHOL",
                        "number": "77RPA0100003",
                        "dateOfIssue": datetime.date(2025, 6, 1),
                        "dateOfExpiry": datetime.date(2025, 5, 31),
                    }
                ],
                tz=ZONE,
            )
        except ValidationError as error:
            self.expect(len(self.sim.requests) == before, "nothing sent")
            return [
                "a license that expires before it is issued:",
                *(f"  ValidationError: {p}" for p in error.problems),
                "nothing was sent",
            ]
        raise Failure("demo: the invalid license was not refused", ExitCode.INTERNAL)

    def rate_limited(self) -> list[str]:
        self.sim.faults.configure(rate_limit_burst=2)
        self.waits.clear()
        result = self.client.delete_campaign_offers(CAMPAIGN, ["tea green 100 g"])
        statuses = [r.status for r in self.sim.requests[-3:]]
        self.expect(statuses == [420, 420, 200], f"two 420s then 200, got {statuses}")
        waited = ", then ".join(f"{w:.1f} s" for w in self.waits)
        return [
            "the simulator answers the next 2 requests with 420 (fault injection)",
            f"attempts: {', '.join(map(str, statuses))}; the client waited {waited} "
            "(exponential backoff with jitter; the demo's clock is simulated, so no real wait)",
            f"'tea green 100 g' deleted after {result.chunks[0].attempts} attempts",
        ]


def run_demo(settings: Settings) -> None:
    """Run the demo session, printing each step; raise :class:`Failure` if a step misbehaves."""
    from ymarket import Client
    from ymarket.simulator import BASE_URL, DEMO_API_KEY, FakeClock, Simulator

    output = settings.output
    clock = FakeClock()
    simulator = Simulator(clock=clock)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    output.line("ymarket demo: a seller's session against the simulator (in-process, demo data)")
    output.line(f"campaign {CAMPAIGN} (DBS), outlets 501 and 502, API key {DEMO_API_KEY!r}")
    output.line()
    with Client(
        api_key=DEMO_API_KEY,
        base_url=BASE_URL,
        transport=simulator.sync_transport(),
        allow_insecure_http=True,  # the transport runs the app in this process
        clock=clock,
        sleep=sleep,
        log_bodies=settings.verbose > 1,
    ) as client:
        demo = _Demo(client, simulator, output)
        demo.waits = waits
        demo.step("Create two alcohol licenses for outlet 502", demo.create_licenses)
        demo.step("Change license 9001, delete license 9002", demo.change_and_delete_licenses)
        demo.step("Delete 1,200 SKUs (three chunks of at most 500)", demo.delete_skus)
        demo.step("Order 70001: remove item 1, reduce item 2", demo.update_order)
        demo.step("A request refused before sending (client-side validation)", demo.refused)
        demo.step("A rate-limited call, retried after a backoff", demo.rate_limited)
    total = len(simulator.requests)
    output.line(f"demo finished: {len(demo.steps)} steps, {total} requests, all as expected")
    output.document({"command": "demo", "ok": True, "exitCode": 0, "steps": demo.steps})
