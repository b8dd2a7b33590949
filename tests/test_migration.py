"""kernel-facts section E, core engine behaviours (anonymous and linear file pages).

Each test is named after the behaviour's number in kernel-facts.md section E.
"""

from __future__ import annotations

from errno import EAGAIN, EFAULT, EINVAL, ENOMEM

import pytest
from conftest import file_setup, step_to_end, step_until

from pagemig import PAGE_SIZE, SWP_MIGRATION_READ, SWP_MIGRATION_WRITE, Kernel
from pagemig.constants import SWAP_FAIL, SWAP_SUCCESS
from pagemig.page import Page
from pagemig.process import Vma
from pagemig.rmap import AnonVma, page_address_in_vma, try_to_unmap


def drive(gen):
    """Run a kernel sub-path that never sleeps to the end; return its value."""
    try:
        while True:
            item = next(gen)
            assert isinstance(item, tuple), f"unexpected sleep: {item}"
    except StopIteration as stop:
        return stop.value


def anon_page(k, data=b"anon", pages=1):
    p = k.spawn()
    v = p.mmap(pages)
    p.write(v.start, data)
    return p, v.start


def passes(k, task_name="migrate"):
    return [
        e.data["pass"]
        for e in k.trace
        if e.task == task_name
        and e.func == "migrate_pages"
        and "pass" in e.data
        and "pages" in e.data
    ]


def test_e1_simple_anon_move(k):
    p, a = anon_page(k)
    old = p.page_at(a)
    assert (old.count, old.mapcount) == (1, 1)
    t = k.start_migrate_pages([old], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    assert old.count == 1 and old.mapcount == 0  # only the isolation reference
    assert p.pte(a).kind == "migration"
    step_until(k, t, lambda e: e.func == "migrate_page_move_mapping")
    assert "count 1 as expected" in k.trace[-1].what
    assert step_to_end(k, t) == 0
    pte = p.pte(a)
    assert pte.kind == "present" and pte.write and not pte.young
    new = p.page_at(a)
    assert new.node == 1 and new is not old
    assert (new.count, new.mapcount, new.lru) == (1, 1, True)
    assert old.count == 0 and old.mapping is None  # freed
    assert p.read(a, 4) == b"anon"
    k.check()


def test_e2_read_only_anon_pte_gives_read_entry(k):
    p, a = anon_page(k)
    c = p.fork()
    page = p.page_at(a)
    assert not p.pte(a).write and not c.pte(a).write
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "move_to_new_page")
    for proc in (p, c):
        e = proc.pte(a)
        assert e.kind == "migration" and not e.write and e.swp_type == SWP_MIGRATION_READ
    assert step_to_end(k, t) == 0
    for proc in (p, c):
        assert proc.pte(a).kind == "present" and not proc.pte(a).write
        assert proc.page_at(a).node == 1
    new = p.page_at(a)
    assert new.mapcount == 2
    c.write(a, b"kid")  # copy on write still happens after the move
    assert c.page_at(a) is not new and p.read(a, 4) == b"anon" and c.read(a, 4) == b"kidn"
    k.check()


