"""Small drivers the chapter modules share: step a path to a point, touch a page.

They use only the engine's public API (``Kernel.step``, ``Process.start_access``,
the trace), so they survive changes inside the kernel paths.
"""

from __future__ import annotations

import random

MAX_STEPS = 20_000


def run_access(k, proc, addr, *, write: bool = False, data: bytes | None = None):
    """Start an access and step it until it finishes or sleeps; the task."""
    task = proc.start_access(addr, write=write, data=data)
    for _ in range(MAX_STEPS):
        if task.done or k.step(task) is None:
            break
    return task


def events_of(sc, *, until: int | None = None):
    """Migrate the scenario's page alone, stepping; the events, and the machine
    stopped after ``until`` events (all of them if None). Returns (events, task)."""
    k = sc.kernel
    task = sc.start_migration()
    events = []
    for _ in range(MAX_STEPS):
        if task.done or (until is not None and len(events) >= until):
            break
        ev = k.step(task)
        if ev is not None:
            events.append(ev)
    return events, task


def cut_point(rng: random.Random, events, *, lo: int = 2) -> int:
    """A place to stop, drawn from the trace: after event ``n`` (lo <= n < len)."""
    return rng.randrange(lo, max(lo + 1, len(events) - 1))


def show_events(events, last: int = 4) -> str:
    """Where the last few events came from: kernel function and pid only (their text
    often gives the next state away)."""
    out = []
    for e in events[-last:]:
        pid = e.data.get("pid")
        out.append(f"  {e.func}" + (f" (pid {pid})" if pid is not None else ""))
    return "\n".join(out)


def step_fairly(k, task):
    """One step of ``task``, then one of every other runnable task (round robin, as
    ``Kernel.run`` would interleave them): ``task``'s event, or None."""
    ev = k.step(task)
    for other in list(k.tasks):
        if other is not task and other.runnable:
            k.step(other)
    return ev
