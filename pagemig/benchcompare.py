"""``pagemig bench --before REV``: the bench's figures for another revision and for
this tree, measured in one run, side by side.

Not a kernel file. Figures measured in separate runs are not comparable on a shared
machine: another program's load moves them by a factor of two. Here each figure is
measured for the revision ``REV`` (extracted with ``git archive`` into a temporary
directory, nothing checked out) and for this tree alternately, in fresh child
interpreters, ``repeats`` times each, and the medians are printed next to each other
with their ratio and the target.

Each child runs one *probe*: an expression over this tree's ``pagemig/bench.py``, loaded
as a module of the other tree's ``pagemig`` package (``PYTHONPATH`` points at that tree,
for the child and for every process it starts: callgrind's, the sweep's workers). So
both sides are measured by the same code, through the engine's public API (``Kernel``,
``spawn``, ``mmap``, ``write``, ``migrate_pages``, ``check``, ``experiments.sweep``,
``widgets.lab.MigrationLab``). A probe that the other revision cannot run (a million
frames where ``MAX_FRAMES`` was 256k) prints why, and the others go on.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent  # this tree's pagemig package
ROOT = HERE.parent

_PROBE_CHILD = """
import importlib.util, json, sys, traceback
tree, source, expr = sys.argv[1:4]
sys.path.insert(0, tree)
import pagemig
spec = importlib.util.spec_from_file_location("pagemig._bench_probe", source)
bench = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = bench
spec.loader.exec_module(bench)
if not pagemig.__file__.startswith(tree):
    raise SystemExit("the probe imported pagemig from " + pagemig.__file__)
try:
    value = eval(expr, {"bench": bench})
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
else:
    print(json.dumps({"value": value}))
