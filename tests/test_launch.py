"""``pagemig lab`` / ``pagemig present``: argument handling, the command lines they build,
and how a server is stopped. No Jupyter server is started here (tests/browser does that)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pagemig import cli, launch

ROOT = Path(__file__).resolve().parents[1]


def option(cmd, name):
    """The value of ``--name=value`` in ``cmd`` (exactly one such option)."""
    found = [a.split("=", 1)[1] for a in cmd if a.startswith(f"--{name}=")]
    assert len(found) == 1, f"--{name}= appears {len(found)} times in {cmd}"
    return found[0]


@pytest.fixture
def book(tmp_path):
    nb = tmp_path / "notebooks"
    nb.mkdir()
    for name in (
        "00-start-here",
        "01-pages-ptes-rmaps",
        "03-file-pages-and-the-patch",
        "04-nonlinear-mappings",
        "05-dirty-pages-and-writeout",
        "08-lecture",
    ):
        (nb / f"{name}.ipynb").write_text("{}")
    return nb


# -- the command lines --------------------------------------------------------------------------
def test_lab_command_serves_the_book_on_loopback_with_a_token(book):
    cmd = launch.lab_command(book, 8123, "sekrit", root=False, python="/py")
    assert cmd[:3] == ["/py", "-m", "jupyterlab"]
    assert "--no-browser" in cmd
    assert option(cmd, "ServerApp.ip") == "127.0.0.1"
    assert option(cmd, "ServerApp.port") == "8123"
    assert option(cmd, "ServerApp.port_retries") == "0"  # that port or nothing: we print it
    assert option(cmd, "ServerApp.root_dir") == str(book)
    assert option(cmd, "IdentityProvider.token") == "sekrit"
    assert option(cmd, "LabApp.news_url") == "None"
    assert option(cmd, "LabApp.check_for_updates_class") == "jupyterlab.NeverCheckForUpdate"
    assert "--allow-root" not in cmd


def test_lab_command_allows_root_only_as_root(book, monkeypatch):
    assert "--allow-root" in launch.lab_command(book, 1, "t", root=True)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert "--allow-root" in launch.lab_command(book, 1, "t")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "--allow-root" not in launch.lab_command(book, 1, "t")


def test_lab_command_appends_extra_options_last(book):
    cmd = launch.lab_command(book, 1, "t", root=False, extra=("--A=1", "--B=2"))
    assert cmd[-2:] == ["--A=1", "--B=2"]


def test_voila_command_hides_code_on_loopback(book):
    nb = book / "08-lecture.ipynb"
    cmd = launch.voila_command(nb, 9000, "tok", python="/py")
    assert cmd[:4] == ["/py", "-m", "voila", str(nb)]
    assert "--no-browser" in cmd
    assert option(cmd, "Voila.ip") == "127.0.0.1"
    assert option(cmd, "Voila.port") == "9000"
    assert option(cmd, "Voila.port_retries") == "0"
    assert option(cmd, "Voila.token") == "tok"
    assert option(cmd, "VoilaConfiguration.strip_sources") == "True"
    assert option(cmd, "VoilaConfiguration.preheat_kernel") == "True"
    assert float(option(cmd, "VoilaKernelManager.fill_delay")) >= 5
    assert "--allow-root" not in cmd  # Voilà has no such flag and runs as root as is


def test_urls_carry_host_port_and_token():
    assert launch.lab_url(8888, "abc") == "http://127.0.0.1:8888/lab?token=abc"
    assert launch.voila_url(8866, "xyz") == "http://127.0.0.1:8866/?token=xyz"


def test_servers_get_fresh_ports_and_tokens(book):
    a, b = launch.lab_server(book), launch.lab_server(book)
    assert a.token != b.token and len(a.token) >= 32
    assert option(a.cmd, "ServerApp.port") == str(a.port)
    assert a.url == launch.lab_url(a.port, a.token)
    assert a.ready_url.startswith(f"http://127.0.0.1:{a.port}/api/status")
    v = launch.voila_server(book / "08-lecture.ipynb", port=4321, token="t")
    assert (v.port, option(v.cmd, "Voila.port"), v.url) == (
        4321,
        "4321",
        launch.voila_url(4321, "t"),
    )
    assert v.proc is None  # built, not started


def test_free_port_is_free():
    import socket

    port = launch.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises if something held it


# -- which notebook `present` shows -----------------------------------------------------------------
def test_present_defaults_to_the_lecture(book):
    assert launch.resolve_chapter(None, book) == book / "08-lecture.ipynb"


def test_present_without_a_lecture_says_so(book):
    (book / "08-lecture.ipynb").unlink()
    with pytest.raises(launch.LaunchError, match="lecture notebook"):
        launch.resolve_chapter(None, book)


@pytest.mark.parametrize(
    "given, stem",
    [
        ("3", "03-file-pages-and-the-patch"),
        ("03", "03-file-pages-and-the-patch"),
        ("0", "00-start-here"),
        ("8", "08-lecture"),
        ("nonlinear", "04-nonlinear-mappings"),
        ("Dirty", "05-dirty-pages-and-writeout"),
        ("01-pages-ptes-rmaps", "01-pages-ptes-rmaps"),
        ("01-pages-ptes-rmaps.ipynb", "01-pages-ptes-rmaps"),
    ],
)
def test_present_finds_a_chapter_by_number_or_name(book, given, stem):
    assert launch.resolve_chapter(given, book) == book / f"{stem}.ipynb"


def test_present_takes_a_path(book, tmp_path):
    other = tmp_path / "mine.ipynb"
    other.write_text("{}")
    assert launch.resolve_chapter(str(other), book) == other


@pytest.mark.parametrize("given", ["2", "12", "swap"])
def test_present_names_the_chapters_when_none_matches(book, given):
    with pytest.raises(launch.LaunchError, match="chapters: 00-start-here, 01-pages"):
        launch.resolve_chapter(given, book)


def test_present_refuses_an_ambiguous_name(book):
    with pytest.raises(launch.LaunchError, match="ambiguous: 01-pages-ptes-rmaps, 03-file"):
        launch.resolve_chapter("pages", book)


# -- the CLI ------------------------------------------------------------------------------------
@pytest.fixture
def served(monkeypatch):
    """Replace the blocking serve loop: record the server the command built."""
    seen = []
    monkeypatch.setattr(
        launch, "_serve", lambda server, what, warm=False: seen.append((server, what, warm)) or 0
    )
    return seen


def test_cli_lab_builds_jupyterlab_on_the_book(book, served, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert cli.main(["lab", "--notebooks", str(book), "--port", "8765"]) == 0
    ((server, what, warm),) = served
    assert "JupyterLab" in what and not warm
    assert option(server.cmd, "ServerApp.root_dir") == str(book.resolve())
    assert option(server.cmd, "ServerApp.port") == "8765" and server.port == 8765
    assert "--allow-root" in server.cmd
    assert server.url == f"http://127.0.0.1:8765/lab?token={server.token}"


def test_cli_present_builds_voila_on_the_lecture_or_a_chapter(book, served):
    assert cli.main(["present", "--notebooks", str(book)]) == 0
    assert cli.main(["present", "4", "--notebooks", str(book), "--port", "9999"]) == 0
    (lecture, _, warm), (chapter, what, _) = served
    assert warm  # the URL is printed once the notebook ran in the pre-heated kernel
    assert lecture.cmd[3] == str(book.resolve() / "08-lecture.ipynb")
    assert chapter.cmd[3] == str(book.resolve() / "04-nonlinear-mappings.ipynb")
    assert chapter.port == 9999 and "04-nonlinear-mappings" in what


def test_cli_default_book_is_the_repository_notebooks(served):
    assert launch.book_dir() == ROOT / "notebooks"
    cli.main(["lab"])
    ((server, _, _),) = served
    assert option(server.cmd, "ServerApp.root_dir") == str(ROOT / "notebooks")


def test_cli_reports_bad_arguments_without_starting_anything(book, served, capsys, tmp_path):
    assert cli.main(["present", "nosuch", "--notebooks", str(book)]) == 2
    assert "no chapter 'nosuch'" in capsys.readouterr().err
    assert cli.main(["lab", "--notebooks", str(tmp_path / "missing")]) == 2
    assert "no notebooks folder" in capsys.readouterr().err
    assert served == []
    with pytest.raises(SystemExit):
        cli.main(["lab", "--port", "eighty"])
    assert "invalid int value: 'eighty'" in capsys.readouterr().err


# -- stopping -----------------------------------------------------------------------------------
# A stand-in for a Jupyter server: it starts a "kernel" in a session of its own (as
# jupyter_client does) that ignores SIGTERM, then waits.
FAKE_SERVER = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    kernel = subprocess.Popen(
        [sys.executable, "-c",
         "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"],
        start_new_session=True)
    print(kernel.pid, flush=True)
    time.sleep(600)
    """
)


