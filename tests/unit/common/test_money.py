from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lb_common.money import Money, MoneyError, minor_units, parse_amount, quantize, total


class TestParseAmount:
    def test_reads_decimal_strings_exactly(self) -> None:
        assert parse_amount("19.99") == Decimal("19.99")
        assert parse_amount(" -0.10 ") == Decimal("-0.10")

    def test_refuses_floats_and_booleans(self) -> None:
        with pytest.raises(MoneyError, match="float"):
            parse_amount(19.99)
        with pytest.raises(MoneyError):
            parse_amount(True)

    def test_refuses_text_that_is_not_a_number(self) -> None:
        with pytest.raises(MoneyError, match="not a decimal amount"):
            parse_amount("12,50 €")

    def test_refuses_infinity_and_nan(self) -> None:
        with pytest.raises(MoneyError, match="finite"):
            parse_amount("NaN")


class TestMinorUnits:
    @pytest.mark.parametrize(
        ("currency", "units"), [("USD", 2), ("eur", 2), ("JPY", 0), ("KWD", 3), ("GBP", 2)]
    )
    def test_known_currencies(self, currency: str, units: int) -> None:
        assert minor_units(currency) == units

    def test_refuses_a_code_that_is_not_iso(self) -> None:
        with pytest.raises(MoneyError, match="ISO 4217"):
            minor_units("US")

    def test_rounds_half_up_at_the_currency_exponent(self) -> None:
        assert quantize(Decimal("1.005"), "USD") == Decimal("1.01")
        assert quantize(Decimal("-1.005"), "USD") == Decimal("-1.01")
        assert quantize(Decimal("100.5"), "JPY") == Decimal("101")


class TestMoney:
    def test_adds_within_a_currency(self) -> None:
        assert Money.of("1.10", "USD") + Money.of("2.20", "usd") == Money.of("3.30", "USD")

    def test_refuses_to_mix_currencies(self) -> None:
        with pytest.raises(MoneyError, match="USD with EUR"):
            _ = Money.of("1", "USD") + Money.of("1", "EUR")

    def test_refuses_float_factors(self) -> None:
        with pytest.raises(MoneyError):
            _ = Money.of("1", "USD") * 1.5  # type: ignore[operator]

    def test_minor_units_round_trip(self) -> None:
        assert Money.of("12.34", "USD").to_minor() == 1234
        assert Money.from_minor(1234, "USD") == Money.of("12.34", "USD")
        assert Money.of("1234", "JPY").to_minor() == 1234

    def test_total_of_nothing_is_zero(self) -> None:
        assert total([], "CAD") == Money.zero("CAD")

    def test_allocation_gives_the_leftover_cents_to_the_largest_remainders(self) -> None:
        parts = Money.of("100.00", "USD").allocate([1, 1, 1])
        assert parts == [
            Money.of("33.34", "USD"),
            Money.of("33.33", "USD"),
            Money.of("33.33", "USD"),
        ]

    def test_allocation_of_a_negative_amount_keeps_its_sign(self) -> None:
        parts = Money.of("-10.00", "EUR").allocate([2, 1])
        assert parts == [Money.of("-6.67", "EUR"), Money.of("-3.33", "EUR")]

    def test_allocation_refuses_all_zero_weights(self) -> None:
        with pytest.raises(MoneyError, match="zero"):
            Money.of("1", "USD").allocate([0, 0])


amounts = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
weights = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(any)


class TestMoneyProperties:
    @given(amount=amounts, weights=weights)
    def test_allocation_preserves_the_total_to_the_cent(
        self, amount: Decimal, weights: list[int]
    ) -> None:
        money = Money(amount, "USD")
        parts = money.allocate(weights)
        assert total(parts, "USD") == money
        assert all(part.is_rounded() for part in parts)

    @given(
        amount=st.decimals(
            min_value=Decimal("-1e9"),
            max_value=Decimal("1e9"),
            allow_nan=False,
            allow_infinity=False,
        )
    )
    def test_rounding_is_stable(self, amount: Decimal) -> None:
        once = Money(amount, "USD").rounded()
        assert once.rounded() == once
        assert abs(once.amount - amount) <= Decimal("0.005")
