"""Fixtures for the browser tests: Debian's chromium driven by Playwright, and JupyterLab /
Voilà servers on free loopback ports, started with ``pagemig.launch`` (the same command
lines as ``pagemig lab`` and ``pagemig present``).

Nothing here depends on the user's Jupyter, IPython or matplotlib configuration: every
server gets fresh runtime, config, data, settings and workspace folders. Servers are
stopped (kernels included) by the fixture that started them, whatever the test did;
kernels a test started are shut down at the end of that test.

Every page records the requests it makes (``page.requests``); :func:`outside_requests`
lists those that would leave the machine, and each test asserts there are none.

The servers share one matplotlib folder whose font cache is built before the first server
starts. (With a fresh folder per server, the first kernel built the cache itself, and where
that took more than 5 s, as it does on a loaded machine, matplotlib printed "Matplotlib is
building the font cache; this may take a moment." on the first notebook's stderr: that
notebook, and only it, failed. This was the "8 of 9 notebooks" flake.)

Where chromium or Playwright is missing the tests skip and say how to install them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pagemig import book, launch

from .pagekit import (
    FIRST_WIDGET_OBSERVER,
    RENDERED_WIDGET_OUTPUT,
    close_lab_documents,
    load_lab,
)

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "notebooks"
LECTURE = BOOK / launch.LECTURE
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}


TIMINGS: list[str] = []


def report(line: str) -> None:
    """Print a timing line now (``pytest -s``) and again in the run's summary."""
    print(f"\n[browser] {line}")
    TIMINGS.append(line)


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section(
            "pagemig browser timings (target: page load -> first widget < 5 s)"
        )
        for line in TIMINGS:
            terminalreporter.write_line(line)


