"""SuccessRates: sweep one knob over many seeded trials and plot the migration success rate.

A front end to ``pagemig.experiments.sweep``: pick the parameter (dirty fraction,
nonlinear fraction, pinned fraction, node count, free frames on the target), the
number of trials per point, the kernel variants and mapping types; press Run. The
sweep runs in this process (one worker thread), a progress bar follows it, and the
curves show the rate with its 95% band.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import ipywidgets as ipw
import traitlets

from pagemig.constants import VARIANTS
from pagemig.experiments import PARAMETERS, sweep
from pagemig.scenarios import MAPPING_TYPES

from ._base import DEFAULT_DPI, FigureWidgetMixin, message_html
from .plots import PARAMETER_LABELS, plot_success_rates

DEFAULT_VALUES = {
    "dirty_fraction": (0.0, 0.25, 0.5, 0.75, 1.0),
    "nonlinear_fraction": (0.0, 0.25, 0.5, 0.75, 1.0),
    "pinned_fraction": (0.0, 0.25, 0.5, 0.75, 1.0),
    "nodes": (2, 3, 4, 6, 8),
    "free_frames": (0, 4, 8, 12, 16),
}


class SuccessRates(FigureWidgetMixin, ipw.VBox):
    """Success rate of migration against one swept parameter, one curve per variant
    (or per mapping type, with ``by="mapping"``).

    Traits: ``parameter`` (one of ``pagemig.experiments.PARAMETERS``), ``trials``,
    ``variants``, ``mappings``, ``values`` (set to the parameter's defaults when the
    parameter changes), ``pages`` (pages per trial), ``seed``, ``by``.
    ``run_button`` (or ``run()``) runs the sweep; ``progress`` is the IntProgress it
    updates; ``frame`` is the sweep's DataFrame (None until run, and again once a
    setting changes). Settings that make no sense (a nonlinear sweep of anonymous
    memory, no variant chosen) disable Run and say why.
    ``dpi`` and ``render``: see ``widgets._base.FigureWidgetMixin``.
    """

    parameter = traitlets.Enum(PARAMETERS, default_value="dirty_fraction")
    trials = traitlets.Int(20)
    variants = traitlets.Tuple(default_value=("patched", "before-patch"))
    mappings = traitlets.Tuple(default_value=("file linear",))
    values = traitlets.Tuple(default_value=DEFAULT_VALUES["dirty_fraction"])
    pages = traitlets.Int(16)
    seed = traitlets.Int(0)
    by = traitlets.Enum(("variant", "mapping"), default_value="variant")

    def __init__(
        self,
        parameter="dirty_fraction",
        trials=20,
        variants=("patched", "before-patch"),
        *,
        mappings=("file linear",),
        values=None,
        pages=16,
        seed=0,
        by="variant",
        dpi=DEFAULT_DPI,
        render=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.parameter = parameter
        self.values = tuple(values) if values is not None else DEFAULT_VALUES[parameter]
        self.trials, self.variants, self.mappings = trials, tuple(variants), tuple(mappings)
        self.pages, self.seed, self.by = pages, seed, by
        self.frame = None
        self.message = ""
        self._init_figure((7.0, 3.6), dpi, render)
        self._ax = self._fig.add_axes((0.09, 0.14, 0.86, 0.74))
        style = {"description_width": "initial"}
        self.parameter_control = ipw.Dropdown(
            options=[(PARAMETER_LABELS.get(p, p), p) for p in PARAMETERS],
            description="sweep",
            style=style,
        )
        self.trials_control = ipw.IntSlider(
            min=1, max=200, description="trials per point", style=style
        )
        self.variants_control = ipw.SelectMultiple(
            options=VARIANTS, description="variants", rows=3, style=style
        )
        self.mappings_control = ipw.SelectMultiple(
            options=MAPPING_TYPES, description="mappings", rows=3, style=style
        )
        for name in ("parameter", "trials", "variants", "mappings"):
            ipw.link((self, name), (getattr(self, f"{name}_control"), "value"))
        self.run_button = ipw.Button(description="Run", button_style="primary")
        self.run_button.on_click(lambda _b: self.run())
        self.progress = ipw.IntProgress(value=0, min=0, max=1, description="trials")
        self.message_pane = ipw.HTML()
        self.children = [
            ipw.HBox([self.parameter_control, self.trials_control]),
            ipw.HBox([self.variants_control, self.mappings_control]),
            ipw.HBox([self.run_button, self.progress]),
            self.message_pane,
            self.image,
        ]
        self.observe(self._on_parameter, names=["parameter"])
        self.observe(
            self._on_setting,
            names=["trials", "variants", "mappings", "values", "pages", "seed", "by"],
        )
        self.refresh()

    # -- settings ------------------------------------------------------------------------
    def _on_parameter(self, change):
        with self.hold_trait_notifications():
            self.values = DEFAULT_VALUES[change["new"]]
        self._on_setting(change)

    def _on_setting(self, _change):
        self.frame = None
        self.progress.value = 0
        self.message = ""
        self.refresh()

    def problem(self) -> str | None:
        """Why the settings cannot be swept, or None."""
        if not self.variants:
            return "choose at least one kernel variant"
        if not self.mappings:
            return "choose at least one mapping type"
        if self.parameter == "nonlinear_fraction" and "anonymous" in self.mappings:
            return "a nonlinear fraction needs a file mapping: anonymous memory cannot be remapped"
        if self.trials < 1:
            return "at least one trial per point"
        if not self.values:
            return "no values to sweep"
        return None

    # -- actions -------------------------------------------------------------------------
    def run(self):
        """Run the sweep (in this process, one worker thread); returns the DataFrame or None."""
        problem = self.problem()
        if problem is not None:
            self.message = problem
            self.refresh()
            return None

        def progress(done, total):
            self.progress.max = max(total, 1)
            self.progress.value = done

        self.message = ""
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                frame = sweep(
                    self.parameter,
                    list(self.values),
                    trials=self.trials,
                    variants=list(self.variants),
                    mappings=list(self.mappings),
                    pages=self.pages,
                    seed=self.seed,
                    executor=pool,
                    progress=progress,
                )
        except Exception as exc:  # noqa: BLE001 - shown in the widget, never raised
            self.frame = None
            self.message = f"the sweep failed: {exc}"
            self.refresh()
            return None
        self.frame = frame
        self.refresh()
        return frame

    # -- views -------------------------------------------------------------------------------
    def refresh(self) -> None:
        problem = self.problem()
        self.run_button.disabled = problem is not None
        text = self.message or problem or ""
        if not text and self.frame is None:
            text = "press Run to sweep"
        level = "warn" if (problem or self.message) else "info"
        self.message_pane.value = message_html(text, level)
        self.redraw()

    def _draw(self, fig):
        if self.frame is not None:
            plot_success_rates(self.frame, ax=self._ax, by=self.by)
        else:
            plot_success_rates(None, ax=self._ax, by=self.by)
            self._ax.set_title(
                f"Success rate vs {PARAMETER_LABELS.get(self.parameter, self.parameter)}: "
                "not run yet",
                fontsize="medium",
            )

    def _static_text(self) -> str:
        out = self.message_pane.value
        if self.frame is not None:
            cols = [
                "value",
                "variant",
                "mapping",
                "pages",
                "successes",
                "rate",
                "ci_low",
                "ci_high",
            ]
            out += self.frame[cols].round(3).to_html(index=False, classes="pagemig-rates")
        return out

    def __repr__(self) -> str:
        return (
            f"SuccessRates(parameter={self.parameter!r}, trials={self.trials}, "
            f"variants={self.variants!r}, mappings={self.mappings!r}, "
            f"ran={self.frame is not None})"
        )


__all__ = ["SuccessRates", "DEFAULT_VALUES"]
