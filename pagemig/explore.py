"""The explorer: every interleaving of a few kernel paths, run, classified and counted.

Not a kernel file: it is a small explicit-state model checker over the engine's own
paths. Kernel paths are generators of named steps (``pagemig.sched``); a *schedule*
is the sequence of task names that ``Kernel.step`` is called with. Generators cannot
be copied, so the explorer reaches a state by *replay*: a fresh ``Kernel``, the
caller's ``build(kernel)`` (which makes the machine and starts the tasks), then the
schedule's steps. It only uses the scheduler's public face: ``Kernel.step(task)``,
``k.tasks``, ``task.runnable``/``done``/``result``/``error``/``daemon``,
``k.violations()``.

What it explores: from each state, each runnable task may take the next step (a
sleeping task whose wait is over takes its "wake" step). Daemons (I/O completion, a
lock holder) are scheduled like any task. A run ends when no task can run.

Pruning (states already seen). After each step the explorer computes a canonical
key of the state: the whole machine (every page in use with its flags, counts,
holders, lock owner and contents; every page table, VMA, page cache, the swap
cache, the backing store, the shadows the no-data-lost check reads, the oopses;
not the vmstat counters, which no path reads), each live task's position (its name,
current wait, and for each generator of its ``yield from`` chain the function, the
offset of the suspended ``yield`` and its plain locals: pass, retry, rc, the page
...), and what the run has seen so far that decides its outcome (the invariants
broken at any moment, whether a path slept in ``migration_entry_wait``). Two
schedules that reach the same key continue identically, so the second one is not
expanded again: its count of interleavings is the first one's. The key is Python's
64-bit hash of that canonical tuple (a collision among 10^5 states has odds below
10^-9).

*Sound* as long as a task's future depends only on the machine and on that
position. *Approximate* where a path keeps state the position cannot see (an
iterator on a frame's stack, e.g. how far a ``for`` loop over a list copy has
gone: with one page per list, as in the ready-made races, there is nothing to
see). Tests check it two ways: ``strict=True`` adds a digest of every event each
task produced to its position and must give the same counts, and random whole
schedules, replayed with every invariant checked, must end as the graph predicts.
No partial-order reduction is applied: every order of independent steps (say, the
I/O completion's against the migration's) is a separate interleaving in
``counts``; the state hash alone removes the work of exploring them twice. Each
state costs at least one replay from the start (generators cannot be copied), so
the cost grows with states x depth: the patch's race has ~3,700 states (about
5 s of CPU); a third task multiplies the states by ~15 and the time by ~25.

Counting. The explored states form a DAG (every step adds one to the depth); the
number of complete interleavings below each state is summed bottom-up, so
``counts`` is exact (Python ints) even when it is in the billions while only a few
thousand states are run. ``runs`` has one row per run the explorer made: a run
follows a schedule from the start, takes one unexplored step, and continues with
the first runnable task until it ends or reaches a state seen before (then its
schedule is completed by that state's first continuation, which gives the same
outcome by the argument above; ``steps_run`` says how far it really ran).

Outcomes, one per interleaving, the worst that happened (in this order):
``oops`` (a BUG the real kernel hits, or a path raised), ``deadlock`` (paths left
asleep with nothing to wake them), ``data lost`` (the no-data-lost rule broke at
some moment), ``invariant broken`` (another rule broke at some moment; ``rule``
says which), ``failed`` (a migration did not move its pages), ``slept`` (a path
slept in ``migration_entry_wait``), ``retried`` (a migration took more passes than
in the fastest interleaving: a pass ended -EAGAIN because of the race) and
``clean``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .fs import AddressSpace, File
from .invariants import NO_DATA_LOST, RULES
from .kernel import Kernel
from .page import Page
from .prio_tree import PrioTree
from .process import Process, Vma
from .pte import Pte
from .rmap import AnonVma
from .sched import Task

OUTCOMES = (
    "clean",
    "retried",
    "slept",
    "failed",
    "invariant broken",
    "data lost",
    "deadlock",
    "oops",
    "cut",
)
OUTCOME_LABELS = {
    "clean": "clean",
    "retried": "-EAGAIN / retried pass",
    "slept": "slept in migration_entry_wait",
    "failed": "migration failed",
    "invariant broken": "invariant broken",
    "data lost": "data lost",
    "deadlock": "deadlock",
    "oops": "oops (kernel BUG)",
    "cut": "cut by max_steps",
}

DEFAULT_MAX_RUNS = 50_000


class ScheduleError(ValueError):
    """A schedule names a task that does not exist or cannot run at that step."""


# -- canonical state ---------------------------------------------------------------------
def _c(x):
    """A canonical, hashable value for ``x``: references to engine objects become their
    stable names (pfn, pid, vma start, file name, anon_vma id, task name)."""
    t = type(x)
    if t in _PLAIN:
        return x
    f = _CANON.get(t)
    if f is None:
        f = _canon_for(t)
    return f(x)


def _seq(x):
    return tuple([_c(v) for v in x])


def _dict(x):
    items = [(_c(a), _c(b)) for a, b in x.items()]
    try:
        items.sort()
    except TypeError:
        items.sort(key=repr)
    return ("dict", *items)


def _prio(x):
    items = getattr(x, "_items", {})
    seq = getattr(x, "_seq", {})
    return ("prio", *sorted((seq.get(key, 0), lo, hi, _c(v)) for key, (lo, hi, v) in items.items()))


_PLAIN = {type(None), bool, int, float, str, bytes}
_CANON = {
    bytearray: lambda x: hashlib.blake2b(x, digest_size=16).digest(),
    Pte: lambda x: ("pte", x.kind, x.pfn, x.write, x.young, x.dirty, x.pgoff, x.swp_type, x.offset),
    Page: lambda x: ("pfn", x.pfn),
    Process: lambda x: ("pid", x.pid),
    Vma: lambda x: ("vma", x.mm.pid, x.start),
    File: lambda x: ("file", x.name),
    AnonVma: lambda x: ("anon_vma", x.id),
    Task: lambda x: ("task", x.name),
    list: _seq,
    tuple: _seq,
    set: lambda x: ("set", *sorted((_c(v) for v in x), key=repr)),
    frozenset: lambda x: ("set", *sorted((_c(v) for v in x), key=repr)),
    dict: _dict,
    PrioTree: _prio,
    Kernel: lambda x: "kernel",
}


def _canon_for(t):
    """The canonical form for a type met for the first time (subclasses of the above;
    anything else is represented by its type name only)."""
    for base in t.__mro__[1:]:
        if base in _CANON:
            f = _CANON[base]
            break
    else:
        if issubclass(t, AddressSpace):
            f = _mapping_ref
        else:
            name = t.__qualname__
            f = lambda x, name=name: ("obj", name)  # noqa: E731
    _CANON[t] = f
    return f


def _mapping_ref(x):
    return ("mapping", getattr(x.host, "name", "swap"))


_CANON[AddressSpace] = _mapping_ref


def _attrs(obj, skip=()) -> tuple:
    names = getattr(type(obj), "__slots__", None) or sorted(vars(obj))
    return tuple((n, _c(getattr(obj, n, None))) for n in names if n not in skip)


# kernel attributes that do not decide what happens next (or are walked separately)
_KERNEL_SKIP = {
    "seed",
    "rng",
    "tracing",
    "debug_vm",
    "frames_per_node",
    "nodes",
    "mem_map",  # the frames of the nodes, walked through them
    "fn",  # k.fn: what _overrides (which is kept) resolves to
    "processes",
    "files",
    "swap",
    "trace",
    "tasks",
    "current",
    "clock",
    "oopses",
    "_rr",
    "_broken",
    # counters only: no path reads them (what the outcome needs is tracked apart)
    "vmstat",
}


def machine_key(k: Kernel) -> tuple:
    """The machine's state as a canonical tuple (equal for machines that behave alike)."""
    pages = []
    free = []
    for node in k.nodes:
        for p in node.pages:
            if p.count or p.flags or p.refs:
                pages.append(_attrs(p))
            else:
                free.append(p.pfn)
    procs = []
    for pid in sorted(k.processes):
        proc = k.processes[pid]
        procs.append(
            (
                _attrs(proc, skip=("kernel", "vmas")),
                tuple(_attrs(v, skip=("mm",)) for v in proc.vmas),
            )
        )
    files = tuple(
        (_attrs(f, skip=("kernel", "mapping")), _attrs(f.mapping, skip=("host",)))
        for _name, f in sorted(k.files.items())
    )
    kern = tuple((n, _c(v)) for n, v in sorted(vars(k).items()) if n not in _KERNEL_SKIP)
    oopses = tuple((e.task, e.func) for e in k.oopses)
    return (
        tuple(pages),
        tuple(free),
        tuple(procs),
        files,
        _attrs(k.swap, skip=("host",)),
        kern,
        oopses,
    )


