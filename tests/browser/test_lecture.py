"""The lecture as a lecturer gives it: ``pagemig present`` (Voilà, code hidden, the
projection scale) in chromium at 1920x1080. One server and one page for the whole flow:

- the page renders every widget, with no code, no error, nothing from outside the machine,
  and no text that tells the room to run a cell;
- the Stepper's fast-step buttons (Next pte change, End of pass) move it and its caption
  names a kernel function; a MigrationLab answers the keyboard, the mouse and Step;
- every question for the room is answered by clicks (radio buttons, dropdowns, a text
  box, the design's settings), checked (a wrong answer first, where one is easy to name),
  then revealed;
- a link to a chapter opens that chapter under Voilà, rendered with its widgets.

Prints the time from page load to the first rendered widget (target: under 5 s). The
Voilà server (and the kernels it starts) is stopped when the test ends.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from pagemig import launch
from widgets.exercises import chapter

from .conftest import (
    LECTURE,
    outside_requests,
    presented_lecture,
    report,
)
from .pagekit import (
    INSPECT,
    WIDGET_MIME,
    WIDGET_OUTPUT,
    exercise_migration_lab,
    figure_pixels,
    first_widget_ms,
    migration_labs,
    wait_for_new_pixels,
    wait_until_shown,
)
from .test_exercise_widgets import EXERCISE, exercise_box, feedback, press

SCREEN = {"width": 1920, "height": 1080}
RUN_CELLS = re.compile(r"run (all|the|this|each|every)? ?cells?|in place of None", re.I)


@pytest.fixture
def lecture_server(browser, tmp_path):
    """Voilà on the lecture as ``pagemig present`` runs it."""
    with presented_lecture(tmp_path) as server:
        yield server


def steppers(scope):
    """The Stepper views: widget outputs with the kit's fast-step buttons but no sharers
    slider (a MigrationLab has one) and no fault button (a RaceExplorer has one)."""
    page = scope.page
    return (
        scope.locator(WIDGET_OUTPUT)
        .filter(has=page.locator("button", has_text=re.compile(r"^Next pte change$")))
        .filter(has_not=page.locator(".widget-slider", has_text="sharers"))
        .filter(has_not=page.locator("button", has_text=re.compile(r"fault|writeback")))
    )


def use_fast_steps(stepper) -> list[str]:
    """Next pte change, then End of pass, on the Stepper; each must redraw its figure, and
    the caption must name a kernel function (not a closure)."""
    stepper.scroll_into_view_if_needed()
    done = []
    px = figure_pixels(stepper)
    for name in ("Next pte change", "End of pass"):
        stepper.locator("button", has_text=re.compile(rf"^{name}$")).click()
        px = wait_for_new_pixels(stepper, px, f"Stepper: {name}")
        text = stepper.inner_text()
        assert "<locals>" not in text, f"after {name}, the caption names a closure: {text[:300]}"
        funcs = re.findall(
            r"\b(try_to_unmap_one|remove_migration_pte|migrate_pages|"
            r"unmap_and_move|move_to_new_page|remove_migration_ptes|"
            r"migrate_page_copy|migrate_page_move_mapping)\b",
            text,
        )
        assert funcs, f"after {name}, no kernel function named: {text[:300]}"
        done.append(f"{name}: {funcs[-1]}")
    return done


def _select(box, label: str, name: str | None = None) -> None:
    dropdown = box.locator(".widget-dropdown", has_text=name) if name else box
    dropdown.locator("select").first.select_option(label=label)


def answer_every_question(body) -> list[str]:
    """Each of the lecture's exercises (chapter 8's, in order) answered by clicks: a wrong
    answer where the question has an easy one, then the right one, Check, then Reveal."""
    from widgets.quiz import _show

    seen = []
    for ex in chapter(8):
        box = exercise_box(body, ex.key)
        if ex.kind == "explain":  # radio buttons
            wrong = next(c for c in ex.choices if not ex.is_correct(c))
            box.get_by_label(wrong, exact=True).check()
            seen.append(press(box, "Check", "not quite"))
            assert "Hint:" in seen[-1]
            box.get_by_label(ex.answer, exact=True).check()
        elif ex.kind == "design":  # one dropdown per setting
            for name, value in ex.answer.items():
                _select(box, _show(value) if not isinstance(value, str) else value, name)
        elif ex.choices is not None:  # a dropdown
            wrong = next(c for c in ex.choices if not ex.is_correct(c))
            _select(box, wrong)
            seen.append(press(box, "Check", "not quite"))
            _select(box, ex.answer)
        else:  # a text box
            field = box.locator("input[type=text]")
            field.fill(str(ex.answer + 1))
            seen.append(press(box, "Check", "not quite"))
            field.fill(str(ex.answer))
        seen.append(press(box, "Check", "correct"))
        seen.append(press(box, "Reveal", "answer is"))
        assert _show(ex.answer).strip("'") in feedback(box).replace("\xa0", " ")
    return seen


def test_the_lecture_as_presented(lecture_server, page, screenshots):
    warm_s = lecture_server.wait_settled(timeout=240)
    assert warm_s is not None, "Voilà's pre-heated kernel never finished the lecture"
    page.set_viewport_size(SCREEN)

    t0 = time.monotonic()
    response = page.goto(lecture_server.url, timeout=180_000)
    expected = len(re.findall(rf'"{re.escape(WIDGET_MIME)}":\s*\{{\s*"model_id"', response.text()))
    assert expected >= 9, "the lecture shows fewer widgets than it has"
    first_ms = first_widget_ms(page)
    body = page.locator("body")
    problems, seen = wait_until_shown(
        lambda: page.evaluate(INSPECT, body.element_handle()),
        expected,
        f"Voilà {LECTURE.name}",
        timeout_s=90,
    )
    all_s = time.monotonic() - t0
    assert problems == []

    # Code hidden; nothing tells the room to run a cell; the speaker notes are not shown.
    assert page.locator(".jp-CodeCell").count() > 0
    assert page.locator(".jp-CodeCell:not(.jp-mod-noInput)").count() == 0
    assert page.locator(".jp-CodeCell .jp-InputArea, .cm-editor, .CodeMirror").count() == 0
    text = body.inner_text()
    assert "build_scenario(" not in text and "exercise(" not in text
    assert not RUN_CELLS.search(text), RUN_CELLS.search(text)
    assert "Speaker notes" not in text
    assert body.locator(EXERCISE).count() == len(chapter(8))

    # A MigrationLab: keyboard, mouse, Step.
    stored = json.loads(LECTURE.read_text(encoding="utf-8"))
    shown = sum(
        1
        for c in stored["cells"]
        for o in c.get("outputs", [])
        if "".join(o.get("data", {}).get("text/plain", "")).startswith("MigrationLab(")
    )
    labs = migration_labs(body)
    deadline = time.monotonic() + 30
    while labs.count() != shown and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert labs.count() == shown >= 1, "a MigrationLab is missing its Step, slider or figure"
    did = exercise_migration_lab(labs.first, f"Voilà {LECTURE.name}")
    labs.first.screenshot(path=str(screenshots / "voila-08-lecture-migrationlab.png"))

    # Every question for the room, by clicks.
    t1 = time.monotonic()
    answered = answer_every_question(body)
    questions_s = time.monotonic() - t1
    page.screenshot(path=str(screenshots / "voila-08-lecture.png"), full_page=True)

    # The Stepper's fast steps.
    (stepper,) = steppers(body).all()
    fast = use_fast_steps(stepper)

    assert [e for e in page.console_errors if e.startswith("pageerror")] == []
    lecture_requests = len(page.requests)
    assert outside_requests(page) == [], "the lecture asked for something outside the machine"

    # A link to a chapter opens that chapter under Voilà (it was "403: Forbidden" when
    # Voilà served the lecture alone), rendered with its widgets and no error.
    link = page.locator('a[href="03-file-pages-and-the-patch.ipynb"]').first
    link.scroll_into_view_if_needed()
    t2 = time.monotonic()
    with page.expect_navigation(timeout=180_000) as nav:
        link.click()
    assert nav.value.status == 200, f"the chapter link answered {nav.value.status}"
    page.locator("h1", has_text=re.compile(r"^3\.")).first.wait_for(timeout=180_000)
    chapter_widgets = len(
        re.findall(rf'"{re.escape(WIDGET_MIME)}":\s*\{{\s*"model_id"', nav.value.text())
    )
    problems, chapter_seen = wait_until_shown(
        lambda: page.evaluate(INSPECT, page.locator("body").element_handle()),
        chapter_widgets,
        "Voilà 03-file-pages-and-the-patch.ipynb",
        timeout_s=120,
    )
    assert problems == [] and chapter_widgets >= 1
    chapter_s = time.monotonic() - t2
    assert outside_requests(page) == [], "the chapter asked for something outside the machine"
    report(
        f"Voilà {LECTURE.name} at 1920x1080, scale {launch.PRESENT_SCALE:g}: pre-run "
        f"{warm_s:.1f} s; page load -> first rendered widget {first_ms / 1000:.2f} s (target "
        f"< 5 s); all {seen['widgets']} widgets and {seen['images']} images after {all_s:.1f} s; "
        f"Stepper: {'; '.join(fast)}; MigrationLab: {'; '.join(did)}; "
        f"{len(chapter(8))} questions answered and revealed by clicks in {questions_s:.1f} s "
        f"({len(answered)} feedbacks); chapter link 08 -> 03: 200, "
        f"{chapter_seen['widgets']} widgets after {chapter_s:.1f} s; {len(page.requests)} "
        f"requests ({lecture_requests} for the lecture), none outside the machine"
    )
