"""Routing key → message model, so a consumer can turn bytes into the right frozen model."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from lb_common.contracts.base import Message
from lb_common.errors import InvalidMessageError


class ContractRegistry:
    def __init__(self, models: Iterable[type[Message]] = ()) -> None:
        self._models: dict[str, type[Message]] = {}
        for model in models:
            self.register(model)

    def register(self, model: type[Message]) -> None:
        key = model.routing_key
        existing = self._models.get(key)
        if existing is not None and existing is not model:
            raise ValueError(f"{key} is already registered to {existing.__name__}")
        self._models[key] = model

    def model_for(self, routing_key: str) -> type[Message]:
        try:
            return self._models[routing_key]
        except KeyError:
            raise InvalidMessageError(
                f"no contract is registered for routing key {routing_key!r}",
                routing_key=routing_key,
            ) from None

    def decode(self, routing_key: str, body: bytes) -> Message:
        """Parse a body into its contract, or raise `InvalidMessageError` naming what is wrong."""
        model = self.model_for(routing_key)
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidMessageError(
                f"{routing_key} body does not match {model.__name__}: {problems}",
                routing_key=routing_key,
            ) from exc

    @property
    def routing_keys(self) -> frozenset[str]:
        return frozenset(self._models)


def default_registry() -> ContractRegistry:
    """Every contract ledgerbridge knows."""
    from lb_common.contracts import ALL_CONTRACTS

    return ContractRegistry(ALL_CONTRACTS)
