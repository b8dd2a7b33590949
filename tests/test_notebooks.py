"""The textbook's notebooks: every engine or kit name they use exists, links inside
the book resolve, and the stored outputs are complete and clean.

(The outputs themselves are compared by nbval: the README test command runs it
over notebooks/.)
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import textwrap
import typing
from pathlib import Path
from urllib.parse import unquote

import pytest

BOOK = Path(__file__).resolve().parent.parent / "notebooks"
CHAPTERS = (
    "00-start-here",
    "01-pages-ptes-rmaps",
    "02-anonymous-migration",
    "03-file-pages-and-the-patch",
    "04-nonlinear-mappings",
    "05-dirty-pages-and-writeout",
    "06-nodes-move-pages-success-rates",
    "07-then-and-now",
    "08-lecture",
    "09-while-a-page-is-moving",
)
OUR_PACKAGES = ("pagemig", "widgets")
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def strip_magics(code: str) -> str:
    """IPython magics and shell lines blanked out, so that ast can parse the rest."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()
    )


def code_of(nb: dict) -> list[str]:
    """The code cells' sources, magics blanked out."""
    return [strip_magics(source(c)) for c in nb["cells"] if c["cell_type"] == "code"]


# -- names ---------------------------------------------------------------------------


def _ours(module: str) -> bool:
    return module.split(".")[0] in OUR_PACKAGES


def _resolve(dotted: str):
    """Import the longest importable prefix of ``dotted`` and getattr the rest.
    Raises AttributeError / ImportError naming what is missing."""
    parts = dotted.split(".")
    obj = None
    i = len(parts)
    while i > 0:
        try:
            obj = importlib.import_module(".".join(parts[:i]))
            break
        except ModuleNotFoundError as exc:
            if exc.name is None or not ".".join(parts[:i]).startswith(exc.name):
                raise
            i -= 1
    if obj is None:
        raise ImportError(f"no module {parts[0]!r}")
    for j in range(i, len(parts)):
        try:
            obj = getattr(obj, parts[j])
        except AttributeError:
            try:  # a submodule not imported by its package
                obj = importlib.import_module(".".join(parts[: j + 1]))
            except ModuleNotFoundError:
                raise AttributeError(f"{'.'.join(parts[:j])} has no {parts[j]!r}") from None
    return obj


def _instance_attributes(cls) -> set[str]:
    """Attributes an instance of ``cls`` has that the class may not: ``self.x = ...``
    in any method of the class or its bases, slots and dataclass fields."""
    names: set[str] = set()
    for klass in inspect.getmro(cls):
        if klass is object:
            continue
        names.update(getattr(klass, "__slots__", ()) or ())
        names.update(getattr(klass, "__annotations__", {}) or {})
        names.update(getattr(klass, "__dataclass_fields__", {}) or {})
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and isinstance(node.ctx, ast.Store)
            ):
                names.add(node.attr)
    return names


def _has(obj, attr: str) -> bool:
    if hasattr(obj, attr):
        return True
    return inspect.isclass(obj) and attr in _instance_attributes(obj)


def _made_by(obj) -> type | None:
    """The class of what calling ``obj`` makes: ``obj`` itself if it is one of our
    classes, else the class its return annotation names (``-> Process``)."""
    if inspect.isclass(obj):
        return obj
    if not callable(obj):
        return None
    try:
        made = typing.get_type_hints(obj).get("return")
    except Exception:  # unresolvable annotations: no inference
        return None
    if inspect.isclass(made) and _ours(getattr(made, "__module__", "")):
        return made
    return None


def _attr_type(cls, attr: str) -> type | None:
    """The class of ``cls().attr`` where annotations say (a dataclass field, an
    annotated attribute, a property's return annotation), else None."""
    try:
        hint = typing.get_type_hints(cls).get(attr)
    except Exception:  # unresolvable annotations: no inference
        hint = None
    if hint is None:
        prop = inspect.getattr_static(cls, attr, None)
        if isinstance(prop, property) and prop.fget is not None:
            return _made_by(prop.fget)
        return None
    return hint if inspect.isclass(hint) and _ours(getattr(hint, "__module__", "")) else None


