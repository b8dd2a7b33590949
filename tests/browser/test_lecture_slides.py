"""The lecture as slides: every slide has speaker notes that give its minutes, what to click,
the question to ask and the misconception to expect; the lecturer's guide in
notebooks/README.md says the same; and ``pagemig present --slides`` (Voilà's reveal template
as pagemig serves it) shows one slide at a time in chromium at 1920x1080, each with its
notes, loading nothing from outside the machine.

The first two tests read files only; the last starts Voilà (stopped, kernel and all, at its
end).
"""

from __future__ import annotations

import json
import re
import time

import pytest

from pagemig import launch

from .conftest import (
    BOOK,
    LECTURE,
    outside_requests,
    presented_lecture,
    report,
)

NOTES = re.compile(
    r"\*\*Speaker notes \((\d+) min\)\.\*\*\s*- \*Click:\* (.+?)\s*- \*Ask:\* (.+?)\s*"
    r"- \*Expect:\* (.+?)\s*$",
    re.S,
)
SCREEN = {"width": 1920, "height": 1080}


def source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def slides_of(nb: dict) -> list[dict]:
    """The notebook's slides, as its slideshow metadata cuts them: each slide's title (its
    first heading), its cells, and its notes cells."""
    slides = []
    for cell in nb["cells"]:
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if kind == "slide" or not slides:
            head = re.search(r"^#{1,3} (.+)$", source(cell), re.M)
            slides.append({"title": head.group(1) if head else None, "cells": [], "notes": []})
        slides[-1]["cells"].append(cell)
        if kind == "notes":
            slides[-1]["notes"].append(source(cell))
    return slides


def test_every_slide_has_speaker_notes():
    nb = json.loads(LECTURE.read_text(encoding="utf-8"))
    first = nb["cells"][0].get("metadata", {}).get("slideshow", {}).get("slide_type")
    assert first == "slide", "the lecture does not start with a slide"
    slides = slides_of(nb)
    assert len(slides) >= 10
    total = 0
    for s in slides:
        assert s["title"], f"a slide without a heading: {source(s['cells'][0])[:80]!r}"
        assert len(s["notes"]) == 1, f"{s['title']}: {len(s['notes'])} notes cells"
        m = NOTES.match(s["notes"][0])
        assert m, f"{s['title']}: notes without minutes / Click / Ask / Expect"
        minutes, click, ask, expect = m.groups()
        assert 1 <= int(minutes) <= 10 and all(len(t) > 15 for t in (click, ask, expect))
        total += int(minutes)
        # hidden from the room by `pagemig present` (its template hides this tag)
        notes_cell = next(c for c in s["cells"] if source(c) == s["notes"][0])
        assert "speaker-notes" in notes_cell["metadata"].get("tags", [])
    assert 45 <= total <= 55, f"the slides add up to {total} minutes, not a 50-minute class"
    # every question for the room is on a slide of its own, with its notes
    questions = [s for s in slides if any('exercise("8.' in source(c) for c in s["cells"])]
    assert len(questions) == 5


def test_the_lecturers_guide_says_what_the_notes_say():
    """notebooks/README.md's lecturer's guide: one row per slide, same title and minutes,
    same click / ask / expect as the speaker notes."""
    readme = (BOOK / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The lecture: a lecturer's guide", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if re.match(r"^\|\s*\d+\s*\|", line)
    ]
    slides = slides_of(json.loads(LECTURE.read_text(encoding="utf-8")))
    assert len(rows) == len(slides)
    for row, s in zip(rows, slides):
        minutes, click, ask, expect = NOTES.match(s["notes"][0]).groups()
        assert row[1:] == [s["title"], minutes, click, ask, expect], row[1]
    total = sum(int(r[2]) for r in rows)
    assert f"{total}-minute class" in section
    assert "pagemig present --slides" in section and "pagemig homework 8" in section


@pytest.fixture
def slides_server(browser, tmp_path):
    """``pagemig present --slides``' server on the lecture (its template, its scale)."""
    with presented_lecture(tmp_path, template=launch.SLIDES_TEMPLATE) as server:
        yield server


