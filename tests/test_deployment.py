"""compose.yaml and the Dockerfile agree with the settings and with each other.

Docker does not run here, so nothing is built or started: the files are parsed (PyYAML),
their GATEWAY_* variables validated by the Settings model, the images checked to be pinned,
and both healthcheck commands run as written against a live gateway listening on the
port their environment names.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from gateway.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# An exact release: name:1.2.3[-variant] or a digest; never "latest" or a bare major.minor.
PINNED = re.compile(r"^[a-z0-9./_-]+(:\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?)?(@sha256:[0-9a-f]{64})?$")
_INTERPOLATED = re.compile(r"\$\{([A-Z_]+):\?[^}]*\}")


def gateways() -> dict[str, dict]:
    return {name: s for name, s in COMPOSE["services"].items() if name != "postgres"}


def environment(service: dict) -> dict[str, str]:
    """The service's environment with compose's ``${VAR:?message}`` filled with VAR's name."""
    return {
        k: _INTERPOLATED.sub(lambda m: m.group(1).lower(), str(v))
        for k, v in service["environment"].items()
    }


def settings_of(env: dict[str, str]) -> Settings:
    fields = Settings.model_fields
    unknown = [
        k
        for k in env
        if not k.startswith("GATEWAY_") or k.removeprefix("GATEWAY_").lower() not in fields
    ]
    assert not unknown, f"not GATEWAY_* settings: {unknown}"
    return Settings.model_validate({k.removeprefix("GATEWAY_").lower(): v for k, v in env.items()})


def test_compose_has_postgres_and_two_gateways_that_agree() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "gateway-1", "gateway-2"}
    pg = services["postgres"]
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    instances = set()
    keys = set()
    for name, service in gateways().items():
        assert service["build"] == "." and service["depends_on"] == {
            "postgres": {"condition": "service_healthy"}
        }
        env = environment(service)
        settings = settings_of(env)
        url = urlsplit(settings.database_url)
        assert url.scheme == "postgresql+asyncpg" and url.hostname == "postgres"
        assert url.username == pg["environment"]["POSTGRES_USER"]
        assert url.path == "/" + pg["environment"]["POSTGRES_DB"]
        assert "POSTGRES_PASSWORD" in pg["environment"]["POSTGRES_PASSWORD"]
        assert settings.secret_key is not None and settings.admin_token is not None
        # Secrets are required from the operator, never written here.
        for key in ("GATEWAY_SECRET_KEY", "GATEWAY_ADMIN_TOKEN"):
            assert _INTERPOLATED.fullmatch(service["environment"][key]), key
        keys.add(service["environment"]["GATEWAY_SECRET_KEY"])
        instances.add(settings.instance_id)
        assert settings.host == "0.0.0.0"
        # Published on loopback (the TLS proxy is in front), to the port the gateway uses.
        for mapping in service["ports"]:
            host_ip, _host_port, container_port = str(mapping).split(":")
            assert host_ip == "127.0.0.1" and int(container_port) == settings.port, name
        check = service["healthcheck"]["test"]
        assert check[0] == "CMD" and "GATEWAY_PORT" in check[-1] and "/healthz" in check[-1]
    assert len(instances) == 2 and "" not in instances  # instances on one store must differ
    assert len(keys) == 1  # one secret key for all


def test_images_are_pinned() -> None:
    images = [s["image"] for s in COMPOSE["services"].values() if "image" in s]
    base = re.search(r"^FROM\s+(\S+)", DOCKERFILE, re.M)
    assert base is not None
    for image in [*images, base.group(1)]:
        assert PINNED.fullmatch(image) and ":" in image, f"{image} is a floating tag"
        assert not image.endswith(":latest")
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base.group(1))


def _dockerfile_healthcheck() -> list[str]:
    text = DOCKERFILE.replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK .*?CMD (.+)$", text, re.M)
    assert match is not None
    return shlex.split(match.group(1))


@pytest.fixture(scope="module")
def live_gateway(tmp_path_factory: pytest.TempPathFactory):
    """`mailgate serve` on a free port given only as GATEWAY_PORT, as in the containers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tmp_path_factory.mktemp("deploy")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
        "PYTHONPATH": str(ROOT),
        "GATEWAY_PORT": str(port),
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'g.db'}",
        "GATEWAY_ADMIN_TOKEN": "deploy-test-token-0123456789",
        "GATEWAY_LOG_LEVEL": "warning",
    }
    log = workdir / "gateway.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.1)
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _run_check(argv: list[str], port: int | None) -> int:
    argv = [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]
    env = {k: v for k, v in os.environ.items() if k != "GATEWAY_PORT"}
    if port is not None:
        env["GATEWAY_PORT"] = str(port)
    return subprocess.run(argv, env=env, timeout=30, capture_output=True).returncode


def test_both_healthchecks_run_against_the_configured_port(live_gateway: int) -> None:
    compose_check = gateways()["gateway-1"]["healthcheck"]["test"][1:]
    for argv in (compose_check, _dockerfile_healthcheck()):
        assert _run_check(argv, live_gateway) == 0, argv
        # Another port: the check fails rather than probing a fixed 8025.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            nobody = s.getsockname()[1]
        assert _run_check(argv, nobody) != 0, argv
