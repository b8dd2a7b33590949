"""move_pages(2) and migrate_pages(2) with 2.6.18 semantics: kernel-facts E31-E33, E36
and LTP's move_pages01-07, 09, 10 (and an 11-like EPERM) in their 2.6.18 form."""

from __future__ import annotations

from errno import EACCES, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, EPERM, ESRCH

import pytest
from conftest import snapshot, step_until

from pagemig import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, PAGE_SIZE, Kernel


def machine_state(k):
    """The snapshot without the trace and clock: a failed system call may leave its
    own events in the trace (kernel outcomes are values in the trace) but nothing else."""
    s = snapshot(k)
    return s[:5] + s[7:]


def private_pages(k, n=2, proc=None, node=0):
    p = proc or k.spawn(node=node)
    v = p.mmap(n)
    addrs = [v.start + i * PAGE_SIZE for i in range(n)]
    for i, a in enumerate(addrs):
        p.write(a, b"page %d" % i)
    return p, addrs


def refused(k, fn, err):
    before = machine_state(k)
    with pytest.raises(OSError) as ei:
        fn()
    assert ei.value.errno == err
    assert machine_state(k) == before
    k.check()
    return ei.value


# -- LTP move_pages, 2.6.18 form --------------------------------------------------------


def test_ltp_mp01_query_pages_on_different_nodes(k):
    p, (a,) = private_pages(k, 1, node=0)
    v = p.mmap(1)
    p.node = 1  # the process now runs on node 1: its next fault allocates there
    p.write(v.start, b"b")
    status = k.move_pages(p.pid, [a, v.start])
    assert list(status) == [0, 1] and status.ret == 0
    assert list(status) == [p.page_at(a).node, p.page_at(v.start).node]
    assert k.vmstat["pgmigrate_success"] == 0


def test_ltp_mp02_move_private_pages(k):
    p, addrs = private_pages(k, 2)
    status = k.move_pages(p.pid, addrs, [1, 1], MPOL_MF_MOVE)
    assert list(status) == [1, 1] and status.ret == 0
    assert [p.page_at(a).node for a in addrs] == [1, 1]
    for i, a in enumerate(addrs):
        p.write(a, b"after %d" % i)
        assert p.read(a, 7) == b"after %d" % i
    assert k.vmstat["pgmigrate_success"] == 2
    k.check()


def test_ltp_mp03_move_all_shared_memory_as_root(k):
    f = k.create_file("shm", 2)
    p = k.spawn()
    v = p.mmap(2, file=f, shared=True)
    addrs = [v.start, v.start + PAGE_SIZE]
    for a in addrs:
        p.write(a, b"shm")
    c = p.fork()
    for a in addrs:
        c.read(a, 1)  # touched by the child
    assert all(p.page_at(a).mapcount == 2 for a in addrs)
    status = k.move_pages(p.pid, addrs, [1, 1], MPOL_MF_MOVE_ALL)
    assert list(status) == [1, 1] and status.ret == 0
    for proc in (p, c):
        assert [proc.page_at(a).node for a in addrs] == [1, 1]
        assert [proc.read(a, 3) for a in addrs] == [b"shm", b"shm"]
    k.check()


def test_ltp_mp04_untouched_page_is_enoent(k):
    p = k.spawn()
    v = p.mmap(2)
    p.write(v.start, b"touched")
    status = k.move_pages(p.pid, [v.start, v.start + PAGE_SIZE], [1, 1])
    assert list(status) == [1, -ENOENT] and status.ret == 0
    assert p.pte(v.start + PAGE_SIZE).kind == "none"


def test_ltp_mp05_shared_page_is_eacces(k):
    p, (priv,) = private_pages(k, 1)
    s = p.mmap(1)
    p.write(s.start, b"shared")
    c = p.fork()
    p.write(priv, b"mine")  # COW: the private page is this process's alone again
    assert p.page_at(s.start).mapcount == 2 and p.page_at(priv).mapcount == 1
    shared = p.page_at(s.start)
    status = k.move_pages(p.pid, [s.start, priv], [1, 1], MPOL_MF_MOVE)
    assert list(status) == [-EACCES, 1] and status.ret == 0
    assert shared.node == 0 and c.page_at(s.start) is shared and shared.lru
    k.check()


def test_ltp_mp06_node_beyond_the_last_is_enodev(k):
    p, addrs = private_pages(k, 2)
    refused(k, lambda: k.move_pages(p.pid, addrs, [1, k.nr_nodes]), ENODEV)
    refused(k, lambda: k.move_pages(p.pid, addrs, [-1, 1]), ENODEV)
    assert [p.page_at(a).node for a in addrs] == [0, 0]  # not even the first page moved


