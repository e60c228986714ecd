"""End-to-end: the web page and rasa-webchat widget in headless chromium.

Starts the action server, Rasa with our socket.io channel (session persistence
on) and web/serve.py, then drives chromium through webchat.spec.mjs
(playwright-core from web/node_modules, Debian's /usr/bin/chromium).
Skipped only when chromium is not installed (`apt-get install chromium`).
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp import web

from tests.e2e.servers import ROOT, Server, free_port, rasa_stack, start, wait_until_up

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SPEC = Path(__file__).with_name("webchat.spec.mjs")
PLAYWRIGHT = ROOT / "web" / "node_modules" / "playwright-core"
SCREENSHOTS = ROOT / "build" / "webchat"  # never a tracked file: `make screenshot` copies one to docs/
QUESTION = "my calves are always tight after long runs"
TECHNIQUE = r"swedish|deep tissue|sports massage|myofascial release|trigger point"
CREDENTIALS = """\
channels.socketio.SocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
  metadata_key: customData
"""
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
EVIL = [
    '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> <b>bold</b>',
    "**safe markdown** and [a link](javascript:void(document.title='xss'))",
]

needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)",
)


def start_web(web_port: int, rasa_url: str, **settings: str) -> Server:
    """web/serve.py on 127.0.0.1:web_port pointing the widget at rasa_url (`settings`: more WEB_* variables)."""
    env = dict(os.environ, WEB_HOST="127.0.0.1", WEB_PORT=str(web_port), RASA_URL=rasa_url, **settings)
    cmd = [sys.executable, str(ROOT / "web" / "serve.py")]
    server = start("web", cmd, ROOT, env, f"http://127.0.0.1:{web_port}")
    wait_until_up(server, "/healthz", timeout=20)
    return server


def run_spec(**config: Any) -> dict[str, Any]:
    """Runs webchat.spec.mjs with ``config``; returns its JSON result."""
    assert shutil.which("node"), "node is missing (apt-get install nodejs)"
    assert PLAYWRIGHT.is_dir(), "playwright-core missing: run `npm ci --prefix web`"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    config = {"artifacts": str(SCREENSHOTS), "timeoutMs": 90000, **config}
    node = subprocess.Popen(
        ["node", str(SPEC), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a hung run's chromium goes down with it
    )
    try:
        stdout, stderr = node.communicate(timeout=400)
    finally:
        if node.poll() is None:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait()
    assert node.returncode == 0, f"browser run failed:\n{stderr[-3000:]}"
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    """Rasa stack plus the web server; yields the page URL."""
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    with rasa_stack(CREDENTIALS, cors=origin) as stack:
        web_server = start_web(web_port, stack.rasa.url)
        try:
            yield origin + "/"
        finally:
            web_server.stop()


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def assert_header_readable(layout: dict[str, Any]) -> None:
    """Title, subtitle, "Start over" (and a phone's close button) inside the header, none over another."""
    header, parts = layout["header"]["box"], layout["header"]["parts"]
    assert {"title", "subtitle", "startOver"} <= set(parts), parts
    for name, box in parts.items():
        assert header["left"] <= box["left"] and box["right"] <= header["right"] + 0.5, (name, box, header)
        assert header["top"] <= box["top"] and box["bottom"] <= header["bottom"] + 0.5, (name, box, header)
    names = sorted(parts)
    clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if overlap(parts[a], parts[b])]
    assert clashes == [], f"header items overlap: {clashes} {parts}"
    assert parts["title"]["bottom"] <= parts["subtitle"]["top"] + 0.5


def assert_clean(result: dict[str, Any]) -> None:
    assert result["external"] == [], "the page fetched something outside this machine"
    assert result["consoleErrors"] == []


