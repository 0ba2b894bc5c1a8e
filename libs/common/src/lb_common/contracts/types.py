"""Field types shared by contracts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer

from lb_common.money import normalise_currency, parse_amount


def _strict_amount(value: object) -> Decimal:
    """Money crosses the wire as a decimal string; a JSON number (a float) would already have
    lost digits, so it is refused rather than silently rounded."""
    return parse_amount(value)


#: An exact amount: a decimal string (or int) in JSON, `Decimal` in Python, never a float.
Amount = Annotated[
    Decimal,
    BeforeValidator(_strict_amount),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="always"),
]

CurrencyCode = Annotated[
    str, BeforeValidator(normalise_currency), Field(min_length=3, max_length=3)
]
