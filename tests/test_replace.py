"""Replacing one kernel function for one kernel (pagemig.replace) and the labs' wrong
versions (pagemig.labs): a wrong replacement is caught by the checker and by the
explorer, the original comes back, other kernels never see it, misuse is refused."""

import pytest

from pagemig import Kernel
from pagemig.explore import explore, replay
from pagemig.invariants import MIGRATION_ENTRY_LOCKED, NO_DATA_LOST
from pagemig.labs import (
    race_cow_pair,
    race_shared_read,
    remove_file_migration_ptes_first_only,
    remove_migration_pte_any_pfn,
    what_broke,
    writeout_writepage_first,
)
from pagemig.replace import REPLACEABLE, original, replace, replacing
from pagemig.scenarios import build_scenario, race


def _shared(variant="patched", **kw):
    return build_scenario("file linear", sharers=2, variant=variant, **kw)


def _events(k):
    return [(e.task, e.func, e.what) for e in k.trace]


# which machine makes the engine call each replaceable function
CALLED_BY = {
    "writeout": dict(mapping="file linear", dirty=True),
    "remove_migration_ptes": dict(mapping="file linear"),
    "remove_anon_migration_ptes": dict(mapping="anonymous", sharers=2),
    "remove_file_migration_ptes": dict(mapping="file linear"),
    "remove_migration_pte": dict(mapping="anonymous", sharers=2),
    "migrate_page_move_mapping": dict(mapping="file linear"),
    "try_to_unmap_one": dict(mapping="file linear"),
    "try_to_unmap_cluster": dict(mapping="file nonlinear"),
}


def test_every_replaceable_name_is_tested_here():
    assert set(CALLED_BY) == set(REPLACEABLE)


@pytest.mark.parametrize("name", sorted(REPLACEABLE))
def test_the_engine_calls_the_replacement_at_every_site(name):
    """A pass-through replacement that counts its calls: it is called, and the machine
    behaves exactly as with the original (same events, same result)."""
    orig = original(name)
    calls = []

    def counting(*args):
        calls.append(args)
        return (yield from orig(*args))

    kw = dict(CALLED_BY[name])
    mapping = kw.pop("mapping")
    plain = build_scenario(mapping, seed=3, **kw)
    mine = build_scenario(mapping, seed=3, **kw)
    rc_plain = plain.kernel.migrate_pages([plain.page], 1)
    with mine.kernel.replace(**{name: counting}):
        rc_mine = mine.kernel.migrate_pages([mine.page], 1)
    assert calls, f"the engine never called the replacement for {name}"
    assert rc_mine == rc_plain
    assert _events(mine.kernel) == _events(plain.kernel)


def test_a_wrong_replacement_is_caught_by_the_checker_and_the_original_restored():
    sc = _shared()
    k = sc.kernel
    with k.replace(remove_file_migration_ptes=remove_file_migration_ptes_first_only) as r:
        assert k.replaced == {"remove_file_migration_ptes": remove_file_migration_ptes_first_only}
        assert k.migrate_pages([sc.page], 1) == 0
        rules = [rule for rule, _ in k.violations()]
        assert MIGRATION_ENTRY_LOCKED in rules
        # the second sharer still holds a migration entry to the old frame
        assert sc.processes[1].ptes[sc.addrs[1] >> 12].kind == "migration"
    assert not r.active and k.replaced == {}
    # the same kernel now runs the original: another shared page migrates cleanly
    f = k.create_file("other.bin", 1)
    procs = [k.spawn(), k.spawn()]
    addrs = []
    for p in procs:
        v = p.mmap(1, file=f, shared=True)
        p.read(v.start, 1)
        addrs.append(v.start)
    before = set(k.violations())
    assert k.migrate_pages([procs[0].page_at(addrs[0])], 1) == 0
    assert all(p.ptes[a >> 12].kind == "present" for p, a in zip(procs, addrs))
    assert set(k.violations()) == before  # nothing new broke


def test_the_same_migration_with_the_original_breaks_nothing():
    sc = _shared()
    assert sc.kernel.migrate_pages([sc.page], 1) == 0
    assert sc.kernel.violations() == []


def test_a_replacement_never_reaches_another_kernel():
    a, b = _shared(), _shared()
    rep = a.kernel.replace(remove_file_migration_ptes=remove_file_migration_ptes_first_only)
    assert b.kernel.replaced == {} and Kernel().replaced == {}
    b.kernel.migrate_pages([b.page], 1)
    assert b.kernel.violations() == []
    a.kernel.migrate_pages([a.page], 1)
    assert a.kernel.violations() != []  # without `with` it stays until undo()
    rep.undo()
    rep.undo()  # twice is harmless
    assert a.kernel.replaced == {}
    c = _shared()
    c.kernel.migrate_pages([c.page], 1)
    assert c.kernel.violations() == []


