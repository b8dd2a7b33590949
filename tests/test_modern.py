"""variant="modern": Linux 6.1 (Debian 12's kernel) as switches on the same kernel paths.

Each test compares with what 2.6.18 ("patched") does on the same setup where that
shows the switch, so that a test fails if the switch is missing in either direction.
"""

from __future__ import annotations

from errno import EACCES, EBUSY, EFAULT, EINVAL, EIO, ENODEV, ENOENT, ENOMEM, EPERM

import pytest
from conftest import step_until, written

from pagemig import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, PAGE_SIZE, Kernel
from pagemig.constants import VARIANTS, ZERO_PFN
from pagemig.errors import InvalidArgument, NotModelled


def kernel(variant="modern", **kw):
    return Kernel(nodes=2, frames_per_node=64, variant=variant, **kw)


def funcs(k):
    return [e.func for e in k.trace.events]


def test_modern_is_a_variant():
    assert "modern" in VARIANTS
    assert kernel().variant == "modern"


# -- move_pages statuses ------------------------------------------------------------------
@pytest.mark.parametrize("nodes", [None, [1, 1, 1, 1, 1]])
def test_untouched_anonymous_and_zero_page_are_efault(nodes):
    k = kernel()
    p, v, (a, b) = written(k)
    u = p.mmap(2)  # u.start never touched, the next page only read (zero page)
    p.read(u.start + PAGE_SIZE, 1)
    f = k.create_file("f", 2)
    fv = p.mmap(2, file=f, shared=True)  # an untouched file page: still -ENOENT
    addrs = [a, u.start, u.start + PAGE_SIZE, fv.start, 0x1000]
    status = k.move_pages(p.pid, addrs, nodes)
    first = 0 if nodes is None else 1
    assert list(status) == [first, -EFAULT, -EFAULT, -ENOENT, -EFAULT]
    # 2.6.18 on the same setup: -ENOENT for all three, and for the hole
    k2 = kernel("patched")
    p2, v2, (a2, _) = written(k2)
    u2 = p2.mmap(2)
    p2.read(u2.start + PAGE_SIZE, 1)
    f2 = k2.create_file("f", 2)
    fv2 = p2.mmap(2, file=f2, shared=True)
    s2 = k2.move_pages(p2.pid, [a2, u2.start, u2.start + PAGE_SIZE, fv2.start, 0x1000], nodes)
    assert list(s2) == [first, -ENOENT, -ENOENT, -ENOENT, -ENOENT]
    k.check()


def test_zero_page_counts_nothing_in_modern():
    k = kernel()
    p = k.spawn()
    v = p.mmap(2)
    p.read(v.start, 2 * PAGE_SIZE)
    assert p.pte(v.start).pfn == ZERO_PFN
    assert k.zero_page.mapcount == 0 and k.zero_page.refs == {"reserved": 1}
    assert p.file_rss == 0 and p.anon_rss == 0
    c = p.fork()
    p.write(v.start, b"x")
    assert p.anon_rss == 1 and k.zero_page.count == 1
    c.exit()
    k.check()


def test_nothing_to_migrate_returns_0_not_enoent():
    k = kernel()
    p, v, addrs = written(k)
    status = k.move_pages(p.pid, addrs, [0, 0])  # LTP move_pages09: all on the target
    assert list(status) == [0, 0] and status.ret == 0
    u = p.mmap(1)
    status = k.move_pages(p.pid, [u.start], [1])  # nothing isolated either
    assert list(status) == [-EFAULT] and status.ret == 0
    with pytest.raises(OSError) as ei:  # 2.6.18: -ENOENT for the whole call
        k2 = kernel("patched")
        p2, _, a2 = written(k2)
        k2.move_pages(p2.pid, a2, [0, 0])
    assert ei.value.errno == ENOENT


def test_shared_page_eacces_and_busy_page_ebusy():
    k = kernel()
    p, v, (a, b) = written(k)
    c = p.fork()
    c.write(b, b"own copy")  # b is p's alone again; a stays shared
    t = k.start_migrate_pages([p.page_at(b)], 1)
    step_until(k, t, lambda e: e.func == "isolate_lru_page")
    status = k.move_pages(p.pid, [a, b], [1, 1])
    assert list(status) == [-EACCES, -EBUSY] and status.ret == 0
    k.run()
    status = k.move_pages(p.pid, [a], [1], MPOL_MF_MOVE_ALL)
    assert list(status) == [1] and c.page_at(a).node == 1
    k.check()


