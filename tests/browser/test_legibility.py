"""Legible from the back of the room: the lecture under Voilà, as ``pagemig present`` serves
it with a projection scale, in chromium at 1920x1080. For every widget figure shown:

- its PNG has at least as many pixels as it takes on screen, times the screen's
  devicePixelRatio (no picture is scaled up): checked at ratio 1 (a projector) and 2 (a
  hi-dpi laptop, where the kit's probe must report the ratio and the kernel re-raster);
- its smallest text is at least ``MIN_TEXT_PX`` (14) CSS pixels high on screen: the font
  size of the smallest text the kit drew, in pixels of the PNG (which the widget measures
  at render time and puts in the page, ``.pagemig-legibility``), times the figure's width
  on screen over the PNG's width.

:func:`figure_legibility` is the measurement, for other browser tests (the lecture's) to
call on their own page.
"""

from __future__ import annotations

import re
import time

import pytest

from widgets._base import MIN_TEXT_PX, PROJECTION_SCALE

from .conftest import presented_lecture, report
from .pagekit import (
    INSPECT,
    WIDGET_MIME,
    figure_pixels,
    migration_labs,
    wait_for_new_pixels,
    wait_until_shown,
)

SCREEN = {"width": 1920, "height": 1080}

# Every figure image shown (a .pagemig-figure of the kit that takes room on the page), its
# size on screen and in pixels, and the kit's measurement of it: the marker, among those
# of the nearest enclosing widget box that has any, that describes a PNG of this size.
MEASURE = """async () => {
  const dpr = window.devicePixelRatio || 1;
  const out = [];
  for (const img of document.querySelectorAll('img.pagemig-figure')) {
    if (img.getClientRects().length === 0) continue;  // hidden (a view not chosen)
    try { await img.decode(); } catch (e) {}
    const r = img.getBoundingClientRect();
    let box = img.parentElement, marks = [];
    while (box && !(marks = Array.from(box.querySelectorAll('.pagemig-legibility'))).length) {
      box = box.parentElement;
    }
    const mine = marks.find(m => +m.dataset.pngWidth === img.naturalWidth
                                 && +m.dataset.pngHeight === img.naturalHeight);
    const view = img.closest('.jp-OutputArea-output');
    const plain = view ? (view.querySelector('[data-mime-type="text/plain"]') || {}).innerText : '';
    out.push({
      widget: (box && box.closest('.jp-OutputArea-output')
               ? Array.from(document.querySelectorAll('.jp-OutputArea-output')).indexOf(
                   box.closest('.jp-OutputArea-output')) : -1),
      figure: mine ? mine.dataset.figure : null,
      cssWidth: r.width, cssHeight: r.height, dpr,
      naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
      minTextPx: mine ? +mine.dataset.minTextPx : null,
      minLinePx: mine ? +mine.dataset.minLinePx : null,
      minText: mine ? mine.dataset.minText : null,
      marks: marks.map(m => m.dataset.pngWidth + 'x' + m.dataset.pngHeight),
    });
  }
  return out;
}"""


def figure_legibility(page) -> list[dict]:
    """Every kit figure the page shows: on-screen CSS size, PNG size, devicePixelRatio, and
    the smallest text in CSS pixels on screen (``text_css_px``, font size; ``line_css_px``,
    the height of a line of it). Scroll the page first if views render lazily."""
    shown = page.evaluate(MEASURE)
    for f in shown:
        ratio = f["cssWidth"] / f["naturalWidth"] if f["naturalWidth"] else 0.0
        f["text_css_px"] = f["minTextPx"] * ratio if f["minTextPx"] else None
        f["line_css_px"] = f["minLinePx"] * ratio if f["minLinePx"] else None
    return shown


def legibility_problems(figures: list[dict], floor: float = MIN_TEXT_PX) -> list[str]:
    """What fails the measurement: an upscaled PNG, a figure without the kit's measurement
    of it, text under ``floor`` CSS px."""
    out = []
    for i, f in enumerate(figures):
        where = f"figure {i} ({f['figure'] or 'unmeasured'})"
        need_w, need_h = f["cssWidth"] * f["dpr"], f["cssHeight"] * f["dpr"]
        if f["naturalWidth"] + 0.01 < need_w or f["naturalHeight"] + 0.01 < need_h:
            out.append(
                f"{where}: PNG {f['naturalWidth']}x{f['naturalHeight']} is scaled up to "
                f"{f['cssWidth']:.0f}x{f['cssHeight']:.0f} CSS px at devicePixelRatio {f['dpr']}"
            )
        if f["text_css_px"] is None:
            out.append(f"{where}: no measurement for a PNG of this size (have {f['marks']})")
        elif f["text_css_px"] < floor:
            out.append(
                f"{where}: smallest text {f['minText']!r} is {f['text_css_px']:.1f} CSS px "
                f"on screen (floor {floor:g})"
            )
    return out


