"""MigrationLab: turn the knobs of one page's migration and step through it.

One page mapped by ``sharers`` processes (anonymous, file linear or file nonlinear),
dirty or clean, on node 0 of a machine with ``nodes`` nodes, migrated to node 1 by
the chosen kernel variant. Every control is a trait: ``lab.dirty = True`` does what
ticking the box does. Changing a control rebuilds the machine from its seed, so the
same settings always give the same run; Back rebuilds and replays one step fewer.
"""

from __future__ import annotations

import time

import ipywidgets as ipw
import traitlets

from pagemig.constants import VARIANTS
from pagemig.scenarios import MAPPING_TYPES, build_scenario, scenario_problem

from ._base import (
    DEFAULT_DPI,
    FastSteps,
    FigureWidgetMixin,
    busy,
    check_target,
    events_html,
    fast_buttons,
    fast_step,
    message_html,
    next_task,
    set_title,
    violations_html,
    vmstat_html,
)
from .plots import plot_nodes, plot_pte_map, plot_rmap, reset_axes

WRITEPAGE_CHOICES = ("ok", "activate", "error", "none")  # "none": the file has no writepage
MAX_RUN_STEPS = 100_000
SETTINGS = ("mapping", "dirty", "writepage", "sharers", "nodes", "variant", "pins", "seed", "pages")


