"""Chapters 2 and 5: their exercises' machinery (the writeout order runner, the passes
design), chapter 5's lab (the notebook's own wrong writeout is caught, and never leaks),
writeout_in_order, and the lock timeline of widgets.lockplot."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from pagemig.explore import explore, replay
from pagemig.invariants import MIGRATION_ENTRY_LOCKED
from pagemig.labs import WRITEOUT_STEPS, what_broke, writeout_in_order
from pagemig.replace import replacing
from pagemig.scenarios import build_scenario, race
from widgets.exercises import ch02, ch05, chapter
from widgets.quiz import TIERS

BOOK = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.mark.parametrize("n", [2, 5])
def test_each_chapter_has_tiers_a_capstone_and_kinds(n):
    exs = chapter(n)
    assert len(exs) >= 5
    assert {ex.tier for ex in exs} == set(TIERS)
    assert [ex.capstone for ex in exs].count(True) == 1 and exs[-1].capstone
    assert len({ex.kind for ex in exs}) >= 4
    assert sum(ex.seeded for ex in exs) >= 3


def test_chapter_5_uses_every_kind():
    assert {ex.kind for ex in chapter(5)} == {"predict", "order", "design", "explain", "compute"}


# -- writeout_in_order ---------------------------------------------------------------
def _dirty(**kw):
    return build_scenario("file linear", dirty=True, sharers=2, seed=0, **kw)


def test_the_kernels_order_behaves_as_writeout_does():
    plain, mine = _dirty(), _dirty()
    rc_plain = plain.kernel.migrate_pages([plain.page], 1)
    with mine.kernel.replace(writeout=writeout_in_order(WRITEOUT_STEPS)):
        rc_mine = mine.kernel.migrate_pages([mine.page], 1)
    assert rc_plain == rc_mine == 0
    for sc in (plain, mine):
        assert sc.page.node == 1 and sc.kernel.violations() == []
    assert plain.kernel.vmstat["pgmigrate_writeout"] == mine.kernel.vmstat["pgmigrate_writeout"]


def test_a_wrong_order_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="once"):
        writeout_in_order(["writepage", "writepage", "lock_page", "remove_migration_ptes"])
    with pytest.raises(ValueError, match="once"):
        writeout_in_order(WRITEOUT_STEPS[:3])


def test_writepage_before_the_restore_breaks_the_rule_at_writepage():
    sc = _dirty()
    k = sc.kernel
    order = ("clear_page_dirty_for_io", "writepage", "lock_page", "remove_migration_ptes")
    with k.replace(writeout=writeout_in_order(order)):
        task = sc.start_migration()
        for _ in range(500):
            ev = k.step(task)
            if ev is not None and ev.func == "writepage":
                break
        assert {rule for rule, _ in k.violations()} == {MIGRATION_ENTRY_LOCKED}
        k.run()
    assert k.replaced == {}


# -- exercise 5.5's runner -------------------------------------------------------------
def test_the_order_runner_accepts_exactly_the_orders_that_break_nothing():
    ok = []
    for perm in itertools.permutations(ch05.STEP_LABELS):
        result = ch05.run_writeout_order(perm)
        names = tuple(ch05.STEP_LABELS[label] for label in perm)
        if not result["broken"] and result["rc"] == 0:
            ok.append(names)
            continue
        first = result["broken"][0][1]
        if names.index("lock_page") < names.index("writepage"):
            assert "never finishes" in first  # lock_page on a lock it holds itself
        else:
            assert names.index("writepage") < names.index("remove_migration_ptes")
            assert first.startswith(MIGRATION_ENTRY_LOCKED)
    assert WRITEOUT_STEPS in ok
    # restore before writepage, relock after it: where the clear goes does not matter
    for names in ok:
        assert names.index("remove_migration_ptes") < names.index("writepage")
        assert names.index("writepage") < names.index("lock_page")
    assert len(ok) == 4


def test_the_order_runner_sees_the_writers_oops():
    labels = [label for label, name in ch05.STEP_LABELS.items() if name != "remove_migration_ptes"]
    labels.append(next(lb for lb, nm in ch05.STEP_LABELS.items() if nm == "remove_migration_ptes"))
    result = ch05._one_run([ch05.STEP_LABELS[lb] for lb in labels], 2, 0)  # write after writepage
    assert any("oops" in problem for _, problem in result["broken"])


# -- exercise 5.6 and 2.6: the design judges ---------------------------------------------
@pytest.mark.parametrize("target", [0, 1, 2, 3])
def test_each_target_pass_has_a_machine_and_others_miss_it(target):
    hits = [
        dict(zip(ch05.DESIGN_CONTROLS, combo))
        for combo in itertools.product(*ch05.DESIGN_CONTROLS.values())
        if ch05.moved_in(dict(zip(ch05.DESIGN_CONTROLS, combo)))[1] == target
    ]
    assert hits, f"no machine moves its page in pass {target}"
    assert all(h["writepage"] == "ok" or h["migratepage"] for h in hits)
    assert (target == 0) == all(h["migratepage"] for h in hits)
    answer = ch05._design_answer(SimpleNamespace(target=target, seed=0))
    assert ch05.moved_in(answer)[1] == target


def test_passes_design_counts_what_each_reference_costs():
    none = {"pin": "none", "dropped after pass": 0, "touch": "never"}
    assert ch02.passes_for(none) == (0, 1)
    assert ch02.passes_for(none | {"touch": "after try_to_unmap"}) == (0, 2)
    assert ch02.passes_for(none | {"touch": "before try_to_unmap"}) == (0, 1)
    assert ch02.passes_for(none | {"pin": "held for good"}) == (1, 10)
    for k in range(9):
        assert ch02.passes_for(none | {"pin": "dropped after a pass", "dropped after pass": k}) == (
            0,
            k + 2,
        )


def test_the_modern_waiter_takes_no_reference():
    assert ch02.passes_with_reader("patched") == (0, 2)
    assert ch02.passes_with_reader("modern") == (0, 1)


def test_cow_children_that_wrote_hold_no_entry():
    assert ch02.entries_after_unmap(3, 0) == 4
    assert ch02.entries_after_unmap(3, 3) == 1
    assert ch02.entries_after_unmap(4, 1) == 4


# -- chapter 5's lab: the notebook's own function ---------------------------------------
def _lab_function():
    nb = json.loads((BOOK / "05-dirty-pages-and-writeout.ipynb").read_text())
    cell = next(
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code" and "def my_writeout" in "".join(c["source"])
    )
    namespace = {}
    exec(compile(cell, "chapter 5 lab", "exec"), namespace)  # noqa: S102 - the book's own code
    return namespace["my_writeout"]


def test_the_labs_writeout_is_caught_and_never_leaks():
    my_writeout = _lab_function()
    sc = _dirty()
    k = sc.kernel
    with k.replace(writeout=my_writeout):
        task = sc.start_migration()
        for _ in range(500):
            ev = k.step(task)
            if ev is not None and ev.func == "writepage":
                break
        assert {rule for rule, _ in k.violations()} == {MIGRATION_ENTRY_LOCKED}
        k.run()
    assert k.replaced == {} and task.result == 0
    # the same kernel afterwards, and any other kernel, run the kernel's writeout
    other = _dirty()
    for kernel, page in ((k, sc.kernel.pfn_to_page(sc.page.pfn)), (other.kernel, other.page)):
        kernel.set_page_dirty(page)
        t = kernel.start_migrate_pages([page], 0 if page.node == 1 else 1)
        for _ in range(500):
            ev = kernel.step(t)
            if ev is not None and ev.func == "writepage":
                break
        assert ev is not None and ev.func == "writepage"
        assert kernel.violations() == []
        kernel.run()


def test_the_labs_explorer_finds_the_oops_and_what_broke_names_writepage():
    build = replacing(race("file-fault"), writeout=_lab_function())
    ex = explore(build, max_runs=200)
    assert MIGRATION_ENTRY_LOCKED in ex.rules
    schedule = ex.shortest("invariant broken")
    broke = what_broke(build, schedule)
    assert broke["func"] == "writepage" and broke["rules"] == [MIGRATION_ENTRY_LOCKED]
    # the reader faulting right after writepage: the kernel's BUG
    oops = ["migrate"] * 10 + ["pid2:read@0x10000000#2"]
    k = replay(build, oops)
    assert [e.func for e in k.oopses] == ["migration_entry_to_page"]
    # the kernel's own writeout on the same schedule: the reader sleeps, nothing breaks
    assert what_broke(race("file-fault"), oops) is None


# -- the lock timeline ------------------------------------------------------------------
def test_the_lock_timeline_shows_the_window_only_in_the_unsafe_order():
    from widgets.lockplot import lock_history, lock_timeline_alt, plot_lock_timeline

    h = {v: lock_history(v) for v in ("before-patch", "unsafe-writeout", "patched")}
    at = {v: next(r for r in rows if r["func"] == "writepage") for v, rows in h.items()}
    assert at["before-patch"]["ptes"] == ["none", "none"]
    assert at["unsafe-writeout"]["ptes"] == ["migration", "migration"]
    assert at["patched"]["ptes"] == ["present", "present"]
    assert all(not r["locked"] and r["writeback"] for r in at.values())
    assert sum(r["hazard"] for r in h["unsafe-writeout"]) >= 1
    assert not any(r["hazard"] for v in ("before-patch", "patched") for r in h[v])
    for rows in h.values():  # the lock is held while entries stand, except in the window
        assert all(r["locked"] or "migration" not in r["ptes"] or r["hazard"] for r in rows)
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_lock_timeline(h)
    assert len(ax.get_yticks()) == 9
    alt = lock_timeline_alt(h)
    assert all(v in alt for v in h) and "1 step(s) with a migration entry" in alt


def test_a_sleeper_woken_by_writepages_unlock_finds_the_entry_and_bugs():
    """Chapter 5's point about the lab's race map: a reader that slept in
    migration_entry_wait before writepage (as it should) is woken by writepage's unlock,
    retries, finds the entry still there and its page unlocked."""
    build = replacing(race("file-fault"), writeout=_lab_function())
    reader = "pid2:read@0x10000000#2"
    k = replay(build, ["migrate"] * 8 + [reader] + ["migrate"] * 2 + [reader] * 3)
    mine = [e for e in k.trace if e.task == reader]
    assert [e.kind for e in mine[:2]] == ["wait", "wake"]
    assert mine[0].func == "migration_entry_wait"
    assert [e.func for e in k.oopses] == ["migration_entry_to_page"]
    # with the kernel's writeout the same schedule hits no BUG
    k2 = replay(race("file-fault"), ["migrate"] * 8 + [reader] + ["migrate"] * 2)
    assert k2.oopses == []
