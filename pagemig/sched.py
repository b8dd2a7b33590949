"""Kernel paths as generators, the waits they sleep in, and the scheduler that runs them.

Not a kernel file: it plays the part of the scheduler and of wait queues
(``wait_on_page_locked``, ``lock_page``'s sleep, ``wait_on_page_writeback``),
in the style of SimPy processes. A kernel path is a generator that yields one
*step* at a time:

* ``k.say and (func, what, data)``: something happened in kernel function ``func``;
* a :class:`Wait`: the path sleeps until ``cond()`` holds.

``yield from`` calls a sub-path and receives its return value, so the same code
runs to completion (``Kernel.run``), one step at a time (``Kernel.step``) or
interleaved with other paths by a scheduler.

**How to emit a step** (every kernel path follows this; please do too)::

    yield k.say and ("unmap_and_move", f"pfn {page.pfn}: page locked", {"pfn": page.pfn})

``k.say`` is True whenever someone will read the step: while tracing, and
always under ``Kernel.step`` (which returns the event) and therefore under the
widgets' Stepper, interleaving and the explorer. It is False only while the
scheduler runs a lone task untraced (``Kernel.migrate_pages`` and friends with
``trace=False``): then the step is just ``False``, counted on the clock, and no
message, f-string or data dict is built. Build every message and data dict
*inside* the yield expression, never before it: ``say`` can change between two
steps of one path (a lone task that meets another task goes the general way),
so a dict made at one step must not be used at a later one. A plain
``yield (func, what, data)`` still works everywhere (it is only slower
untraced), and so does a ``Wait``, which is always built.

Everything else here is the scheduler proper (``Scheduler``, a base of
``Kernel``): the run queue ``tasks``, ``step``, ``run``, ``runnable``, the clock
that numbers events, and the lone-task fast path ``_finish`` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from .errors import DeadlockError, PagemigError
from .trace import Event

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


class KernelOops(PagemigError, RuntimeError):
    """A path hit a BUG_ON the real kernel would have hit (e.g. a migration entry to an
    unlocked page under ``variant="unsafe-writeout"``)."""


_new_event = tuple.__new__  # Event(...) without its Python-level __new__
_SUMMARY_ABOVE = 32  # bytes: a longer result is recorded as its length, prefix and digest


def summarize_result(value):
    """(text, data value) the return event records for ``value``: a short bytes result
    as itself; a longer one as its length, its first 16 bytes and a SHA-1 digest (a
    traced read of a megabyte keeps a line, not the megabyte)."""
    if isinstance(value, bytes | bytearray) and len(value) > _SUMMARY_ABOVE:
        import hashlib

        text = (
            f"{len(value)} bytes {bytes(value[:16])!r}... "
            f"sha1 {hashlib.sha1(value).hexdigest()[:12]}"
        )
        return text, f"<{text}>"
    if isinstance(value, list):
        return f"status {list(value)}", value
    return (repr(value) if not isinstance(value, int) else str(value)), value


class Scheduler:
    """The run queue and the clock of a :class:`~pagemig.kernel.Kernel` (its base class).

    ``tasks`` are the started, unfinished tasks; ``current`` is the task running
    now (None between steps); ``clock`` numbers the events (it counts steps whether
    or not they are traced); ``say`` is the emission flag described above.
    Subclasses provide ``tracing``, ``trace``, ``debug_vm``, ``rng``, ``oopses``,
    ``oops()``, ``nodes`` and ``frames_per_node``.
    """

    def _init_scheduler(self) -> None:
        self.tasks: list[Task] = []
        self.current: Task | None = None
        self.clock = 0
        self.say = True
        self._task_names: dict[str, int] = {}
        self._rr = 0
        self._broken: tuple[str, ...] = ()

    def _start(self, name: str, gen, kind: str, daemon: bool = False) -> Task:
        n = self._task_names.get(name, 0) + 1
        self._task_names[name] = n
        task = Task(self, f"{name}#{n}" if n > 1 else name, gen, kind, daemon)
        self.tasks.append(task)
        return task

    def _record(self, task: Task | None, item, kind: str = "step") -> Event:
        func, what, data = item
        ev = _new_event(
            Event, (self.clock, task.name if task else "kernel", func, what, kind, data)
        )
        self.clock += 1
        if self.tracing:
            self.trace.events.append(ev)
        return ev

    def _event(self, func: str, what: str, data: dict) -> None:
        """An event outside any task (a system call that completes at once)."""
        self._record(self.current, (func, what, data))

    def step(self, task: Task) -> Event | None:
        """Advance ``task`` by one step and return the event it produced, or None if
        the task has finished or is still asleep."""
        if not isinstance(task, Task) or task.kernel is not self:
            raise TypeError("step() takes a Task this kernel started")
        if task.done:
            return None
        if task.wait is not None:
            if not task.wait.cond():
                return None
            w = task.wait
            task.wait = None
            return self._after_step(
                self._record(
                    task, (w.func, "woken: " + w.what.replace("sleeps", "slept"), w.data), "wake"
                )
            )
        prev, said = self.current, self.say
        self.current = task
        self.say = True  # whoever steps gets the event back
        try:
            item = next(task.gen)
        except StopIteration as stop:
            self._end_task(task, stop.value)
            return self._after_step(self._record(task, _return_item(task), "return"))
        except PagemigError as exc:
            self._end_task(task, error=exc)
            return self._after_step(self._record(task, _error_item(exc), "error"))
        finally:
            self.current, self.say = prev, said
        task.steps += 1
        if isinstance(item, Wait):
            task.wait = item
            return self._after_step(self._record(task, (item.func, item.what, item.data), "wait"))
        return self._after_step(self._record(task, item))

    def _end_task(self, task: Task, value=None, error: Exception | None = None) -> None:
        """The task's generator returned ``value`` (or raised ``error``): mark it done
        and drop it from the run queue."""
        task.done = True
        self._reap(task)
        if error is not None:
            task.error = error
        else:
            task.result = value

    def _after_step(self, ev: Event) -> Event:
        if self.debug_vm:
            from .invariants import violations

            found = violations(self)
            broken = tuple(rule for rule, _ in found)
            for rule, details in found:
                if rule not in self._broken:
                    self.oops(
                        "check", f"invariant broken: {rule}: {details}", {"rule": rule}, fatal=False
                    )
            self._broken = broken
        return ev

    def _reap(self, task: Task) -> None:
        if task in self.tasks:
            self.tasks.remove(task)

    def runnable(self) -> list[Task]:
        return [t for t in self.tasks if t.runnable]

    def _pick(self, policy: str) -> Task | None:
        tasks = self.tasks
        if not tasks:
            return None
        if policy == "random":
            ready = [t for t in tasks if t.runnable]
            # only rng.random(): its sequence is stable across Python versions
            return ready[int(self.rng.random() * len(ready))] if ready else None
        n = len(tasks)
        for i in range(n):
            t = tasks[(self._rr + i) % n]
            if t.runnable:
                self._rr = (self._rr + i + 1) % max(n, 1)
                return t
        return None

    def run(self, policy: str = "round-robin", max_steps: int = 1_000_000) -> None:
        """Run every started task to the end, interleaving them (round-robin by
        default, or "random" with the kernel's seeded generator). Tasks that only
        wait for something nobody will do (a lock holder nobody contends) are left."""
        if not isinstance(policy, str) or policy not in ("round-robin", "random"):
            raise ValueError("policy must be 'round-robin' or 'random'")
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
            raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
        for _ in range(max_steps):
            if not any(not t.daemon for t in self.tasks):
                # only daemons left: let the ones that can finish, finish
                t = self._pick(policy)
                if t is None:
                    return
                self.step(t)
                continue
            t = self._pick(policy)
            if t is None:
                raise DeadlockError(self._deadlock_message())
            self.step(t)
        raise RuntimeError(f"run() gave up after {max_steps} steps")

    def _finish(self, task: Task):
        """Run the scheduler until ``task`` is done; return its result or raise its error."""
        steps = 0
        while not task.done:
            if not self.debug_vm:
                # Fast path: while ``task`` is the only task and awake, stepping it is
                # just resuming its generator and recording what it yields (what
                # step() would do; untraced, with nothing built that nobody reads).
                # Anything else (another task, a sleep) goes the general way below.
                steps += self._run_alone(task)
                if task.done:
                    break
            t = self._pick("round-robin")
            if t is None:
                self._reap(task)
                raise DeadlockError(self._deadlock_message())
            self.step(t)
            steps += 1
            if steps > self._step_limit():
                raise RuntimeError(f"a task did not finish in {self._step_limit():,} steps")
        err = task.error
        if err is not None:
            raise err
        if task.result == "oops":
            raise KernelOops(self.oopses[-1].what if self.oopses else "kernel BUG")
        return task.result

    def _run_alone(self, task: Task) -> int:
        """Step ``task`` while it is the only task and awake; returns the steps taken.
        Same effects as step() + _pick() (without debug_vm): the events (when tracing)
        or the clock, steps, result, error, reaping, the round-robin cursor (0 with
        one task). Untraced, ``say`` is False meanwhile: the path builds no message."""
        tasks = self.tasks
        if task.wait is not None or len(tasks) != 1 or tasks[0] is not task:
            return 0
        tracing = self.tracing
        record = self._record
        gen = task.gen
        prev, said = self.current, self.say
        self.current = task
        self.say = tracing
        self._rr = 0  # what _pick leaves with one task
        n = 0
        limit = self._step_limit()
        try:
            while n < limit:
                try:
                    item = next(gen)
                except StopIteration as stop:
                    self._end_task(task, stop.value)
                    if tracing:
                        record(task, _return_item(task), "return")
                    else:
                        self.clock += 1
                    return n + 1  # (the return is not one of the task's steps)
                except PagemigError as exc:
                    self._end_task(task, error=exc)
                    if tracing:
                        record(task, _error_item(exc), "error")
                    else:
                        self.clock += 1
                    return n + 1
                n += 1
                if item.__class__ is Wait:
                    task.wait = item
                    if tracing:
                        record(task, (item.func, item.what, item.data), "wait")
                    else:
                        self.clock += 1
                    return n
                if tracing:
                    record(task, item)
                else:
                    self.clock += 1
                if tasks[-1] is not task:  # the path started another task
                    return n
            raise RuntimeError(f"a task did not finish in {limit:,} steps")
        finally:
            task.steps += n
            self.current, self.say = prev, said

    def _step_limit(self) -> int:
        """How many steps ``_finish`` lets one task take before calling it a runaway: 5
        million, plus 100 a frame (a migration of every page of a big machine takes
        about 12 steps a page)."""
        return 5_000_000 + 100 * len(self.nodes) * self.frames_per_node

    def _deadlock_message(self) -> str:
        lines = [f"{t.name}: {t.waiting_on}" for t in self.tasks if t.blocked]
        return "every task is asleep and nothing will wake them: " + "; ".join(lines)


def _return_item(task: Task):
    """The (func, what, data) of a finished task's return event (built only if recorded)."""
    text, value = summarize_result(task.result)
    return ("return", f"returns {text}", {"result": value})


def _error_item(exc: Exception):
    return ("error", str(exc), {})