class MigrationLab(FastSteps, FigureWidgetMixin, ipw.VBox):
    """One page's migration, with every knob the chapter needs.

    Settings (traits): ``mapping``, ``dirty``, ``writepage`` ("ok", "activate",
    "error", or "none"/None for a file without writepage), ``sharers`` (processes
    mapping the page), ``nodes`` (1-8), ``variant`` (one of ``pagemig.VARIANTS``: the
    three 2.6.18 ones, or "modern" for Linux 6.1), ``pins`` (extra references, as
    get_user_pages takes), ``seed``, ``pages`` (pages per mapping).
    Buttons: ``step_button``, ``back_button``, ``run_button``, ``reset_button``, and the
    fast steps ``next_function_button``, ``next_pte_button``, ``end_of_pass_button``
    (``step_to(target)``: see ``widgets._base.fast_step``).
    State for code and tests: ``kernel``, ``scenario``, ``task`` (the migration),
    ``events`` (every event since the machine was built), ``steps``, ``message``,
    ``figure()`` (the matplotlib Figure shown), ``png()``.
    ``dpi``, ``render``, ``scale`` (and the ``scale`` and ``pixel_ratio`` traits):
    see ``widgets._base.FigureWidgetMixin`` and ``widgets.set_scale``.
    """

    mapping = traitlets.Enum(MAPPING_TYPES, default_value="file linear")
    dirty = traitlets.Bool(False)
    writepage = traitlets.Enum((*WRITEPAGE_CHOICES, None), default_value="ok")
    # bounded like their controls: code cannot set what the sliders cannot show
    sharers = traitlets.Int(1, min=0, max=8)  # 0: the lab says why it cannot run
    nodes = traitlets.Int(2, min=1, max=8)
    variant = traitlets.Enum(VARIANTS, default_value="patched")
    pins = traitlets.Int(0, min=0, max=3)
    seed = traitlets.Int(0, min=0, max=10**6)
    pages = traitlets.Int(4, min=2, max=4096)

    @traitlets.validate("writepage")
    def _writepage_none(self, proposal):
        return "none" if proposal["value"] is None else proposal["value"]

    def __init__(
        self,
        mapping="file linear",
        dirty=False,
        writepage="ok",
        sharers=1,
        nodes=2,
        variant="patched",
        pins=0,
        seed=0,
        *,
        pages=4,
        dpi=DEFAULT_DPI,
        render=True,
        scale=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.mapping, self.dirty, self.writepage = mapping, dirty, writepage
        self.sharers, self.nodes, self.variant = sharers, nodes, variant
        self.pins, self.seed, self.pages = pins, seed, pages
        self.scenario = None
        self.kernel = None
        self.task = None
        self.steps = 0
        self.message = ""
        self._rr = 0
        # (pfn, node, mapping, index) of the page under study before migration
        self._orig = None
        self._init_figure((9.6, 5.6), dpi, render, scale)
        self._pte_ax = self._fig.add_axes((0.07, 0.58, 0.70, 0.34))
        self._nodes_ax = self._fig.add_axes((0.07, 0.08, 0.24, 0.33))
        self._rmap_ax = self._fig.add_axes((0.45, 0.0, 0.55, 0.47))

        style = {"description_width": "initial"}
        narrow = ipw.Layout(width="auto")
        self.mapping_control = ipw.Dropdown(
            options=MAPPING_TYPES, description="mapping", style=style, layout=narrow
        )
        self.dirty_control = ipw.Checkbox(description="dirty", indent=False, layout=narrow)
        self.writepage_control = ipw.Dropdown(
            options=[
                ("writepage ok", "ok"),
                ("writepage activate", "activate"),
                ("writepage error", "error"),
                ("no writepage", "none"),
            ],
            description="writepage",
            style=style,
            layout=narrow,
        )
        self.sharers_control = ipw.IntSlider(min=1, max=8, description="sharers", style=style)
        self.nodes_control = ipw.IntSlider(min=1, max=8, description="nodes", style=style)
        self.variant_control = ipw.Dropdown(
            options=VARIANTS, description="variant", style=style, layout=narrow
        )
        self.pins_control = ipw.IntSlider(min=0, max=3, description="pins", style=style)
        self.seed_control = ipw.BoundedIntText(
            min=0, max=10**6, description="seed", style=style, layout=ipw.Layout(width="9em")
        )
        for name in (
            "mapping",
            "dirty",
            "writepage",
            "sharers",
            "nodes",
            "variant",
            "pins",
            "seed",
        ):
            ipw.link((self, name), (getattr(self, f"{name}_control"), "value"))
        self.step_button = ipw.Button(description="Step", tooltip="one step of the kernel")
        self.back_button = ipw.Button(description="Back", tooltip="undo the last step (replay)")
        self.run_button = ipw.Button(description="Run", tooltip="run the migration to the end")
        self.reset_button = ipw.Button(description="Reset", tooltip="rebuild the machine")
        self.step_button.on_click(lambda _b: self.step())
        self.back_button.on_click(lambda _b: self.back())
        self.run_button.on_click(lambda _b: self.run())
        self.reset_button.on_click(lambda _b: self.reset())
        self.fast = fast_buttons(self)
        self.next_function_button = self.fast["function"]
        self.next_pte_button = self.fast["pte"]
        self.end_of_pass_button = self.fast["pass"]
        self.message_pane = ipw.HTML()
        self.events_pane = ipw.HTML(layout=ipw.Layout(width="70%"))
        self.vmstat_pane = ipw.HTML(layout=ipw.Layout(width="30%"))
        self.children = [
            ipw.HBox(
                [
                    self.mapping_control,
                    self.dirty_control,
                    self.writepage_control,
                    self.variant_control,
                ]
            ),
            ipw.HBox(
                [self.sharers_control, self.nodes_control, self.pins_control, self.seed_control]
            ),
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
            self.image,
            ipw.HBox([self.events_pane, self.vmstat_pane]),
        ]
        self.observe(self._on_setting, names=list(SETTINGS))
        self.reset()

    # -- settings ------------------------------------------------------------------------
    def _on_setting(self, _change):
        self.reset()

    def problem(self) -> str | None:
        """Why the current settings make no sense, or None."""
        p = scenario_problem(self.mapping, self.nodes, self.sharers)
        if p:
            return p
        if not 1 <= self.nodes <= 8:
            return "the lab shows 1 to 8 nodes"
        if self.pins < 0:
            return "pins cannot be negative"
        if not 2 <= self.pages <= 4096:
            return "a mapping needs 2 to 4096 pages"
        return None

    def _build(self):
        wp = None if self.writepage == "none" else self.writepage
        return build_scenario(
            self.mapping,
            dirty=self.dirty,
            writepage=wp,
            sharers=self.sharers,
            nodes=self.nodes,
            variant=self.variant,
            pins=self.pins,
            seed=self.seed,
            pages=self.pages,
            frames_per_node=max(64, 2 * self.pages),
        )

    # -- actions ---------------------------------------------------------------------------
    def reset(self, _steps: int = 0) -> None:
        """Rebuild the machine from the settings and the seed; start the migration."""
        self.scenario = self.kernel = self.task = None
        self.steps = 0
        self._rr = 0
        self.message = ""
        self._orig = None
        problem = self.problem()
        t0 = time.perf_counter()
        if problem is None:
            try:
                sc = self._build()
                page = sc.page
                cache = page.mapping if not page.anon else None
                self._orig = (page.pfn, page.node, cache, page.index)
                task = sc.start_migration()
            except Exception as exc:  # noqa: BLE001 - shown in the widget, never raised
                problem = f"cannot build this machine: {exc}"
            else:
                self.scenario, self.kernel, self.task = sc, sc.kernel, task
                self.message = "; ".join(sc.notes)
        if problem is not None:
            self.message = problem
        for _ in range(_steps):
            if self._advance() is None:
                break
        self.timings["engine"] = time.perf_counter() - t0
        self._update_controls()
        self.refresh()

    def _advance(self):
        """One step of the machine (the migration, or the I/O it waits for)."""
        k = self.kernel
        if k is None or not busy(k):
            return None
        t, self._rr = next_task(k, self._rr)
        if t is None:
            self.message = "every path is asleep and nothing will wake it: " + "; ".join(
                f"{x.name}: {x.waiting_on}" for x in k.tasks if x.blocked
            )
            return None
        try:
            ev = k.step(t)
        except Exception as exc:  # noqa: BLE001 - a broken machine is shown, not raised
            self.message = f"{t.name} stopped: {type(exc).__name__}: {exc}"
            if t in k.tasks:
                k.tasks.remove(t)
            return None
        self.steps += 1
        return ev

    def step(self):
        """One step; returns the event it produced (or None when nothing could run)."""
        if self.kernel is None:
            self.refresh()
            return None
        if not busy(self.kernel):
            self.message = self._outcome() + " Reset or change a control to start again."
            self.refresh()
            return None
        self.message = ""
        t0 = time.perf_counter()
        ev = self._advance()
        self.timings["engine"] = time.perf_counter() - t0
        self.refresh()
        return ev

    def step_to(self, target: str) -> int:
        """What the fast-step buttons do: step (as Step does) to ``target``: "function"
        (the migration enters or leaves a kernel function), "pte" (a pte of the lab's
        processes changes), "pass" (migrate_pages' current pass ends). Bounded
        (``FAST_STEP_LIMIT`` steps); the message says what was reached, or that the
        migration ended. Returns the steps taken."""
        check_target(target)
        if self.kernel is None:
            self.refresh()
            return 0
        if not busy(self.kernel):
            self.message = self._outcome() + " Reset or change a control to start again."
            self.refresh()
            return 0
        self.message = ""
        t0 = time.perf_counter()
        n, msg = fast_step(self.kernel, self.task, self.scenario.processes, target, self._advance)
        self.timings["engine"] = time.perf_counter() - t0
        if self.task.done:
            msg += " " + self._outcome()
        self.message = msg
        self.refresh()
        return n

    def run(self) -> None:
        """Run the migration (and its I/O) to the end."""
        if self.kernel is None:
            self.refresh()
            return
        self.message = ""
        n = 0
        while busy(self.kernel) and n < MAX_RUN_STEPS:
            if self._advance() is None:
                break
            n += 1
        if not busy(self.kernel):
            self.message = self._outcome()
        self.refresh()

    def back(self) -> None:
        """Undo the last step: rebuild from the seed and replay one step fewer."""
        self.reset(_steps=max(self.steps - 1, 0))

    # -- views -------------------------------------------------------------------------------
    @property
    def events(self) -> list:
        return list(self.kernel.trace) if self.kernel is not None else []

    def page_now(self):
        """The page under study as the kernel finds it now: a file page through its
        page cache (find_get_page at its index; the pte may be one migration cleared,
        before the patch or in a nonlinear vma), an anonymous page through the first
        process's pte. None while nothing holds it (a cleared pte of an anonymous page
        cannot happen)."""
        if self.scenario is None or self._orig is None:
            return None
        _pfn, _node, cache, index = self._orig
        if cache is not None:
            return cache.find_get_page(index)
        return self.scenario.page

    def moved(self) -> list:
        """The page under study in its new frame, once it moved."""
        page = self.page_now()
        if page is not None and page.pfn != self._orig[0] and page.node != self._orig[1]:
            return [page]
        return []

    def _outcome(self) -> str:
        t = self.task
        if t is None or not t.done:
            return ""
        if t.error is not None:
            return f"the migration stopped: {t.error}."
        moved = self.moved()
        where = f"the page is on node {moved[0].node}" if moved else "the page did not move"
        return f"migrate_pages returned {t.result}: {where}."

    def _update_controls(self):
        ok = self.kernel is not None
        for b in (self.step_button, self.run_button, *self.fast.values()):
            b.disabled = not ok
        self.back_button.disabled = not ok or self.steps == 0
        self.writepage_control.disabled = self.mapping == "anonymous" or not self.dirty

    def refresh(self) -> None:
        """Update the panes and the picture from the machine."""
        self._update_controls()
        level = "warn" if self.kernel is None else "info"
        self.message_pane.value = message_html(self.message, level)
        if self.kernel is not None:
            self.events_pane.value = events_html(self.events)
            t0 = time.perf_counter()
            self.vmstat_pane.value = vmstat_html(self.kernel) + violations_html(self.kernel)
            # checking the invariants walks every page table: engine work too
            self.timings["engine"] = self.timings.get("engine", 0.0) + time.perf_counter() - t0
        else:
            self.events_pane.value = ""
            self.vmstat_pane.value = ""
        self.redraw()

    def _draw(self, fig):
        if self.kernel is None:
            for ax in (self._pte_ax, self._nodes_ax, self._rmap_ax):
                reset_axes(ax)
                ax.set_axis_off()
            self._pte_ax.set_title("no machine", fontsize="medium")
            self._pte_ax.text(
                0.5,
                0.5,
                self.message,
                ha="center",
                va="center",
                wrap=True,
                transform=self._pte_ax.transAxes,
            )
            return
        k, sc = self.kernel, self.scenario
        self._nodes_ax.set_axis_on()
        self._pte_ax.set_axis_on()
        plot_pte_map(k, sc.processes, ax=self._pte_ax, highlight=sc.addrs)
        plot_nodes(k, ax=self._nodes_ax, moved=self.moved())
        page = self.page_now()
        if page is None and self._orig is not None:
            page = k.pfn_to_page(self._orig[0])
        plot_rmap(k, page, ax=self._rmap_ax)
        set_title(
            fig,
            f"{self.mapping}, {'dirty' if self.dirty else 'clean'}, {self.sharers} sharer(s), "
            f"{self.nodes} nodes, {self.variant}: step {self.steps}",
        )

    def _static_text(self) -> str:
        parts = [message_html(self.message, "warn" if self.kernel is None else "info")]
        if self.kernel is not None:
            parts.append(events_html(self.events))
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"MigrationLab(mapping={self.mapping!r}, dirty={self.dirty}, "
            f"writepage={self.writepage!r}, sharers={self.sharers}, nodes={self.nodes}, "
            f"variant={self.variant!r}, pins={self.pins}, seed={self.seed}, steps={self.steps})"
        )


__all__ = ["MigrationLab"]
