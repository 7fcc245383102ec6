"""Every status code the spec declares for an operation is produced by the simulator.

The (operation, status) pairs come from the compiled spec; each status has a
way to provoke it. A status the spec adds without a way here fails the test,
and every answer must match the spec's response schema for its status.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import jsonschema_rs
import pytest
from ymarket.simulator import FakeClock, Simulator
from ymarket.spec import operations

from tests.simulator.support import KEY, VALID, send


def ok(sim: Simulator, op_id: str) -> httpx.Response:
    return send(sim, op_id, VALID[op_id], KEY)


def bad_request(sim: Simulator, op_id: str) -> httpx.Response:
    request = dict(VALID[op_id])
    if "json" in request:
        request["json"] = {}
    else:
        request["params"] = {"ids": "not-a-number"}
    return send(sim, op_id, request, KEY)


def unauthorized(sim: Simulator, op_id: str) -> httpx.Response:
    return send(sim, op_id, VALID[op_id], {})


def forbidden(sim: Simulator, op_id: str) -> httpx.Response:
    return send(sim, op_id, VALID[op_id], {"Api-Key": "stolen"})


def not_found(sim: Simulator, op_id: str) -> httpx.Response:
    request = dict(VALID[op_id])
    request["path"] = {**request["path"], "campaignId": 987654}
    return send(sim, op_id, request, KEY)


def rate_limited(sim: Simulator, op_id: str) -> httpx.Response:
    limit = operations()[op_id].rate_limit
    assert limit is not None
    tier = limit.tier()
    assert sim.rate_limits.spend(1001, op_id, tier, tier.limit, limit.unit) is None
    return ok(sim, op_id)


def locked(sim: Simulator, op_id: str) -> httpx.Response:
    request = dict(VALID[op_id])
    request["path"] = {**request["path"], "campaignId": 3003}
    return send(sim, op_id, request, KEY)


def server_error(sim: Simulator, op_id: str) -> httpx.Response:
    sim.faults.configure(error_rate=1.0)
    return ok(sim, op_id)


PROVOKE: dict[int, Callable[[Simulator, str], httpx.Response]] = {
    200: ok,
    400: bad_request,
    401: unauthorized,
    403: forbidden,
    404: not_found,
    420: rate_limited,
    423: locked,
    500: server_error,
}

DECLARED = sorted(
    (op_id, status) for op_id, op in operations().items() for status in op.status_codes
)


def test_every_operation_has_a_valid_request() -> None:
    assert set(VALID) == set(operations())


@pytest.mark.parametrize(("op_id", "status"), DECLARED)
def test_declared_status_is_produced(op_id: str, status: int) -> None:
    assert status in PROVOKE, f"no way to provoke {status} for {op_id}: add one to PROVOKE"
    sim = Simulator(clock=FakeClock())
    response = PROVOKE[status](sim, op_id)
    assert response.status_code == status, response.text
    declared = operations()[op_id].responses[str(status)]
    schema = declared.get("schema")
    if schema is None:
        assert response.content == b""
    else:
        jsonschema_rs.validate(schema, response.json())
    assert sim.requests[-1].status == status
