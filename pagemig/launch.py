"""``pagemig lab`` and ``pagemig present``: the book in JupyterLab, the lecture under Voilà.

Both start a server on 127.0.0.1 and a free port, wait until it answers, print the URL to
open (with a fresh random token) and run until Ctrl-C, then stop the server and the kernels
it started. :class:`Server` is the same machinery for the browser tests.

The command lines are built by :func:`lab_command` and :func:`voila_command`, which start
nothing, so they can be read and tested on their own.
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

HOST = "127.0.0.1"
LECTURE = "08-lecture.ipynb"
# Flags that keep JupyterLab from calling out to the network (news feed, update check).
LAB_OFFLINE_FLAGS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
)


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
    token: str,
    *,
    root: bool | None = None,
    python: str = sys.executable,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The command line that runs JupyterLab on ``notebooks`` at 127.0.0.1:``port``."""
    cmd = [
        python,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={notebooks}",
        f"--IdentityProvider.token={token}",
        *LAB_OFFLINE_FLAGS,
    ]
    if is_root() if root is None else root:
        cmd.append("--allow-root")
    cmd.extend(extra)
    return cmd


def voila_command(
    notebook: Path,
    port: int,
    token: str,
    *,
    python: str = sys.executable,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The command line that serves ``notebook`` under Voilà, code hidden, at
    127.0.0.1:``port``. (Voilà runs as root without a flag.)"""
    return [
        python,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--Voila.ip={HOST}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--Voila.token={token}",
        "--VoilaConfiguration.strip_sources=True",
        # Run the notebook in a kernel started ahead of the first visitor, so the page
        # shows at once; refill that pool only after the first page had time to render.
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaKernelManager.fill_delay={PREHEAT_REFILL_DELAY}",
        *extra,
    ]


def lab_url(port: int, token: str, path: str = "lab") -> str:
    return f"http://{HOST}:{port}/{path}?token={token}"


def voila_url(port: int, token: str) -> str:
    return f"http://{HOST}:{port}/?token={token}"


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
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
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
                    f"answered: {' '.join(self.cmd)}"
                )
            try:
                req = urllib.request.Request(self.ready_url, method=self.ready_method)
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
    extra: tuple[str, ...] = (),
    **kw,
) -> Server:
    """A (not yet started) JupyterLab server on ``notebooks``."""
    port, token = _port_token(port, token)
    return Server(
        cmd=lab_command(notebooks, port, token, extra=extra),
        port=port,
        token=token,
        url=lab_url(port, token),
        ready_url=f"http://{HOST}:{port}/api/status?token={token}",
        **kw,
    )


def voila_server(
    notebook: Path,
    *,
    port: int | None = None,
    token: str | None = None,
    extra: tuple[str, ...] = (),
    **kw,
) -> Server:
    """A (not yet started) Voilà server on one ``notebook``."""
    port, token = _port_token(port, token)
    return Server(
        cmd=voila_command(notebook, port, token, extra=extra),
        port=port,
        token=token,
        url=voila_url(port, token),
        # Voilà's own script: it answers once Voilà listens; "/" would run the notebook.
        ready_url=f"http://{HOST}:{port}/voila/static/voila.js",
        ready_method="HEAD",
        **kw,
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _serve(server: Server, what: str, warm: bool = False) -> int:
    # Ctrl-C (even where a shell started us with SIGINT ignored, as `cmd &` does), a closed
    # terminal or a plain `kill` all stop the server the same way.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    print(f"pagemig: starting {what} ...", flush=True)
    server.start()
    try:
        server.wait_ready()
        if warm:
            print("pagemig: running the notebook ahead of the first visitor ...", flush=True)
            took = server.wait_settled(timeout=WARM_TIMEOUT)
            if took is None:
                print(f"pagemig: still running after {WARM_TIMEOUT} s; open it anyway", flush=True)
        print(f"\n    {what} is ready: open {server.url}\n", flush=True)
        print("pagemig: press Ctrl-C to stop", flush=True)
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
        print("pagemig: stopped", flush=True)


def _notebooks_arg(args) -> Path:
    nb = Path(args.notebooks) if getattr(args, "notebooks", None) else book_dir()
    if not nb.is_dir():
        raise LaunchError(f"no notebooks folder at {nb} (give one with --notebooks DIR)")
    return nb.resolve()


def cmd_lab(args) -> int:
    """JupyterLab on the book."""
    try:
        nb = _notebooks_arg(args)
    except LaunchError as e:
        print(f"pagemig lab: {e}", file=sys.stderr)
        return 2
    return _serve(lab_server(nb, port=args.port), f"JupyterLab on {nb}")


def cmd_present(args) -> int:
    """The lecture notebook, or a chapter, under Voilà with the code hidden."""
    try:
        notebook = resolve_chapter(args.chapter, _notebooks_arg(args))
    except LaunchError as e:
        print(f"pagemig present: {e}", file=sys.stderr)
        return 2
    return _serve(voila_server(notebook, port=args.port), f"Voilà on {notebook.name}", warm=True)


def add_arguments(name: str, parser) -> None:
    """The options of ``pagemig lab`` / ``pagemig present``."""
    if name == "present":
        parser.add_argument(
            "chapter",
            nargs="?",
            default=None,
            help="a chapter (number, name or path); default: the lecture notebook",
        )
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--notebooks", default=None, help="default: the book's notebooks/")


# ``pagemig.cli.main`` calls these to give each subcommand its options.
cmd_lab.add_arguments = lambda parser: add_arguments("lab", parser)
cmd_present.add_arguments = lambda parser: add_arguments("present", parser)
