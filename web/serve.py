"""Serve the web chat page, its config and the widget bundle (stdlib only).

Environment: WEB_HOST (default 127.0.0.1), WEB_PORT (default 8080),
RASA_URL (the Rasa server's socket.io URL, default http://localhost:5005),
WEB_REQUEST_TIMEOUT (seconds a client has to send a whole request, and
then to take the answer; default 10), WEB_MAX_CONNECTIONS (default 64).
A client that trickles a request byte by byte is cut off at the deadline
(the standard library's socket timeout alone restarts on every byte), and
connections past the limit are closed at once, so neither slow nor many
clients can hold every handler.
Every response carries a Content-Security-Policy that only allows this
server and the Rasa server: nothing else is fetched (no CDN, no web fonts),
and ``javascript:`` links in messages cannot run.
"""

import io
import json
import os
import re
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WEB_DIR = Path(__file__).resolve().parent
WIDGET = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
# The bundle @imports a Google Fonts stylesheet: drop it, nothing leaves the machine.
REMOTE_IMPORT = re.compile(rb"@import url\(https?://[^)]*\);")
STATIC: dict[str, tuple[Path, str]] = {
    "/": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "/index.html": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "/app.js": (WEB_DIR / "app.js", "text/javascript; charset=utf-8"),
    "/style.css": (WEB_DIR / "style.css", "text/css; charset=utf-8"),
    "/webchat/index.js": (WIDGET, "text/javascript; charset=utf-8"),
}


def origins(rasa_url: str) -> str:
    """The Rasa server's origin for HTTP polling and for websockets."""
    parts = urlsplit(rasa_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"RASA_URL must be an http(s) URL, got {rasa_url!r}")
    ws = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {ws}://{parts.netloc}"


def security_headers(rasa_url: str) -> dict[str, str]:
    """CSP and friends; inline styles are needed by the widget."""
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:; font-src 'self' data:; connect-src 'self' {origins(rasa_url)}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def load_files() -> dict[str, bytes]:
    """Reads the static files once; the widget without remote imports."""
    files = {path: file.read_bytes() for path, (file, _) in STATIC.items()}
    files["/webchat/index.js"] = REMOTE_IMPORT.sub(b"", files["/webchat/index.js"])
    return files


DEFAULT_REQUEST_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 64


class DeadlineReader(io.RawIOBase):
    """Reads a socket until a deadline that covers the whole request, not each byte."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.deadline = time.monotonic()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request not received in time")
        self.sock.settimeout(remaining)
        return self.sock.recv_into(buffer)


class BoundedServer(ThreadingHTTPServer):
    """A thread per connection, at most `max_connections` at once; the rest are closed at once."""

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def make_handler(rasa_url: str, timeout: float = DEFAULT_REQUEST_TIMEOUT) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to the Rasa URL; each request must arrive within `timeout` seconds."""
    headers = security_headers(rasa_url)
    config = json.dumps({"socketUrl": rasa_url, "socketPath": "/socket.io/"}).encode()
    files = load_files()

    class Handler(BaseHTTPRequestHandler):
        server_version = "webchat"

        def setup(self) -> None:
            super().setup()
            self.rfile.close()  # the socket only closes once every file made from it is closed
            self.reader = DeadlineReader(self.connection)
            self.rfile = io.BufferedReader(self.reader)

        def handle_one_request(self) -> None:
            # From the first byte awaited to the last header read.
            self.reader.deadline = time.monotonic() + timeout
            super().handle_one_request()

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/config.json":
                self.send(HTTPStatus.OK, config, "application/json")
            elif path == "/healthz":
                self.send(HTTPStatus.OK, b"ok", "text/plain")
            elif path in files:
                self.send(HTTPStatus.OK, files[path], STATIC[path][1])
            else:
                self.send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

        def do_HEAD(self) -> None:
            self.head_only = True
            self.do_GET()

        def send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.connection.settimeout(timeout)  # a client that does not read cannot hold us either
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not getattr(self, "head_only", False):
                self.wfile.write(body)

    return Handler


def main() -> None:
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    port = int(os.environ.get("WEB_PORT", "8080"))
    rasa_url = os.environ.get("RASA_URL", "http://localhost:5005").rstrip("/")
    timeout = float(os.environ.get("WEB_REQUEST_TIMEOUT", DEFAULT_REQUEST_TIMEOUT))
    max_connections = int(os.environ.get("WEB_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS))
    if not WIDGET.is_file():
        raise SystemExit(f"{WIDGET} missing: run `npm ci --prefix web` first")
    server = BoundedServer((host, port), make_handler(rasa_url, timeout), max_connections)
    print(f"Web chat on http://{host}:{port} (Rasa at {rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
