"""Success-rate experiments: many seeded trials per scenario setting, run on any Executor.

Not a kernel file. ``sweep`` turns one knob of a small machine through a list of
values and, for each value, kernel variant and mapping type, runs ``trials``
independent migrations of ``pages`` pages; it reports the share of pages that
reached their target node with a 95% Wilson interval, as a tidy pandas
DataFrame (the SuccessRates widget and the notebooks plot it).

The five knobs (``PARAMETERS``) and what makes pages fail in each sweep:

``dirty_fraction`` (0..1)
    That fraction of the pages is written to (dirtied) before the migration.
    File pages live in a file whose filesystem has no ``migratepage`` (so
    ``fallback_migrate_page`` calls ``writeout``) and whose ``writepage``
    declines to write (AOP_WRITEPAGE_ACTIVATE, as shmem does with no swap): a
    dirty page is never cleaned, so each of the 10 passes ends in -EAGAIN and
    the page is not migrated. Anonymous pages have no writeback in migration:
    dirtying them changes nothing (rate 1).
``nonlinear_fraction`` (0..1; file mappings only)
    A second process maps that fraction of the file's pages through a
    nonlinear VMA (``remap_file_pages``, shuffled) and keeps touching about half
    of them (each is "hot" with probability ``HOT_PROBABILITY``). The nonlinear
    unmap (``try_to_unmap_cluster``) skips a young pte and only makes it old;
    the hot process makes it young again right after every sweep, so a hot page
    stays mapped through all passes and fails (-EAGAIN). Cold nonlinear pages
    are skipped once and cleared by a later sweep, so they usually migrate; but
    a sweep stops as soon as it has cleared as many ptes as the page has
    mappings, whichever pages they belonged to, and resumes at its saved cursor,
    so next to hot pages some cold ones run out of passes too.
``pinned_fraction`` (0..1)
    That fraction of the pages holds an extra reference (``get_user_pages``, as
    direct I/O would) through all 10 passes: ``migrate_page_move_mapping`` sees
    a count higher than expected, -EAGAIN every pass, not migrated.
``nodes`` (2..8, up to 64)
    The machine has a fixed memory, four frames per page under study, split
    evenly among the nodes; the pages start spread at random over every node
    and all move to the last one. With more nodes the last node is smaller:
    once it has no free frame, ``migrate_pages`` stops with -ENOMEM and the
    pages after that point stay where they are. Pages already on the last node
    are not attempted.
``free_frames`` (0, 1, 2 ...)
    The target node is filled by other users until only that many frames are
    free. With fewer free frames than pages, the migration aborts with -ENOMEM
    after as many pages as there were frames.

Mappings (``scenarios.MAPPING_TYPES``): "anonymous" (one process's private
pages), "file linear" (a shared mapping of the file), "file nonlinear" (the same
mapping rotated by one page with remap_file_pages, as in ``build_scenario``).
Pages start on node 0 (except in the ``nodes`` sweep) and move with
``Kernel.migrate_pages`` to the last node, on an untraced kernel.

Every trial's seed is a stable hash (BLAKE2b) of (seed, parameter, value,
variant, mapping, trial), and results are summed per point, so the frame is the
same for the same seed whatever the executor, the number of workers and the
order in which chunks complete.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

from .constants import PAGE_SIZE, VARIANTS
from .kernel import Kernel
from .scenarios import MAPPING_TYPES

PARAMETERS = ("dirty_fraction", "nonlinear_fraction", "pinned_fraction", "nodes", "free_frames")
FRACTIONS = ("dirty_fraction", "nonlinear_fraction", "pinned_fraction")
COLUMNS = (
    "parameter",
    "value",
    "variant",
    "mapping",
    "trials",
    "pages",
    "successes",
    "rate",
    "ci_low",
    "ci_high",
)
HOT_PROBABILITY = 0.5  # nonlinear_fraction: chance that a nonlinearly mapped page is kept young
FRAMES_PER_PAGE = 4  # nodes: the machine's memory, in frames per page under study
Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
_IN_PROCESS_BELOW = 4000  # sweeps of fewer page-trials run in this process by default


# -- validation -----------------------------------------------------------------
def _check_parameter(parameter) -> None:
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter must be one of {', '.join(PARAMETERS)}; got {parameter!r}")


def _normalize_value(parameter: str, value):
    """A plain Python float (fractions) or int (nodes, free_frames), checked."""
    if parameter in FRACTIONS:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{parameter} values must be numbers, got {value!r}") from None
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{parameter} values must lie in [0, 1], got {value!r}")
        return v
    if isinstance(value, bool):
        raise ValueError(f"{parameter} values must be ints, got {value!r}")
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{parameter} values must be ints, got {value!r}") from None
    if v != value:
        raise ValueError(f"{parameter} values must be whole numbers, got {value!r}")
    if parameter == "nodes" and not 2 <= v <= 64:
        raise ValueError(f"nodes must be from 2 to 64 (migration needs two nodes), got {v}")
    if parameter == "free_frames" and v < 0:
        raise ValueError(f"free_frames must be >= 0, got {v}")
    return v


def _check_point(parameter: str, variant: str, mapping: str, pages) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    if mapping not in MAPPING_TYPES:
        raise ValueError(f"mapping must be one of {', '.join(MAPPING_TYPES)}; got {mapping!r}")
    if parameter == "nonlinear_fraction" and mapping == "anonymous":
        raise ValueError(
            "nonlinear_fraction needs a file mapping: anonymous memory cannot be remapped"
        )
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= 4096:
        raise ValueError(f"pages must be an int from 1 to 4096, got {pages!r}")


def trial_seed(seed: int, parameter: str, value, variant: str, mapping: str, trial: int) -> int:
    """The seed of one trial: a stable 64-bit BLAKE2b hash of everything that names it."""
    key = repr((int(seed), parameter, value, variant, mapping, int(trial))).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``n`` (NaNs when n is 0)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # at 0 and n the bounds are exactly 0 and 1 (rounding would leave 1e-17 or 1 - 1e-16)
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (lo, hi)


# -- one trial ------------------------------------------------------------------
def run_trial(parameter, value, variant, mapping, pages, seed) -> tuple[int, int]:
    """Build one machine, migrate its pages, return (pages attempted, pages migrated).

    A page counts as migrated when, after the migration, the page at its place
    (the process's pte for anonymous memory, the file's page cache slot for a
    file page) lies on the target node.
    """
    _check_parameter(parameter)
    value = _normalize_value(parameter, value)
    _check_point(parameter, variant, mapping, pages)
    _, attempted, migrated = _trial(parameter, value, variant, mapping, pages, seed)
    return attempted, migrated


def _trial(parameter: str, value, variant: str, mapping: str, pages: int, seed: int):
    """run_trial without the checks; also returns the kernel (tests check its invariants)."""
    rng = random.Random(seed)
    nodes = value if parameter == "nodes" else 2
    target = nodes - 1
    if parameter == "nodes":
        frames = -(-FRAMES_PER_PAGE * pages // nodes)
    else:
        # room for every page on node 0 and again on the target (and for free_frames)
        frames = max(pages, value if parameter == "free_frames" else 0) + 8
    k = Kernel(nodes=nodes, frames_per_node=frames, variant=variant, seed=seed, trace=False)
    count = round(value * pages) if parameter in FRACTIONS else 0
    dirty = set(rng.sample(range(pages), count)) if parameter == "dirty_fraction" else set()
    home = [rng.randrange(nodes) for _ in range(pages)] if parameter == "nodes" else None

    p = k.spawn()
    f = None
    if mapping == "anonymous":
        v = p.mmap(pages)
    else:
        f = k.create_file("data.bin", pages, migratepage=False, writepage="activate")
        v = p.mmap(pages, file=f, shared=True)
        if mapping == "file nonlinear":
            for pos in range(pages):
                p.remap_file_pages(v.start + pos * PAGE_SIZE, 1, (pos + 1) % pages)
    addrs = [v.start + pos * PAGE_SIZE for pos in range(pages)]

    def touch(addr: int, n: int) -> None:
        # A read of untouched anonymous memory maps the shared ZERO_PAGE, which never
        # migrates: anonymous pages get a page of their own by a write (of zeros).
        if mapping == "anonymous":
            p.write(addr, bytes(n))
        else:
            p.read(addr, n)

    if home is not None:
        for pos, addr in enumerate(addrs):
            p.node = home[pos]  # the process runs on that node's CPUs when it touches the page
            touch(addr, 1)
        p.node = 0
    else:
        # one read over each run of clean pages (one task instead of one per page)
        run_start = None
        for pos in range(pages + 1):
            clean = pos < pages and pos not in dirty
            if clean and run_start is None:
                run_start = pos
            elif not clean and run_start is not None:
                touch(addrs[run_start], (pos - run_start) * PAGE_SIZE)
                run_start = None
            if pos in dirty:
                p.write(addrs[pos], b"dirty")
    originals = [p.page_at(a) for a in addrs]

    hot: list[int] = []
    q = None
    if parameter == "nonlinear_fraction" and count:
        chosen = rng.sample(range(pages), count)  # file pages, in the order q maps them
        q = k.spawn()
        w = q.mmap(count, file=f, shared=True)
        for j, index in enumerate(chosen):
            q.remap_file_pages(w.start + j * PAGE_SIZE, 1, index)
        for j in range(count):
            q.read(w.start + j * PAGE_SIZE, 1)
            if rng.random() < HOT_PROBABILITY:
                hot.append(w.start + j * PAGE_SIZE)
    if parameter == "pinned_fraction":
        for pos in sorted(rng.sample(range(pages), count)):
            k.pin(originals[pos])
    if parameter == "free_frames":
        k.fill_node(target, leave_free=value)

    todo = [pg for pg in originals if pg.node != target]
    if todo:
        if hot:
            _migrate_while_touching(k, todo, target, q, hot)
        else:
            k.migrate_pages(todo, target)
    attempted = len(todo)
    migrated = 0
    for pos, pg in enumerate(originals):
        if pg.node == target:
            continue  # already there: not attempted
        if f is not None:
            now = f.mapping.page_tree.get((pos + 1) % pages if mapping == "file nonlinear" else pos)
        else:
            now = p.page_at(addrs[pos])
        if now is not None and now.node == target:
            migrated += 1
    return k, attempted, migrated


def _migrate_while_touching(k: Kernel, pages, target: int, proc, hot: list[int]) -> None:
    """migrate_pages, with ``proc`` reading its hot addresses right after every nonlinear
    sweep (try_to_unmap_cluster), so that their ptes are young whenever a sweep comes."""
    task = k.start_migrate_pages(pages, target)
    while not task.done:
        ev = k.step(task)
        if ev is None:  # asleep: let whatever it waits for run
            k.run()
            break
        if ev.func == "try_to_unmap_cluster":
            for addr in hot:
                _touch(k, proc, addr)


def _touch(k: Kernel, proc, addr: int) -> None:
    """The process reads one byte at addr, run as its own task only."""
    t = proc.start_access(addr)
    while not t.done:
        if k.step(t) is None:
            k.run()
            return


# -- the sweep ------------------------------------------------------------------
def _run_chunk(chunk) -> tuple[int, int, int]:
    """Trials [start, stop) of one point: (trials, pages attempted, pages migrated)."""
    parameter, value, variant, mapping, pages, seed, start, stop = chunk
    attempted = migrated = 0
    for trial in range(start, stop):
        s = trial_seed(seed, parameter, value, variant, mapping, trial)
        _, a, m = _trial(parameter, value, variant, mapping, pages, s)
        attempted += a
        migrated += m
    return stop - start, attempted, migrated


class _InProcess(Executor):
    """Runs each submitted call at once, in this process."""

    def submit(self, fn, /, *args, **kwargs):
        from concurrent.futures import Future

        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            fut.set_exception(exc)
        return fut


def _unique(items, what: str) -> list:
    if isinstance(items, str):
        items = (items,)
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    if not out:
        raise ValueError(f"{what} must not be empty")
    return out


def sweep(
    parameter: str,
    values: Sequence,
    *,
    trials: int = 100,
    variants: Sequence[str] = ("patched",),
    mappings: Sequence[str] = ("file linear",),
    pages: int = 16,
    seed: int = 0,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Success rates of migration as ``parameter`` takes each of ``values``.

    One row per (value, variant, mapping), sorted by value, then variants and
    mappings in the order given; columns ``parameter, value, variant, mapping,
    trials, pages`` (pages attempted over all trials), ``successes`` (pages
    migrated), ``rate`` (successes / pages) and the 95% Wilson interval
    ``ci_low, ci_high``. See the module docstring for what each parameter does.

    ``executor``: any ``concurrent.futures.Executor``; by default a local process
    pool with one worker per CPU, or this process for a tiny sweep. Only ``submit``
    is used and the work is picklable (module-level functions, tuples of plain
    values), so a Dask cluster works: ``client = distributed.Client("tcp://host:8786")``
    (the scheduler of a real cluster; ``distributed.LocalCluster()`` for this
    machine), then ``sweep(..., executor=client.get_executor(pure=False))``. The
    frames are identical to the default pool's, because every trial's seed comes
    from ``trial_seed`` and not from where it runs. ``pure=False`` because Dask
    otherwise names each task by a hash of its function and arguments and may hand
    back a result it still holds for a repeated identical sweep instead of running
    it again (right for the numbers, wrong for a timing or a progress bar). ``progress(done, total)`` is called with the trials done so far,
    from 0 up to the total, as chunks of trials complete.
    """
    import pandas as pd

    _check_parameter(parameter)
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise ValueError("values must be a list of parameter values")
    vals = sorted({_normalize_value(parameter, v) for v in values})
    if not vals:
        raise ValueError("values must not be empty")
    variants = _unique(variants, "variants")
    mappings = _unique(mappings, "mappings")
    for variant in variants:
        for mapping in mappings:
            _check_point(parameter, variant, mapping, pages)
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ValueError(f"trials must be a positive int, got {trials!r}")
    if not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if progress is not None and not callable(progress):
        raise ValueError("progress must be None or a callable progress(done, total)")

    points = [(v, var, m) for v in vals for var in variants for m in mappings]
    total = len(points) * trials
    own = None
    if executor is None:
        workers = os.cpu_count() or 1
        if workers == 1 or total * pages < _IN_PROCESS_BELOW:
            executor = _InProcess()
        else:
            executor = own = ProcessPoolExecutor(max_workers=workers)
        size = max(1, math.ceil(total / (workers * 8)))
    else:
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        size = max(1, math.ceil(total / (workers * 8)))
    size = min(size, 500)
    chunks = []
    for i, (v, var, m) in enumerate(points):
        for start in range(0, trials, size):
            chunks.append(
                (i, (parameter, v, var, m, pages, seed, start, min(trials, start + size)))
            )

    sums = [[0, 0, 0] for _ in points]
    done = 0
    try:
        if progress is not None:
            progress(0, total)
        futures = {executor.submit(_run_chunk, payload): i for i, payload in chunks}
        for fut in as_completed(futures):
            n, a, mig = fut.result()
            s = sums[futures[fut]]
            s[0] += n
            s[1] += a
            s[2] += mig
            done += n
            if progress is not None:
                progress(done, total)
    finally:
        if own is not None:
            own.shutdown(cancel_futures=True)

    rows = []
    for (v, var, m), (n, a, mig) in zip(points, sums):
        lo, hi = wilson_interval(mig, a)
        rows.append(
            {
                "parameter": parameter,
                "value": v,
                "variant": var,
                "mapping": m,
                "trials": n,
                "pages": a,
                "successes": mig,
                "rate": mig / a if a else math.nan,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


__all__ = [
    "PARAMETERS",
    "HOT_PROBABILITY",
    "sweep",
    "run_trial",
    "trial_seed",
    "wilson_interval",
]
