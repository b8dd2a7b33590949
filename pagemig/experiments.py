"""Success-rate experiments: many seeded trials per scenario setting, run on any Executor.

Not a kernel file. ``sweep`` turns one knob of a small machine through a list of
values and, for each value, kernel variant and mapping type, runs ``trials``
independent migrations of ``pages`` pages; it reports the share of pages that
reached their target node, where that share varies from trial to trial with a 95%
Wilson interval, and what the migration cost the processes (faults, refaults,
sleeps in migration_entry_wait, writeouts, scheduler steps), as a tidy pandas
DataFrame (the SuccessRates widget, ``widgets.rates`` and the notebooks plot it).

Honest randomness. Every per-page property is drawn from the trial's own seeded
generator (the kernel's ``k.rng``, seeded with the trial's seed: one generator per
kernel, no global state): with ``dirty_fraction`` 0.25 each page is dirty with
probability 0.25, so one trial has 1 dirty page of 8 and the next 3. A point whose
trials all gave the same success rate (a fraction of 0 or 1, ``free_frames``,
``sharers``: setups with nothing random in them) gets no band: ``varies`` is False
and ``ci_low == ci_high == rate``, because the rate there is what the engine does,
not an estimate. Where trials differ, the Wilson interval treats the pages as
independent trials; that is exact for the fractions (each page is drawn on its own)
and an approximation where one event touches several pages (``touch_probability``,
``nodes``).

The knobs (``PARAMETERS``) and what makes pages fail, or cost, in each sweep:

``dirty_fraction`` (0..1)
    Each page is written to (dirtied) before the migration with that probability.
    File pages live in a file whose filesystem has no ``migratepage``, so
    ``fallback_migrate_page`` calls ``writeout``. With ``writepage="ok"`` (the
    default: a filesystem whose writepage works) a dirty page is written, waited
    for in a forced pass if its I/O is still in flight, and then migrates: dirt
    costs writeouts and steps, not success. With ``writepage="activate"`` (shmem
    with no swap: AOP_WRITEPAGE_ACTIVATE) a dirty page is never cleaned, each of
    the 10 passes ends in -EAGAIN and the page is not migrated. Anonymous pages
    have no writeback in migration: dirtying them changes nothing.
``nonlinear_fraction`` (0..1; file mappings only)
    A second process maps each of the file's pages, with that probability, through
    a nonlinear VMA (``remap_file_pages``, shuffled) and keeps touching about half
    of them (each is "hot" with probability ``HOT_PROBABILITY``). The nonlinear
    unmap (``try_to_unmap_cluster``) skips a young pte and only makes it old; the
    hot process makes it young again right after every sweep, so a hot page stays
    mapped through all passes and fails (-EAGAIN). Cold nonlinear pages are skipped
    once and cleared by a later sweep, so they usually migrate; but a sweep stops
    as soon as it has cleared as many ptes as the page has mappings, whichever
    pages they belonged to, and resumes at its saved cursor, so next to hot pages
    some cold ones run out of passes too.
``pinned_fraction`` (0..1)
    Each page holds, with that probability, an extra reference (``get_user_pages``,
    as direct I/O would) through all 10 passes: ``migrate_page_move_mapping`` sees a
    count higher than expected, -EAGAIN every pass, not migrated.
``nodes`` (2..64)
    The machine has a fixed memory, four frames per page under study, split evenly
    among the nodes; the pages start spread at random over every node and all move
    to the last one. With more nodes the last node is smaller: once it has no free
    frame, ``migrate_pages`` stops with -ENOMEM and the pages after that point stay
    where they are. Pages already on the last node are not attempted.
``free_frames`` (0, 1, 2 ...)
    The target node is filled by other users until only that many frames are free.
    With fewer free frames than pages, the migration aborts with -ENOMEM after as
    many pages as there were frames. Nothing is random: no band.
``sharers`` (1..16)
    That many processes map the pages (a shared file mapping each; for anonymous
    memory, children forked after the parent wrote every page) and read all of
    them; after the migration each touches every page once more. What differs is
    the cost: with the patch a file pte comes back present (no fault); before it
    every sharer refaults every page (``refaults``, ``faults``). Nothing is random.
``touch_probability`` (0..1)
    A second process maps the same pages and, at every step of the migration, with
    that probability, reads one of them chosen at random (when its previous read is
    done). When the read arrives decides what happens: before the unmap it only
    takes and drops a reference; on a migration entry it sleeps in
    ``migration_entry_wait`` holding a reference, so the reference-count gate fails
    (-EAGAIN) and the page is retried; before the patch, on a cleared file pte, it
    refaults and maps the old page again, so the page is still mapped. The outcome
    (success, waits, refaults) varies from trial to trial.
``io_latency`` (0, 1, 2 ...)
    Every page is dirty and its writepage works; each trial's disk takes a latency
    drawn at random from 0 to twice the value (in scheduler steps) to complete a
    write. While the I/O is in flight the polite passes skip the page (writeback);
    the first forced pass waits for it. Every page migrates; what varies is the
    time (``steps``) and how many passes ran before the page could move.

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
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

from .constants import PAGE_SIZE, VARIANTS, WRITEPAGE_OUTCOMES
from .kernel import Kernel
from .scenarios import MAPPING_TYPES

PARAMETERS = (
    "dirty_fraction",
    "nonlinear_fraction",
    "pinned_fraction",
    "nodes",
    "free_frames",
    "sharers",
    "touch_probability",
    "io_latency",
)
FRACTIONS = ("dirty_fraction", "nonlinear_fraction", "pinned_fraction", "touch_probability")
#: what a trial measures besides success, each a mean per trial in the frame (and its
#: standard deviation over the trials, ``<name>_sd``)
METRICS = ("faults", "refaults", "waits", "writeouts", "steps")
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
    "varies",
    *METRICS,
    *(f"{m}_sd" for m in METRICS),
)
HOT_PROBABILITY = 0.5  # nonlinear_fraction: chance that a nonlinearly mapped page is kept young
FRAMES_PER_PAGE = 4  # nodes: the machine's memory, in frames per page under study
MAX_SHARERS = 16
Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
_IN_PROCESS_BELOW = 4000  # sweeps of fewer page-trials run in this process by default
_COUNTERS = ("pgfault", "pgmigrate_refault", "pgmigrate_entry_wait", "pgmigrate_writeout")


# -- validation -----------------------------------------------------------------
def _check_parameter(parameter) -> None:
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter must be one of {', '.join(PARAMETERS)}; got {parameter!r}")


def _normalize_value(parameter: str, value):
    """A plain Python float (fractions) or int (the others), checked."""
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
    if parameter == "sharers" and not 1 <= v <= MAX_SHARERS:
        raise ValueError(f"sharers must be from 1 to {MAX_SHARERS}, got {v}")
    if parameter == "io_latency" and not 0 <= v <= 1000:
        raise ValueError(f"io_latency must be from 0 to 1000 steps, got {v}")
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
    if parameter == "io_latency" and mapping == "anonymous":
        raise ValueError("io_latency needs a file mapping: anonymous pages are never written out")
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= 4096:
        raise ValueError(f"pages must be an int from 1 to 4096, got {pages!r}")


def _check_writepage(writepage) -> None:
    if writepage not in WRITEPAGE_OUTCOMES or writepage is None:
        ok = ", ".join(repr(w) for w in WRITEPAGE_OUTCOMES if w is not None)
        raise ValueError(f"writepage must be one of {ok}; got {writepage!r}")


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
def run_trial(
    parameter, value, variant, mapping, pages, seed, *, writepage="ok"
) -> tuple[int, int]:
    """Build one machine, migrate its pages, return (pages attempted, pages migrated).

    A page counts as migrated when, after the migration, the page at its place
    (the process's pte for anonymous memory, the file's page cache slot for a
    file page) lies on the target node. :func:`trial_metrics` gives the costs too.
    """
    m = trial_metrics(parameter, value, variant, mapping, pages, seed, writepage=writepage)
    return m["attempted"], m["migrated"]


def trial_metrics(parameter, value, variant, mapping, pages, seed, *, writepage="ok") -> dict:
    """One trial's outcome: ``attempted``, ``migrated`` and the METRICS (faults,
    refaults, waits, writeouts: counter deltas from just before the migration to the
    end of the trial; steps: scheduler steps the migration took)."""
    _check_parameter(parameter)
    value = _normalize_value(parameter, value)
    _check_point(parameter, variant, mapping, pages)
    _check_writepage(writepage)
    return _trial(parameter, value, variant, mapping, pages, seed, writepage)[1]


def _trial(
    parameter: str, value, variant: str, mapping: str, pages: int, seed: int, writepage="ok"
):
    """trial_metrics without the checks; also returns the kernel (tests check its
    invariants). Every random choice comes from the kernel's own generator."""
    nodes = value if parameter == "nodes" else 2
    target = nodes - 1
    if parameter == "nodes":
        frames = -(-FRAMES_PER_PAGE * pages // nodes)
    else:
        # room for every page on node 0 and again on the target (and for free_frames)
        frames = max(pages, value if parameter == "free_frames" else 0) + 8
    k = Kernel(nodes=nodes, frames_per_node=frames, variant=variant, seed=seed, trace=False)
    rng = k.rng  # the one seeded generator of this trial
    if parameter == "io_latency":
        k.io_latency = rng.randint(0, 2 * value)
        writepage = "ok"
    home = [rng.randrange(nodes) for _ in range(pages)] if parameter == "nodes" else None
    if parameter == "dirty_fraction":
        dirty = {pos for pos in range(pages) if rng.random() < value}
    elif parameter == "io_latency":
        dirty = set(range(pages))
    else:
        dirty = set()

    sharers = value if parameter == "sharers" else 1
    p = k.spawn()
    f = None
    if mapping == "anonymous":
        v = p.mmap(pages)
    else:
        f = k.create_file("data.bin", pages, migratepage=False, writepage=writepage)
        v = p.mmap(pages, file=f, shared=True)
        if mapping == "file nonlinear":
            _rotate(p, v, pages)
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
        # one access over each run of clean pages (one task instead of one per page)
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

    # the other processes: sharers (sharers sweep) or one toucher (touch_probability)
    others = []
    if parameter in ("sharers", "touch_probability"):
        for _ in range(sharers - 1 if parameter == "sharers" else 1):
            if mapping == "anonymous":
                q = p.fork()
                w = next(x for x in q.vmas if x.start == v.start)
            else:
                q = k.spawn()
                w = q.mmap(pages, file=f, shared=True)
                if mapping == "file nonlinear":
                    _rotate(q, w, pages)
            q.read(w.start, pages * PAGE_SIZE)
            others.append((q, w))

    hot: list[int] = []
    q = None
    if parameter == "nonlinear_fraction":
        chosen = [pos for pos in range(pages) if rng.random() < value]
        rng.shuffle(chosen)  # file pages, in the order q maps them
        if chosen:
            q = k.spawn()
            w = q.mmap(len(chosen), file=f, shared=True)
            for j, index in enumerate(chosen):
                q.remap_file_pages(w.start + j * PAGE_SIZE, 1, index)
            for j in range(len(chosen)):
                q.read(w.start + j * PAGE_SIZE, 1)
                if rng.random() < HOT_PROBABILITY:
                    hot.append(w.start + j * PAGE_SIZE)
    if parameter == "pinned_fraction" and value > 0:
        for pos in range(pages):
            if rng.random() < value:
                k.pin(originals[pos])
    if parameter == "free_frames":
        k.fill_node(target, leave_free=value)

    before = [k.vmstat[c] for c in _COUNTERS]
    clock = k.clock
    todo = [pg for pg in originals if pg.node != target]
    if todo:
        if hot:
            _migrate_while_touching(k, todo, target, q, hot)
        elif parameter == "touch_probability" and value > 0:
            _migrate_with_random_reads(k, todo, target, others[0], pages, value)
        else:
            k.migrate_pages(todo, target)
        k.run()  # I/O the migration started, readers still asleep
    steps = k.clock - clock
    if parameter == "sharers":
        # every process touches every page once more: who has to fault?
        for proc, w in [(p, v), *others]:
            proc.read(w.start, pages * PAGE_SIZE)
    after = [k.vmstat[c] for c in _COUNTERS]

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
    faults, refaults, waits, writeouts = (a - b for a, b in zip(after, before))
    return k, {
        "attempted": attempted,
        "migrated": migrated,
        "faults": faults,
        "refaults": refaults,
        "waits": waits,
        "writeouts": writeouts,
        "steps": steps,
    }


def _rotate(proc, vma, pages: int) -> None:
    """remap_file_pages: virtual page i of ``vma`` shows file page i + 1 (mod pages)."""
    for pos in range(pages):
        proc.remap_file_pages(vma.start + pos * PAGE_SIZE, 1, (pos + 1) % pages)


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


def _migrate_with_random_reads(k: Kernel, pages, target: int, reader, n: int, prob: float):
    """migrate_pages interleaved round-robin with ``reader``'s reads: before every step,
    with probability ``prob`` (k.rng), the reader starts a read of one of its ``n``
    pages, chosen at random, unless its previous read is still running (or asleep)."""
    proc, vma = reader
    rng = k.rng
    task = k.start_migrate_pages(pages, target)
    access = None
    for _ in range(1_000_000):
        if task.done:
            return
        if (access is None or access.done) and rng.random() < prob:
            access = proc.start_access(vma.start + rng.randrange(n) * PAGE_SIZE)
        ran = False
        for t in list(k.tasks):
            if t.runnable:
                k.step(t)
                ran = True
        if not ran:
            k.run()  # raises DeadlockError, with the kernel's message, if nothing can run
    raise RuntimeError("the migration did not finish in 1,000,000 rounds")


# -- the sweep ------------------------------------------------------------------
def _run_chunk(chunk):
    """Trials [start, stop) of one point: (trials, pages attempted, pages migrated,
    sums of each metric, sums of their squares, the first trial's success rate, whether
    the rates differed between the chunk's trials)."""
    parameter, value, variant, mapping, pages, seed, start, stop, writepage = chunk
    attempted = migrated = 0
    sums = [0] * len(METRICS)
    squares = [0] * len(METRICS)
    first = None
    varies = False
    for trial in range(start, stop):
        s = trial_seed(seed, parameter, value, variant, mapping, trial)
        _, m = _trial(parameter, value, variant, mapping, pages, s, writepage)
        a, g = m["attempted"], m["migrated"]
        attempted += a
        migrated += g
        for i, name in enumerate(METRICS):
            x = m[name]
            sums[i] += x
            squares[i] += x * x
        outcome = (g / a) if a else None  # the trial's rate: what a band is about
        if first is None:
            first = outcome
        elif outcome != first:
            varies = True
    return stop - start, attempted, migrated, sums, squares, first, varies


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


def _sd(total: float, squares: float, n: int) -> float:
    """The sample standard deviation from a sum and a sum of squares (0 for n < 2)."""
    if n < 2:
        return 0.0
    var = (squares - total * total / n) / (n - 1)
    return math.sqrt(var) if var > 1e-12 else 0.0


def sweep(
    parameter: str,
    values: Sequence,
    *,
    trials: int = 100,
    variants: Sequence[str] = ("patched",),
    mappings: Sequence[str] = ("file linear",),
    pages: int = 16,
    seed: int = 0,
    writepage: str = "ok",
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Success rates and costs of migration as ``parameter`` takes each of ``values``.

    One row per (value, variant, mapping), sorted by value, then variants and
    mappings in the order given; columns ``parameter, value, variant, mapping,
    trials, pages`` (pages attempted over all trials), ``successes`` (pages
    migrated), ``rate`` (successes / pages), the 95% Wilson interval ``ci_low,
    ci_high`` and ``varies``: False where every trial had the same success rate, and
    then the interval is the rate itself (nothing random: no band). Then the mean per
    trial of each of ``METRICS`` (faults, refaults, waits in migration_entry_wait,
    writeouts, scheduler steps) and its standard deviation over the trials
    (``faults_sd`` ...). See the module docstring for what each parameter does.
    ``writepage`` is what the file's writepage does ("ok", "activate", "error").

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
    it again (right for the numbers, wrong for a timing or a progress bar).
    ``progress(done, total)`` is called with the trials done so far, from 0 up to
    the total, as chunks of trials complete.
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
    _check_writepage(writepage)
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
            stop = min(trials, start + size)
            chunks.append((i, (parameter, v, var, m, pages, seed, start, stop, writepage)))

    nm = len(METRICS)
    sums = [[0, 0, 0, [0] * nm, [0] * nm, set(), False] for _ in points]
    done = 0
    try:
        if progress is not None:
            progress(0, total)
        futures = {executor.submit(_run_chunk, payload): i for i, payload in chunks}
        for fut in as_completed(futures):
            n, a, mig, msum, msq, first, varies = fut.result()
            s = sums[futures[fut]]
            s[0] += n
            s[1] += a
            s[2] += mig
            for j in range(nm):
                s[3][j] += msum[j]
                s[4][j] += msq[j]
            s[5].add(first)
            s[6] = s[6] or varies
            done += n
            if progress is not None:
                progress(done, total)
    finally:
        if own is not None:
            own.shutdown(cancel_futures=True)

    rows = []
    for (v, var, m), (n, a, mig, msum, msq, firsts, varies) in zip(points, sums):
        varies = bool(varies or len(firsts) > 1)
        rate = mig / a if a else math.nan
        lo, hi = wilson_interval(mig, a) if varies else (rate, rate)
        row = {
            "parameter": parameter,
            "value": v,
            "variant": var,
            "mapping": m,
            "trials": n,
            "pages": a,
            "successes": mig,
            "rate": rate,
            "ci_low": lo,
            "ci_high": hi,
            "varies": varies,
        }
        for j, name in enumerate(METRICS):
            row[name] = msum[j] / n
        for j, name in enumerate(METRICS):
            row[f"{name}_sd"] = _sd(msum[j], msq[j], n)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.attrs["writepage"] = writepage
    return frame


__all__ = [
    "PARAMETERS",
    "METRICS",
    "HOT_PROBABILITY",
    "sweep",
    "run_trial",
    "trial_metrics",
    "trial_seed",
    "wilson_interval",
]