def _position(task: Task) -> tuple:
    """Where a task's path stands: for each generator in its ``yield from`` chain, the
    function, the offset of the ``yield`` it is suspended at, and its plain locals (ints,
    flags, strings, pages and lists of them: counters such as migrate_pages' pass, retry,
    nr_failed). Falls back to the number of steps if the generator cannot be inspected."""
    out = []
    g = getattr(task, "gen", None)
    while g is not None:
        f = getattr(g, "gi_frame", None)
        if f is None:
            break
        loc = tuple((n, _c(v)) for n, v in sorted(f.f_locals.items()) if not callable(v))
        out.append((f.f_code.co_qualname, f.f_lasti, loc))
        g = getattr(g, "gi_yieldfrom", None)
    return tuple(out) if out else ("steps", task.steps)


def _digest(value) -> bytes:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()


# -- one run -------------------------------------------------------------------------------
class _Run:
    """A fresh machine from ``build``, stepped by task name, tracking what the key needs."""

    def __init__(self, build, variant, kernel_args, trace=False, lazy=True, strict=False):
        self.lazy = lazy
        self.strict = strict
        self.hist: dict[str, bytes] = {}
        self.k = Kernel(variant=variant, trace=trace, **kernel_args)
        build(self.k)
        self.seen: dict[str, Task] = {t.name: t for t in self.k.tasks}
        self.count: dict[str, int] = {}
        self.broken: frozenset = frozenset()
        self.slept = False
        self.passes: dict[str, int] = {}
        self.steps = 0

    def runnable(self) -> list[str]:
        ready = [t for t in self.k.tasks if t.runnable]
        if self.lazy:
            paths = [t for t in ready if not t.daemon]
            ready = paths or ready
        return [t.name for t in ready]

    def step(self, name: str, check: bool = True):
        task = next((t for t in self.k.tasks if t.name == name), None)
        if task is None or not task.runnable:
            why = "does not exist or has finished" if task is None else "is asleep"
            raise ScheduleError(f"step {self.steps}: task {name!r} {why}")
        ev = self.k.step(task)
        self.steps += 1
        self.count[name] = self.count.get(name, 0) + 1
        for t in self.k.tasks:
            self.seen.setdefault(t.name, t)
        if self.strict:
            data = _c(ev.data) if ev is not None else task.steps
            item = (ev.func, ev.kind) if ev is not None else None
            self.hist[name] = _digest((self.hist.get(name), item, data))
        if ev is not None:
            func = ev.func
            if func == "migration_entry_wait" and ev.kind == "wait":
                self.slept = True
            elif func == "migrate_pages" and "pass" in ev.data:
                self.passes[name] = max(self.passes.get(name, 0), ev.data["pass"] + 1)
        if check:
            v = self.k.violations()
            if v:
                self.broken = self.broken | {rule for rule, _ in v}
        return ev

    def key(self) -> int:
        tasks = tuple(
            (
                t.name,
                t.wait.func if t.wait is not None else None,
                t.waiting_on,
                _position(t),
                self.hist.get(t.name),
            )
            for t in self.k.tasks
        )
        done = tuple(
            (n, _c(t.result), repr(t.error)) for n, t in sorted(self.seen.items()) if t.done
        )
        summary = (tuple(sorted(self.broken)), self.slept)
        # Python's hash of the canonical tuple: 64 bits, so two of 10^5 states collide
        # with odds below 10^-9
        return hash((machine_key(self.k), tasks, done, summary))

    def facts(self) -> dict:
        """What the outcome of a finished run depends on."""
        k = self.k
        errors = [t for t in self.seen.values() if t.done and t.error is not None]
        oops = bool(k.oopses) or any(t.done and t.result == "oops" for t in self.seen.values())
        left = [t.name for t in k.tasks if not t.daemon]
        failed = False
        for t in self.seen.values():
            if t.kind == "migrate" and t.done and t.error is None:
                failed = failed or _migration_failed(t.result)
        return {
            "oops": oops or bool(errors),
            "deadlock": bool(left),
            "broken": self.broken,
            "failed": failed,
            "slept": self.slept,
            "passes": tuple(sorted(self.passes.items())),
            "result": tuple(
                (n, _c(t.result)) for n, t in sorted(self.seen.items()) if t.kind == "migrate"
            ),
        }


