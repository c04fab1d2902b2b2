"""/docs and /ui work with no network: no page or asset they load refers to another host.

The crawl starts at the pages, follows every reference (HTML attributes, CSS ``url()`` and
``@import``, JavaScript module imports, workers and source maps) to the gateway's own files,
fetches each one, and fails on any reference to another host: ``http(s)://`` anything but
the gateway, a protocol-relative ``//host``, a remote ``@import``. The console's own files
(not the vendored Swagger UI) may not even name an absolute URL.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from gateway.api.routes.console import CONSOLE_CSP, docs_policy

GATEWAY = "http://gateway.test"
PAGES = ("/docs", "/ui/")

_HTML_REFS = re.compile(
    r"""\b(?:src|href|action|formaction|poster|data|manifest|background|srcset|content)\s*=\s*"""
    r"""(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""",
    re.IGNORECASE,
)
_HTML_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
_CSS_REFS = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""",
    re.IGNORECASE,
)
_JS_REFS = re.compile(
    r"""(?:\bimport\s*\(?\s*|\bfrom\s+|\bimportScripts\s*\(\s*|\bnew\s+(?:Shared)?Worker\s*\(\s*)"""
    r"""(?:"([^"]*)"|'([^']*)')"""
)
_SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=([^\s*]+)")
_ABSOLUTE = re.compile(r"""["'`(]\s*(?:https?:)?//[A-Za-z0-9\[]""")


def references(kind: str, text: str) -> list[str]:
    """Every URL a page or asset of this kind (``html``, ``css``, ``js``) may load."""
    found: list[str] = []
    if kind == "html":
        for match in _HTML_REFS.finditer(text):
            value = next(g for g in match.groups() if g is not None)
            if match.group(0).lower().startswith("content"):
                # Only <meta http-equiv=refresh content="0; url=...">.
                refresh = re.search(r"url\s*=\s*(\S+)", value, re.IGNORECASE)
                if refresh:
                    found.append(refresh.group(1))
                continue
            if match.group(0).lower().startswith("srcset"):  # "a.png 1x, b.png 2x"
                found.extend(part.split()[0] for part in value.split(",") if part.strip())
            else:
                found.append(value)
        for style in _HTML_INLINE_STYLE.findall(text):
            found.extend(references("css", style))
    elif kind == "css":
        found.extend(next(g for g in m.groups() if g is not None) for m in _CSS_REFS.finditer(text))
    elif kind == "js":
        # A bare specifier ("remarkable/linkify" in a bundle) is no URL: no browser loads it.
        found.extend(
            ref
            for m in _JS_REFS.finditer(text)
            if (ref := m.group(1) or m.group(2)).startswith((".", "/")) or "://" in ref
        )
    found.extend(_SOURCE_MAP.findall(text))
    return found


def foreign(url: str) -> bool:
    """Does ``url`` (as written in a page) point to another host?"""
    if url.startswith("//"):
        return True
    parts = urlsplit(url)
    if parts.scheme in ("", "data", "blob", "about", "javascript") or url.startswith("#"):
        return False
    return f"{parts.scheme}://{parts.netloc}" != GATEWAY


def kind_of(url: str, content_type: str) -> str | None:
    path = urlsplit(url).path
    if "html" in content_type:
        return "html"
    if "css" in content_type or path.endswith(".css"):
        return "css"
    if "javascript" in content_type or path.endswith((".js", ".mjs")):
        return "js"
    return None