def chromium_path() -> str | None:
    """Debian's chromium (or $PAGEMIG_CHROMIUM), never a browser Playwright downloads."""
    given = os.environ.get("PAGEMIG_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run."""
    path = chromium_path()
    if path is None:
        pytest.skip(
            "browser tests need Debian's chromium: install it with "
            "`apt-get install chromium` (as root; .ci/run does it), "
            "or point PAGEMIG_CHROMIUM at a chromium binary"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright: .venv/bin/pip install -e '.[test]'")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
    except Exception:
        pw.stop()
        raise
    try:
        yield b
    finally:
        b.close()
        pw.stop()


def new_page(browser):
    """A fresh browser context and its page; console errors and uncaught exceptions are
    collected in ``page.console_errors``."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    # Note when the first widget view appears, from the first byte of every page on.
    context.add_init_script(f"({FIRST_WIDGET_OBSERVER})({RENDERED_WIDGET_OUTPUT!r})")
    pg = context.new_page()
    pg.requests = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(f"pageerror: {e}"))
    return context, pg


LOCAL_SCHEMES = ("data", "blob", "about")


def outside_requests(pg) -> list[str]:
    """The requests ``pg`` made that were not to this machine (loopback or inline data)."""
    out = []
    for url in pg.requests:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in (
            "127.0.0.1",
            "localhost",
        ):
            continue
        out.append(url)
    return out


@pytest.fixture
def page(browser):
    """A fresh page per test."""
    context, pg = new_page(browser)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@functools.lru_cache(maxsize=1)
def matplotlib_dir() -> str:
    """A matplotlib config folder for every server of the run, its font cache built now
    (by us, not by a notebook's first cell: see the module docstring)."""
    d = tempfile.mkdtemp(prefix="pagemig-mpl-")
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env={**os.environ, "MPLCONFIGDIR": d},
        check=True,
        capture_output=True,
    )
    assert list(Path(d).glob("fontlist-*.json")), "matplotlib built no font cache"
    return d


def isolated_env(tmp: Path) -> dict[str, str]:
    """The environment for a server: fresh Jupyter/IPython folders under ``tmp``, the run's
    matplotlib folder, and the reader's copy of the book under ``tmp``."""
    env = dict(os.environ)
    for var in (
        "JUPYTER_RUNTIME_DIR",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "IPYTHONDIR",
    ):
        d = tmp / var.lower()
        d.mkdir(parents=True, exist_ok=True)
        env[var] = str(d)
    env["MPLCONFIGDIR"] = matplotlib_dir()
    env["XDG_DATA_HOME"] = str(tmp / "xdg")
    env.pop("PAGEMIG_BOOK", None)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env.pop("JUPYTER_TOKEN", None)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def readers_copy(tmp: Path) -> Path:
    """A reader's copy of the book under ``tmp`` (as ``pagemig lab`` makes it)."""
    copy = tmp / "book"
    book.sync(BOOK, copy)
    return copy


def _running(server: launch.Server, tmp: Path):
    """Start ``server`` with its output in a log file; on failure show the log."""
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed in stop_server
    server.log = log
    server.start()
    try:
        server.wait_ready(timeout=90)
    except launch.LaunchError as e:
        server.stop()
        log.close()
        raise AssertionError(f"{e}\n{(tmp / 'server.log').read_text()[-3000:]}") from None
    return server


def stop_server(server: launch.Server) -> list[int]:
    """Stop ``server``; return the ids of its processes that survived (should be none)."""
    tree = server.processes()
    server.stop()
    if server.log is not None:
        server.log.close()
    return [p for p in tree if launch.pid_alive(p)]


@contextlib.contextmanager
def presented_lecture(tmp_path: Path, template: str = launch.VOILA_TEMPLATE):
    """Voilà on a reader's copy of the lecture as ``pagemig present`` runs it (its
    template, or ``template``; the projection scale in the kernels' environment); stopped,
    kernel and all, at the end."""
    env = launch.present_env(launch.PRESENT_SCALE, isolated_env(tmp_path))
    server = launch.voila_server(
        readers_copy(tmp_path) / LECTURE.name,
        template=template,
        extra=("--VoilaConfiguration.show_tracebacks=True",),
        env=env,
        cwd=str(tmp_path),
    )
    _running(server, tmp_path)
    try:
        yield server
    finally:
        left = stop_server(server)
        assert not left, f"processes of the Voilà server survived its stop: {left}"


def start_lab(notebooks: Path, tmp: Path) -> launch.Server:
    """JupyterLab on ``notebooks``, isolated, with ``window.jupyterapp`` exposed so the tests
    can read cell models (the clicks still go through the real menus and widgets)."""
    env = isolated_env(tmp)
    # No "would you like to get notified about Jupyter news?" toast, no update check, and
    # no autosave: the tests run the book's notebooks but never write them.
    settings = {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "docmanager-extension/plugin": {"autosave": False},
    }
    for name, values in settings.items():
        f = tmp / "lab-settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values))
    extra = (
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={tmp / 'lab-settings'}",
        f"--LabApp.workspaces_dir={tmp / 'lab-workspaces'}",
        # The checkpoint JupyterLab makes when it opens a notebook goes here, not into the book.
        f"--FileCheckpoints.checkpoint_dir={tmp / 'checkpoints'}",
    )
    server = launch.lab_server(notebooks, extra=extra, env=env, cwd=str(tmp))
    return _running(server, tmp)


def start_voila(notebook: Path, tmp: Path) -> launch.Server:
    """Voilà on ``notebook`` as ``pagemig present`` runs it, isolated; a failing cell shows
    its traceback (so a test failure says why)."""
    env = isolated_env(tmp)
    extra = ("--VoilaConfiguration.show_tracebacks=True",)
    server = launch.voila_server(notebook, extra=extra, env=env, cwd=str(tmp))
    return _running(server, tmp)


def _api(server: launch.Server, path: str, method: str = "GET"):
    req = urllib.request.Request(
        f"http://{launch.HOST}:{server.port}{path}",
        method=method,
        headers={"Authorization": f"token {server.token}"},
    )
    with urllib.request.urlopen(req, timeout=15) as r:
        body = r.read()
    return json.loads(body) if body else None


def shutdown_kernels(server: launch.Server) -> None:
    """Shut down every session and kernel of a JupyterLab server."""
    for s in _api(server, "/api/sessions"):
        _api(server, f"/api/sessions/{s['id']}", "DELETE")
    for k in _api(server, "/api/kernels"):
        _api(server, f"/api/kernels/{k['id']}", "DELETE")


@pytest.fixture(scope="module")
def book_lab(browser, tmp_path_factory):
    """One JupyterLab server on a reader's copy of the book for a test module; stopped at
    its end."""
    tmp = tmp_path_factory.mktemp("lab")
    server = start_lab(readers_copy(tmp), tmp)
    try:
        yield server
    finally:
        left = stop_server(server)
        assert not left, f"processes of the JupyterLab server survived its stop: {left}"


@pytest.fixture(scope="module")
def lab_app(browser, book_lab):
    """One JupyterLab page on the module's server (loading the app once saves ~5 s a test)."""
    context, pg = new_page(browser)
    try:
        pg.load_s = load_lab(pg, book_lab)
        report(f"JupyterLab loaded in {pg.load_s:.1f} s")
        yield pg
    finally:
        context.close()


@pytest.fixture
def lab(book_lab, lab_app):
    """The module's JupyterLab page; what a test opened is closed and the kernels it
    started are shut down when it ends."""
    try:
        yield lab_app
    finally:
        try:
            close_lab_documents(lab_app)
        finally:
            shutdown_kernels(book_lab)
        assert _api(book_lab, "/api/kernels") == [], "kernels survived the test"
