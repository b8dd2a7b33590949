"""``pagemig bench``: how fast the simulator migrates pages, printed next to its targets.

Not a kernel file. The figures (medians over repeats where timed):

(i) instructions per migrated anonymous page, untraced and traced, counted by
    callgrind (``valgrind --tool=callgrind``) when valgrind is installed: the
    figure that does not move with the machine's load. Each is the difference
    between two runs in a child interpreter, one that builds the machine and
    migrates its pages in batches of 100 and one that only builds it, over the
    number of pages;
(a) page migrations per second, untraced and traced: anonymous pages moved in
    batches of 100 through ``Kernel.migrate_pages`` (setup not timed); one call on
    20,000 pages against the same pages in batches of 100; pages/s of one call
    at 1k, 10k, 100k and 1M pages, and ``check()`` at those sizes;
(m) bytes per page: what a machine keeps per page written, untraced and traced,
    and what the trace alone keeps for a write and for a read;
(b) the cost of one migration of a file page as the number of VMAs mapping the
    file grows from 10 to 10,000, each page mapped by a few (``SHARERS``) of
    them, with the file rmap walking the prio tree (``PrioTree.query``) and
    walking every VMA (``PrioTree.scan``; ``Kernel.i_mmap_walk = "scan"``): the
    least of the repeats (``rmap_costs``), not their median;
(c) the wall time of an ``experiments.sweep`` of 100,000 page migrations on
    the default executor (a local process pool).

Each section is one function of ``SECTIONS`` taking ``(ctx, out)``; a new
figure is one more function and one more entry there.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from contextlib import contextmanager

from .constants import PAGE_SIZE
from .kernel import Kernel

TARGET_RATE = 100_000  # untraced migrations per second
TARGET_INSNS_UNTRACED = 130_000  # instructions per migrated anonymous page, at most
TARGET_INSNS_TRACED = 330_000
TARGET_ONE_CALL = 2.0  # cost per page of one call on 20,000 pages / in batches of 100, at most
TARGET_TRACE_BYTES = 4096  # bytes the trace keeps per page written or read, at most
TARGET_CHECK_1M = 0.3  # seconds for check() at a million anonymous pages, at most
TARGET_GROWTH = 2.0  # cost at 10,000 VMAs / cost at 10, at most
TARGET_SPEEDUP = 20.0  # scan / prio tree at 10,000 VMAs, at least
TARGET_SWEEP = 2.0  # seconds for a sweep of 100,000 page migrations
FULL_RUN = "about 5 minutes"  # on the 2-CPU machine the targets were set on
QUICK_RUN = "about 30 seconds"
SHARERS = 3  # VMAs that map each file page
VMA_PAGES = 4  # pages per VMA
VMAS_PER_PROCESS = 100


def _cpu() -> float:
    """This process's CPU time: (a) and (b) are timed with it, so that other programs
    sharing the machine do not count against the simulator."""
    return time.process_time()


@contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while timing, as timeit does."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def migration_rate(trace: bool, pages: int = 2000, batch: int = 100) -> float:
    """Anonymous page migrations per second through Kernel.migrate_pages (one run)."""
    k = Kernel(nodes=2, frames_per_node=pages + 8, trace=trace)
    p = k.spawn()
    v = p.mmap(pages)
    p.write(v.start, b"x" * (pages * PAGE_SIZE))
    todo = [p.page_at(v.start + i * PAGE_SIZE) for i in range(pages)]
    with _no_gc():
        t0 = _cpu()
        for i in range(0, pages, batch):
            rc = k.migrate_pages(todo[i : i + batch], 1)
            if rc != 0:
                raise RuntimeError(f"bench: migrate_pages returned {rc}")
        dt = _cpu() - t0
    return pages / dt


def file_machine(vmas: int) -> tuple[Kernel, object, int]:
    """A file mapped by ``vmas`` linear VMAs of VMA_PAGES pages, staggered so that
    each page is mapped by about SHARERS of them, in processes of up to
    VMAS_PER_PROCESS VMAs. Returns the kernel, the file and the index of the page
    to migrate, which every VMA covering it has faulted in."""
    step = VMA_PAGES / SHARERS
    offsets = [int(i * step) for i in range(vmas)]
    npages = offsets[-1] + VMA_PAGES
    k = Kernel(nodes=2, frames_per_node=64, trace=False)
    f = k.create_file("shared.bin", npages)
    index = npages // 2
    proc = None
    for i, pgoff in enumerate(offsets):
        if i % VMAS_PER_PROCESS == 0:
            proc = k.spawn()
        v = proc.mmap(VMA_PAGES, file=f, offset=pgoff * PAGE_SIZE, shared=True)
        if pgoff <= index < pgoff + VMA_PAGES:
            proc.read(v.start + (index - pgoff) * PAGE_SIZE, 1)
    return k, f, index


def file_migration_cost(machine, walk: str, migrations: int = 50) -> float:
    """Seconds per migration of the page under study of ``machine`` (from
    file_machine), with the file rmap walk ``walk`` ("prio-tree" or "scan"); the
    page moves back and forth between nodes 0 and 1."""
    k, f, index = machine
    k.i_mmap_walk = walk
    page = f.mapping.page_tree[index]
    mapped = page.mapcount
    k.migrate_pages([page], 1)  # warm up (builds the index once)
    with _no_gc():
        t0 = _cpu()
        for i in range(migrations):
            page = f.mapping.page_tree[index]
            rc = k.migrate_pages([page], i % 2)
            if rc != 0:
                raise RuntimeError(f"bench: migrate_pages returned {rc}")
        dt = _cpu() - t0
    k.i_mmap_walk = "prio-tree"
    if f.mapping.page_tree[index].mapcount != mapped:
        raise RuntimeError("bench: the page lost mappings while migrating")
    return dt / migrations


def walk_cost(machine, walk: str, repeats: int = 200) -> float:
    """Seconds for the rmap walk alone: the linear VMAs that map the page under
    study of ``machine``, from PrioTree.query ("prio-tree") or PrioTree.scan ("scan")."""
    k, f, index = machine
    tree = f.mapping.i_mmap
    fn = tree.scan if walk == "scan" else tree.query
    want = len(tree.query(index))
    with _no_gc():
        t0 = _cpu()
        for _ in range(repeats):
            got = fn(index)
        dt = _cpu() - t0
    if len(got) != want:
        raise RuntimeError("bench: the scan and the index disagree")
    return dt / repeats


def rmap_costs(machine, migrations: int = 1000, walks: int = 200, repeats: int = 3):
    """((prio tree, scan) seconds per migration, (prio tree, scan) seconds per rmap walk)
    of ``machine`` (from file_machine), each the least of ``repeats`` runs taken in turn.
    The least, as timeit advises: a few milliseconds of work, which another program or an
    interrupt only ever slows (medians swung the whole-migration ratio from 16x to 27x)."""
    runs = {key: [] for key in ("tree", "scan", "wtree", "wscan")}
    for _ in range(repeats):
        runs["tree"].append(file_migration_cost(machine, "prio-tree", migrations))
        runs["scan"].append(file_migration_cost(machine, "scan", max(20, migrations // 10)))
        runs["wtree"].append(walk_cost(machine, "prio-tree", walks))
        runs["wscan"].append(walk_cost(machine, "scan", walks))
    best = {key: min(v) for key, v in runs.items()}
    return (best["tree"], best["scan"]), (best["wtree"], best["wscan"])


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its reaped children (the pool's workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def sweep_time(migrations: int) -> tuple[float, float, int, int]:
    """A sweep whose trials migrate ``migrations`` pages in all (100 pages a trial,
    nothing pinned so every page moves), on the default executor: (wall seconds,
    CPU seconds of this process and its workers, pages attempted, pages migrated)."""
    from .experiments import sweep

    pages = 100
    trials = max(1, migrations // pages)
    c0 = _cpu_with_children()
    t0 = time.perf_counter()
    df = sweep(
        "pinned_fraction", [0.0], trials=trials, pages=pages, mappings=("anonymous",), seed=0
    )
    dt = time.perf_counter() - t0
    cpu = _cpu_with_children() - c0
    return dt, cpu, int(df["pages"].sum()), int(df["successes"].sum())


def _median(fn, repeats: int):
    return statistics.median(fn() for _ in range(repeats))


# -- (i) instructions per page, from callgrind ----------------------------------------
_CHILD = """
import gc, sys
gc.disable()
from pagemig import Kernel
from pagemig.constants import PAGE_SIZE
pages, trace, migrate = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1"
k = Kernel(nodes=2, frames_per_node=pages + 8, trace=trace)
p = k.spawn()
v = p.mmap(pages)
p.write(v.start, b"x" * (pages * PAGE_SIZE))
todo = [p.page_at(v.start + i * PAGE_SIZE) for i in range(pages)]
if migrate:
    for i in range(0, pages, 100):
        if k.migrate_pages(todo[i : i + 100], 1) != 0:
            raise SystemExit("migrate_pages failed")
