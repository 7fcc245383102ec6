"""The look-ahead-free SKU pattern accepts exactly what the spec's pattern accepts (ECMA-262).

The oracle is the spec's own pattern run by an ECMA-262 engine (regress, ``u`` flag,
JSON Schema's dialect); the candidates are the derived pattern with its length bounds,
run by the same engine and by jsonschema-rs on the compiled schema the client and
the simulator validate with.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import jsonschema_rs
import pytest
import regress
from ymarket.spec import operation

from generator.build import SPEC_PATH
from generator.compile import LIST_PATTERN_KEY, SPEC_PATTERN_KEY, load_spec, to_json_schema
from generator.fast_patterns import UnsupportedPattern, has_look_around, look_ahead_free

SPEC = load_spec(SPEC_PATH)
SPEC_PATTERN: str = SPEC["components"]["schemas"]["ShopSku"]["pattern"]
COMPILED = to_json_schema(SPEC, {"$ref": "#/components/schemas/ShopSku"})
ORACLE = regress.Regex(SPEC_PATTERN, "u")
FAST = regress.Regex(COMPILED["pattern"], "u")
VALIDATOR = jsonschema_rs.Draft4Validator(COMPILED)
LISTING = COMPILED[LIST_PATTERN_KEY]
LIST_VALIDATOR = jsonschema_rs.Draft4Validator({"type": "string", "pattern": LISTING["pattern"]})
SURROGATES = range(0xD800, 0xE000)
EVERY = [chr(c) for c in range(0x110000) if c not in SURROGATES]


def _spec_says(value: str) -> bool:
    return ORACLE.find(value) is not None


def _assert_equivalent(values: list[str]) -> None:
    low, high = COMPILED["minLength"], COMPILED["maxLength"]
    for value in values:
        expected = _spec_says(value)
        fast = FAST.find(value) is not None and low <= len(value) <= high
        assert fast == expected, f"derived pattern on {value!r:.40}: {fast}, spec: {expected}"
        assert VALIDATOR.is_valid(value) == expected, f"jsonschema-rs on {value!r:.40}"


def test_the_compiled_schema_uses_the_derived_pattern_and_keeps_the_spec_one() -> None:
    assert not has_look_around(COMPILED["pattern"])
    assert COMPILED[SPEC_PATTERN_KEY] == SPEC_PATTERN
    assert (COMPILED["minLength"], COMPILED["maxLength"]) == (1, 255)
    request = operation("deleteCampaignOffers").request_body_schema
    assert request is not None
    assert request["properties"]["offerIds"]["items"]["pattern"] == COMPILED["pattern"]


@pytest.mark.parametrize(
    "context",
    ["{}", "a{}", " {} ", "\u2028{}", "{}\u2028a"],
    ids=["alone", "after a", "in spaces", "after LS", "before LS"],
)
def test_every_code_point_in_context(context: str) -> None:
    _assert_equivalent([context.format(c) for c in EVERY])


SAMPLES = {
    "ASCII": "a",
    "Cyrillic": "ж",
    "emoji": "\U0001f600",
    "tab": "\t",
    "no-break space": "\u00a0",
    "ideographic space": "\u3000",
}


@pytest.mark.parametrize("char", SAMPLES.values(), ids=SAMPLES.keys())
@pytest.mark.parametrize("length", [0, 1, 254, 255, 256])
def test_lengths_at_the_bounds(char: str, length: int) -> None:
    _assert_equivalent([char * length, "x" + char * (length - 1) if length else ""])


ALPHABET = (
    [chr(c) for c in range(0x20)]
    + ["\x7f", " ", "a", "Я", "\u0085", "\ufeff", "\u2028", "\u2029", "\u00a0", "\u1680"]
    + [chr(c) for c in range(0x2000, 0x200C)]
    + ["\u202f", "\u205f", "\u3000", "\U0001f600", "\U00010000", "\U0010ffff", "\u200b"]
)


def _random_strings(seed: int, count: int) -> Iterable[str]:
    rng = random.Random(seed)
    for _ in range(count):
        length = rng.choice([1, 2, 3, 5, 8, 40, 254, 255, 256, 300])
        yield "".join(rng.choice(ALPHABET) for _ in range(length))


@pytest.mark.parametrize("seed", range(4))
def test_random_strings_over_spaces_controls_and_astral_characters(seed: int) -> None:
    _assert_equivalent(list(_random_strings(seed, 5000)))


def test_the_ecma_dialect_decides_bom_and_next_line() -> None:
    # ECMA-262's \s has U+FEFF and not U+0085 (Python's and Rust's Unicode \s differ).
    assert not _spec_says("\ufeff") and _spec_says("\u0085")
    _assert_equivalent(["\ufeff", "\u0085", " \ufeff ", "\ufeffa", "\u2028a", "a\u2028"])


@pytest.mark.parametrize(
    "value", ["\ud800", "a\udc00", "\udbff\udfff"], ids=["high", "low after a", "reversed pair"]
)
def test_a_lone_surrogate_is_refused_by_the_client_not_crashing(value: str) -> None:
    # No UTF-8 form: neither engine can be asked; the request cannot be sent as JSON text
    # either, so validation refuses it with a problem, like any other invalid SKU.
    from ymarket.validation import check_request

    result = check_request(
        "deleteCampaignOffers", path_params={"campaignId": 1}, body={"offerIds": [value]}
    )
    assert [p.rule for p in result.errors] == ["unicode"]
    assert result.errors[0].path == "$.offerIds[0]"


@pytest.mark.parametrize(
    "pattern",
    [
        r"^(?!x)[a-z]{1,5}$",  # negative look-ahead
        r"^(?=.*\d.*)(?=.*[a-z].*)[a-z0-9]{1,5}$",  # two look-aheads
        r"^(?=.*\S.*)[^\x00]+$",  # no counted repeat
        r"^(?=.*ab.*)[a-z]{1,5}$",  # a needle longer than one character
        r"(?<=a)b",  # look-behind
    ],
)
def test_a_shape_it_cannot_transform_fails_loudly(pattern: str) -> None:
    assert has_look_around(pattern)
    with pytest.raises(UnsupportedPattern):
        look_ahead_free(pattern)


def test_the_message_names_the_spec_pattern() -> None:
    from ymarket.validation import check_request

    result = check_request(
        "deleteCampaignOffers", path_params={"campaignId": 1}, body={"offerIds": ["   "]}
    )
    assert [p.rule for p in result.errors] == ["pattern"]
    assert SPEC_PATTERN in result.errors[0].message
    assert COMPILED["pattern"] not in result.errors[0].message


def _list_says(values: list[str]) -> bool:
    """The list check as ymarket.validation runs it: joined, one separator fewer than values."""
    separator = LISTING["separator"]
    joined = separator.join(values)
    return joined.count(separator) == len(values) - 1 and LIST_VALIDATOR.is_valid(joined)


def _random_lists(seed: int, count: int) -> Iterable[list[str]]:
    """Lists of mostly valid values, some with one bad value or the separator inside one."""
    rng = random.Random(seed)
    friendly = ["a", "Я", "-", " ", "\t", "\u00a0", "\u0085", "\u2028", "\U0001f600", "\u3000"]
    strings = list(_random_strings(seed, 400)) + [
        "".join(rng.choice(friendly) for _ in range(rng.choice([1, 2, 5, 20, 255, 256])))
        for _ in range(600)
    ]
    valid = [value for value in strings if _spec_says(value)] + ["a", "SKU-1", " x ", "я\u2028"]
    invalid = [value for value in strings if not _spec_says(value)] + ["", " ", "\u2028a"]
    separator = LISTING["separator"]
    for _ in range(count):
        values = rng.sample(valid, rng.choice([1, 2, 3, 10, 50]))
        kind = rng.random()
        if kind < 0.3:
            values.insert(rng.randrange(len(values) + 1), rng.choice(invalid))
        elif kind < 0.4:  # a value holding the separator, whose halves are both valid
            values.insert(rng.randrange(len(values) + 1), f"a{separator}b")
        elif kind < 0.45:  # the separator alone, or at an end
            values.insert(rng.randrange(len(values) + 1), rng.choice([separator, f"{separator}a"]))
        yield values


@pytest.mark.parametrize("seed", range(3))
def test_the_list_pattern_accepts_a_list_exactly_when_the_spec_accepts_every_value(
    seed: int,
) -> None:
    low, high = COMPILED["minLength"], COMPILED["maxLength"]
    checked = 0
    for values in _random_lists(seed, 1500):
        expected = all(_spec_says(value) for value in values)
        # Lengths stay with the schema: the list pattern answers for the pattern only.
        fast = _list_says(values)
        patterns_only = all(FAST.find(value) is not None for value in values)
        assert fast == patterns_only, f"list pattern on {values!r:.120}"
        lengths = all(low <= len(value) <= high for value in values)
        assert (fast and lengths) == expected, f"list check on {values!r:.120}"
        checked += 1
    assert checked == 1500


@pytest.mark.parametrize("seed", range(2))
def test_the_client_check_of_a_list_agrees_with_the_spec_on_each_value(seed: int) -> None:
    """End to end: the validator's fast path (set, list pattern, the rest of the schema)."""
    from ymarket.validation import check_request

    for values in _random_lists(seed, 300):
        distinct = list(dict.fromkeys(values))
        result = check_request(
            "deleteCampaignOffers",
            path_params={"campaignId": 1},
            body={"offerIds": distinct},
            bulk=True,
        )
        assert result.ok == all(_spec_says(value) for value in distinct), repr(distinct)[:120]


def test_the_list_separator_is_outside_every_class_of_the_pattern() -> None:
    separator = LISTING["separator"]
    assert separator == "\n"
    assert not _spec_says(separator) and not _spec_says(f"a{separator}b")
