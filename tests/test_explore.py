"""The explorer (pagemig.explore): the contract, the ready-made races as a model check of
the engine, the race map and the trace diff (headless), and RaceExplorer's
"all interleavings" view driven as a mouse does."""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from pagemig import Kernel
from pagemig.explore import (
    OUTCOMES,
    Exploration,
    ScheduleError,
    aligned_traces,
    explore,
    format_schedule,
    replay,
)
from pagemig.invariants import MIGRATION_ENTRY_LOCKED, NO_DATA_LOST
from pagemig.scenarios import RACES, race
from widgets.palette import OUTCOME_COLOURS
from widgets.plots import plot_race_map, plot_trace_diff, race_map_alt
from widgets.race import RaceExplorer

BOOK = Path(__file__).resolve().parent.parent / "notebooks"
BAD = ("invariant broken", "data lost", "oops", "deadlock", "cut")


@cache
def explored(name: str, variant: str) -> Exploration:
    return explore(race(name), variant=variant)


# -- the contract ----------------------------------------------------------------------------
def test_contract_counts_runs_and_shortest_replay():
    ex = explored("anon-fault", "patched")
    assert ex.exhaustive is True
    assert set(ex.counts) <= set(OUTCOMES) and all(c > 0 for c in ex.counts.values())
    assert ex.interleavings == sum(ex.counts.values())
    runs = ex.runs
    assert isinstance(runs, pd.DataFrame) and len(runs) == ex.nruns
    assert {"schedule", "outcome", "rule"} <= set(runs.columns)
    # every row is a complete interleaving, and its outcome is what replaying it gives
    for sched, outcome in runs[["schedule", "outcome"]].head(25).itertuples(index=False):
        assert ex.outcome_of(sched) == outcome
    # the shortest sleeper: replayed with tracing, a task sleeps in migration_entry_wait
    sched = ex.shortest("slept")
    k = replay(race("anon-fault"), sched)
    assert any(e.func == "migration_entry_wait" and e.kind == "wait" for e in k.trace)
    assert not k.tasks  # nothing left to run: a whole interleaving
    assert len(sched) <= min(len(s) for s in runs[runs.outcome == "slept"]["schedule"])
    # build(kernel) gets a fresh Kernel of the variant asked for
    seen = []

    def build(kernel):
        seen.append((type(kernel), kernel.variant, len(kernel.tasks)))
        race("anon-fault")(kernel)

    explore(build, variant="before-patch", max_runs=3)
    assert seen[0] == (Kernel, "before-patch", 0)


def test_same_machine_same_result():
    a = explore(race("mprotect"), variant="patched")
    b = explore(race("mprotect"), variant="patched")
    assert a.counts == b.counts and a.states == b.states
    assert list(a.runs["schedule"]) == list(b.runs["schedule"])
    assert a.shortest("failed") == b.shortest("failed")


def test_the_graph_predicts_random_schedules():
    """State merging is only as sound as the state key: random whole schedules, replayed
    with every invariant checked after every step, end as the explored graph says."""
    r = race("file-fault")
    ex = explored("file-fault", "unsafe-writeout")
    rng = random.Random(7)
    outcomes = set()
    for _ in range(40):
        k = Kernel(variant="unsafe-writeout", trace=False, **r.kernel_args)
        r(k)
        sched = []
        while True:
            ready = [t for t in k.tasks if t.runnable]
            if not ready:
                break
            t = rng.choice(ready)
            sched.append(t.name)
            k.step(t)
        predicted = ex.predict(sched)
        assert predicted is not None
        assert predicted == ex.outcome_of(sched)
        outcomes.add(predicted)
    assert "invariant broken" in outcomes


def test_strict_key_gives_the_same_counts():
    """The task position (generator frames) against a stricter key that also keeps every
    event each task produced: same interleavings, same outcomes."""
    loose = explored("mprotect", "patched")
    strict = explore(race("mprotect"), variant="patched", strict=True)
    assert strict.counts == loose.counts and strict.states >= loose.states


