"""Stepper: step any kernel path and read the engine's source beside the pictures.

Each kernel path in the engine is a generator; a step runs it to its next ``yield``.
After each step the Stepper shows the source of the innermost function of the path's
generator chain (``gi_yieldfrom`` followed down), with the line it stopped at marked,
the chain of callers above it, and the event the step produced.
"""

from __future__ import annotations

import inspect
import os
import time

import ipywidgets as ipw
import traitlets

from pagemig.scenarios import build_scenario

from ._base import (
    DEFAULT_DPI,
    FastSteps,
    FigureWidgetMixin,
    busy,
    check_target,
    esc,
    events_html,
    fast_buttons,
    fast_step,
    generator_stack,
    kernel_function,
    message_html,
    set_title,
)
from .plots import plot_nodes, plot_pte_map, reset_axes

MAX_SOURCE_LINES = 60


def _source(code):
    """(lines, first line number, file) of a code object's function, or None."""
    try:
        lines, start = inspect.getsourcelines(code)
    except (OSError, TypeError):
        return None
    return lines, start, code.co_filename


def source_html(code, lineno: int, context: int = MAX_SOURCE_LINES) -> str:
    """The function's source as an HTML <pre>, the line ``lineno`` marked with a ▶."""
    src = _source(code)
    if src is None:
        return f"<pre>{esc(code.co_qualname)}: source not available</pre>"
    lines, start, filename = src
    cur = lineno - start
    lo = 0
    if len(lines) > context:  # keep the current line in view
        lo = max(0, min(cur - context // 2, len(lines) - context))
    shown = []
    for i in range(lo, min(len(lines), lo + context)):
        text = esc(lines[i].rstrip("\n"))
        n = start + i
        if i == cur:
            shown.append(
                f'<span class="pagemig-current" style="background:#F0E442;font-weight:bold">'
                f"▶{n:5d} {text}</span>"
            )
        else:
            shown.append(f" {n:5d} {text}")
    where = f"{os.path.basename(filename)}:{lineno}"
    return (
        f"<div><b><code>{esc(kernel_function(code))}</code></b> ({esc(where)})"
        f'<pre style="font-size:75%;line-height:1.25">' + "\n".join(shown) + "</pre></div>"
    )


def _default_factory():
    return build_scenario("file linear", dirty=True, sharers=2).start_migration()


class Stepper(FastSteps, FigureWidgetMixin, ipw.VBox):
    """Step a kernel path; show its source with the current line marked.

    ``task_factory``: a callable returning a started ``Task`` (e.g.
    ``lambda: build_scenario("anonymous").start_migration()``); Back and Reset call it
    again, so it should build a fresh machine each time. With ``kernel`` given,
    ``task_factory(kernel)`` is called once (and without a factory the kernel's first
    started path is followed); Back is then unavailable, as a kernel cannot be rewound.
    Without arguments: the migration of a dirty file page shared by two processes.

    When the path sleeps, Step runs whatever can run (the I/O it waits for). Traits:
    ``steps`` (setting it replays to that step when the machine can be rebuilt).
    Buttons: ``step_button``, ``back_button``, ``run_button``, ``reset_button``, and the
    fast steps ``next_function_button``, ``next_pte_button``, ``end_of_pass_button``
    (``step_to(target)``: see ``widgets._base.fast_step``).
    State: ``kernel``, ``task``, ``events``, ``last_event``, ``stack`` ([(kernel function,
    line)], outermost first: see ``widgets._base.kernel_function``), ``current_function``,
    ``current_line``.
    ``dpi``, ``render``, ``scale`` (and the ``scale`` and ``pixel_ratio`` traits):
    see ``widgets._base.FigureWidgetMixin`` and ``widgets.set_scale``.
    """

    steps = traitlets.Int(0, min=0, max=100_000)  # a replay longer than that is a typo

    def __init__(
        self,
        task_factory=None,
        kernel=None,
        *,
        dpi=DEFAULT_DPI,
        render=True,
        scale=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._factory = task_factory
        self._given_kernel = kernel
        self.rebuildable = kernel is None
        self.kernel = None
        self.task = None
        self.last_event = None
        self.message = ""
        self._shown = None  # the task whose source is shown
        self._replaying = False
        self._init_figure((6.0, 4.2), dpi, render, scale)
        self._pte_ax = self._fig.add_axes((0.12, 0.53, 0.58, 0.34))
        self._nodes_ax = self._fig.add_axes((0.12, 0.13, 0.40, 0.26))
        self.step_button = ipw.Button(description="Step")
        self.back_button = ipw.Button(description="Back")
        self.run_button = ipw.Button(description="Run")
        self.reset_button = ipw.Button(description="Reset")
        self.step_button.on_click(lambda _b: self.step())
        self.back_button.on_click(lambda _b: self.back())
        self.run_button.on_click(lambda _b: self.run())
        self.reset_button.on_click(lambda _b: self.reset())
        self.fast = fast_buttons(self)
        self.next_function_button = self.fast["function"]
        self.next_pte_button = self.fast["pte"]
        self.end_of_pass_button = self.fast["pass"]
        self.message_pane = ipw.HTML()
        self.event_pane = ipw.HTML()
        self.stack_pane = ipw.HTML()
        self.source_pane = ipw.HTML(layout=ipw.Layout(overflow="auto"))
        self.children = [
            ipw.HBox(
                [
                    self.step_button,
                    *self.fast.values(),
                    self.back_button,
                    self.run_button,
                    self.reset_button,
                ],
                layout=ipw.Layout(flex_flow="row wrap"),
            ),
            self.message_pane,
            self.event_pane,
            # the figure keeps its size (scaled for a projector); the source takes the
            # rest of the row, or goes below when the row has no room left for it
            ipw.HBox(
                [
                    ipw.VBox([self.image], layout=ipw.Layout(flex="0 1 auto")),
                    ipw.VBox(
                        [self.stack_pane, self.source_pane],
                        layout=ipw.Layout(flex="1 1 420px", min_width="320px"),
                    ),
                ],
                layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start"),
            ),
        ]
        self.observe(self._on_steps, names=["steps"])
        self.reset()

    # -- machine -------------------------------------------------------------------------
    def _start(self):
        if self._given_kernel is not None:
            k = self._given_kernel
            if self._factory is not None:
                return k, self._factory(k)
            paths = [t for t in k.tasks if not t.daemon]
            return k, (paths[0] if paths else None)
        task = (self._factory or _default_factory)()
        return task.kernel, task

    def reset(self, _steps: int = 0) -> None:
        """Start the path again (on a fresh machine) and replay ``_steps`` steps."""
        self.message = ""
        self.last_event = None
        self._shown = None
        if self.kernel is not None and not self.rebuildable:
            self.message = "this kernel was handed in: it cannot be rebuilt, so Reset does nothing"
            self.refresh()
            return
        try:
            self.kernel, self.task = self._start()
        except Exception as exc:  # noqa: BLE001 - shown, never raised into the notebook
            self.kernel = self.task = None
            self.message = f"cannot start the path: {type(exc).__name__}: {exc}"
        self._shown = self.task
        self._replaying = True
        try:
            self.steps = 0
            for _ in range(_steps):
                if self._advance() is None:
                    break
        finally:
            self._replaying = False
        self.refresh()

    def _pick(self):
        """The path under study if it can run, else something that can (its I/O)."""
        k = self.kernel
        if self.task is not None and self.task.runnable:
            return self.task
        for t in k.tasks:
            if t.runnable:
                return t
        return None

    def _advance(self):
        k = self.kernel
        if k is None or (self.task is not None and self.task.done and not busy(k)):
            return None
        if self.task is None and not k.tasks:
            return None
        t = self._pick()
        if t is None:
            self.message = "every path is asleep and nothing will wake it: " + "; ".join(
                f"{x.name}: {x.waiting_on}" for x in k.tasks if x.blocked
            )
            return None
        try:
            ev = k.step(t)
        except Exception as exc:  # noqa: BLE001
            self.message = f"{t.name} stopped: {type(exc).__name__}: {exc}"
            return None
        self._shown = t
        self.last_event = ev
        self._replaying, was = True, self._replaying
        try:
            self.steps += 1
        finally:
            self._replaying = was
        if t is not self.task and self.task is not None and self.task.blocked:
            self.message = f"{self.task.name} sleeps ({self.task.waiting_on}); {t.name} ran"
        return ev

    def _on_steps(self, change):
        if self._replaying:
            return
        target = max(0, change["new"])
        if not self.rebuildable:
            self._replaying = True
            self.steps = change["old"]
            self._replaying = False
            self.message = "this kernel was handed in: steps can only go forward with Step"
            self.refresh()
            return
        self.reset(_steps=target)

    # -- actions -------------------------------------------------------------------------
    def step(self):
        """One step; returns its event (None when nothing could run)."""
        self.message = ""
        t0 = time.perf_counter()
        ev = self._advance()
        self.timings["engine"] = time.perf_counter() - t0
        if ev is None and not self.message:
            self.message = "the path has finished" if self.kernel is not None else self.message
        self.refresh()
        return ev

    def step_to(self, target: str) -> int:
        """What the fast-step buttons do: step (as Step does) to ``target``: "function"
        (the next kernel function of the path), "pte" (the next change of a pte), "pass"
        (the end of migrate_pages' current pass). Bounded (``FAST_STEP_LIMIT`` steps);
        the message says what was reached, or that the path ended. Returns the steps."""
        check_target(target)
        self.message = ""
        k = self.kernel
        if k is None:
            self.refresh()
            return 0
        t0 = time.perf_counter()
        procs = [k.processes[pid] for pid in sorted(k.processes)]
        n, self.message = fast_step(k, self.task, procs, target, self._advance)
        self.timings["engine"] = time.perf_counter() - t0
        if self.task is not None and self.task.done:
            self._shown = self.task
        self.refresh()
        return n

    def run(self) -> None:
        """Run the path (and whatever it waits for) to the end."""
        self.message = ""
        n = 0
        while n < 100_000 and self._advance() is not None:
            n += 1
        if self.task is not None and self.task.done:
            self._shown = self.task
            self.message = f"{self.task.name} returned {self.task.result!r}"
        self.refresh()

    def back(self) -> None:
        """One step back: rebuild and replay (only when the machine can be rebuilt)."""
        if not self.rebuildable:
            self.message = "this kernel was handed in: it cannot be rewound"
            self.refresh()
            return
        self.reset(_steps=max(self.steps - 1, 0))

    # -- views -------------------------------------------------------------------------------
    @property
    def events(self) -> list:
        return list(self.kernel.trace) if self.kernel is not None else []

    @property
    def stack(self) -> list[tuple[str, int]]:
        t = self._shown
        if t is None:
            return []
        return [(kernel_function(code), line) for code, line in generator_stack(t.gen)]

    @property
    def current_function(self) -> str | None:
        s = self.stack
        return s[-1][0] if s else None

    @property
    def current_line(self) -> int | None:
        s = self.stack
        return s[-1][1] if s else None

    def refresh(self) -> None:
        k = self.kernel
        self.back_button.disabled = not self.rebuildable or self.steps == 0
        self.reset_button.disabled = not self.rebuildable
        running = k is not None and (busy(k) or (self.task is not None and not self.task.done))
        self.step_button.disabled = self.run_button.disabled = not running
        for b in self.fast.values():
            b.disabled = not running
        self.message_pane.value = message_html(self.message)
        self.event_pane.value = (
            events_html([self.last_event], title="this step", limit=1) if self.last_event else ""
        )
        t = self._shown
        frames = generator_stack(t.gen) if t is not None else []
        if frames:
            chain = " → ".join(f"<code>{esc(kernel_function(c))}</code>:{n}" for c, n in frames)
            self.stack_pane.value = f"<div><b>{esc(t.name)}</b>: {chain}</div>"
            code, line = frames[-1]
            self.source_pane.value = source_html(code, line)
        elif t is not None and t.done:
            self.stack_pane.value = (
                f"<div><b>{esc(t.name)}</b> returned {esc(repr(t.result))}</div>"
            )
            self.source_pane.value = ""
        else:
            self.stack_pane.value = ""
            self.source_pane.value = ""
        self.redraw()

    def _draw(self, fig):
        k = self.kernel
        if k is None:
            for ax in (self._pte_ax, self._nodes_ax):
                reset_axes(ax)
                ax.set_axis_off()
            return
        plot_pte_map(k, ax=self._pte_ax)
        plot_nodes(k, ax=self._nodes_ax)
        where = f", in {self.current_function}" if self.current_function else ""
        set_title(fig, f"{self.task.name if self.task else 'no path'}: step {self.steps}{where}")

    def _static_text(self) -> str:
        # The static page names the functions but leaves out the source listing and its
        # line numbers: they change whenever the engine is edited, and stored notebook
        # outputs must not.
        chain = " → ".join(f"<code>{esc(name)}</code>" for name, _line in self.stack)
        t = self._shown
        where = f"<div><b>{esc(t.name)}</b>: {chain}</div>" if t is not None and chain else ""
        return self.message_pane.value + self.event_pane.value + where

    def __repr__(self) -> str:
        name = self.task.name if self.task is not None else None
        return f"Stepper(task={name!r}, steps={self.steps}, function={self.current_function!r})"


__all__ = ["Stepper", "generator_stack", "kernel_function", "source_html"]
