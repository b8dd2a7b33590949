"""E-coverage: every section-E behaviour of kernel-facts.md that the engine models is
shown by a cell of the book (issue 10's "done when").

The table of the 37 behaviours is docs/e-behaviours.toml: modelled or not (with the
reason, and where the engine refuses it the call that must raise NotModelled), and the
engine tests that hold the engine to each. A notebook shows a behaviour by a cell tag
``shows-E<n>`` on the CODE cell whose output shows it (a cell may carry several).

``python tests/test_ecoverage.py`` prints the coverage table (E number -> cells).
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "e-behaviours.toml"
BOOK = ROOT / "notebooks"
TESTS = ROOT / "tests"
NUMBERS = range(1, 38)  # kernel-facts.md section E numbers its behaviours 1..37
TAG = re.compile(r"^shows-e(.*)$", re.I)  # any spelling, so that "shows-e6" is caught too


def load_table(path: Path = TABLE) -> dict[int, dict]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    table = {}
    for key, entry in raw.items():
        m = re.fullmatch(r"E(\d+)", key)
        if not m:
            raise ValueError(f"{path.name}: {key!r} is not an E number")
        table[int(m.group(1))] = entry
    return table


def table_problems(table: dict[int, dict], tests_dir: Path = TESTS) -> list[str]:
    """What is wrong with the table itself: missing or extra numbers, a modelled
    behaviour without an existing engine test, a behaviour not modelled without a
    reason, or whose ``refuses`` call does not raise NotModelled."""
    problems = []
    missing = sorted(set(NUMBERS) - set(table))
    extra = sorted(set(table) - set(NUMBERS))
    if missing:
        problems.append(f"no entry for E{', E'.join(map(str, missing))}")
    if extra:
        problems.append(f"E{', E'.join(map(str, extra))}: section E has no such behaviour")
    defined: dict[str, set[str]] = {}
    for n, entry in sorted(table.items()):
        if not str(entry.get("title", "")).strip():
            problems.append(f"E{n}: no title")
        modelled = entry.get("modelled")
        if not isinstance(modelled, bool):
            problems.append(f"E{n}: modelled must be true or false")
            continue
        if modelled:
            tests = entry.get("engine_tests") or []
            if not tests:
                problems.append(f"E{n}: modelled, but no engine test named")
            for spec in tests:
                file, _, name = spec.partition("::")
                if file not in defined:
                    path = tests_dir / file
                    defined[file] = (
                        {
                            node.name
                            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                            if isinstance(node, ast.FunctionDef)
                        }
                        if path.exists()
                        else set()
                    )
                if name not in defined[file]:
                    problems.append(f"E{n}: engine test {spec} does not exist")
        else:
            if not str(entry.get("reason", "")).strip():
                problems.append(f"E{n}: not modelled, and no reason given")
            call = entry.get("refuses")
            if call:
                problems += _refusal_problem(n, call)
    return problems


def _refusal_problem(n: int, call: str) -> list[str]:
    """[] if ``call`` (with ``k = Kernel()``) raises NotModelled, else why not."""
    from pagemig import Kernel, NotModelled

    try:
        eval(call, {"k": Kernel(), "Kernel": Kernel})  # noqa: S307 - the table's own code
    except NotModelled:
        return []
    except Exception as exc:  # noqa: BLE001 - any other outcome is the problem reported
        return [f"E{n}: {call} raised {type(exc).__name__}, not NotModelled"]
    return [f"E{n}: {call} ran: the engine does model it"]


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def shown(notebooks) -> tuple[dict[int, list[str]], list[str]]:
    """(E number -> the cells that show it, "NN-name#cell i"), and the bad tags: a tag
    naming no section-E number, on a cell that is not code or that has no output."""
    cover: dict[int, list[str]] = {}
    problems = []
    for path in notebooks:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            for tag in cell.get("metadata", {}).get("tags", []):
                m = TAG.match(tag)
                if not m:
                    continue
                where = f"{Path(path).stem}#cell {i}"
                if (
                    not tag.startswith("shows-E")
                    or not re.fullmatch(r"[1-9]\d*", m.group(1))
                    or int(m.group(1)) not in NUMBERS
                ):
                    problems.append(f"{where}: {tag!r} names no section-E behaviour (E1-E37)")
                    continue
                if cell["cell_type"] != "code":
                    problems.append(f"{where}: {tag} is on a {cell['cell_type']} cell")
                    continue
                if not cell.get("outputs"):
                    problems.append(f"{where}: {tag} is on a code cell with no output")
                    continue
                cover.setdefault(int(m.group(1)), []).append(where)
    return cover, problems


def uncovered(table: dict[int, dict], cover: dict[int, list[str]]) -> list[str]:
    """The modelled behaviours no cell shows, and the behaviours a cell claims to show
    although the table says the engine does not model them."""
    problems = [
        f"E{n} ({e['title']}) is modelled, but no cell shows it (tag one shows-E{n})"
        for n, e in sorted(table.items())
        if e.get("modelled") and not cover.get(n)
    ]
    problems += [
        f"E{n} is not modelled, yet {', '.join(cover[n])} claim(s) to show it"
        for n, e in sorted(table.items())
        if not e.get("modelled") and cover.get(n)
    ]
    return problems


NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


# -- the tests ---------------------------------------------------------------------------


def test_the_table_lists_each_behaviour_once_and_backs_each_claim():
    assert table_problems(load_table()) == []


def test_every_tag_names_a_behaviour_on_a_code_cell_with_output():
    _, problems = shown(NOTEBOOKS)
    assert problems == []


def test_every_modelled_behaviour_is_shown_by_a_cell():
    cover, _ = shown(NOTEBOOKS)
    assert uncovered(load_table(), cover) == []


# -- the checkers must catch what they are for -------------------------------------------


def _nb(tmp_path, name, cells):
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}}))
    return path


def _code(tags, outputs=True):
    out = [{"output_type": "stream", "name": "stdout", "text": "x"}] if outputs else []
    return {"cell_type": "code", "metadata": {"tags": tags}, "source": "1", "outputs": out}


def test_the_tag_checker_catches_bad_tags(tmp_path):
    good = _nb(tmp_path, "01-a", [_code(["shows-E6", "other-tag"]), _code(["shows-E8"])])
    bad = _nb(
        tmp_path,
        "02-b",
        [
            _code(["shows-E38"]),
            _code(["shows-E0"]),
            _code(["shows-Efour"]),
            _code(["shows-e12", "Shows-E12"]),
            _code(["shows-E11"], outputs=False),
            {"cell_type": "markdown", "metadata": {"tags": ["shows-E16"]}, "source": "E16"},
        ],
    )
    cover, problems = shown([good, bad])
    assert cover == {6: ["01-a#cell 0"], 8: ["01-a#cell 1"]}
    assert len(problems) == 7, problems
    for what in ("shows-E38", "shows-E0", "shows-Efour", "shows-e12", "Shows-E12", "no output"):
        assert any(what in p for p in problems), what
    assert any("markdown cell" in p for p in problems)


def test_the_coverage_checker_fails_on_an_unshown_behaviour(tmp_path):
    table = load_table()
    everything = _nb(tmp_path, "01-all", [_code([f"shows-E{n}" for n in NUMBERS])])
    cover, _ = shown([everything])
    assert uncovered(table, cover) == []
    del cover[17]
    assert [p.split(" ")[0] for p in uncovered(table, cover)] == ["E17"]
    # a behaviour the table calls not modelled may not be claimed shown
    table[17] = {"title": "t", "modelled": False, "reason": "r"}
    cover[17] = ["01-all#cell 0"]
    assert uncovered(table, cover) == ["E17 is not modelled, yet 01-all#cell 0 claim(s) to show it"]


def test_the_table_checker_catches_unbacked_claims():
    table = load_table()
    table[3] = dict(table[3], engine_tests=["test_migration.py::test_no_such_test"])
    table[4] = {"title": "t", "modelled": False}
    table[5] = {"title": "t", "modelled": False, "reason": "r", "refuses": "k.spawn()"}
    table[6] = {
        "title": "t",
        "modelled": False,
        "reason": "r",
        "refuses": "k.spawn().mmap(1, hugetlb=True)",  # refused: a real refusal passes
    }
    table[8] = {"title": "t", "modelled": False, "reason": "r", "refuses": "k.spawn().mmap(0)"}
    del table[7]
    table[40] = {"title": "t", "modelled": True, "engine_tests": []}
    problems = table_problems(table)
    expected = [
        "no entry for E7",
        "E40: section E has no such behaviour",
        "E3: engine test test_migration.py::test_no_such_test does not exist",
        "E4: not modelled, and no reason given",
        "E5: k.spawn() ran: the engine does model it",
        "E8: k.spawn().mmap(0) raised InvalidArgument, not NotModelled",
        "E40: modelled, but no engine test named",
    ]
    assert problems == expected


def coverage_table() -> str:
    """The E-coverage table as markdown: E number, title, modelled, the cells showing it."""
    table = load_table()
    cover, _ = shown(NOTEBOOKS)
    rows = ["| E | behaviour | modelled | shown in |", "|---|---|---|---|"]
    for n, e in sorted(table.items()):
        where = "; ".join(cover.get(n, [])) or "-"
        rows.append(f"| E{n} | {e['title']} | {'yes' if e['modelled'] else 'no'} | {where} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(print(coverage_table()))