"""


def valgrind() -> str | None:
    """The valgrind executable, or None if it is not installed."""
    import shutil

    return shutil.which("valgrind")


def _callgrind_total(pages: int, trace: bool, migrate: bool) -> int:
    return _callgrind_run(
        ["-c", _CHILD, str(pages), "1" if trace else "0", "1" if migrate else "0"]
    )


def _callgrind_run(args: list[str]) -> int:
    """Instructions callgrind counts for ``python ARGS`` (the whole run)."""
    import re
    import subprocess
    import sys

    cmd = [valgrind(), "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    cmd += args
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    m = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode != 0 or m is None:
        raise RuntimeError(f"bench: callgrind failed: {done.stderr[-500:]}")
    return int(m.group(1))


def instructions_per_page(trace: bool, pages: int = 1000) -> float:
    """Instructions per migrated anonymous page (batches of 100), counted by callgrind:
    (build + migrate) - (build only), over ``pages``. Deterministic up to a few tenths
    of a percent, whatever else the machine is doing."""
    return (_callgrind_total(pages, trace, True) - _callgrind_total(pages, trace, False)) / pages


# -- (a) sizes: one call at 1k ... 1M pages, and check() --------------------------------
def anon_machine(pages: int, trace: bool = False):
    """A process with ``pages`` anonymous pages faulted in (written with zeros a chunk
    at a time, 1 MiB per write: a read would only map the shared zero page), on node 0
    of a 2-node machine with room for all of them on node 1. Returns (kernel, pages)."""
    k = Kernel(nodes=2, frames_per_node=pages + 8, trace=trace)
    p = k.spawn()
    v = p.mmap(pages)
    chunk = 256
    for i in range(0, pages, chunk):
        p.write(v.start + i * PAGE_SIZE, bytes(min(chunk, pages - i) * PAGE_SIZE))
    return k, [p.page_at(v.start + i * PAGE_SIZE) for i in range(pages)]


def one_call_rate(pages: int) -> tuple[float, float]:
    """(pages/s of one untraced migrate_pages call on ``pages`` anonymous pages,
    seconds of one check() of the machine afterwards), both in CPU time."""
    k, todo = anon_machine(pages)
    with _no_gc():
        t0 = _cpu()
        rc = k.migrate_pages(todo, 1)
        dt = _cpu() - t0
        if rc != 0:
            raise RuntimeError(f"bench: migrate_pages returned {rc}")
        t0 = _cpu()
        k.check()
        dc = _cpu() - t0
    return pages / dt, dc


def batch_against_one_call(pages: int = 20_000, batch: int = 100) -> tuple[float, float]:
    """CPU seconds per page: (one migrate_pages call on ``pages``, the same in batches)."""
    k, todo = anon_machine(pages)
    with _no_gc():
        t0 = _cpu()
        k.migrate_pages(todo, 1)
        one = (_cpu() - t0) / pages
    k, todo = anon_machine(pages)
    with _no_gc():
        t0 = _cpu()
        for i in range(0, pages, batch):
            k.migrate_pages(todo[i : i + batch], 1)
        batched = (_cpu() - t0) / pages
    return one, batched


# -- (m) bytes per page ---------------------------------------------------------------
def _kept(action) -> int:
    """Bytes still allocated after ``action()`` (its return value dropped)."""
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        action()
        gc.collect()
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def bytes_per_page(pages: int = 2000, read_pages: int = 64) -> dict:
    """What a write of ``pages`` full pages keeps per page, untraced and traced, and
    what the trace alone keeps per page for that write and for a read of
    ``read_pages`` pages (the traced figure less the untraced one)."""
    out = {}
    data = b"x" * (pages * PAGE_SIZE)
    for trace in (False, True):
        k = Kernel(nodes=2, frames_per_node=pages + read_pages + 8, trace=trace)
        p = k.spawn()
        v = p.mmap(pages)
        w = p.mmap(read_pages)
        out["write", trace] = _kept(lambda p=p, v=v: p.write(v.start, data)) / pages
        out["read", trace] = (
            _kept(lambda p=p, w=w: p.read(w.start, read_pages * PAGE_SIZE)) / read_pages
        )
    return {
        "write_untraced": out["write", False],
        "write_traced": out["write", True],
        "trace_write": out["write", True] - out["write", False],
        "trace_read": out["read", True] - out["read", False],
    }


# -- (w) a control change on the lab, for --before (widgets imported here only) --------
_TOGGLE_CHILD = """
import gc, sys
gc.disable()
from widgets.lab import MigrationLab
pages, toggles = int(sys.argv[1]), int(sys.argv[2])
lab = MigrationLab(mapping="file linear", pages=pages)
for _ in range(3 + toggles):
    lab.dirty = not lab.dirty