def _check_chain(cls, attrs: list[str]) -> str | None:
    """Follow ``attrs`` from an instance of ``cls`` as far as types are known; the
    first attribute that does not exist, as a message, else None."""
    for attr in attrs:
        if not _has(cls, attr):
            return f"{cls.__name__} has no {attr!r}"
        cls = _attr_type(cls, attr)
        if cls is None:
            return None
    return None


def _value_type(value, bound, instances) -> type | None:
    """The class of an assigned value, where it can be told: a call of one of our
    classes or annotated functions or methods, or an annotated attribute chain."""
    if isinstance(value, ast.Call):
        chain = _chain(value.func)
        if chain and chain[0] in bound:
            try:
                return _made_by(_resolve(".".join([bound[chain[0]], *chain[1:]])))
            except (ImportError, AttributeError):
                return None
        if chain and len(chain) == 2 and chain[0] in instances:
            return _made_by(getattr(instances[chain[0]], chain[1], None))
        return None
    chain = _chain(value)
    if chain and len(chain) > 1 and chain[0] in instances:
        cls = instances[chain[0]]
        for attr in chain[1:]:
            cls = _attr_type(cls, attr)
            if cls is None:
                return None
        return cls
    return None


def _attributes_with_scope(tree):
    """Every Attribute node with the names that function or lambda parameters
    shadow where it sits (``lambda p: p.sharers`` is not the notebook's ``p``)."""
    out = []

    def visit(node, shadowed):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs]
            params += [x for x in (a.vararg, a.kwarg) if x is not None]
            shadowed = shadowed | {x.arg for x in params}
        if isinstance(node, ast.Attribute):
            out.append((node, shadowed))
        for child in ast.iter_child_nodes(node):
            visit(child, shadowed)

    visit(tree, frozenset())
    return out


