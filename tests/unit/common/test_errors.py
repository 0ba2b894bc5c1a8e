from __future__ import annotations

import pytest

from lb_common import errors


class TestErrorTree:
    @pytest.mark.parametrize(
        ("error", "status", "retryable"),
        [
            (errors.RetryableError("x"), 503, True),
            (errors.DependencyUnavailableError("x"), 503, True),
            (errors.RateLimitedError("x", retry_after=2), 503, True),
            (errors.PermanentError("x"), 400, False),
            (errors.InvalidMessageError("x"), 400, False),
            (errors.AuthenticationFailedError("x"), 401, False),
            (errors.ForbiddenError("x"), 403, False),
            (errors.NotFoundError("x"), 404, False),
            (errors.ConflictError("x"), 409, False),
            (errors.BusinessRuleError("x"), 400, False),
        ],
    )
    def test_maps_to_http_status_and_bus_outcome(
        self, error: errors.LedgerbridgeError, status: int, retryable: bool
    ) -> None:
        assert error.http_status == status
        assert errors.is_retryable(error) is retryable

    def test_unclassified_failures_are_retried_not_dropped(self) -> None:
        assert errors.is_retryable(KeyError("bug"))

    def test_problem_body_names_the_error(self) -> None:
        problem = errors.NotFoundError("run 1 not found", run_id="1").to_problem()
        assert problem == {
            "error": "not_found",
            "message": "run 1 not found",
            "details": {"run_id": "1"},
        }