def describe(figures: list[dict]) -> str:
    return "; ".join(
        f"{f['figure']} {f['naturalWidth']}x{f['naturalHeight']} px PNG shown "
        f"{f['cssWidth']:.0f}x{f['cssHeight']:.0f} CSS px, text {f['text_css_px']:.1f} px"
        f" (line {f['line_css_px']:.1f})"
        for f in figures
        if f["text_css_px"] is not None
    )


@pytest.fixture
def projected_lecture(browser, tmp_path):
    """Voilà on the lecture as ``pagemig present`` runs it, its kernel given the
    projection scale through the environment (``PAGEMIG_SCALE``, as ``present --scale``
    sets it)."""
    with presented_lecture(tmp_path) as server:
        yield server


def open_lecture(browser, server, device_scale_factor: float):
    context = browser.new_context(viewport=SCREEN, device_scale_factor=device_scale_factor)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    response = page.goto(server.url, timeout=180_000)
    # the widgets the kernel displayed, as Voilà sent them (for the page to render)
    expected = len(re.findall(rf'"{re.escape(WIDGET_MIME)}":\s*\{{\s*"model_id"', response.text()))
    body = page.locator("body").element_handle()
    problems, seen = wait_until_shown(
        lambda: page.evaluate(INSPECT, body), expected, "Voilà lecture", timeout_s=120
    )
    assert problems == []
    return context, page, seen


def settled_figures(page, timeout_s: float = 90) -> list[dict]:
    """Scroll every figure into view, then measure until every PNG has the pixels the
    screen needs and the kit's measurement of it (the kernel re-rasters when the probe
    reports the ratio), or the time is up (the last measurement is returned)."""
    deadline = time.monotonic() + timeout_s
    for img in page.locator("img.pagemig-figure").all():
        if img.is_visible():
            img.scroll_into_view_if_needed()
    while True:
        figures = figure_legibility(page)
        if figures and not legibility_problems(figures, floor=0) or time.monotonic() > deadline:
            return figures
        page.wait_for_timeout(500)


def test_every_lecture_figure_is_sharp_and_legible_at_1920x1080(
    browser, projected_lecture, screenshots
):
    assert projected_lecture.wait_settled(timeout=180) is not None
    for ratio in (1, 2):
        t0 = time.monotonic()
        context, page, seen = open_lecture(browser, projected_lecture, ratio)
        try:
            figures = settled_figures(page)
            assert page.evaluate("window.devicePixelRatio") == ratio
            # every widget of the lecture with a figure: MigrationLab (2), Stepper,
            # RaceExplorer (the lecture no longer shows SuccessRates)
            assert len(figures) >= 4, figures
            assert legibility_problems(figures) == [], describe(figures)
            assert page.console_errors == []
            if ratio == 1:
                page.screenshot(path=str(screenshots / "voila-08-lecture-projected.png"))
                fast = fast_step_in_the_page(page)
                figures = settled_figures(page)
                assert legibility_problems(figures) == [], describe(figures)
            report(
                f"legibility, lecture under Voilà at scale {PROJECTION_SCALE} in 1920x1080, "
                f"devicePixelRatio {ratio}: {len(figures)} figures, each PNG >= its CSS size "
                f"x {ratio}; smallest text {min(f['text_css_px'] for f in figures):.1f} CSS px "
                f"(floor {MIN_TEXT_PX:g}), after {time.monotonic() - t0:.1f} s: "
                + describe(figures)
                + (f"; {fast}" if ratio == 1 else "")
            )
        finally:
            context.close()


def fast_step_in_the_page(page) -> str:
    """Click a MigrationLab's "Next function" and "End of pass" as a lecturer would: the
    figure is redrawn, the message says where the path got to."""
    lab = migration_labs(page.locator("body")).first
    lab.scroll_into_view_if_needed()
    done = []
    for label, said in (
        ("Next function", r"is in \w+"),
        ("End of pass", r"pass \d+ (ended|begins)|first pass"),
    ):
        before = figure_pixels(lab)
        t0 = time.monotonic()
        lab.locator("button", has_text=re.compile(rf"^{label}$")).click()
        wait_for_new_pixels(lab, before, f"{label} in the lecture's MigrationLab")
        message = lab.locator(".pagemig-message").first
        message.wait_for()
        deadline = time.monotonic() + 30
        while not re.search(said, message.inner_text()):
            assert time.monotonic() < deadline, (
                f"{label}: the message says {message.inner_text()!r}"
            )
            page.wait_for_timeout(200)
        done.append(f"{label}: {message.inner_text()!r} ({time.monotonic() - t0:.2f} s)")
    return "; ".join(done)
