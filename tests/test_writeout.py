"""Dirty pages: fallback_migrate_page and writeout() in the patch's order (kernel-facts
E12-E16), and the "unsafe-writeout" variant that calls writepage with migration
entries still in place."""

from __future__ import annotations

from errno import EAGAIN, EINVAL, EIO

import pytest
from conftest import file_setup, step_to_end, step_until

from pagemig import InvariantError, Kernel
from pagemig.invariants import MIGRATION_ENTRY_LOCKED
from pagemig.migrate import writeout
from pagemig.rmap import try_to_unmap

DATA = b"file bytes 1"


def drive(gen):
    try:
        while True:
            assert isinstance(next(gen), tuple)
    except StopIteration as stop:
        return stop.value


@pytest.mark.parametrize("sharers", [1, 2])
def test_e12_dirty_file_page_writeout(sharers):
    k = Kernel(io_latency=25)
    f, procs, addrs = file_setup(k, sharers=sharers, write=True, migratepage=False)
    page = procs[0].page_at(addrs[0])
    assert page.dirty and f.backing.get(1) is None
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "writepage")
    # while writepage runs the ptes are real ptes to the old page, not migration entries
    for p, a in zip(procs, addrs):
        pte = p.pte(a)
        assert pte.kind == "present" and pte.pfn == page.pfn
    assert page.mapcount == sharers
    assert page.writeback and not page.dirty
    k.check()
    order = [e.func for e in k.trace if e.task == t.name]
    i = order.index("writeout")
    assert order.index("remove_file_migration_ptes", i) < order.index("writepage")
    back = step_until(k, t, lambda e: e.func == "writeout" and "rc" in e.data)
    assert back.data["rc"] == -EAGAIN and page.locked  # relocked by writeout
    k.run()  # the I/O completion is a task of its own
    assert t.result == 0
    skipped = [e for e in k.trace if e.func == "unmap_and_move" and "under writeback" in e.what]
    assert [e.data["pass"] for e in skipped] == [1, 2]  # polite passes skip it
    ended = k.trace.find("end_page_writeback")[0]
    moved = k.trace.find("migrate_page_move_mapping")[-1]
    assert ended.seq < moved.seq and moved.data.get("rc") is None
    assert f.backing[1].startswith(DATA)  # the bytes reached the store before the move
    new = procs[0].page_at(addrs[0])
    assert new.node == 1 and not new.dirty
    assert all(p.page_at(a) is new for p, a in zip(procs, addrs))
    assert k.vmstat["pgmigrate_writeout"] == 1 and k.vmstat["pgmigrate_success"] == 1
    assert all(p.read(a, len(DATA)) == DATA for p, a in zip(procs, addrs))
    k.run()
    k.check()


def test_e12_quick_io_migrates_in_the_next_polite_pass():
    k = Kernel(io_latency=0)
    f, (p,), (a,) = file_setup(k, write=True, migratepage=False)
    assert k.migrate_pages([p.page_at(a)], 1) == 0
    moved = [e for e in k.trace if e.func == "unmap_and_move" and "migrated" in e.what]
    assert [e.data["pass"] for e in moved] == [1]
    assert f.backing[1].startswith(DATA)
    k.check()


def test_dirty_page_with_migratepage_moves_its_dirty_bit(k):
    f, (p,), (a,) = file_setup(k, write=True, migratepage=True)
    assert k.migrate_pages([p.page_at(a)], 1) == 0
    new = p.page_at(a)
    assert new.dirty and new.node == 1
    assert not k.trace.find("writeout") and not k.trace.find("writepage")
    assert f.backing.get(1) is None and k.vmstat["pgmigrate_writeout"] == 0
    k.check()


def test_e13_dirty_page_without_writepage(k):
    f, (p, q), (a, b) = file_setup(k, sharers=2, write=True, migratepage=False, writepage=None)
    page = p.page_at(a)
    assert k.migrate_pages([page], 1) == 1
    tries = [e for e in k.trace if e.func == "writeout"]
    assert len(tries) == 1 and tries[0].data["rc"] == -EINVAL
    assert len([e for e in k.trace if e.func == "migrate_pages" and "pages" in e.data]) == 1
    assert page.lru and page.dirty and not page.locked
    for pr, x in ((p, a), (q, b)):
        assert pr.pte(x).kind == "present" and pr.pte(x).pfn == page.pfn and pr.pte(x).write
    assert k.vmstat["pgmigrate_fail"] == 1
    status = k.move_pages(p.pid, [a], [1], flags=4)
    assert list(status) == [-EINVAL] and status.ret == 1
    k.check()


def test_e14_writepage_error(k):
    f, (p,), (a,) = file_setup(k, write=True, migratepage=False, writepage="error")
    page = p.page_at(a)
    status = k.move_pages(p.pid, [a], [1])
    assert list(status) == [-EIO] and status.ret == 1
    assert page.error and page.lru and not page.locked
    wo = [e for e in k.trace if e.func == "writeout" and "rc" in e.data]
    assert [e.data["rc"] for e in wo] == [-EIO]
    # 2.6.18 returns -EIO without relocking, then unmap_and_move unlocks an unlocked page
    bugs = [e for e in k.trace if e.kind == "bug"]
    assert [e.func for e in bugs] == ["unlock_page"]
    assert p.pte(a).kind == "present" and p.pte(a).pfn == page.pfn
    assert k.vmstat["pgmigrate_fail"] == 1
    k.check()


def test_e15_someone_else_already_cleaned_the_page(k):
    f, (p,), (a,) = file_setup(k, write=True, migratepage=False)
    page = p.page_at(a)
    assert k.trylock_page(page)
    drive(try_to_unmap(k, page, migration=True))
    assert p.pte(a).kind == "migration"
    page.dirty = False  # cleaned behind our back
    assert drive(writeout(k, f.mapping, page)) == -EAGAIN
    assert p.pte(a).kind == "migration"  # writeout itself restores nothing
    assert not k.trace.find("writepage") and k.vmstat["pgmigrate_writeout"] == 0
    from pagemig.migrate import remove_migration_ptes

    drive(remove_migration_ptes(k, page, page))  # unmap_and_move's rollback
    k.unlock_page(page)
    assert p.pte(a).kind == "present"
    k.check()


def test_e16_buffers_cannot_be_released(k):
    f, (p,), (a,) = file_setup(k, migratepage=False, buffers=True, releasepage=False)
    page = p.page_at(a)
    assert k.migrate_pages([page], 1) == 1
    busy = [e for e in k.trace if e.func == "fallback_migrate_page"]
    assert len(busy) == 10 and all(e.data["rc"] == -EAGAIN for e in busy)
    assert page.has_private and page.lru and p.pte(a).pfn == page.pfn
    k.check()


def test_e16_releasable_buffers_are_dropped(k):
    f, (p,), (a,) = file_setup(k, migratepage=False, buffers=True, releasepage=True)
    page = p.page_at(a)
    assert k.migrate_pages([page], 1) == 0
    new = p.page_at(a)
    assert new.node == 1 and not new.has_private and "private" not in new.refs
    k.check()


def test_writepage_activate_keeps_the_page(k):
    f, (p,), (a,) = file_setup(k, write=True, migratepage=False, writepage="activate")
    page = p.page_at(a)
    assert k.migrate_pages([page], 1) == 1
    assert page.dirty and not page.locked and f.backing.get(1) is None
    assert len([e for e in k.trace if e.func == "writepage"]) == 10
    k.check()


def test_before_patch_dirty_page_goes_through_pageout():
    k = Kernel(variant="before-patch", io_latency=1)
    f, (p,), (a,) = file_setup(k, write=True, migratepage=False)
    assert k.migrate_pages([p.page_at(a)], 1) == 0
    assert k.trace.find("pageout") and not k.trace.find("writeout")
    assert f.backing[1].startswith(DATA)
    assert p.pte(a).kind == "none" and p.read(a, len(DATA)) == DATA
    k.check()


# -- the reason for the patch's order: unsafe-writeout vs patched -------------------


def _window(variant):
    """Migrate a dirty page of a file without migratepage; stop in the window after
    writepage unlocked the page and before writeout relocks it."""
    k = Kernel(variant=variant)
    f, (p,), (a,) = file_setup(k, write=True, migratepage=False)
    page = p.page_at(a)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "writepage")
    assert not page.locked  # writepage dropped the lock
    return k, f, p, a, page, t


def test_unsafe_writeout_breaks_the_locked_page_invariant():
    k, f, p, a, page, t = _window("unsafe-writeout")
    assert p.pte(a).kind == "migration" and p.pte(a).pfn == page.pfn
    with pytest.raises(InvariantError) as ei:
        k.check()
    assert ei.value.rule == MIGRATION_ENTRY_LOCKED
    assert "locked" in str(ei.value) and f"pfn {page.pfn}" in ei.value.details
    acc = p.start_access(a, n=len(DATA))
    step_to_end(k, acc)
    assert acc.result == "oops"
    bug = [e for e in k.trace if e.kind == "bug"]
    assert bug and bug[0].func == "migration_entry_to_page"
    assert k.vmstat["pgmigrate_entry_wait"] == 0  # it never got to sleep
    k.run()
    assert t.result == 0  # the migration itself still finishes
    k.check()


def test_unsafe_writeout_debug_vm_records_the_break():
    k = Kernel(variant="unsafe-writeout", debug_vm=True)
    f, (p,), (a,) = file_setup(k, write=True, migratepage=False)
    k.migrate_pages([p.page_at(a)], 1)
    broken = [e for e in k.trace if e.kind == "bug" and e.func == "check"]
    assert broken and broken[0].data["rule"] == MIGRATION_ENTRY_LOCKED
    kp = Kernel(variant="patched", debug_vm=True)
    f, (p,), (a,) = file_setup(kp, write=True, migratepage=False)
    kp.migrate_pages([p.page_at(a)], 1)
    kp.run()
    assert not [e for e in kp.trace if e.kind == "bug"]


@pytest.mark.parametrize("variant", ["patched", "before-patch"])
def test_safe_variants_keep_the_invariant_in_the_window(variant):
    k, f, p, a, page, t = _window(variant)
    assert p.pte(a).kind == ("present" if variant == "patched" else "none")
    k.check()
    acc = p.start_access(a, n=len(DATA))
    for _ in range(1000):
        if acc.done:
            break
        k.step(acc)
        k.check()
        if acc.blocked:
            k.step(t)
    k.run()
    assert acc.result == DATA
    assert t.result == 0 and f.mapping.page_tree[1].node == 1
    assert not [e for e in k.trace if e.kind == "bug"]
    k.check()


def test_patched_never_breaks_the_invariant_step_by_step():
    k = Kernel(io_latency=2)
    f, procs, addrs = file_setup(k, sharers=3, write=True, migratepage=False)
    t = k.start_migrate_pages([procs[0].page_at(addrs[0])], 1)
    readers = [p.start_access(a, n=len(DATA)) for p, a in zip(procs[1:], addrs[1:])]
    steps = 0
    while k.tasks:
        for task in list(k.tasks):
            k.step(task)
            k.check()
            steps += 1
    assert t.result == 0 and all(r.result == DATA for r in readers)
    assert steps > 20
