"""check() walks the ptes that exist, not the address space: the same violations, in
the same order, as a walk over every address of every VMA (the old walk, kept here as
the reference), at every step of migrations that break rules on purpose and of ones
that do not."""

import pytest

from pagemig import invariants
from pagemig.constants import PAGE_SHIFT, PAGE_SIZE
from pagemig.scenarios import build_scenario


def _address_walk(k):
    """The page-table part of check() the slow way: every address of every VMA."""
    out = []
    for pid in sorted(k.processes):
        proc = k.processes[pid]
        for vma in proc.vmas:
            for addr in vma.addresses():
                pte = proc.ptes.get(addr >> PAGE_SHIFT)
                if pte is not None and pte.kind in ("present", "migration"):
                    out.append((pid, addr, pte.kind, pte.pfn))
    return out


@pytest.mark.parametrize("mapping", ["anonymous", "file linear", "file nonlinear"])
@pytest.mark.parametrize("variant", ["patched", "before-patch", "unsafe-writeout"])
@pytest.mark.parametrize("dirty", [False, True])
def test_pte_walk_sees_what_the_address_walk_sees(mapping, variant, dirty):
    sc = build_scenario(mapping, dirty=dirty, sharers=2, variant=variant)
    k = sc.kernel
    t = sc.start_migration()
    other = sc.processes[1].start_access(sc.addrs[1], write=dirty, data=b"w")
    broken = 0
    for _ in range(500):
        if not k.tasks:
            break
        for task in list(k.tasks):
            k.step(task)
        present, _ = invariants._page_tables(k)
        walk = _address_walk(k)
        counted = {}
        for _pid, _addr, kind, pfn in walk:
            if kind == "present":
                counted[pfn] = counted.get(pfn, 0) + 1
        assert present == counted
        broken += bool(k.violations())
    assert t.done and other.done
    if variant == "unsafe-writeout" and dirty and mapping == "file linear":
        assert broken  # the matrix does reach broken states


def test_a_wide_sparse_mapping_costs_its_ptes_not_its_addresses():
    """A 4 GiB mapping with two pages touched: the walk looks at two ptes."""
    sc = build_scenario("anonymous")
    k = sc.kernel
    p = sc.processes[0]
    v = p.mmap(1 << 20)
    p.write(v.start, b"a")
    p.write(v.end - 1, b"z")
    assert k.violations() == []
    k.pfn_to_page(p.pte(v.end - 1).pfn)._mapcount += 1
    rules = [rule for rule, _ in k.violations()]
    assert invariants.MAPCOUNT in rules


# -- the bulk pass (invariants._sound) says "nothing broken" only when the walk agrees --
@pytest.mark.parametrize("mapping", ["anonymous", "file linear", "file nonlinear"])
@pytest.mark.parametrize("variant", ["patched", "unsafe-writeout", "modern"])
@pytest.mark.parametrize("sharers", [1, 3])
def test_bulk_pass_agrees_with_the_walk_at_every_step(mapping, variant, sharers):
    sc = build_scenario(mapping, dirty=True, sharers=sharers, variant=variant)
    k = sc.kernel
    sc.start_migration()
    for i, p in enumerate(sc.processes):
        p.start_access(sc.addrs[i], write=bool(i % 2), data=b"w")
    seen = set()
    for _ in range(500):
        if not k.tasks:
            break
        for task in list(k.tasks):
            k.step(task)
        walk = invariants._walk(k)
        assert invariants._sound(k) == (walk == []), walk
        assert k.violations() == walk
        seen.add(walk == [])
    assert not k.tasks
    if variant == "unsafe-writeout" and mapping == "file linear":
        assert seen == {True, False}  # both answers were exercised


def _broken(k):
    """violations(), after checking that the bulk pass does not call the machine sound."""
    assert not invariants._sound(k)
    return k.violations()


