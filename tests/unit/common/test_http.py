from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from lb_common.errors import DependencyUnavailableError, RateLimitedError, RetryableError
from lb_common.http import create_http_client, retry_after_seconds, send_with_retries


def scripted(*responses: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[int]]:
    calls: list[int] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), calls


FAST = {"base_wait": 0.0, "max_wait": 0.0}


class TestSendWithRetries:
    async def test_retries_throttling_then_returns_success(self) -> None:
        transport, calls = scripted(
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(503),
            httpx.Response(200, json={"ok": True}),
        )
        async with create_http_client(base_url="https://qbo.test", transport=transport) as client:
            response = await send_with_retries(client, client.build_request("GET", "/x"), **FAST)
        assert response.json() == {"ok": True}
        assert len(calls) == 3

    async def test_gives_up_after_the_attempts_with_the_last_error(self) -> None:
        transport, calls = scripted(*(httpx.Response(429) for _ in range(3)))
        async with create_http_client(transport=transport) as client:
            with pytest.raises(RateLimitedError):
                await send_with_retries(
                    client, client.build_request("GET", "https://a.test/"), attempts=3, **FAST
                )
        assert len(calls) == 3

    async def test_client_errors_are_returned_not_retried(self) -> None:
        transport, calls = scripted(httpx.Response(400, json={"Fault": {}}))
        async with create_http_client(transport=transport) as client:
            response = await send_with_retries(
                client, client.build_request("POST", "https://a.test/"), **FAST
            )
        assert response.status_code == 400
        assert len(calls) == 1

    async def test_transport_failure_means_the_dependency_is_down(self) -> None:
        transport, _ = scripted(*(httpx.ConnectError("refused") for _ in range(2)))
        async with create_http_client(transport=transport) as client:
            with pytest.raises(DependencyUnavailableError):
                await send_with_retries(
                    client, client.build_request("GET", "https://a.test/"), attempts=2, **FAST
                )

    async def test_server_errors_are_retryable(self) -> None:
        transport, _ = scripted(httpx.Response(500), httpx.Response(502))
        async with create_http_client(transport=transport) as client:
            with pytest.raises(RetryableError):
                await send_with_retries(
                    client, client.build_request("GET", "https://a.test/"), attempts=2, **FAST
                )


class TestRetryAfter:
    def test_reads_seconds_and_http_dates(self) -> None:
        request = httpx.Request("GET", "https://a.test/")
        assert (
            retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"}, request=request))
            == 7.0
        )
        dated = httpx.Response(
            429, headers={"Retry-After": "Sun, 22 Nov 2026 10:00:30 GMT"}, request=request
        )
        now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
        assert retry_after_seconds(dated, now=now) == 30.0
        assert retry_after_seconds(httpx.Response(429, request=request)) is None
