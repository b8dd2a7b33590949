"""The trace: every step of every kernel path, as an event.

Not a kernel file: it plays the part tracepoints play today
(include/trace/events/migrate.h), for every step rather than a few.
"""

from __future__ import annotations

from collections import namedtuple


class Event(namedtuple("Event", "seq task func what kind data")):
    """One step: which task did what in which kernel function.

    ``kind`` is "step" (something happened), "wait" (the task went to sleep),
    "wake" (it woke up), "return" (the path finished, ``data["result"]``), or
    "bug" (a BUG_ON the real kernel would have hit). Immutable (a named tuple: the
    scheduler makes one per traced step, so it is as cheap to build as a tuple).
    """

    __slots__ = ()

    def __new__(cls, seq: int, task: str, func: str, what: str, kind: str = "step", data=None):
        return tuple.__new__(cls, (seq, task, func, what, kind, {} if data is None else data))

    def __str__(self) -> str:
        return f"#{self.seq:<4} {self.task:<18} {self.func:<28} {self.what}"


class Trace:
    """The events recorded so far (all of them, in order)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def __getitem__(self, i):
        return self.events[i]

    def clear(self) -> None:
        self.events.clear()

    def funcs(self) -> list[str]:
        return [e.func for e in self.events]

    def find(self, func: str | None = None, kind: str | None = None, task: str | None = None):
        return [
            e
            for e in self.events
            if (func is None or e.func == func)
            and (kind is None or e.kind == kind)
            and (task is None or e.task == task)
        ]

    def tail(self, n: int = 10) -> list[Event]:
        return self.events[-n:]

    def format(self, events=None) -> str:
        return "\n".join(str(e) for e in (self.events if events is None else events))

    def to_frame(self):
        """The events as a pandas DataFrame: seq, task, func, what, kind, then one
        column per data key that any event carries (pfn, node, pass, rc, addr ...)."""
        import pandas as pd

        keys: list[str] = []
        for e in self.events:
            for k in e.data:
                if k not in keys:
                    keys.append(k)
        rows = [
            {"seq": e.seq, "task": e.task, "func": e.func, "what": e.what, "kind": e.kind}
            | {k: e.data.get(k) for k in keys}
            for e in self.events
        ]
        cols = ["seq", "task", "func", "what", "kind", *keys]
        return pd.DataFrame(rows, columns=cols)
