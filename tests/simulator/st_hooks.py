"""schemathesis hooks for the simulator suite: loaded by the pytest tests and,
through ``SCHEMATHESIS_HOOKS``, by the CLI run.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

from tests.simulator.support import EXTENSION_RULES, error_rules

__all__ = ["positive_data_accepted"]

# Statuses a schema-valid request may get besides 2xx and 5xx: credentials and
# campaign access (401/403/404), the rate limit (420), a locked campaign (423).
# 400 is judged below.
_POSITIVE_ALLOWED = {401, 403, 404, 420, 423}


@schemathesis.check
def positive_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data is never refused by a JSON Schema rule of the spec.

    Replaces the built-in ``positive_data_acceptance``, which cannot tell a
    business rule from a schema rule. A 400 passes only when every error is a
    business rule (its own code) or an ``x-ymarket-*`` extension rule
    (``not-before``, ``cis-format``) schemathesis cannot know about.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if 200 <= status < 300 or status >= 500 or status in _POSITIVE_ALLOWED:
        return None
    if status == 400:
        rules = error_rules(json.loads(response.content))
        wrong = [
            (path, rule)
            for code, path, rule in rules
            if code == "BAD_REQUEST" and rule not in EXTENSION_RULES
        ]
        if rules and not wrong:
            return None
        raise AssertionError(f"schema-valid request refused by rules of the spec: {wrong or rules}")
    raise AssertionError(f"schema-valid request answered {status}")
