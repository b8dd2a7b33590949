"""Stepping: one code path run to completion, step by step, or interleaved; faults on
migration entries (kernel-facts E23); determinism under a seed."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import snapshot, step_until

from pagemig import PAGE_SIZE, DeadlockError, Kernel
from pagemig.scenarios import build_scenario

IGNORED_FLAGS = ("referenced", "active")  # accesses mark pages; migration does not care


def build(variant="patched", seed=0):
    """Two processes share a dirty page of a file without migratepage and a clean page
    of one with; one of them has two anonymous pages, one shared after fork."""
    k = Kernel(variant=variant, seed=seed, io_latency=2)
    f = k.create_file("wb", 4, migratepage=False)
    g = k.create_file("mp", 4)
    procs, addrs = [], []
    for i in range(2):
        p = k.spawn()
        v = p.mmap(4, file=f, shared=True)
        w = p.mmap(4, file=g, shared=True)
        if i == 0:
            p.write(v.start + PAGE_SIZE, b"dirty file page")
        else:
            p.read(v.start + PAGE_SIZE, 1)
        p.read(w.start + 2 * PAGE_SIZE, 1)
        procs.append(p)
        addrs += [(p, v.start + PAGE_SIZE), (p, w.start + 2 * PAGE_SIZE)]
    p = procs[0]
    an = p.mmap(2)
    p.write(an.start, b"anon 0")
    p.write(an.start + PAGE_SIZE, b"anon 1")
    c = p.fork()
    addrs += [(p, an.start), (p, an.start + PAGE_SIZE), (c, an.start)]
    pages = [f.mapping.page_tree[1], g.mapping.page_tree[2]]
    pages += [p.page_at(an.start), p.page_at(an.start + PAGE_SIZE)]
    return k, pages, addrs


def final_state(k):
    procs = tuple(
        (pid, tuple(sorted((vpn, e.kind, e.pfn, e.write) for vpn, e in proc.ptes.items())))
        for pid, proc in sorted(k.processes.items())
    )
    pages = tuple(
        (
            p.pfn,
            p.count,
            p.mapcount,
            tuple(n for n in p.flag_names() if n not in IGNORED_FLAGS),
            p.read_bytes(),
        )
        for p in k.pages_in_use()
    )
    files = tuple(
        (name, tuple(sorted((i, pg.pfn) for i, pg in f.mapping.page_tree.items())), f.backing)
        for name, f in sorted(k.files.items())
    )
    counters = (k.vmstat["pgmigrate_success"], k.vmstat["pgmigrate_fail"])
    return procs, pages, files, counters, tuple(n.nr_free for n in k.nodes)


def contents(addrs):
    return [p.read(a, 15) for p, a in addrs]


@pytest.mark.parametrize("variant", ["patched", "before-patch"])
def test_run_vs_step_vs_interleaved_same_final_state(variant):
    # 1. an ordinary call, run to completion
    k1, pages, addrs1 = build(variant)
    assert k1.migrate_pages(pages, 1) == 0
    k1.run()
    # 2. the same path, one step at a time (stepping the I/O only while it sleeps)
    k2, pages, addrs2 = build(variant)
    t = k2.start_migrate_pages(pages, 1)
    steps = 0
    while not t.done:
        if k2.step(t) is None:
            others = [x for x in k2.tasks if x is not t and x.runnable]
            k2.step(others[0])
        steps += 1
    k2.run()
    assert t.result == 0 and steps > 30
    # 3. interleaved with readers from every process, round robin
    k3, pages, addrs3 = build(variant)
    t = k3.start_migrate_pages(pages, 1)
    readers = [p.start_access(a, n=15) for p, a in addrs3]
    k3.run()
    assert t.result == 0
    expected = [b"dirty file page", bytes(15), b"dirty file page", bytes(15)]
    expected += [b"anon 0".ljust(15, b"\0"), b"anon 1".ljust(15, b"\0"), b"anon 0".ljust(15, b"\0")]
    assert [r.result for r in readers] == expected
    assert final_state(k1) == final_state(k2) == final_state(k3)
    for k in (k1, k2, k3):
        k.check()
    assert contents(addrs1) == contents(addrs2) == contents(addrs3) == expected


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_random_interleavings_same_final_state(seed):
    k0, pages, addrs = build()
    k0.migrate_pages(pages, 1)
    k0.run()
    k, pages, addrs = build(seed=seed)
    t = k.start_migrate_pages(pages, 1)
    readers = [p.start_access(a, n=15) for p, a in addrs]
    k.run(policy="random")
    assert t.result == 0 and all(r.done for r in readers)
    assert final_state(k) == final_state(k0)
    k.check()


@pytest.mark.parametrize("pinned", [False, True])
def test_e23_fault_on_migration_entry_waits_then_retries(pinned):
    k = Kernel()
    f = k.create_file("f", 2)
    p, q = k.spawn(), k.spawn()
    vp, vq = p.mmap(2, file=f, shared=True), q.mmap(2, file=f, shared=True)
    p.write(vp.start, b"hello")
    q.read(vq.start, 1)
    old = p.page_at(vp.start)
    if pinned:
        k.pin(old)
    t = k.start_migrate_pages([old], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one" and e.data["pid"] == q.pid)
    assert q.pte(vq.start).kind == "migration"
    acc = q.start_access(vq.start, n=5)
    ev = step_until(k, acc, lambda e: e.kind == "wait")
    assert ev.func == "migration_entry_wait" and acc.blocked and not acc.done
    assert "unlocked" in acc.waiting_on
    assert old.refs.get("wait") == 1  # it holds a reference on the old page while it sleeps
    assert k.step(acc) is None and acc.blocked  # still asleep: nothing happens
    assert k.vmstat["pgmigrate_entry_wait"] == 1
    # the migration proceeds; the waiter wakes only once the ptes are fixed
    while acc.blocked:
        k.step(t)
        locked = old.locked
        ev = k.step(acc)
        if locked:
            assert ev is None and acc.blocked
        else:
            assert ev.kind == "wake" and ev.func == "migration_entry_wait"
            assert q.pte(vq.start).kind == "present"  # the ptes were fixed first
    restore = [e for e in k.trace if e.func == "remove_file_migration_ptes" and e.task == t.name]
    assert restore and restore[-1].data["restored"] == 2
    k.run()
    assert acc.result == b"hello"
    want = old if pinned else f.mapping.page_tree[0]
    assert q.page_at(vq.start) is want and want.node == (0 if pinned else 1)
    assert t.result == (1 if pinned else 0)
    assert "wait" not in old.refs
    waiter = [e for e in k.trace if e.task == acc.name]
    assert [e.kind for e in waiter].count("wake") == 1
    k.check()


def test_e23_anonymous_page_waiter(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"anon")
    t = k.start_migrate_pages([p.page_at(v.start)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    acc = p.start_access(v.start, write=True, data=b"ANON")
    step_until(k, acc, lambda e: e.kind == "wait")
    assert acc.blocked
    k.run()
    assert p.read(v.start, 4) == b"ANON" and p.page_at(v.start).node == 1
    k.check()


def test_step_on_blocked_or_finished_task_changes_nothing(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    page = p.page_at(v.start)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    acc = p.start_access(v.start)
    step_until(k, acc, lambda e: e.kind == "wait")
    n = len(k.trace)
    assert k.step(acc) is None and len(k.trace) == n
    k.run()
    n = len(k.trace)
    assert k.step(t) is None and k.step(acc) is None and len(k.trace) == n


def test_run_raises_deadlock_when_nobody_can_wake(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    page = p.page_at(v.start)
    assert k.trylock_page(page)  # held by something outside every task
    t = k.start_migrate_pages([page], 1)
    with pytest.raises(DeadlockError) as ei:
        k.run()
    assert "lock_page" in str(ei.value) and t.blocked
    k.unlock_page(page)
    k.run()
    assert t.result == 0
    k.check()


def test_lock_holder_with_fixed_hold(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    page = p.page_at(v.start)
    h = k.start_lock_holder(page, hold=3)
    k.step(h)
    assert page.locked
    assert k.migrate_pages([page], 1) == 0
    k.run()
    assert h.done and not page.locked
    k.check()


def _random_trace(seed):
    k, pages, addrs = build(seed=seed)
    k.start_migrate_pages(pages, 1)
    for p, a in addrs:
        p.start_access(a, n=3)
    k.run(policy="random")
    return k.trace.to_frame(), k


def test_same_seed_same_trace_random_policy():
    a, ka = _random_trace(11)
    b, kb = _random_trace(11)
    pd.testing.assert_frame_equal(a, b)
    assert final_state(ka) == final_state(kb)
    others = [_random_trace(s)[0] for s in (12, 13, 14)]
    assert any(not o["task"].equals(a["task"]) for o in others)  # the seed matters


def test_same_seed_same_trace_round_robin():
    def once():
        k, pages, addrs = build(seed=5)
        k.migrate_pages(pages, 1)
        k.run()
        return k.trace.to_frame()

    pd.testing.assert_frame_equal(once(), once())


@pytest.mark.parametrize("mapping", ["anonymous", "file linear", "file nonlinear"])
def test_scenarios_are_deterministic(mapping):
    def once():
        sc = build_scenario(mapping, dirty=True, sharers=2, seed=3)
        t = sc.start_migration()
        for p, a in zip(sc.processes, sc.addrs):
            p.start_access(a)
        sc.kernel.run(policy="random")
        assert t.done
        sc.kernel.check()
        return sc.kernel.trace.to_frame()

    pd.testing.assert_frame_equal(once(), once())


@pytest.mark.parametrize("nonlinear", [False, True])
def test_two_faults_on_one_address_map_it_once(k, nonlinear):
    f = k.create_file("f", 4)
    p = k.spawn()
    v = p.mmap(4, file=f, shared=True)
    if nonlinear:
        p.remap_file_pages(v.start, 1, 3)
    a = p.start_access(v.start, n=1)
    b = p.start_access(v.start, n=1)
    assert k.step(a).func in ("page_cache_read", "do_file_page")  # a is inside its fault
    k.step(b)  # b faults the same pte meanwhile
    k.step(b)
    k.run()
    assert a.result == b.result == b"\0"
    page = p.page_at(v.start)
    assert page.mapcount == 1 and page.refs.get("pte") == 1 and "lookup" not in page.refs
    assert len(f.mapping.page_tree) == 1
    k.check()


def test_two_sleepers_on_one_lock_take_it_in_turn(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    page = p.page_at(v.start)
    first = k.start_lock_holder(page, hold=1)
    k.step(first)
    a = k.start_lock_holder(page, hold=2)
    b = k.start_lock_holder(page, hold=2)
    assert k.step(a).kind == "wait" and k.step(b).kind == "wait"
    while not first.done:
        k.step(first)
    assert not page.locked
    assert k.step(a).kind == "wake" and k.step(b).kind == "wake"  # both woken
    k.step(a)  # a takes the lock
    assert page.locked and page.lock_owner == a.name
    ev = k.step(b)  # b finds it taken and sleeps again
    assert ev.kind == "wait" and b.blocked and page.lock_owner == a.name
    k.run()
    assert a.done and b.done and not page.locked
    owners = [e.task for e in k.trace if e.func == "lock_page" and "locked by" in e.what]
    assert owners == [first.name, a.name, b.name]
    k.check()


def test_write_that_slept_through_mprotect_gets_sigsegv(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    t = k.start_migrate_pages([p.page_at(v.start)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    acc = p.start_access(v.start, write=True, data=b"W")
    step_until(k, acc, lambda e: e.kind == "wait")
    p.mprotect(v.start, 1, write=False)  # while the write sleeps on the migration entry
    k.run()
    assert acc.done and isinstance(acc.error, OSError) and acc.error.errno == 14  # EFAULT
    assert [e.task for e in k.trace if e.kind == "error"] == [acc.name]
    assert t.result == 0 and p.read(v.start, 1) == b"x" and not p.pte(v.start).write
    k.check()


def test_lock_holder_holds_a_reference_until_it_lets_go(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    page = p.page_at(v.start)
    h = k.start_lock_holder(page, hold=1)  # started, not yet run
    assert page.count == 2
    t = k.start_migrate_pages([page], 1)
    assert step_to_end_alone(k, t) == 1  # its reference fails the gate, like a pin
    assert p.page_at(v.start) is page and page.count == 2
    k.run()
    assert h.done and page.count == 1 and not page.locked
    other = k.spawn()
    w = other.mmap(1)
    other.write(w.start, b"y")
    assert k.migrate_pages([page], 1) == 0
    k.check()


def test_writeback_cannot_find_a_page_that_left_the_cache(k):
    f = k.create_file("f", 2, migratepage=True)
    p = k.spawn()
    v = p.mmap(2, file=f, shared=True)
    p.write(v.start, b"dirty")
    old = p.page_at(v.start)
    t = k.start_migrate_pages([old], 1)
    step_until(k, t, lambda e: e.func == "migrate_page_move_mapping")  # slot switched
    before = snapshot(k)
    with pytest.raises(ValueError, match="neither mapped nor in a page cache"):
        k.start_writeback(old)  # a page-cache lookup finds the new page now
    assert snapshot(k) == before
    k.run()
    assert t.result == 0 and old.count == 0
    wb = k.start_writeback(f.mapping.page_tree[0])
    k.run()
    assert wb.result == 0 and f.backing[0].startswith(b"dirty")
    k.check()


def step_to_end_alone(k, t):
    while not t.done:
        assert k.step(t) is not None, "blocked"
    return t.result


def test_cow_write_while_the_page_is_half_unmapped_copies(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"parent")
    c = p.fork()
    page = p.page_at(v.start)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one" and e.data["pid"] == p.pid)
    assert p.pte(v.start).kind == "migration" and page.mapcount == 1  # c still maps it
    w = c.start_access(v.start, write=True, data=b"child!")
    while not w.done:
        k.step(w)
    # do_wp_page may reuse a page only if it gets the page lock: migration holds it
    assert c.page_at(v.start) is not page
    k.run()
    assert t.result == 0
    assert p.read(v.start, 6) == b"parent" and c.read(v.start, 6) == b"child!"
    assert not p.pte(v.start).write and p.page_at(v.start).mapcount == 1  # c has its copy
    k.check()


@pytest.mark.parametrize("kind", ["anon", "private file"])
def test_fork_in_the_middle_of_the_restore_walk(k, kind):
    f = k.create_file("f", 2)
    p = k.spawn()
    if kind == "anon":
        v = p.mmap(2)
        p.write(v.start, b"anon")
    else:
        v = p.mmap(2, file=f, shared=False)
        p.read(v.start, 1)  # the file page, mapped read-only
        p.write(v.start + PAGE_SIZE, b"cow")  # gives the vma an anon_vma: fork copies its ptes
    c1 = p.fork()
    page = p.page_at(v.start)
    assert c1.page_at(v.start) is page and page.mapcount == 2
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "remove_migration_pte")  # p's pte restored, c1's not
    assert c1.pte(v.start).kind == "migration"
    # the walk holds anon_vma->lock (i_mmap_lock for the file part): fork spins until it
    # ends, then copies c1's restored pte (it never copies an entry the walk will not see)
    c2 = c1.fork()
    spin = [e for e in k.trace if "spins on" in e.what]
    assert len(spin) == 1 and spin[0].data["holder"] == t.name
    assert c2.pte(v.start).kind == "present" and c2.page_at(v.start).node == 1
    k.run()
    assert t.result == 0
    new = p.page_at(v.start)
    assert new.node == 1 and c1.page_at(v.start) is new and c2.page_at(v.start) is new
    assert new.mapcount == 3
    k.check()


def test_e23_the_sleepers_reference_fails_the_gate_once(k):
    # 2.6.18's migration_entry_wait takes get_page() on the old page before it sleeps
    # (modern kernels wait without a reference): a sleeper that arrives before the
    # reference-count gate makes that pass fail with -EAGAIN and roll back.
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"anon")
    page = p.page_at(v.start)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    acc = p.start_access(v.start, n=4)
    step_until(k, acc, lambda e: e.kind == "wait")
    gate = step_until(k, t, lambda e: e.func == "migrate_page_move_mapping")
    assert gate.data["rc"] == -11 and gate.data["count"] == 2  # isolation + the sleeper
    k.run()
    assert acc.result == b"anon" and t.result == 0
    moved = [e for e in k.trace if "migrated" in e.what]
    assert [e.data["pass"] for e in moved] == [1]
    k.check()
