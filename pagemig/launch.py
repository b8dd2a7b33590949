"""``pagemig lab`` and ``pagemig present``: the book in JupyterLab, the lecture under Voilà.

Both open the reader's own copy of the book (:mod:`pagemig.book`), start a server on
127.0.0.1 and a free port, wait until it answers, print the one URL to open (with a fresh
random token) and run until Ctrl-C, then stop the server and the kernels it started.
:class:`Server` is the same machinery for the browser tests.

The token never appears on a command line (``/proc/PID/cmdline`` is readable by every
local user): the servers read it from ``JUPYTER_TOKEN`` in their environment, which only
their owner can read. It is printed once, in the URL, and never in a message.

The command lines are built by :func:`lab_command` and :func:`voila_command`, which start
nothing, so they can be read and tested on their own. Both servers log warnings and errors
only (``--verbose`` gives Jupyter's own start-up log back).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import book

HOST = "127.0.0.1"
LECTURE = "08-lecture.ipynb"
FIRST_CHAPTER = "00-start-here.ipynb"
HERE = Path(__file__).resolve().parent
# pagemig's defaults for JupyterLab's settings (overrides.json: the reader's own settings
# still win): no news question, no update check.
LAB_SETTINGS = HERE / "labsettings"
# pagemig's Voilà template (the lab template without its CDN stylesheets).
TEMPLATES = HERE / "share" / "jupyter"
VOILA_TEMPLATE = "pagemig"
# ... and its slides: Voilà's reveal template, reveal.js from Voilà's own bundle, no CDN.
SLIDES_TEMPLATE = "pagemig-slides"
# The kit's projection scale (``widgets.PROJECTION_SCALE``; the kit reads it from
# ``PAGEMIG_SCALE`` in the kernel's environment): ``present`` is for a room, so it is the
# default there; ``--scale 1`` for a laptop. (Kept here so that launching imports no
# plotting; tests/test_launch.py checks it is the kit's.)
SCALE_ENV = "PAGEMIG_SCALE"
PRESENT_SCALE = 1.6
SCALE_RANGE = (0.25, 4.0)
# Flags that keep JupyterLab from calling out to the network (news feed, update check,
# extension search on PyPI).
LAB_OFFLINE_FLAGS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
)
# Server extensions the book does not use; notebook_shim also reads the deprecated
# ServerApp.token at start-up and so prints a DeprecationWarning on every launch.
LAB_UNUSED_EXTENSIONS = ("notebook_shim", "voila.server_extension")
QUIET_FLAGS = ("--ServerApp.log_level=WARN", "--LabApp.log_level=WARN")


def kernel_flags() -> tuple[str, ...]:
    """Encrypt the kernels' traffic with CurveZMQ keys the server makes (jupyter_client's
    ``transport_encryption``), where pyzmq can: otherwise every kernel warns that it runs
    "over TCP without encryption". Nothing where pyzmq has no Curve support."""
    try:
        import zmq
        from jupyter_client.manager import KernelManager
    except ImportError:
        return ()
    if not (zmq.has("curve") and KernelManager.class_traits().get("transport_encryption")):
        return ()  # an older jupyter_client: the kernels stay as they were (and warn)
    return ("--KernelManager.transport_encryption=auto",)


PREHEAT_REFILL_DELAY = 10  # seconds
WARM_TIMEOUT = 120  # seconds


class LaunchError(Exception):
    """A launch that cannot go ahead (no notebooks, unknown chapter, server died)."""


def book_dir() -> Path:
    """The book's ``notebooks/`` folder: beside the package in a checkout, else the cwd's."""
    here = Path(__file__).resolve().parent.parent / "notebooks"
    if here.is_dir():
        return here
    return Path.cwd() / "notebooks"


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def chapters(notebooks: Path) -> list[Path]:
    """The book's notebooks in reading order (``00-...`` first)."""
    return sorted(p for p in notebooks.glob("*.ipynb") if not p.name.startswith("."))