SLIDE_STATE = """() => {
  const sections = Array.from(document.querySelectorAll('.reveal .slides > section'));
  const present = sections.filter(s => s.classList.contains('present'));
  const shown = sections.filter(s => s.getClientRects().length && getComputedStyle(s).visibility === 'visible');
  const cur = present[0];
  return {
    count: sections.length,
    present: present.length, shown: shown.length,
    index: sections.indexOf(cur),
    heading: cur ? ((cur.querySelector('h1, h2') || {}).innerText || '').replace('¶', '').trim() : null,
    notes: sections.map(s => Array.from(s.querySelectorAll('aside.notes')).map(a => a.textContent.trim())),
    notesVisible: Array.from(document.querySelectorAll('aside.notes')).some(a => a.getClientRects().length),
    widgets: cur ? cur.querySelectorAll('.jupyter-widgets').length : 0,
    width: cur ? cur.getBoundingClientRect().width : 0,
  };
}"""


def test_slides_show_one_slide_at_a_time_with_notes(slides_server, page, screenshots):
    warm_s = slides_server.wait_settled(timeout=240)
    assert warm_s is not None, "Voilà's pre-heated kernel never finished the lecture"
    page.set_viewport_size(SCREEN)
    t0 = time.monotonic()
    page.goto(slides_server.url, timeout=180_000)
    page.locator(".reveal .slides > section.present").first.wait_for(timeout=120_000)
    slides = slides_of(json.loads(LECTURE.read_text(encoding="utf-8")))
    state = page.evaluate(SLIDE_STATE)
    assert state["count"] == len(slides)
    assert state["present"] == 1 and state["shown"] == 1, state  # one slide at a time
    assert state["width"] >= 0.9 * SCREEN["width"]
    assert not state["notesVisible"], "the speaker notes are shown to the room"
    for notes, s in zip(state["notes"], slides):
        assert (
            len(notes) == 1
            and f"Speaker notes ({NOTES.match(s['notes'][0]).group(1)} min)" in notes[0]
        )
    page.screenshot(path=str(screenshots / "voila-08-slides-title.png"))
    headings = [state["heading"]]
    widgets_on = 0
    for i in range(1, len(slides)):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"() => document.querySelector('.reveal .slides > section.present') === "
            f"document.querySelectorAll('.reveal .slides > section')[{i}]",
            timeout=10_000,
        )
        state = page.evaluate(SLIDE_STATE)
        assert state["present"] == 1 and state["shown"] == 1, (i, state)
        headings.append(state["heading"])
        widgets_on += state["widgets"] > 0
        if i == 4:  # the first question for the room
            page.screenshot(path=str(screenshots / "voila-08-slides-question.png"))
    assert headings == [s["title"] for s in slides]
    # On the lecturer's own screen (&lecturer in the URL: the template's script sets this
    # class) the present slide's notes show at its foot, and only that slide's.
    page.evaluate("() => document.body.classList.add('pagemig-lecturer')")
    shown_notes = page.evaluate(
        "() => Array.from(document.querySelectorAll('aside.notes'))"
        ".filter(a => a.getClientRects().length).map(a => a.innerText)"
    )
    minutes = NOTES.match(slides[-1]["notes"][0]).group(1)
    assert len(shown_notes) == 1 and f"Speaker notes ({minutes} min)" in shown_notes[0]
    page.screenshot(path=str(screenshots / "voila-08-slides-lecturer.png"))
    assert widgets_on >= 8, "the slides show fewer widgets than the lecture has"
    assert [e for e in page.console_errors if e.startswith("pageerror")] == []
    assert outside_requests(page) == [], "the slides asked for something outside the machine"
    report(
        f"slides ({launch.SLIDES_TEMPLATE}) of {LECTURE.name} at 1920x1080: {len(slides)} "
        f"slides, each with its speaker notes, stepped through with the arrow key in "
        f"{time.monotonic() - t0:.1f} s after a {warm_s:.1f} s pre-run; none outside the machine"
    )
