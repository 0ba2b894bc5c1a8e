"""Gateway REST API, version 1: sync runs (more resources arrive with the gateway issue)."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status

from lb_common.contracts.gateway.sync_requested import SyncTrigger
from lb_common.errors import AuthenticationFailedError, NotFoundError
from lb_common.service.runtime import ServiceRuntime
from lb_gateway.repository import SyncRunRepository
from lb_gateway.schemas import SyncRequestIn, SyncRunList, SyncRunPublic
from lb_gateway.service import request_sync
from lb_gateway.settings import GatewaySettings

TenantId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]


def require_api_key(
    runtime: Runtime,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    """`Authorization: Bearer <key>` or `X-API-Key: <key>`, compared in constant time."""
    presented = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        presented = authorization[7:].strip()
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    expected = settings.api_key.get_secret_value().encode()
    if not presented or not hmac.compare_digest(presented.encode(), expected):
        raise AuthenticationFailedError("a valid API key is required")


router = APIRouter(prefix="/v1", tags=["syncs"], dependencies=[Depends(require_api_key)])


@router.post(
    "/tenants/{tenant_id}/syncs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SyncRunPublic,
    summary="Start a sync run for a tenant",
)
async def start_sync(
    tenant_id: TenantId, runtime: Runtime, body: SyncRequestIn | None = None
) -> SyncRunPublic:
    request = body or SyncRequestIn()
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    async with runtime.uow() as uow:
        run = await request_sync(
            uow,
            tenant_id=tenant_id,
            trigger=SyncTrigger.MANUAL,
            workflows=tuple(request.workflows),
            window_start=request.window_start,
            window_end=request.window_end,
            expected_sources=settings.pipeline_sources,
            now=datetime.now(UTC),
        )
    runtime.relay.wake()
    return SyncRunPublic.of(run)


@router.get(
    "/tenants/{tenant_id}/syncs/{run_id}",
    response_model=SyncRunPublic,
    summary="A sync run's state, progress per service and stage, and counts",
)
async def get_sync(tenant_id: TenantId, run_id: UUID, runtime: Runtime) -> SyncRunPublic:
    async with runtime.uow() as uow:
        run = await SyncRunRepository(uow.session).get(tenant_id, run_id)
    if run is None:
        raise NotFoundError(f"sync run {run_id} not found for tenant {tenant_id}")
    return SyncRunPublic.of(run)


@router.get("/tenants/{tenant_id}/syncs", response_model=SyncRunList, summary="Recent sync runs")
async def list_syncs(
    tenant_id: TenantId, runtime: Runtime, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> SyncRunList:
    async with runtime.uow() as uow:
        runs = await SyncRunRepository(uow.session).list_for_tenant(tenant_id, limit)
    return SyncRunList(items=[SyncRunPublic.of(r) for r in runs])
