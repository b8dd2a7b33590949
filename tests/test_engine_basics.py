"""The public contract of issue 2, name by name, and misuse that must change nothing."""

from __future__ import annotations

import subprocess
import sys
from errno import EFAULT, EINVAL, ENODEV

import pandas as pd
import pytest
from conftest import file_setup, snapshot

import pagemig
from pagemig import (
    MPOL_MF_MOVE,
    MPOL_MF_MOVE_ALL,
    MPOL_MF_STRICT,
    PAGE_SIZE,
    Event,
    InvariantError,
    Kernel,
    Page,
    Task,
)

# -- names and values ---------------------------------------------------------------


def test_constants_have_the_kernels_values():
    assert PAGE_SIZE == 4096
    assert (MPOL_MF_STRICT, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL) == (1, 2, 4)
    assert pagemig.SWP_MIGRATION_READ == 30 and pagemig.SWP_MIGRATION_WRITE == 31


def test_kernel_defaults():
    k = Kernel()
    assert k.nr_nodes == 2 and k.frames_per_node == 64
    assert k.variant == "patched" and k.seed == 0
    assert [k.free_frames(n) for n in (0, 1)] == [64, 64]
    k2 = Kernel(nodes=3, frames_per_node=8, variant="before-patch", seed=7)
    assert k2.nr_nodes == 3 and k2.variant == "before-patch"
    assert [k2.free_frames(n) for n in range(3)] == [8, 8, 8]


@pytest.mark.parametrize(
    "kw",
    [
        {"nodes": 0},
        {"nodes": 1.5},
        {"frames_per_node": 0},
        {"variant": "2.6.17"},
    ],
)
def test_kernel_rejects_bad_construction(kw):
    with pytest.raises(ValueError):
        Kernel(**kw)


def test_vmstat_keys_and_fault_count(k):
    for name in ("pgmigrate_success", "pgmigrate_fail", "pgfault"):
        assert k.vmstat[name] == 0
    p = k.spawn()
    v = p.mmap(3)
    p.write(v.start, b"x")
    p.write(v.start + 2 * PAGE_SIZE, b"y")
    p.read(v.start, 1)  # already present: no fault
    assert k.vmstat["pgfault"] == 2


def test_create_file_signature(k):
    f = k.create_file("a", 3)
    assert f.pages == 3 and f.name == "a"
    for wp in ("ok", "activate", "error", None):
        k.create_file(f"w{wp}", 1, migratepage=False, writepage=wp)
    with pytest.raises(ValueError):
        k.create_file("a", 1)  # the name exists
    with pytest.raises(ValueError):
        k.create_file("b", 1, writepage="maybe")


def test_spawn_gives_distinct_pids(k):
    pids = [k.spawn().pid for _ in range(3)]
    assert len(set(pids)) == 3 and all(isinstance(p, int) for p in pids)
    assert all(k.processes[p].pid == p for p in pids)


def test_mmap_addresses_are_bytes_and_offset_is_bytes(k):
    f = k.create_file("f", 8)
    p = k.spawn()
    v = p.mmap(4, file=f, offset=2 * PAGE_SIZE, shared=True)
    assert v.end - v.start == 4 * PAGE_SIZE and v.start % PAGE_SIZE == 0
    p.read(v.start, 1)
    assert p.page_at(v.start).index == 2
    a = p.mmap(2)
    assert a.start >= v.end  # no overlap
    assert p.pte(a.start).kind == "none"


def test_pte_kinds_and_fields(k):
    f = k.create_file("f", 4)
    p = k.spawn()
    v = p.mmap(4, file=f, shared=True)
    assert p.pte(v.start).kind == "none" and p.page_at(v.start) is None
    p.write(v.start, b"hi")
    pte = p.pte(v.start)
    assert pte.kind == "present" and pte.write and isinstance(pte.pfn, int)
    page = p.page_at(v.start)
    assert isinstance(page, Page) and page.pfn == pte.pfn
    t = k.start_migrate_pages([page], 1)
    while p.pte(v.start).kind != "migration":
        k.step(t)
    m = p.pte(v.start)
    assert m.kind == "migration" and m.write and m.pfn == page.pfn
    k.run()
    p.remap_file_pages(v.start, pages=1, pgoff=3)
    assert p.pte(v.start).kind == "file"
    assert {p.pte(v.start).kind, p.pte(v.start + PAGE_SIZE).kind} <= {
        "none",
        "present",
        "migration",
        "file",
    }