def resolve_chapter(chapter: str | None, notebooks: Path) -> Path:
    """The notebook ``present`` shows: the lecture when ``chapter`` is None, else a chapter
    given as a path, a file name, a number (``3`` or ``03``) or a unique part of its name."""
    if chapter is None:
        lecture = notebooks / LECTURE
        if not lecture.is_file():
            raise LaunchError(f"the lecture notebook {lecture} does not exist")
        return lecture
    given = Path(chapter)
    if given.suffix == ".ipynb" and given.is_file():
        return given.resolve()
    found = chapters(notebooks)
    names = ", ".join(p.stem for p in found) or "none"
    if chapter.isdigit():
        matches = [p for p in found if re.match(rf"0*{int(chapter)}-", p.name)]
    else:
        stem = chapter.removesuffix(".ipynb").lower()
        exact = [p for p in found if p.stem.lower() == stem]
        matches = exact or [p for p in found if stem in p.stem.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise LaunchError(f"no chapter {chapter!r} in {notebooks} (chapters: {names})")
    which = ", ".join(p.stem for p in matches)
    raise LaunchError(f"chapter {chapter!r} is ambiguous: {which}")


def lab_command(
    notebooks: Path,
    port: int,
    *,
    root: bool | None = None,
    quiet: bool = True,
    python: str = sys.executable,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The command line that runs JupyterLab on ``notebooks`` at 127.0.0.1:``port``. The
    token is not in it: the server reads ``JUPYTER_TOKEN`` (see :func:`server_env`)."""
    cmd = [
        python,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.app_settings_dir={LAB_SETTINGS}",
        *LAB_OFFLINE_FLAGS,
        *(f"--ServerApp.jpserver_extensions={name}=False" for name in LAB_UNUSED_EXTENSIONS),
    ]
    cmd.extend(kernel_flags())
    if quiet:
        cmd.extend(QUIET_FLAGS)
    if is_root() if root is None else root:
        cmd.append("--allow-root")
    cmd.extend(extra)
    return cmd


def voila_command(
    notebook: Path,
    port: int,
    *,
    quiet: bool = True,
    python: str = sys.executable,
    extra: tuple[str, ...] = (),
    template: str = VOILA_TEMPLATE,
) -> list[str]:
    """The command line that serves the folder of ``notebook`` under Voilà, code hidden, at
    127.0.0.1:``port``, with ``notebook`` pre-run for its first visitor.

    Voilà serves the whole folder, not the one notebook, so that a link from one chapter to
    another (``03-file-pages-and-the-patch.ipynb``) opens that chapter, not "403: Forbidden".
    The token is not in the command line: ``--Voila.auto_token`` lets the server read
    ``JUPYTER_TOKEN`` (see :func:`server_env`). (Voilà runs as root without a flag.)"""
    cmd = [
        python,
        "-m",
        "voila",
        str(notebook.parent),
        "--no-browser",
        f"--Voila.ip={HOST}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--Voila.auto_token=True",
        f"--VoilaConfiguration.template={template}",
        "--VoilaConfiguration.strip_sources=True",
        # Run the notebook in a kernel started ahead of the first visitor, so the page
        # shows at once; refill that pool only after the first page had time to render.
        # Other chapters (reached by links) run when they are opened.
        "--VoilaConfiguration.preheat_kernel=True",
        # (Voilà pre-heats each notebook of the folder whose path this pattern does not match.)
        f"--VoilaKernelManager.preheat_denylist=^(?!(.*[/\\\\])?{re.escape(notebook.name)}$)",
        f"--VoilaKernelManager.fill_delay={PREHEAT_REFILL_DELAY}",
    ]
    cmd.extend(kernel_flags())
    if quiet:
        cmd.append("--Voila.log_level=WARN")
    cmd.extend(extra)
    return cmd


def server_env(token: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a server: ``base`` (default: ours) with the token in
    ``JUPYTER_TOKEN`` and pagemig's Voilà template on ``JUPYTER_PATH``. (A process's
    environment, unlike its command line, is readable by its owner only.)"""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_TOKEN"] = token
    env.pop("JUPYTER_TOKEN_FILE", None)
    paths = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join([str(TEMPLATES), *paths])
    return env


def lab_url(port: int, token: str, path: str = "lab") -> str:
    return f"http://{HOST}:{port}/{path}?token={token}"


def voila_url(port: int, token: str, notebook: str | None = None) -> str:
    """The page of ``notebook`` (a name in the served folder), or the folder's list."""
    path = f"voila/render/{quote(notebook)}" if notebook else ""
    return f"http://{HOST}:{port}/{path}?token={token}"


def _descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (kernels included: they run in sessions of their own)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _cpu_ticks(pid: int) -> int:
    """User plus system CPU time of ``pid`` so far, in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is as good as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@dataclass
class Server:
    """A JupyterLab or Voilà server run as a child process.

    ``start()`` runs ``cmd`` in a session of its own (so a Ctrl-C in the terminal reaches
    only us, not a server that would ask "Shutdown this Jupyter server (y/[n])?"), and
    ``wait_ready()`` polls ``ready_url`` until it answers. ``stop()`` sends SIGTERM, which
    makes the server shut its kernels down, waits, and then ends whatever is left of the
    processes it started (kernels included).
    """

    cmd: list[str]
    port: int
    token: str
    url: str
    ready_url: str
    env: dict[str, str] | None = None
    cwd: str | None = None
    log: object = None  # a file for the server's output; None: inherit ours
    ready_method: str = "GET"
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Server:
        """Start the server with the token in its environment (``env``, default ours)."""
        self.proc = subprocess.Popen(
            self.cmd,
            env=server_env(self.token, self.env),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT if self.log is not None else None,
            start_new_session=True,
        )
        return self

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Block until ``ready_url`` answers 200; return the seconds it took."""
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise LaunchError(
                    f"the server exited with status {self.proc.returncode} before it "
                    "answered (its messages, if any, are above)"
                )
            try:
                req = urllib.request.Request(
                    self.ready_url,
                    method=self.ready_method,
                    headers={"Authorization": f"token {self.token}"},
                )
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except urllib.error.HTTPError as e:
                e.close()
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() - t0 > timeout:
                self.stop()
                raise LaunchError(f"the server did not answer within {timeout:.0f} s")
            time.sleep(0.2)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server and every process it started; safe to call twice."""
        if self.proc is None:
            return
        pid = self.proc.pid
        tree = _descendants(pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Anything the server left behind (a kernel it could not shut down) goes now.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            left = [p for p in tree if pid_alive(p)]
            for p in left:
                try:
                    os.kill(p, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = [p for p in left if pid_alive(p)]
            if not left:
                break
        self.proc = None

    def processes(self) -> list[int]:
        """The server's process id and those of everything it started (kernels too)."""
        if self.proc is None:
            return []
        return [self.proc.pid, *_descendants(self.proc.pid)]

    def kernels(self) -> list[int]:
        """Process ids of the kernels the server started."""
        return [p for p in self.processes()[1:] if "ipykernel" in _cmdline(p)]

    def wait_settled(self, settle: float = 2.0, timeout: float = 180.0) -> float | None:
        """Block until the server has a kernel and it and the server have been idle (under
        0.1 s of CPU between them) for ``settle`` seconds: Voilà's pre-heated kernel has
        then run the whole notebook. Returns the seconds waited, None on timeout."""
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        t0 = time.monotonic()
        last, quiet_since = None, None
        while time.monotonic() - t0 < timeout:
            if self.proc is None or self.proc.poll() is not None:
                return None
            if self.kernels():
                used = sum(_cpu_ticks(p) for p in self.processes())
                now = time.monotonic()
                if last is None or used - last > 0.1 * hz:
                    last, quiet_since = used, now
                elif now - quiet_since >= settle:
                    return now - t0
            time.sleep(0.25)
        return None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _port_token(port: int | None, token: str | None) -> tuple[int, str]:
    """The port and token a server uses: the given ones, else a free port and a fresh token."""
    return port or free_port(), token or secrets.token_hex(16)


def lab_server(
    notebooks: Path,
    *,
    port: int | None = None,
    token: str | None = None,
    open_path: str | None = None,
    quiet: bool = True,
    extra: tuple[str, ...] = (),
    **kw,
) -> Server:
    """A (not yet started) JupyterLab server on ``notebooks``; its URL opens ``open_path``
    (a notebook in it) when given."""
    port, token = _port_token(port, token)
    path = f"lab/tree/{quote(open_path)}" if open_path else "lab"
    return Server(
        cmd=lab_command(notebooks, port, quiet=quiet, extra=extra),
        port=port,
        token=token,
        url=lab_url(port, token, path),
        ready_url=f"http://{HOST}:{port}/api/status",
        **kw,
    )


def voila_server(
    notebook: Path,
    *,
    port: int | None = None,
    token: str | None = None,
    quiet: bool = True,
    extra: tuple[str, ...] = (),
    template: str = VOILA_TEMPLATE,
    **kw,
) -> Server:
    """A (not yet started) Voilà server on the folder of ``notebook``; its URL is that
    notebook's page."""
    port, token = _port_token(port, token)
    return Server(
        cmd=voila_command(notebook, port, quiet=quiet, extra=extra, template=template),
        port=port,
        token=token,
        url=voila_url(port, token, notebook.name),
        # Voilà's own script: it answers once Voilà listens; a page would run a notebook.
        ready_url=f"http://{HOST}:{port}/voila/static/voila.js",
        ready_method="HEAD",
        **kw,
    )


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _serve(
    server: Server,
    what: str,
    warm: bool = False,
    on_ready=None,
    on_stop=None,
) -> int:
    # Ctrl-C (even where a shell started us with SIGINT ignored, as `cmd &` does), a closed
    # terminal or a plain `kill` all stop the server the same way.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    if port_in_use(server.port):
        print(
            f"pagemig: port {server.port} on {HOST} is in use; choose another with --port, "
            "or leave --port out for a free one",
            file=sys.stderr,
        )
        return 1
    print(f"pagemig: starting {what} ...", flush=True)
    server.start()
    try:
        server.wait_ready()
        if warm:
            print("pagemig: running the notebook ahead of the first visitor ...", flush=True)
            took = server.wait_settled(timeout=WARM_TIMEOUT)
            if took is None:
                print(f"pagemig: still running after {WARM_TIMEOUT} s; open it anyway", flush=True)
        if on_ready is not None:
            on_ready()
        print(f"\n    {what} is ready: open {server.url}\n", flush=True)
        print("pagemig: press Ctrl-C to stop (the server and its kernels stop with it)", flush=True)
        server.proc.wait()
        print(f"pagemig: the server exited with status {server.proc.returncode}", flush=True)
        return server.proc.returncode or 1
    except KeyboardInterrupt:
        print("\npagemig: stopping the server and its kernels ...", flush=True)
        return 0
    except LaunchError as e:
        print(f"pagemig: {e}", file=sys.stderr)
        return 1
    finally:
        server.stop()
        if on_stop is not None:
            on_stop()
        print("pagemig: stopped", flush=True)


def _notebooks_arg(args) -> Path:
    """The stored book: ``--notebooks`` or the repository's ``notebooks/``."""
    nb = Path(args.notebooks) if getattr(args, "notebooks", None) else book_dir()
    if not nb.is_dir():
        raise LaunchError(f"no notebooks folder at {nb} (give one with --notebooks DIR)")
    return nb.resolve()


def _copy_arg(args) -> Path:
    given = getattr(args, "book", None)
    return (Path(given).expanduser() if given else book.default_copy()).absolute()


def reader_copy(args) -> Path:
    """The folder ``lab`` / ``present`` open: the reader's copy, made or brought up to date
    from the stored book (messages say what changed); or, for a maintainer who passes
    ``--book`` pointing at the stored book, the stored book itself."""
    stored = _notebooks_arg(args)
    copy = _copy_arg(args)
    if book.same_folder(stored, copy):
        print(
            f"pagemig: opening the stored book itself ({stored}): what you save changes "
            "the repository (see notebooks/README.md before committing)",
            flush=True,
        )
        return stored
    try:
        report = book.sync(stored, copy)
    except book.BookError as e:
        raise LaunchError(f"{e} (choose another folder with --book DIR)") from None
    for line in report.messages():
        print(f"pagemig: {line}", flush=True)
    return copy.resolve()


def cmd_lab(args) -> int:
    """JupyterLab on the reader's copy of the book, opened on chapter 0."""
    try:
        nb = reader_copy(args)
    except LaunchError as e:
        print(f"pagemig lab: {e}", file=sys.stderr)
        return 2
    holder = book.lab_holder(nb)
    if holder is not None:
        print(
            f"pagemig lab: warning: another pagemig lab (pid {holder.get('pid')}, "
            f"{holder.get('url', 'its URL')}) already serves {nb}; both will save into the "
            "same notebooks, and the last save wins. Stop it, or give this one a copy of "
            "its own with --book DIR.",
            file=sys.stderr,
            flush=True,
        )
    first = FIRST_CHAPTER if (nb / FIRST_CHAPTER).is_file() else None
    server = lab_server(nb, port=args.port, open_path=first, quiet=not args.verbose)
    shown = server.url.split("?", 1)[0]
    return _serve(
        server,
        f"JupyterLab on {nb}",
        on_ready=lambda: book.claim_lab(nb, shown),
        on_stop=lambda: book.release_lab(nb),
    )


def scale_arg(text: str) -> float:
    """``--scale``: a number in :data:`SCALE_RANGE` (argparse prints the message)."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (try 1.6)") from None
    lo, hi = SCALE_RANGE
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"the scale must lie between {lo} and {hi}, not {value}")
    return value


def present_env(scale: float, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of ``present``'s server (and so of its kernels): ``base`` (default:
    ours) with the kit's projection scale."""
    env = dict(os.environ if base is None else base)
    env[SCALE_ENV] = f"{scale:g}"
    return env


def cmd_present(args) -> int:
    """The lecture notebook, or a chapter, under Voilà with the code hidden; with
    ``--slides``, as slides with speaker notes (reveal.js: S opens the speaker view)."""
    try:
        notebook = resolve_chapter(args.chapter, reader_copy(args))
    except LaunchError as e:
        print(f"pagemig present: {e}", file=sys.stderr)
        return 2
    slides = getattr(args, "slides", False)
    scale = getattr(args, "scale", None) or PRESENT_SCALE
    server = voila_server(
        notebook,
        port=args.port,
        quiet=not args.verbose,
        template=SLIDES_TEMPLATE if slides else VOILA_TEMPLATE,
        env=present_env(scale),
    )
    what = f"Voilà on {notebook.name}" + (" as slides" if slides else "")
    if slides:
        print(
            "pagemig: slides: arrow keys or space move, S opens the speaker notes (a window "
            "of its own: allow pop-ups), F is full screen; on your own screen, add &lecturer "
            "to the URL to see the notes under each slide",
            flush=True,
        )
    return _serve(server, f"{what} (scale {scale:g})", warm=True)


def cmd_reset(args) -> int:
    """Put the stored version of a chapter (or of every chapter) back into the reader's copy."""
    try:
        stored = _notebooks_arg(args)
        copy = _copy_arg(args)
        chapters = None if args.chapter is None else [resolve_chapter(args.chapter, stored)]
        if chapters and not book.same_folder(chapters[0].parent, stored):
            raise LaunchError(f"{chapters[0]} is not a chapter of the stored book {stored}")
        done = book.reset(stored, copy, chapters)
    except (LaunchError, book.BookError) as e:
        print(f"pagemig reset: {e}", file=sys.stderr)
        return 2
    print(f"pagemig reset: restored {', '.join(n for n, _ in done)} in {copy}")
    saved = [kept for _, kept in done if kept is not None]
    if saved:
        print(f"pagemig reset: your previous versions are in {saved[0].parent}")
    holder = book.lab_holder(copy)
    if holder is not None:
        print(
            "pagemig reset: a pagemig lab has this copy open: in each restored notebook's "
            "tab, use File > Reload Notebook from Disk (saving the tab would undo the reset)"
        )
    return 0


def add_arguments(name: str, parser) -> None:
    """The options of ``pagemig lab`` / ``present`` / ``reset``."""
    if name in ("present", "reset"):
        parser.add_argument(
            "chapter",
            nargs="?",
            default=None,
            help=(
                "a chapter (number, name or path); default: the lecture notebook"
                if name == "present"
                else "a chapter (number or name); default: every chapter"
            ),
        )
    parser.add_argument(
        "--book",
        default=None,
        metavar="DIR",
        help=f"your copy of the book (default: $PAGEMIG_BOOK or {book.default_copy()})",
    )
    parser.add_argument(
        "--notebooks",
        default=None,
        metavar="DIR",
        help="the stored book the copy comes from (default: the repository's notebooks/)",
    )
    if name == "present":
        parser.add_argument(
            "--slides",
            action="store_true",
            help="show it as slides, with the speaker notes in reveal.js's speaker view (S)",
        )
        parser.add_argument(
            "--scale",
            type=scale_arg,
            default=None,
            metavar="X",
            help=f"the figures' projection scale (default {PRESENT_SCALE:g}, for a room "
            "at 1920x1080; 1 for a laptop)",
        )
    if name in ("lab", "present"):
        parser.add_argument("--port", type=int, default=None, help="default: a free port")
        parser.add_argument(
            "--verbose", action="store_true", help="show the server's own start-up log"
        )


# ``pagemig.cli.main`` calls these to give each subcommand its options.
cmd_lab.add_arguments = lambda parser: add_arguments("lab", parser)
cmd_present.add_arguments = lambda parser: add_arguments("present", parser)
cmd_reset.add_arguments = lambda parser: add_arguments("reset", parser)