def test_mlocked_pages_move_with_both_syscalls():
    k = kernel()
    p, v, addrs = written(k)
    p.mlock(v.start, 2)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0  # vma_migratable() has no VM_LOCKED
    assert [p.page_at(a).node for a in addrs] == [1, 1]
    assert list(k.move_pages(p.pid, addrs, [0, 0])) == [0, 0]
    v.io = True  # VM_IO: move_pages says -EFAULT in 6.1
    assert list(k.move_pages(p.pid, addrs, [1, 1])) == [-EFAULT, -EFAULT]


# -- per-node batches ---------------------------------------------------------------------
def test_batches_follow_node_changes():
    k = kernel()
    p, v, addrs = written(k, 4)
    status = k.move_pages(p.pid, addrs, [1, 1, 0, 1])
    assert list(status) == [1, 1, 0, 1] and status.ret == 0
    batches = [e.data["pages"] for e in k.trace.events if e.func == "do_move_pages_to_node"]
    assert batches == [2, 1]  # slots 0-1 together; slot 2 is there already and ends nothing
    k.check()


def test_a_failed_batch_writes_no_status_and_counts_the_rest():
    k = kernel()
    p, v, addrs = written(k, 4)
    k.pin(p.page_at(addrs[0]))  # an ordinary extra reference: never migrates
    status_err = k.move_pages(p.pid, addrs, [1, 1, 0, 1])
    # batch {0, 1} flushed at slot 2 (the node changes): slot 0 failed, slot 1 moved;
    # nothing stored, and slots 2 and 3 are never looked at: 1 + (4 - 2) = 3
    assert list(status_err) == [None, None, None, None] and status_err.ret == 3
    assert status_err.names()[0] == "not written"
    assert [p.page_at(a).node for a in addrs] == [0, 1, 0, 0]
    k.check()


def test_a_failed_batch_ended_by_a_stored_status():
    k = kernel()
    p, v, addrs = written(k, 3)
    k.pin(p.page_at(addrs[0]))
    k.migrate_pages([p.page_at(addrs[1])], 1)
    status = k.move_pages(p.pid, addrs, [1, 1, 1])
    # slot 1 is on node 1 already: its status is stored, then the batch {0} fails;
    # the return counts slot 0 and slot 2 (not attempted), not slot 1
    assert list(status) == [None, 1, None] and status.ret == 2
    assert p.page_at(addrs[2]).node == 0
    # 2.6.18: every page attempted, statuses from the migration itself
    k2 = kernel("patched")
    p2, _, a2 = written(k2, 3)
    k2.pin(p2.page_at(a2[0]))
    k2.migrate_pages([p2.page_at(a2[1])], 1)
    s2 = k2.move_pages(p2.pid, a2, [1, 1, 1])
    assert list(s2) == [-11, 1, 1] and s2.ret == 1


def test_a_bad_node_later_fails_after_moving_the_batch_before_it():
    k = kernel()
    p, v, addrs = written(k, 4)
    with pytest.raises(OSError) as ei:
        k.move_pages(p.pid, addrs, [1, 1, 7, 1])
    assert ei.value.errno == ENODEV
    assert ei.value.status == [1, 1, None, None]
    assert [p.page_at(a).node for a in addrs] == [1, 1, 0, 0]
    # 2.6.18 checks every node first and moves nothing
    k2 = kernel("patched")
    p2, _, a2 = written(k2, 4)
    with pytest.raises(OSError) as e2:
        k2.move_pages(p2.pid, a2, [1, 1, 7, 1])
    assert e2.value.errno == ENODEV and [p2.page_at(a).node for a in a2] == [0] * 4
    k.check()


def test_a_full_node_is_enomem_after_earlier_batches():
    k = kernel()
    p, v, addrs = written(k, 3)
    taken = k.fill_node(1, leave_free=0)
    with pytest.raises(OSError) as ei:
        k.move_pages(p.pid, addrs, [1, 1, 1])
    assert ei.value.errno == ENOMEM and ei.value.status == [None, None, None]
    assert [p.page_at(a).node for a in addrs] == [0, 0, 0]
    k.release_pages(taken)
    k.check()