@needs_chromium
def test_desktop_conversation_survives_reload(page_url: str) -> None:
    result = run_spec(
        scenario="conversation",
        url=page_url,
        name="desktop",
        viewport=DESKTOP,
        question=QUESTION,
        technique=TECHNIQUE,
        full=True,
    )
    assert result["greeting"], "no greeting for initPayload /greet"
    assert re.search(TECHNIQUE, " ".join(result["answer"]), re.IGNORECASE)
    assert result["quickReplies"], "no quick replies shown"
    assert result["afterClick"], "no answer after clicking a quick reply"
    before, after = result["beforeReload"], result["afterReload"]
    assert QUESTION in after["user"] and result["clicked"] in after["user"]
    assert after["bot"][: len(before["bot"])] == before["bot"]
    assert_header_readable(result["layout"])
    assert_clean(result)
    if os.environ.get("WEBCHAT_SCREENSHOT"):  # `make screenshot` refreshes docs/webchat.png on purpose
        shutil.copyfile(result["screenshot"], os.environ["WEBCHAT_SCREENSHOT"])


@needs_chromium
def test_phone_layout(page_url: str) -> None:
    result = run_spec(
        scenario="conversation",
        url=page_url,
        name="phone",
        viewport=PHONE,
        mobile=True,
        question=QUESTION,
        technique=TECHNIQUE,
        full=False,
        startOver=True,
    )
    assert result["greetingReplies"], "quick replies not visible on a phone"
    layout = result["layout"]
    assert layout["pageScrollWidth"] <= layout["viewportWidth"], "page scrolls sideways"
    widget = layout["widget"]
    assert widget["left"] >= 0 and widget["right"] <= layout["viewportWidth"]
    assert widget["bottom"] <= layout["viewportHeight"]
    assert "close" in layout["header"]["parts"], "a phone shows the widget's close button"
    assert_header_readable(layout)
    assert_clean(result)
    # "Start over" forgets the stored conversation: a new session, greeted again, nothing old shown or kept.
    restart = result["startOver"]
    assert restart["sessionBefore"] and QUESTION in restart["storedBefore"]
    assert restart["sessionAfter"] and restart["sessionAfter"] != restart["sessionBefore"]
    assert restart["greeting"] and QUESTION not in restart["user"]
    assert QUESTION not in restart["storedAfter"] and restart["sessionBefore"] not in restart["storedAfter"]


