"""`lmviz serve`: the tour in a real browser (Debian's headless Chromium, driven by Playwright),
and the command's refusals."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
from lmviz.app.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags this workplace's machines need: no sandbox as root, and no background connections
# (the network is closed; Chromium would retry them many at a time).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
@pytest.mark.parametrize("screen, visible", [("tour", b"Step 1 of 11"),
                                             ("scale", b"a model that knows more")])
def test_a_screen_opens_in_a_browser(tmp_path, screen, visible):
    """The page loads, the app starts behind it, and the screen is drawn: the tour's first
    step, or the scale screen (which, over textual-serve's pipes, must not go headless)."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "lmviz.app.cli", "serve", "--port",
                               str(port), "--open", screen],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)  # its tabs' apps die with its group
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        frames: list[bytes] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda f: frames.append(f if isinstance(f, bytes) else f.encode())))
            page.goto(f"http://127.0.0.1:{port}")
            deadline = time.monotonic() + 60
            # What the app draws reaches the page as terminal output over the websocket.
            while visible not in b"".join(frames) and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            assert visible in b"".join(frames)
            assert page.locator(".textual-terminal canvas").count() > 0  # drawn by xterm.js
            page.wait_for_timeout(1000)
            shot = page.screenshot(path=str(tmp_path / f"{screen}.png"))
            browser.close()
        assert shot[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(shot) > 30_000  # text and borders, not an empty page (a few KB)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        out, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}".encode() in out


def test_serve_refuses_a_bad_port_and_a_port_in_use(capsys):
    assert main(["serve", "--port", "0"]) == 2
    assert "a port number from 1 to 65535" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lmviz: ") and "is in use" in err and err.count("\n") == 1
