"""The book's exercises (widgets.exercises) and their widget (widgets.exercise_widget).

Every registered exercise is solved, checked right and wrong, by code and by its
widget (setting the controls and pressing the buttons, as a mouse would), for
several seeds; seeded exercises must not give their answer away.
"""

from __future__ import annotations

import itertools
import re

import pytest

from pagemig.invariants import MIGRATION_ENTRY_LOCKED, NO_DATA_LOST
from widgets.exercise_widget import ExerciseWidget, exercise
from widgets.exercises import chapter, chapters, get, giveaways, predict, unmap_order
from widgets.quiz import KINDS, TIERS, Exercise

CONVERTED = tuple(chapters())  # every chapter with an exercise module
ALL = [ex for n in chapters() for ex in chapter(n)]
IDS = [ex.key for ex in ALL]
SEEDS = range(12)


def test_the_registry_finds_the_chapter_modules():
    assert set(CONVERTED) <= set(chapters())
    for n in chapters():
        keys = [ex.key for ex in chapter(n)]
        assert len(keys) == len(set(keys)), f"chapter {n}: duplicate keys"
        assert all(k.startswith(f"{n}.") for k in keys), keys
    assert get("3.2", seed=9).seed == 9 and get("3.2").key == "3.2"
    with pytest.raises(LookupError, match="no exercise module"):
        chapter(99)
    with pytest.raises(LookupError, match="no exercise 3.99"):
        get("3.99")
    with pytest.raises(ValueError):
        get("three")


@pytest.mark.parametrize("n", CONVERTED)
def test_each_converted_chapter_has_three_tiers_a_capstone_and_several_kinds(n):
    exs = chapter(n)
    assert len(exs) >= 5  # at least four plus the capstone
    assert {ex.tier for ex in exs} == set(TIERS)
    assert sum(ex.capstone for ex in exs) == 1
    assert exs[-1].capstone, "the capstone comes last"
    assert len({ex.kind for ex in exs}) >= 3
    assert sum(ex.seeded for ex in exs) >= 3


def test_the_book_uses_every_kind():
    assert {ex.kind for ex in ALL} == set(KINDS)


@pytest.mark.parametrize("ex", [e for e in ALL if e.seeded], ids=lambda e: e.key)
def test_no_giveaways_the_answer_varies_and_is_not_a_printed_number(ex):
    assert giveaways(ex, SEEDS) == []


def test_the_giveaway_rule_catches_a_giveaway():
    lazy = Exercise(
        "{sharers} processes map a page: its mapcount?",
        solve=lambda p: p.sharers,
        params=lambda rng: {"sharers": rng.randint(2, 6)},
        hint="h",
        key="9.1",
    )
    assert giveaways(lazy) == ["9.1: the answer is sharers in 12 of 12 seeds"]
    counted = Exercise(
        "processes {pids}: how many?",
        solve=lambda p: len(p.pids),
        params=lambda rng: {"pids": list(range(rng.randint(1, 6)))},
        hint="h",
        key="9.2",
    )
    assert giveaways(counted) == ["9.2: the answer is len(pids) in 12 of 12 seeds"]
    fixed = Exercise(
        "q", solve=lambda p: 0, params=lambda rng: {"x": rng.random()}, hint="h", key="9.3"
    )
    assert giveaways(fixed) == ["9.3: only 1 distinct answer(s) over 12 seeds"]
    assert giveaways(Exercise("q", solve=lambda p: 0, hint="h")) == []  # not seeded


def _a_wrong_answer(ex: Exercise):
    """A well-formed answer the engine rejects (there must be one)."""
    if ex.kind == "design":
        for combo in itertools.product(*ex.controls.values()):
            settings = dict(zip(ex.controls, combo))
            if not ex.is_correct(settings):
                return settings
        raise AssertionError(f"{ex.key}: every machine passes: the design checks nothing")
    if ex.kind == "order":
        return list(reversed(ex.answer))
    if ex.choices is not None:
        return next(c for c in ex.choices if not ex.is_correct(c))
    if isinstance(ex.answer, int):
        return ex.answer + 1
    return "surely not this"


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_by_code_right_and_wrong_for_several_seeds(ex):
    for s in (ex.seed, 0, 7):
        other = ex.with_seed(s)
        right = other.check(other.answer)
        assert right.correct is True, f"{other.key} seed {s}: {right.message}"
        wrong = _a_wrong_answer(other)
        fb = other.check(wrong)
        assert fb.correct is False and "Hint:" in fb.message, fb.message
        assert "{" not in other.text
        assert "answer is" in other.reveal().message


