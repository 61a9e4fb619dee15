"""The HTTP layer: a threading HTTP/1.1 server with keep-alive, optional TLS and faults."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import traceback
import uuid
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .routes import Response, resolve, route
from .status import ApiError, for_fault

if TYPE_CHECKING:
    from .emulator import KubeEmulator


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    # A burst of parallel list requests (benchmarks) must not overflow the accept queue.
    request_queue_size = 128

    def __init__(self, emulator: KubeEmulator, ssl_context: ssl.SSLContext | None) -> None:
        self.emulator = emulator
        self.ssl_context = ssl_context
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up and failed TLS handshakes (a test of verification) are expected.
        pass

    def close_connections(self) -> None:
        """Unblock handler threads waiting on idle keep-alive connections."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between requests
    server: EmulatorServer

    def setup(self) -> None:
        context = self.server.ssl_context
        if context is not None:
            # Handshake in the connection's own thread, not in the accept loop.
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_PATCH = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def do_HEAD(self) -> None:
        self._serve(head_only=True)

    def _serve(self, *, head_only: bool = False) -> None:
        emu = self.server.emulator
        arrived = time.monotonic()
        split = urlsplit(self.path)
        path, method = split.path, self.command
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body = self._read_body()
        emu.sleep(emu.latency)
        delay, fault = emu.faults.take(method, f"{path}?{split.query}" if split.query else path)
        emu.sleep(delay)
        try:
            if fault is not None:
                emu.sleep(fault.hang or 0.0)
                if fault.drop:
                    emu.record(method, path, query, 0, arrived)
                    self._drop()
                    return
                if fault.status is not None:
                    target = resolve(emu, method, path, query).target
                    raise for_fault(
                        fault.status,
                        target,
                        user=fault.user,
                        message=fault.message,
                        reason=fault.reason,
                        retry_after=fault.retry_after,
                    )
            emu.authorize(self.headers.get("Authorization", ""))
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = route(emu, method, path, query, headers, body)
        except ApiError as error:
            response = Response(error.code, error.body(), headers=error.headers)
        except Exception as error:  # an emulator bug: answer like the server would, loudly
            traceback.print_exc()
            response = Response(500, ApiError(500, f"Internal error occurred: {error!r}").body())
        if fault is not None and fault.truncate:
            emu.record(method, path, query, 0, arrived)
            self._send(response, head_only, cut=True)
            return
        emu.record(method, path, query, response.status, arrived)
        self._send(response, head_only)

    def _read_body(self) -> bytes:
        """Read the whole body so the next request on this connection starts in sync."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline().strip():  # trailers, up to the empty line
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: Response, head_only: bool, *, cut: bool = False) -> None:
        """Send the response; `cut`: only half its body, then close (Content-Length still
        announces the whole body, so the client sees the connection reset mid-body)."""
        phrase = HTTPStatus(response.status).phrase
        headers = {
            "Audit-Id": str(uuid.uuid4()),
            "Cache-Control": "no-cache, private",
            "Content-Type": response.content_type,
            "Date": formatdate(usegmt=True),
            **response.headers,
            "Content-Length": str(len(response.body)),
        }
        if self.close_connection:
            headers["Connection"] = "close"
        head = f"HTTP/1.1 {response.status} {phrase}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        # One write per response: headers and body in the same TCP segment(s).
        body = b"" if head_only else response.body
        payload = head.encode("latin-1") + b"\r\n" + (body[: len(body) // 2] if cut else body)
        with contextlib.suppress(OSError):
            self.wfile.write(payload)
            self.wfile.flush()
        if cut:
            self._drop()