# -- permission: ptrace_may_access ----------------------------------------------------------
def test_ptrace_may_access():
    k = kernel()
    root, _, addrs = written(k, 1)
    user = k.spawn(privileged=False)
    other = k.spawn(privileged=False)
    _, _, theirs = written(k, 1, proc=other)
    with pytest.raises(OSError) as ei:
        k.move_pages(root.pid, addrs, [1], caller=user)
    assert ei.value.errno == EPERM and "ptrace_may_access" in str(ei.value)
    with pytest.raises(OSError) as ei:
        k.sys_migrate_pages(root.pid, [0], [1], caller=user)
    assert ei.value.errno == EPERM
    assert list(k.move_pages(other.pid, theirs, [1], caller=user)) == [1]  # same uid
    assert list(k.move_pages(other.pid, theirs, [0], caller=root)) == [0]  # root may
    with pytest.raises(OSError) as ei:
        k.move_pages(other.pid, theirs, [1], MPOL_MF_MOVE_ALL, caller=user)
    assert ei.value.errno == EPERM
    with pytest.raises(OSError) as ei:
        k.move_pages(other.pid, theirs, [1], 1, caller=user)  # MPOL_MF_STRICT
    assert ei.value.errno == EINVAL
    assert "kernel_move_pages" in funcs(k)


# -- swap cache, young/dirty, the fault path ---------------------------------------------------
@pytest.mark.parametrize("variant", ["patched", "modern"])
def test_swap_cache_pages(variant):
    k = kernel(variant)
    p, v, (a,) = written(k, 1)
    page = p.page_at(a)
    k.add_to_swap(page)
    assert k.migrate_pages([page], 1) == 0
    pte = p.pte(a)
    if variant == "modern":  # a migration entry, restored to the new page
        assert pte.kind == "present" and k.pfn_to_page(pte.pfn).node == 1
    else:  # an ordinary swap pte: the next fault finds the new page in the swap cache
        assert pte.kind == "swap"
        assert p.read(a, 6) == b"page 0" and p.page_at(a).node == 1
    assert p.read(a, 6) == b"page 0"
    k.check()