def _migration_failed(result) -> bool:
    if isinstance(result, bool) or result is None:
        return False
    if isinstance(result, int):
        return result != 0
    try:
        return any(isinstance(s, int) and s < 0 for s in result)
    except TypeError:
        return isinstance(result, OSError)


# -- the result ----------------------------------------------------------------------------
@dataclass
class _Node:
    depth: int
    parent: int
    via: str | None
    choices: tuple = ()
    edges: dict = field(default_factory=dict)
    first: str | None = None
    facts: dict | None = None
    counts: dict = field(default_factory=dict)  # task name -> steps chosen so far
    broken: frozenset = frozenset()  # rules broken at some moment on the way here
    key: int = 0


class Exploration:
    """What ``explore`` found. ``exhaustive``: every interleaving was covered (no run cut
    by ``max_runs`` or ``max_steps``). ``counts``: outcome -> number of interleavings.
    ``rules``: invariant rule -> number of interleavings in which it broke at some moment.
    ``runs``: a DataFrame, one row per run made. ``states``: distinct states seen.
    ``shortest(outcome)``: the shortest schedule reaching an outcome (or breaking a rule).
    ``strips()``: the race map's data (interleavings by where the second path starts).
    """

    def __init__(self, build, variant, kernel_args, tasks, nodes, rows, exhaustive, seconds):
        self.build = build
        self.variant = variant
        self.kernel_args = kernel_args
        self.tasks = tasks  # the tasks build() started, in order
        self._nodes = nodes
        self._rows = rows
        self.exhaustive = exhaustive
        self.seconds = seconds
        self.states = len(nodes)
        self.nruns = len(rows)
        self._classify()

    # -- classification and counting ----------------------------------------------
    def _classify(self):
        nodes = self._nodes
        terminal = [n for n in nodes if n.facts is not None]
        best: dict[str, int] = {}
        for n in terminal:
            for name, p in n.facts["passes"]:
                best[name] = min(best.get(name, p), p)
        self.fastest_passes = best
        for n in terminal:
            n.outcome, n.rule = self._outcome(n.facts)
        order = sorted(range(len(nodes)), key=lambda i: -nodes[i].depth)
        below: list = [None] * len(nodes)
        rules: list = [None] * len(nodes)
        for i in order:
            n = nodes[i]
            if n.facts is not None:
                below[i] = Counter({n.outcome: 1})
                rules[i] = Counter({r: 1 for r in n.facts["broken"]})
                continue
            c, r = Counter(), Counter()
            for t in n.edges.values():
                if t is not None and below[t] is not None:
                    c.update(below[t])
                    r.update(rules[t])
            below[i], rules[i] = c, r
        self._below = below
        self.counts = {o: below[0][o] for o in OUTCOMES if below[0][o]}
        self.rules = {rule: rules[0][rule] for rule in RULES if rules[0][rule]}
        self.interleavings = sum(self.counts.values())
        for row in self._rows:
            end = nodes[row["_end"]]
            row["outcome"], row["rule"] = end.outcome, end.rule

    def _outcome(self, f):
        broken = [r for r in RULES if r in f["broken"]]
        rule = "; ".join(broken) if broken else None
        if f.get("cut"):
            return "cut", rule
        if f["oops"]:
            return "oops", rule
        if f["deadlock"]:
            return "deadlock", rule
        if NO_DATA_LOST in f["broken"]:
            return "data lost", rule
        if broken:
            return "invariant broken", rule
        if f["failed"]:
            return "failed", rule
        if f["slept"]:
            return "slept", rule
        if any(p > self.fastest_passes.get(name, p) for name, p in f["passes"]):
            return "retried", rule
        return "clean", rule

    # -- views -------------------------------------------------------------------------
    @property
    def runs(self):
        """One row per run: run, schedule (tuple of task names), length, outcome, rule
        (the invariants it broke, if any), start (the first task's steps when the second
        task first ran), steps_run (steps actually executed; the rest of the schedule is
        a seen state's continuation)."""
        import pandas as pd

        cols = ["run", "schedule", "length", "outcome", "rule", "start", "steps_run"]
        return pd.DataFrame([{c: r[c] for c in cols} for r in self._rows], columns=cols)

    def _path(self, i: int) -> list[str]:
        out = []
        nodes = self._nodes
        while nodes[i].via is not None:
            out.append(nodes[i].via)
            i = nodes[i].parent
        return out[::-1]

    def _continuation(self, i: int) -> list[str]:
        out = []
        nodes = self._nodes
        while nodes[i].facts is None and nodes[i].first is not None:
            out.append(nodes[i].first)
            i = nodes[i].edges[nodes[i].first]
        return out

    def _goal(self, outcome: str):
        if outcome in RULES:
            return lambda n: outcome in n.facts["broken"]
        if outcome in OUTCOMES:
            return lambda n: n.outcome == outcome
        raise ValueError(
            f"outcome must be one of {', '.join(OUTCOMES)} or a rule of pagemig.invariants.RULES; "
            f"got {outcome!r}"
        )

    def _distances(self, goal) -> list:
        nodes = self._nodes
        dist: list = [None] * len(nodes)
        for i in sorted(range(len(nodes)), key=lambda i: -nodes[i].depth):
            n = nodes[i]
            if n.facts is not None:
                dist[i] = 0 if goal(n) else None
                continue
            ds = [dist[t] for t in n.edges.values() if t is not None and dist[t] is not None]
            dist[i] = 1 + min(ds) if ds else None
        return dist

    def _descend(self, i: int, dist) -> list[str]:
        out = []
        nodes = self._nodes
        while nodes[i].facts is None:
            n = nodes[i]
            for name in n.choices:
                t = n.edges.get(name)
                if t is not None and dist[t] is not None and dist[t] == dist[i] - 1:
                    out.append(name)
                    i = t
                    break
        return out

    def shortest(self, outcome: str) -> list[str] | None:
        """The shortest schedule (task names, for ``replay`` or ``Kernel.step``) whose
        interleaving has ``outcome`` (one of OUTCOMES, or a rule string: broke that rule),
        the first in task order among equals; None if no explored interleaving has it."""
        dist = self._distances(self._goal(outcome))
        if dist[0] is None:
            return None
        return self._descend(0, dist)

    def strips(self):
        """The race map's data: for each number of steps the first task had taken when
        the second task took its first step, the interleavings by outcome. A DataFrame
        with columns start, outcome, interleavings, label (the first task's function at
        that step when it runs first)."""
        import pandas as pd

        if getattr(self, "_strips", None) is not None:
            return self._strips.copy()
        nodes = self._nodes
        if len(self.tasks) < 2:
            raise ValueError("the race map needs at least two tasks")
        a, b = self.tasks[0], self.tasks[1]
        forward = [0] * len(nodes)
        forward[0] = 1
        cells: dict = {}
        for i in sorted(range(len(nodes)), key=lambda i: nodes[i].depth):
            n = nodes[i]
            if not forward[i]:
                continue
            for name, t in n.edges.items():
                if t is None:
                    continue
                if name == b:
                    pos = n.counts.get(a, 0)
                    for o, c in self._below[t].items():
                        cells[(pos, o)] = cells.get((pos, o), 0) + forward[i] * c
                else:
                    forward[t] += forward[i]
        labels = self.labels()
        rows = [
            {
                "start": pos,
                "outcome": o,
                "interleavings": c,
                "label": labels[pos] if pos < len(labels) else "",
            }
            for (pos, o), c in sorted(
                cells.items(), key=lambda kv: (kv[0][0], OUTCOMES.index(kv[0][1]))
            )
        ]
        self._strips = pd.DataFrame(rows, columns=["start", "outcome", "interleavings", "label"])
        return self._strips.copy()

    def labels(self) -> list[str]:
        """The functions of the first task's steps, in the run where it goes first."""
        a = self.tasks[0]
        k = replay(
            self.build,
            self._path(0) + self._continuation(0),
            variant=self.variant,
            kernel_args=self.kernel_args,
            trace=True,
        )
        return ["before it starts"] + [e.func for e in k.trace if e.task == a]

    def cell_schedule(self, start: int, outcome: str) -> list[str] | None:
        """The shortest schedule in which the second task first runs after ``start``
        steps of the first and whose interleaving has ``outcome``; None if none does."""
        nodes = self._nodes
        a, b = self.tasks[0], self.tasks[1]
        dist = self._distances(self._goal(outcome))
        best = None
        for i, n in enumerate(nodes):
            if n.counts.get(b, 0) or n.counts.get(a, 0) != start:
                continue
            t = n.edges.get(b)
            if t is None or dist[t] is None:
                continue
            total = n.depth + 1 + dist[t]
            if best is None or total < best[0]:
                best = (total, i, t)
        if best is None:
            return None
        _, i, t = best
        return self._path(i) + [b] + self._descend(t, dist)

    def predict(self, schedule) -> str | None:
        """The outcome the explored graph gives a complete ``schedule`` (None if the
        schedule leaves the explored part or does not end where the paths end)."""
        nodes, i = self._nodes, 0
        for name in schedule:
            i = nodes[i].edges.get(name)
            if i is None:
                return None
        return nodes[i].outcome if nodes[i].facts is not None else None

    def outcome_of(self, schedule) -> str:
        """Replay ``schedule`` from a fresh machine, checking every invariant after every
        step, and classify how it ended (independently of the explored graph)."""
        r = _Run(self.build, self.variant, self.kernel_args)
        r.broken = frozenset(rule for rule, _ in r.k.violations())
        for name in schedule:
            r.step(name)
        if r.runnable():
            raise ScheduleError("the schedule ends while a task can still run")
        return self._outcome(r.facts())[0]

    def summary(self) -> str:
        counts = ", ".join(f"{o} {c:,}" for o, c in self.counts.items())
        how = "exhaustive" if self.exhaustive else "cut by the bound"
        return (
            f"{self.interleavings:,} interleavings ({how}; {self.states:,} states, "
            f"{self.nruns:,} runs): {counts}"
        )

    def __repr__(self) -> str:
        return f"<Exploration {self.variant}: {self.summary()}>"


