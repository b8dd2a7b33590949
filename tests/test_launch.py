"""``pagemig lab`` / ``present`` / ``reset``: argument handling, the command lines they build,
the reader's copy of the book, how a server is stopped, and (with real servers, no browser)
that the token is on no command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pagemig import book as book_mod
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
def test_lab_command_serves_the_book_on_loopback_without_the_token(book):
    cmd = launch.lab_command(book, 8123, root=False, python="/py")
    assert cmd[:3] == ["/py", "-m", "jupyterlab"]
    assert "--no-browser" in cmd
    assert option(cmd, "ServerApp.ip") == "127.0.0.1"
    assert option(cmd, "ServerApp.port") == "8123"
    assert option(cmd, "ServerApp.port_retries") == "0"  # that port or nothing: we print it
    assert option(cmd, "ServerApp.root_dir") == str(book)
    assert not [a for a in cmd if "token" in a.lower()]  # it comes through JUPYTER_TOKEN
    assert option(cmd, "LabApp.news_url") == "None"
    assert option(cmd, "LabApp.check_for_updates_class") == "jupyterlab.NeverCheckForUpdate"
    assert option(cmd, "LabApp.extension_manager") == "readonly"
    settings = Path(option(cmd, "LabApp.app_settings_dir")) / "overrides.json"
    news = json.loads(settings.read_text())["@jupyterlab/apputils-extension:notification"]
    assert news == {"fetchNews": "false", "checkForUpdates": False}
    assert option(cmd, "ServerApp.log_level") == "WARN"  # no second URL, no Ctrl-C hint
    assert "--allow-root" not in cmd


def test_lab_command_allows_root_only_as_root(book, monkeypatch):
    assert "--allow-root" in launch.lab_command(book, 1, root=True)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert "--allow-root" in launch.lab_command(book, 1)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "--allow-root" not in launch.lab_command(book, 1)


def test_lab_command_appends_extra_options_last(book):
    cmd = launch.lab_command(book, 1, root=False, extra=("--A=1", "--B=2"))
    assert cmd[-2:] == ["--A=1", "--B=2"]
    assert "--ServerApp.log_level=WARN" not in launch.lab_command(book, 1, quiet=False)


def test_voila_command_serves_the_folder_with_code_hidden_on_loopback(book):
    nb = book / "08-lecture.ipynb"
    cmd = launch.voila_command(nb, 9000, python="/py")
    # The folder, so that links between chapters open them (a lone notebook: 403).
    assert cmd[:4] == ["/py", "-m", "voila", str(book)]
    assert "--no-browser" in cmd
    assert option(cmd, "Voila.ip") == "127.0.0.1"
    assert option(cmd, "Voila.port") == "9000"
    assert option(cmd, "Voila.port_retries") == "0"
    assert option(cmd, "Voila.auto_token") == "True"  # else Voilà serves with no token at all
    assert not [a for a in cmd if "token=" in a.lower() and "auto_token" not in a]
    assert option(cmd, "VoilaConfiguration.template") == "pagemig"
    assert option(cmd, "VoilaConfiguration.strip_sources") == "True"
    assert option(cmd, "VoilaConfiguration.preheat_kernel") == "True"
    assert float(option(cmd, "VoilaKernelManager.fill_delay")) >= 5
    assert "--allow-root" not in cmd  # Voilà has no such flag and runs as root as is


def test_voila_preheats_the_shown_notebook_only(book):
    """Voilà matches its deny-list against absolute paths: every chapter but the one shown."""
    nb = book / "08-lecture.ipynb"
    deny = re.compile(option(launch.voila_command(nb, 1), "VoilaKernelManager.preheat_denylist"))
    assert not deny.match(str(nb)) and not deny.match(nb.name)
    assert deny.match(str(book / "03-file-pages-and-the-patch.ipynb"))
    assert deny.match(str(book / "x08-lecture.ipynb"))


def test_voila_template_loads_nothing_from_outside():
    """pagemig's Voilà template drops the CDN stylesheets of Voilà's lab template."""
    folder = launch.TEMPLATES / "voila" / "templates" / launch.VOILA_TEMPLATE
    assert json.loads((folder / "conf.json").read_text())["base_template"] == "lab"
    for name in ("index.html.j2", "page.html"):
        assert not re.search(
            r"https?:|//cdn", re.sub(r"\{#.*?#\}", "", (folder / name).read_text(), flags=re.S)
        )


def test_server_env_carries_the_token_and_the_template_path():
    env = launch.server_env(
        "sekrit", {"PATH": "/bin", "JUPYTER_PATH": "/x", "JUPYTER_TOKEN_FILE": "f"}
    )
    assert env["JUPYTER_TOKEN"] == "sekrit" and "JUPYTER_TOKEN_FILE" not in env
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(launch.TEMPLATES), "/x"]
    assert env["PATH"] == "/bin"


def test_urls_carry_host_port_and_token():
    assert launch.lab_url(8888, "abc") == "http://127.0.0.1:8888/lab?token=abc"
    assert launch.voila_url(8866, "xyz") == "http://127.0.0.1:8866/?token=xyz"
    assert (
        launch.voila_url(8866, "xyz", "08-lecture.ipynb")
        == "http://127.0.0.1:8866/voila/render/08-lecture.ipynb?token=xyz"
    )


def test_servers_get_fresh_ports_and_tokens(book):
    a, b = launch.lab_server(book), launch.lab_server(book)
    assert a.token != b.token and len(a.token) >= 32
    assert option(a.cmd, "ServerApp.port") == str(a.port)
    assert a.url == launch.lab_url(a.port, a.token)
    assert a.ready_url == f"http://127.0.0.1:{a.port}/api/status"  # token in a header
    first = launch.lab_server(book, open_path="00-start-here.ipynb")
    assert first.url == launch.lab_url(first.port, first.token, "lab/tree/00-start-here.ipynb")
    v = launch.voila_server(book / "08-lecture.ipynb", port=4321, token="t")
    assert (v.port, option(v.cmd, "Voila.port"), v.url) == (
        4321,
        "4321",
        launch.voila_url(4321, "t", "08-lecture.ipynb"),
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
def served(monkeypatch, tmp_path):
    """Replace the blocking serve loop: record the server the command built. The reader's
    copy goes under a temporary XDG_DATA_HOME."""
    seen = []
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PAGEMIG_BOOK", raising=False)
    monkeypatch.setattr(
        launch,
        "_serve",
        lambda server, what, warm=False, **kw: seen.append((server, what, warm)) or 0,
    )
    return seen


def test_cli_lab_opens_chapter_0_of_the_readers_copy(book, served, monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert cli.main(["lab", "--notebooks", str(book), "--port", "8765"]) == 0
    ((server, what, warm),) = served
    copy = tmp_path / "xdg" / "pagemig" / "book"
    assert "JupyterLab" in what and not warm
    assert option(server.cmd, "ServerApp.root_dir") == str(copy)
    assert sorted(p.name for p in copy.glob("*.ipynb")) == sorted(p.name for p in book.glob("*"))
    assert option(server.cmd, "ServerApp.port") == "8765" and server.port == 8765
    assert "--allow-root" in server.cmd
    assert server.url == f"http://127.0.0.1:8765/lab/tree/00-start-here.ipynb?token={server.token}"


def test_cli_book_option_picks_the_copy_and_the_stored_book_edits_in_place(book, served, tmp_path):
    mine = tmp_path / "mine"
    assert cli.main(["lab", "--notebooks", str(book), "--book", str(mine)]) == 0
    assert cli.main(["lab", "--notebooks", str(book), "--book", str(book)]) == 0  # maintainers
    (a, _, _), (b, _, _) = served
    assert option(a.cmd, "ServerApp.root_dir") == str(mine.resolve())
    assert option(b.cmd, "ServerApp.root_dir") == str(book.resolve())
    assert not (book / book_mod.MANIFEST).exists()  # the stored book was not made a copy


def test_cli_present_builds_voila_on_the_lecture_or_a_chapter(book, served, tmp_path):
    assert cli.main(["present", "--notebooks", str(book)]) == 0
    assert cli.main(["present", "4", "--notebooks", str(book), "--port", "9999"]) == 0
    (lecture, _, warm), (chapter, what, _) = served
    copy = tmp_path / "xdg" / "pagemig" / "book"
    assert warm  # the URL is printed once the notebook ran in the pre-heated kernel
    assert lecture.cmd[3] == str(copy)
    assert lecture.url.split("?")[0].endswith("/voila/render/08-lecture.ipynb")
    assert chapter.url.split("?")[0].endswith("/voila/render/04-nonlinear-mappings.ipynb")
    assert chapter.port == 9999 and "04-nonlinear-mappings" in what


def test_cli_present_slides_and_scale(book, served, capsys):
    """--slides serves the slides template; --scale reaches the kernels through the
    environment (the kit reads PAGEMIG_SCALE), defaulting to the projection scale."""
    assert cli.main(["present", "--notebooks", str(book)]) == 0
    assert cli.main(["present", "3", "--slides", "--scale", "1", "--notebooks", str(book)]) == 0
    (plain, plain_what, _), (slides, what, warm) = served
    assert option(plain.cmd, "VoilaConfiguration.template") == launch.VOILA_TEMPLATE
    assert option(slides.cmd, "VoilaConfiguration.template") == launch.SLIDES_TEMPLATE
    assert warm and "as slides" in what and "as slides" not in plain_what
    assert plain.env[launch.SCALE_ENV] == "1.6" and slides.env[launch.SCALE_ENV] == "1"
    assert slides.url.split("?")[0].endswith("/voila/render/03-file-pages-and-the-patch.ipynb")
    assert "S opens the speaker notes" in capsys.readouterr().out
    for bad, why in (("huge", "is not a number"), ("9", "between 0.25 and 4.0")):
        with pytest.raises(SystemExit):
            cli.main(["present", "--scale", bad, "--notebooks", str(book)])
        assert why in capsys.readouterr().err
    assert len(served) == 2


def test_present_scale_is_the_kits_projection_scale():
    from widgets import _base as kit

    if not hasattr(kit, "PROJECTION_SCALE"):
        pytest.fail("the kit has no PROJECTION_SCALE: merge main (the kit's scale setting)")
    assert launch.PRESENT_SCALE == kit.PROJECTION_SCALE
    assert launch.SCALE_ENV == kit.SCALE_ENV and launch.SCALE_RANGE == kit.SCALE_RANGE


def test_slides_template_loads_nothing_from_outside():
    """The slides template: Voilà's reveal template, its CDN stylesheets and jQuery dropped,
    and reveal's stylesheets pointed at pagemig's own files, which exist."""
    folder = launch.TEMPLATES / "voila" / "templates" / launch.SLIDES_TEMPLATE
    conf = json.loads((folder / "conf.json").read_text())
    assert conf["base_template"] == "reveal"
    reveal = conf["traitlet_configuration"]["resources"]["reveal"]
    assert "://" not in reveal["url_prefix"] and reveal["scroll"] is False  # scroll needs jQuery
    # the page is voila/render/NAME: its ../static/ is Voilà's static route, which serves
    # the template's static folder
    local = folder / "static" / reveal["url_prefix"].removeprefix("../static/")
    assert (local / "dist" / "reveal.css").is_file()
    assert (local / "dist" / "theme" / f"{reveal['theme']}.css").is_file()
    index = re.sub(r"\{#.*?#\}", "", (folder / "index.html.j2").read_text(), flags=re.S)
    assert not re.search(r"https?:|//cdn", index)
    assert "html_head_js_jquery" in index and "notebook_css" in index


def test_cli_default_stored_book_is_the_repository_notebooks(served, tmp_path):
    assert launch.book_dir() == ROOT / "notebooks"
    cli.main(["lab"])
    ((server, _, _),) = served
    copy = Path(option(server.cmd, "ServerApp.root_dir"))
    assert copy == tmp_path / "xdg" / "pagemig" / "book"
    for stored in (ROOT / "notebooks").glob("*.ipynb"):
        assert (copy / stored.name).read_bytes() == stored.read_bytes()


def test_cli_reports_bad_arguments_without_starting_anything(book, served, capsys, tmp_path):
    assert cli.main(["present", "nosuch", "--notebooks", str(book)]) == 2
    assert "no chapter 'nosuch'" in capsys.readouterr().err
    assert cli.main(["lab", "--notebooks", str(tmp_path / "missing")]) == 2
    assert "no notebooks folder" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["lab", "--notebooks", str(book), "--book", str(blocker / "x")]) == 2
    assert "cannot write your copy of the book" in capsys.readouterr().err
    assert served == []
    with pytest.raises(SystemExit):
        cli.main(["lab", "--port", "eighty"])
    assert "invalid int value: 'eighty'" in capsys.readouterr().err


def test_demo_has_no_seed_that_changes_nothing(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "migrate_pages returned 0" in out and "every invariant holds" in out
    with pytest.raises(SystemExit):
        cli.main(["demo", "--seed", "3"])


# -- the reader's copy ----------------------------------------------------------------------
def test_copy_follows_the_book_but_keeps_what_the_reader_changed(book, tmp_path):
    copy = tmp_path / "copy"
    first = book_mod.sync(book, copy)
    assert first.created and "made your copy" in first.messages()[0]
    (copy / "01-pages-ptes-rmaps.ipynb").write_text('{"mine": 1}')  # the reader's work
    (book / "01-pages-ptes-rmaps.ipynb").write_text('{"v": 2}')  # the book changed too
    (book / "03-file-pages-and-the-patch.ipynb").write_text('{"v": 2}')  # only the book
    (book / "09-new.ipynb").write_text("{}")
    again = book_mod.sync(book, copy)
    assert not again.created
    assert again.added == ["09-new.ipynb"]
    assert again.updated == ["03-file-pages-and-the-patch.ipynb"]
    assert again.kept == ["01-pages-ptes-rmaps.ipynb"]
    assert (copy / "01-pages-ptes-rmaps.ipynb").read_text() == '{"mine": 1}'
    assert (copy / "03-file-pages-and-the-patch.ipynb").read_text() == '{"v": 2}'
    assert any("pagemig reset 01" in m for m in again.messages())
    assert book_mod.sync(book, copy).kept == ["01-pages-ptes-rmaps.ipynb"]  # still the reader's


def test_reset_restores_one_chapter_or_all_and_keeps_the_readers_version(book, tmp_path, capsys):
    copy = tmp_path / "copy"
    book_mod.sync(book, copy)
    (copy / "03-file-pages-and-the-patch.ipynb").write_text('{"mine": 3}')
    (copy / "04-nonlinear-mappings.ipynb").write_text('{"mine": 4}')
    assert cli.main(["reset", "3", "--notebooks", str(book), "--book", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "restored 03-file-pages-and-the-patch.ipynb" in out
    assert (copy / "03-file-pages-and-the-patch.ipynb").read_text() == "{}"
    assert (copy / "04-nonlinear-mappings.ipynb").read_text() == '{"mine": 4}'  # untouched
    (kept,) = (copy / book_mod.PREVIOUS).glob("03-*.ipynb")
    assert kept.read_text() == '{"mine": 3}'
    assert cli.main(["reset", "--notebooks", str(book), "--book", str(copy)]) == 0
    assert all(p.read_text() == "{}" for p in copy.glob("*.ipynb"))
    assert cli.main(["reset", "nosuch", "--notebooks", str(book), "--book", str(copy)]) == 2
    assert cli.main(["reset", "--notebooks", str(book), "--book", str(book)]) == 2
    assert "the stored book itself" in capsys.readouterr().err


def test_a_second_lab_on_the_same_copy_is_warned(book, tmp_path, monkeypatch, capsys):
    copy = tmp_path / "copy"
    book_mod.sync(book, copy)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (copy / book_mod.LAB_MARKER).write_text(
            json.dumps({"pid": other.pid, "url": "http://127.0.0.1:1/lab"})
        )
        monkeypatch.setattr(launch, "_serve", lambda *a, **kw: 0)
        assert cli.main(["lab", "--notebooks", str(book), "--book", str(copy)]) == 0
        err = capsys.readouterr().err
        assert f"another pagemig lab (pid {other.pid}" in err and "--book DIR" in err
        book_mod.claim_lab(copy, "http://127.0.0.1:2/lab")  # the first keeps its note
        assert book_mod.lab_holder(copy)["pid"] == other.pid
    finally:
        other.kill()
        other.wait()
    assert book_mod.lab_holder(copy) is None  # a dead holder is no holder
    monkeypatch.setattr(launch, "_serve", lambda *a, **kw: 0)
    assert cli.main(["lab", "--notebooks", str(book), "--book", str(copy)]) == 0
    assert "another pagemig lab" not in capsys.readouterr().err


def test_the_copy_goes_where_xdg_or_pagemig_book_say(monkeypatch, tmp_path):
    monkeypatch.delenv("PAGEMIG_BOOK", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert book_mod.default_copy() == tmp_path / "pagemig" / "book"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert book_mod.default_copy() == Path.home() / ".local" / "share" / "pagemig" / "book"
    monkeypatch.setenv("PAGEMIG_BOOK", str(tmp_path / "b"))
    assert book_mod.default_copy() == tmp_path / "b"


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


# -- real servers: the token stays secret ----------------------------------------------------
def _isolated(tmp: Path) -> dict[str, str]:
    """Our environment with fresh Jupyter folders and the reader's copy under ``tmp``."""
    env = dict(os.environ)
    for var in ("JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        env[var] = str(tmp / var.lower())
    env["XDG_DATA_HOME"] = str(tmp / "xdg")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("JUPYTER_TOKEN", None)
    env.pop("PAGEMIG_BOOK", None)
    return env


def _cmdlines_holding(secret: str) -> list[str]:
    """Every process whose command line holds ``secret`` (what any local user can read)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if secret.encode() in cmdline:
            shown = cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]
            found.append(f"{entry.name}: {shown}")
    return found


def _run_until_ready(args, env, timeout=180):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pagemig.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    lines, deadline = [], time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line)
        if "is ready: open" in line:
            return proc, line.split("open ", 1)[1].strip(), lines
        if time.monotonic() > deadline:
            break
    proc.kill()
    out, err = proc.communicate()
    raise AssertionError("".join(lines) + out + err)


def _status(url: str) -> int:
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("command", ["lab", "present"])
def test_the_token_is_in_no_command_line(command, tmp_path):
    """`pagemig lab` / `present` for real: the token opens the server, and no process
    (the server, its kernels, anything) has it in /proc/PID/cmdline."""
    proc, url, lines = _run_until_ready([command], _isolated(tmp_path))
    try:
        token = url.split("token=", 1)[1]
        assert len(token) >= 32
        assert _cmdlines_holding(token) == []
        servers = launch._descendants(proc.pid)
        assert servers and any(launch._cmdline(p) for p in servers)
        # The token is in the server's environment, which only its owner may read.
        server = servers[0]
        environ = Path(f"/proc/{server}/environ")
        assert f"JUPYTER_TOKEN={token}".encode() in environ.read_bytes()
        assert environ.stat().st_mode & 0o077 == 0
        assert _status(url) == 200
        bare = url.split("?", 1)[0]
        assert _status(bare) in (302, 403)  # no token: the login page or Forbidden
        printed = "".join(lines)
        assert printed.count("http://") == 1  # one URL, ours
        assert printed.count(token) == 1
        assert "Control-C" not in printed and "DeprecationWarning" not in printed
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert token not in out + err
    assert "Warning" not in err, err  # a quiet run: nothing on stderr but real problems


def test_a_busy_port_is_reported_plainly(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "pagemig.cli", "lab", "--port", str(port)],
            capture_output=True,
            text=True,
            env=_isolated(tmp_path),
            cwd=ROOT,
            timeout=120,
        )
    assert run.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in run.stderr
    assert "token" not in (run.stdout + run.stderr).lower()
