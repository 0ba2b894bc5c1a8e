"""The error tree every service raises, and what each branch means to the bus and to HTTP.

    LedgerbridgeError
    ├── RetryableError                  bounded retry in the handler, then requeue   (HTTP 503)
    │   ├── DependencyUnavailableError  the consumer pauses until a health probe passes (503)
    │   └── RateLimitedError            the remote said slow down; `retry_after` seconds (503)
    └── PermanentError                  never retried: the message is dead-lettered     (HTTP 400)
        ├── InvalidMessageError         unknown routing key, or a body that fails its contract (400)
        ├── AuthenticationFailedError   missing or wrong credentials                    (401)
        ├── ForbiddenError              credentials valid, action not allowed           (403)
        ├── NotFoundError               the thing does not exist *for this caller*      (404)
        ├── ConflictError               the request contradicts current state           (409)
        └── BusinessRuleError           valid shape, refused by a rule of the domain    (400)

Infrastructure errors of the bus itself live here too, because callers decide on them:

    BusError
    ├── UnroutableMessageError  the broker returned a mandatory publish: no queue is bound
    └── PublishNotConfirmedError the broker nacked, or the confirm did not arrive in time

HTTP status 422 is left to FastAPI for payload validation only (STYLE.md §10).
"""

from __future__ import annotations

from typing import ClassVar


class LedgerbridgeError(Exception):
    """Base of every error ledgerbridge raises on purpose."""

    http_status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_problem(self) -> dict[str, object]:
        """A JSON body naming what went wrong; details must never carry secrets."""
        return {"error": self.code, "message": self.message, "details": self.details}


class RetryableError(LedgerbridgeError):
    """Trying again later may succeed: the message is requeued, never dropped."""

    http_status = 503
    code = "retryable"


class DependencyUnavailableError(RetryableError):
    """A dependency (QBO, Amazon, a token) is down: stop consuming instead of burning attempts."""

    code = "dependency_unavailable"


class RateLimitedError(RetryableError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **details: object):
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class PermanentError(LedgerbridgeError):
    """Trying again cannot succeed: the message goes to the dead-letter queue with this reason."""

    http_status = 400
    code = "permanent"


class InvalidMessageError(PermanentError):
    code = "invalid_message"


class AuthenticationFailedError(PermanentError):
    http_status = 401
    code = "unauthenticated"


class ForbiddenError(PermanentError):
    http_status = 403
    code = "forbidden"


class NotFoundError(PermanentError):
    http_status = 404
    code = "not_found"


class ConflictError(PermanentError):
    http_status = 409
    code = "conflict"


class BusinessRuleError(PermanentError):
    code = "business_rule"


class BusError(LedgerbridgeError):
    """The bus could not take a message; the outbox keeps it and the relay tries again."""

    code = "bus_error"


class UnroutableMessageError(BusError):
    code = "unroutable"


class PublishNotConfirmedError(BusError):
    code = "publish_not_confirmed"


def is_retryable(error: BaseException) -> bool:
    """Whether a handler failure should requeue (True) or dead-letter (False).

    Anything we did not classify is treated as retryable: the delivery limit is the fuse that
    dead-letters a message that keeps failing, so an unexpected bug never silently drops data.
    """
    if isinstance(error, PermanentError):
        return False
    return True
