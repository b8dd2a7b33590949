"""``pagemig lab`` as a reader runs it (the real command, in a subprocess): it opens chapter 0
of the reader's copy, with no Launcher and no news question; the reader runs the chapter;
JupyterLab's autosave really saves it (into the copy); and the repository's notebooks are
byte for byte what they were. No request leaves the machine."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from pagemig import launch

from .conftest import BOOK, ROOT, isolated_env, new_page, outside_requests, report
from .pagekit import LAB_KERNEL_IDLE, WIDGET_MIME, model_problems, run_all_in_lab

AUTOSAVE_S = 3  # the reader's autosave interval here (JupyterLab's default is 120 s)
FIRST = launch.FIRST_CHAPTER


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_running_a_chapter_in_pagemig_lab_leaves_the_repository_untouched(browser, tmp_path):
    before = snapshot(BOOK)
    env = isolated_env(tmp_path)
    config = Path(env["JUPYTER_CONFIG_DIR"])
    # Let the test read JupyterLab's models (the clicks still go through its menus).
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"LabApp": {"expose_app_in_browser": True}})
    )
    # The reader's own settings: autosave on, every few seconds.
    settings = config / "lab" / "user-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(
        json.dumps({"autosave": True, "autosaveInterval": AUTOSAVE_S})
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "pagemig.cli", "lab"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    copy = tmp_path / "xdg" / "pagemig" / "book"
    context, pg = new_page(browser)
    try:
        printed = []
        for line in proc.stdout:
            printed.append(line)
            if "is ready: open" in line:
                break
        url = printed[-1].split("open ", 1)[1].strip()
        assert url.split("?")[0].endswith(f"/lab/tree/{FIRST}"), "".join(printed)
        copied = copy / FIRST
        assert copied.read_bytes() == (BOOK / FIRST).read_bytes()

        pg.goto(url)
        pg.wait_for_function("() => window.jupyterapp !== undefined", timeout=90_000)
        pg.evaluate("async () => { await window.jupyterapp.restored; }")
        deadline = time.monotonic() + 120
        while not pg.evaluate(LAB_KERNEL_IDLE, FIRST):
            assert time.monotonic() < deadline, f"{FIRST} did not open with an idle kernel"
            pg.wait_for_timeout(250)
        # Opened on chapter 0: no Launcher, no "get notified about Jupyter news?" question.
        pg.wait_for_timeout(3000)  # the news question, when asked, comes a moment later
        assert pg.locator(".jp-Launcher").count() == 0
        toasts = pg.locator(".jp-Notification-Toast-Container").all_inner_texts()
        assert not [t for t in toasts if "news" in t.lower()], toasts

        cells = run_all_in_lab(pg)
        assert model_problems(cells) == []
        # JupyterLab autosaves the run into the reader's copy (during the run or after it):
        # wait until the copy holds this run, its widget models and every execution count,
        # then two more intervals.
        run_models = {
            o["data"][WIDGET_MIME]["model_id"]
            for c in cells
            for o in c.get("outputs", [])
            if WIDGET_MIME in o.get("data", {})
        }
        assert run_models, f"{FIRST} displayed no widget"

        def saved_run() -> bool:
            try:
                nb = json.loads(copied.read_text(encoding="utf-8"))
            except ValueError:
                return False  # caught mid-write
            code = [c for c in nb["cells"] if c["cell_type"] == "code"]
            models = {
                o["data"][WIDGET_MIME]["model_id"]
                for c in code
                for o in c.get("outputs", [])
                if WIDGET_MIME in o.get("data", {})
            }
            return models == run_models and all(c["execution_count"] for c in code)

        t0 = time.monotonic()
        while not saved_run():
            assert time.monotonic() - t0 < 20 * AUTOSAVE_S, "JupyterLab never autosaved the run"
            time.sleep(0.5)
        saved_after = time.monotonic() - t0
        time.sleep(2 * AUTOSAVE_S)
        assert copied.read_bytes() != (BOOK / FIRST).read_bytes()  # the run was saved there
        assert outside_requests(pg) == [], "JupyterLab asked for something outside the machine"
        requests = len(pg.requests)
    finally:
        context.close()
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    after = snapshot(BOOK)
    assert sorted(after) == sorted(before), "files appeared in or vanished from notebooks/"
    changed = [name for name in before if after[name] != before[name]]
    assert changed == [], f"the repository's notebooks changed: {changed}"
    report(
        f"pristine: ran {FIRST} in `pagemig lab`, autosaved into the copy "
        f"{saved_after:.1f} s after Run All ended (its widget models and counts); notebooks/ byte-identical ({len(before)} files); "
        f"{requests} requests, none outside the machine"
    )
