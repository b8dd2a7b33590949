"""Kernel paths as generators, and the waits they sleep in.

Not a kernel file: it plays the part of the scheduler and of wait queues
(``wait_on_page_locked``, ``lock_page``'s sleep, ``wait_on_page_writeback``),
in the style of SimPy processes. A kernel path is a generator that yields one
*step* at a time:

* a tuple ``(func, what, data)``: something happened in kernel function ``func``;
* a :class:`Wait`: the path sleeps until ``cond()`` holds.

``yield from`` calls a sub-path and receives its return value, so the same code
runs to completion (``Kernel.run``), one step at a time (``Kernel.step``) or
interleaved with other paths by a scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

KernelPath = Generator[Any, None, Any]


class Wait:
    """A sleep: the task blocks until ``cond()`` is true."""

    __slots__ = ("func", "what", "cond", "data")

    def __init__(self, func: str, what: str, cond: Callable[[], bool], data: dict | None = None):
        self.func = func
        self.what = what
        self.cond = cond
        self.data = data or {}


class Task:
    """A started kernel path (a migration, a process's access, writeback I/O ...).

    ``done`` once it returned; ``blocked`` while it sleeps (``waiting_on`` says on
    what); ``result`` is its return value (for a migration, what the kernel
    function returned).
    """

    def __init__(self, kernel, name: str, gen: KernelPath, kind: str, daemon: bool = False):
        self.kernel = kernel
        self.name = name
        self.kind = kind
        self.gen = gen
        self.done = False
        self.result = None
        self.error: Exception | None = None
        self.wait: Wait | None = None
        self.steps = 0
        # a daemon task (I/O completion, a lock holder) ends when nothing needs it;
        # run() does not wait for it.
        self.daemon = daemon

    @property
    def blocked(self) -> bool:
        return self.wait is not None

    @property
    def runnable(self) -> bool:
        return not self.done and (self.wait is None or self.wait.cond())

    @property
    def waiting_on(self) -> str | None:
        return self.wait.what if self.wait is not None else None

    def __repr__(self) -> str:
        state = "done" if self.done else ("blocked" if self.blocked else "ready")
        return f"<Task {self.name} {state}>"
