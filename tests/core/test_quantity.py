"""Our quantity parser against the official client's, and Kubernetes' printing rules."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kubernetes.utils.quantity import parse_quantity as client_parse_quantity

from kubectl_hpa.core.quantity import (
    QuantityError,
    format_duration,
    format_milli,
    parse_duration,
    parse_milli,
    parse_quantity,
)

TABLE = [
    "0", "1", "10", "100m", "967m", "1833m", "50m", "1.5", "0.5", "2k", "1M", "3G", "1T", "2P", "1E",
    "50Mi", "128Mi", "1Gi", "9340Ki", "50688Ki", "2Ti", "1Pi", "1Ei", "500u", "250n", "12e3", "1E3",
    "1.5e2", "-1", "-250m", "+3", "0.000001", "1234567", "0.1", "12.5Mi", "7.25k",
]


def _as_fraction(value: Decimal) -> Fraction:
    return Fraction(value)


@pytest.mark.parametrize("text", TABLE)
def test_agrees_with_the_client_on_a_broad_table(text: str) -> None:
    assert parse_quantity(text) == _as_fraction(client_parse_quantity(text))


_suffix = st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"])
_quantity_strings = st.builds(
    lambda sign, whole, frac, suffix: f"{sign}{whole}{('.' + frac) if frac else ''}{suffix}",
    st.sampled_from(["", "+", "-"]),
    st.integers(min_value=0, max_value=10**9).map(str),
    st.one_of(st.just(""), st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")),
    _suffix,
)


@given(_quantity_strings)
def test_agrees_with_the_client_on_generated_strings(text: str) -> None:
    ours = parse_quantity(text)
    theirs = _as_fraction(client_parse_quantity(text))
    # apimachinery rounds below-nano precision up to whole nano-units; the client does not, and its Decimal
    # context keeps 28 significant digits (so 8673618.001Ei is rounded there, exact here).
    nanos = ours * 10**9
    exact = (theirs * 10**9).denominator == 1 and len(str(abs(nanos.numerator)).rstrip("0")) <= 28
    if exact:
        assert ours == theirs
    else:
        assert abs(ours - theirs) <= abs(ours) * Fraction(1, 10**26) + Fraction(1, 10**9)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "Mi", "1Ki2", "1K", "1 m", "1mi", "--1", "1e", "0x10", "1.5Zi"])
def test_rejects_what_kubernetes_rejects(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_milli_values_round_up_like_milli_value() -> None:
    assert parse_milli("967m") == 967
    assert parse_milli("1") == 1000
    assert parse_milli("50Mi") == 50 * 2**20 * 1000
    assert parse_milli("1u") == 1  # ceil(0.001) milli
    assert parse_milli("0.1n") == 1  # rounded to 1n on parse, then up to 1m


@pytest.mark.parametrize(("milli", "binary", "expected"), [
    (967, False, "967m"), (1833, False, "1833m"), (1000, False, "1"), (1500, False, "1500m"),
    (2_000_000, False, "2k"), (109, False, "109m"), (0, False, "0"), (-250, False, "-250m"),
    (52428800 * 1000, True, "50Mi"), (9340 * 1024 * 1000, True, "9340Ki"), (51904512 * 1000, False, "51904512"),
    (1000 * 1000, True, "1k"), (2**30 * 1000, True, "1Gi"), (512 * 1000, True, "512"),
])
def test_prints_like_kubernetes(milli: int, binary: bool, expected: str) -> None:
    assert format_milli(milli, binary=binary) == expected


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_printing_round_trips(milli: int) -> None:
    assert parse_milli(format_milli(milli)) == milli


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("5m", 300), ("1m0s", 60), ("1h30m", 5400), ("500ms", 0.5), ("90", 90), ("15.012s", 15.012),
    ("30d", 30 * 86400), ("1d12h", 129600),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5x", "m5", "1h 2m", "-"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_duration_printing_matches_go() -> None:
    assert [format_duration(s) for s in (0, 30, 300, 3600, 5400)] == ["0s", "30s", "5m0s", "1h0m0s", "1h30m0s"]


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["", "m", "k", "M", "G", "Ki", "Mi", "Gi", "Ti"]))
def test_the_whole_number_fast_path_equals_the_exact_path(number: int, suffix: str) -> None:
    from kubectl_hpa.core.quantity import MAX_MILLI, to_milli

    text = f"{number}{suffix}"
    exact = to_milli(parse_quantity(text))
    if exact > MAX_MILLI:
        with pytest.raises(QuantityError, match="too large"):
            parse_milli(text)
    else:
        assert parse_milli(text) == exact
