"""Latency of the widget kit: from a control change or a click to a redrawn PNG.

``python -m widgets.bench`` (and the "widgets" section of ``pagemig bench``) prints the
median wall time and the median CPU time (the figure that does not move with other
programs' load on the machine) of:

- a click on Step in the lecture's MigrationLab (``mapping="file linear", sharers=3,
  variant="before-patch"``), in its Stepper and in its RaceExplorer, at the resolution
  of the old kit (72 dpi, shown at its natural size), at scale 1 (96 dpi), at the
  projection scale (``PROJECTION_SCALE``, 1.6) and at the projection scale on a hi-dpi
  screen (pixel ratio 2). Target (issue 12): <= 150 ms median at the projection scale;
- the same Step at the projection scale with the blit cache emptied before each click
  (every click a full draw), to show what the cache saves;
- a toggle of ``dirty`` on a MigrationLab over a 256-page file mapping (each toggle
  rebuilds the machine from its seed, starts the migration and redraws: issue 17's
  "widget control -> redrawn figure", 27-55 ms median before this kit's hi-dpi work).

Each figure also splits the time into the engine's share, the plot update and the
rasterisation to PNG. Nothing here is a test: the figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

from . import _base
from .lab import MigrationLab
from .race import RaceExplorer
from .stepper import Stepper

TARGET_STEP_MS = 150.0  # a Step click at the projection scale, median (issue 12)
TARGET_CONTROL_MS = 55.0  # a control change on the 256-page lab: not worse (issue 17)

RESOLUTIONS = (
    # (label, dpi, scale, pixel ratio): dpi fixed (the old kit) or None (the kit's own)
    ("72 dpi (the old kit)", 72, 1.0, 1.0),
    ("scale 1 (96 dpi)", None, 1.0, 1.0),
    (f"projection {_base.PROJECTION_SCALE:g}", None, _base.PROJECTION_SCALE, 1.0),
    (f"projection {_base.PROJECTION_SCALE:g}, hi-dpi x2", None, _base.PROJECTION_SCALE, 2.0),
)


def measure(action, widget, repeat: int, prepare=None):
    """Medians (seconds) of ``action(i)`` over ``repeat`` runs (``prepare()``, untimed,
    before each): wall, CPU, and the widget's own split (engine, plot, render)."""
    totals, cpu, engine, plot, render = [], [], [], [], []
    for i in range(repeat):
        if prepare is not None:
            prepare()
        widget.timings.clear()
        c0 = time.process_time()
        t0 = time.perf_counter()
        action(i)
        totals.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        engine.append(widget.timings.get("engine", 0.0))
        plot.append(widget.timings.get("plot", 0.0))
        render.append(widget.timings.get("render", 0.0))
    return {
        "total": statistics.median(totals),
        "cpu": statistics.median(cpu),
        "engine": statistics.median(engine),
        "plot": statistics.median(plot),
        "render": statistics.median(render),
        "min": min(totals),
        "max": max(totals),
    }


def report(name: str, m: dict, target_ms: float | None = None) -> str:
    ms = {k: v * 1000 for k, v in m.items()}
    verdict = ""
    if target_ms is not None:
        verdict = f" [{'under' if ms['total'] <= target_ms else 'OVER'} {target_ms:.0f} ms]"
    return (
        f"  {name:<44} median {ms['total']:6.1f} ms, CPU {ms['cpu']:6.1f} ms "
        f"(min {ms['min']:.1f}, max {ms['max']:.1f}){verdict}\n"
        f"  {'':<44} engine {ms['engine']:5.1f} ms, plot update {ms['plot']:5.1f} ms, "
        f"rasterise+PNG {ms['render']:5.1f} ms"
    )


def _lecture_lab(dpi):
    return MigrationLab(mapping="file linear", sharers=3, variant="before-patch", dpi=dpi)


def _lecture_stepper(dpi):
    from pagemig.scenarios import build_scenario

    return Stepper(
        lambda: build_scenario("anonymous", sharers=2, seed=0).start_migration(), dpi=dpi
    )