def test_the_bound_cuts_and_says_so():
    ex = explore(race("anon-fault"), max_runs=5)
    assert ex.exhaustive is False and ex.nruns == 5
    assert "cut by the bound" in ex.summary()
    assert ex.interleavings < explored("anon-fault", "patched").interleavings


def test_misuse_is_refused_clearly():
    with pytest.raises(TypeError, match="build"):
        explore("file-fault")
    with pytest.raises(ValueError, match="max_runs"):
        explore(race("anon-fault"), max_runs=0)
    with pytest.raises(ValueError, match="started no task"):
        explore(lambda k: None)
    with pytest.raises(ScheduleError, match="nobody"):
        replay(race("anon-fault"), ["migrate", "nobody"])
    with pytest.raises(ValueError, match="outcome must be one of"):
        explored("anon-fault", "patched").shortest("fine")
    with pytest.raises(ValueError, match="race must be one of"):
        race("nope")


# -- the ready-made races as a model check -------------------------------------------------------
@pytest.mark.parametrize("variant", ["patched", "before-patch", "modern"])
@pytest.mark.parametrize("name", list(RACES))
def test_no_interleaving_breaks_the_kernel(name, variant):
    ex = explored(name, variant)
    assert ex.exhaustive, ex.summary()
    assert not set(ex.counts) & set(BAD), ex.summary()
    assert ex.rules == {}  # no rule broke at any moment, in any interleaving
    assert NO_DATA_LOST not in ex.rules
    assert ex.interleavings > len(ex.runs) > 1  # merging did work


def test_unsafe_writeout_breaks_the_migration_entry_rule():
    ex = explored("file-fault", "unsafe-writeout")
    assert ex.exhaustive
    assert ex.rules.get(MIGRATION_ENTRY_LOCKED, 0) > 0
    assert ex.counts.get("oops", 0) > 0  # a fault in the window hits the BUG
    sched = ex.shortest(MIGRATION_ENTRY_LOCKED)
    k = Kernel(variant="unsafe-writeout", **race("file-fault").kernel_args)
    race("file-fault")(k)
    broke_at = None
    for i, name in enumerate(sched):
        k.step(next(t for t in k.tasks if t.name == name))
        if any(rule == MIGRATION_ENTRY_LOCKED for rule, _ in k.violations()):
            broke_at = i
            break
    assert broke_at is not None
    # the same schedule under the patch keeps the rule
    kp = replay(race("file-fault"), sched[: broke_at + 1], variant="patched")
    assert not kp.violations()


def _stored_text(nb: dict, marker: str) -> str:
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and marker in src:
            return "".join(
                "".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream"
            )
    raise AssertionError(f"no cell with {marker!r}")


def test_the_book_shows_the_shortest_schedules():
    """Chapter 5's lab explores the patch's race with the reader's writeout (its own
    cell, run here) and prints the shortest schedules the explorer finds."""
    from pagemig.replace import replacing

    nb = json.loads((BOOK / "05-dirty-pages-and-writeout.ipynb").read_text())
    lab = next(
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code" and "def my_writeout" in "".join(c["source"])
    )
    namespace = {}
    exec(compile(lab, "chapter 5 lab", "exec"), namespace)  # noqa: S102 - the book's own code
    ex = explore(replacing(race("file-fault"), writeout=namespace["my_writeout"]))
    shown = _stored_text(nb, "shortest(MIGRATION_ENTRY_LOCKED)")
    assert format_schedule(ex.shortest(MIGRATION_ENTRY_LOCKED)) in shown
    assert format_schedule(ex.shortest("oops")) in shown