def test_page_at_attributes(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"a")
    page = p.page_at(v.start)
    assert page.node == 0 and page.mapcount == 1 and page.count == 1
    assert page.dirty is False and p.pte(v.start).dirty  # the dirt is in the pte so far
    assert page.locked is False
    assert page.pfn == p.pte(v.start).pfn
    k.migrate_pages([page], 1)
    page = p.page_at(v.start)
    assert page.node == 1 and page.dirty is True  # unmapping carried it to PG_dirty
    assert p.read(v.start, 1) == b"a"
    c = p.fork()
    assert c.page_at(v.start) is page and page.mapcount == 2 and page.count == 2
    f = k.create_file("f", 2)
    w = p.mmap(2, file=f, shared=True)
    p.write(w.start, b"d")
    fp = p.page_at(w.start)
    assert fp.dirty is True and fp.count == 2  # page cache + pte
    p.read(w.start + PAGE_SIZE, 1)
    assert p.page_at(w.start + PAGE_SIZE).dirty is False


def test_read_write_roundtrip_anonymous_and_file(k):
    p = k.spawn()
    v = p.mmap(2)
    p.write(v.start + PAGE_SIZE - 2, b"span")  # crosses a page boundary
    assert p.read(v.start + PAGE_SIZE - 2, 4) == b"span"
    assert p.read(v.start, 2) == b"\0\0"
    f = k.create_file("f", 2)
    a, b = k.spawn(), k.spawn()
    va = a.mmap(2, file=f, shared=True)
    vb = b.mmap(2, file=f, shared=True)
    a.write(va.start + 10, b"shared")
    assert b.read(vb.start + 10, 6) == b"shared"
    c = k.spawn()
    vc = c.mmap(2, file=f, shared=False)
    c.write(vc.start + 10, b"PRIVAT")
    assert c.read(vc.start + 10, 6) == b"PRIVAT"
    assert a.read(va.start + 10, 6) == b"shared"


def test_fork_is_copy_on_write_for_private_memory(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"parent")
    c = p.fork()
    assert c.read(v.start, 6) == b"parent"
    assert not p.pte(v.start).write and not c.pte(v.start).write
    c.write(v.start, b"child!")
    assert p.read(v.start, 6) == b"parent" and c.read(v.start, 6) == b"child!"
    assert p.page_at(v.start) is not c.page_at(v.start)
    assert p.page_at(v.start).mapcount == 1
    k.check()


def test_migrate_pages_returns_int_and_moves(k):
    p = k.spawn()
    v = p.mmap(2)
    p.write(v.start, b"one")
    p.write(v.start + PAGE_SIZE, b"two")
    pages = [p.page_at(v.start), p.page_at(v.start + PAGE_SIZE)]
    rc = k.migrate_pages(pages, node=1)
    assert rc == 0 and type(rc) is int
    assert [p.page_at(a).node for a in (v.start, v.start + PAGE_SIZE)] == [1, 1]
    assert p.read(v.start, 3) == b"one" and p.read(v.start + PAGE_SIZE, 3) == b"two"
    assert k.vmstat["pgmigrate_success"] == 2 and k.vmstat["pgmigrate_fail"] == 0
    assert all(pg.count == 0 for pg in pages)  # the old frames are free
    assert k.free_frames(0) == 64 and k.free_frames(1) == 62
    k.check()


