"""Nonlinear mappings (remap_file_pages): no migration entries, cluster unmapping,
young ptes, refaults (kernel-facts A.8, E12 of section D, E20-E22)."""

from __future__ import annotations

from errno import EAGAIN

import pytest
from conftest import step_to_end, step_until

from pagemig import PAGE_SIZE, Kernel
from pagemig.constants import SWAP_FAIL, SWAP_SUCCESS
from pagemig.pte import Pte
from pagemig.rmap import try_to_unmap

# position -> file page: positions 3 and 4 keep their linear offset, the rest are rotated
LAYOUT = [1, 2, 0, 3, 4, 6, 7, 5]


def drive(gen, log=None):
    """Run a sub-path that never sleeps; its steps go to ``log``."""
    try:
        while True:
            item = next(gen)
            assert isinstance(item, tuple)
            if log is not None:
                log.append(item)
    except StopIteration as stop:
        return stop.value


def pass_of(k, ev):
    """The migrate_pages pass an event of the migrate task belongs to."""
    starts = [e for e in k.trace if e.func == "migrate_pages" and "pages" in e.data]
    return [e.data["pass"] for e in starts if e.seq < ev.seq][-1]


def nonlinear_setup(k, *, layout=LAYOUT, linear_sharer=False):
    f = k.create_file("nl", len(layout))
    writer = k.spawn()
    wv = writer.mmap(len(layout), file=f, shared=True)
    for i in range(len(layout)):
        writer.write(wv.start + i * PAGE_SIZE, b"page %d" % i)
    writer.exit()
    p = k.spawn()
    v = p.mmap(len(layout), file=f, shared=True)
    for pos, pgoff in enumerate(layout):
        p.remap_file_pages(v.start + pos * PAGE_SIZE, 1, pgoff)
    for pos in range(len(layout)):
        p.read(v.start + pos * PAGE_SIZE, 1)
    lin = None
    if linear_sharer:
        lin = k.spawn()
        lv = lin.mmap(len(layout), file=f, shared=True)
        lin.read(lv.start + 1 * PAGE_SIZE, 1)
        lin = (lin, lv.start + 1 * PAGE_SIZE)
    return f, p, v, lin


def make_old(p, addr):
    """Age a pte (what reclaim's page_referenced() would have done)."""
    vpn = addr // PAGE_SIZE
    pte = p.ptes[vpn]
    p.ptes[vpn] = Pte("present", pfn=pte.pfn, write=pte.write, young=False, dirty=pte.dirty)


def test_remap_file_pages_makes_the_vma_nonlinear(k):
    f, p, v, _ = nonlinear_setup(k)
    assert v.nonlinear and v in f.mapping.i_mmap_nonlinear
    assert v not in f.mapping.i_mmap.query(0, len(LAYOUT))
    for pos, pgoff in enumerate(LAYOUT):
        a = v.start + pos * PAGE_SIZE
        assert p.read(a, 6) == b"page %d" % pgoff
        assert p.page_at(a).index == pgoff
    p.remap_file_pages(v.start, 1, 5)
    assert p.pte(v.start).kind == "file" and p.pte(v.start).pgoff == 5
    assert p.read(v.start, 6) == b"page 5"
    k.check()


