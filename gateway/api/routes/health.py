"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from ...errors import UpstreamUnavailable
from ..deps import ServicesDep, requires
from ..errors import problem_responses
from ..routing import GatewayRoute

router = APIRouter(tags=["operations"], route_class=GatewayRoute)


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health, status_code=200)
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz", response_model=Health, status_code=200, responses=problem_responses(503, auth=False)
)
async def readyz(services: ServicesDep) -> Health:
    # Ready: the store answers, and (GATEWAY_READY_MIN_CONNECTED above 0) at least that
    # share of the accounts this instance watches is connected. (No docstring: it would
    # become the operation's description in the OpenAPI document.)
    try:
        await services.store.ping()
    except Exception as exc:  # any driver error means "not ready"
        raise UpstreamUnavailable(
            f"store unreachable: {type(exc).__name__}", code="store_unavailable"
        ) from exc
    least, sync = services.settings.ready_min_connected, services.sync
    watched, connected = len(sync.watched), sync.connected
    if least > 0 and watched and connected < least * watched:
        raise UpstreamUnavailable(
            f"{connected} of the {watched} accounts this instance watches are connected; "
            f"ready from {least:.0%}",
            code="accounts_not_connected",
        )
    return Health(status="ready")


@router.get(
    "/metrics",
    status_code=200,
    response_class=Response,
    dependencies=requires("metrics"),
    responses={**problem_responses(403), 200: {"content": {"text/plain": {}}}},
)
async def metrics(request: Request) -> Response:
    metrics = request.app.state.metrics
    await metrics.refresh()
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
