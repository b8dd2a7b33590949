"""Latency of the widget kit: from a control change to a redrawn PNG.

``python -m widgets.bench`` toggles ``dirty`` on a MigrationLab over a 256-page file
mapping (each toggle rebuilds the machine from its seed: ``build_scenario(...,
pages=256)``, starts the migration, updates the pte map, node view and reverse map,
and rasterises the figure to the PNG the page shows), then clicks Step; it prints the
median time of each and the engine's share. Target: under 100 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from .lab import MigrationLab


def measure(action, lab, repeat: int, prepare=None):
    """Median seconds of ``action`` (after ``prepare``, which is not timed)."""
    totals, cpu, engine, plot, render = [], [], [], [], []
    for i in range(repeat):
        if prepare is not None:
            prepare()
        lab.timings.clear()
        c0 = time.process_time()
        t0 = time.perf_counter()
        action(i)
        totals.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        engine.append(lab.timings.get("engine", 0.0))
        plot.append(lab.timings.get("plot", 0.0))
        render.append(lab.timings.get("render", 0.0))
    return {
        "total": statistics.median(totals),
        "cpu": statistics.median(cpu),
        "engine": statistics.median(engine),
        "plot": statistics.median(plot),
        "render": statistics.median(render),
        "min": min(totals),
        "max": max(totals),
    }


def report(name: str, m: dict, target_ms: float) -> str:
    ms = {k: v * 1000 for k, v in m.items()}
    share = 100 * ms["engine"] / ms["total"] if ms["total"] else 0.0
    verdict = "under" if ms["total"] < target_ms else "OVER"
    return (
        f"{name:<34} median {ms['total']:6.1f} ms (min {ms['min']:.1f}, max {ms['max']:.1f}; "
        f"CPU {ms['cpu']:.1f}) [{verdict} {target_ms:.0f} ms]\n"
        f"{'':<34} engine {ms['engine']:6.1f} ms ({share:.0f}%), plot update "
        f"{ms['plot']:.1f} ms, rasterise+PNG {ms['render']:.1f} ms"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m widgets.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=256, help="pages in the mapping (default 256)")
    ap.add_argument("--repeat", type=int, default=30, help="changes to time (default 30)")
    ap.add_argument("--target-ms", type=float, default=100.0)
    args = ap.parse_args(argv)

    lab = MigrationLab(mapping="file linear", pages=args.pages)
    print(
        f"MigrationLab over a {args.pages}-page file mapping; figure "
        f"{lab.figure().get_size_inches()[0]:.1f}x{lab.figure().get_size_inches()[1]:.1f} in "
        f"at {lab.figure().dpi:.0f} dpi; {args.repeat} changes each, after 3 to warm up"
    )

    def toggle(_i):
        lab.dirty = not lab.dirty

    def step(_i):
        lab.step_button.click()

    for _ in range(3):
        toggle(0)
    print(report("toggle dirty -> redrawn PNG", measure(toggle, lab, args.repeat), args.target_ms))
    lab.dirty = True
    for _ in range(3):
        lab.step()

    def unfinished():
        if lab.task is None or lab.task.done:
            lab.reset()  # start the migration again (not timed)

    print(
        report(
            "click Step -> redrawn PNG",
            measure(step, lab, args.repeat, prepare=unfinished),
            args.target_ms,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
