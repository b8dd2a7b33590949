"""*predict* exercises generated from any migration trace.

A machine (``build_scenario``'s settings, drawn per seed) migrates its page one
step at a time; the question stops it after a seeded number of events, shows
where the last events came from, and asks what the reader predicts:

- ``"next"``: which kernel function records the migration's next event;
- ``"pte"``: the kind of one process's pte for the page (none, present, migration, file);
- ``"count"``: the old page's reference count (page_count) at that point;
- ``"rc"``: the return code the migration reports next (0, -EAGAIN, -EBUSY, ...).

So every scenario yields endless questions; a chapter module makes one with
:func:`trace_exercise`. Uses only the public engine API (``build_scenario``,
``Kernel.step``, the trace).
"""

from __future__ import annotations

from collections.abc import Callable

from pagemig.scenarios import build_scenario

from ..quiz import Exercise
from ._run import MAX_STEPS, step_fairly

ASKS = ("next", "pte", "count", "rc")
PTE_KINDS = ("none", "present", "migration", "file")
RC_NAMES = {0: "0", -11: "-EAGAIN", -16: "-EBUSY", -12: "-ENOMEM", -5: "-EIO", -22: "-EINVAL"}


def migration_events(machine: dict, seed: int, until: int | None = None):
    """Build the machine, migrate its page stepping fairly (other tasks, such as write
    I/O, run in between) and stop after ``until`` of the migration's events.
    Returns (scenario, old page, the migration's events so far, its task)."""
    sc = build_scenario(**machine, seed=seed)
    k = sc.kernel
    old = sc.page
    task = sc.start_migration()
    events = []
    for _ in range(MAX_STEPS):
        if task.done or (until is not None and len(events) >= until):
            break
        ev = step_fairly(k, task)
        if ev is not None:
            events.append(ev)
        elif not task.runnable and not any(t.runnable for t in k.tasks):
            break  # asleep with nothing else to run
    return sc, old, events, task


def next_event(sc, task):
    """The migration task's next event (stepping the others fairly), or None at its end."""
    for _ in range(MAX_STEPS):
        if task.done:
            return None
        ev = step_fairly(sc.kernel, task)
        if ev is not None:
            return ev
    return None


def describe(machine: dict) -> str:
    """The machine in words, for the question."""
    m = dict(machine)
    state = "dirty" if m.get("dirty") else "clean"
    mapping = m.get("mapping", "file linear")
    kind = "an anonymous" if mapping == "anonymous" else f"a {state} {mapping}"
    text = (
        f"The {m.get('variant', 'patched')} kernel migrates {kind} page that "
        f"{m.get('sharers', 1)} process(es) map"
    )
    if m.get("pins"):
        text += f", pinned {m['pins']} time(s)"
    if m.get("dirty") and mapping != "anonymous" and not m.get("migratepage"):
        if "writepage" in m and m["writepage"] is None:
            text += " (no migratepage, and no writepage method)"
        else:
            text += f" (no migratepage; writepage answers {m.get('writepage', 'ok')!r})"
    return text


def _why_pte(sc, events, who, answer) -> str:
    pid = sc.processes[who].pid
    unmapped = any(e.func == "try_to_unmap_one" and e.data.get("pid") == pid for e in events)
    restored = any(e.func == "remove_migration_pte" and e.data.get("pid") == pid for e in events)
    swept = any(e.func == "try_to_unmap_cluster" for e in events)
    if answer == "present" and restored:
        return (
            "remove_migration_pte has already turned the migration entry back into a present "
            "pte (to the new page, or to the old one after a failed attempt)."
        )
    if answer == "present" and not unmapped:
        return (
            f"no walk has replaced pid {pid}'s pte so far (try_to_unmap_one has not reached "
            "it, in this pass or an earlier one): it still maps the old page."
        )
    if answer == "migration":
        return (
            "try_to_unmap_one has replaced it with a migration entry, and the restore walk has "
            "not reached it yet."
        )
    if answer == "none":
        return (
            "before the patch try_to_unmap_one clears a file pte (pte_none): it stays empty "
            "until the process faults."
        )
    if answer == "file" and swept:
        return "try_to_unmap_cluster cleared it, leaving a file pte (the VMA is nonlinear)."
    return f"stepping the engine to that point, the pte is {answer}."


