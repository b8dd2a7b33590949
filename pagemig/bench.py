"""``pagemig bench``: how fast the simulator migrates pages, printed next to its targets.

Not a kernel file. Three figures, each the median over repeats:

(a) page migrations per second, untraced and traced: anonymous pages moved in
    batches of 100 through ``Kernel.migrate_pages`` (setup not timed);
(b) the cost of one migration of a file page as the number of VMAs mapping the
    file grows from 10 to 10,000, each page mapped by a few (``SHARERS``) of
    them, with the file rmap walking the prio tree (``PrioTree.query``) and
    walking every VMA (``PrioTree.scan``; ``Kernel.i_mmap_walk = "scan"``);
(c) the wall time of an ``experiments.sweep`` of 100,000 page migrations on
    the default executor (a local process pool).
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
from contextlib import contextmanager

from .constants import PAGE_SIZE
from .kernel import Kernel

TARGET_RATE = 100_000  # untraced migrations per second
TARGET_GROWTH = 2.0  # cost at 10,000 VMAs / cost at 10, at most
TARGET_SPEEDUP = 20.0  # scan / prio tree at 10,000 VMAs, at least
TARGET_SWEEP = 5.0  # seconds for a sweep of 100,000 page migrations
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


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def run(quick: bool = False, repeats: int | None = None, out=print) -> dict:
    """Measure and print every figure; returns them as a dict."""
    repeats = repeats or 3
    if quick:
        pages, migrations, walks_n, sweep_n = 300, 20, 20, 5_000
    else:
        pages, migrations, walks_n, sweep_n = 3000, 200, 200, 100_000
    vma_counts = (10, 100, 1000, 10_000)
    cpus = os.cpu_count() or 1
    out(
        f"pagemig bench{' --quick' if quick else ''}: medians of {repeats} repeats "
        f"on {cpus} CPU(s); (a), (b) in CPU time with the garbage collector paused, "
        "(c) in wall time"
    )
    res: dict = {}
    res["untraced"] = _median(lambda: migration_rate(False, pages), repeats)
    res["traced"] = _median(lambda: migration_rate(True, pages), repeats)
    out(
        f"(a) page migrations per second, untraced: {res['untraced']:>10,.0f}/s"
        f"   target >= {TARGET_RATE:,}/s: {_verdict(res['untraced'] >= TARGET_RATE)}"
    )
    out(f"(a) page migrations per second, traced:   {res['traced']:>10,.0f}/s   (no target)")
    out(
        f"(b) one file-page migration, each page mapped by {SHARERS} of N VMAs "
        "(and the rmap walk alone, one lookup):"
    )
    cost, walks = {}, {}
    for n in vma_counts:
        m = file_machine(n)
        tree = _median(lambda m=m: file_migration_cost(m, "prio-tree", migrations), repeats)
        scan = _median(lambda m=m: file_migration_cost(m, "scan", migrations), repeats)
        wtree = _median(lambda m=m: walk_cost(m, "prio-tree", walks_n), repeats)
        wscan = _median(lambda m=m: walk_cost(m, "scan", walks_n), repeats)
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
        f"   target <= {TARGET_GROWTH:g}x: {_verdict(growth <= TARGET_GROWTH)}"
    )
    out(
        f"(b) scan / prio tree at {hi:,} VMAs, whole migration: {speedup:5.1f}x"
        f"   target >= {TARGET_SPEEDUP:g}x: {_verdict(speedup >= TARGET_SPEEDUP)}"
    )
    out(
        f"(b) scan / prio tree at {hi:,} VMAs, rmap walk alone: {walk_speedup:5.1f}x"
        f"   target >= {TARGET_SPEEDUP:g}x: {_verdict(walk_speedup >= TARGET_SPEEDUP)}"
    )
    runs = [sweep_time(sweep_n) for _ in range(repeats)]
    t = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    attempted, migrated = runs[0][2], runs[0][3]
    res.update(sweep=t, sweep_cpu=cpu)
    verdict = "not comparable (--quick: run without it)" if quick else _verdict(t <= TARGET_SWEEP)
    out(
        f"(c) sweep of {attempted:,} page migrations ({migrated:,} migrated), default "
        f"executor: {t:6.2f} s   target <= {TARGET_SWEEP:g} s for 100,000: {verdict}"
    )
    out(
        f"(c) the same in CPU time: {cpu:6.2f} s in all, {cpu / cpus:6.2f} s per CPU "
        "(about the wall time on an idle machine, less the pool's start-up)"
    )
    res["explore"] = explore_figure(out, third_task=not quick)
    return res


def explore_figure(out=print, third_task: bool = True) -> dict:
    """(d) The explorer on the patch's race (pagemig.scenarios.race("file-fault"): one
    migration of a dirty shared file page mapped by two processes, one access):
    interleavings, states and CPU seconds, exhaustive; then with a third task (the
    other process reads the page too), to show how the cost grows."""
    from .explore import explore
    from .scenarios import race

    target = 10.0  # CPU seconds to explore the patch's race exhaustively
    res = {}
    for readers in (1, 2) if third_task else (1,):
        t0 = _cpu()
        ex = explore(race("file-fault", readers=readers), max_runs=1_000_000)
        res[readers + 1] = (ex.interleavings, ex.states, ex.nruns, _cpu() - t0, ex.exhaustive)
    n, states, runs, cpu, full = res[2]
    out(
        f"(d) explorer, the patch's race (2 tasks): {n:,} interleavings, {states:,} states, "
        f"{runs:,} runs, {cpu:5.2f} s CPU{'' if full else ' (cut)'}"
        f"   target <= {target:g} s, exhaustive: {_verdict(full and cpu <= target)}"
    )
    if 3 in res:
        n3, states3, runs3, cpu3, full3 = res[3]
        out(
            f"(d) with a third task: {n3:,} interleavings, {states3:,} states, {runs3:,} runs, "
            f"{cpu3:5.2f} s CPU{'' if full3 else ' (cut)'} ({states3 / states:4.1f}x the "
            f"states, {cpu3 / cpu:4.1f}x the time)"
        )
    return res


def cmd_bench(args) -> int:
    """Print the simulator's speed figures (medians over repeats) next to their targets."""
    run(quick=getattr(args, "quick", False), repeats=getattr(args, "repeats", None))
    return 0


def _add_arguments(sp) -> None:
    sp.add_argument(
        "--quick", action="store_true", help="small sizes (seconds, not minutes): for tests"
    )
    sp.add_argument("--repeats", type=int, default=3, help="repeats per figure (median)")


cmd_bench.add_arguments = _add_arguments
