"""RaceExplorer: two kernel paths side by side, and you decide who runs next.

``scenario="anonymous page"`` races a migration of an anonymous page with its
process's read instead (chapter 2). ``view="all interleavings"`` explores every
interleaving of the race (``pagemig.explore``), draws the race map, and shows one
button per cell of the map (where the second path starts x outcome): a click, or
setting ``selected_schedule`` from code, rebuilds the explored machine and replays
that schedule one step at a time with **Next scheduled step**.

A migration of a dirty file page shared by two processes (its file has no
migratepage, so the page is written out first) races either a fault (process 2
touches the page) or writeback of the same page. Step either path; watch process 2
sleep in ``migration_entry_wait`` while a migration entry stands in its pte, and,
with ``variant="unsafe-writeout"``, the invariant that breaks when writepage runs with
migration entries still in place (a fault in that window hits the kernel's BUG).
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as ipw
import traitlets

from pagemig.constants import VARIANTS
from pagemig.explore import OUTCOME_LABELS, explore
from pagemig.kernel import Kernel
from pagemig.scenarios import build_scenario, race

from ._base import (
    DEFAULT_DPI,
    FastSteps,
    FigureWidgetMixin,
    TextRecorder,
    busy,
    canvas_png,
    check_target,
    esc,
    events_html,
    fast_buttons,
    fast_step,
    legibility_html,
    measure_text,
    message_html,
    new_figure,
    set_title,
    violations_html,
)
from .palette import OUTCOME_COLOURS, text_colour
from .plots import plot_pte_map, plot_race_map, plot_timeline, race_map_alt

RACES = ("fault", "writeback")
SCENARIOS = ("dirty file page", "anonymous page")
VIEWS = ("step by hand", "all interleavings")
OTHER_LABEL = {"fault": "Step fault (pid 2 reads)", "writeback": "Step writeback"}
# the ready-made race (pagemig.scenarios.race) behind each (scenario, race) choice
EXPLORED_RACE = {
    ("dirty file page", "fault"): "file-fault",
    ("dirty file page", "writeback"): "writeback",
    ("anonymous page", "fault"): "anon-fault",
}


@lru_cache(maxsize=16)
def explore_race(name: str, variant: str):
    """``pagemig.explore.explore(race(name), variant=variant)``, kept for the session: the
    book's figures and the explorer's view share one exploration per race and variant."""
    return explore(race(name), variant=variant)


class RaceExplorer(FastSteps, FigureWidgetMixin, ipw.VBox):
    """A migration and a second path (``race="fault"`` or ``"writeback"``), stepped by hand.

    Traits: ``race``, ``variant``, ``seed`` (changing one rebuilds the machine).
    Buttons: ``migration_button`` (step the migration), the fast steps of the migration
    ``next_function_button``, ``next_pte_button``, ``end_of_pass_button`` (``step_to``:
    see ``widgets._base.fast_step``), ``other_button`` (step the
    fault or the writeback; its first press starts it), ``run_button`` (both to the
    end, round-robin), ``back_button``, ``reset_button``. When the chosen path is
    asleep and the I/O it waits for can complete, the I/O runs instead.
    State: ``kernel``, ``scenario``, ``migration`` and ``other`` (the two Tasks;
    ``other`` is None until started), ``history`` ("m"/"o" per step), ``events``.
    ``dpi``, ``render``, ``scale`` (and the ``scale`` and ``pixel_ratio`` traits):
    see ``widgets._base.FigureWidgetMixin`` and ``widgets.set_scale``.
    """

    race = traitlets.Enum(RACES, default_value="fault")
    variant = traitlets.Enum(VARIANTS, default_value="patched")
    seed = traitlets.Int(0)
    scenario_name = traitlets.Enum(SCENARIOS, default_value="dirty file page")
    view = traitlets.Enum(VIEWS, default_value="step by hand")
    # a schedule of the explored race (task names); [] = none: stepping by hand
    selected_schedule = traitlets.List(traitlets.Unicode())

    def __init__(
        self,
        race="fault",
        variant="patched",
        *,
        seed=0,
        scenario="dirty file page",
        view="step by hand",
        dpi=DEFAULT_DPI,
        render=True,
        scale=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if scenario == "anonymous page" and race != "fault":
            raise ValueError("an anonymous page races a fault only (it has no writeback)")
        self.race, self.variant, self.seed = race, variant, seed
        self.scenario_name = scenario
        self.view = view
        self.kernel = self.scenario = self.migration = self.other = None
        self.exploration = None
        self.replayed = 0  # steps of selected_schedule taken so far
        self.map_cells: list = []
        self.history: list[str] = []
        self.message = ""
        self._page = None
        self.map_last_legibility: dict = {}
        self._init_figure((8.0, 4.6), dpi, render, scale)
        self._pte_ax = self._fig.add_axes((0.09, 0.62, 0.64, 0.28))
        self._time_ax = self._fig.add_axes((0.16, 0.10, 0.57, 0.36))
        style = {"description_width": "initial"}
        self.race_control = ipw.ToggleButtons(options=RACES, description="race with", style=style)
        self.variant_control = ipw.Dropdown(options=VARIANTS, description="variant", style=style)
        self.scenario_control = ipw.Dropdown(options=SCENARIOS, description="page", style=style)
        self.view_control = ipw.ToggleButtons(options=VIEWS, description="view", style=style)
        for name in ("race", "variant", "view"):
            ipw.link((self, name), (getattr(self, f"{name}_control"), "value"))
        ipw.link((self, "scenario_name"), (self.scenario_control, "value"))
        self.next_button = ipw.Button(description="Next scheduled step", disabled=True)
        self.next_button.on_click(lambda _b: self.replay_step())
        self.map_image = ipw.Image(format="png", layout=ipw.Layout(max_width="100%"))
        self.map_image.add_class("pagemig-figure")
        self.map_legibility = ipw.HTML(layout=ipw.Layout(display="none"))
        self.map_alt = ipw.HTML()
        self.map_grid = ipw.GridBox(layout=ipw.Layout(grid_gap="1px"))
        self.map_box = ipw.VBox(
            [
                self.map_image,
                self.map_legibility,
                self.map_alt,
                ipw.HTML("<b>Click a cell to replay it:</b>"),
                self.map_grid,
            ],
            layout=ipw.Layout(display="none"),
        )
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
        self.fast = fast_buttons(self)
        self.next_function_button = self.fast["function"]
        self.next_pte_button = self.fast["pte"]
        self.end_of_pass_button = self.fast["pass"]
        self.message_pane = ipw.HTML()
        self.migration_pane = ipw.HTML(layout=ipw.Layout(width="50%"))
        self.other_pane = ipw.HTML(layout=ipw.Layout(width="50%"))
        self.check_pane = ipw.HTML()
        self.children = [
            ipw.HBox([self.scenario_control, self.race_control, self.variant_control]),
            self.view_control,
            self.map_box,
            ipw.HBox(
                [
                    self.migration_button,
                    *self.fast.values(),
                    self.other_button,
                    self.run_button,
                    self.back_button,
                    self.reset_button,
                    self.next_button,
                ],
                layout=ipw.Layout(flex_flow="row wrap"),
            ),
            self.message_pane,
            self.check_pane,
            self.image,
            ipw.HBox([self.migration_pane, self.other_pane]),
        ]
        self.observe(self._changed, names=["race", "variant", "seed", "scenario_name"])
        self.observe(lambda _c: self._show_view(), names=["view"])
        self.observe(lambda _c: self._load_schedule(), names=["selected_schedule"])
        self.reset()
        self._show_view()

    def _changed(self, change):
        if self.scenario_name == "anonymous page" and self.race != "fault":
            self.race = "fault"  # observed again: rebuilds then
            return
        self.race_control.disabled = self.scenario_name == "anonymous page"
        self.exploration = None
        if self.selected_schedule:
            self.selected_schedule = []  # rebuilds by hand
        else:
            self.reset()
        if self.view == "all interleavings":
            self._show_view()

    # -- all interleavings ---------------------------------------------------------------
    @property
    def race_name(self) -> str:
        """The ready-made race (pagemig.scenarios.race) the view explores."""
        return EXPLORED_RACE[(self.scenario_name, self.race)]

    def _show_view(self) -> None:
        if self.view != "all interleavings":
            self.map_box.layout.display = "none"
            return
        self.map_box.layout.display = "flex"
        if self.exploration is None:
            self.message_pane.value = message_html("exploring every interleaving ...")
            self.exploration = explore_race(self.race_name, self.variant)
        ex = self.exploration
        self._render_map()
        self.map_alt.value = f'<div class="pagemig-alt">{esc(race_map_alt(ex))}</div>'
        strips = ex.strips()
        starts = sorted(set(int(s) for s in strips["start"]))
        outcomes = [o for o in OUTCOME_LABELS if o in set(strips["outcome"])]
        cells = []
        for o in outcomes:
            for s_ in range(max(starts) + 1):
                row = strips[(strips["start"] == s_) & (strips["outcome"] == o)]
                n = int(row["interleavings"].sum()) if len(row) else 0
                if n:
                    colour = OUTCOME_COLOURS.get(o, "#BBBBBB")
                    b = ipw.Button(
                        description=str(s_),
                        tooltip=f"second path starts after migration step {s_}: "
                        f"{OUTCOME_LABELS[o]} ({n:,} interleavings)",
                        layout=ipw.Layout(width="30px", height="24px", padding="0"),
                    )
                    b.style.button_color = colour
                    b.style.text_color = text_colour(colour)
                    b.cell = (s_, o)
                    b.add_class("pagemig-race-cell")
                    b.on_click(lambda btn: self.select_cell(*btn.cell))
                else:
                    b = ipw.HTML(layout=ipw.Layout(width="30px", height="24px"))
                    b.cell = None
                cells.append(b)
        self.map_cells = [c for c in cells if c.cell is not None]
        self.map_grid.layout.grid_template_columns = f"repeat({max(starts) + 1}, 30px)"
        self.map_grid.children = cells
        self.message_pane.value = message_html(self.message)

    def map_figure(self):
        """The race map of the current race and variant (a matplotlib Figure, at the
        resolution of the widget's own figure)."""
        n = int(self.exploration.strips()["start"].max()) + 1
        fig = new_figure((8.0, max(2.6, 0.17 * n + 1.3)), self._fig.dpi)
        plot_race_map(self.exploration, ax=fig.add_axes((0.3, 0.1, 0.42, 0.8)))
        return fig

    def _render_map(self) -> None:
        """Rasterise the race map into ``map_image``, sized and measured as the machine's
        figure is (``map_legibility``)."""
        fig = self.map_figure()
        with TextRecorder(fig.canvas.get_renderer()) as rec:
            fig.canvas.draw()
        self.map_image.value = canvas_png(fig.canvas)
        self._size_image(self.map_image, fig)
        self.map_last_legibility = measure_text(fig, self.css_width(fig), rec.seen)
        self.map_legibility.value = legibility_html("race map", self.map_last_legibility)

    def _on_dpi_changed(self):
        if self.view == "all interleavings" and self.exploration is not None:
            self._render_map()

    def select_cell(self, start: int, outcome: str) -> None:
        """What a click on a cell does: replay the shortest schedule in which the second
        path starts after ``start`` migration steps and which ends in ``outcome``."""
        sched = self.exploration.cell_schedule(start, outcome)
        if sched is None:
            self.message = f"no interleaving starts at {start} with outcome {outcome}"
            self.refresh()
            return
        self.selected_schedule = list(sched)

    def _load_schedule(self) -> None:
        """Rebuild the explored race's machine for ``selected_schedule`` (nothing stepped
        yet), or the hand-stepped machine when the schedule is cleared."""
        self.reset()
        if self.selected_schedule:
            self.message = (
                f"replaying a schedule of {len(self.selected_schedule)} steps: press "
                "Next scheduled step"
            )
            self.refresh()

    def replay_step(self):
        """The next step of ``selected_schedule``."""
        ev = self._replay_one()
        if ev is not None or self.selected_schedule:
            self.refresh()
        return ev

    def _replay_one(self):
        """One step of ``selected_schedule`` (no redraw); None at its end or when the
        scheduled task cannot run (the message says which)."""
        sched = self.selected_schedule
        if not sched or self.kernel is None:
            return None
        if self.replayed >= len(sched):
            self.message = "the schedule has been replayed to its end"
            return None
        name = sched[self.replayed]
        task = next((t for t in self.kernel.tasks if t.name == name), None)
        if task is None or not task.runnable:
            self.message = f"step {self.replayed}: {name} cannot run"
            return None
        ev = self.kernel.step(task)
        self.replayed += 1
        self.history.append(
            "m" if task is self.migration else ("o" if task is self.other else name)
        )
        left = len(sched) - self.replayed
        self.message = f"scheduled step {self.replayed} of {len(sched)}: {name}" + (
            "" if left else " (the end of the schedule)"
        )
        return ev

    def step_to(self, target: str) -> int:
        """What the fast-step buttons do: step the migration (as Step migration does; the
        next scheduled steps while a schedule is replayed) to ``target``: "function" (the
        migration enters or leaves a kernel function), "pte" (a pte changes), "pass"
        (migrate_pages' current pass ends). Bounded (``FAST_STEP_LIMIT`` steps); the
        message says what was reached, or why it stopped. Returns the steps taken."""
        check_target(target)
        k = self.kernel
        if k is None or self.migration is None:
            self.refresh()
            return 0
        if self.selected_schedule:
            advance = self._replay_one
        else:

            def advance():
                return None if self.migration.done else self._step("m")

        before = self.message
        n, msg = fast_step(k, self.migration, self.scenario.processes, target, advance)
        if not msg:  # nothing could run: the reason is what the step said
            msg = self.message if self.message != before else f"{self.migration.name} cannot run"
        self.message = msg
        self.refresh()
        return n

    # -- machine -------------------------------------------------------------------------
    def reset(self, _history=()) -> None:
        """Rebuild the machine from the seed; replay ``_history`` ("m"/"o" per step, or a
        task name for a scheduled step)."""
        self.other_button.description = OTHER_LABEL[self.race]
        self.history = []
        self.message = ""
        self.other = None
        self.replayed = 0
        try:
            if self.selected_schedule:
                rc = race(self.race_name)
                k = Kernel(variant=self.variant, seed=self.seed, **rc.kernel_args)
                sc = rc(k)
                self.migration, self.other = k.tasks[0], k.tasks[1]
            elif self.scenario_name == "anonymous page":
                sc = build_scenario("anonymous", variant=self.variant, seed=self.seed)
            else:
                sc = build_scenario(
                    "file linear", dirty=True, sharers=2, variant=self.variant, seed=self.seed
                )
            self._page = sc.page
            if self.race == "fault":
                pid = sc.processes[-1].pid
                self.other_button.description = f"Step fault (pid {pid} reads)"
            self.scenario, self.kernel = sc, sc.kernel
            if not self.selected_schedule:
                self.migration = sc.start_migration()
        except Exception as exc:  # noqa: BLE001 - shown, never raised
            self.scenario = self.kernel = self.migration = None
            self.message = f"cannot build the machine: {exc}"
        for which in _history:
            if which in ("m", "o"):
                self._step(which)
            else:
                task = next((t for t in self.kernel.tasks if t.name == which), None)
                if task is not None:
                    self.kernel.step(task)
                    self.history.append(which)
        self.replayed = len(_history) if self.selected_schedule else 0
        self.refresh()

    def _start_other(self):
        sc = self.scenario
        if self.race == "fault":
            return sc.processes[-1].start_access(sc.addrs[-1])
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
        for b in self.fast.values():
            b.disabled = self.migration_button.disabled
        self.other_button.disabled = not ok or (self.other is not None and self.other.done)
        self.run_button.disabled = not ok or not busy(k) and self.other is not None
        self.back_button.disabled = not self.history
        self.next_button.disabled = not ok or self.replayed >= len(self.selected_schedule)
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
        what = (
            "an anonymous page" if self.scenario_name == "anonymous page" else "a dirty file page"
        )
        sched = (
            f", schedule step {self.replayed}/{len(self.selected_schedule)}"
            if self.selected_schedule
            else ""
        )
        set_title(
            fig,
            f"migration of {what} vs {self.race}, {self.variant}: "
            f"{len(self.history)} step(s){sched}",
        )

    def _static_text(self) -> str:
        return (
            (self.map_alt.value if self.view == "all interleavings" else "")
            + self.message_pane.value
            + self.check_pane.value
            + self.migration_pane.value
            + self.other_pane.value
        )

    def __repr__(self) -> str:
        extra = (
            "" if self.scenario_name == "dirty file page" else f", scenario={self.scenario_name!r}"
        )
        if self.view != "step by hand":
            extra += f", view={self.view!r}"
        return (
            f"RaceExplorer(race={self.race!r}, variant={self.variant!r}, seed={self.seed}, "
            f"steps={len(self.history)}{extra})"
        )


__all__ = ["RaceExplorer", "RACES", "SCENARIOS", "VIEWS", "explore_race"]
