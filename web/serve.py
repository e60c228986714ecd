"""Serve the web chat page, its config and the widget bundle (stdlib only).

Environment: WEB_HOST (default 127.0.0.1), WEB_PORT (default 8080),
RASA_URL (the Rasa server's socket.io URL, default http://localhost:5005).
Every response carries a Content-Security-Policy that only allows this
server and the Rasa server: nothing else is fetched (no CDN, no web fonts),
and ``javascript:`` links in messages cannot run.
"""

import json
import os
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
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


def make_handler(rasa_url: str) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to the Rasa URL."""
    headers = security_headers(rasa_url)
    config = json.dumps({"socketUrl": rasa_url, "socketPath": "/socket.io/"}).encode()
    files = load_files()

    class Handler(BaseHTTPRequestHandler):
        server_version = "webchat"

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
    if not WIDGET.is_file():
        raise SystemExit(f"{WIDGET} missing: run `npm ci --prefix web` first")
    server = ThreadingHTTPServer((host, port), make_handler(rasa_url))
    print(f"Web chat on http://{host}:{port} (Rasa at {rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