def _lecture_race(dpi):
    return RaceExplorer(race="fault", variant="unsafe-writeout", dpi=dpi)


def _step_click(widget):
    """(click, unfinished): a click on the widget's Step, and the untimed preparation
    that starts the path again when it has finished."""
    if isinstance(widget, RaceExplorer):

        def click(_i):
            widget.migration_button.click()

        def unfinished():
            if widget.migration is None or widget.migration.done:
                widget.reset()

        return click, unfinished

    def click(_i):
        widget.step_button.click()

    def unfinished():
        if widget.task is None or widget.task.done:
            widget.reset()

    return click, unfinished


def step_figures(repeat: int, out=print, widgets=None, warm: int = 3) -> dict:
    """Step clicks at every resolution (see the module docstring). Returns {(widget,
    resolution label): measurement}."""
    makers = widgets or {
        "MigrationLab": _lecture_lab,
        "Stepper": _lecture_stepper,
        "RaceExplorer": _lecture_race,
    }
    saved = _base.scale_settings()
    res = {}
    try:
        for label, dpi, scale, ratio in RESOLUTIONS:
            _base.set_scale(scale, pixel_ratio=ratio)
            for name, make in makers.items():
                w = make(dpi)
                png_w, png_h = w.figure().canvas.get_width_height(physical=True)
                click, unfinished = _step_click(w)
                for i in range(warm):
                    unfinished()
                    click(i)
                m = measure(click, w, repeat, prepare=unfinished)
                res[(name, label)] = m
                target = TARGET_STEP_MS if dpi is None and scale > 1 else None
                out(report(f"{name}, {label}: {png_w}x{png_h} px", m, target))
        # the blit cache's worth: the same clicks, each a full draw
        _base.set_scale(_base.PROJECTION_SCALE, pixel_ratio=1.0)
        for name, make in makers.items():
            w = make(None)
            click, unfinished = _step_click(w)

            def full(w=w, unfinished=unfinished):
                unfinished()
                w._blit_cache.clear()

            for i in range(warm):
                full()
                click(i)
            m = measure(click, w, repeat, prepare=full)
            res[(name, "full draw")] = m
            out(report(f"{name}, projection, no blit cache (full draws)", m))
    finally:
        _base._SETTINGS.update(saved)
    return res


def control_figures(repeat: int, pages: int = 256, out=print, warm: int = 3) -> dict:
    """Toggle ``dirty`` on a MigrationLab over a ``pages``-page file mapping, at the old
    kit's 72 dpi and at the kit's scale 1 (96 dpi)."""
    saved = _base.scale_settings()
    res = {}
    try:
        _base.set_scale(1.0, pixel_ratio=1.0)
        for label, dpi in (("72 dpi (the old kit)", 72), ("scale 1 (96 dpi)", None)):
            lab = MigrationLab(mapping="file linear", pages=pages, dpi=dpi)

            def toggle(_i, lab=lab):
                lab.dirty = not lab.dirty

            for i in range(warm):
                toggle(i)
            m = measure(toggle, lab, repeat)
            res[label] = m
            target = TARGET_CONTROL_MS if dpi is None else None
            out(report(f"toggle dirty, {pages} pages, {label}", m, target))
    finally:
        _base._SETTINGS.update(saved)
    return res


def run(repeat: int = 20, out=print, warm: int = 3) -> dict:
    out(
        f"(w) widget kit: medians of {repeat} clicks after {warm} to warm up; wall time and "
        "CPU time (CPU does not move with other programs' load)"
    )
    out(f"(w) a click on Step -> redrawn PNG (target <= {TARGET_STEP_MS:.0f} ms at projection):")
    steps = step_figures(repeat, out, warm=warm)
    out("(w) a control change -> redrawn PNG (issue 17: 27-55 ms median before):")
    controls = control_figures(repeat, out=out, warm=warm)
    return {"steps": steps, "controls": controls}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m widgets.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=20, help="clicks to time (default 20)")
    args = ap.parse_args(argv)
    run(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
