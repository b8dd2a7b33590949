"""SuccessRates: sweep one knob over many seeded trials and plot the migration success rate;
plot_costs: what the migrations cost (faults, refaults, waits, writeouts, steps).

A front end to ``pagemig.experiments.sweep``: pick the parameter (dirty fraction,
nonlinear fraction, pinned fraction, node count, free frames on the target, sharers,
the chance that a read arrives mid-migration, I/O latency), the number of trials per
point, the kernel variants, mapping types and what the file's writepage does; press
Run. The sweep runs in this process (one worker thread), a progress bar follows it,
and the curves show the rate with its 95% band where the trials differed (none where
every trial agreed: nothing was random there). Run (the button) sweeps in a
background thread and Cancel stops it; ``run()`` from code sweeps before it returns.

``plot_costs(frame, metric, ax)`` plots a sweep's costs with one-sd error bars;
``rates_alt`` and ``costs_alt`` give both plots' alt text, built from the frame."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import ipywidgets as ipw
import traitlets

from pagemig.constants import VARIANTS
from pagemig.experiments import METRICS, PARAMETERS, sweep
from pagemig.scenarios import MAPPING_TYPES

from ._base import DEFAULT_DPI, FigureWidgetMixin, message_html
from .plots import PARAMETER_LABELS, plot_success_rates

MAX_PAGES = 256  # pages per trial the widget sweeps (the engine allows up to 4096)
MAX_VALUES = 32  # points on one curve


class _Cancelled(Exception):
    """Raised from the progress callback to stop a sweep (Cancel)."""


DEFAULT_VALUES = {
    "dirty_fraction": (0.0, 0.25, 0.5, 0.75, 1.0),
    "nonlinear_fraction": (0.0, 0.25, 0.5, 0.75, 1.0),
    "pinned_fraction": (0.0, 0.25, 0.5, 0.75, 1.0),
    "nodes": (2, 3, 4, 6, 8),
    "free_frames": (0, 4, 8, 12, 16),
    "sharers": (1, 2, 4, 8),
    "touch_probability": (0.0, 0.05, 0.1, 0.2, 0.5),
    "io_latency": (0, 5, 10, 20, 40),
}


class SuccessRates(FigureWidgetMixin, ipw.VBox):
    """Success rate of migration against one swept parameter, one curve per variant
    (or per mapping type, with ``by="mapping"``).

    Traits: ``parameter`` (one of ``pagemig.experiments.PARAMETERS``), ``trials``,
    ``variants``, ``mappings``, ``values`` (set to the parameter's defaults when the
    parameter changes), ``pages`` (pages per trial), ``seed``, ``by``, ``writepage``
    (what the file's writepage does), ``metric`` ("rate", or one of the costs in
    ``pagemig.experiments.METRICS``: which column the figure plots; changing it keeps
    the frame).
    ``run_button`` (or ``run()``) runs the sweep; ``progress`` is the IntProgress it
    updates; ``frame`` is the sweep's DataFrame (None until run, and again once a
    setting changes). Settings that make no sense (a nonlinear sweep of anonymous
    memory, no variant chosen) disable Run and say why.
    ``dpi`` and ``render``: see ``widgets._base.FigureWidgetMixin``.
    """

    parameter = traitlets.Enum(PARAMETERS, default_value="dirty_fraction")
    # bounded like the controls (trials: its slider), so that code cannot start a
    # sweep the widget could not show
    trials = traitlets.Int(20, min=1, max=200)
    variants = traitlets.Tuple(default_value=("patched", "before-patch"))
    mappings = traitlets.Tuple(default_value=("file linear",))
    values = traitlets.Tuple(default_value=DEFAULT_VALUES["dirty_fraction"])
    pages = traitlets.Int(16, min=1, max=MAX_PAGES)
    seed = traitlets.Int(0, min=0, max=2**31 - 1)
    by = traitlets.Enum(("variant", "mapping"), default_value="variant")
    writepage = traitlets.Enum(("ok", "activate", "error"), default_value="ok")
    metric = traitlets.Enum(("rate", *METRICS), default_value="rate")

    @traitlets.validate("values")
    def _few_values(self, proposal):
        if len(proposal["value"]) > MAX_VALUES:
            raise traitlets.TraitError(f"at most {MAX_VALUES} values to sweep")
        return proposal["value"]

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
        writepage="ok",
        metric="rate",
        dpi=DEFAULT_DPI,
        render=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.parameter = parameter
        self.values = tuple(values) if values is not None else DEFAULT_VALUES[parameter]
        self.trials, self.variants, self.mappings = trials, tuple(variants), tuple(mappings)
        self.pages, self.seed, self.by, self.writepage = pages, seed, by, writepage
        self.metric = metric
        self.frame = None
        self.message = ""
        self._init_figure((7.0, 3.6), dpi, render)
        self._ax = self._fig.add_axes((0.09, 0.14, 0.86, 0.74))
        style = {"description_width": "initial"}
        self.parameter_control = ipw.Dropdown(
            options=[(SWEEP_LABELS.get(p, p), p) for p in PARAMETERS],
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
        self.writepage_control = ipw.Dropdown(
            options=[
                ("writepage works", "ok"),
                ("writepage declines (shmem, no swap)", "activate"),
                ("writepage fails (I/O error)", "error"),
            ],
            description="file's writepage",
            style=style,
        )
        self.metric_control = ipw.Dropdown(
            options=[(METRIC_LABELS[m], m) for m in ("rate", *METRICS)],
            description="plot",
            style=style,
        )
        for name in ("parameter", "trials", "variants", "mappings", "writepage", "metric"):
            ipw.link((self, name), (getattr(self, f"{name}_control"), "value"))
        self.run_button = ipw.Button(description="Run", button_style="primary")
        # a click runs the sweep in a thread, so that the notebook stays free to
        # deliver a click on Cancel; run() from code runs it here and returns the frame
        self.run_button.on_click(lambda _b: self.start())
        self.cancel_button = ipw.Button(
            description="Cancel", tooltip="stop the sweep", disabled=True
        )
        self.cancel_button.on_click(lambda _b: self.cancel())
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = False
        self.progress = ipw.IntProgress(value=0, min=0, max=1, description="trials")
        self.message_pane = ipw.HTML()
        self.children = [
            ipw.HBox([self.parameter_control, self.trials_control]),
            ipw.HBox([self.variants_control, self.mappings_control]),
            ipw.HBox([self.writepage_control, self.metric_control]),
            ipw.HBox([self.run_button, self.cancel_button, self.progress]),
            self.message_pane,
            self.image,
        ]
        self.observe(self._on_parameter, names=["parameter"])
        self.observe(lambda _change: self.refresh(), names=["metric"])  # same frame, other plot
        self.observe(
            self._on_setting,
            names=["trials", "variants", "mappings", "values", "pages", "seed", "by", "writepage"],
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
        if self.parameter == "io_latency" and "anonymous" in self.mappings:
            return "an I/O latency needs a file mapping: anonymous pages are never written out"
        if self.trials < 1:
            return "at least one trial per point"
        if not self.values:
            return "no values to sweep"
        return None

    # -- actions -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while a sweep started with start() (the Run button) is running."""
        return self._busy

    def start(self) -> None:
        """Start the sweep in a background thread (what the Run button does); Cancel
        (or cancel()) stops it after the chunk of trials in flight."""
        if self.running:
            return
        self._busy = True  # before the thread runs: a second click starts nothing
        self._thread = threading.Thread(target=self.run, name="SuccessRates sweep", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a sweep started with start() to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def cancel(self) -> None:
        """Stop the running sweep: no new chunk of trials starts; frame stays None."""
        self._cancel.set()

    def run(self):
        """Run the sweep (in this process, one worker thread); returns the DataFrame or
        None (settings that make no sense, a failure, or Cancel)."""
        problem = self.problem()
        if problem is not None:
            self.message = problem
            self.refresh()
            return None
        self._cancel.clear()
        self._busy = True

        def progress(done, total):
            if self._cancel.is_set():
                raise _Cancelled
            self.progress.max = max(total, 1)
            self.progress.value = done

        self.message = "running the sweep ..."
        self.run_button.disabled = True
        self.cancel_button.disabled = False
        self.message_pane.value = message_html(self.message, "info")
        pool = ThreadPoolExecutor(max_workers=1)
        try:
            frame = sweep(
                self.parameter,
                list(self.values),
                trials=self.trials,
                variants=list(self.variants),
                mappings=list(self.mappings),
                pages=self.pages,
                seed=self.seed,
                writepage=self.writepage,
                executor=pool,
                progress=progress,
            )
        except _Cancelled:
            self.frame = None
            self.message = f"cancelled after {self.progress.value} of {self.progress.max} trials"
            return None
        except Exception as exc:  # noqa: BLE001 - shown in the widget, never raised
            self.frame = None
            self.message = f"the sweep failed: {exc}"
            return None
        else:
            self.frame = frame
            self.message = ""
            return frame
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self._busy = False
            self.cancel_button.disabled = True
            self.refresh()

    # -- views -------------------------------------------------------------------------------
    def refresh(self) -> None:
        problem = self.problem()
        self.run_button.disabled = problem is not None or self.running
        text = self.message or problem or ""
        if not text and self.frame is None:
            text = "press Run to sweep"
        level = "warn" if (problem or self.message) else "info"
        self.message_pane.value = message_html(text, level)
        self.redraw()

    def _draw(self, fig):
        if self.frame is not None and self.metric != "rate":
            plot_costs(self.frame, self.metric, ax=self._ax, by=self.by)
        elif self.frame is not None:
            plot_success_rates(self.frame, ax=self._ax, by=self.by)
        else:
            plot_success_rates(None, ax=self._ax, by=self.by)
            self._ax.set_title(
                f"Success rate vs {SWEEP_LABELS.get(self.parameter, self.parameter)}: not run yet",
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
                "varies",
            ]
            if self.metric != "rate":
                cols += [self.metric, f"{self.metric}_sd"]
            out += self.frame[cols].round(3).to_html(index=False, classes="pagemig-rates")
        return out

    def __repr__(self) -> str:
        return (
            f"SuccessRates(parameter={self.parameter!r}, trials={self.trials}, "
            f"variants={self.variants!r}, mappings={self.mappings!r}, "
            f"writepage={self.writepage!r}, ran={self.frame is not None})"
        )


# -- plots of a sweep's costs, and alt texts ---------------------------------------------
SWEEP_LABELS = {
    **PARAMETER_LABELS,
    "sharers": "processes sharing the pages",
    "touch_probability": "chance per step that another process reads a page",
    "io_latency": "mean I/O latency of writepage (scheduler steps)",
}
METRIC_LABELS = {
    "rate": "pages migrated / pages tried",
    "faults": "page faults per trial",
    "refaults": "refaults per trial (ptes migration cleared)",
    "waits": "sleeps in migration_entry_wait per trial",
    "writeouts": "pages written out per trial",
    "steps": "scheduler steps per migration",
}


def _series(frame, by):
    other = "mapping" if by == "variant" else "variant"
    several = frame[other].nunique() > 1
    keys = [by, other] if several else [by]
    for key, group in frame.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        yield " / ".join(str(k) for k in key), key, group.sort_values("value")


def plot_costs(frame, metric="refaults", ax=None, by="variant"):
    """What a migration cost, against the swept parameter: the mean per trial of one of
    ``pagemig.experiments.METRICS`` (faults, refaults, waits, writeouts, steps), one
    line per ``by`` (and per the other column when it varies too), with error bars of
    one standard deviation over the trials where the trials differ.

    ``frame``: the DataFrame of ``pagemig.experiments.sweep``. Returns the Axes.
    """
    from pagemig.experiments import METRICS

    from .palette import series_colour
    from .plots import _fresh, new_axes

    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if by not in ("variant", "mapping"):
        raise ValueError(f"by must be 'variant' or 'mapping', got {by!r}")
    if frame is None or len(frame) == 0:
        raise ValueError("plot_costs needs a sweep's frame with at least one row")
    ax = new_axes((6.0, 3.2)) if ax is None else ax
    _fresh(ax, "costs")  # cleared and marked as redrawn whole (the kit's widgets blit)
    param = str(frame["parameter"].iloc[0])
    styles = ["-", "--", ":", "-."]
    other = "mapping" if by == "variant" else "variant"
    others = list(dict.fromkeys(frame[other]))
    firsts = list(dict.fromkeys(frame[by]))
    for label, key, g in _series(frame, by):
        colour = series_colour(str(key[0]), firsts.index(key[0]))
        x = g["value"].to_numpy(dtype=float)
        y = g[metric].to_numpy(dtype=float)
        sd = g[f"{metric}_sd"].to_numpy(dtype=float)
        style = styles[others.index(key[1]) % len(styles)] if len(key) > 1 else "-"
        ax.errorbar(
            x,
            y,
            yerr=sd if sd.any() else None,
            fmt=style,
            color=colour,
            marker="o",
            markersize=4,
            capsize=3,
            label=label,
        )
    ax.set_xlabel(SWEEP_LABELS.get(param, param))
    ax.set_ylabel(METRIC_LABELS[metric])
    ax.set_ylim(bottom=0)
    trials = int(frame["trials"].max())
    ax.set_title(
        f"{METRIC_LABELS[metric].split(' per ')[0].capitalize()} vs "
        f"{SWEEP_LABELS.get(param, param)} ({trials} trials per point)",
        fontsize="medium",
    )
    ax.legend(fontsize="x-small", frameon=False)
    return ax


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x == x else "n/a"


def rates_alt(frame, by="variant") -> str:
    """Alt text for ``plot_success_rates``: each curve's rate at each value, its 95%
    band where the trials differed, and "exact" where they did not."""
    param = str(frame["parameter"].iloc[0])
    parts = []
    for label, _, g in _series(frame, by):
        pts = []
        for r in g.itertuples():
            band = f" ({_fmt(r.ci_low)}-{_fmt(r.ci_high)})" if r.varies else " exact"
            pts.append(f"{_fmt(r.rate)}{band} at {_fmt(r.value)}")
        parts.append(f"{label}: " + ", ".join(pts))
    trials = int(frame["trials"].max())
    return (
        f"Success rate against {SWEEP_LABELS.get(param, param)}, {trials} trials per "
        "point, 95% band where trials differed. " + "; ".join(parts) + "."
    )


def costs_alt(frame, metric="refaults", by="variant") -> str:
    """Alt text for ``plot_costs``: each curve's mean (and standard deviation, where
    the trials differed) at each value."""
    param = str(frame["parameter"].iloc[0])
    parts = []
    for label, _, g in _series(frame, by):
        pts = []
        for r in g.itertuples():
            sd = getattr(r, f"{metric}_sd")
            spread = f" (sd {_fmt(sd)})" if sd else ""
            pts.append(f"{_fmt(getattr(r, metric))}{spread} at {_fmt(r.value)}")
        parts.append(f"{label}: " + ", ".join(pts))
    return (
        f"{METRIC_LABELS[metric].capitalize()} against {SWEEP_LABELS.get(param, param)}. "
        + "; ".join(parts)
        + "."
    )


__all__ = [
    "SuccessRates",
    "DEFAULT_VALUES",
    "plot_costs",
    "rates_alt",
    "costs_alt",
    "SWEEP_LABELS",
    "METRIC_LABELS",
]