def test_ltp_mp07_reaped_child_is_esrch(k):
    p, addrs = private_pages(k, 1)
    c = p.fork()
    pid = c.pid
    c.exit()
    assert pid not in k.processes
    refused(k, lambda: k.move_pages(pid, addrs, [1]), ESRCH)
    refused(k, lambda: k.move_pages(pid, addrs), ESRCH)
    refused(k, lambda: k.sys_migrate_pages(pid, [0], [1]), ESRCH)


def test_ltp_mp09_all_pages_already_on_target_is_enoent(k):
    p, addrs = private_pages(k, 2)
    refused(k, lambda: k.move_pages(p.pid, addrs, [0, 0]), ENOENT)


def test_ltp_mp10_strict_is_einval(k):
    p, addrs = private_pages(k, 1)
    refused(k, lambda: k.move_pages(p.pid, addrs, [1], MPOL_MF_STRICT), EINVAL)
    refused(k, lambda: k.move_pages(p.pid, addrs, [1], MPOL_MF_MOVE | MPOL_MF_STRICT), EINVAL)
    refused(k, lambda: k.move_pages(p.pid, addrs, [1], 8), EINVAL)


def test_ltp_mp11_like_unprivileged_move_all_is_eperm(k):
    p = k.spawn(privileged=False)
    p, addrs = private_pages(k, 1, proc=p)
    c = p.fork()
    c.read(addrs[0], 1)
    refused(k, lambda: k.move_pages(p.pid, addrs, [1], MPOL_MF_MOVE_ALL), EPERM)
    # the EPERM check comes before the pid lookup
    refused(k, lambda: k.move_pages(9999, addrs, [1], MPOL_MF_MOVE_ALL, caller=p), EPERM)
    # without MOVE_ALL the same call gets per-page answers instead
    own = p.mmap(1)
    p.write(own.start, b"own")
    status = k.move_pages(p.pid, [addrs[0], own.start], [1, 1], MPOL_MF_MOVE)
    assert list(status) == [-EACCES, 1]


def test_move_pages_permission_between_processes(k):
    root_owned, addrs = private_pages(k, 1)
    user = k.spawn(privileged=False)
    refused(k, lambda: k.move_pages(root_owned.pid, addrs, [1], caller=user), EPERM)
    refused(k, lambda: k.sys_migrate_pages(root_owned.pid, [0], [1], caller=user), EPERM)
    mine, maddrs = private_pages(k, 1, proc=k.spawn(privileged=False))
    assert list(k.move_pages(mine.pid, maddrs, [1], caller=user)) == [1]  # same uid
    assert list(k.move_pages(mine.pid, maddrs, [0], caller=root_owned)) == [0]  # root may


def test_failed_syscall_records_its_answer_in_the_trace(k):
    p, addrs = private_pages(k, 1)
    with pytest.raises(OSError):
        k.move_pages(p.pid, addrs, [5])
    ret = k.trace[-1]
    assert ret.kind == "return" and isinstance(ret.data["result"], OSError)


# -- kernel-facts E31-E33, E36 ------------------------------------------------------------


def test_e31_shared_page_needs_move_all(k):
    p, (a,) = private_pages(k, 1)
    c = p.fork()
    page = p.page_at(a)
    assert page.mapcount == 2
    refused(k, lambda: k.move_pages(p.pid, [a], [1], MPOL_MF_MOVE), ENOENT)  # not isolated
    assert not [e for e in k.trace if e.func == "isolate_lru_page"]
    sts = [e.data["status"] for e in k.trace if e.func == "do_move_pages"]
    assert sts == [-EACCES]
    status = k.move_pages(p.pid, [a], [1], MPOL_MF_MOVE_ALL)
    assert list(status) == [1]
    new = p.page_at(a)
    assert new.node == 1 and c.page_at(a) is new and new.mapcount == 2
    assert p.pte(a).kind == c.pte(a).kind == "present"
    k.check()


def test_e32_page_already_on_target(k):
    p, addrs = private_pages(k, 2)
    first = p.page_at(addrs[0])
    status = k.move_pages(p.pid, addrs, [0, 1])
    assert list(status) == [0, 1]
    assert p.page_at(addrs[0]) is first and first.lru  # not isolated, not moved
    assert k.vmstat["pgmigrate_success"] == 1
    refused(k, lambda: k.move_pages(p.pid, addrs, [0, 1]), ENOENT)  # 2.6.18: -ENOENT