@pytest.mark.parametrize("ex", [e for e in ALL if e.kind == "explain"], ids=lambda e: e.key)
def test_each_wrong_explanation_has_its_own_feedback(ex):
    wrong = [c for c in ex.choices if not ex.is_correct(c)]
    assert len(wrong) >= 2
    messages = [ex.check(c).message for c in wrong]
    assert len(set(messages)) == len(wrong)
    for m in messages:
        assert "Also:" in m  # the specific feedback, then the general hint


def test_design_and_order_answers_are_run_and_malformed_ones_explained():
    ex = get("1.5", seed=5)
    fb = ex.check({"mapping": "file linear", "sharers": 1, "pins": 0})
    assert fb.correct is False and "mapcount 1, count 2" in fb.message
    assert "no such setting: colour" in ex.check({"colour": "red"}).message
    assert "sharers must be one of" in ex.check({"sharers": 99}).message
    assert "as a dict" in ex.check("file linear").message
    assert ex.attempts == 1  # malformed answers are not counted
    order = get("3.6")
    assert "give every step once" in order.check(["lock the old page"]).message


# -- the order exercise: the engine runs the reader's order --------------------------
def test_the_kernels_order_breaks_nothing_and_mistakes_break_what_they_should():
    o = list(unmap_order.KERNEL_ORDER)
    assert unmap_order.run_order(o)["broken"] == []

    def first(order):
        broken = unmap_order.run_order(order)["broken"]
        assert broken, order
        return broken[0]

    lock, unmap, move, copy, restore, unlock = o
    assert first([lock, unmap, move, copy, unlock, restore])[2] == MIGRATION_ENTRY_LOCKED
    assert first([lock, unmap, move, restore, copy, unlock])[2] == NO_DATA_LOST
    assert "crash" in first([unmap, lock, move, copy, restore, unlock])[2]
    assert "crash" in first([unlock, lock, unmap, move, copy, restore])[2]
    with pytest.raises(ValueError):
        unmap_order.run_order(o[:-1])


def test_only_the_kernels_order_of_all_720_passes():
    passing = [
        perm
        for perm in itertools.permutations(unmap_order.KERNEL_ORDER)
        if not unmap_order.run_order(perm)["broken"]
    ]
    assert passing == [unmap_order.KERNEL_ORDER]


# -- the widget, driven as a mouse would ---------------------------------------------
def _click_answer(w: ExerciseWidget, answer) -> None:
    """Set the widget's controls to ``answer`` the way a reader would."""
    ex = w.exercise
    c = w._controls
    if ex.kind == "design":
        for name, value in answer.items():
            c[name].value = value
    elif ex.kind == "order":
        for target, step in enumerate(answer):  # select a step, press Up until it is there
            c["order"].value = step
            while list(c["order"].options).index(step) > target:
                c["up"].click()
    elif "choice" in c:
        c["choice"].value = answer
    else:
        c["text"].value = hex(answer) if isinstance(answer, int) else str(answer)


@pytest.mark.parametrize("ex", ALL, ids=IDS)
def test_by_widget_right_and_wrong_for_two_seeds(ex):
    for s in (ex.seed, 3):
        w = ExerciseWidget(ex.with_seed(s))
        assert w.value is None or ex.kind in ("order", "design")
        _click_answer(w, w.exercise.answer)
        w.check_button.click()
        assert w.correct is True, w.feedback
        assert "correct" in w.feedback and "correct" in w.feedback_html.value
        _click_answer(w, _a_wrong_answer(w.exercise))
        w.check_button.click()
        assert w.correct is False and "Hint:" in w.feedback
        w.hint_button.click()
        assert w.feedback.startswith("Hint:") and w.correct is None
        w.reveal_button.click()
        assert "answer is" in w.feedback


def test_the_order_control_follows_up_and_down():
    w = exercise("3.6")
    start = list(w.value)
    assert sorted(start) == sorted(unmap_order.STEPS)
    step = start[2]
    w._controls["order"].value = step
    w._controls["up"].click()
    assert w.value.index(step) == 1 and list(w._controls["order"].options) == w.value
    w._controls["down"].click()
    w._controls["down"].click()
    assert w.value.index(step) == 3
    w._controls["order"].value = w.value[0]
    w._controls["up"].click()  # already first: stays
    assert w.value[0] == list(w._controls["order"].options)[0]


def test_setting_value_from_code_moves_the_controls():
    w = exercise("1.5")
    w.value = {"mapping": "anonymous", "sharers": 3, "pins": 2}
    assert w._controls["mapping"].value == "anonymous" and w._controls["pins"].value == 2
    w = exercise("3.2")
    w.check("present")
    assert w._controls["choice"].value == "present"
    w = exercise("1.2")
    fb = w.check(w.exercise.answer)
    assert fb.correct is True and w.correct is True
    assert w._controls["text"].value == str(w.exercise.answer)


