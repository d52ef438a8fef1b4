"""Fixtures of the browser tests: a live server, Debian's Chromium, signed-in contexts.

``live`` serves ``create_app(open_workspace(home, {}))`` with Uvicorn in a thread on a
free loopback port (one server per test module, over a copy of the world of
``world.py``); it is ready once Uvicorn's startup has completed (an event, not a sleep).
``browser`` is Debian's Chromium driven by Playwright (``executable_path``; nothing
downloads a browser build). ``contexts`` opens browser contexts (one per person: cookies
are per context) and closes them after the test; ``shots`` saves each page the test
visits to ``test-artifacts/<test>/<n>-<page>.png`` and fails on any Content Security
Policy violation the page reported.

Without a ``chromium`` binary the tests are skipped, unless they run as root: then
``make test`` (``scripts/system-deps.sh``) would have installed it, so its absence fails.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from genkend.web import create_app
from genkend.workspace import Workspace, open_workspace

from .world import World, build_world, password_of

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
STARTUP_SECONDS = 20


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() == 0:
        pytest.fail(
            "no chromium binary although the tests run as root: `make system-deps` "
            "(part of `make test`) installs Debian's chromium"
        )
    pytest.skip(
        "no chromium binary on this machine (Debian: apt-get install chromium); "
        "`make test` installs it when run as root"
    )


class _Server(uvicorn.Server):
    """Uvicorn that says when its startup is over (``ready``), whether it worked or not."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served on a free loopback port for the ``with`` block; its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        assert server.ready.wait(STARTUP_SECONDS), "the server did not start"
        assert server.started, "the server failed to start (see its log)"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        listener.close()


@contextmanager
def another_origin(html: str) -> Iterator[str]:
    """A second, unrelated web server on another loopback port, serving ``html`` at ``/``
    (no CSP of ours: an attacker's page may run inline script); its page's URL."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass(frozen=True)
class Live:
    url: str
    world: World
    workspace: Workspace


@pytest.fixture(scope="session")
def browser_world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("browser-world"))


@pytest.fixture(scope="module")
def browser_world(browser_world_template: World, tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(browser_world_template.home, root / "ws")
    shutil.copytree(browser_world_template.files, root / "files")
    return browser_world_template.moved(root / "ws", root / "files")


@pytest.fixture(scope="module")
def live(browser_world: World) -> Iterator[Live]:
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("GENKEND_") and key != "GENKEND_TEST_DATA":
                patch.delenv(key)
        patch.setenv("GENKEND_FACE_BACKEND", "fake")
        workspace = open_workspace(browser_world.home, {})
        try:
            with serving(create_app(workspace)) as url:
                yield Live(url, browser_world, workspace)
        finally:
            workspace.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Per module, not per session: Playwright's sync API keeps an asyncio loop running
    # in this thread while it is open, and a later test's asyncio.run() (the load
    # benchmark's smoke test) would fail beside it.
    executable = chromium_path()
    with sync_playwright() as playwright:
        # Chromium's sandbox cannot run as root; elsewhere it stays on.
        made = playwright.chromium.launch(
            executable_path=executable, chromium_sandbox=os.geteuid() != 0
        )
        try:
            yield made
        finally:
            made.close()


@dataclass
class Shots:
    """Screenshots of the pages a test visits, numbered in order; CSP violations seen."""

    folder: Path
    taken: int = 0
    violations: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        def seen(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                self.violations.append(f"{page.url}: {message.text}")

        page.on("console", seen)
        return page

    def __call__(self, page: Page, name: str) -> Path:
        self.taken += 1
        path = self.folder / f"{self.taken:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Shots]:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    made = Shots(folder)
    yield made
    assert not made.violations, made.violations


OpenContext = Callable[[], BrowserContext]


@pytest.fixture
def contexts(browser: Browser, live: Live, shots: Shots) -> Iterator[OpenContext]:
    """Opens a fresh browser context (a person's own cookies) on the live server."""
    opened: list[BrowserContext] = []

    def open_context() -> BrowserContext:
        context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.on("page", shots.watch)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def sign_in(page: Page, name: str, password: str | None = None, code: str = "") -> None:
    """Sign in through the sign-in form, as a person would."""
    page.goto("/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password_of(name) if password is None else password)
    if code:
        page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


SignedIn = Callable[[str], Page]


@pytest.fixture
def signed_in(contexts: OpenContext) -> SignedIn:
    """A page of a new context in which ``name`` has signed in through the form."""

    def open_as(name: str) -> Page:
        page = contexts().new_page()
        sign_in(page, name)
        return page

    return open_as


def pictures_loaded(page: Page, selector: str = "main img") -> int:
    """Waits until every picture the page shows has loaded (each scrolled into view first:
    they load lazily) and fails on one that the browser could not decode; how many."""
    pictures = page.locator(selector)
    count = pictures.count()
    for n in range(count):
        picture = pictures.nth(n)
        picture.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=picture.element_handle())
        assert picture.evaluate("img => img.naturalWidth > 0"), picture.get_attribute("src")
    return count