def test_step_returns_events_then_none_and_task_state(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    t = k.start_migrate_pages([p.page_at(v.start)], 1)
    assert isinstance(t, Task) and not t.done and not t.blocked and t.result is None
    assert p.page_at(v.start).node == 0  # started, not run
    events = []
    while not t.done:
        ev = k.step(t)
        assert isinstance(ev, Event)
        events.append(ev)
    assert t.result == 0 and events[-1].kind == "return"
    assert k.step(t) is None
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert {"migrate_pages", "unmap_and_move", "try_to_unmap", "remove_migration_pte"} <= {
        e.func for e in events
    }


def test_step_rejects_foreign_tasks(k):
    other = Kernel()
    p = other.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    t = other.start_migrate_pages([p.page_at(v.start)], 1)
    before = snapshot(k)
    with pytest.raises(TypeError):
        k.step(t)
    with pytest.raises(TypeError):
        k.step("migrate")
    assert snapshot(k) == before


def test_run_finishes_every_started_task(k):
    f, procs, addrs = file_setup(k, sharers=2)
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"anon")
    t1 = k.start_migrate_pages([procs[0].page_at(addrs[0])], 1)
    t2 = k.start_migrate_pages([p.page_at(v.start)], 1)
    t3 = procs[1].start_access(addrs[1], write=True, data=b"Z")
    t4 = p.start_access(v.start, n=4)
    k.run()
    assert all(t.done for t in (t1, t2, t3, t4))
    assert (t1.result, t2.result, t3.result, t4.result) == (0, 0, None, b"anon")
    assert not k.tasks
    assert procs[0].read(addrs[0], 1) == b"Z"
    k.check()


def test_trace_to_frame_columns(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    k.migrate_pages([p.page_at(v.start)], 1)
    df = k.trace.to_frame()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns[:5]) == ["seq", "task", "func", "what", "kind"]
    assert {"pfn", "pass", "rc"} <= set(df.columns)
    assert len(df) == len(k.trace)
    assert list(df["seq"]) == [e.seq for e in k.trace]
    assert df["seq"].is_monotonic_increasing
    assert "migrate_pages" in set(df["func"])
    row = df[(df.func == "migrate_pages") & df.rc.notna()].iloc[-1]
    assert row["rc"] == 0