def _chain(node) -> list[str] | None:
    """['a', 'b', 'c'] for the expression a.b.c, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def missing_names(cells: list[str]) -> list[str]:
    """Every pagemig/widgets name the code uses that does not exist.

    Follows ``import pagemig[.x] [as y]``, ``from pagemig[.x] import Y [as Z]``,
    attribute chains on those names (``pagemig.experiments.sweep``,
    ``Kernel.step``), and attributes of objects made by calling one of our
    classes (``k = Kernel(); k.start_migrate_pages``).
    """
    problems: list[str] = []
    bound: dict[str, str] = {}  # local name -> dotted name in our packages
    instances: dict[str, type] = {}  # local name -> class of the object bound to it
    for n, code in enumerate(cells):
        try:
            tree = ast.parse(strip_magics(code))
        except SyntaxError as exc:
            problems.append(f"cell {n}: syntax error: {exc}")
            continue
        # Walk statements in order so that later cells see earlier bindings.
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _ours(alias.name):
                        try:
                            importlib.import_module(alias.name)
                        except ImportError as exc:
                            problems.append(f"cell {n}: import {alias.name}: {exc}")
                            continue
                        if alias.asname:
                            bound[alias.asname] = alias.name
                        else:
                            top = alias.name.split(".")[0]
                            bound[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and _ours(node.module):
                for alias in node.names:
                    dotted = f"{node.module}.{alias.name}"
                    try:
                        _resolve(dotted)
                    except (ImportError, AttributeError) as exc:
                        problems.append(f"cell {n}: from {node.module} import {alias.name}: {exc}")
                        continue
                    bound[alias.asname or alias.name] = dotted
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            pairs = [(t, node.value) for t in node.targets]
            if (
                len(node.targets) == 1
                and isinstance(node.targets[0], ast.Tuple)
                and isinstance(node.value, ast.Tuple)
                and len(node.targets[0].elts) == len(node.value.elts)
            ):
                pairs = list(zip(node.targets[0].elts, node.value.elts))
            for target, value in pairs:
                if isinstance(target, ast.Name):
                    made = _value_type(value, bound, instances)
                    if made is not None:
                        instances[target.id] = made
                    else:
                        instances.pop(target.id, None)
        seen: set[int] = set()
        for node, shadowed in _attributes_with_scope(tree):
            if id(node) in seen:
                continue
            chain = _chain(node)
            # mark inner attributes of this chain as handled
            inner = node.value
            while isinstance(inner, ast.Attribute):
                seen.add(id(inner))
                inner = inner.value
            if not chain:
                continue
            root = chain[0]
            if root in bound:
                dotted = ".".join([bound[root], *chain[1:]])
                try:
                    _resolve(dotted)
                except (ImportError, AttributeError) as exc:
                    problems.append(f"cell {n}: {'.'.join(chain)}: {exc}")
            elif root in instances and len(chain) > 1 and root not in shadowed:
                why = _check_chain(instances[root], chain[1:])
                if why:
                    problems.append(f"cell {n}: {'.'.join(chain)}: {why}")
    return problems


# -- links ---------------------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HREF = re.compile(r"""<a\s[^>]*href=["']([^"']+)["']""", re.I)
ANCHOR_TAG = re.compile(r"""<a\s[^>]*(?:id|name)=["']([^"']+)["']""", re.I)
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def heading_anchor(text: str) -> str:
    """The id JupyterLab (and nbconvert) give a markdown heading: the text with
    inline markup removed and spaces replaced by dashes."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"[`*_]", "", text)
    return text.strip().replace(" ", "-")


def anchors_of(nb: dict) -> set[str]:
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = source(cell)
        found.update(heading_anchor(h) for h in HEADING.findall(src))
        found.update(ANCHOR_TAG.findall(src))
    return found


def broken_links(path: Path, nb: dict) -> list[str]:
    problems = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src = source(cell)
        for target in LINK.findall(src) + HREF.findall(src):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, mailto: ...
                continue
            file_part, _, anchor = target.partition("#")
            if not file_part:  # an anchor in this notebook
                if unquote(anchor) not in anchors_of(nb):
                    problems.append(f"{target}: no heading or anchor {anchor!r} here")
                continue
            dest = (path.parent / unquote(file_part)).resolve()
            if not dest.exists():
                problems.append(f"{target}: no file {dest}")
                continue
            if anchor:
                if dest.suffix != ".ipynb":
                    problems.append(f"{target}: an anchor into a file that is not a notebook")
                elif unquote(anchor) not in anchors_of(load(dest)):
                    problems.append(f"{target}: no heading or anchor {anchor!r} in {dest.name}")
    return problems


# -- the tests -----------------------------------------------------------------------


def test_every_chapter_is_there():
    names = {p.stem for p in NOTEBOOKS}
    assert set(CHAPTERS) <= names, f"missing: {sorted(set(CHAPTERS) - names)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_name_the_notebook_uses_exists(path):
    assert missing_names(code_of(load(path))) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_links_inside_the_book_resolve(path):
    assert broken_links(path, load(path)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_are_complete_and_clean(path):
    """Every code cell ran (so nbval compares it), in order, and no output is an
    error, a warning on stderr, or a widget whose state would be lost."""
    nb = load(path)
    counts = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("execution_count") is not None, f"cell {i} was never run"
        counts.append(cell["execution_count"])
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {i}: {out.get('ename')}"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", f"cell {i} wrote to stderr: {out['text']!r}"
    assert counts == list(range(1, len(counts) + 1)), "cells were not run top to bottom once"
    assert "widgets" not in nb.get("metadata", {}), "widget state stored: drop it"


def _converted() -> tuple[str, ...]:
    """The chapters whose exercises are the package's (widgets.exercises.chNN), shown
    as widgets with exercise("N.M"): every notebook whose number has a module. The
    others still build Exercise(...) in the notebook."""
    from widgets.exercises import chapters

    have = set(chapters())
    return tuple(p.stem for p in sorted(BOOK.glob("[0-9][0-9]-*.ipynb")) if int(p.stem[:2]) in have)


CONVERTED = _converted()


def _calls(nb: dict, name: str) -> list[ast.Call]:
    return [
        node
        for code in code_of(nb)
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call) and (_chain(node.func) or [""])[-1] == name
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_chapter_states_goals_and_ends_with_three_exercises(path):
    nb = load(path)
    text = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"learning goals", text, re.I), "no learning goals"
    made = len(_calls(nb, "Exercise")) + len(_calls(nb, "exercise"))
    assert made >= 3, f"{made} exercises"


@pytest.mark.parametrize("path", [BOOK / f"{c}.ipynb" for c in CONVERTED], ids=lambda p: p.stem)
def test_converted_chapters_show_the_packages_exercises_and_hold_no_solver(path):
    """Every exercise of the chapter's module is shown, as a widget, in order; the
    notebook builds none itself and defines no function after its Exercises heading
    (the solvers live in widgets/exercises/chNN.py, not in the cell above the question)."""
    from widgets.exercises import chapter

    nb = load(path)
    n = int(path.stem[:2])
    shown = [c.args[0].value for c in _calls(nb, "exercise")]
    assert shown == [ex.key for ex in chapter(n)]
    assert _calls(nb, "Exercise") == []
    cells = nb["cells"]
    head = next(
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown" and "## Exercises" in source(c)
    )
    for cell in cells[head:]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(strip_magics(source(cell)))
        assert not any(
            isinstance(node, (ast.FunctionDef, ast.Lambda)) for node in ast.walk(tree)
        ), f"a solver in the notebook: {source(cell)!r}"


OTHER_SEEDS = range(8)


def _wrong_for(ex):
    """A well-formed answer the engine rejects, or None if none is easy to name."""
    if ex.kind == "order":
        return list(reversed(ex.answer))
    if ex.kind == "design":
        import itertools

        for combo in itertools.product(*ex.controls.values()):
            settings = dict(zip(ex.controls, combo))
            if not ex.is_correct(settings):
                return settings
        raise AssertionError(f"{ex.title}: every machine passes: the design checks nothing")
    if ex.choices is not None:
        return next((c for c in ex.choices if not ex.is_correct(c)), None)
    return "surely not this"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_can_be_solved_and_checked(path, capsys):
    """The stored notebook only shows the questions (``check(None)`` computes nothing),
    so run its code here and make each exercise compute its answer, for its own seed
    and for other seeds a reader may try, and accept it; a wrong answer gets a hint.
    The widgets' exercises (converted chapters) must also pass the giveaway rule."""
    import matplotlib

    matplotlib.use("Agg")
    from widgets.exercise_widget import ExerciseWidget
    from widgets.exercises import giveaways
    from widgets.quiz import Exercise

    namespace = {"__name__": "__main__"}
    for code in code_of(load(path)):
        exec(compile(code, str(path), "exec"), namespace)  # noqa: S102 - the book's own code
    shown = [v for v in namespace.values() if isinstance(v, (Exercise, ExerciseWidget))]
    exercises = [v.exercise if isinstance(v, ExerciseWidget) else v for v in shown]
    assert len(exercises) >= 3
    for ex in exercises:
        for other in [ex, *(ex.with_seed(s) for s in OTHER_SEEDS)]:
            answer = other.answer
            assert other.check(answer).correct is True, f"{other.title} seed {other.seed}"
            assert other.text and "{" not in other.text, f"{other.title}: unformatted question"
        wrong = _wrong_for(ex)
        if wrong is not None:
            feedback = ex.check(wrong)
            assert feedback.correct is False and "Hint:" in repr(feedback)
    if path.stem in CONVERTED:
        problems = [why for v in shown for why in giveaways(v.exercise)]
        assert problems == []
    capsys.readouterr()


def _figure_cells(nb: dict) -> list[tuple[int, dict]]:
    """The code cells whose stored outputs include a picture (a matplotlib figure)."""
    return [
        (i, cell)
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        and any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
    ]


def _alt_of(cell) -> str | None:
    """A figure cell's alt text: the picture's own (output metadata, as a figure shown
    with its alt text carries it), else the cell's metadata "alt"; the site uses either."""
    for out in cell.get("outputs", []):
        own = (out.get("metadata", {}).get("image/png") or {}).get("alt")
        if own:
            return own
    return cell.get("metadata", {}).get("alt")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_chapter_that_describes_its_figures_describes_every_one(path):
    """A chapter whose author started writing alt text must give it to every figure, in
    words, not a stub."""
    figures = _figure_cells(load(path))
    described = [i for i, cell in figures if _alt_of(cell)]
    if not described:
        return
    missing = [i for i, cell in figures if i not in described]
    assert missing == [], f"figure cells without alt text: {missing}"
    for i, cell in figures:
        alt = _alt_of(cell)
        assert isinstance(alt, str) and len(alt.split()) >= 12, f"cell {i}: alt text too thin"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_skip_markers_are_rare_and_explained(path):
    for i, code in enumerate(code_of(load(path))):
        for line in code.splitlines():
            if re.match(r"\s*#\s*NBVAL_(SKIP|IGNORE_OUTPUT)", line):
                why = line.split("NBVAL_", 1)[1].split(None, 1)
                assert len(why) == 2 and len(why[1]) > 10, f"cell {i}: marker without a reason"
    # the same markers as cell tags (nbval-skip, nbval-ignore-output): a comment in the
    # cell names the tag and says why
    for i, cell in enumerate(load(path)["cells"]):
        tags = {t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("nbval-")}
        for tag in tags & {"nbval-skip", "nbval-ignore-output"}:
            said = [ln for ln in source(cell).splitlines() if ln.lstrip().startswith("#")]
            assert any(tag in ln for ln in said), f"cell {i}: tag {tag} and no comment naming it"
            assert len(" ".join(said)) > len(tag) + 30, f"cell {i}: tag {tag} without a reason"


# -- the checkers themselves must catch what they are for ------------------------------


def test_the_name_checker_catches_missing_names():
    cells = [
        "import pagemig\nfrom pagemig import Kernel, NoSuchThing\n",
        "pagemig.no_such_function()\nKernel.no_such_method\n",
        "k = Kernel()\nk.start_migrate_pages\nk.trace\nk.vmstat\nk.no_such_attr\n",
        "p = k.spawn()\np.mmap\np.no_such_syscall\nf = lambda p: p.sharers\n",
        "from pagemig.scenarios import build_scenario\nsc = build_scenario()\nsc.kernel\nsc.nope\n"
        "k2, q = sc.kernel, sc.processes[0]\nk2.runn()\nsc.kernel.trace.to_frame\nsc.kernel.stepp\n",
        "from pagemig.scenarios import build_scenario, nothing_here\n",
        "import pagemig.nosuchmodule\n",
    ]
    problems = "\n".join(missing_names(cells))
    for name in (
        "NoSuchThing",
        "no_such_function",
        "no_such_method",
        "no_such_attr",
        "no_such_syscall",
        "sc.nope",
        "k2.runn",
        "sc.kernel.stepp",
    ):
        assert name in problems
    assert "nothing_here" in problems and "nosuchmodule" in problems
    for fine in (
        "start_migrate_pages",
        "k.trace:",
        "k.vmstat",
        "build_scenario,",
        "p.mmap",
        "sharers",
        "sc.kernel:",
        "to_frame",
    ):
        assert fine not in problems


def test_the_name_checker_accepts_real_names():
    cells = [
        "from pagemig import Kernel, PAGE_SIZE, status_name\nimport pagemig.scenarios as s\n",
        "k = Kernel(nodes=2)\nk.trace.to_frame\nk.move_pages\ns.build_scenario\n",
        "%matplotlib inline\nfrom widgets.quiz import Exercise\nExercise.check\n",
    ]
    assert missing_names(cells) == []


def test_the_link_checker_catches_broken_links(tmp_path):
    (tmp_path / "a.ipynb").write_text(
        json.dumps(
            {"cells": [{"cell_type": "markdown", "source": "## The `first` part\n<a id='x'></a>"}]}
        )
    )
    md = (
        "[ok](a.ipynb) [ok](a.ipynb#The-first-part) [ok](a.ipynb#x) [ok](#Here) "
        "[ok](https://example.org/nowhere) [bad](b.ipynb) [bad](a.ipynb#nope) [bad](#There)"
        "\n# Here"
    )
    nb = {"cells": [{"cell_type": "markdown", "source": md}]}
    problems = broken_links(tmp_path / "c.ipynb", nb)
    assert len(problems) == 3, problems
    assert any("b.ipynb" in p for p in problems)
    assert any("nope" in p for p in problems)
    assert any("There" in p for p in problems)