def test_stop_ends_the_server_and_what_it_started():
    server = launch.Server(
        cmd=[sys.executable, "-c", FAKE_SERVER],
        port=0,
        token="t",
        url="",
        ready_url="",
        log=subprocess.PIPE,
    ).start()
    kernel = int(server.proc.stdout.readline())
    tree = server.processes()
    assert server.proc.pid in tree and kernel in tree
    server.proc.stdout.close()
    server.stop(timeout=5)
    assert server.proc is None
    assert [p for p in tree if launch.pid_alive(p)] == []
    server.stop()  # twice is fine


def test_wait_settled_waits_for_the_kernel_to_finish_its_work():
    """A "server" whose "kernel" computes for a while, then idles: wait_settled returns
    after the work (the pre-heated notebook) is done, not before."""
    busy = "import sys, time\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass\n"
    busy += "print('done', flush=True)\ntime.sleep(600)"
    fake = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', {busy!r}, 'ipykernel_launcher'])\n"
        "time.sleep(600)"
    )
    server = launch.Server(
        cmd=[sys.executable, "-c", fake],
        port=0,
        token="t",
        url="",
        ready_url="",
        log=subprocess.PIPE,
    ).start()
    try:
        t0 = time.monotonic()
        took = server.wait_settled(settle=1.0, timeout=60)
        assert took is not None and len(server.kernels()) == 1
        assert server.proc.stdout.readline() == b"done\n"  # the work was over when it returned
        assert time.monotonic() - t0 >= 1.0 + 1.0
    finally:
        server.proc.stdout.close()
        server.stop(timeout=5)