def test_check_raises_invariant_error_naming_the_rule(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    k.check()
    page = p.page_at(v.start)
    page._mapcount -= 1  # corrupt the bookkeeping by hand
    with pytest.raises(InvariantError) as ei:
        k.check()
    assert "mapcount" in ei.value.rule and "pfn" in ei.value.details
    page._mapcount += 1
    k.check()


def test_import_pulls_no_plotting_or_notebook_libraries():
    code = (
        "import sys, pagemig; "
        "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class _OnlyRandom:
    """A generator that offers nothing but random(): the contract's one allowed method."""

    def __init__(self, seed):
        import random

        self._r = random.Random(seed)
        self.calls = 0

    def random(self):
        self.calls += 1
        return self._r.random()

    def getstate(self):
        return self._r.getstate()


def test_random_choices_use_only_the_generators_random_method(k):
    k.rng = _OnlyRandom(3)
    f, procs, addrs = file_setup(k, sharers=2)
    k.start_migrate_pages([procs[0].page_at(addrs[0])], 1)
    procs[1].start_access(addrs[1])
    k.run(policy="random")
    assert k.rng.calls > 0
    k.check()


# -- misuse: a clear exception, and the machine exactly as it was --------------------


def _machine():
    k = Kernel(nodes=2, frames_per_node=16)
    f = k.create_file("f", 4)
    p = k.spawn()
    v = p.mmap(4, file=f, shared=True)
    p.write(v.start, b"data")
    a = p.mmap(2)
    p.write(a.start, b"anon")
    return k, f, p, v, a


def _assert_refused(k, exc, fn, errno=None):
    before = snapshot(k)
    with pytest.raises(exc) as ei:
        fn()
    assert str(ei.value)  # says what is wrong
    if errno is not None:
        assert ei.value.errno == errno
    assert snapshot(k) == before
    k.check()


def test_misuse_address_outside_every_vma_is_efault():
    k, f, p, v, a = _machine()
    _assert_refused(k, OSError, lambda: p.read(0x1000, 1), EFAULT)
    _assert_refused(k, OSError, lambda: p.write(v.end, b"x"), EFAULT)  # the guard gap
    _assert_refused(k, OSError, lambda: p.read(v.end - 1, 2), EFAULT)  # runs off the end
    _assert_refused(k, OSError, lambda: p.start_access(a.end + 10 * PAGE_SIZE), EFAULT)


def test_misuse_write_to_read_only_mapping():
    k, f, p, v, a = _machine()
    ro = p.mmap(1, file=f, write=False, shared=True)
    p.read(ro.start, 1)
    _assert_refused(k, OSError, lambda: p.write(ro.start, b"x"), EFAULT)


def test_misuse_zero_or_negative_sizes_are_einval():
    k, f, p, v, a = _machine()
    _assert_refused(k, OSError, lambda: p.mmap(0), EINVAL)
    _assert_refused(k, OSError, lambda: p.mmap(-1), EINVAL)
    _assert_refused(k, OSError, lambda: p.read(v.start, 0), EINVAL)
    _assert_refused(k, OSError, lambda: p.read(v.start, -3), EINVAL)
    _assert_refused(k, OSError, lambda: k.create_file("g", 0), EINVAL)
    _assert_refused(k, OSError, lambda: p.mmap(1, file=f, offset=100), EINVAL)
    _assert_refused(k, OSError, lambda: p.mmap(1, file=f, offset=-PAGE_SIZE), EINVAL)


@pytest.mark.parametrize("node", [2, -1, 99])
def test_misuse_node_out_of_range_is_enodev(node):
    k, f, p, v, a = _machine()
    page = p.page_at(v.start)
    _assert_refused(k, OSError, lambda: k.migrate_pages([page], node), ENODEV)
    _assert_refused(k, OSError, lambda: k.start_migrate_pages([page], node), ENODEV)
    _assert_refused(k, OSError, lambda: k.spawn(node=node), ENODEV)


def test_misuse_node_of_wrong_type():
    k, f, p, v, a = _machine()
    page = p.page_at(v.start)
    _assert_refused(k, (TypeError, ValueError), lambda: k.migrate_pages([page], "1"))
    _assert_refused(k, (TypeError, ValueError), lambda: k.migrate_pages([page], True))


def test_misuse_free_page_is_refused():
    k, f, p, v, a = _machine()
    page = p.page_at(a.start)
    k.migrate_pages([page], 1)
    assert page.count == 0  # the old frame is free now
    for fn in (
        lambda: k.migrate_pages([page], 0),
        lambda: k.pin(page),
        lambda: k.unpin(page),
        lambda: k.start_lock_holder(page),
        lambda: k.start_writeback(page),
    ):
        _assert_refused(k, ValueError, fn)


def test_misuse_foreign_page_is_refused():
    k, f, p, v, a = _machine()
    k2, f2, p2, v2, a2 = _machine()
    foreign = p2.page_at(v2.start)
    assert foreign.pfn == p.page_at(v.start).pfn  # same pfn, another machine
    for fn in (
        lambda: k.migrate_pages([foreign], 1),
        lambda: k.migrate_pages([p.page_at(a.start), foreign], 1),  # nothing half done
        lambda: k.pin(foreign),
        lambda: k.start_writeback(foreign),
    ):
        _assert_refused(k, ValueError, fn)
    _assert_refused(k, (TypeError, ValueError), lambda: k.migrate_pages(["page"], 1))
    _assert_refused(k, ValueError, lambda: p.mmap(1, file=f2, shared=True))


def test_misuse_other_refusals():
    k, f, p, v, a = _machine()
    page = p.page_at(v.start)
    _assert_refused(k, ValueError, lambda: k.unpin(page))  # not pinned
    _assert_refused(k, ValueError, lambda: k.migrate_pages([page, page], 1))
    _assert_refused(k, ValueError, lambda: k.run(policy="fifo"))
    _assert_refused(k, ValueError, lambda: k.start_writeback(p.page_at(a.start)))  # anon
    _assert_refused(k, ValueError, lambda: p.mmap(1, shared=True))  # shmem not modelled
    _assert_refused(k, OSError, lambda: p.remap_file_pages(a.start, 1, 0), EINVAL)  # anon vma
    _assert_refused(k, OSError, lambda: p.remap_file_pages(v.start, 1, 4), EINVAL)  # past EOF
    _assert_refused(k, OSError, lambda: p.remap_file_pages(v.start, 5, 0), EINVAL)  # past vma
    c = p.fork()
    c.exit()
    _assert_refused(k, ProcessLookupError, lambda: c.read(v.start, 1))
    _assert_refused(k, ProcessLookupError, lambda: c.fork())


def test_misuse_exit_with_an_access_in_flight(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    t = k.start_migrate_pages([p.page_at(v.start)], 1)
    while p.pte(v.start).kind != "migration":
        k.step(t)
    acc = p.start_access(v.start)
    while not acc.blocked:
        k.step(acc)
    _assert_refused(k, RuntimeError, p.exit)
    k.run()
    assert acc.result == b"x"
    p.exit()
    assert p.pid not in k.processes and k.pages_in_use() == []
    k.check()


def test_misuse_pages_nothing_could_reach():
    k, f, p, v, a = _machine()
    page = p.page_at(a.start)
    t = k.start_migrate_pages([page], 1)
    while p.pte(a.start).kind != "migration":
        k.step(t)
    assert page.mapcount == 0 and p.page_at(a.start) is page  # only a migration entry left
    for fn in (
        lambda: k.pin(page),  # get_user_pages would sleep on the entry instead
        lambda: k.migrate_pages([page], 0),
        lambda: k.start_lock_holder(page),
        lambda: k.add_to_swap(page),
    ):
        _assert_refused(k, ValueError, fn)
    # a file page under migration is still in the page cache: a lookup can pin it
    fpage = p.page_at(v.start)
    tf = k.start_migrate_pages([fpage], 1)
    while p.pte(v.start).kind != "migration":
        k.step(tf)
    k.pin(fpage)
    k.run()
    assert tf.result == 1 and p.page_at(v.start) is fpage  # the pin failed the gate
    # the old anonymous page a finished migration leaves to a sleeping fault
    old = p.page_at(a.start)
    t2 = k.start_migrate_pages([old], 0)
    while not k.trace.find("migrate_page_move_mapping", task=t2.name):
        k.step(t2)  # past the gate: a sleeper's reference no longer fails it
    acc = p.start_access(a.start)
    while not acc.blocked:
        k.step(acc)
    while not t2.done:
        k.step(t2)
    assert old.count == 1 and old.mapping is None  # the sleeper's reference
    _assert_refused(k, ValueError, lambda: k.migrate_pages([old], 1))
    _assert_refused(k, ValueError, lambda: k.pin(old))
    k.run()
    assert acc.result == b"a" and old.count == 0
    k.unpin(fpage)
    k.check()


def test_misuse_add_to_swap_of_a_locked_page(k):
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    page = p.page_at(v.start)
    h = k.start_lock_holder(page, hold=2)
    k.step(h)
    _assert_refused(k, ValueError, lambda: k.add_to_swap(page))
    k.run()
    assert k.add_to_swap(page) > 0
    k.check()


def test_pte_equality_and_hash_use_every_field():
    """Pte.__eq__/__hash__ compare a tuple of the fields: it must hold every slot, so that
    two ptes that differ in any one field are unequal (do_no_page's "did the pte change
    while I slept" check relies on it)."""
    from pagemig.pte import Pte

    base = dict(kind="present", pfn=3, write=True, young=False, dirty=True)
    p = Pte(**base, pgoff=None, swp_type=None, offset=None)
    assert p._fields() == tuple(getattr(p, s) for s in Pte.__slots__)
    assert p == Pte(**base) and hash(p) == hash(Pte(**base)) and p == p
    for slot, other in (
        ("kind", "migration"),
        ("pfn", 4),
        ("write", False),
        ("young", True),
        ("dirty", False),
        ("pgoff", 7),
        ("swp_type", 31),
        ("offset", 2),
    ):
        q = Pte(**base)
        setattr(q, slot, other)
        assert q != p, slot
    assert (p == "present") is False