# -- the search ----------------------------------------------------------------------------
def _kernel_args(build, variant, kernel_args):
    args = dict(getattr(build, "kernel_args", None) or {})
    args.update(kernel_args or {})
    if variant is None:
        variant = args.pop("variant", "patched")
    else:
        args.pop("variant", None)
    return variant, args


def explore(
    build: Callable[[Kernel], object],
    *,
    max_runs: int = DEFAULT_MAX_RUNS,
    variant: str | None = None,
    max_steps: int = 2_000,
    kernel_args: dict | None = None,
    strict: bool = False,
) -> Exploration:
    """Run every interleaving of the tasks ``build(kernel)`` starts (up to ``max_runs``
    runs of at most ``max_steps`` steps each), and classify and count them.

    ``build`` receives a fresh ``Kernel(variant=..., trace=False, **kernel_args)`` (a
    build may carry its own ``kernel_args`` attribute, e.g. the races of
    ``pagemig.scenarios``) and must build the same machine every time (use the
    kernel's seed, never global randomness). Same build, same variant: same result.
    """
    import time

    if not callable(build):
        raise TypeError("explore() takes a build(kernel) function")
    if not isinstance(max_runs, int) or max_runs < 1:
        raise ValueError("max_runs must be a positive int")
    variant, args = _kernel_args(build, variant, kernel_args)
    t0 = time.perf_counter()
    nodes: list[_Node] = []
    index: dict[int, int] = {}
    rows: list[dict] = []
    cut = False

    run = _Run(build, variant, args, strict=strict)
    tasks = [t.name for t in run.k.tasks]
    if not tasks:
        raise ValueError("build(kernel) started no task")
    v = run.k.violations()
    run.broken = frozenset(rule for rule, _ in v)
    root = _Node(depth=0, parent=-1, via=None, broken=run.broken, key=run.key())
    nodes.append(root)
    index[root.key] = 0
    stack: list[tuple[int, str]] = []

    def expand(i: int, r: _Run):
        n = nodes[i]
        n.choices = tuple(r.runnable())
        n.counts = dict(r.count)
        if not n.choices:
            n.facts = r.facts()
            return
        for name in n.choices:
            n.edges[name] = None
        for name in reversed(n.choices[1:]):
            stack.append((i, name))

    def go(r: _Run, i: int, choice: str):
        """From node i, live in r, take ``choice`` and keep going with first choices."""
        nonlocal cut
        executed = 0
        while True:
            r.step(choice)
            executed += 1
            key = r.key()
            n = nodes[i]
            j = index.get(key)
            if j is not None:
                n.edges[choice] = j
                if n.first is None:
                    n.first = choice
                return j, executed
            j = len(nodes)
            nodes.append(_Node(depth=n.depth + 1, parent=i, via=choice, broken=r.broken, key=key))
            index[key] = j
            n.edges[choice] = j
            if n.first is None:
                n.first = choice
            expand(j, r)
            nd = nodes[j]
            if nd.facts is not None:
                return j, executed
            if nd.depth >= max_steps:
                nd.facts = r.facts() | {"cut": True}
                nd.choices = ()
                nd.edges = {}
                cut = True
                return j, executed
            i, choice = j, nd.choices[0]

    def record(end: int, prefix_len: int, executed: int, start_node: int):
        path = _path_of(nodes, end) + _cont_of(nodes, end)
        while nodes[end].facts is None and nodes[end].first is not None:
            end = nodes[end].edges[nodes[end].first]
        a, b = tasks[0], tasks[1] if len(tasks) > 1 else None
        start = None
        if b is not None and b in path:
            start = path[: path.index(b)].count(a)
        rows.append(
            {
                "run": len(rows),
                "schedule": tuple(path),
                "length": len(path),
                "start": start,
                "steps_run": prefix_len + executed,
                "_end": end,
            }
        )

    expand(0, run)
    if root.facts is None:
        end, executed = go(run, 0, root.choices[0])
        record(end, 0, executed, 0)
    while stack:
        if len(rows) >= max_runs:
            cut = True
            break
        i, choice = stack.pop()
        if nodes[i].edges.get(choice) is not None:
            continue
        prefix = _path_of(nodes, i)
        r = _Run(build, variant, args, strict=strict)
        for name in prefix:
            r.step(name, check=False)
        r.broken = nodes[i].broken
        if r.key() != nodes[i].key:
            raise RuntimeError(
                "build(kernel) is not deterministic: replaying the same schedule reached "
                "another state (use the kernel's seed, never global randomness)"
            )
        end, executed = go(r, i, choice)
        record(end, len(prefix), executed, i)
    ex = Exploration(
        build,
        variant,
        args,
        tasks,
        nodes,
        rows,
        exhaustive=not cut and not stack,
        seconds=time.perf_counter() - t0,
    )
    return ex


