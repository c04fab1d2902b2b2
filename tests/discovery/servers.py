"""Real servers on loopback for autodiscovery tests: DNS (dnslib) and HTTP (stdlib)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dnslib.server import DNSLogger, DNSServer
from dnslib.zoneresolver import ZoneResolver


class DnsZone:
    """A UDP DNS server on 127.0.0.1 answering from a zone file's text (dnslib)."""

    def __init__(self, zone: str) -> None:
        quiet = DNSLogger(
            log="-request,-reply,-truncated,-error,-recv,-send,-data", logf=lambda _text: None
        )
        self.server = DNSServer(ZoneResolver(zone), address="127.0.0.1", port=0, logger=quiet)
        self.port: int = self.server.server.server_address[1]
        self.server.start_thread()

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.stop()
        self.server.server.server_close()


Reply = tuple[int, bytes] | Callable[[], tuple[int, bytes]]


class HttpFiles:
    """A threaded HTTP server on 127.0.0.1 serving ``routes`` (path with query -> reply);
    ``requests`` records each request line and Host header."""

    def __init__(self, routes: dict[str, Reply]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                owner.requests.append((self.path, self.headers.get("Host", "")))
                reply = owner.routes.get(self.path) or owner.routes.get(self.path.split("?", 1)[0])
                status, body = (reply() if callable(reply) else reply) if reply else (404, b"")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def slow(seconds: float, reply: tuple[int, bytes]) -> Callable[[], tuple[int, bytes]]:
    """A reply that takes ``seconds`` before it starts."""

    def answer() -> tuple[int, bytes]:
        time.sleep(seconds)
        return reply

    return answer
