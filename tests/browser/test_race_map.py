"""The race map in JupyterLab, in chromium: chapter 2's RaceExplorer in its "all
interleavings" view shows one button per cell of the map; a click on a cell loads that
cell's schedule into the widget, and Next scheduled step replays it step by step (the
figure changes, the message counts the steps)."""

from __future__ import annotations

import re
import time

from .conftest import report
from .pagekit import WIDGET_OUTPUT, figure_pixels, model_problems, open_in_lab, run_all_in_lab

CHAPTER = "02-anonymous-migration.ipynb"


def race_maps(panel):
    """The RaceExplorer outputs that show the map's cells."""
    return panel.locator(WIDGET_OUTPUT).filter(has=panel.page.locator(".pagemig-race-cell"))


def machine_pixels(explorer) -> str:
    """The explorer's machine figure (its last image; the first is the race map)."""
    return figure_pixels(explorer, last=True)


def wait_for_message(explorer, pattern: str, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        loc = explorer.locator(".pagemig-message")
        text = loc.first.inner_text() if loc.count() else ""
        if re.search(pattern, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"the message never matched {pattern!r}; it says {text!r}")
        explorer.page.wait_for_timeout(200)


def test_a_click_on_a_cell_replays_its_schedule(lab, screenshots):
    page = lab
    open_in_lab(page, CHAPTER)
    cells = run_all_in_lab(page)
    assert model_problems(cells) == []
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    maps = race_maps(panel)
    assert maps.count() == 1, "chapter 2 shows one RaceExplorer with the map's cells"
    explorer = maps.first
    buttons = explorer.locator(".pagemig-race-cell")
    n = buttons.count()
    assert n >= 3
    # a cell where the read sleeps in migration_entry_wait
    cell = buttons.first
    for i in range(n):
        title = buttons.nth(i).get_attribute("title") or ""
        if "migration_entry_wait" in title:
            cell = buttons.nth(i)
            break
    title = cell.get_attribute("title")
    assert "interleavings" in title
    cell.scroll_into_view_if_needed()
    before = machine_pixels(explorer)
    t0 = time.monotonic()
    cell.click()
    text = wait_for_message(explorer, r"replaying a schedule of (\d+) steps")
    steps = int(re.search(r"of (\d+) steps", text).group(1))
    nxt = explorer.locator("button", has_text="Next scheduled step")
    for i in range(1, 4):
        nxt.click()
        wait_for_message(explorer, rf"scheduled step {i} of {steps}")
    after = machine_pixels(explorer)
    assert after != before, "replaying steps did not change the figure"
    report(
        f"race map: click -> schedule loaded and 3 steps replayed in {time.monotonic() - t0:.1f} s"
    )
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "lab-race-map.png"))