def test_e20_nonlinear_mapping(k):
    f, p, v, _ = nonlinear_setup(k)
    target = f.mapping.page_tree[1]  # at position 0, linear offset 0
    for pos in range(len(LAYOUT)):
        make_old(p, v.start + pos * PAGE_SIZE)
    rss = p.file_rss
    faults = k.vmstat["pgfault"]
    t = k.start_migrate_pages([target], 1)
    seen = set()
    while not t.done:
        k.step(t)
        seen |= {pte.kind for pte in p.ptes.values()}
        k.check()
    assert t.result == 0 and "migration" not in seen
    cl = k.trace.find("try_to_unmap_cluster")
    assert len(cl) == 1 and len(cl[0].data["cleared"]) == len(LAYOUT)  # neighbours too
    moved = [e for e in k.trace if "migrated" in e.what]
    assert [e.data["pass"] for e in moved] == [0]
    for pos, pgoff in enumerate(LAYOUT):
        pte = p.pte(v.start + pos * PAGE_SIZE)
        if pgoff == pos:
            assert pte.kind == "none"
        else:
            assert pte.kind == "file" and pte.pgoff == pgoff
    assert p.file_rss == rss - len(LAYOUT)
    assert all(f.mapping.page_tree[i].mapcount == 0 for i in range(len(LAYOUT)))
    new = f.mapping.page_tree[1]
    assert new.node == 1 and new is not target
    assert p.read(v.start, 6) == b"page 1"  # the refault lands on the new page
    assert p.page_at(v.start) is new
    assert k.vmstat["pgfault"] == faults + 1 and k.vmstat["pgmigrate_refault"] == 1
    assert k.trace.find("do_file_page")
    k.check()


def test_e20_young_ptes_cost_one_pass(k):
    f, p, v, _ = nonlinear_setup(k)
    target = f.mapping.page_tree[1]
    assert p.pte(v.start).young
    assert k.migrate_pages([target], 1) == 0
    cl = k.trace.find("try_to_unmap_cluster")
    assert len(cl[0].data["young_skipped"]) == len(LAYOUT) and not cl[0].data["cleared"]
    still = [e for e in k.trace if "still mapped" in e.what]
    assert [(e.data["pass"], e.data["rc"]) for e in still] == [(0, -EAGAIN)]
    moved = [e for e in k.trace if "migrated" in e.what]
    assert [e.data["pass"] for e in moved] == [1]
    k.check()


def test_e21_nonlinear_young_at_every_pass(k):
    f, p, v, _ = nonlinear_setup(k)
    target = f.mapping.page_tree[1]
    t = k.start_migrate_pages([target], 1)
    touches = 0
    while not t.done:
        ev = k.step(t)
        if ev is not None and ev.func == "try_to_unmap_cluster":
            acc = p.start_access(v.start)  # the accessor touches P between passes
            assert step_to_end(k, acc) == b"p"
            assert p.pte(v.start).young
            touches += 1
    assert t.result == 1
    cl = k.trace.find("try_to_unmap_cluster")
    # Pass 1 clears the 7 neighbours, which counts the mapcount down to <= 0 and
    # leaves the scan cursor at the end of the vma: pass 2 scans nothing (and
    # resets the cursors), as try_to_unmap_file does. Every other pass scans.
    assert [pass_of(k, e) for e in cl] == [0, 1, 3, 4, 5, 6, 7, 8, 9]
    assert touches == len(cl)
    assert all(v.start in e.data["young_skipped"] for e in cl)
    still = [e for e in k.trace if "still mapped" in e.what]
    assert [e.data["pass"] for e in still] == list(range(10))
    assert p.page_at(v.start) is target and target.node == 0 and target.lru
    neighbours = [p.pte(v.start + i * PAGE_SIZE).kind for i in range(1, len(LAYOUT))]
    assert "present" not in neighbours  # collateral: unmapped on the way
    assert (k.vmstat["pgmigrate_success"], k.vmstat["pgmigrate_fail"]) == (0, 1)
    k.check()


def test_e22_mlocked_nonlinear_vma_in_reclaim_mode(k):
    f, p, v, _ = nonlinear_setup(k)
    p.mlock(v.start, v.pages)
    page = f.mapping.page_tree[1]
    for pos in range(len(LAYOUT)):
        make_old(p, v.start + pos * PAGE_SIZE)
    assert k.trylock_page(page)
    log = []
    assert drive(try_to_unmap(k, page, migration=False), log) == SWAP_FAIL
    assert "max_nl_size == 0" in log[-1][1]
    assert page.mapped and p.pte(v.start).kind == "present"  # stays mapped
    assert not [x for x in log if x[0] == "try_to_unmap_cluster"]
    # migration mode does not skip VM_LOCKED nonlinear vmas
    assert drive(try_to_unmap(k, page, migration=True), log) == SWAP_SUCCESS
    assert [x for x in log if x[0] == "try_to_unmap_cluster"]
    assert not page.mapped and p.pte(v.start).kind == "file"
    k.unlock_page(page)
    k.check()