def test_nested_replacements_of_one_name_undo_in_order():
    k = Kernel()
    first, second = remove_migration_pte_any_pfn, original("remove_migration_pte")
    with k.replace(remove_migration_pte=first):
        with k.replace(remove_migration_pte=second):
            assert k.replaced["remove_migration_pte"] is second
        assert k.replaced["remove_migration_pte"] is first
    assert k.replaced == {}


def test_misuse_is_refused_before_anything_changes():
    k = Kernel()

    def not_a_path(k, mapping, page):
        return -11

    def wrong_params(k, page):
        yield ("writeout", "x", {})

    with pytest.raises(ValueError, match="not a replaceable kernel function; these are: writeout"):
        k.replace(writeout=writeout_writepage_first, migrate_page_copy=writeout_writepage_first)
    with pytest.raises(TypeError, match="generator of steps"):
        k.replace(writeout=not_a_path)
    with pytest.raises(TypeError, match=r"the original's parameters \(k, mapping, page\)"):
        k.replace(writeout=wrong_params)
    with pytest.raises(TypeError, match="must be a function"):
        k.replace(writeout=42)
    with pytest.raises(ValueError, match="say which function"):
        k.replace()
    with pytest.raises(TypeError, match="takes a Kernel"):
        replace("kernel", writeout=writeout_writepage_first)
    with pytest.raises(ValueError, match="not a replaceable"):
        replacing(race("file-fault"), pageout=writeout_writepage_first)
    with pytest.raises(ValueError, match="not a replaceable"):
        original("do_page_fault")
    assert k.replaced == {}


def test_explore_finds_the_interleaving_a_wrong_restore_walk_breaks():
    plain = explore(race_shared_read())
    assert plain.exhaustive and plain.rules == {}
    build = replacing(
        race_shared_read(), remove_file_migration_ptes=remove_file_migration_ptes_first_only
    )
    assert build.kernel_args == race_shared_read().kernel_args
    ex = explore(build)
    assert ex.exhaustive
    assert set(ex.rules) == {MIGRATION_ENTRY_LOCKED}
    assert ex.rules[MIGRATION_ENTRY_LOCKED] == ex.interleavings  # every one breaks it
    oops = ex.shortest("oops")
    assert oops is not None and ex.outcome_of(oops) == "oops"
    # the reader who faults after the unlock hits the kernel's BUG
    k = replay(build, oops)
    assert [e.func for e in k.oopses] == ["migration_entry_to_page"]
    broke = what_broke(build, oops)
    assert broke["rules"] == [MIGRATION_ENTRY_LOCKED]
    assert broke["task"] == "migrate" and "unlocked" in broke["details"]
    # the same schedule on the real kernel breaks nothing (it may not even fit: the
    # reader's fault waits there), so the explorer's verdict is the replacement's doing
    assert what_broke(race_shared_read(), plain.shortest("slept")) is None


def test_writeout_in_the_wrong_order_breaks_the_patchs_race_as_unsafe_writeout_does():
    """The package piece for chapter 5's lab: writepage before the pte restore."""
    build = replacing(race("file-fault"), writeout=writeout_writepage_first)
    ex = explore(build, max_runs=150)
    assert MIGRATION_ENTRY_LOCKED in ex.rules
    schedule = ex.shortest("invariant broken")
    broke = what_broke(build, schedule)
    assert broke["func"] == "writepage" and broke["rules"] == [MIGRATION_ENTRY_LOCKED]
    # the variant that models the same mistake agrees on the same schedule
    unsafe = what_broke(race("file-fault"), schedule, variant="unsafe-writeout")
    assert unsafe is not None and unsafe["rules"] == broke["rules"]
    # the kernel's own writeout, explored as far: nothing breaks
    assert explore(race("file-fault"), max_runs=150).rules == {}


def test_remove_migration_pte_without_its_pfn_check_hands_the_child_the_parents_page():
    plain = explore(race_cow_pair())
    assert plain.exhaustive and plain.rules == {} and set(plain.counts) == {"clean"}
    build = replacing(race_cow_pair(), remove_migration_pte=remove_migration_pte_any_pfn)
    ex = explore(build)
    assert NO_DATA_LOST in ex.rules and "clean" in ex.counts  # only some orders break it
    schedule = ex.shortest("data lost")
    broke = what_broke(build, schedule)
    assert broke["func"] == "remove_migration_pte"
    assert NO_DATA_LOST in broke["rules"]
    # the child (pid 2) now maps the parent's new page: its own bytes are gone
    k = replay(build, schedule)
    sc = build.scenario
    parent, child = sc.processes
    assert bytes(child.read(sc.addrs[1], 12)) == bytes(parent.read(sc.addrs[0], 12))
    assert bytes(child.read(sc.addrs[1], 12)) == b"anon page, s"
    assert k is sc.kernel
