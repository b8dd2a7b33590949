"""widgets.quiz: seeded exercises whose answers come from the engine."""

from __future__ import annotations

import re

import pytest

from pagemig import Kernel
from pagemig.scenarios import build_scenario
from widgets.quiz import Exercise, Feedback


def entries_after_unmap(sharers: int, seed: int) -> int:
    """How many migration entries exist once try_to_unmap has run (from the engine)."""
    sc = build_scenario("file linear", sharers=sharers, seed=seed)
    k = sc.kernel
    t = sc.start_migration()
    while True:
        ev = k.step(t)
        if ev is not None and ev.func == "move_to_new_page":
            break
    return sum(p.pte(a).kind == "migration" for p, a in zip(sc.processes, sc.addrs))


def make_entries_exercise(seed: int = 3) -> Exercise:
    return Exercise(
        "{sharers} processes map page 1 of a file. How many migration entries exist "
        "after try_to_unmap?",
        solve=lambda p: entries_after_unmap(p.sharers, p.seed),
        params=lambda rng: {"sharers": rng.randint(2, 6)},
        hint="one entry per pte that mapped the page",
        hints={0: "before the patch that would be right; this kernel is patched"},
        explain="each of the {sharers} ptes became an entry: {answer}",
        seed=seed,
    )


def test_answer_is_computed_from_the_engine_for_the_seeds_parameters():
    ex = make_entries_exercise(seed=3)
    sharers = ex.params.sharers
    assert 2 <= sharers <= 6
    assert ex.answer == entries_after_unmap(sharers, 3)
    assert ex.answer == sharers  # the patched kernel: one entry per sharer
    assert str(sharers) in ex.text


def test_the_seed_decides_the_parameters_and_other_seeds_give_other_problems():
    a, b = make_entries_exercise(seed=3), make_entries_exercise(seed=3)
    assert vars(a.params) == vars(b.params)
    drawn = {make_entries_exercise(seed=s).params.sharers for s in range(12)}
    assert len(drawn) > 1
    other = a.with_seed(11)
    assert other.seed == 11 and other.answer == entries_after_unmap(other.params.sharers, 11)
    assert a.seed == 3  # with_seed makes a new exercise


def test_a_correct_answer_is_accepted_with_the_explanation():
    ex = make_entries_exercise()
    fb = ex.check(ex.params.sharers)
    assert isinstance(fb, Feedback) and fb and fb.correct is True
    assert "correct" in repr(fb)
    assert f"each of the {ex.params.sharers} ptes" in repr(fb)
    assert ex.check(str(ex.params.sharers)).correct is True  # digits in a string


def test_a_wrong_answer_gets_a_hint_not_the_answer():
    ex = make_entries_exercise()
    wrong = ex.answer + 1
    fb = ex.check(wrong)
    assert not fb and fb.correct is False
    text = repr(fb)
    assert "Hint: one entry per pte" in text
    assert f"correct, {ex.answer}" not in text
    assert f"is {ex.answer}" not in text


def test_a_known_mistake_gets_its_own_hint_then_the_general_one():
    ex = make_entries_exercise()
    text = repr(ex.check(0))
    assert "Hint: before the patch" in text
    assert "Also: one entry per pte" in text


def test_after_wrong_attempts_the_reader_is_told_about_reveal():
    ex = make_entries_exercise()
    assert "reveal()" not in repr(ex.check(ex.answer + 1))
    assert "reveal()" in repr(ex.check(ex.answer + 2))


def test_no_answer_is_not_counted_as_wrong():
    ex = make_entries_exercise()
    fb = ex.check(None)
    assert fb.correct is None and "no answer yet" in repr(fb)
    # Under Voila the code is hidden: the message must not send the reader to a cell.
    assert "cell" not in repr(fb) and "in place of" not in repr(fb) and "Check" in repr(fb)
    assert ex.attempts == 0
    assert ex.check(...).correct is None


def test_reveal_gives_the_answer_and_why():
    ex = make_entries_exercise()
    text = repr(ex.reveal())
    assert f"the answer is {ex.answer}." in text
    assert "ptes became an entry" in text


