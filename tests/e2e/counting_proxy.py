"""A reverse proxy in front of ``scimitar serve`` that counts the requests an app is sent.

The engine's tests count what reaches the app over a real socket (not what the engine thinks it
sent): an app's credentials point at the proxy, which forwards each request unchanged to the
server and keeps its method and path.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

__all__ = ["CountingProxy"]

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "host"})


class CountingProxy:
    """Forwards to ``upstream`` (``http://127.0.0.1:PORT``) and records ``(method, path)``."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    proxy.requests.append((self.command, self.path))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                connection = http.client.HTTPConnection(
                    target.hostname or "127.0.0.1", target.port, timeout=60
                )
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                    self.send_response(answer.status)
                    for key, value in answer.getheaders():
                        if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    connection.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def mark(self) -> int:
        """Where the requests sent from now on start."""
        with self._lock:
            return len(self.requests)

    def since(self, mark: int) -> list[tuple[str, str]]:
        """The requests sent since ``mark``."""
        with self._lock:
            return list(self.requests[mark:])

    def writes_since(self, mark: int) -> Counter[str]:
        """The write requests (POST, PUT, PATCH, DELETE) since ``mark``, by method."""
        return Counter(method for method, _path in self.since(mark) if method in WRITES)
