"""Seeded exercises the reader checks inside the notebook.

OSTEP's simulators print a problem for a seed and reveal the answer on request
(``-c``). An :class:`Exercise` does the same in a notebook cell:

```python
ex = Exercise(
    "{sharers} processes map page 1 of a file. How many migration entries "
    "does try_to_unmap install?",
    params=lambda rng: {"sharers": rng.randint(2, 6)},
    solve=lambda p: count_entries(build_scenario("file linear", sharers=p.sharers, seed=p.seed)),
    hint="One per pte that maps the page: count the processes.",
    seed=3,
)
ex                # shows the question for seed 3
ex.check(4)       # friendly feedback; a wrong answer gets a hint
ex.reveal()       # the answer, with the explanation
ex.with_seed(4)   # the same exercise with other numbers
```

The answer is never written into the notebook: ``solve`` computes it from the
engine for the exercise's parameters, which ``params`` draws from a
``random.Random(seed)``. So an exercise stays right when the engine changes, and
every seed is a new problem.

Answers are compared after normalising them: strings ignore case and repeated
spaces; an int answer may be given as its digits in a string; floats compare
within ``tol``; lists compare element by element (in any order with
``unordered=True``).

Kinds and tiers (issue 11). ``kind`` says what the reader does: *compute* a
number, *predict* what the engine does next (a scenario stepped to a point),
*order* a kernel path's steps (``steps``: the engine runs the reader's order),
*design* a machine from a few ``controls`` (the engine builds and runs it) or
*explain* by choosing among misconceptions (``choices`` with a ``hints`` entry
each). ``tier`` is "check", "apply" or "think"; ``capstone=True`` marks the
chapter's last, largest exercise. For *order* and *design* there is no single
answer: ``judge(answer, p) -> (ok, message)`` runs the engine on the reader's
answer, and ``solve`` gives one correct answer for :meth:`reveal`.

The chapters' exercises live in :mod:`widgets.exercises` (one module per
chapter); :mod:`widgets.exercise_widget` shows one with buttons.
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable, Mapping
from types import SimpleNamespace

__all__ = ["Exercise", "Feedback", "KINDS", "TIERS", "shuffled_choices"]

KINDS = ("predict", "order", "design", "explain", "compute")
TIERS = ("check", "apply", "think")

_WRONG_BEFORE_REVEAL_TIP = 2
# What an empty answer gets. It names no cell to run: under Voila (``pagemig present``)
# the code is hidden, and the exercise widget answers with its controls and Check.
NO_ANSWER = "no answer yet: choose or type one, then press Check (from code: check(answer))."


class Feedback:
    """The result of :meth:`Exercise.check` or :meth:`Exercise.reveal`.

    ``correct`` is True, False, or None (no answer given, or the answer revealed);
    ``message`` is the text shown. Truthy only for a correct answer.
    """

    __slots__ = ("correct", "message", "title")

    def __init__(self, correct: bool | None, message: str, title: str = ""):
        self.correct = correct
        self.message = message
        self.title = title

    def __bool__(self) -> bool:
        return self.correct is True

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        colour = {True: "#1a7f37", False: "#b35900", None: "#3465a4"}[self.correct]
        body = "<br>".join(html.escape(line) for line in self.message.splitlines())
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 4px 10px; '
            f'margin: 4px 0">{body}</div>'
        )


def _norm(value):
    """A comparable form of an answer: see the module docstring."""
    if isinstance(value, str):
        text = " ".join(value.strip().split()).lower()
        try:
            return int(text, 0)  # "12", "-13", "0x10002000"
        except ValueError:
            return text
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_norm(v) for v in value)
    return value


def _same(given, expected, tol: float | None) -> bool:
    if isinstance(expected, tuple):
        return (
            isinstance(given, tuple)
            and len(given) == len(expected)
            and all(_same(g, e, tol) for g, e in zip(given, expected))
        )
    if isinstance(expected, bool) and isinstance(given, str):
        given = {"true": True, "yes": True, "false": False, "no": False}.get(given, given)
    if isinstance(expected, bool) or isinstance(given, bool):
        return given is expected
    if isinstance(expected, (int, float)) and isinstance(given, (int, float)):
        if tol is not None or isinstance(expected, float) or isinstance(given, float):
            return abs(given - expected) <= (tol if tol is not None else 1e-9)
        return given == expected
    if isinstance(expected, str) and isinstance(given, int):
        return str(given) == expected
    return given == expected


def _show(value) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_show(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


class Exercise:
    """One seeded exercise: a question, an answer computed by ``solve``, and hints.

    ``question``: text, formatted with the parameters (``{seed}`` and whatever
    ``params`` returns), or a callable taking the parameters namespace.
    ``solve``: takes the parameters namespace (``p.seed``, ``p.<name>``) and
    returns the answer, computed from the engine.
    ``params``: takes a ``random.Random(seed)`` and returns a dict of the
    problem's numbers; None for an exercise whose only parameter is the seed.
    ``hint``: shown for any wrong answer. ``hints``: a dict from particular wrong
    answers (normalised like answers) to a hint aimed at that mistake, or a
    callable ``(answer, expected, p) -> str | None`` (``answer`` normalised, ``p``:
    the parameters).
    ``explain``: shown by :meth:`reveal` and after a correct answer; text
    formatted with the parameters and ``answer``, or a callable
    ``(p, answer) -> str``.
    ``choices``: the allowed answers, if it is a multiple-choice question (a list,
    or a callable taking the parameters).
    ``unordered``: a list answer may come in any order. ``tol``: tolerance for
    numbers.
    ``kind``, ``tier``, ``capstone``, ``key``: see the module docstring; ``key``
    names the exercise in its chapter ("3.2").
    ``judge``: ``(answer, p) -> (ok, message)``, for answers the engine must run
    (order, design) rather than compare. ``steps``: the items an *order* answer
    arranges (list or callable of the parameters). ``controls``: for *design*, a
    dict from setting name to the list of values it may take.
    """

    def __init__(
        self,
        question: str | Callable,
        solve: Callable,
        *,
        hint: str,
        seed: int = 0,
        params: Callable | None = None,
        hints: Mapping | Callable | None = None,
        explain: str | Callable | None = None,
        choices: list | tuple | Callable | None = None,
        unordered: bool = False,
        tol: float | None = None,
        title: str | None = None,
        kind: str = "compute",
        tier: str = "check",
        capstone: bool = False,
        key: str | None = None,
        judge: Callable | None = None,
        steps: list | tuple | Callable | None = None,
        controls: Mapping | None = None,
    ):
        if not (isinstance(question, str) or callable(question)):
            raise TypeError("question must be a str or a callable taking the parameters")
        if not callable(solve):
            raise TypeError("solve must be a callable that computes the answer from the engine")
        if not isinstance(hint, str) or not hint.strip():
            raise ValueError("every exercise needs a hint for a wrong answer")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {seed!r}")
        if params is not None and not callable(params):
            raise TypeError("params must be a callable taking a random.Random")
        if hints is not None and not (isinstance(hints, Mapping) or callable(hints)):
            raise TypeError("hints must be a dict or a callable (answer, expected, p) -> str")
        if tol is not None and tol < 0:
            raise ValueError("tol must be non-negative")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}, got {tier!r}")
        if judge is not None and not callable(judge):
            raise TypeError("judge must be a callable (answer, p) -> (ok, message)")
        if kind == "order" and steps is None:
            raise ValueError("an order exercise needs the steps to put in order")
        if kind == "design" and not controls:
            raise ValueError("a design exercise needs the controls the reader sets")
        if kind in ("order", "design") and judge is None:
            raise ValueError(f"a {kind} exercise needs a judge that runs the reader's answer")
        if kind == "explain" and choices is None:
            raise ValueError("an explain exercise needs its choices")
        if controls is not None:
            for name, values in controls.items():
                if not isinstance(values, (list, tuple)) or not values:
                    raise ValueError(f"control {name!r} needs a non-empty list of values")
        self._kwargs = dict(
            hint=hint,
            params=params,
            hints=hints,
            explain=explain,
            choices=choices,
            unordered=unordered,
            tol=tol,
            title=title,
            kind=kind,
            tier=tier,
            capstone=capstone,
            key=key,
            judge=judge,
            steps=steps,
            controls=controls,
        )
        self.question = question
        self.solve = solve
        self.hint = hint
        self.seed = seed
        self.params_fn = params
        self.hints = hints
        self.explain = explain
        self._choices = choices
        self.unordered = unordered
        self.tol = tol
        self.kind = kind
        self.tier = tier
        self.capstone = capstone
        self.key = key
        self.judge = judge
        self._steps = steps
        self.controls = {k: tuple(v) for k, v in controls.items()} if controls else None
        self.title = title or (f"Exercise {key}" if key else "Exercise")
        self.attempts = 0
        self._params: SimpleNamespace | None = None
        self._answer = None
        self._solved = False

    # -- the problem -----------------------------------------------------------
    @property
    def seeded(self) -> bool:
        """True if the seed draws the problem's parameters (another seed, another
        problem); False if the seed only shuffles how it is shown."""
        return self.params_fn is not None

    @property
    def params(self) -> SimpleNamespace:
        """The problem's parameters for this seed (always including ``seed``)."""
        if self._params is None:
            drawn = self.params_fn(random.Random(self.seed)) if self.params_fn else {}
            if not isinstance(drawn, Mapping):
                raise TypeError("params must return a dict")
            if "seed" in drawn:
                raise ValueError("params must not set 'seed': it is the exercise's own")
            self._params = SimpleNamespace(seed=self.seed, **dict(drawn))
        return self._params

    @property
    def choices(self) -> tuple | None:
        """The allowed answers for this seed, or None for a free answer."""
        c = self._choices
        if c is None:
            return None
        return tuple(c(self.params) if callable(c) else c)

    @property
    def steps(self) -> tuple | None:
        """For an *order* exercise: the steps, in the (seeded, shuffled) order shown."""
        s = self._steps
        if s is None:
            return None
        items = list(s(self.params) if callable(s) else s)
        random.Random(f"steps {self.seed}").shuffle(items)
        return tuple(items)

    @property
    def text(self) -> str:
        """The question for this seed."""
        p = self.params
        if callable(self.question):
            return str(self.question(p))
        return self.question.format(**vars(p))

    @property
    def answer(self):
        """The answer, computed from the engine the first time it is needed (for
        *order* and *design*: one correct answer of possibly several)."""
        if not self._solved:
            self._answer = self.solve(self.params)
            self._solved = True
        return self._answer

    def with_seed(self, seed: int) -> Exercise:
        """The same exercise for another seed (other numbers, a new answer)."""
        return Exercise(self.question, self.solve, seed=seed, **self._kwargs)

    # -- checking --------------------------------------------------------------
    def _key(self, value):
        v = _norm(value)
        if self.unordered and isinstance(v, tuple):
            return tuple(sorted(v, key=repr))
        return v

    def is_correct(self, answer) -> bool:
        if self.judge is not None:
            return self._judge(answer)[0] is True
        return _same(self._key(answer), self._key(self.answer), self.tol)

    def _judge(self, answer) -> tuple[bool | None, str]:
        """Run the reader's order or design: (ok, message); ok None if the answer
        is malformed (message says how)."""
        if self.kind == "order":
            given = [str(s) for s in answer] if isinstance(answer, (list, tuple)) else None
            if given is None or sorted(given) != sorted(self.steps):
                return None, "give every step once, as a list: " + ", ".join(
                    repr(s) for s in sorted(self.steps)
                )
            answer = given
        if self.kind == "design":
            if not isinstance(answer, Mapping):
                names = ", ".join(self.controls)
                return None, f"give the settings as a dict with the keys {names}"
            unknown = sorted(set(answer) - set(self.controls))
            if unknown:
                return None, f"no such setting: {', '.join(unknown)}"
            settings = {}
            for name, values in self.controls.items():
                value = answer.get(name, values[0])
                match = [v for v in values if _same(_norm(value), _norm(v), None)]
                if not match:
                    shown = ", ".join(_show(v) for v in values)
                    return None, f"{name} must be one of {shown}, not {_show(value)}"
                settings[name] = match[0]
            answer = settings
        ok, message = self.judge(answer, self.params)
        return bool(ok), str(message)

    def _explanation(self) -> str:
        if self.explain is None:
            return ""
        if callable(self.explain):
            return str(self.explain(self.params, self.answer))
        return self.explain.format(**vars(self.params), answer=self.answer)

    def _specific_hint(self, answer) -> str | None:
        if self.hints is None:
            return None
        if callable(self.hints):
            return self.hints(_norm(answer), self.answer, self.params)
        key = self._key(answer)
        for wrong, text in self.hints.items():
            if _same(key, self._key(wrong), self.tol):
                return text
        return None

    def check(self, answer) -> Feedback:
        """Feedback on ``answer``: correct, or a hint (never the answer itself)."""
        head = f"{self.title} (seed {self.seed})"
        if answer is None or answer is Ellipsis:
            return Feedback(None, f"{head}: {NO_ANSWER}", self.title)
        choices = self.choices
        if choices is not None and not any(
            _same(self._key(answer), self._key(c), self.tol) for c in choices
        ):
            options = ", ".join(_show(c) for c in choices)
            return Feedback(
                False, f"{head}: {_show(answer)} is not one of the choices: {options}.", self.title
            )
        ran = None
        if self.judge is not None:
            ok, ran = self._judge(answer)
            if ok is None:
                return Feedback(False, f"{head}: {ran}.", self.title)
        else:
            ok = _same(self._key(answer), self._key(self.answer), self.tol)
        self.attempts += 1
        shown = "your order" if self.kind == "order" else _show(answer)
        if ok:
            lines = [f"{head}: correct, {shown}."]
            if ran:
                lines.append(ran)
            why = self._explanation()
            if why:
                lines.append(why)
            return Feedback(True, "\n".join(lines), self.title)
        lines = [f"{head}: not quite, {shown} is not the answer."]
        if ran:
            lines.append(ran)
        if self.judge is None:
            expected = self._key(self.answer)
            given = self._key(answer)
            if isinstance(expected, tuple) and not isinstance(given, tuple):
                lines.append(f"The answer is a list of {len(expected)} item(s).")
            elif isinstance(expected, tuple) and len(given) != len(expected):
                lines.append(f"The answer has {len(expected)} item(s), yours has {len(given)}.")
        specific = self._specific_hint(answer)
        lines.append(f"Hint: {specific or self.hint}")
        if specific and specific != self.hint:
            lines.append(f"Also: {self.hint}")
        if self.attempts >= _WRONG_BEFORE_REVEAL_TIP:
            lines.append("Stuck? Reveal (reveal() from code) shows the answer and why.")
        return Feedback(False, "\n".join(lines), self.title)

    def reveal(self) -> Feedback:
        """The answer for this seed, with the explanation (OSTEP's ``-c``)."""
        one = "one answer is" if self.kind in ("order", "design") else "the answer is"
        lines = [f"{self.title} (seed {self.seed}): {one} {_show(self.answer)}."]
        why = self._explanation()
        if why:
            lines.append(why)
        return Feedback(None, "\n".join(lines), self.title)

    # -- display ---------------------------------------------------------------
    def answer_format(self) -> str:
        """How an answer is written, for text pages (homework sheets, a static page)."""
        if self.kind == "order":
            return "the steps as a list, first step first: " + "; ".join(self.steps)
        if self.kind == "design":
            return "settings: " + "; ".join(
                f"{name} in {{{', '.join(_show(v) for v in values)}}}"
                for name, values in self.controls.items()
            )
        if self.choices is not None:
            return "choices: " + ", ".join(_show(c) for c in self.choices)
        return ""

    def _howto(self) -> str:
        how = "check(your_answer) to check it, reveal() to see the answer"
        fmt = self.answer_format()
        return f"{fmt}. {how}" if fmt else how

    def __repr__(self) -> str:
        return f"{self.title} (seed {self.seed}): {self.text}\n[{self._howto()}]"

    def _repr_html_(self) -> str:
        body = "<br>".join(html.escape(line) for line in self.text.splitlines())
        return (
            f'<div style="border: 1px solid #999; border-radius: 4px; padding: 6px 10px; '
            f'margin: 4px 0"><b>{html.escape(self.title)}</b> (seed {self.seed})<br>{body}'
            f'<br><span style="color: #666">{html.escape(self._howto())}</span></div>'
        )


def shuffled_choices(options):
    """``choices=`` for an explain exercise: ``options`` in an order drawn from the
    problem's seed, so that the right answer is not always the first one."""
    options = list(options)

    def choices(p):
        out = list(options)
        random.Random(f"choices {p.seed}").shuffle(out)
        return out

    return choices