def test_strings_compare_without_case_or_extra_spaces():
    k = Kernel()
    ex = Exercise(
        "Which variant is the default?",
        solve=lambda p: Kernel().variant,
        hint="look at Kernel's signature",
    )
    assert ex.answer == k.variant
    assert ex.check("  PATCHED ").correct is True
    assert ex.check("before patch").correct is False


def test_choices_reject_an_answer_outside_them():
    ex = Exercise(
        "What kind is the pte during the move?",
        solve=lambda p: "migration",
        choices=["none", "present", "migration", "file"],
        hint="it points at the old page",
    )
    fb = ex.check("swap")
    assert fb.correct is False and "not one of the choices" in repr(fb)
    assert ex.check("Migration").correct is True
    assert "choices: 'none'" in repr(ex)


def test_lists_in_order_or_any_order():
    def statuses(p):
        sc = build_scenario("anonymous", sharers=2, seed=p.seed)
        parent, addr = sc.processes[0], sc.addrs[0]
        parent.write(addr + 0x1000, b"private")  # a page only the parent maps
        st = sc.kernel.move_pages(parent.pid, [addr, addr + 0x1000], [1, 1])
        return st.names()

    ordered = Exercise("statuses?", solve=statuses, hint="shared pages need MOVE_ALL")
    ans = ordered.answer
    assert ans == ["-EACCES", "node 1"]  # shared without MOVE_ALL; private moves
    assert ordered.check(list(ans)).correct is True
    assert ordered.check(list(reversed(ans))).correct is (ans == list(reversed(ans)))
    fb = ordered.check(ans[0])
    assert fb.correct is False and f"a list of {len(ans)} item(s)" in repr(fb)
    fb = ordered.check(ans[:1])
    assert f"has {len(ans)} item(s), yours has 1" in repr(fb)
    unordered = Exercise("statuses?", solve=statuses, hint="h", unordered=True)
    assert unordered.check(list(reversed(ans))).correct is True


def test_numbers_within_tolerance():
    ex = Exercise("rate?", solve=lambda p: 2 / 3, hint="successes over trials", tol=0.01)
    assert ex.check(0.67).correct is True
    assert ex.check(0.7).correct is False
    exact = Exercise("count?", solve=lambda p: 3, hint="h")
    assert exact.check(3.0).correct is True
    assert exact.check(True).correct is False  # a bool is not the number 1


def test_booleans_accept_yes_and_no():
    ex = Exercise("migrated?", solve=lambda p: True, hint="h")
    assert ex.check("yes").correct is True
    assert ex.check("no").correct is False
    assert ex.check(1).correct is False


def test_callable_hints_and_question():
    ex = Exercise(
        lambda p: f"node count for seed {p.seed}?",
        solve=lambda p: Kernel(nodes=2 + p.seed % 3).nr_nodes,
        hint="count them",
        hints=lambda answer, expected, p: (
            f"too many for seed {p.seed}" if answer > expected else None
        ),
        seed=4,
    )
    assert ex.text == "node count for seed 4?"
    assert ex.answer == 3
    assert "Hint: too many for seed 4" in repr(ex.check(5))
    assert "Hint: count them" in repr(ex.check(1))


def test_display_is_stable_and_escaped():
    ex = make_entries_exercise()
    assert repr(ex) == repr(make_entries_exercise())
    assert not re.search(r"0x[0-9a-f]{6,}", repr(ex))  # no object ids
    tricky = Exercise("is a < b & c?", solve=lambda p: "x", hint="h")
    assert "a &lt; b &amp; c" in tricky._repr_html_()
    assert "&lt;" in Feedback(False, "<b>")._repr_html_()


def test_solve_runs_only_once():
    calls = []

    def solve(p):
        calls.append(p.seed)
        return 1

    ex = Exercise("q", solve=solve, hint="h", seed=2)
    ex.check(1)
    ex.check(2)
    ex.reveal()
    assert calls == [2]


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"hint": ""}, ValueError),
        ({"hint": "h", "seed": "1"}, TypeError),
        ({"hint": "h", "params": 3}, TypeError),
        ({"hint": "h", "hints": 3}, TypeError),
        ({"hint": "h", "tol": -1}, ValueError),
    ],
)
def test_misuse_raises_clearly(kwargs, error):
    with pytest.raises(error):
        Exercise("q", solve=lambda p: 1, **kwargs)
    with pytest.raises(TypeError):
        Exercise("q", solve=3, hint="h")