def _path_of(nodes, i):
    out = []
    while nodes[i].via is not None:
        out.append(nodes[i].via)
        i = nodes[i].parent
    return out[::-1]


def _cont_of(nodes, i):
    out = []
    while nodes[i].facts is None and nodes[i].first is not None:
        out.append(nodes[i].first)
        i = nodes[i].edges[nodes[i].first]
    return out


def replay(
    build: Callable[[Kernel], object],
    schedule,
    *,
    variant: str | None = None,
    trace: bool = True,
    kernel_args: dict | None = None,
) -> Kernel:
    """A fresh machine from ``build``, stepped by ``Kernel.step`` along ``schedule`` (task
    names); returns the kernel (traced by default). Raises ScheduleError if a step names
    a task that is missing or asleep at that point."""
    variant, args = _kernel_args(build, variant, kernel_args)
    r = _Run(build, variant, args, trace=trace)
    for name in schedule:
        r.step(name, check=False)
    return r.k


def format_schedule(schedule) -> str:
    """A schedule written short: runs of the same task as ``name×n``, comma-separated."""
    out = []
    for name in schedule:
        if out and out[-1][0] == name:
            out[-1][1] += 1
        else:
            out.append([name, 1])
    return ", ".join(name if n == 1 else f"{name}×{n}" for name, n in out)