def test_e3_write_entry_becomes_write_pte(k):
    p, a = anon_page(k)
    t = k.start_migrate_pages([p.page_at(a)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    e = p.pte(a)
    assert e.write and e.swp_type == SWP_MIGRATION_WRITE == 31
    step_to_end(k, t)
    assert p.pte(a).write
    p.write(a, b"again")  # no fault needed to write
    assert k.vmstat["pgfault"] == 1


def test_e4_extra_pin_exhausts_the_retries(k):
    p, a = anon_page(k)
    page = p.page_at(a)
    k.pin(page)
    assert k.migrate_pages([page], 1) == 1
    assert passes(k) == list(range(10))
    gates = [e for e in k.trace if e.func == "migrate_page_move_mapping"]
    assert len(gates) == 10 and all(e.data["rc"] == -EAGAIN for e in gates)
    forced = [e.data["pass"] for e in k.trace if e.func == "migrate_pages" and "pass" in e.data]
    assert "polite" in k.trace.find("migrate_pages")[2].what
    assert "forced" in k.trace.find("migrate_pages")[3].what and len(forced) == 10
    assert page.lru and not page.locked and page.node == 0
    pte = p.pte(a)
    assert pte.kind == "present" and pte.pfn == page.pfn and pte.write and not pte.young
    assert page.count == 2  # pte + pin
    assert (k.vmstat["pgmigrate_success"], k.vmstat["pgmigrate_fail"]) == (0, 1)
    assert k.free_frames(1) == 64
    status = k.move_pages(p.pid, [a], [1])
    assert list(status) == [-EAGAIN] and status.ret == 1
    k.check()
    k.unpin(page)
    assert k.migrate_pages([page], 1) == 0
    k.check()


@pytest.mark.parametrize("kpass", [0, 2, 4, 8])
def test_e5_transient_pin(k, kpass):
    p, a = anon_page(k)
    page = p.page_at(a)
    k.pin(page)
    t = k.start_migrate_pages([page], 1)
    step_until(
        k,
        t,
        lambda e: e.func == "unmap_and_move" and e.data.get("pass") == kpass and "rc" in e.data,
    )
    assert k.trace[-1].data["rc"] == -EAGAIN
    k.unpin(page)
    assert step_to_end(k, t) == 0
    done = [e for e in k.trace if e.func == "unmap_and_move" and "migrated" in e.what]
    assert [e.data["pass"] for e in done] == [kpass + 1]
    assert passes(k) == list(range(kpass + 2))
    assert p.page_at(a).node == 1 and p.read(a, 4) == b"anon"
    assert (k.vmstat["pgmigrate_success"], k.vmstat["pgmigrate_fail"]) == (1, 0)
    k.check()


def test_e6_lock_held_through_the_polite_passes(k):
    f, (p,), (a,) = file_setup(k)
    page = p.page_at(a)
    holder = k.start_lock_holder(page)
    k.step(holder)
    k.step(holder)
    assert page.locked
    t = k.start_migrate_pages([page], 1)
    seen = []
    while not t.done:
        ev = k.step(t) or k.step(holder)
        if ev is not None and ev.task == t.name:
            seen.append((ev, p.pte(a).kind))
    assert t.result == 0
    by_pass = {}
    for ev, kind in seen:
        if "pass" in ev.data:
            by_pass.setdefault(ev.data["pass"], []).append((ev, kind))
    for n in (0, 1, 2):
        evs = by_pass[n]
        assert any("locked by lock-holder" in e.what and e.data["rc"] == -EAGAIN for e, _ in evs)
        assert all(kind == "present" for _, kind in evs)  # ptes untouched
    assert not any(e.func == "try_to_unmap" for e, _ in seen if e.seq < by_pass[3][0][0].seq)
    waits = [e for e, _ in seen if e.kind == "wait"]
    assert waits and waits[0].func == "unmap_and_move" and "lock_page" in waits[0].what
    assert any("migrated" in e.what for e, _ in by_pass[3])
    k.run()
    assert p.page_at(a).node == 1 and holder.done and not page.locked
    k.check()


def test_e7_writeback_skipped_politely_then_waited_for():
    k = Kernel(io_latency=60)
    f, (p,), (a,) = file_setup(k, write=True)
    page = p.page_at(a)
    wb = k.start_writeback(page)
    step_until(k, wb, lambda e: e.func == "writepage")
    assert page.writeback and not page.locked and not page.dirty
    rc = k.migrate_pages([page], 1)
    assert rc == 0
    polite = [e for e in k.trace if e.func == "unmap_and_move" and "under writeback" in e.what]
    assert [e.data["pass"] for e in polite] == [0, 1, 2]
    first_forced = next(e.seq for e in k.trace if e.data.get("pass") == 3)
    assert not [e for e in k.trace if e.func == "try_to_unmap" and e.seq < first_forced]
    wait = next(e for e in k.trace if e.kind == "wait" and e.func == "unmap_and_move")
    assert "writeback" in wait.what and wait.seq > first_forced
    end = next(e for e in k.trace if e.func == "end_page_writeback")
    moved = next(e for e in k.trace if e.func == "migrate_page_move_mapping")
    assert end.seq < moved.seq
    assert f.backing[1].startswith(b"file bytes 1")
    assert p.page_at(a).node == 1 and p.read(a, 12) == b"file bytes 1"
    k.run()
    k.check()


def test_e8_page_freed_under_us(k):
    p, a = anon_page(k)
    page = p.page_at(a)
    t = k.start_move_pages(p.pid, [a], [1])
    step_until(k, t, lambda e: e.func == "do_move_pages")
    assert page.count == 2 and not page.lru
    p.exit()  # the only other reference goes away
    assert page.count == 1
    status = step_to_end(k, t)
    assert list(status) == [1] and status.ret == 0  # newpage's node
    assert not k.trace.find("try_to_unmap")
    assert any("freed under us" in e.what for e in k.trace)
    assert page.count == 0  # freed by the final putback
    assert k.free_frames(0) == 64 and k.free_frames(1) == 64  # newpage freed as well
    assert k.vmstat["pgmigrate_success"] == 1 and k.vmstat["pgmigrate_fail"] == 0
    k.check()


def test_e9_allocation_failure_on_the_second_of_three(k):
    p = k.spawn()
    v = p.mmap(3)
    addrs = [v.start + i * PAGE_SIZE for i in range(3)]
    for i, a in enumerate(addrs):
        p.write(a, b"page %d" % i)
    pages = [p.page_at(a) for a in addrs]
    hog = k.fill_node(1, leave_free=1)
    assert k.migrate_pages(pages, 1) == -ENOMEM
    assert [p.page_at(a).node for a in addrs] == [1, 0, 0]
    assert p.page_at(addrs[1]) is pages[1] and p.page_at(addrs[2]) is pages[2]
    for pg in pages[1:]:
        assert pg.lru and not pg.locked and pg.count == 1
    assert [p.read(a, 6) for a in addrs] == [b"page 0", b"page 1", b"page 2"]
    assert k.vmstat["pgmigrate_success"] == 1
    k.check()
    # through move_pages: the whole call fails with ENOMEM
    k.release_pages(hog)
    hog = k.fill_node(1, leave_free=1)
    before = [p.page_at(a).node for a in addrs]
    with pytest.raises(OSError) as ei:
        k.move_pages(p.pid, addrs, [1, 1, 1])
    assert ei.value.errno == ENOMEM
    after = [p.page_at(a).node for a in addrs]
    assert before == [1, 0, 0] and after == [1, 1, 0]
    k.check()


@pytest.mark.parametrize("variant", ["patched", "before-patch"])
def test_e10_clean_file_page_three_sharers(variant):
    k = Kernel(variant=variant)
    f, procs, addrs = file_setup(k, sharers=3)
    old = procs[0].page_at(addrs[0])
    rss = [pr.file_rss for pr in procs]
    assert (old.count, old.mapcount) == (4, 3)
    faults = k.vmstat["pgfault"]
    t = k.start_migrate_pages([old], 1)
    step_until(k, t, lambda e: e.func == "move_to_new_page")
    kinds = [pr.pte(a).kind for pr, a in zip(procs, addrs)]
    assert old.count == 2 and old.locked  # isolation + page cache
    if variant == "patched":
        assert kinds == ["migration"] * 3
        assert all(pr.pte(a).pfn == old.pfn for pr, a in zip(procs, addrs))
        assert [pr.file_rss for pr in procs] == rss
    else:
        assert kinds == ["none"] * 3
    step_until(k, t, lambda e: e.func == "migrate_page_move_mapping")
    new = f.mapping.page_tree[1]
    assert new is not old and new.node == 1 and new.locked  # slot switched, new page locked
    assert step_to_end(k, t) == 0
    assert old.count == 0
    if variant == "patched":
        assert [pr.pte(a).kind for pr, a in zip(procs, addrs)] == ["present"] * 3
        assert {pr.page_at(a).pfn for pr, a in zip(procs, addrs)} == {new.pfn}
        assert new.mapcount == 3 and new.count == 1 + 3
        assert [pr.file_rss for pr in procs] == rss
        for pr, a in zip(procs, addrs):
            pr.read(a, 1)
        assert k.vmstat["pgfault"] == faults  # no extra fault
        assert k.vmstat["pgmigrate_refault"] == 0
    else:
        assert [pr.pte(a).kind for pr, a in zip(procs, addrs)] == ["none"] * 3
        assert new.mapcount == 0 and new.count == 1
        for pr, a in zip(procs, addrs):
            pr.read(a, 1)
            pr.read(a, 1)
            assert pr.page_at(a) is new
        assert k.vmstat["pgfault"] == faults + 3  # each process faults exactly once
        assert k.vmstat["pgmigrate_refault"] == 3
    k.check()


def test_e11_file_page_with_buffers(k):
    f, (p,), (a,) = file_setup(k, buffers=True)
    old = p.page_at(a)
    assert old.has_private and old.count == 3  # cache + buffers + pte
    assert k.migrate_pages([old], 1) == 0
    gate = k.trace.find("migrate_page_move_mapping")[0]
    assert gate.data["expected"] == 3 and gate.data["count"] == 3
    assert k.trace.find("buffer_migrate_page")
    new = p.page_at(a)
    assert new.has_private and new.refs.get("private") == 1 and new.private == 1
    assert new.count == 3 and old.count == 0
    k.check()


def test_e11_buffers_with_a_pin_fail_the_gate(k):
    f, (p,), (a,) = file_setup(k, buffers=True)
    old = p.page_at(a)
    k.pin(old)
    assert k.migrate_pages([old], 1) == 1
    gate = k.trace.find("migrate_page_move_mapping")[0]
    assert gate.data["expected"] == 3 and gate.data["count"] == 4
    assert old.has_private and old.refs.get("private") == 1
    k.check()


def test_e17_radix_slot_changed(k):
    f, (p,), (a,) = file_setup(k)
    page = p.page_at(a)
    stranger = Page(page.pfn + 1000, 0)  # what truncate + re-add would leave in the slot
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    f.mapping.page_tree[1] = stranger
    ev = step_until(k, t, lambda e: e.func == "migrate_page_move_mapping")
    assert ev.data["rc"] == -EAGAIN and "slot 1 holds" in ev.what
    assert p.pte(a).kind == "migration"
    step_until(k, t, lambda e: e.func == "remove_file_migration_ptes")  # rolled back
    assert p.pte(a).kind == "present" and p.pte(a).pfn == page.pfn
    f.mapping.page_tree[1] = page
    assert step_to_end(k, t) == 0  # the next pass finds the slot right again
    assert p.page_at(a).node == 1
    k.check()


def test_e18_flag_copy(k):
    f, (p,), (a,) = file_setup(k, write=True)
    old = p.page_at(a)
    old.referenced = old.uptodate = old.active = old.error = old.checked = True
    old.mappedtodisk = True
    assert old.dirty
    t = k.start_migrate_pages([old], 1)
    ev = step_until(k, t, lambda e: e.func == "migrate_page_copy")
    new = f.mapping.page_tree[1]
    for flag in ("referenced", "uptodate", "active", "error", "checked", "mappedtodisk", "dirty"):
        assert getattr(new, flag), flag
    assert "dirty bit moved" in ev.what
    assert not old.active and not old.dirty and old.mapping is None and old.private == 0
    assert not new.lru  # PG_lru is not copied: it joins the LRU after the move
    step_to_end(k, t)
    assert new.lru
    k.check()


def test_e19_swap_cache_anon_page(k):
    p, a = anon_page(k)
    c = p.fork()
    page = p.page_at(a)
    slot = k.add_to_swap(page)
    rss = p.anon_rss
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "move_to_new_page")
    for proc in (p, c):
        e = proc.pte(a)
        assert e.kind == "swap" and e.offset == slot  # not migration entries
    assert p.anon_rss == rss - 1
    ev = step_until(k, t, lambda e: e.func == "migrate_page_move_mapping")
    assert ev.data["expected"] == 2 and "swap cache" in ev.what
    assert step_to_end(k, t) == 0
    new = k.swap.page_tree[slot]
    assert new.node == 1 and new.swapcache and new.private == slot
    assert p.pte(a).kind == "swap" and c.pte(a).kind == "swap"  # still swap entries
    assert p.read(a, 4) == b"anon"  # do_swap_page -> the new page
    assert p.page_at(a) is new and p.pte(a).kind == "present"
    assert k.trace.find("do_swap_page") and not k.trace.find("migration_entry_wait")
    k.check()


def test_e24_fault_on_swap_pte_takes_the_swap_path(k):
    p, a = anon_page(k)
    page = p.page_at(a)
    slot = k.add_to_swap(page)
    k.migrate_pages([page], 1)
    assert p.pte(a).kind == "swap"
    t = p.start_access(a, n=4)
    k.run()
    assert t.result == b"anon"
    assert k.vmstat["pgmigrate_entry_wait"] == 0
    funcs = [e.func for e in k.trace if e.task == t.name]
    assert "do_swap_page" in funcs and "migration_entry_wait" not in funcs
    assert p.page_at(a) is k.swap.page_tree[slot]
    k.check()


def test_e25_fork_during_migration_cow_vma(k):
    p, a = anon_page(k)
    page = p.page_at(a)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    assert p.pte(a).write
    c = p.fork()
    for proc in (p, c):
        e = proc.pte(a)
        assert e.kind == "migration" and not e.write and e.swp_type == SWP_MIGRATION_READ
    assert step_to_end(k, t) == 0
    new = p.page_at(a)
    assert c.page_at(a) is new and new.node == 1 and new.mapcount == 2
    assert not p.pte(a).write and not c.pte(a).write
    p.write(a, b"PARENT")  # the first write copies
    assert p.page_at(a) is not new and c.read(a, 4) == b"anon"
    k.check()


def test_e25_fork_during_migration_shared_file_vma(k):
    f, (p,), (a,) = file_setup(k, write=True, migratepage=True)
    t = k.start_migrate_pages([p.page_at(a)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    c = p.fork()
    assert p.pte(a).kind == "migration" and p.pte(a).write  # a shared vma keeps WRITE
    assert c.pte(a).kind == "none"  # copy_page_range skips it: the child faults it in
    step_to_end(k, t)
    assert p.pte(a).write and c.read(a, 10) == b"file bytes"
    assert c.page_at(a) is p.page_at(a)
    k.check()


def test_e26_mprotect_during_migration(k):
    p, a = anon_page(k)
    t = k.start_migrate_pages([p.page_at(a)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    # an mprotect that changes the protection (read-write -> read-only) downgrades it
    p.mprotect(a, 1, write=False)
    e = p.pte(a)
    assert e.kind == "migration" and not e.write
    step_to_end(k, t)
    assert p.pte(a).kind == "present" and not p.pte(a).write
    p.mprotect(a, 1, write=True)  # present ptes do not gain write: the write faults
    faults = k.vmstat["pgfault"]
    p.write(a, b"W")
    assert k.vmstat["pgfault"] == faults + 1 and p.pte(a).write
    assert k.trace.find("do_wp_page")
    k.check()


def test_e27_rollback_preserves_permission(k):
    f, (p, q), (a, b) = file_setup(k, sharers=2)
    c = p.fork()
    anon = c.mmap(1)
    c.write(anon.start, b"x")
    d = c.fork()  # the anonymous page is now read-only in c and d
    fpage, apage = p.page_at(a), c.page_at(anon.start)
    k.pin(fpage)
    k.pin(apage)
    before = {
        (pr.pid, x): pr.pte(x).write for pr, x in ((p, a), (q, b), (c, anon.start), (d, anon.start))
    }
    assert before[(p.pid, a)] and not before[(c.pid, anon.start)]
    assert k.migrate_pages([fpage, apage], 1) == 2
    for (pid, x), w in before.items():
        pte = k.processes[pid].pte(x)
        assert pte.kind == "present" and pte.write == w and not pte.young
    assert p.page_at(a) is fpage and c.page_at(anon.start) is apage
    k.check()


def test_e28_foreign_migration_entries_are_left_alone(k):
    f = k.create_file("f", 4)
    owner = k.spawn()
    ov = owner.mmap(4, file=f, shared=True)
    owner.write(ov.start + PAGE_SIZE, b"shared")
    cow = k.spawn()
    cv = cow.mmap(4, file=f, shared=False)
    a = cv.start + PAGE_SIZE
    cow.write(a, b"private copy")  # an anonymous page in a vma of the file's prio tree
    fpage, apage = owner.page_at(ov.start + PAGE_SIZE), cow.page_at(a)
    assert apage.anon and fpage.index == 1
    ta = k.start_migrate_pages([apage], 1)
    step_until(k, ta, lambda e: e.func == "try_to_unmap_one")
    assert cow.pte(a).kind == "migration" and cow.pte(a).pfn == apage.pfn
    tf = k.start_migrate_pages([fpage], 1)
    assert step_to_end(k, tf) == 0
    walk = k.trace.find("remove_file_migration_ptes")[-1]
    assert walk.data["vmas"] == 2 and walk.data["restored"] == 1  # cow's vma was walked
    assert cow.pte(a).kind == "migration" and cow.pte(a).pfn == apage.pfn  # untouched
    assert step_to_end(k, ta) == 0
    assert cow.read(a, 12) == b"private copy" and cow.page_at(a).node == 1
    assert owner.read(ov.start + PAGE_SIZE, 6) == b"shared"
    k.check()


def test_e29_page_address_in_vma():
    k = Kernel()
    f, g = k.create_file("f", 32), k.create_file("g", 32)
    mm = k.spawn()
    vma = Vma(mm, 0x1000, 0x5000, 10, f, True, True)

    def fpage(index, mapping=f.mapping):
        pg = Page(7, 0)
        pg.mapping, pg.index = mapping, index
        return pg

    assert page_address_in_vma(fpage(12), vma) == 0x3000
    assert page_address_in_vma(fpage(10), vma) == 0x1000
    assert page_address_in_vma(fpage(13), vma) == 0x4000
    assert page_address_in_vma(fpage(9), vma) == -EFAULT
    assert page_address_in_vma(fpage(14), vma) == -EFAULT
    assert page_address_in_vma(fpage(12, g.mapping), vma) == -EFAULT
    assert page_address_in_vma(fpage(12, None), vma) == -EFAULT
    nl = Vma(mm, 0x1000, 0x5000, 10, f, True, True)
    nl.nonlinear = True
    assert page_address_in_vma(fpage(12), nl) == -EFAULT
    av, other = AnonVma(1), AnonVma(2)
    anon_vma = Vma(mm, 0x1000, 0x5000, 10, None, False, True)
    anon_vma.anon_vma = av
    assert page_address_in_vma(fpage(12, av), anon_vma) == 0x3000
    assert page_address_in_vma(fpage(12, other), anon_vma) == -EFAULT
    assert page_address_in_vma(fpage(12, av), vma) == -EFAULT  # a file vma, no anon_vma


@pytest.mark.parametrize("kind", ["anon", "file"])
def test_e30_mlocked_linear_vma(k, kind):
    if kind == "anon":
        p, a = anon_page(k)
        p.mlock(p.find_vma(a).start, 1)
    else:
        f, (p,), (a,) = file_setup(k)
        v = p.find_vma(a)
        p.mlock(v.start, v.pages)
    page = p.page_at(a)
    # reclaim (migration = 0) refuses an mlocked vma
    assert k.trylock_page(page)
    if kind == "file":
        assert drive(try_to_unmap(k, page, migration=False)) == SWAP_FAIL
        assert p.pte(a).kind == "present" and page.mapcount == 1
    k.unlock_page(page)
    # migration ignores VM_LOCKED
    assert k.migrate_pages([page], 1) == 0
    assert p.page_at(a).node == 1
    k.check()


def test_e30_migration_mode_unmaps_mlocked(k):
    f, (p,), (a,) = file_setup(k)
    v = p.find_vma(a)
    p.mlock(v.start, v.pages)
    page = p.page_at(a)
    k.trylock_page(page)
    assert drive(try_to_unmap(k, page, migration=True)) == SWAP_SUCCESS
    assert p.pte(a).kind == "migration" and not page.mapped
    drive(_restore(k, page))
    k.unlock_page(page)
    assert p.pte(a).kind == "present"
    k.check()


def _restore(k, page):
    from pagemig.migrate import remove_migration_ptes

    return remove_migration_ptes(k, page, page)


def test_e34_return_value_counts_failures(k):
    p = k.spawn()
    v = p.mmap(3)
    addrs = [v.start + i * PAGE_SIZE for i in range(3)]
    for a in addrs:
        p.write(a, b"a")
    nowp = k.create_file("nowp", 2, migratepage=False, writepage=None)
    w = p.mmap(2, file=nowp, shared=True)
    p.write(w.start, b"dirty")  # dirty, no writepage: -EINVAL, permanent
    pages = [p.page_at(a) for a in addrs] + [p.page_at(w.start)]
    p.read(w.start + PAGE_SIZE, 1)
    pages.append(p.page_at(w.start + PAGE_SIZE))  # clean: moves
    k.pin(pages[1])  # still -EAGAIN at pass 10
    assert k.migrate_pages(pages, 1) == 2
    assert (k.vmstat["pgmigrate_success"], k.vmstat["pgmigrate_fail"]) == (3, 2)
    assert [pg.node for pg in (p.page_at(x) for x in addrs + [w.start, w.start + PAGE_SIZE])] == [
        1,
        0,
        1,
        0,
        1,
    ]
    einval = [e for e in k.trace if e.data.get("rc") == -EINVAL and e.func == "writeout"]
    assert len(einval) == 1  # permanent: tried once, never again
    assert passes(k) == list(range(10))
    k.check()


def test_e35_pass_accounting_stops_when_nothing_is_busy(k):
    p = k.spawn()
    v = p.mmap(2)
    p.write(v.start, b"a")
    p.write(v.start + PAGE_SIZE, b"b")
    assert k.migrate_pages([p.page_at(v.start), p.page_at(v.start + PAGE_SIZE)], 1) == 0
    assert passes(k) == [0]  # nothing -EAGAIN in pass 0: the loop stops


def test_e35_page_that_succeeds_late_does_not_count(k):
    p = k.spawn()
    v = p.mmap(2)
    a, b = v.start, v.start + PAGE_SIZE
    p.write(a, b"a")
    p.write(b, b"b")
    pa, pb = p.page_at(a), p.page_at(b)
    k.pin(pa)
    k.pin(pb)
    t = k.start_migrate_pages([pa, pb], 1)
    step_until(
        k, t, lambda e: e.func == "unmap_and_move" and e.data.get("pass") == 3 and "rc" in e.data
    )
    k.unpin(pa)  # pa succeeds at pass 4; pb stays busy
    assert step_to_end(k, t) == 1
    assert passes(k) == list(range(10))
    assert (k.vmstat["pgmigrate_success"], k.vmstat["pgmigrate_fail"]) == (1, 1)
    k.unpin(pb)
    k.check()


def test_e35_retry_recomputed_every_pass(k):
    p, a = anon_page(k)
    page = p.page_at(a)
    k.pin(page)
    t = k.start_migrate_pages([page], 1)
    step_until(
        k, t, lambda e: e.func == "unmap_and_move" and e.data.get("pass") == 6 and "rc" in e.data
    )
    k.unpin(page)
    assert step_to_end(k, t) == 0  # earlier -EAGAINs do not count
    assert passes(k) == list(range(8))