def test_params_may_not_override_the_seed():
    ex = Exercise("q", solve=lambda p: 1, hint="h", params=lambda rng: {"seed": 5})
    with pytest.raises(ValueError):
        ex.answer  # noqa: B018


# -- kinds and tiers -------------------------------------------------------------------
def _judge_even(answer, p):
    total = sum(answer.values()) if isinstance(answer, dict) else 0
    return total % 2 == 0, f"the settings add up to {total}"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "guess"}, "kind must be one of"),
        ({"tier": "hard"}, "tier must be one of"),
        ({"kind": "order", "judge": _judge_even}, "needs the steps"),
        ({"kind": "design", "judge": _judge_even}, "needs the controls"),
        ({"kind": "design", "controls": {"a": [1, 2]}}, "needs a judge"),
        ({"kind": "order", "steps": ["x", "y"]}, "needs a judge"),
        ({"kind": "explain"}, "needs its choices"),
        ({"kind": "design", "controls": {"a": []}, "judge": _judge_even}, "non-empty list"),
    ],
)
def test_kinds_are_checked_before_anything_runs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Exercise("q", solve=lambda p: 1, hint="h", **kwargs)
    with pytest.raises(TypeError):
        Exercise("q", solve=lambda p: 1, hint="h", kind="design", controls={"a": [1]}, judge=3)


def test_a_design_is_judged_by_running_it_and_with_seed_keeps_everything():
    ex = Exercise(
        "make the settings add up to an even number",
        solve=lambda p: {"a": 1, "b": 1},
        judge=_judge_even,
        controls={"a": [0, 1, 2], "b": [1, 3]},
        kind="design",
        tier="think",
        capstone=True,
        key="9.1",
        hint="odd plus odd",
        seed=2,
    )
    assert ex.title == "Exercise 9.1" and not ex.seeded
    fb = ex.check({"a": 2, "b": 3})
    assert (
        fb.correct is False and "add up to 5" in fb.message and "Hint: odd plus odd" in fb.message
    )
    fb = ex.check({"a": "1", "b": 3})  # digits in a string, as a text box gives them
    assert fb.correct is True and "add up to 4" in fb.message
    assert ex.check({"b": 1}).correct is False  # a missing setting takes its first value: 0 + 1
    assert "one answer is a=1, b=1" in ex.reveal().message
    other = ex.with_seed(5)
    assert (other.kind, other.tier, other.capstone, other.key, other.judge) == (
        "design",
        "think",
        True,
        "9.1",
        _judge_even,
    )
    assert "a in {0, 1, 2}; b in {1, 3}" in other.answer_format()


def test_order_steps_are_shuffled_by_the_seed_and_judged_as_a_permutation():
    def judge(order, p):
        return order == ["a", "b", "c", "d"], "ran " + " ".join(order)

    ex = Exercise(
        "order",
        solve=lambda p: list("abcd"),
        judge=judge,
        steps=list("abcd"),
        kind="order",
        hint="alphabet",
    )
    shuffles = {ex.with_seed(s).steps for s in range(12)}
    assert all(sorted(s) == list("abcd") for s in shuffles) and len(shuffles) > 3
    assert ex.with_seed(4).steps == ex.with_seed(4).steps
    assert ex.check(list("abcd")).correct is True
    fb = ex.check(list("abdc"))
    assert fb.correct is False and "ran a b d c" in fb.message
    assert "give every step once" in ex.check(list("abc")).message
    assert "correct, your order" in ex.check(list("abcd")).message


def test_choices_may_depend_on_the_parameters():
    ex = Exercise(
        "pick {n}",
        solve=lambda p: p.n,
        params=lambda rng: {"n": rng.randint(1, 3)},
        choices=lambda p: list(range(1, p.n + 2)),
        hint="h",
        seed=1,
    )
    assert ex.choices == tuple(range(1, ex.params.n + 2))
    assert ex.check(ex.params.n + 5).message.endswith(
        "is not one of the choices: " + ", ".join(map(str, ex.choices)) + "."
    )