def _big_anon(pages=1100, data=None):
    """One process, ``pages`` anonymous pages written (zeros unless ``data``), every
    VMA plain: what the bulk pass checks list by list (on enough frames that
    violations() itself tries it first)."""
    from pagemig import Kernel

    k = Kernel(nodes=2, frames_per_node=pages + 8, trace=False)
    p = k.spawn()
    v = p.mmap(pages)
    p.write(v.start, data if data is not None else bytes(pages * PAGE_SIZE))
    assert len(k.mem_map) >= invariants._BULK_FROM or pages < 1000
    assert invariants._sound(k) and k.violations() == []
    return k, p, v


@pytest.mark.parametrize("data", [None, b"x"])
def test_bulk_pass_catches_one_lost_byte_among_many_pages(data):
    k, p, v = _big_anon(data=None if data is None else data * (1100 * PAGE_SIZE))
    k.migrate_pages([p.page_at(v.start + i * PAGE_SIZE) for i in range(1100)], 1)
    assert invariants._sound(k) and k.violations() == []
    page = p.page_at(v.start + 137 * PAGE_SIZE)
    if page.data is None:  # a page of zeros keeps no bytes: give it some
        page.data = bytearray(PAGE_SIZE)
        assert invariants._sound(k) and k.violations() == []  # zeros held as bytes are still zeros
    page.data[4095] ^= 1
    assert _broken(k) == [
        (invariants.NO_DATA_LOST, f"pid {p.pid} {v.start + 137 * PAGE_SIZE:#x} lost written bytes")
    ]


def test_sparse_shadow_keeps_no_copy_of_zeros_and_follows_the_writes():
    k, p, v = _big_anon(pages=4)
    shadows = k.anon_shadow[p.pid]
    assert list(shadows.values()) == [None] * 4  # zeros: nothing kept
    p.write(v.start + 5, b"abc")
    assert shadows[v.start >> PAGE_SHIFT][5:8] == b"abc"
    p.write(v.start + 5, bytes(3))  # back to zeros: back to nothing kept
    assert shadows[v.start >> PAGE_SHIFT] is None
    assert invariants._sound(k) and k.violations() == []
    p.page_at(v.start).data = bytearray(b"\1" * PAGE_SIZE)
    assert invariants.NO_DATA_LOST in [r for r, _ in _broken(k)]


def test_bulk_pass_catches_two_ptes_to_one_page_whose_mapcounts_add_up():
    """Pages A and B mapped once each by their counts, but both ptes point at A:
    every mapcount total agrees, only the per-page counts show it."""
    k, p, v = _big_anon()
    a = v.start >> PAGE_SHIFT
    p.ptes[a + 1] = p.ptes[a]
    rules = [r for r, _ in _broken(k)]
    assert invariants.MAPCOUNT in rules and invariants.REFCOUNT in rules


def test_bulk_pass_catches_a_free_frame_mapped_in_a_plain_vma():
    k, p, v = _big_anon()
    free = next(page for page in k.mem_map if page.count == 0)
    a = v.start >> PAGE_SHIFT
    pte = p.ptes[a + 9]
    p.ptes[a + 9] = pte.__class__("present", free.pfn, pte.write, pte.young, pte.dirty)
    rules = [r for r, _ in _broken(k)]
    assert rules[0] == invariants.FREE_FRAMES


def test_bulk_pass_catches_a_writable_pte_to_a_shared_cow_page():
    k, p, v = _big_anon()
    c = p.fork()
    assert invariants._sound(k) and k.violations() == []  # fork write-protected both sides
    a = v.start >> PAGE_SHIFT
    pte = p.ptes[a + 3]
    p.ptes[a + 3] = pte.__class__("present", pte.pfn, True, pte.young, pte.dirty)
    assert [r for r, _ in _broken(k)] == [invariants.WRITE_PERMISSION]
    assert c.alive


def test_bulk_pass_catches_a_stray_reference_on_a_free_frame():
    k, p, v = _big_anon()
    free = next(page for page in k.mem_map if page.count == 0)
    free.refs["pin"] = 1
    assert [r for r, _ in _broken(k)] == [invariants.FREE_FRAMES]