class SocketStub:
    """A socket.io server that answers every message with hostile markup."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        self.sio.on("session_request", self.session_request)
        self.sio.on("user_uttered", self.user_uttered)
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None

    async def session_request(self, sid: str, data: Any = None) -> None:
        session_id = (data or {}).get("session_id") or uuid.uuid4().hex
        await self.sio.emit("session_confirm", session_id, to=sid)

    async def user_uttered(self, sid: str, data: Any) -> None:
        await self.sio.emit("bot_uttered", {"text": EVIL[0]}, to=sid)
        replies = [{"content_type": "text", "title": "<i>ok</i>", "payload": "/ok"}]
        await self.sio.emit("bot_uttered", {"text": EVIL[1], "quick_replies": replies}, to=sid)

    async def start(self) -> None:
        app = web.Application()
        self.sio.attach(app)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self.sio.shutdown()
        if self.runner is not None:
            await self.runner.cleanup()
        for task in asyncio.all_tasks():  # engine.io ping tasks
            if task is not asyncio.current_task():
                task.cancel()

    def __enter__(self) -> "SocketStub":
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self.start(), self.loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@needs_chromium
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_widget_does_not_render_html_from_messages(device: str) -> None:
    screen = {"viewport": DESKTOP} if device == "desktop" else {"viewport": PHONE, "mobile": True}
    with SocketStub() as stub:
        web_server = start_web(free_port(), f"http://127.0.0.1:{stub.port}")
        try:
            result = run_spec(scenario="escape", url=web_server.url + "/", name=f"escape-{device}", **screen)
        finally:
            web_server.stop()
    assert_header_readable(result["layout"])
    assert result["injected"] == [], "HTML from a message became elements"
    answer = " ".join(result["answer"])
    assert "<img src=x" in answer and "<b>bold</b>" in answer, "markup should show as text"
    assert "a link" in answer and result["hrefs"], "the markdown link should still render"
    assert "<b>bold</b>" in " ".join(result["userTexts"])
    assert not [href for href in result["hrefs"] if href and not href.startswith("http")]
    assert result["xss"] is None
    assert_clean(result)


def test_page_intro_config_and_headers() -> None:
    rasa_url = "http://127.0.0.1:5005"
    web_server = start_web(free_port(), rasa_url)
    try:
        with urllib.request.urlopen(web_server.url + "/") as reply:
            html, csp = reply.read().decode(), reply.headers["Content-Security-Policy"]
        with urllib.request.urlopen(web_server.url + "/config.json") as reply:
            config = json.loads(reply.read())
        with urllib.request.urlopen(web_server.url + "/webchat/index.js") as reply:
            bundle = reply.read()
    finally:
        web_server.stop()
    assert '<meta name="viewport"' in html and "<title>" in html
    assert "not a diagnosis" in html
    assert config == {"socketUrl": rasa_url, "socketPath": "/socket.io/"}
    assert b"WebChat" in bundle and b"fonts.googleapis.com/css" not in bundle
    assert "script-src 'self'" in csp and "connect-src 'self' http://127.0.0.1:5005" in csp


def closed_after(sock: socket.socket, trickle: bytes, limit: float) -> float | None:
    """Seconds until the server closes `sock` while we send `trickle` a byte every 0.3 s; None if it never does."""
    started = time.monotonic()
    sock.settimeout(0.3)
    pending = list(trickle)
    while time.monotonic() - started < limit:
        try:
            if pending:
                sock.send(bytes([pending.pop(0)]))
            if sock.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:  # reset by the server
            return time.monotonic() - started
    return None


def test_slow_and_idle_clients_are_cut_off_at_the_request_timeout() -> None:
    web_server = start_web(free_port(), "http://127.0.0.1:5005", WEB_REQUEST_TIMEOUT="2")
    try:
        with socket.create_connection(("127.0.0.1", int(web_server.url.rsplit(":", 1)[1])), timeout=5) as slow, \
                socket.create_connection(("127.0.0.1", int(web_server.url.rsplit(":", 1)[1])), timeout=5) as idle:
            # Half a request, then one header byte at a time: each byte would restart a plain socket timeout.
            slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow_after = closed_after(slow, b"X-Slow: " + b"a" * 200, limit=20)
            idle_after = closed_after(idle, b"", limit=20)
        with urllib.request.urlopen(web_server.url + "/healthz", timeout=5) as reply:
            assert reply.read() == b"ok"  # and the server still serves others
    finally:
        web_server.stop()
    assert slow_after is not None, "a client trickling its headers held a handler for 20 s"
    assert idle_after is not None, "an idle connection was held for 20 s"
    assert slow_after < 6 and idle_after < 6, (slow_after, idle_after)  # 2 s timeout, shared machine


def test_connections_past_the_limit_are_closed_at_once() -> None:
    web_server = start_web(free_port(), "http://127.0.0.1:5005", WEB_REQUEST_TIMEOUT="30", WEB_MAX_CONNECTIONS="2")
    address = ("127.0.0.1", int(web_server.url.rsplit(":", 1)[1]))
    try:
        time.sleep(1)  # the start-up probe's handler thread has given its slot back
        held = [socket.create_connection(address, timeout=5) for _ in range(2)]
        time.sleep(0.5)  # both accepted and waiting for a request
        with socket.create_connection(address, timeout=5) as extra:
            extra_after = closed_after(extra, b"", limit=10)
        for sock in held:
            sock.close()
        time.sleep(0.5)
        with urllib.request.urlopen(web_server.url + "/healthz", timeout=5) as reply:
            assert reply.read() == b"ok"
    finally:
        web_server.stop()
    assert extra_after is not None and extra_after < 3, extra_after
