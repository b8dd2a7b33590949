"""Small drivers the chapter modules share: step a path to a point, touch a page.

They use only the engine's public API (``Kernel.step``, ``Process.start_access``,
the trace), so they survive changes inside the kernel paths.
"""

from __future__ import annotations

MAX_STEPS = 20_000


def run_access(k, proc, addr, *, write: bool = False, data: bytes | None = None):
    """Start an access and step it until it finishes or sleeps; the task."""
    task = proc.start_access(addr, write=write, data=data)
    for _ in range(MAX_STEPS):
        if task.done or k.step(task) is None:
            break
    return task


def step_fairly(k, task):
    """One step of ``task``, then one of every other runnable task (round robin, as
    ``Kernel.run`` would interleave them): ``task``'s event, or None."""
    ev = k.step(task)
    for other in list(k.tasks):
        if other is not task and other.runnable:
            k.step(other)
    return ev
