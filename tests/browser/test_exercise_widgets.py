"""The exercise widgets in a browser: chapter 3 under Voilà (code hidden, as ``pagemig
present 3`` shows it) and in JupyterLab. A reader answers by clicking: a radio button
(explain), dropdowns (design), a list with Up (order); Check, Hint and Reveal answer in
the page, and a wrong answer gets a hint.

Servers and kernels are stopped when each test ends (the conftest fixtures).
"""

from __future__ import annotations

import re

import pytest

from widgets.exercises import get, unmap_order

from .conftest import BOOK, start_voila, stop_server
from .pagekit import LAB_CELL_NODE, lab_cell_problems, open_in_lab, run_all_in_lab

CHAPTER = BOOK / "03-file-pages-and-the-patch.ipynb"
EXERCISE = ".pagemig-exercise.jupyter-widgets"


def exercise_box(scope, key: str, show=None):
    if show is not None:
        show(key)  # JupyterLab lays out cells lazily: scroll to the exercise's cell first
    box = scope.locator(EXERCISE, has_text=f"Exercise {key} (seed")
    box.first.wait_for(timeout=60_000)
    box.first.scroll_into_view_if_needed()
    return box.first


def feedback(box) -> str:
    return box.locator(".widget-html").last.inner_text()


def press(box, name: str, expect: str) -> str:
    box.locator("button", has_text=re.compile(rf"^{name}$")).click()
    box.page.wait_for_function(
        "([el, want]) => el.innerText.includes(want)",
        arg=[box.element_handle(), expect],
        timeout=60_000,
    )
    return feedback(box)


def option_texts(select) -> list[str]:
    # ipywidgets' Select shows spaces as no-break spaces
    return [t.replace("\xa0", " ") for t in select.locator("option").all_inner_texts()]


def answer_by_clicks(scope, show=None) -> list[str]:
    """Answer 3.1 (explain), 3.6 (order) and 3.7 (design) with the mouse; what was seen."""
    seen = []
    # 3.1: a wrong explanation first (its own feedback), then the right one.
    ex = get("3.1")
    box = exercise_box(scope, "3.1", show)
    box.get_by_label("it turned them into swap entries", exact=False).check()
    seen.append(press(box, "Check", "not quite"))
    assert "not a swap-out" in seen[-1]
    box.get_by_label(ex.answer, exact=True).check()
    seen.append(press(box, "Check", "correct"))
    # 3.7: the capstone, three dropdowns; the engine builds and runs the machine.
    ex = get("3.7")
    box = exercise_box(scope, "3.7", show)
    for name, value in ex.answer.items():
        box.locator(".widget-dropdown", has_text=name).locator("select").select_option(
            label=str(value)
        )
    seen.append(press(box, "Check", "correct"))
    assert f"{ex.params.refaults} refault(s)" in seen[-1]
    seen.append(press(box, "Hint", "Hint:"))
    seen.append(press(box, "Reveal", "one answer is"))
    # 3.6: put the steps in the kernel's order with the list and the Up button.
    box = exercise_box(scope, "3.6", show)
    listing = box.locator("select")
    for target, step in enumerate(unmap_order.KERNEL_ORDER):
        listing.select_option(label=step.replace(" ", "\xa0"))
        for _ in range(len(unmap_order.KERNEL_ORDER)):
            options = option_texts(listing)
            if options.index(step) <= target:
                break
            box.locator("button", has_text=re.compile(r"^Up$")).click()
            box.page.wait_for_timeout(100)
    assert option_texts(listing) == list(unmap_order.KERNEL_ORDER)
    seen.append(press(box, "Check", "correct"))
    assert "Nothing broke" in seen[-1]
    return seen


@pytest.fixture
def chapter_voila(browser, tmp_path):
    server = start_voila(CHAPTER, tmp_path)
    try:
        yield server
    finally:
        left = stop_server(server)
        assert not left, f"processes of the Voilà server survived its stop: {left}"


def test_exercises_answer_clicks_under_voila(chapter_voila, page, screenshots):
    assert chapter_voila.wait_settled(timeout=180) is not None
    page.goto(chapter_voila.url, timeout=120_000)
    body = page.locator("body")
    assert body.locator(EXERCISE).first.wait_for(timeout=60_000) is None
    assert body.locator(EXERCISE).count() == 7
    assert "exercise(" not in body.inner_text()  # code hidden
    answer_by_clicks(body)
    page.screenshot(path=str(screenshots / "voila-03-exercises.png"), full_page=True)
    assert [e for e in page.console_errors if e.startswith("pageerror")] == []


def test_exercises_answer_clicks_in_jupyterlab(lab, screenshots):
    open_in_lab(lab, CHAPTER.name)
    cells = run_all_in_lab(lab)
    assert lab_cell_problems(lab, cells, CHAPTER.name) == []
    where = {
        m.group(1): c["i"]
        for c in cells
        if c["type"] == "code" and (m := re.search(r'exercise\("(\d+\.\d+)"\)', c["source"]))
    }
    assert sorted(where) == [f"3.{i}" for i in range(1, 8)]
    notebook = lab.locator(".jp-NotebookPanel:visible")
    answer_by_clicks(notebook, show=lambda key: lab.evaluate(LAB_CELL_NODE, where[key]))
    lab.screenshot(path=str(screenshots / "lab-03-exercises.png"))
