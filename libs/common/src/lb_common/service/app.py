"""The FastAPI shell every service shares: lifespan, health, readiness, metrics, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from lb_common.errors import LedgerbridgeError, NotFoundError
from lb_common.logging import bind_context, get_logger
from lb_common.messaging.envelope import QueueSpec
from lb_common.service.runtime import ServiceRuntime

log = get_logger(__name__)


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    routers: Iterable[APIRouter] = (),
    manage_runtime: bool = True,
) -> FastAPI:
    """`manage_runtime=False` when something else (standalone mode) starts and stops the runtime."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
        try:
            yield
        finally:
            if manage_runtime:
                await runtime.stop()

    app = FastAPI(title=title, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime

    @app.middleware("http")
    async def count_requests(request: Request, call_next):  # type: ignore[no-untyped-def]
        with bind_context(request_id=request.headers.get("x-request-id")):
            response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        runtime.metrics.http_requests.labels(
            method=request.method, route=path, status=str(response.status_code)
        ).inc()
        return response

    @app.exception_handler(LedgerbridgeError)
    async def domain_error(_request: Request, exc: LedgerbridgeError) -> JSONResponse:
        return JSONResponse(exc.to_problem(), status_code=exc.http_status)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @app.get("/readyz", tags=["operations"], summary="Readiness: database and bus reachable")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = runtime.started and all(checks.values())
        return JSONResponse(
            {
                "status": "ready" if ready else "not_ready",
                "service": runtime.name,
                "checks": checks,
            },
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        runtime.metrics.outbox_backlog.set(await runtime.relay.backlog())
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")

    app.include_router(dead_letter_router(runtime))
    for router in routers:
        app.include_router(router)
    return app


def _spec_named(runtime: ServiceRuntime, queue: str) -> QueueSpec:
    for consumer in runtime.consumers:
        if consumer.spec.name == queue:
            return consumer.spec
    raise NotFoundError(f"{runtime.name} has no queue named {queue!r}")


def dead_letter_router(runtime: ServiceRuntime) -> APIRouter:
    """Operators list and replay this service's dead letters (internal port, not the gateway)."""
    router = APIRouter(prefix="/admin/dead-letters", tags=["operations"])

    @router.get("", summary="Dead letters of every queue this service consumes")
    async def list_dead_letters(limit: int = 100) -> list[dict[str, object]]:
        letters: list[dict[str, object]] = []
        for consumer in runtime.consumers:
            found = await runtime.bus.dead_letters(consumer.spec, limit=limit)
            runtime.metrics.dead_letters.labels(queue=consumer.spec.name).set(len(found))
            letters.extend(
                {
                    "queue": letter.queue,
                    "message_id": letter.message_id,
                    "routing_key": letter.routing_key,
                    "reason": letter.reason,
                    "dead_lettered_at": letter.dead_lettered_at,
                    "body": letter.body.decode("utf-8", errors="replace"),
                }
                for letter in found
            )
        return letters

    @router.post("/{queue}/{message_id}/replay", summary="Put one dead letter back on its queue")
    async def replay(queue: str, message_id: str) -> dict[str, object]:
        spec = _spec_named(runtime, queue)
        if not await runtime.bus.replay_dead_letter(spec, message_id):
            raise NotFoundError(f"no dead letter {message_id} in {queue}.dlq")
        return {"replayed": message_id, "queue": queue}

    return router
