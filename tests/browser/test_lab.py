"""Every notebook of the book in JupyterLab, in chromium: open it from the file browser,
clear and run all cells through the menus; no cell shows an error or a traceback, every
widget renders as a widget, and a MigrationLab answers the keyboard, the mouse and Step.

One JupyterLab server and one lab page for the module (stopped at its end, kernels
included); the notebook a test opened is closed and its kernel shut down when it ends.
Timings are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import time

import pytest

from .conftest import BOOK, LECTURE, outside_requests, report
from .pagekit import (
    WIDGET_MIME,
    WIDGET_OUTPUT,
    exercise_migration_lab,
    lab_cell_problems,
    migration_labs,
    model_problems,
    open_in_lab,
    run_all_in_lab,
    widget_outputs,
)

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def test_the_whole_book_is_here():
    """The parametrised test below covers exactly these: chapters 00-07, the lecture (08) and
    chapter 9."""
    numbers = sorted(p.name[:2] for p in NOTEBOOKS)
    assert numbers == [f"{i:02d}" for i in range(10)], [p.name for p in NOTEBOOKS]
    assert LECTURE in NOTEBOOKS


def shown_labs(cells) -> int:
    """MigrationLabs the kernel displayed: widget outputs whose text repr is the kit's."""
    return sum(
        1
        for c in cells
        for o in c.get("outputs", [])
        if WIDGET_MIME in o.get("data", {})
        and "".join(o["data"].get("text/plain", "")).startswith("MigrationLab(")
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_renders_in_jupyterlab(notebook, lab, screenshots):
    page = lab
    errors_before = len(page.console_errors)
    open_s = open_in_lab(page, notebook.name)
    t0 = time.monotonic()
    cells = run_all_in_lab(page)
    ran_s = time.monotonic() - t0
    first_ms, run_all_ms = page.evaluate("() => [window.__firstWidgetAt, window.__runAllAt]")
    assert model_problems(cells) == [], f"{notebook.name}: outputs with errors or stderr"
    assert lab_cell_problems(page, cells, notebook.name) == []
    checked_s = time.monotonic() - t0 - ran_s

    widgets = sum(widget_outputs(c) for c in cells)

    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    labs = migration_labs(panel)
    # A view's controls render after the view itself: wait for them (up to 30 s).
    deadline = time.monotonic() + 30
    while labs.count() != shown_labs(cells) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert labs.count() == shown_labs(cells), "a MigrationLab is missing its Step, slider or figure"
    did = []
    if labs.count():
        did = exercise_migration_lab(labs.first, notebook.name)
        labs.first.scroll_into_view_if_needed()
    elif widgets:
        panel.locator(WIDGET_OUTPUT).first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"lab-{notebook.stem}.png"))

    uncaught = [e for e in page.console_errors[errors_before:] if e.startswith("pageerror")]
    assert uncaught == [], f"{notebook.name}: uncaught errors in the page"
    assert outside_requests(page) == [], "JupyterLab asked for something outside the machine"
    timing = f"open -> kernel idle {open_s:.1f} s, Run All {ran_s:.1f} s, checks {checked_s:.1f} s"
    if first_ms is not None:
        timing += f", Run All -> first widget {(first_ms - run_all_ms) / 1000:.2f} s"
    report(
        f"JupyterLab {notebook.name} ({len(page.requests)} requests so far, all local): "
        f"{len(cells)} cells, {widgets} widget(s), "
        f"{labs.count()} MigrationLab(s); {timing}"
        + (f"; MigrationLab: {'; '.join(did)}" if did else "")
    )