def test_a_new_problem_has_a_new_seed_and_a_clean_slate():
    w = exercise("1.2")
    old = w.exercise.text
    _click_answer(w, w.exercise.answer)
    w.check_button.click()
    w.new_button.click()
    assert w.seed == 3 and w.exercise.seed == 3
    assert w.exercise.text != old and w.correct is None and w.feedback == ""
    assert w._controls["text"].value == ""
    w.seed = 11
    assert w.exercise.seed == 11
    assert "New problem" not in [b.description for b in exercise("3.6").children[2].children]


def test_the_widget_shows_the_same_text_every_time_and_says_where_to_answer():
    a, b = exercise("3.7"), exercise("3.7")
    assert repr(a) == repr(b)
    assert not re.search(r"0x[0-9a-f]{8,}", repr(a))  # no object ids
    bundle = a._repr_mimebundle_()
    assert bundle["text/plain"] == repr(a)
    html = bundle["text/html"]
    assert "Exercise 3.7" in html and "pagemig homework 3 -s 7" in html and "JupyterLab" in html
    assert "before-patch', 'file linear'" not in html  # the static page gives no answer
    with pytest.raises(TypeError):
        ExerciseWidget("3.7")


# -- predict questions from any trace --------------------------------------------------
MACHINES = [
    {"mapping": "anonymous", "sharers": 3},
    {"mapping": "file nonlinear", "sharers": 2},
    {"mapping": "file linear", "sharers": 2, "dirty": True},
    {"mapping": "file linear", "sharers": 1, "pins": 1},
    {"mapping": "file linear", "sharers": 2, "variant": "before-patch"},
    {"mapping": "file linear", "sharers": 1, "dirty": True, "writepage": None},
]


@pytest.mark.parametrize("ask", predict.ASKS)
def test_any_machine_yields_predict_questions_of_every_ask(ask):
    answers = set()
    for n, machine in enumerate(MACHINES):
        ex = predict.trace_exercise(
            f"9.{n}", machines=lambda rng, m=machine: m, ask=ask, hint="h", seed=n
        )
        for s in range(4):
            other = ex.with_seed(s)
            answer = other.answer
            answers.add(answer)
            if other.choices is not None:
                assert answer in other.choices, (machine, s, answer)
            assert other.check(answer).correct is True
            assert other.check(_a_wrong_answer(other)).correct is False
            assert "We stop after" in other.text and "{" not in other.text
    assert len(answers) >= 3, answers


def test_predict_answers_are_what_the_engine_does_next():
    ex = predict.trace_exercise(
        "9.9", machines=lambda rng: {"mapping": "file linear", "sharers": 2}, ask="next", hint="h"
    )
    for s in range(6):
        other = ex.with_seed(s)
        sc, _, events, task = predict.migration_events(other.params.machine, s)
        full = [e.func for e in events]
        assert full[other.params.stop] == other.answer  # the event right after the stop
    with pytest.raises(ValueError, match="ask must be one of"):
        predict.trace_exercise("9.9", machines=lambda rng: {}, ask="colour", hint="h")


def test_an_answer_the_engine_cannot_run_is_a_message_not_a_traceback():
    def broken(answer, p):
        raise RuntimeError("the engine fell over")

    ex = Exercise(
        "q",
        solve=lambda p: {"a": 1},
        judge=broken,
        controls={"a": [1, 2]},
        kind="design",
        hint="h",
    )
    w = ExerciseWidget(ex)
    w.check_button.click()
    assert w.correct is False
    assert "could not be checked (RuntimeError: the engine fell over)" in w.feedback


def test_a_projected_exercise_draws_its_text_and_controls_at_the_scale(monkeypatch):
    """At the projection scale (pagemig present) an exercise's question, controls and
    feedback are drawn scale x ipywidgets' 13 px; at scale 1 as ipywidgets draws them."""
    import widgets.exercise_widget as ew

    for scale, px in ((1.0, "13.0px"), (1.6, "20.8px")):
        monkeypatch.setattr(ew, "_kit_scale", lambda s=scale: s)
        w = ew.exercise("8.3")
        cls = f"pagemig-exercise-x{round(scale * 100)}"
        assert cls in w._dom_classes and "pagemig-exercise" in w._dom_classes
        assert (
            f".{cls} button" in w.question_html.value
            and f"font-size: {px}" in w.question_html.value
        )
        w.check_button.click()  # the question pane keeps its style after a button
        assert f"font-size: {px}" in w.question_html.value and "no answer yet" in w.feedback


def test_every_chapter_of_the_book_has_its_exercises_in_the_package():
    """Each notebook NN-*.ipynb has widgets/exercises/chNN.py (and no module is left
    without its chapter): the book's exercises all live where they are tested."""
    from pathlib import Path

    book = Path(__file__).resolve().parent.parent / "notebooks"
    numbers = sorted(int(p.name[:2]) for p in book.glob("[0-9][0-9]-*.ipynb"))
    assert numbers and chapters() == numbers