# -- the figures --------------------------------------------------------------------------------
def test_race_map_draws_one_strip_per_start_coloured_by_outcome():
    ex = explored("anon-fault", "patched")
    strips = ex.strips()
    assert strips.groupby("outcome")["interleavings"].sum().to_dict() == {
        o: c for o, c in ex.counts.items()
    }
    ax = plot_race_map(ex)
    bars = [p for c in ax.containers for p in c]
    assert len(bars) == len(strips)
    for container in ax.containers:
        outcome = next(o for o in OUTCOMES if container.get_label().startswith(_label(o)))
        assert {to_hex(p.get_facecolor()) for p in container} == {OUTCOME_COLOURS[outcome].lower()}
        assert f"({ex.counts[outcome]:,})" in container.get_label()
    # each strip's parts add up to the whole strip
    widths = {}
    for p in bars:
        widths[round(p.get_y() + p.get_height() / 2)] = (
            widths.get(round(p.get_y() + p.get_height() / 2), 0) + p.get_width()
        )
    assert all(abs(w - 1) < 1e-9 for w in widths.values())
    assert len(ax.get_yticklabels()) == strips["start"].max() + 1
    assert f"{ex.interleavings:,} interleavings" in ax.get_title()
    alt = race_map_alt(ex)
    assert f"{ex.interleavings:,}" in alt and "migration_entry_wait" in alt


def _label(outcome):
    from pagemig.explore import OUTCOME_LABELS

    return OUTCOME_LABELS[outcome]


def test_trace_diff_aligns_three_variants():
    ex = explored("file-fault", "unsafe-writeout")
    sched = ex.shortest("oops")
    frame = aligned_traces(race("file-fault"), sched)
    assert len(frame) >= len(sched)
    oops_rows = frame[frame["unsafe-writeout kind"] == "bug"]
    assert len(oops_rows) == 1 and not oops_rows["same"].iloc[0]
    assert "bug" not in set(frame["patched kind"].dropna())
    ax = plot_trace_diff(frame)
    cells = ax.patches
    assert len(cells) == 3 * len(frame)
    thick = [p for p in cells if p.get_linewidth() > 1]
    assert len(thick) > 0
    assert f"of {len(frame)} steps differ" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "before-patch",
        "patched",
        "unsafe-writeout",
    ]


# -- RaceExplorer's view -----------------------------------------------------------------------
def test_all_interleavings_view_cells_replay_their_schedule():
    r = RaceExplorer(scenario="anonymous page", view="all interleavings", render=False)
    ex = r.exploration
    assert r.race_name == "anon-fault" and ex.counts == explored("anon-fault", "patched").counts
    assert r.map_image.value[:4] == b"\x89PNG"
    strips = ex.strips()
    assert len(r.map_cells) == len(strips)
    slept = [c for c in r.map_cells if c.cell[1] == "slept"]
    assert slept and all(
        c.style.button_color == OUTCOME_COLOURS["slept"] and "interleavings" in c.tooltip
        for c in slept
    )
    cell = slept[0]
    cell.click()
    start, outcome = cell.cell
    sched = r.selected_schedule
    assert sched == ex.cell_schedule(start, outcome)
    assert (
        sched.index(ex.tasks[1])
        == [i for i, n in enumerate(sched) if n == ex.tasks[0]][start - 1] + 1
    )
    assert r.kernel.trace.events == [] or all(e.kind != "step" for e in r.kernel.trace)
    while r.replay_step() is not None:
        pass
    assert r.replayed == len(sched) and r.next_button.disabled
    assert r.migration.done and r.other.done
    assert r.kernel.vmstat["pgmigrate_entry_wait"] >= 1  # the cell said: slept
    assert "replayed to its end" in r.message or "end of the schedule" in r.message_pane.value
    # setting the trait from code does what the click does
    r.selected_schedule = list(ex.shortest("clean"))
    assert r.replayed == 0 and not r.next_button.disabled
    r.replay_step()
    assert r.replayed == 1 and len(r.history) == 1
    r.back()
    assert r.replayed == 0
    r.selected_schedule = []
    assert "scenario='anonymous page'" in repr(r)


def test_anonymous_scenario_steps_by_hand():
    r = RaceExplorer(scenario="anonymous page", render=False)
    assert r.race_control.disabled is False or r.race == "fault"
    for _ in range(40):
        if r.scenario.processes[-1].pte(r.scenario.addrs[-1]).kind == "migration":
            break
        r.step_migration()
    r.step_other()
    assert r.other.blocked and "migration_entry_wait" in r.events[-1].func
    r.run()
    assert r.migration.result == 0 and r.other.done
    with pytest.raises(ValueError, match="anonymous page races a fault only"):
        RaceExplorer(scenario="anonymous page", race="writeback", render=False)