"""


@dataclass(frozen=True)
class Probe:
    """One figure: ``expr`` (over ``bench``) gives a number or a dict of numbers;
    ``rows`` turns that into printed rows (label, value, unit, target text, better)."""

    name: str
    expr: str
    rows: object  # callable(value) -> list[tuple[str, float, str, str, str]]
    deterministic: bool = False  # an instruction count: measured once
    timeout: float | None = None  # seconds a child may take (default PROBE_TIMEOUT)


def _one(label, unit, target="", better="lower"):
    return lambda v: [(label, v, unit, target, better)]


def probes(quick: bool = False) -> list[Probe]:
    """The figures of issue 17, at the bench's full sizes (small ones with ``quick``)."""
    from . import bench as b

    pages = 300 if quick else 3000
    one_call = 2_000 if quick else 20_000
    sizes = (1_000,) if quick else (1_000, 10_000, 100_000, 1_000_000)
    vmas = 100 if quick else 10_000
    migrations = 20 if quick else 1000
    sweep = 5_000 if quick else 100_000
    lab_pages, toggles = (16, 3) if quick else (256, 20)
    out = []
    if not quick and b.valgrind() is not None:
        for trace, target in ((False, b.TARGET_INSNS_UNTRACED), (True, b.TARGET_INSNS_TRACED)):
            name = "traced" if trace else "untraced"
            out.append(
                Probe(
                    f"insns_{name}",
                    f"bench.instructions_per_page({trace}, 1000)",
                    _one(f"(i) instructions per migrated page, {name}", "", f"<= {target:,}"),
                    deterministic=True,
                )
            )
        out.append(
            Probe(
                "toggle_insns",
                "bench.control_redraw_instructions(256)",
                _one("(w) instructions per dirty toggle -> PNG (256 pages)", "", "not worse"),
                deterministic=True,
            )
        )
    out += [
        Probe(
            "rate_untraced",
            f"bench.migration_rate(False, {pages})",
            _one("(a) pages/s, batches of 100, untraced", "/s", better="higher"),
        ),
        Probe(
            "rate_traced",
            f"bench.migration_rate(True, {pages})",
            _one("(a) pages/s, batches of 100, traced", "/s", better="higher"),
        ),
        Probe(
            "one_call",
            f"(lambda r: r[0] / r[1])(bench.batch_against_one_call({one_call}))",
            _one(f"(a) one call / batches, {one_call:,} pages", "x", f"<= {b.TARGET_ONE_CALL:g}x"),
        ),
    ]
    for n in sizes:
        target = f"<= {b.TARGET_CHECK_1M:g} s" if n == 1_000_000 else ""
        out.append(
            Probe(
                f"size_{n}",
                f"bench.one_call_rate({n})",
                lambda v, n=n, target=target: [
                    (f"(a) {n:,} pages in one call", v[0], "/s", "", "higher"),
                    (f"(a) check() at {n:,} pages", v[1], "s", target, "lower"),
                ],
                # a linear engine does a million in about a minute; a quadratic one, hours
                timeout=300 if n >= 1_000_000 else None,
            )
        )
    out += [
        Probe(
            "bytes",
            f"bench.bytes_per_page({300 if quick else 2000})",
            lambda v: [
                (
                    "(m) bytes kept per page written, untraced",
                    v["write_untraced"],
                    "B",
                    "",
                    "lower",
                ),
                (
                    "(m) trace bytes per page written",
                    v["trace_write"],
                    "B",
                    f"<= {b.TARGET_TRACE_BYTES:,}",
                    "lower",
                ),
                ("(m) trace bytes per page read", v["trace_read"], "B", "", "lower"),
            ],
        ),
        Probe(
            "rmap",
            f"(lambda c: (c[0][1] / c[0][0], c[1][1] / c[1][0]))("
            f"bench.rmap_costs(bench.file_machine({vmas}), {migrations}, 200, 3))",
            lambda v: [
                (
                    f"(b) scan / prio tree at {vmas:,} VMAs, whole migration",
                    v[0],
                    "x",
                    f">= {b.TARGET_SPEEDUP:g}x",
                    "higher",
                ),
                (f"(b) scan / prio tree at {vmas:,} VMAs, walk alone", v[1], "x", "", "higher"),
            ],
        ),
        Probe(
            "sweep",
            f"bench.sweep_time({sweep})[:2]",
            lambda v: [
                (f"(c) sweep of {sweep:,} migrations, wall", v[0], "s", "<= 2 s", "lower"),
                (f"(c) sweep of {sweep:,} migrations, CPU", v[1], "s", "", "lower"),
            ],
        ),
        Probe(
            "toggle",
            f"bench.control_redraw({lab_pages}, {toggles})",
            lambda v: [
                (f"(w) dirty toggle -> PNG ({lab_pages} pages), CPU", v["cpu"], "s", "", "lower"),
                (f"(w) dirty toggle -> PNG ({lab_pages} pages), wall", v["wall"], "s", "", "lower"),
            ],
        ),
    ]
    return out


