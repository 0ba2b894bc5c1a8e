# syntax=docker/dockerfile:1.7
#
# ledgerbridge service images: one build target per service.
#
#   docker build --target gateway   -t ledgerbridge/gateway:dev   .
#   docker build --target ingest    -t ledgerbridge/ingest:dev    .
#   docker build --target ledger    -t ledgerbridge/ledger:dev    .
#   docker build --target inventory -t ledgerbridge/inventory:dev .
#
# Each image holds one virtualenv at /opt/venv with only its own service and lb-common,
# installed from the committed uv.lock with --frozen (the build fails instead of re-resolving)
# as regular, non-editable wheels: no source tree, no dev tools, no uv in the final image.
# The default command is `lb-<svc> serve`; run `lb-<svc> migrate` in the same image to apply
# that service's Alembic migrations. Processes run as the unprivileged uid/gid 10001.
# Needs BuildKit (the default builder since Docker 23) for the cache mounts.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS python-base
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# ---------------------------------------------------------------------------------------------
# builder: uv from PyPI plus the workspace manifests. The lock and every member's pyproject.toml
# must be present for uv to see the whole workspace; sources come later so that the dependency
# layer is cached until uv.lock changes.
FROM python-base AS builder
ARG UV_VERSION=0.13.9
RUN pip install "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY libs/common/pyproject.toml libs/common/pyproject.toml
COPY libs/spapi/pyproject.toml libs/spapi/pyproject.toml
COPY emulators/amazon/pyproject.toml emulators/amazon/pyproject.toml
COPY emulators/qbo/pyproject.toml emulators/qbo/pyproject.toml
COPY services/gateway/pyproject.toml services/gateway/pyproject.toml
COPY services/ingest/pyproject.toml services/ingest/pyproject.toml
COPY services/ledger/pyproject.toml services/ledger/pyproject.toml
COPY services/inventory/pyproject.toml services/inventory/pyproject.toml

# ---------------------------------------------------------------------------------------------
# Per-service virtualenvs: third-party dependencies first (no workspace members, so no sources
# needed), then lb-common and the service itself as wheels.
FROM builder AS build-gateway
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package lb-gateway
COPY libs/common/src libs/common/src
COPY services/gateway/src services/gateway/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package lb-gateway

FROM builder AS build-ingest
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package lb-ingest
COPY libs/common/src libs/common/src
COPY services/ingest/src services/ingest/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package lb-ingest

FROM builder AS build-ledger
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package lb-ledger
COPY libs/common/src libs/common/src
COPY services/ledger/src services/ledger/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package lb-ledger

FROM builder AS build-inventory
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package lb-inventory
COPY libs/common/src libs/common/src
COPY services/inventory/src services/inventory/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package lb-inventory

# ---------------------------------------------------------------------------------------------
# runtime: the same Python image (the venv's interpreter links to /usr/local/bin/python3.11),
# a fixed numeric non-root user (so Kubernetes runAsNonRoot can verify it), no build tools.
FROM python-base AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH="/opt/venv/bin:${PATH}"
RUN groupadd --system --gid 10001 ledgerbridge \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin ledgerbridge
WORKDIR /app
USER 10001:10001

# ---------------------------------------------------------------------------------------------
# Service targets. The HEALTHCHECK uses the standard library (slim images have no curl); it is
# shell form so that the port follows <P>HTTP_PORT when that is overridden at run time.
FROM runtime AS gateway
COPY --from=build-gateway /opt/venv /opt/venv
ENV GATEWAY_HTTP_HOST=0.0.0.0 \
    GATEWAY_HTTP_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${GATEWAY_HTTP_PORT:-8000}/healthz', timeout=3)"
CMD ["lb-gateway", "serve"]

FROM runtime AS ingest
COPY --from=build-ingest /opt/venv /opt/venv
ENV INGEST_HTTP_HOST=0.0.0.0 \
    INGEST_HTTP_PORT=8001
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${INGEST_HTTP_PORT:-8001}/healthz', timeout=3)"
CMD ["lb-ingest", "serve"]

FROM runtime AS ledger
COPY --from=build-ledger /opt/venv /opt/venv
ENV LEDGER_HTTP_HOST=0.0.0.0 \
    LEDGER_HTTP_PORT=8002
EXPOSE 8002
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${LEDGER_HTTP_PORT:-8002}/healthz', timeout=3)"
CMD ["lb-ledger", "serve"]

FROM runtime AS inventory
COPY --from=build-inventory /opt/venv /opt/venv
ENV INVENTORY_HTTP_HOST=0.0.0.0 \
    INVENTORY_HTTP_PORT=8003
EXPOSE 8003
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${INVENTORY_HTTP_PORT:-8003}/healthz', timeout=3)"
CMD ["lb-inventory", "serve"]