@pytest.mark.parametrize("variant", ["patched", "modern"])
def test_restored_ptes_keep_young_and_dirty(variant):
    k = kernel(variant)
    p, v, (a, b) = written(k)
    p.read(b, 1)
    assert p.pte(a).young and p.pte(a).dirty
    t = k.start_migrate_pages([p.page_at(a)], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    entry = p.pte(a)
    assert entry.kind == "migration" and entry.young == (variant == "modern")
    k.run()
    pte = p.pte(a)
    assert pte.kind == "present" and pte.write
    assert (pte.young, pte.dirty) == ((True, True) if variant == "modern" else (False, False))
    k.check()


@pytest.mark.parametrize("variant", ["patched", "modern"])
def test_fault_waits_without_a_reference(variant):
    k = kernel(variant)
    p, v, (a,) = written(k, 1)
    page = p.page_at(a)
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    reader = p.start_access(a)
    while reader.wait is None:
        k.step(reader)
    assert page.refs.get("wait", 0) == (0 if variant == "modern" else 1)
    k.run()
    assert p.page_at(a).node == 1 and reader.result == b"p"
    gate = [e for e in k.trace.events if e.func == "migrate_page_move_mapping" and e.data.get("rc")]
    # 2.6.18's waiter holds a reference: the count gate fails once, then succeeds
    assert len(gate) == (0 if variant == "modern" else 1)
    wait = "migration_entry_wait_on_locked" if variant == "modern" else "migration_entry_wait"
    assert wait in funcs(k)
    k.check()


# -- writeout -------------------------------------------------------------------------------
def test_dirty_page_without_migration_method_is_written_out_once():
    k = kernel()
    f = k.create_file("vfat.img", 2, migratepage=False, writepage="ok")
    p = k.spawn()
    v = p.mmap(2, file=f, shared=True)
    p.write(v.start, b"dirty")
    status = k.move_pages(p.pid, [v.start], [1])
    assert list(status) == [1] and status.ret == 0
    page = p.page_at(v.start)
    assert page.node == 1 and not page.dirty and k.vmstat["pgmigrate_writeout"] == 1
    assert f.backing[0][:5] == b"dirty"
    k.check()


def test_dirty_page_with_neither_method_fails_einval():
    k = kernel()
    f = k.create_file("ramfs", 1, migratepage=False, writepage=None)
    p = k.spawn()
    v = p.mmap(1, file=f, shared=True)
    p.write(v.start, b"ram")
    status = k.move_pages(p.pid, [v.start], [1])
    assert list(status) == [None] and status.ret == 1  # the batch failed: not written
    assert p.page_at(v.start).node == 0 and p.page_at(v.start).dirty
    assert any(e.data.get("rc") == -EINVAL for e in k.trace.events if e.func == "writeout")
    k.check()


@pytest.mark.parametrize("variant", ["patched", "modern"])
def test_writepage_error_relocks_in_modern(variant):
    k = kernel(variant)
    f = k.create_file("bad", 1, migratepage=False, writepage="error")
    p = k.spawn()
    v = p.mmap(1, file=f, shared=True)
    p.write(v.start, b"x")
    assert k.migrate_pages([p.page_at(v.start)], 1) == 1
    bug = [e for e in k.oopses if e.func == "unlock_page"]
    assert len(bug) == (0 if variant == "modern" else 1)


# -- pins -----------------------------------------------------------------------------------
@pytest.mark.parametrize("longterm", [False, True])
def test_reference_vs_long_term_pin(longterm):
    k = kernel()
    p, v, (a,) = written(k, 1)
    page = p.page_at(a)
    k.pin(page, longterm=longterm)
    status = k.move_pages(p.pid, [a], [1])
    assert status.ret == 1 and list(status) == [None] and p.page_at(a) is page
    entries = [
        e for e in k.trace.events if e.func == "try_to_unmap_one" and e.data["pte"] == "migration"
    ]
    # an ordinary reference (vmsplice): unmapped and restored in each of the ten passes;
    # a long-term pin: never unmapped at all
    assert len(entries) == (0 if longterm else 10)
    assert p.pte(a).kind == "present" and p.pte(a).write
    k.unpin(page)
    assert list(k.move_pages(p.pid, [a], [1])) == [1]
    k.check()


def test_long_term_pin_is_a_plain_reference_in_2_6_18():
    k = kernel("patched")
    p, v, (a,) = written(k, 1)
    k.pin(p.page_at(a), longterm=True)
    status = k.move_pages(p.pid, [a], [1])
    assert list(status) == [-11] and status.ret == 1
    assert any(
        e.data.get("pte") == "migration" for e in k.trace.events if e.func == "try_to_unmap_one"
    )


# -- freed under us -------------------------------------------------------------------------
def test_page_freed_under_us_allocates_nothing():
    k = kernel()
    p, v, (a,) = written(k, 1)
    page = p.page_at(a)
    t = k.start_move_pages(p.pid, [a], [1])
    step_until(k, t, lambda e: e.func == "add_page_for_migration")
    p.exit()
    k.run()
    assert list(t.result) == [1] and t.result.ret == 0 and page.free
    assert k.nodes[1].freed_count == 0  # no new page was allocated and freed
    assert k.vmstat["pgmigrate_success"] == 1


# -- remap_file_pages: ordinary VMAs ----------------------------------------------------------
def test_remap_file_pages_is_emulated_with_vmas():
    k = kernel()
    f = k.create_file("db", 4)
    p = k.spawn()
    v = p.mmap(4, file=f, shared=True)
    p.write(v.start, b"zero")
    p.remap_file_pages(v.start + PAGE_SIZE, 1, 3)
    assert [(x.pgoff, x.pages) for x in p.vmas] == [(0, 1), (3, 1), (2, 2)]
    assert not any(x.nonlinear for x in p.vmas) and not f.mapping.i_mmap_nonlinear
    a = v.start + PAGE_SIZE
    p.write(a, b"three")
    page = p.page_at(a)
    assert page.index == 3 and p.pte(v.start).kind == "present"  # outside: untouched
    t = k.start_migrate_pages([page], 1)
    step_until(k, t, lambda e: e.func == "try_to_unmap_one")
    assert p.pte(a).kind == "migration"  # rmap finds it: a migration entry, no refault
    k.run()
    assert p.page_at(a).node == 1 and k.vmstat["pgmigrate_refault"] == 0
    assert p.read(a, 5) == b"three"
    p.remap_file_pages(a, 1, 1)  # back to the linear layout: one vma again
    assert [(x.pgoff, x.pages) for x in p.vmas] == [(0, 4)]
    k.check()


# -- what the engine does not model ---------------------------------------------------------
def test_thp_ksm_hugetlb_are_refused():
    k = kernel()
    p = k.spawn()
    v = p.mmap(2)
    for advice in ("hugepage", "mergeable"):
        with pytest.raises(NotModelled, match="does not model"):
            p.madvise(v.start, 2, advice)
    with pytest.raises(NotModelled, match="huge pages"):
        p.mmap(512, hugetlb=True)
    old = kernel("patched").spawn()
    w = old.mmap(1)
    with pytest.raises(InvalidArgument, match="2.6.18 has no"):
        old.madvise(w.start, 1, "hugepage")


def test_modern_keeps_every_invariant_under_debug_vm():
    k = kernel(debug_vm=True)
    p, v, addrs = written(k, 4)
    c = p.fork()
    p.read(p.mmap(1).start, 1)
    k.pin(p.page_at(addrs[3]), longterm=True)
    k.add_to_swap(p.page_at(addrs[2]))
    f = k.create_file("f", 2, migratepage=False)
    fv = p.mmap(2, file=f, shared=True)
    p.write(fv.start, b"d")
    k.move_pages(p.pid, addrs + [fv.start], [1] * 5, MPOL_MF_MOVE_ALL)
    k.sys_migrate_pages(c.pid, [0, 1], [1, 0])
    assert not k.oopses
    k.check()


def test_migration_lab_offers_modern():
    from widgets import MigrationLab

    lab = MigrationLab(mapping="file nonlinear", sharers=2, dpi=20, render=False)
    assert "modern" in lab.variant_control.options
    lab.variant_control.value = "modern"  # as a mouse would
    assert lab.variant == "modern" and lab.kernel.variant == "modern"
    lab.run_button.click()
    assert lab.task.done and lab.task.result == 0
    # no VM_NONLINEAR in 6.1: every process's pte came back through a migration entry
    sc = lab.scenario
    assert all(p.pte(a).kind == "present" for p, a in zip(sc.processes, sc.addrs))
    assert sc.page.node == 1 and lab.kernel.vmstat["pgmigrate_refault"] == 0


# -- mbind(2) -------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["patched", "modern"])
def test_mbind_move_binds_and_migrates(variant):
    from pagemig.proc import render_numa_maps

    k = kernel(variant)
    p, v, addrs = written(k, 2)
    assert p.mbind(v.start, 2, [1], MPOL_MF_MOVE) == 0
    assert [p.page_at(a).node for a in addrs] == [1, 1]
    # mpol_to_str(): 2.6.18 wrote bind=1, kernels since 2.6.26 bind:1
    assert render_numa_maps(p).split()[1] == ("bind:1" if variant == "modern" else "bind=1")
    w = p.mmap(1)
    p.mbind(w.start, 1, [1])  # no MOVE: only later faults follow the policy
    p.write(w.start, b"after")
    assert p.page_at(w.start).node == 1
    c = p.fork()  # the policy is inherited
    c.write(w.start, b"child")
    assert c.page_at(w.start).node == 1
    k.check()


@pytest.mark.parametrize("variant", ["patched", "modern"])
def test_mbind_strict(variant):
    k = kernel(variant)
    p, v, (a, b) = written(k, 2)
    k.pin(p.page_at(a))
    with pytest.raises(OSError) as ei:  # E37: the policy is set, the free page moves
        p.mbind(v.start, 2, [1], MPOL_MF_STRICT | MPOL_MF_MOVE)
    assert ei.value.errno == EIO
    assert [p.page_at(a).node, p.page_at(b).node] == [0, 1] and v.policy_nodes == (1,)
    u = p.mmap(1)
    p.write(u.start, b"x")
    with pytest.raises(OSError) as ei:  # STRICT alone: -EIO before any policy is set
        p.mbind(u.start, 1, [1], MPOL_MF_STRICT)
    assert ei.value.errno == EIO and u.policy_nodes is None
    assert p.mbind(u.start, 1, [0], MPOL_MF_STRICT) == 0  # nothing misplaced
    k.check()


@pytest.mark.parametrize("variant", ["patched", "modern"])
def test_mbind_whole_call_errors_and_mlock(variant):
    k = kernel(variant)
    p, v, addrs = written(k, 2)
    for nodes, flags, err in (([1], 1 << 5, EINVAL), ([], MPOL_MF_MOVE, EINVAL), ([7], 0, EINVAL)):
        with pytest.raises(OSError) as ei:
            p.mbind(v.start, 2, nodes, flags)
        assert ei.value.errno == err
    user = k.spawn(privileged=False)
    _, uv, _ = written(k, 1, proc=user)
    with pytest.raises(OSError) as ei:
        user.mbind(uv.start, 1, [1], MPOL_MF_MOVE_ALL)
    assert ei.value.errno == EPERM
    with pytest.raises(ValueError, match="whole VMAs"):
        p.mbind(v.start, 1, [1])
    p.mlock(v.start, 2)
    assert p.mbind(v.start, 2, [1], MPOL_MF_MOVE) == 0
    # 2.6.18's vma_migratable() refuses VM_LOCKED: the pages stay; 6.1 moves them
    moved = [p.page_at(a).node for a in addrs]
    assert moved == ([1, 1] if variant == "modern" else [0, 0])
    k.check()