def test_the_checker_finds_every_kind_of_remote_reference() -> None:
    """The crawl's own parts catch what they are there to catch (else the check is empty)."""
    html = """<link rel="stylesheet" href="https://cdn.example/x.css"><script src='//cdn.x/y.js'>
    </script><img srcset="a.png 1x, http://other.example/b.png 2x"><style>@import "http://s/x.css";
    </style><meta http-equiv="refresh" content="0; url=http://elsewhere/"><a href=./fine.html>"""
    css = """a { background: url(http://img.example/a.png) } @import 'https://f.example/x.css';
    b { background: url("data:image/png;base64,AAAA") } c { background: url(ok.png) }"""
    js = """import x from "https://esm.example/x.js"; import("//cdn/y.js"); import "./ok.js";
    new Worker('http://w.example/w.js'); //# sourceMappingURL=https://maps.example/m.map"""
    bad = {
        u
        for kind, text in (("html", html), ("css", css), ("js", js))
        for u in references(kind, text)
        if foreign(u)
    }
    assert bad == {
        "https://cdn.example/x.css",
        "//cdn.x/y.js",
        "http://other.example/b.png",
        "http://s/x.css",
        "http://elsewhere/",
        "http://img.example/a.png",
        "https://f.example/x.css",
        "https://esm.example/x.js",
        "//cdn/y.js",
        "http://w.example/w.js",
        "https://maps.example/m.map",
    }
    assert not foreign(f"{GATEWAY}/ui/x.js") and not foreign("../docs")
    assert _ABSOLUTE.search('fetch("https://api.example/")')
    assert not _ABSOLUTE.search('const BASE = new URL("../v1/", document.baseURI);')


@pytest.mark.parametrize("start", PAGES)
async def test_pages_and_every_asset_they_load_stay_on_the_gateway(
    client: httpx.AsyncClient, start: str
) -> None:
    bare = {"Authorization": ""}  # the pages and their files need no token
    seen: set[str] = set()
    queue = [urljoin(GATEWAY, start)]
    kinds: dict[str, str] = {}
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        resp = await client.get(url, headers=bare)
        assert resp.status_code == 200, (url, resp.status_code)
        kind = kind_of(url, resp.headers.get("content-type", ""))
        if kind is None:
            continue
        kinds[url] = kind
        for ref in references(kind, resp.text):
            assert not foreign(ref), f"{url} refers to another host: {ref}"
            target = urljoin(url, ref).split("#")[0]
            if urlsplit(target).scheme in ("http", "https") and not ref.endswith(".map"):
                queue.append(target)
        if "/vendor/" not in url:
            # The console's own files name no absolute URL at all.
            assert not _ABSOLUTE.search(resp.text), f"{url} names an absolute URL"
    assert len([k for k in kinds.values() if k == "js"]) >= (1 if start == "/docs" else 8)
    assert any(k == "css" for k in kinds.values())


async def test_pages_carry_a_strict_content_security_policy(client: httpx.AsyncClient) -> None:
    bare = {"Authorization": ""}
    for path in ("/ui/", "/ui/js/app.js", "/ui/console.css"):
        resp = await client.get(path, headers=bare)
        assert resp.headers["content-security-policy"] == CONSOLE_CSP
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
    for policy in (
        CONSOLE_CSP,
        (await client.get("/docs", headers=bare)).headers["content-security-policy"],
    ):
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'none'"
        assert directives["connect-src"] == "'self'"
        assert "unsafe-inline" not in directives["script-src"]
        assert "unsafe-eval" not in directives["script-src"]
        assert "http" not in policy and "*" not in policy
    # The docs page allows exactly its own inline script, by hash.
    docs = await client.get("/docs", headers=bare)
    assert docs.headers["content-security-policy"] == docs_policy(docs.text)
    assert "'sha256-" in docs.headers["content-security-policy"]
    # /ui leads to the console; a missing file is a 404; ReDoc (CDN-only) is not served.
    redirect = await client.get("/ui", headers=bare)
    assert redirect.status_code == 307 and redirect.headers["location"] == "/ui/"
    assert (await client.get("/ui/nope.js", headers=bare)).status_code == 404
    traversal = await client.get("/ui/..%2F..%2Froutes%2Fconsole.py", headers=bare)
    assert traversal.status_code == 404
    assert (await client.get("/redoc", headers=bare)).status_code == 404
