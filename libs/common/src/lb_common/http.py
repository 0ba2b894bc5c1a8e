"""HTTP client plumbing for adapters: one factory, explicit timeouts, bounded retries.

The transport is the test seam: pass `httpx.MockTransport` (or an ASGI transport onto an
emulator) instead of patching. Retries live here, at the adapter boundary, and stop well inside
the broker's 30-minute ack timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from lb_common.errors import DependencyUnavailableError, RateLimitedError, RetryableError

#: Statuses worth trying again: throttled, or the server's own trouble.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def create_http_client(
    *,
    base_url: str = "",
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    user_agent: str = "ledgerbridge/0.1",
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        headers={"User-Agent": user_agent, "Accept": "application/json", **(headers or {})},
        transport=transport,
        follow_redirects=False,
    )


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def raise_for_retryable(response: httpx.Response) -> httpx.Response:
    """Turn throttling and server errors into our retryable errors; leave the rest to callers."""
    if response.status_code == 429:
        raise RateLimitedError(
            f"{response.request.method} {response.request.url.path} throttled (429)",
            retry_after=retry_after_seconds(response),
            status=429,
        )
    if response.status_code in RETRYABLE_STATUSES:
        raise RetryableError(
            f"{response.request.method} {response.request.url.path} "
            f"answered {response.status_code}",
            status=response.status_code,
        )
    return response


def _wait(state: RetryCallState, *, base: float, cap: float) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RateLimitedError) and error.retry_after is not None:
        return float(min(cap, error.retry_after))
    return float(min(cap, base * (2 ** (state.attempt_number - 1))))


async def send_with_retries(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    attempts: int = 5,
    max_seconds: float = 120.0,
    base_wait: float = 0.5,
    max_wait: float = 30.0,
) -> httpx.Response:
    """Send, retrying retryable statuses and transport errors; the last failure is raised.

    A transport failure that outlives the retries becomes `DependencyUnavailableError`, which makes
    a consumer pause rather than burn delivery attempts.
    """

    async def attempt() -> httpx.Response:
        try:
            response = await client.send(request)
        except httpx.TransportError as exc:
            raise DependencyUnavailableError(
                f"{request.method} {request.url.host}: {type(exc).__name__}",
                dependency=request.url.host,
            ) from exc
        if response.status_code in RETRYABLE_STATUSES:
            await response.aread()
        return raise_for_retryable(response)

    retrying = AsyncRetrying(
        retry=retry_if_exception(lambda e: isinstance(e, RetryableError)),
        stop=stop_after_attempt(attempts) | stop_after_delay(max_seconds),
        wait=lambda state: _wait(state, base=base_wait, cap=max_wait),
        reraise=True,
    )
    async for attempt_state in retrying:
        with attempt_state:
            return await attempt()
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover
