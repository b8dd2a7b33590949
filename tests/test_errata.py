"""The 2.6.18 corrections of issue 14 item 1 (docs/kernel-facts-errata.md), one group each:
find_vma holes, vma_migratable in migrate_pages(2), pid 0, a no-op mprotect, the ZERO_PAGE."""

from __future__ import annotations

from errno import EFAULT, ENOENT

import pytest
from conftest import step_until, written

from pagemig import MPOL_MF_MOVE_ALL, PAGE_SIZE, Kernel
from pagemig.constants import ZERO_PFN
from pagemig.proc import render_numa_maps


# -- find_vma: only above every vma is -EFAULT -------------------------------------------
def test_find_vma_is_the_first_vma_ending_above():
    k = Kernel()
    p = k.spawn()
    v = p.mmap(2)
    w = p.mmap(2)  # a one-page gap between them
    gap = v.end
    assert p.find_vma(0x1000) is v and p.vma_lookup(0x1000) is None
    assert p.find_vma(gap) is w and p.vma_lookup(gap) is None
    assert p.find_vma(w.end) is None and p.vma_lookup(w.start) is w


def test_move_pages_hole_below_a_vma_is_enoent_above_all_is_efault(k):
    p, v, (a, b) = written(k)
    w = p.mmap(1)
    p.write(w.start, b"w")
    gap = v.end  # between v and w
    above = w.end + 16 * PAGE_SIZE
    status = k.move_pages(p.pid, [a, 0x1000, gap, above, b], [1, 1, 1, 1, 1])
    assert list(status) == [1, -ENOENT, -ENOENT, -EFAULT, 1] and status.ret == 0
    holes = [e.what for e in k.trace.events if e.func == "do_move_pages"]
    assert "hole below the vma" in holes[1] and "find_vma returned NULL" in holes[3]
    # the query form (nodes == NULL) answers the same
    assert list(k.move_pages(p.pid, [0x1000, gap, above])) == [-ENOENT, -ENOENT, -EFAULT]
    k.check()


def test_move_pages_only_holes_is_still_enoent_for_the_call(k):
    p, v, _ = written(k, 1)
    with pytest.raises(OSError) as ei:
        k.move_pages(p.pid, [0x1000], [1])
    assert ei.value.errno == ENOENT  # nothing isolated: 2.6.18's whole-call -ENOENT


# -- vma_migratable: migrate_pages(2) skips mlocked vmas, move_pages does not -------------
def test_migrate_pages_syscall_leaves_mlocked_memory(k):
    p, v, addrs = written(k, 2)
    q_vma = p.mmap(2)
    for i in range(2):
        p.write(q_vma.start + i * PAGE_SIZE, b"locked")
    p.mlock(q_vma.start, 2)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    assert [p.page_at(a).node for a in addrs] == [1, 1]
    assert [p.page_at(q_vma.start + i * PAGE_SIZE).node for i in range(2)] == [0, 0]
    assert "vma_migratable() refuses" in k.trace.find("migrate_to_node")[0].what
    k.check()


@pytest.mark.parametrize("flag", ["io", "pfnmap", "reserved"])
def test_migrate_pages_syscall_skips_driver_vmas(k, flag):
    p, v, addrs = written(k, 2)
    setattr(v, flag, True)  # as a driver's mmap (remap_pfn_range ...) would set it
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    assert [p.page_at(a).node for a in addrs] == [0, 0]


def test_move_pages_still_moves_mlocked_pages(k):
    p, v, addrs = written(k, 2)
    p.mlock(v.start, 2)
    status = k.move_pages(p.pid, addrs, [1, 1])
    assert list(status) == [1, 1] and [p.page_at(a).node for a in addrs] == [1, 1]
    k.check()


# -- pid 0 is the calling process ---------------------------------------------------------
def test_pid_0_means_the_caller(k):
    p, v, addrs = written(k, 2)
    other, _, theirs = written(k, 1)
    status = k.move_pages(0, addrs, [1, 1], caller=p)
    assert list(status) == [1, 1]
    assert list(k.move_pages(0, addrs, caller=p)) == [1, 1]
    assert k.sys_migrate_pages(0, [1], [0], caller=p) == 0
    assert [p.page_at(a).node for a in addrs] == [0, 0]
    assert other.page_at(theirs[0]).node == 0  # only the caller's pages
    with pytest.raises(ValueError, match="pid 0 means the calling process"):
        k.move_pages(0, addrs, [1, 1])
    with pytest.raises(ValueError, match="pid 0 means the calling process"):
        k.sys_migrate_pages(0, [0], [1])