def test_wait_ready_reports_a_server_that_died():
    server = launch.Server(
        cmd=[sys.executable, "-c", "raise SystemExit(3)"],
        port=0,
        token="t",
        url="",
        ready_url="http://127.0.0.1:9/",
        log=subprocess.DEVNULL,
    ).start()
    with pytest.raises(launch.LaunchError, match="exited with status 3"):
        server.wait_ready(timeout=30)
    server.stop()


SERVE_SCRIPT = textwrap.dedent(
    """
    import sys
    from pagemig import launch
    port = launch.free_port()
    server = launch.Server(
        cmd=[sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        port=port, token="t", url=f"http://127.0.0.1:{port}/",
        ready_url=f"http://127.0.0.1:{port}/", log=open("/dev/null", "w"))
    sys.exit(launch._serve(server, "a test server"))
    """
)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_the_url_and_stops_cleanly_on_ctrl_c(sig, tmp_path):
    """The loop behind `pagemig lab`: ready -> URL printed; Ctrl-C (or kill) -> server gone."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "is ready: open" in line:
                break
        url = lines[-1].split("open ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        children = launch._descendants(proc.pid)
        assert len(children) == 1  # the http.server
        time.sleep(0.2)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "".join(lines) + out
    assert "stopping the server" in out and out.rstrip().endswith("pagemig: stopped")
    assert not launch.pid_alive(children[0])