def _kind(ev):
    """An event's kind; the step in which a path hits a kernel BUG counts as "bug"."""
    if ev is None:
        return None
    return "bug" if ev.data.get("bug") else ev.kind


def aligned_traces(
    build,
    schedule,
    variants=("before-patch", "patched", "unsafe-writeout"),
    *,
    kernel_args: dict | None = None,
):
    """The same schedule replayed on several variants, event by event: a DataFrame with
    one row per step (slot, task) and, per variant, the func, kind and what of the event
    that step produced (None where that variant's task was asleep or finished: the
    step is skipped there), then ``same`` (every variant did the same thing). Steps a
    variant needs after the schedule ends (its paths took longer) follow, first
    runnable task first."""
    import pandas as pd

    schedule = list(schedule)
    per = {}
    for v in variants:
        var, args = _kernel_args(build, v, kernel_args)
        r = _Run(build, var, args, trace=False)
        evs = []
        for name in schedule:
            task = next((t for t in r.k.tasks if t.name == name), None)
            evs.append(r.step(name, check=False) if task is not None and task.runnable else None)
        extra = []
        for _ in range(10_000):
            ready = r.runnable()
            if not ready:
                break
            extra.append((ready[0], r.step(ready[0], check=False)))
        per[v] = (evs, extra)
    longest = max(len(x[1]) for x in per.values())
    rows = []
    for i, name in enumerate(schedule):
        row = {"slot": i, "task": name}
        for v in variants:
            ev = per[v][0][i]
            row[f"{v} func"] = ev.func if ev is not None else None
            row[f"{v} kind"] = _kind(ev)
            row[f"{v} what"] = ev.what if ev is not None else None
        rows.append(row)
    for j in range(longest):
        row = {"slot": len(schedule) + j, "task": "(after the schedule)"}
        for v in variants:
            extra = per[v][1]
            ev = extra[j][1] if j < len(extra) else None
            row[f"{v} func"] = ev.func if ev is not None else None
            row[f"{v} kind"] = _kind(ev)
            row[f"{v} what"] = f"{extra[j][0]}: {ev.what}" if ev is not None else None
        rows.append(row)
    frame = pd.DataFrame(rows)
    keys = [[(r[f"{v} func"], r[f"{v} what"]) for v in variants] for r in rows]
    frame["same"] = [all(k == ks[0] for k in ks) for ks in keys]
    return frame


__all__ = [
    "aligned_traces",
    "format_schedule",
    "explore",
    "replay",
    "Exploration",
    "ScheduleError",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "machine_key",
]
