"""The hot paths' shortcuts decide what the long way decides: _check_page's common
case still refuses every page that is not one of this kernel's pages in use; an
uncontended spin_lock takes the lock at once and a held one still spins."""

import pytest

from pagemig import PAGE_SIZE, Kernel
from pagemig.page import Page
from pagemig.rmap import SpinLock, spin_lock, spin_unlock
from pagemig.sched import Wait


def _kernel_with_page():
    k = Kernel(nodes=2, frames_per_node=8)
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"x")
    return k, p.page_at(v.start)


def test_check_page_takes_this_kernels_pages_and_refuses_the_rest():
    k, page = _kernel_with_page()
    assert k._check_page(page) is page
    other, twin = _kernel_with_page()
    assert twin.pfn == page.pfn
    with pytest.raises(ValueError, match="another Kernel"):
        k._check_page(twin)  # same pfn, another mem_map
    with pytest.raises(ValueError, match="free frame"):
        k._check_page(k.mem_map[5])
    with pytest.raises(ValueError, match="ZERO_PAGE"):
        k._check_page(k.zero_page)
    with pytest.raises(TypeError):
        k._check_page("pfn 0")
    stray = Page(page.pfn, 0)
    stray.count = 1
    with pytest.raises(ValueError, match="another Kernel"):
        k._check_page(stray)


def test_mem_map_is_pfn_to_page():
    k = Kernel(nodes=3, frames_per_node=5)
    assert [k.pfn_to_page(i) for i in range(15)] == k.mem_map
    assert all(page.pfn == i for i, page in enumerate(k.mem_map))


def test_uncontended_spin_lock_takes_the_lock_without_a_step():
    k = Kernel()
    lock = SpinLock("i_mmap_lock")
    steps = list(spin_lock(k, lock, "walk"))
    assert steps == [] and lock.holder is k.current
    spin_unlock(lock)
    assert lock.holder is None


def test_contended_spin_lock_spins_until_the_holder_lets_go():
    k = Kernel()
    lock = SpinLock("anon_vma->lock")

    def holder():
        yield from spin_lock(k, lock, "holder")
        yield k.say and ("holder", "holds it", {})
        spin_unlock(lock)

    def waiter():
        yield from spin_lock(k, lock, "waiter")
        yield k.say and ("waiter", "got it", {})
        spin_unlock(lock)

    h = k.start_path("holder", holder())
    w = k.start_path("waiter", waiter())
    k.step(h)  # takes the lock, says so
    ev = k.step(w)
    assert ev.kind == "wait" and "spins on anon_vma->lock (held by holder)" in ev.what
    assert isinstance(w.wait, Wait) and lock.holder is h
    k.run()
    assert h.done and w.done and lock.holder is None
    assert [e.what for e in k.trace if e.task == "waiter"][-2] == "got it"


def test_a_write_of_zeros_keeps_no_copy():
    k = Kernel(nodes=2, frames_per_node=8)
    p = k.spawn()
    v = p.mmap(2)
    p.write(v.start, bytes(2 * PAGE_SIZE))
    assert k.anon_shadow[p.pid] == {v.start >> 12: None, (v.start >> 12) + 1: None}
    assert p.page_at(v.start).data is None
    k.check()