def test_e22_mlocked_nonlinear_page_still_migrates(k):
    f, p, v, _ = nonlinear_setup(k)
    p.mlock(v.start, v.pages)
    assert k.migrate_pages([f.mapping.page_tree[1]], 1) == 0
    assert f.mapping.page_tree[1].node == 1
    k.check()


@pytest.mark.parametrize("variant", ["patched", "before-patch"])
def test_linear_and_nonlinear_sharers(variant):
    k = Kernel(variant=variant)
    f, p, v, (q, qa) = nonlinear_setup(k, linear_sharer=True)
    target = f.mapping.page_tree[1]
    for pos in range(len(LAYOUT)):
        make_old(p, v.start + pos * PAGE_SIZE)
    t = k.start_migrate_pages([target], 1)
    step_until(k, t, lambda e: e.func == "move_to_new_page")
    assert q.pte(qa).kind == ("migration" if variant == "patched" else "none")
    assert all(pte.kind != "migration" for pte in p.ptes.values())
    assert step_to_end(k, t) == 0
    new = f.mapping.page_tree[1]
    if variant == "patched":
        assert q.pte(qa).kind == "present" and q.page_at(qa) is new  # restored
    else:
        assert q.pte(qa).kind == "none"
    assert p.pte(v.start).kind == "file"  # never restored: refault
    refaults = k.vmstat["pgmigrate_refault"]
    assert p.read(v.start, 6) == b"page 1" and q.read(qa, 6) == b"page 1"
    assert p.page_at(v.start) is new and q.page_at(qa) is new
    assert k.vmstat["pgmigrate_refault"] == refaults + (1 if variant == "patched" else 2)
    k.check()


def test_nonlinear_fork_copies_file_ptes(k):
    f, p, v, _ = nonlinear_setup(k)
    for pos in range(len(LAYOUT)):
        make_old(p, v.start + pos * PAGE_SIZE)
    k.migrate_pages([f.mapping.page_tree[2]], 1)
    c = p.fork()
    assert c.pte(v.start + PAGE_SIZE).kind == "file"
    assert c.read(v.start + PAGE_SIZE, 6) == b"page 2"
    assert c.page_at(v.start + PAGE_SIZE).node == 1
    k.check()


def test_remap_to_the_linear_offset_keeps_a_linear_vma_linear(k):
    f = k.create_file("f", 4)
    p = k.spawn()
    v = p.mmap(3, file=f, offset=PAGE_SIZE, shared=True)
    p.write(v.start + PAGE_SIZE, b"two")
    p.remap_file_pages(v.start + PAGE_SIZE, 1, 2)  # file page 2 sits there already
    assert not v.nonlinear and v in f.mapping.i_mmap.query(2)
    assert p.pte(v.start + PAGE_SIZE).kind == "present"
    assert k.migrate_pages([p.page_at(v.start + PAGE_SIZE)], 1) == 0
    assert p.pte(v.start + PAGE_SIZE).kind == "present"  # restored through the prio tree
    p.remap_file_pages(v.start, 1, 3)  # a real rearrangement makes it nonlinear
    assert v.nonlinear and v in f.mapping.i_mmap_nonlinear
    p.remap_file_pages(v.start + 2 * PAGE_SIZE, 1, 3)  # now every call populates
    assert p.pte(v.start + 2 * PAGE_SIZE).kind == "file"
    assert p.read(v.start, 1) == p.read(v.start + 2 * PAGE_SIZE, 1)
    k.check()
