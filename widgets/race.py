"""RaceExplorer: two kernel paths side by side, and you decide who runs next.

A migration of a dirty file page shared by two processes (its file has no
migratepage, so the page is written out first) races either a fault (process 2
touches the page) or writeback of the same page. Step either path; watch process 2
sleep in ``migration_entry_wait`` while a migration entry stands in its pte, and,
with ``variant="unsafe-writeout"``, the invariant that breaks when writepage runs with
migration entries still in place (a fault in that window hits the kernel's BUG).
"""

from __future__ import annotations

import ipywidgets as ipw
import traitlets

from pagemig.constants import VARIANTS
from pagemig.scenarios import build_scenario

from ._base import (
    DEFAULT_DPI,
    FigureWidgetMixin,
    busy,
    esc,
    events_html,
    message_html,
    set_title,
    violations_html,
)
from .plots import plot_pte_map, plot_timeline

RACES = ("fault", "writeback")
OTHER_LABEL = {"fault": "Step fault (pid 2 reads)", "writeback": "Step writeback"}


class RaceExplorer(FigureWidgetMixin, ipw.VBox):
    """A migration and a second path (``race="fault"`` or ``"writeback"``), stepped by hand.

    Traits: ``race``, ``variant``, ``seed`` (changing one rebuilds the machine).
    Buttons: ``migration_button`` (step the migration), ``other_button`` (step the
    fault or the writeback; its first press starts it), ``run_button`` (both to the
    end, round-robin), ``back_button``, ``reset_button``. When the chosen path is
    asleep and the I/O it waits for can complete, the I/O runs instead.
    State: ``kernel``, ``scenario``, ``migration`` and ``other`` (the two Tasks;
    ``other`` is None until started), ``history`` ("m"/"o" per step), ``events``.
    ``dpi`` and ``render``: see ``widgets._base.FigureWidgetMixin``.
    """

    race = traitlets.Enum(RACES, default_value="fault")
    variant = traitlets.Enum(VARIANTS, default_value="patched")
    seed = traitlets.Int(0)

    def __init__(
        self, race="fault", variant="patched", *, seed=0, dpi=DEFAULT_DPI, render=True, **kwargs
    ):
        super().__init__(**kwargs)
        self.race, self.variant, self.seed = race, variant, seed
        self.kernel = self.scenario = self.migration = self.other = None
        self.history: list[str] = []
        self.message = ""
        self._page = None
        self._init_figure((8.0, 4.6), dpi, render)
        self._pte_ax = self._fig.add_axes((0.09, 0.62, 0.64, 0.28))
        self._time_ax = self._fig.add_axes((0.16, 0.10, 0.57, 0.36))
        style = {"description_width": "initial"}
        self.race_control = ipw.ToggleButtons(options=RACES, description="race with", style=style)
        self.variant_control = ipw.Dropdown(options=VARIANTS, description="variant", style=style)
        for name in ("race", "variant"):
            ipw.link((self, name), (getattr(self, f"{name}_control"), "value"))
        self.migration_button = ipw.Button(description="Step migration")
        self.other_button = ipw.Button(
            description=OTHER_LABEL[self.race], layout=ipw.Layout(width="auto")
        )
        self.run_button = ipw.Button(description="Run both")
        self.back_button = ipw.Button(description="Back")
        self.reset_button = ipw.Button(description="Reset")
        self.migration_button.on_click(lambda _b: self.step_migration())
        self.other_button.on_click(lambda _b: self.step_other())
        self.run_button.on_click(lambda _b: self.run())
        self.back_button.on_click(lambda _b: self.back())
        self.reset_button.on_click(lambda _b: self.reset())
        self.message_pane = ipw.HTML()
        self.migration_pane = ipw.HTML(layout=ipw.Layout(width="50%"))
        self.other_pane = ipw.HTML(layout=ipw.Layout(width="50%"))
        self.check_pane = ipw.HTML()
        self.children = [
            ipw.HBox([self.race_control, self.variant_control]),
            ipw.HBox(
                [
                    self.migration_button,
                    self.other_button,
                    self.run_button,
                    self.back_button,
                    self.reset_button,
                ]
            ),
            self.message_pane,
            self.check_pane,
            self.image,
            ipw.HBox([self.migration_pane, self.other_pane]),
        ]
        self.observe(lambda _c: self.reset(), names=["race", "variant", "seed"])
        self.reset()

    # -- machine -------------------------------------------------------------------------
    def reset(self, _history=()) -> None:
        """Rebuild the machine from the seed; replay ``_history`` ("m"/"o" per step)."""
        self.other_button.description = OTHER_LABEL[self.race]
        self.history = []
        self.message = ""
        self.other = None
        try:
            sc = build_scenario(
                "file linear", dirty=True, sharers=2, variant=self.variant, seed=self.seed
            )
            self._page = sc.page
            self.scenario, self.kernel = sc, sc.kernel
            self.migration = sc.start_migration()
        except Exception as exc:  # noqa: BLE001 - shown, never raised
            self.scenario = self.kernel = self.migration = None
            self.message = f"cannot build the machine: {exc}"
        for which in _history:
            self._step(which)
        self.refresh()

    def _start_other(self):
        sc = self.scenario
        if self.race == "fault":
            return sc.processes[1].start_access(sc.addrs[1])
        return self.kernel.start_writeback(self._page)

    def _step(self, which: str):
        """One step of the migration ("m") or of the other path ("o"); the I/O a sleeping
        path waits for runs in its place. Returns the event, or None."""
        k = self.kernel
        if k is None:
            return None
        name = "the migration" if which == "m" else f"the {self.race}"
        if which == "o" and self.other is None:
            try:
                self.other = self._start_other()
            except Exception as exc:  # noqa: BLE001 - e.g. the page is gone already
                self.message = f"cannot start the {self.race}: {exc}"
                return None
        task = self.migration if which == "m" else self.other
        if task.done:
            self.message = f"{name} has finished"
            return None
        if not task.runnable:
            io = [t for t in k.tasks if t.kind == "io" and t.runnable]
            if not io:
                self.message = f"{name} sleeps ({task.waiting_on}): step the other path"
                return None
            self.message = f"{name} sleeps ({task.waiting_on}); {io[0].name} ran instead"
            task = io[0]
        else:
            self.message = ""
        try:
            ev = k.step(task)
        except Exception as exc:  # noqa: BLE001
            self.message = f"{task.name} stopped: {type(exc).__name__}: {exc}"
            return None
        self.history.append(which)
        return ev

    # -- actions -------------------------------------------------------------------------
    def step_migration(self):
        ev = self._step("m")
        self.refresh()
        return ev

    def step_other(self):
        ev = self._step("o")
        self.refresh()
        return ev

    def run(self) -> None:
        """Both paths to the end, taking turns (the other path starts if it has not)."""
        k = self.kernel
        if k is None:
            return
        n = 0
        while n < 100_000:
            progressed = False
            for which in ("m", "o"):
                task = self.migration if which == "m" else self.other
                if task is not None and task.done:
                    continue
                if self._step(which) is not None:
                    progressed = True
                    n += 1
            if not progressed:
                break
        done = self.migration.done and self.other is not None and self.other.done
        self.message = "both paths have finished" if done else self.message or "nothing can run"
        self.refresh()

    def back(self) -> None:
        self.reset(_history=self.history[:-1])

    # -- views ---------------------------------------------------------------------------
    @property
    def events(self) -> list:
        return list(self.kernel.trace) if self.kernel is not None else []

    @staticmethod
    def _status(task, name) -> str:
        if task is None:
            return f"<b>{esc(name)}</b>: not started"
        if task.done:
            res = "oops (kernel BUG)" if task.result == "oops" else repr(task.result)
            return f"<b>{esc(task.name)}</b>: returned {esc(res)}"
        if task.blocked:
            return (
                f'<b>{esc(task.name)}</b>: <span style="color:#D55E00">asleep: '
                f"{esc(task.waiting_on)}</span>"
            )
        return f"<b>{esc(task.name)}</b>: ready"

    def refresh(self) -> None:
        k = self.kernel
        ok = k is not None
        self.migration_button.disabled = not ok or self.migration.done
        self.other_button.disabled = not ok or (self.other is not None and self.other.done)
        self.run_button.disabled = not ok or not busy(k) and self.other is not None
        self.back_button.disabled = not self.history
        self.message_pane.value = message_html(self.message, "info" if ok else "warn")
        if not ok:
            self.migration_pane.value = self.other_pane.value = self.check_pane.value = ""
            self.redraw()
            return
        mname = self.migration.name
        oname = self.other.name if self.other is not None else None
        evs = self.events
        mine = [e for e in evs if e.task == mname or e.task.startswith("end_io")]
        theirs = [e for e in evs if oname is not None and e.task == oname]
        self.migration_pane.value = self._status(self.migration, "migration") + events_html(
            mine, title="migration (and I/O completion)"
        )
        self.other_pane.value = self._status(self.other, self.race) + events_html(
            theirs, title=self.race
        )
        bugs = "".join(
            f'<div style="color:#FFFFFF;background:#000000">kernel BUG in '
            f"<code>{esc(e.func)}</code>: {esc(e.what)}</div>"
            for e in k.oopses
        )
        self.check_pane.value = bugs + violations_html(k)
        self.redraw()

    def _draw(self, fig):
        k = self.kernel
        if k is None:
            return
        plot_pte_map(k, self.scenario.processes, ax=self._pte_ax, highlight=self.scenario.addrs)
        plot_timeline(self.events, ax=self._time_ax)
        set_title(
            fig,
            f"migration vs {self.race}, {self.variant}: {len(self.history)} step(s)",
        )

    def _static_text(self) -> str:
        return (
            self.message_pane.value
            + self.check_pane.value
            + self.migration_pane.value
            + self.other_pane.value
        )

    def __repr__(self) -> str:
        return (
            f"RaceExplorer(race={self.race!r}, variant={self.variant!r}, seed={self.seed}, "
            f"steps={len(self.history)})"
        )


__all__ = ["RaceExplorer", "RACES"]
