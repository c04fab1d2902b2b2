"""The response-contract hook (tests/openapi_contract.py) fails a test on a drift."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Response
from pydantic import BaseModel

from tests.openapi_contract import ResponseContract


class Count(BaseModel):
    n: int


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/count/special", response_model=Count)
    async def special() -> Count:
        return Count(n=2)

    @app.get("/count/{which}", response_model=Count)
    async def count(which: str) -> Response:
        body = {"fits": b'{"n": 1}', "drifts": b'{"n": "one"}', "teapot": b"{}"}[which]
        return Response(
            body, status_code=418 if which == "teapot" else 200, media_type="application/json"
        )

    return app


async def test_response_contract_fails_a_body_or_status_the_document_does_not_promise() -> None:
    app = _app()
    contract = ResponseContract(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        event_hooks={"response": [contract]},
    ) as client:
        assert (await client.get("/count/fits")).json() == {"n": 1}
        assert (await client.get("/count/special")).json() == {"n": 2}
        assert contract.checked == 2
        with pytest.raises(AssertionError, match="does not fit the schema"):
            await client.get("/count/drifts")
        with pytest.raises(AssertionError, match="status not documented"):
            await client.get("/count/teapot")
        assert (await client.get("/nowhere")).status_code == 404  # no operation: not checked
    assert contract.operation("GET", "/count/special")[0] == "/count/special"