def extract(rev: str, dest: Path, repo: Path = ROOT) -> str:
    """``git archive`` revision ``rev`` of ``repo`` into ``dest``; returns its short hash.
    Raises ValueError with git's words when ``rev`` is not a revision there."""
    git = shutil.which("git")
    if git is None:
        raise ValueError("--before needs git, which is not installed")
    found = subprocess.run(
        [git, "-C", str(repo), "rev-parse", "--short", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise ValueError(f"--before {rev}: not a revision of {repo} ({found.stderr.strip()})")
    short = found.stdout.strip()
    archive = subprocess.run(
        [git, "-C", str(repo), "archive", "--format=tar", short], capture_output=True
    )
    if archive.returncode != 0:
        raise ValueError(f"git archive {short} failed: {archive.stderr.decode()[-300:]}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    if not (dest / "pagemig" / "__init__.py").exists():
        raise ValueError(f"revision {short} has no pagemig package")
    return short


PROBE_TIMEOUT = 900  # seconds a child may take: 2006-era quadratic paths at 1M pages take hours


def run_probe(tree: Path, expr: str, timeout: float = PROBE_TIMEOUT) -> dict:
    """Evaluate ``expr`` (over ``bench``) in a child interpreter that imports ``pagemig``
    (and ``widgets``) from ``tree``: {"value": ...} or {"error": "..."}."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
    cmd = [sys.executable, "-c", _PROBE_CHILD, str(tree), str(HERE / "bench.py"), expr]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=tree, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode < 0:
        return {"error": f"the child was killed by signal {-done.returncode}"}
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def _median(values):
    first = values[0]
    if isinstance(first, dict):
        return {k: statistics.median(v[k] for v in values) for k in first}
    if isinstance(first, list | tuple):
        return [statistics.median(v[i] for v in values) for i in range(len(first))]
    if not isinstance(first, int | float):  # not a figure (a path, a name): as it came
        return first if all(v == first for v in values) else values
    return statistics.median(values)


def _measure(probe: Probe, trees: dict, repeats: int) -> dict:
    """{side: median value or {"error": ...}}, the sides measured in turn (before,
    after, after, before, ...) so that a change in the machine's load falls on both."""
    n = 1 if probe.deterministic else repeats
    got = {side: [] for side in trees}
    sides = list(trees)
    for r in range(n):
        for side in sides if r % 2 == 0 else sides[::-1]:
            if any("error" in g for g in got[side]):
                continue  # it failed once: the reason is known, a repeat would only cost
            kw = {} if probe.timeout is None else {"timeout": probe.timeout}
            got[side].append(run_probe(trees[side], probe.expr, **kw))
    out = {}
    for side, results in got.items():
        errors = [g["error"] for g in results if "error" in g]
        out[side] = {"error": errors[0]} if errors else _median([g["value"] for g in results])
    return out


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"
    if unit == "x":
        return f"{value:,.2f}x"
    if unit == "B":
        return f"{value:,.0f} B"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:,.0f}"


def compare(
    rev: str, quick: bool = False, repeats: int = 3, out=print, probe_list=None, repo=ROOT
) -> dict:
    """Measure every probe for revision ``rev`` of ``repo`` (this tree's repository by
    default) and for this tree, in one run, and print a table: figure, before, after,
    after/before, better/same/worse, target. Returns {probe: {side: value}}."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pagemig-before-") as tmp:
        short = extract(rev, Path(tmp), Path(repo))
        trees = {"before": Path(tmp), "after": ROOT}
        todo = probe_list if probe_list is not None else probes(quick)
        out(
            f"pagemig bench --before {rev} ({short}): {len(todo)} figures, each measured for "
            f"{short} and for this tree in turn, {repeats} time(s) (instruction counts once), "
            "medians; timings in CPU time unless marked wall"
        )
        if quick:
            out("--quick: small sizes, indicative only")
        header = f"  {'figure':<58} {'before':>14} {'after':>14} {'after/before':>12}  after is"
        out(header)
        res = {}
        for probe in todo:
            m = _measure(probe, trees, repeats)
            res[probe.name] = m
            if all(_failed(v) for v in m.values()):
                out(f"  {probe.name:<58} fails on both sides: {m['after']['error']}")
                continue
            rows = {side: None if _failed(v) else probe.rows(v) for side, v in m.items()}
            for i, (label, _v, unit, target, better) in enumerate(rows["after"] or rows["before"]):
                before, after = (None if r is None else r[i][1] for r in rows.values())
                out(_row(label, before, after, unit, target, better))
            for side in ("before", "after"):
                if _failed(m[side]):
                    out(
                        f"  {'':<4}{side} ({short if side == 'before' else 'this tree'}) "
                        f"could not run it: {m[side]['error']}"
                    )
        out(f"bench --before took {time.perf_counter() - t0:.0f} s")
    return res


def _row(label, before, after, unit, target, better) -> str:
    """One printed row; ``before``/``after`` are None where that side failed."""
    cells = "".join(f" {'fails' if c is None else _fmt(c, unit):>14}" for c in (before, after))
    ratio, verdict = "", ""
    if before and after is not None:
        ratio = f"{after / before:.2f}x"
        verdict = _verdict(after / before, better)
    line = f"  {label:<58}{cells} {ratio:>12}  {verdict:<7}"
    return line + (f" target {target}" if target else "")


SAME = 0.03  # a ratio within 3% of 1 is "same": below what repeats here resolve


def _verdict(ratio: float, better: str) -> str:
    if abs(ratio - 1) <= SAME:
        return "same"
    return "better" if (ratio < 1) == (better == "lower") else "worse"


def _failed(v) -> bool:
    return isinstance(v, dict) and "error" in v