# -- what the bulk pass sorts the frames and ptes by: each way out of its plain kinds --
def _set(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)


def _free(k):
    return next(page for page in k.mem_map if page.count == 0 and page.node == 0)


def _used(k, p, v, i=17):
    return p.page_at(v.start + i * PAGE_SIZE)


def _pte_outside(k, p, v):
    """A pte moved past the end of its process's only VMA: the walk does not count it."""
    a = v.start >> PAGE_SHIFT
    p.ptes[(v.end >> PAGE_SHIFT) + 5] = p.ptes.pop(a + 2)


def _into_swap_cache(k, p, v):
    k.swap.page_tree[999] = _used(k, p, v)


def _writable_in_read_only(k, p, v):
    p.mprotect(v.start, 1100, write=False)
    assert invariants._sound(k) and k.violations() == []  # read-only, write-protected: plain
    a = v.start >> PAGE_SHIFT
    pte = p.ptes[a + 4]
    p.ptes[a + 4] = pte.__class__("present", pte.pfn, True, pte.young, pte.dirty)


@pytest.mark.parametrize(
    "break_it, rule",
    [
        (lambda k, p, v: _set(_free(k), _mapcount=0), invariants.FREE_FRAMES),
        (lambda k, p, v: _set(_free(k), locked=True), invariants.FREE_FRAMES),
        (lambda k, p, v: _set(_free(k), count=-1), invariants.REFCOUNT),
        (lambda k, p, v: _set(_used(k, p, v), has_private=True), invariants.REFCOUNT),
        (
            lambda k, p, v: _set(_used(k, p, v), locked=True, lock_owner="gone"),
            invariants.LOCKS_RELEASED,
        ),
        (lambda k, p, v: _set(_used(k, p, v), refs={"pin": 1}), invariants.REFCOUNT),
        (lambda k, p, v: _set(_used(k, p, v), refs={"pte": 2}, count=2), invariants.REFCOUNT),
        (lambda k, p, v: _set(_used(k, p, v), _mapcount=1), invariants.MAPCOUNT),
        (
            lambda k, p, v: _set(_used(k, p, v), count=0, refs={}, _mapcount=-1),
            invariants.FREE_FRAMES,
        ),
        (_pte_outside, invariants.MAPCOUNT),
        (_into_swap_cache, invariants.REFCOUNT),
        (_writable_in_read_only, invariants.WRITE_PERMISSION),
    ],
    ids=[
        "free-mapcount",
        "free-locked",
        "negative-count",
        "private-flag",
        "locked-by-finished",
        "stray-holder",
        "two-pte-refs",
        "mapcount-high",
        "mapped-but-free",
        "pte-outside-vma",
        "in-a-cache-slot",
        "writable-in-read-only",
    ],
)
def test_bulk_pass_sends_every_kind_of_odd_frame_or_pte_to_the_walk(break_it, rule):
    """On a machine big enough for the bulk pass (its pages migrated, so node 0's
    frames were used and freed), one thing broken at a time: the bulk pass does not
    call the machine sound, and violations() is the walk's answer, naming the rule."""
    k, p, v = _big_anon()
    k.migrate_pages([p.page_at(v.start + i * PAGE_SIZE) for i in range(1100)], 1)
    assert invariants._sound(k) and k.violations() == []
    break_it(k, p, v)
    walk = invariants._walk(k)
    assert rule in [r for r, _ in walk], walk
    assert _broken(k) == walk


def test_bulk_pass_keeps_a_page_locked_by_a_live_task_sound():
    """A page in the common state but locked, by a task still running: no rule broken
    (the lock's owner is alive), on the bulk pass's route as on the walk's."""
    k, p, v = _big_anon()
    task = p.start_access(v.start, write=True, data=b"q")  # a live task, not yet stepped
    page = _used(k, p, v, 40)
    page.locked, page.lock_owner = True, task.name
    assert invariants._walk(k) == []
    assert invariants._sound(k) and k.violations() == []