"""


def control_redraw(pages: int = 256, repeat: int = 20, warm: int = 3) -> dict:
    """Medians (seconds) of a toggle of ``dirty`` on ``MigrationLab(mapping="file
    linear", pages=pages)`` at the kit's default resolution, from the change to the PNG
    the page shows (the machine rebuilt from its seed, the migration started, the figure
    redrawn): {"cpu", "wall"}. Only the lab's public traits are used, so that
    ``pagemig bench --before`` measures older kits the same way."""
    from widgets.lab import MigrationLab

    lab = MigrationLab(mapping="file linear", pages=pages)
    for _ in range(warm):
        lab.dirty = not lab.dirty
    cpu, wall = [], []
    with _no_gc():
        for _ in range(repeat):
            c0, t0 = _cpu(), time.perf_counter()
            lab.dirty = not lab.dirty
            cpu.append(_cpu() - c0)
            wall.append(time.perf_counter() - t0)
    return {"cpu": statistics.median(cpu), "wall": statistics.median(wall)}


def control_redraw_instructions(pages: int = 256, toggles: int = 10) -> float:
    """Instructions per dirty toggle of the lab (as ``control_redraw``), counted by
    callgrind: (3 + ``toggles`` toggles) - (3 toggles), over ``toggles`` (an even number:
    as many clean as dirty pictures)."""
    totals = [_callgrind_run(["-c", _TOGGLE_CHILD, str(pages), str(n)]) for n in (toggles, 0)]
    return (totals[0] - totals[1]) / toggles


# -- the report -----------------------------------------------------------------------
def _verdict(ok: bool, quick: bool = False) -> str:
    if quick:
        return "indicative only (--quick)"
    return "meets the target" if ok else "below the target"


def _section_instructions(ctx, out) -> None:
    res = ctx["res"]
    if valgrind() is None:
        out("(i) instructions per migrated page: valgrind is not installed (apt install valgrind)")
        return
    pages = 200 if ctx["quick"] else 1000
    for trace, target in ((False, TARGET_INSNS_UNTRACED), (True, TARGET_INSNS_TRACED)):
        n = instructions_per_page(trace, pages)
        name = "traced" if trace else "untraced"
        res[f"insns_{name}"] = n
        out(
            f"(i) instructions per migrated anonymous page, {name + ':':<9} {n:>9,.0f}"
            f"   target <= {target:,}: {_verdict(n <= target)}"
        )


def _section_rates(ctx, out) -> None:
    res, quick, repeats = ctx["res"], ctx["quick"], ctx["repeats"]
    pages = 300 if quick else 3000
    res["untraced"] = _median(lambda: migration_rate(False, pages), repeats)
    res["traced"] = _median(lambda: migration_rate(True, pages), repeats)
    out(
        f"(a) page migrations per second, untraced: {res['untraced']:>10,.0f}/s"
        f"   target >= {TARGET_RATE:,}/s: {_verdict(res['untraced'] >= TARGET_RATE, quick)}"
    )
    out(f"(a) page migrations per second, traced:   {res['traced']:>10,.0f}/s   (no target)")
    n = 2_000 if quick else 20_000
    one, batched = batch_against_one_call(n)
    res["one_call_ratio"] = one / batched
    out(
        f"(a) one call on {n:,} pages: {one * 1e6:.1f} us/page; in batches of 100: "
        f"{batched * 1e6:.1f} us/page ({one / batched:.2f}x)"
        f"   target <= {TARGET_ONE_CALL:g}x: {_verdict(one / batched <= TARGET_ONE_CALL, quick)}"
    )
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000, 1_000_000)
    res["sizes"] = {}
    for n in sizes:
        rate, chk = one_call_rate(n)
        res["sizes"][n] = (rate, chk)
        line = (
            f"(a) {n:>9,} pages, one untraced call: {rate:>9,.0f} pages/s; "
            f"check() afterwards {chk:7.3f} s"
        )
        if n == 1_000_000:
            line += f"   target <= {TARGET_CHECK_1M:g} s: {_verdict(chk <= TARGET_CHECK_1M, quick)}"
        out(line)


def _section_memory(ctx, out) -> None:
    m = bytes_per_page(300 if ctx["quick"] else 2000)
    ctx["res"]["bytes"] = m
    ok = max(m["trace_write"], m["trace_read"]) <= TARGET_TRACE_BYTES
    out(
        f"(m) a write of full pages keeps {m['write_untraced']:,.0f} bytes/page untraced, "
        f"{m['write_traced']:,.0f} traced (the page and the check's copy of what was "
        "written are 4 KiB each)"
    )
    out(
        f"(m) the trace keeps {m['trace_write']:,.0f} bytes/page for a write, "
        f"{m['trace_read']:,.0f} for a read"
        f"   target <= {TARGET_TRACE_BYTES:,}: {_verdict(ok, ctx['quick'])}"
    )


def _section_rmap(ctx, out) -> None:
    res, quick, repeats = ctx["res"], ctx["quick"], ctx["repeats"]
    migrations, walks_n = (20, 20) if quick else (1000, 200)
    vma_counts = (10, 100, 1000, 10_000)
    out(
        f"(b) one file-page migration, each page mapped by {SHARERS} of N VMAs "
        "(and the rmap walk alone, one lookup):"
    )
    cost, walks = {}, {}
    for n in vma_counts:
        m = file_machine(n)
        (tree, scan), (wtree, wscan) = rmap_costs(m, migrations, walks_n, repeats)
        cost[n] = (tree, scan)
        walks[n] = (wtree, wscan)
        out(
            f"    {n:>6,} VMAs: migration via prio tree {tree * 1e6:7.1f} us, via scan "
            f"{scan * 1e6:7.1f} us ({scan / tree:5.1f}x) | walk: query {wtree * 1e6:6.1f} us, "
            f"scan {wscan * 1e6:7.1f} us ({wscan / wtree:5.1f}x)"
        )
    lo, hi = min(vma_counts), max(vma_counts)
    growth = cost[hi][0] / cost[lo][0]
    speedup = cost[hi][1] / cost[hi][0]
    walk_speedup = walks[hi][1] / walks[hi][0]
    res.update(cost=cost, walks=walks, growth=growth, speedup=speedup, walk_speedup=walk_speedup)
    out(
        f"(b) migration cost at {hi:,} VMAs / at {lo} VMAs (prio tree): {growth:5.2f}x"
        f"   target <= {TARGET_GROWTH:g}x: {_verdict(growth <= TARGET_GROWTH, quick)}"
    )
    out(
        f"(b) scan / prio tree at {hi:,} VMAs, whole migration: {speedup:5.1f}x"
        f"   target >= {TARGET_SPEEDUP:g}x: {_verdict(speedup >= TARGET_SPEEDUP, quick)}"
    )
    out(
        f"(b) scan / prio tree at {hi:,} VMAs, rmap walk alone: {walk_speedup:5.1f}x"
        f"   target >= {TARGET_SPEEDUP:g}x: {_verdict(walk_speedup >= TARGET_SPEEDUP, quick)}"
    )


def _section_sweep(ctx, out) -> None:
    res, quick, repeats = ctx["res"], ctx["quick"], ctx["repeats"]
    cpus = os.cpu_count() or 1
    runs = [sweep_time(5_000 if quick else 100_000) for _ in range(repeats)]
    t = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    attempted, migrated = runs[0][2], runs[0][3]
    res.update(sweep=t, sweep_cpu=cpu)
    out(
        f"(c) sweep of {attempted:,} page migrations ({migrated:,} migrated), default "
        f"executor: {t:6.2f} s   target <= {TARGET_SWEEP:g} s for 100,000: "
        f"{_verdict(t <= TARGET_SWEEP, quick)}"
    )
    out(
        f"(c) the same in CPU time: {cpu:6.2f} s in all, {cpu / cpus:6.2f} s per CPU "
        "(about the wall time on an idle machine, less the pool's start-up)"
    )


def _section_explore(ctx, out) -> None:
    """(d) The explorer on the patch's race (pagemig.scenarios.race("file-fault"): one
    migration of a dirty shared file page mapped by two processes, one access):
    interleavings, states and CPU seconds, exhaustive; then (without --quick) with a
    third task (the other process reads the page too), to show how the cost grows."""
    from .explore import explore
    from .scenarios import race

    target = 10.0  # CPU seconds to explore the patch's race exhaustively
    res = {}
    for readers in (1,) if ctx["quick"] else (1, 2):
        t0 = _cpu()
        ex = explore(race("file-fault", readers=readers), max_runs=1_000_000)
        res[readers + 1] = (ex.interleavings, ex.states, ex.nruns, _cpu() - t0, ex.exhaustive)
    ctx["res"]["explore"] = res
    n, states, runs, cpu, full = res[2]
    out(
        f"(d) explorer, the patch's race (2 tasks): {n:,} interleavings, {states:,} states, "
        f"{runs:,} runs, {cpu:5.2f} s CPU{'' if full else ' (cut)'}"
        f"   target <= {target:g} s, exhaustive: {_verdict(full and cpu <= target, False)}"
    )
    if 3 in res:
        n3, states3, runs3, cpu3, full3 = res[3]
        out(
            f"(d) with a third task: {n3:,} interleavings, {states3:,} states, {runs3:,} runs, "
            f"{cpu3:5.2f} s CPU{'' if full3 else ' (cut)'} ({states3 / states:4.1f}x the "
            f"states, {cpu3 / cpu:4.1f}x the time)"
        )


def _section_widgets(ctx, out) -> None:
    """(w) The widget kit: a Step click and a control change -> redrawn PNG, at each
    resolution (widgets.bench, which imports matplotlib and ipywidgets: loaded here only)."""
    from widgets import bench as widget_bench

    quick = ctx["quick"]
    ctx["res"]["widgets"] = widget_bench.run(
        repeat=2 if quick else 20, out=out, warm=1 if quick else 3
    )


# One function per figure (or group of figures), in the order printed.
SECTIONS = [
    _section_instructions,
    _section_rates,
    _section_memory,
    _section_rmap,
    _section_sweep,
    _section_explore,
    _section_widgets,
]


def run(quick: bool = False, repeats: int | None = None, out=print, sections=None) -> dict:
    """Measure and print every figure; returns them as a dict."""
    repeats = repeats or 3
    cpus = os.cpu_count() or 1
    t0 = time.perf_counter()
    out(
        f"pagemig bench{' --quick' if quick else ''}: medians of {repeats} repeats "
        f"on {cpus} CPU(s); timings in CPU time with the garbage collector paused, "
        "the sweep in wall time"
    )
    if quick:
        out(
            f"--quick ({QUICK_RUN}) uses small sizes: its figures are indicative and not "
            f"comparable to the targets; a full run (without --quick) takes {FULL_RUN}"
        )
    else:
        out(
            f"a full run takes {FULL_RUN} on 2 CPUs (--quick: {QUICK_RUN}, indicative); "
            "another program loading the machine slows the timed figures, "
            "not the instruction counts"
        )
    ctx = {"quick": quick, "repeats": repeats, "res": {}}
    for section in sections or SECTIONS:
        section(ctx, out)
    elapsed = time.perf_counter() - t0
    ctx["res"]["elapsed"] = elapsed
    out(f"bench took {elapsed:.0f} s")
    return ctx["res"]


def cmd_bench(args) -> int:
    """Print the simulator's speed figures (medians over repeats) next to their targets;
    with ``--before REV``, those of revision REV and of this tree side by side."""
    before = getattr(args, "before", None)
    if before:
        from .benchcompare import compare

        try:
            compare(before, quick=getattr(args, "quick", False), repeats=args.repeats or 3)
        except ValueError as exc:
            print(f"pagemig bench: {exc}", file=sys.stderr)
            return 2
        return 0
    run(quick=getattr(args, "quick", False), repeats=getattr(args, "repeats", None))
    return 0


def _add_arguments(sp) -> None:
    sp.add_argument(
        "--quick", action="store_true", help="small sizes (seconds, not minutes): for tests"
    )
    sp.add_argument("--repeats", type=int, default=3, help="repeats per figure (median)")
    sp.add_argument(
        "--before",
        metavar="REV",
        help="also measure git revision REV (e.g. a tag or a commit) and print both, "
        "measured in one run, side by side (figures of issue 17)",
    )


cmd_bench.add_arguments = _add_arguments
