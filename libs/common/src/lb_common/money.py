"""Money as Decimal with a currency: parsing, minor units, rounding and fair splitting.

No float ever enters: `parse_amount` refuses one, and every constructor takes `Decimal`, `int` or a
decimal string. Rounding happens once, at a boundary, with an explicit mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units that differ from 2; every other code has 2. Amazon marketplaces sell in
# JPY (0); QBO accepts the same exponents.
_MINOR_UNIT_EXCEPTIONS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip

#: Amazon and QBO both round half away from zero on line amounts.
COMMERCIAL_ROUNDING = ROUND_HALF_UP
#: Banker's rounding, for currency conversion where bias over many lines matters.
BANKERS_ROUNDING = ROUND_HALF_EVEN


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def minor_units(currency: str) -> int:
    """Number of decimal places of `currency` (ISO 4217)."""
    code = normalise_currency(currency)
    return _MINOR_UNIT_EXCEPTIONS.get(code, 2)


def normalise_currency(currency: str) -> str:
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise MoneyError(f"currency must be a three-letter ISO 4217 code, got {currency!r}")
    return code


def parse_amount(value: object) -> Decimal:
    """Parse an amount from JSON or CSV text. Floats are refused: they already lost precision."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"amounts must not be floats or booleans, got {value!r}")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        # Locale formats ("1.234,56") are the parser's job, which knows the report's locale;
        # here only a plain decimal string is money.
        try:
            amount = Decimal(value.strip())
        except InvalidOperation as exc:
            raise MoneyError(f"not a decimal amount: {value!r}") from exc
    else:
        raise MoneyError(f"cannot read an amount from {type(value).__name__}")
    if not amount.is_finite():
        raise MoneyError(f"amount must be finite, got {value!r}")
    return amount


def quantize(amount: Decimal, currency: str, rounding: str = COMMERCIAL_ROUNDING) -> Decimal:
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=rounding)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. Arithmetic across currencies is an error, not a guess."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", parse_amount(self.amount))
        object.__setattr__(self, "currency", normalise_currency(self.currency))

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        return cls(parse_amount(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    def to_minor(self, rounding: str = COMMERCIAL_ROUNDING) -> int:
        """Integer minor units, rounding once with the given mode."""
        return int(self.rounded(rounding).amount.scaleb(minor_units(self.currency)))

    def rounded(self, rounding: str = COMMERCIAL_ROUNDING) -> Money:
        return Money(quantize(self.amount, self.currency, rounding), self.currency)

    def is_rounded(self) -> bool:
        return self.amount == quantize(self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise MoneyError("multiply money by Decimal or int, never float")
        return Money(self.amount * factor, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def allocate(self, weights: Sequence[Decimal | int]) -> list[Money]:
        """Split this (rounded) amount by `weights` so the parts sum to it exactly.

        Largest-remainder method in minor units: each part is floored, and the leftover minor
        units go to the parts with the largest remainders (earlier parts win ties), so the split
        is deterministic and the total is preserved to the cent.
        """
        if not weights:
            raise MoneyError("allocate needs at least one weight")
        if any(w < 0 for w in weights):
            raise MoneyError("allocation weights must not be negative")
        total_weight = sum(Decimal(w) for w in weights)
        if total_weight == 0:
            raise MoneyError("allocation weights must not all be zero")
        total_minor = self.to_minor()
        sign = -1 if total_minor < 0 else 1
        magnitude = abs(total_minor)
        exact = [Decimal(magnitude) * Decimal(w) / total_weight for w in weights]
        floors = [int(x) for x in exact]
        leftover = magnitude - sum(floors)
        by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in by_remainder[:leftover]:
            floors[i] += 1
        return [Money.from_minor(sign * f, self.currency) for f in floors]


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum of `amounts`, all in `currency` (zero for none)."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
