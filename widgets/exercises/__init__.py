"""The book's exercises, one module per chapter: ``ch01`` for chapter 1, and so on.

Each chapter module defines ``exercises()``, returning that chapter's
:class:`~widgets.quiz.Exercise` objects (fresh ones: an exercise counts its
attempts), each with a ``key`` such as "3.2", a kind and a tier. Solvers live in
the module, never in the notebook. Nothing here imports ipywidgets or
matplotlib, so ``pagemig homework`` can print the problems without them; the
notebook shows an exercise with :func:`widgets.exercise_widget.exercise`.

To convert another chapter, add ``chNN.py`` with ``exercises()``: the registry
finds it by its name, ``tests/test_exercises.py`` then drives every exercise by
code and by widget and applies :func:`giveaways`; in the notebook, replace the
chapter's ``Exercise(...)`` cells with ``exN = exercise("N.M")`` cells and add the
chapter to ``CONVERTED`` in ``tests/test_notebooks.py``. Building blocks:

- :func:`widgets.exercises.predict.trace_exercise`: a *predict* exercise on any
  ``build_scenario`` machine (next event, pte kind, page count, return code);
- a *design* is an ``Exercise(kind="design", controls={...}, judge=...)`` whose
  judge builds and runs the reader's machine (see ``ch03.py``, ``ch04.py``);
- an *order* needs a runner of the path's steps in the reader's order, as
  :mod:`widgets.exercises.unmap_order` does for unmap_and_move;
- an *explain* is a multiple choice whose ``hints`` give each misconception its
  own feedback.

```python
from widgets.exercises import chapter, get
[ex.key for ex in chapter(3)]
get("3.2", seed=7).check("migration")
```
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from ..quiz import Exercise

__all__ = ["chapters", "chapter", "get", "giveaways", "Exercise"]

_MODULE = re.compile(r"^ch(\d\d)$")


def chapters() -> list[int]:
    """The chapters that have an exercise module, in order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        m = _MODULE.match(info.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def _module(n: int):
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"a chapter is a number, got {n!r}")
    if n not in chapters():
        have = ", ".join(str(c) for c in chapters())
        raise LookupError(f"chapter {n} has no exercise module yet (chapters with one: {have})")
    return importlib.import_module(f"{__name__}.ch{n:02d}")


def chapter(n: int, seed: int | None = None) -> list[Exercise]:
    """Chapter ``n``'s exercises, in the book's order; with ``seed``, all for that seed."""
    exs = list(_module(n).exercises())
    return exs if seed is None else [ex.with_seed(seed) for ex in exs]


def get(key: str, seed: int | None = None) -> Exercise:
    """One exercise by its key ("3.2"); with ``seed``, for that seed."""
    if not isinstance(key, str) or not re.fullmatch(r"\d+\.\d+", key):
        raise ValueError(f"an exercise key looks like '3.2', got {key!r}")
    n = int(key.split(".")[0])
    for ex in chapter(n):
        if ex.key == key:
            return ex if seed is None else ex.with_seed(seed)
    keys = ", ".join(ex.key for ex in chapter(n))
    raise LookupError(f"no exercise {key} (chapter {n} has {keys})")


def _printed_numbers(p) -> dict:
    """The parameters a question prints that a lazy answer could copy: ints, and the
    lengths of lists (the number of processes, of pages ...)."""
    out = {}
    for name, value in vars(p).items():
        if name == "seed":
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            out[name] = value
        elif isinstance(value, (list, tuple)):
            out[f"len({name})"] = len(value)
    return out


def giveaways(ex: Exercise, seeds=range(12)) -> list[str]:
    """Why a seeded exercise gives its answer away, if it does (issue 11's rule): its
    answer must take at least 3 values over the seeds, and must not equal one of the
    numbers its question prints (a parameter, or a list's length) in more than half
    of them. [] for an exercise that passes, or is not seeded."""
    if not ex.seeded:
        return []
    seeds = list(seeds)
    answers, copies = set(), {}
    for s in seeds:
        other = ex.with_seed(s)
        answers.add(repr(other.answer))
        for name, value in _printed_numbers(other.params).items():
            if other.answer == value and not isinstance(other.answer, bool):
                copies[name] = copies.get(name, 0) + 1
    problems = []
    if len(answers) < 3:
        problems.append(f"{ex.key}: only {len(answers)} distinct answer(s) over {len(seeds)} seeds")
    for name, n in sorted(copies.items()):
        if n > len(seeds) // 2:
            problems.append(f"{ex.key}: the answer is {name} in {n} of {len(seeds)} seeds")
    return problems
