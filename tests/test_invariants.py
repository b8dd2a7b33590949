"""Kernel.check() / violations(): each rule of kernel-facts section D the engine checks
is caught when broken (by hand here, by the unsafe-writeout variant in
test_writeout.py) and stays quiet while the machine is healthy."""

from __future__ import annotations

import pytest
from conftest import file_setup, step_until

from pagemig import PAGE_SIZE, InvariantError, Kernel
from pagemig import invariants as inv
from pagemig.pte import Pte, make_migration_entry, mk_pte


def machine():
    k = Kernel(nodes=2, frames_per_node=16)
    f, (p, q), (a, b) = file_setup(k, sharers=2, write=True)
    an = p.mmap(1)
    p.write(an.start, b"anon")
    k.check()
    return k, f, p, q, a, b, an.start


def broken(k, rule):
    rules = [r for r, _ in k.violations()]
    assert rule in rules, rules
    with pytest.raises(InvariantError) as ei:
        k.check()
    assert ei.value.rule == rules[0] and ei.value.details
    assert isinstance(ei.value, AssertionError)
    return rules


def test_rules_are_named_and_distinct():
    assert len(set(inv.RULES)) == len(inv.RULES)
    assert inv.MIGRATION_ENTRY_LOCKED == "a migration entry points only at a locked page"
    for rule in (inv.MAPCOUNT, inv.REFCOUNT, inv.CACHE_SLOT, inv.NO_DATA_LOST):
        assert rule in inv.RULES


def test_healthy_machine_has_no_violations():
    k, *_ = machine()
    assert k.violations() == []


def test_migration_entry_to_unlocked_page_is_caught():
    k, f, p, q, a, b, an = machine()
    page = p.page_at(a)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    k.check()  # entries to a locked page: fine
    k.unlock_page(page)
    broken(k, inv.MIGRATION_ENTRY_LOCKED)
    page.locked = True
    page.lock_owner = t.name
    k.run()
    k.check()


def test_mapcount_mismatch_is_caught():
    k, f, p, q, a, b, an = machine()
    p.page_at(a)._mapcount += 1
    broken(k, inv.MAPCOUNT)


def test_refcount_mismatch_is_caught():
    k, f, p, q, a, b, an = machine()
    p.page_at(an).count += 1  # a reference nobody holds
    broken(k, inv.REFCOUNT)


def test_page_cache_reference_without_slot_is_caught():
    k, f, p, q, a, b, an = machine()
    page = p.page_at(a)
    del f.mapping.page_tree[page.index]
    rules = broken(k, inv.REFCOUNT)
    assert inv.MAPCOUNT not in rules


def test_page_in_two_slots_is_caught():
    k, f, p, q, a, b, an = machine()
    page = p.page_at(a)
    f.mapping.page_tree[page.index + 1] = page
    broken(k, inv.CACHE_SLOT)


def test_lost_bytes_are_caught():
    k, f, p, q, a, b, an = machine()
    p.page_at(a).data[0] ^= 0xFF
    broken(k, inv.NO_DATA_LOST)
    p.page_at(a).data[0] ^= 0xFF
    p.page_at(an).data[1] ^= 0xFF
    broken(k, inv.NO_DATA_LOST)


def test_migration_entry_in_nonlinear_vma_is_caught():
    k, f, p, q, a, b, an = machine()
    v = q.find_vma(b)
    q.remap_file_pages(v.start, 1, 3)
    page = p.page_at(a)
    k.trylock_page(page)
    q.ptes[v.start // PAGE_SIZE] = make_migration_entry(page, True)
    broken(k, inv.NONLINEAR)


def test_writable_pte_in_read_only_vma_is_caught():
    k, f, p, q, a, b, an = machine()
    p.find_vma(an).write = False  # without mprotect's pte update
    broken(k, inv.WRITE_PERMISSION)


def test_writable_pte_to_shared_cow_page_is_caught():
    k, f, p, q, a, b, an = machine()
    c = p.fork()
    pte = c.pte(an)
    c.ptes[an // PAGE_SIZE] = Pte("present", pfn=pte.pfn, write=True)
    broken(k, inv.WRITE_PERMISSION)


def test_lock_left_by_a_finished_path_is_caught():
    k, f, p, q, a, b, an = machine()
    page = p.page_at(an)
    page.locked = True
    page.lock_owner = "a path that returned"
    broken(k, inv.LOCKS_RELEASED)


def test_pte_to_a_free_frame_is_caught():
    k, f, p, q, a, b, an = machine()
    free = next(pg for pg in k.nodes[1].pages if pg.count == 0)
    v = p.mmap(1)
    p.ptes[v.start // PAGE_SIZE] = mk_pte(free.pfn, True)
    broken(k, inv.FREE_FRAMES)


def test_check_holds_at_every_step_of_a_busy_machine():
    k = Kernel(io_latency=1)
    f, procs, addrs = file_setup(k, sharers=3, write=True, migratepage=False)
    g, gprocs, gaddrs = file_setup(k, sharers=2, buffers=True)
    p = procs[0]
    an = p.mmap(2)
    p.write(an.start, b"a")
    p.write(an.start + PAGE_SIZE, b"b")
    c = p.fork()
    k.add_to_swap(p.page_at(an.start + PAGE_SIZE))
    k.pin(gprocs[0].page_at(gaddrs[0]))
    pages = [procs[0].page_at(addrs[0]), gprocs[0].page_at(gaddrs[0])]
    pages += [p.page_at(an.start), p.page_at(an.start + PAGE_SIZE)]
    k.start_migrate_pages(pages, 1)
    for pr, x in zip(procs + gprocs, addrs + gaddrs):
        pr.start_access(x, n=4)
    c.start_access(an.start, write=True, data=b"C")
    n = 0
    while k.tasks:
        k.step(k.tasks[n % len(k.tasks)])
        k.check()
        n += 1
    assert n > 50
    assert c.read(an.start, 1) == b"C" and p.read(an.start, 1) == b"a"


def test_swap_cache_page_between_slot_switch_and_copy():
    k = Kernel()
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"swapped")
    page = p.page_at(v.start)
    slot = k.add_to_swap(page)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "migrate_page_move_mapping")
    new = k.swap.page_tree[slot]
    assert new is not page and new.locked and new.read_bytes(0, 7) != b"swapped"
    k.check()  # contents in flight behind the lock are not lost bytes
    acc = p.start_access(v.start, n=7)
    step_until(k, acc, lambda e: e.kind == "wait")
    assert acc.blocked
    k.run()
    assert acc.result == b"swapped" and p.page_at(v.start) is new
    k.check()
