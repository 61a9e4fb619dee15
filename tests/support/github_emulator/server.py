"""The HTTP layer: a threading HTTP/1.1 server on 127.0.0.1 with keep-alive."""

from __future__ import annotations

import contextlib
import json
import socket
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .routes import HttpError, Response, graphql, route

if TYPE_CHECKING:
    from .emulator import GitHubEmulator


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, emulator: GitHubEmulator) -> None:
        self.emulator = emulator
        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up are expected


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_PATCH = do_POST = do_PUT = do_DELETE = do_GET

    def _serve(self) -> None:
        emu = self.server.emulator
        arrived = time.monotonic()
        split = urlsplit(self.path)
        method, full_path = self.command, split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        raw = self._read_body()
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        delay, fault = emu.faults.take(
            method, f"{full_path}?{split.query}" if split.query else full_path
        )
        if delay > 0:
            time.sleep(delay)
        try:
            if fault is not None and fault.status is not None:
                extra = (
                    {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                )
                raise HttpError(fault.status, fault.text, **extra)
            user = emu.authenticate(self.headers.get("Authorization", ""))
            body = json.loads(raw) if raw else None
            if full_path == emu.graphql_path and method == "POST":
                response = graphql(emu, body, user)
            elif not full_path.startswith(emu.prefix + "/") and full_path != emu.prefix:
                raise HttpError(404, "Not Found")
            else:
                path = full_path[len(emu.prefix) :] or "/"
                response = route(emu, method, path, query, body, user)
        except HttpError as error:
            response = error.response()
        except json.JSONDecodeError:
            response = HttpError(400, "Problems parsing JSON").response()
        except Exception as error:  # an emulator bug: answer 500, loudly
            traceback.print_exc()
            response = HttpError(500, f"emulator error: {error!r}").response()
        cut = fault is not None and fault.truncate
        emu.record(
            method,
            full_path,
            query,
            0 if cut else response.status,
            raw.decode("utf-8", "replace"),
            headers,
            arrived,
        )
        self._send(response, cut=cut)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: Response, *, cut: bool = False) -> None:
        """Send the response; `cut`: only half its body, then close (Content-Length still
        announces the whole body, so the client sees the connection reset mid-body)."""
        payload = response.payload()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Date": formatdate(usegmt=True),
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": "4102444800",
            "X-GitHub-Request-Id": "EMU:0001",
            **response.headers,
            "Content-Length": str(len(payload)),
        }
        head = f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        sent = payload[: len(payload) // 2] if cut else payload
        with contextlib.suppress(OSError):
            self.wfile.write(head.encode("latin-1") + b"\r\n" + sent)
            self.wfile.flush()
        if cut:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