def trace_exercise(
    key: str,
    *,
    machines: Callable,
    ask: str,
    hint: str,
    tier: str = "check",
    seed: int = 0,
    hints=None,
    capstone: bool = False,
    shift: int = 0,
) -> Exercise:
    """A *predict* exercise on the machines ``machines(rng)`` draws (``build_scenario``
    settings), stopped at a seeded point; ``ask`` is one of :data:`ASKS`. ``shift``
    moves the exercise's draws along the random stream, so two exercises of one sheet
    built on the same ``machines`` stop different machines."""
    if ask not in ASKS:
        raise ValueError(f"ask must be one of {', '.join(ASKS)}, got {ask!r}")

    def params(rng):
        for _ in range(shift):
            rng.random()
        machine = dict(machines(rng))
        _, _, events, _ = migration_events(machine, 0)
        if ask == "rc":  # stop before an event that reports a return code
            spots = [i for i, e in enumerate(events) if "rc" in e.data and i >= 2]
            stop = rng.choice(spots) if spots else len(events) - 1
        elif ask == "pte":  # stop once the unmap has begun: the interesting part
            first = next((i for i, e in enumerate(events) if e.func == "try_to_unmap"), 2)
            stop = rng.randrange(first, max(first + 1, len(events) - 1))
        else:
            stop = rng.randrange(2, max(3, len(events) - 1))
        return {"machine": machine, "stop": stop, "who": rng.randrange(machine.get("sharers", 1))}

    def stopped(p):
        return migration_events(p.machine, p.seed, until=p.stop)

    def question(p):
        sc, _, events, _ = stopped(p)
        pids = ", ".join(str(q.pid) for q in sc.processes)
        where = []
        for e in events[-4:]:
            pid = e.data.get("pid")
            where.append(f"  {e.func}" + (f" (pid {pid})" if pid is not None else ""))
        asks = {
            "next": "Which kernel function records the migration's next event?",
            "pte": (
                f"What kind is pid {sc.processes[p.who].pid}'s pte at {sc.addrs[p.who]:#x} now?"
            ),
            "count": "What is the old page's reference count (page_count) now?",
            "rc": "What return code does the migration's next event report?",
        }
        return (
            f"{describe(p.machine)} (pids {pids}). We stop after {len(events)} of the "
            f"migration's events; the last ones came from:\n" + "\n".join(where) + "\n" + asks[ask]
        )

    def solve(p):
        sc, old, events, task = stopped(p)
        if ask == "pte":
            return sc.processes[p.who].pte(sc.addrs[p.who]).kind
        if ask == "count":
            return old.count
        ev = next_event(sc, task)
        if ev is None:
            raise AssertionError(f"{key}: the migration has no next event at {p.stop}")
        if ask == "next":
            return ev.func
        rc = ev.data.get("rc")
        return RC_NAMES.get(rc, str(rc))

    def choices(p):
        if ask == "pte":
            return list(PTE_KINDS)
        if ask == "next":
            _, _, events, _ = migration_events(p.machine, p.seed)
            return sorted({e.func for e in events})
        if ask == "rc":  # the usual codes, and any other this machine reports (a count)
            _, _, events, _ = migration_events(p.machine, p.seed)
            seen = [RC_NAMES.get(e.data["rc"], str(e.data["rc"])) for e in events if "rc" in e.data]
            return list(RC_NAMES.values()) + sorted(set(seen) - set(RC_NAMES.values()))
        return None

    def explain(p, answer):
        sc, old, events, _ = stopped(p)
        if ask == "pte":
            return _why_pte(sc, events, p.who, answer)
        if ask == "count":
            held = ", ".join(f"{k} {v}" for k, v in sorted(old.refs.items()) if v) or "nothing"
            return f"page_count is {answer}: the references held are {held}."
        if ask == "next":
            return f"the next event comes from {answer}."
        return f"the next event reports {answer}."

    return Exercise(
        question,
        solve=solve,
        params=params,
        choices=None if ask == "count" else choices,
        hint=hint,
        hints=hints,
        explain=explain,
        kind="predict",
        tier=tier,
        key=key,
        seed=seed,
        capstone=capstone,
    )
