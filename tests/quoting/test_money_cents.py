"""``to_cents`` reads the cents off the amount's micro-euros: exactly the Decimal rounding it replaced."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quoting.money import NOISE_DECIMALS, to_cents


def decimal_cents(value: float) -> int:
    """The former rule: Decimal of the amount rounded to NOISE_DECIMALS, quantized half up."""
    exact = Decimal(repr(round(float(value), NOISE_DECIMALS)))
    return int(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_any_amount(value: float) -> None:
    assert to_cents(value) == decimal_cents(value)


@given(st.integers(min_value=-10**14, max_value=10**14), st.sampled_from([0.0, 4e-7, -4e-7, 5e-7, -5e-7, 1e-9]))
def test_half_cents_and_float_noise(micros: int, noise: float) -> None:
    value = micros / 1e6 + noise
    assert to_cents(value) == decimal_cents(value)


@pytest.mark.parametrize("value", [0.0, -0.0, 0.005, -0.005, 0.015, 1.005, 2.675, -0.125, 1e-7, 5e-7, 1.5e-5,
                                   999_999_999.995, 1e9 - 0.005, 1e9, 1e9 + 0.005, -1e9, 1e15, 1.23e17,
                                   np.float64(12.345), 7])
def test_edges(value: float) -> None:
    assert to_cents(value) == decimal_cents(value)
