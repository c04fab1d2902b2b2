"""The layers of ``gateway/`` (DESIGN.md, "Layout"): each imports only from those below it.

    api            HTTP: routes, schemas, middlewares       -> services, model
    services       accounts, imap, pop3, outbox, events, sync, oauth2, threads, audit,
                   discovery
                                                             -> store, protocols, model
    store          repositories over SQLAlchemy              -> model
    protocols      wire clients: imap, smtp, pop3, mime, sasl, tls   -> model
    model          accounts, messages, records (plain types) -> nothing of the gateway

``errors``, ``settings``, ``secrets`` and ``backoff`` are leaves every layer may use.
The check reads each module's imports (AST), so it holds for lazy imports too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "gateway"
LEAVES = {"errors", "settings", "secrets", "backoff", "__init__"}
SERVICES = {
    "accounts",
    "imap",
    "pop3",
    "outbox",
    "events",
    "sync",
    "oauth2",
    "threads",
    "audit",
    "instance",
    "discovery",
}
LAYER_OF = {
    "api": "api",
    "store": "store",
    "protocols": "protocols",
    "model": "model",
    **{name: "services" for name in SERVICES},
}
# What each layer may import (besides itself and the leaves).
ALLOWED = {
    "api": {"services", "model"},
    "services": {"services", "store", "protocols", "model"},
    "store": {"model"},
    "protocols": {"model"},
    "model": set(),
}


def _top(module: str) -> str:
    return module.split(".", 2)[1] if module.startswith("gateway.") else ""


def _imports(path: Path) -> list[tuple[int, str]]:
    package = ".".join(("gateway", *path.relative_to(ROOT).with_suffix("").parts[:-1]))
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return [(line, m) for line, m in found if m.startswith("gateway.")]


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_respect_layers(path: Path) -> None:
    top = path.relative_to(ROOT).parts[0].removesuffix(".py")
    layer = LAYER_OF.get(top)
    if layer is None:  # app, services, server, __main__, cli, leaves: the wiring above all
        return
    wrong = []
    for line, module in _imports(path):
        target = _top(module)
        if target in LEAVES or LAYER_OF.get(target) in ALLOWED[layer] | {layer}:
            continue
        if layer == "api" and target == "services":  # the container: how routes reach services
            continue
        wrong.append(f"line {line}: {module}")
    assert not wrong, f"{path.relative_to(ROOT)} ({layer}) imports across layers: {wrong}"


def test_every_top_level_package_has_a_layer() -> None:
    """A new package must be placed in a layer (or be wiring), not slip past the check."""
    wiring = {"app", "services", "server", "__main__", "cli"}
    tops = {p.relative_to(ROOT).parts[0].removesuffix(".py") for p in _modules()}
    assert tops - set(LAYER_OF) - LEAVES - wiring == set()
