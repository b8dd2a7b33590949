"""The lecture notebook under Voilà, as ``pagemig present`` serves it, in chromium: code hidden,
no error or traceback, every widget rendered as a widget, a MigrationLab that answers the
keyboard, the mouse and Step. Prints the time from page load to the first rendered widget
(target: under 5 s) and saves screenshots of the lecture view.

The Voilà server (and the kernel it starts for the page) is stopped when the test ends.
"""

from __future__ import annotations

import json
import re
import time

from .conftest import LECTURE, outside_requests, report
from .pagekit import (
    INSPECT,
    WIDGET_MIME,
    exercise_migration_lab,
    first_widget_ms,
    migration_labs,
    wait_until_shown,
)


def test_lecture_under_voila(lecture_voila, page, screenshots):
    # As `pagemig present` does: wait until the pre-heated kernel has run the notebook.
    warm_s = lecture_voila.wait_settled(timeout=180)
    assert warm_s is not None, "Voilà's pre-heated kernel never finished the lecture"

    t0 = time.monotonic()
    response = page.goto(lecture_voila.url, timeout=120_000)
    # The widgets the kernel displayed, as Voilà sent them (for the page to render).
    expected = len(re.findall(rf'"{re.escape(WIDGET_MIME)}":\s*\{{\s*"model_id"', response.text()))
    assert expected >= 1, "the lecture notebook shows no widget"
    first_ms = first_widget_ms(page)
    body = page.locator("body").element_handle()
    problems, seen = wait_until_shown(
        lambda: page.evaluate(INSPECT, body), expected, f"Voilà {LECTURE.name}", timeout_s=60
    )
    all_s = time.monotonic() - t0
    assert problems == []

    # Code hidden: every code cell without its input, no editor, no prompt, no source.
    code_cells = page.locator(".jp-CodeCell")
    assert code_cells.count() > 0
    assert page.locator(".jp-CodeCell:not(.jp-mod-noInput)").count() == 0
    assert page.locator(".jp-CodeCell .jp-InputArea, .cm-editor, .CodeMirror").count() == 0
    assert "build_scenario(" not in page.locator("body").inner_text()

    # The MigrationLabs the lecture displays (as stored: outputs whose text/plain is the
    # kit's repr); a view's controls render after the view itself, so wait (up to 30 s).
    stored = json.loads(LECTURE.read_text(encoding="utf-8"))
    shown = sum(
        1
        for c in stored["cells"]
        for o in c.get("outputs", [])
        if "".join(o.get("data", {}).get("text/plain", "")).startswith("MigrationLab(")
    )
    assert shown >= 1, "the lecture shows no MigrationLab"
    labs = migration_labs(page.locator("body"))
    deadline = time.monotonic() + 30
    while labs.count() != shown and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert labs.count() == shown, "a MigrationLab is missing its Step, slider or figure"
    lab_count = labs.count()
    page.screenshot(path=str(screenshots / "voila-08-lecture.png"), full_page=True)
    did = exercise_migration_lab(labs.first, f"Voilà {LECTURE.name}")
    labs.first.screenshot(path=str(screenshots / "voila-08-lecture-migrationlab.png"))

    uncaught = [e for e in page.console_errors if e.startswith("pageerror")]
    assert uncaught == [], "uncaught errors in the page"
    lecture_requests = len(page.requests)
    assert outside_requests(page) == [], "the lecture asked for something outside the machine"

    # A link to a chapter opens that chapter under Voilà (it was "403: Forbidden" when
    # Voilà served the lecture alone), rendered with its widgets and no error.
    link = page.locator('a[href="03-file-pages-and-the-patch.ipynb"]').first
    link.scroll_into_view_if_needed()
    t1 = time.monotonic()
    with page.expect_navigation(timeout=180_000) as nav:
        link.click()
    assert nav.value.status == 200, f"the chapter link answered {nav.value.status}"
    page.locator("h1", has_text="File pages").first.wait_for(timeout=180_000)
    chapter_html = nav.value.text()
    chapter_widgets = len(
        re.findall(rf'"{re.escape(WIDGET_MIME)}":\s*\{{\s*"model_id"', chapter_html)
    )
    body = page.locator("body").element_handle()
    problems, chapter_seen = wait_until_shown(
        lambda: page.evaluate(INSPECT, body),
        chapter_widgets,
        "Voilà 03-file-pages-and-the-patch.ipynb",
        timeout_s=120,
    )
    assert problems == []
    chapter_s = time.monotonic() - t1
    assert outside_requests(page) == [], "the chapter asked for something outside the machine"
    report(
        f"Voilà chapter link 08 -> 03: 200, {chapter_seen['widgets']} widgets rendered "
        f"after {chapter_s:.1f} s; {len(page.requests)} requests in all "
        f"({lecture_requests} for the lecture), none outside the machine"
    )
    report(
        f"Voilà {LECTURE.name}: notebook pre-run {warm_s:.1f} s after the server answered; "
        f"page load -> first rendered widget "
        f"{first_ms / 1000:.2f} s (target < 5 s); all {seen['widgets']} widgets and "
        f"{seen['images']} images rendered after {all_s:.1f} s; {lab_count} MigrationLab(s); "
        f"MigrationLab: {'; '.join(did)}"
    )