def test_e33_query_without_nodes(k):
    p, (a,) = private_pages(k, 1)
    v = p.mmap(1)  # never touched
    k.migrate_pages([p.page_at(a)], 1)
    before = machine_state(k)
    # 0x1000 lies in the hole below every vma: 2.6.18's find_vma() returns the vma
    # above it, follow_page() finds nothing: -ENOENT. Only above every vma: -EFAULT.
    status = k.move_pages(p.pid, [a, v.start, 0x1000, v.end + PAGE_SIZE * 100])
    assert list(status) == [1, -ENOENT, -ENOENT, -EFAULT] and status.ret == 0
    assert status.names() == ["node 1", "-ENOENT", "-ENOENT", "-EFAULT"]
    assert machine_state(k) == before  # a query changes nothing


def test_move_pages_per_page_efault_and_ebusy(k):
    p, addrs = private_pages(k, 2)
    busy = p.page_at(addrs[1])
    t = k.start_migrate_pages([busy], 1)
    step_until(k, t, lambda e: e.func == "isolate_lru_page")
    assert not busy.lru
    above = p.vmas[-1].end + PAGE_SIZE  # above every vma (0x2000, below them, is -ENOENT)
    status = k.move_pages(p.pid, [addrs[0], addrs[1], above, 0x2000], [1, 1, 1, 1])
    assert list(status) == [1, -EBUSY, -EFAULT, -ENOENT]
    k.run()
    assert t.result == 0 and p.page_at(addrs[1]).node == 1
    k.check()


def test_move_pages_status_to_different_nodes():
    k = Kernel(nodes=3, frames_per_node=16)
    p, addrs = private_pages(k, 3)
    status = k.move_pages(p.pid, addrs, [2, 1, 0])
    assert list(status) == [2, 1, 0]
    assert [p.page_at(a).node for a in addrs] == [2, 1, 0]
    k.check()


def test_e36_migrate_pages_syscall_skips_shared_pages(k):
    p = k.spawn(privileged=False)
    p, addrs = private_pages(k, 3, proc=p)
    shared = p.mmap(1)
    p.write(shared.start, b"shared")
    c = p.fork()
    for a in addrs:
        p.write(a, b"mine")  # COW breaks: private again
    assert p.page_at(shared.start).mapcount == 2
    rc = k.sys_migrate_pages(p.pid, [0], [1])
    assert rc == 0  # the shared page is not even counted as a failure
    assert [p.page_at(a).node for a in addrs] == [1, 1, 1]
    assert p.page_at(shared.start).node == 0 and c.page_at(shared.start).node == 0
    skip = k.trace.find("migrate_to_node")[-1]
    assert skip.data["skipped"] == 1 and skip.data["pages"] == 3
    k.check()
    # with CAP_SYS_NICE (MOVE_ALL) the shared page moves as well
    root = k.spawn()
    assert k.sys_migrate_pages(p.pid, [0], [1], caller=root) == 0
    assert p.page_at(shared.start).node == 1 and c.page_at(shared.start).node == 1
    k.check()


def test_e36_return_counts_pages_not_moved(k):
    p, addrs = private_pages(k, 3)
    k.pin(p.page_at(addrs[0]))
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 1
    assert [p.page_at(a).node for a in addrs] == [0, 1, 1]
    k.check()


def test_sys_migrate_pages_node_remap_three_nodes():
    k = Kernel(nodes=3, frames_per_node=16)
    p = k.spawn()
    v = p.mmap(2)
    p.write(v.start, b"a")
    p.node = 1
    p.write(v.start + PAGE_SIZE, b"b")
    # {0,1} -> {1,2}: node 1's pages go to 2 first (1 is still a pending source), then 0's to 1
    assert k.sys_migrate_pages(p.pid, [0, 1], [1, 2]) == 0
    assert [p.page_at(v.start).node, p.page_at(v.start + PAGE_SIZE).node] == [1, 2]
    order = [(e.data["source"], e.data["dest"]) for e in k.trace.find("migrate_to_node")]
    assert order == [(1, 2), (0, 1)]
    k.check()


def test_sys_migrate_pages_bad_nodes(k):
    p, addrs = private_pages(k, 1)
    refused(k, lambda: k.sys_migrate_pages(p.pid, [0], [7]), EINVAL)
    assert k.sys_migrate_pages(p.pid, [0], [0]) == 0  # a sane no-op
    assert p.page_at(addrs[0]).node == 0
