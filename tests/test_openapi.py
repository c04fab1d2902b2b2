"""openapi/openapi.json is the generated document, checked in: they must not drift apart."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.app import create_app
from gateway.settings import Settings

GOLDEN = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def test_openapi_golden_file_is_current() -> None:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="k"))
    current = json.loads(json.dumps(app.openapi()))
    assert current == json.loads(GOLDEN.read_text()), (
        "openapi/openapi.json is stale: run `make openapi` and commit it"
    )


def test_openapi_documents_problems_and_auth() -> None:
    doc = json.loads(GOLDEN.read_text())
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    for path, item in doc["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method, op in item.items():
            # The OAuth2 provider's redirect carries no token (its state decides).
            assert ("401" in op["responses"]) != (path == "/v1/oauth2/callback"), (method, path)
            assert any(code.startswith("2") for code in op["responses"]), (method, path)


def test_cli_prints_the_same_document() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "gateway", "openapi"], capture_output=True, check=True, timeout=60
    ).stdout
    assert json.loads(out) == json.loads(GOLDEN.read_text())