# -- a no-op mprotect touches no pte -------------------------------------------------------
def test_noop_mprotect_leaves_a_write_migration_entry_write(k):
    p, v, (a,) = written(k, 1)
    t = k.start_migrate_pages([p.page_at(a)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    assert p.pte(a).kind == "migration" and p.pte(a).write
    p.mprotect(a, 1, write=True)  # the vma is read-write already
    assert p.pte(a).kind == "migration" and p.pte(a).write
    assert k.trace.events[-1].func == "mprotect_fixup"
    k.run()
    assert p.pte(a).kind == "present" and p.pte(a).write and p.page_at(a).node == 1
    faults = k.vmstat["pgfault"]
    p.write(a, b"no fault")
    assert k.vmstat["pgfault"] == faults
    k.check()


def test_changing_mprotect_still_downgrades(k):
    p, v, (a,) = written(k, 1)
    t = k.start_migrate_pages([p.page_at(a)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    p.mprotect(a, 1, write=False)
    assert p.pte(a).kind == "migration" and not p.pte(a).write
    k.run()
    assert not p.pte(a).write
    k.check()


# -- the ZERO_PAGE --------------------------------------------------------------------------
def test_read_fault_maps_the_zero_page_without_a_frame(k):
    p = k.spawn()
    v = p.mmap(3)
    free = k.free_frames(0) + k.free_frames(1)
    assert p.read(v.start, 3 * PAGE_SIZE) == bytes(3 * PAGE_SIZE)
    assert k.free_frames(0) + k.free_frames(1) == free  # no frame taken
    pte = p.pte(v.start)
    assert pte.kind == "present" and pte.pfn == ZERO_PFN and not pte.write
    assert pte.short() == "Z" and p.page_at(v.start) is k.zero_page
    # 2.6.18 counts it like a file page: a reference and a mapcount per pte, file_rss
    assert k.zero_page.mapcount == 3 and k.zero_page.refs["pte"] == 3
    assert p.file_rss == 3 and p.anon_rss == 0
    assert v.anon_vma is None  # a read fault prepares no anon_vma
    k.check()


def test_zero_page_is_enoent_in_move_pages_and_never_migrates(k):
    p = k.spawn()
    v = p.mmap(2)
    a, b = v.start, v.start + PAGE_SIZE
    p.read(a, 1)
    p.write(b, b"real")
    status = k.move_pages(p.pid, [a, b], [1, 1])
    assert list(status) == [-ENOENT, 1]  # LTP move_pages04, old form
    assert "ZERO_PAGE" in k.trace.find("do_move_pages")[0].what
    assert list(k.move_pages(p.pid, [a])) == [-ENOENT]
    with pytest.raises(OSError) as ei:
        k.move_pages(p.pid, [a], [1], MPOL_MF_MOVE_ALL)
    assert ei.value.errno == ENOENT  # nothing isolated
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    assert p.pte(a).pfn == ZERO_PFN
    with pytest.raises(ValueError, match="ZERO_PAGE"):
        k.migrate_pages([k.zero_page], 1)
    with pytest.raises(ValueError, match="ZERO_PAGE"):
        k.pin(k.zero_page)
    k.check()


def test_write_after_read_copies_the_zero_page(k):
    p = k.spawn()
    v = p.mmap(1)
    a = v.start
    p.read(a, 1)
    p.write(a + 5, b"hi")
    pte = p.pte(a)
    assert pte.kind == "present" and pte.pfn != ZERO_PFN and pte.write
    assert p.read(a, 8) == b"\0\0\0\0\0hi\0"
    assert k.zero_page.mapcount == 0 and k.zero_page.count == 1
    assert p.file_rss == 0 and p.anon_rss == 1
    assert k.trace.find("do_wp_page")
    assert list(k.move_pages(p.pid, [a], [1])) == [1]
    k.check()


def test_fork_shares_zero_page_ptes_only_where_ptes_are_copied(k):
    p = k.spawn()
    only_zero = p.mmap(1)
    mixed = p.mmap(2)
    p.read(only_zero.start, 1)
    p.read(mixed.start, 1)
    p.write(mixed.start + PAGE_SIZE, b"x")
    c = p.fork()
    # copy_page_range() skips a vma without an anon_vma: the child refaults there
    assert c.pte(only_zero.start).kind == "none"
    assert c.pte(mixed.start).pfn == ZERO_PFN and not c.pte(mixed.start).write
    assert k.zero_page.mapcount == 3 and c.file_rss == 1
    k.check()
    c.write(mixed.start, b"child")  # COW of the zero page in the child only
    assert p.pte(mixed.start).pfn == ZERO_PFN and p.read(mixed.start, 5) == bytes(5)
    c.exit()
    assert k.zero_page.mapcount == 2
    k.check()


def test_numa_maps_does_not_count_the_zero_page(k):
    p = k.spawn()
    v = p.mmap(3)
    p.read(v.start, 2 * PAGE_SIZE)
    p.write(v.start + 2 * PAGE_SIZE, b"x")
    line = render_numa_maps(p)
    assert "anon=1" in line and "N0=1" in line and "N0=3" not in line


def test_pte_map_draws_the_zero_page(k):
    import matplotlib

    matplotlib.use("Agg")
    from widgets.plots import plot_pte_map, pte_cell

    p = k.spawn()
    v = p.mmap(2)
    p.read(v.start, 1)
    p.write(v.start + PAGE_SIZE, b"x")
    state, colour, label = pte_cell(k, p.pte(v.start))
    assert (state, label) == ("zero", "Z")
    assert colour != pte_cell(k, p.pte(v.start + PAGE_SIZE))[1]
    ax = plot_pte_map(k)
    assert "zero page (read-only, no frame)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_invariants_catch_a_miscounted_zero_page(k):
    p = k.spawn()
    v = p.mmap(1)
    p.read(v.start, 1)
    k.check()
    k.zero_page._mapcount += 1  # a mapcount no pte accounts for
    assert any("zero page" in d for _, d in k.violations())
