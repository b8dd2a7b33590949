"""Reverse maps: from a page to the ptes that map it, and unmapping for migration.

Models mm/rmap.c of 2.6.18: ``struct anon_vma``, ``page_add_anon_rmap``,
``page_add_file_rmap``, ``page_remove_rmap``, ``vma_address``,
``page_address_in_vma``, ``try_to_unmap`` with its anon and file walks,
``try_to_unmap_one`` and the nonlinear ``try_to_unmap_cluster``; plus
``page_mapping()`` from include/linux/mm.h.

``variant="modern"`` (6.1, where the migration half became try_to_migrate() and
try_to_migrate_one(); the trace keeps the 2.6.18 names because the walk is the
same): every anonymous page gets migration entries, swap-cache ones too; an entry
keeps the pte's young and dirty bits; and an exclusive anonymous page that may be
pinned long-term (FOLL_PIN/FOLL_LONGTERM) is not unmapped at all
(page_try_share_anon_rmap() fails): its pte is left as it was and the walk stops.

The two rmap spinlocks are modelled (:class:`SpinLock`): ``anon_vma->lock``
and ``mapping->i_mmap_lock`` are held across a whole walk (try_to_unmap_anon,
try_to_unmap_file, and migrate.c's remove_*_migration_ptes), which in the model
spans several steps. A started path that wants a lock another path holds spins
(a Wait); a system call that needs it (sys_remap_file_pages making a vma
nonlinear, fork linking vmas, mmap, exit unlinking them) waits until the
walks end: :func:`spin_until_free` steps the holder to its unlock, as the holder
would run on another CPU while the caller spins.

Simplifications: no TLB or cache flushes; pte locks are not modelled (every
step is atomic); swap ptes are only installed for pages already in the swap
cache (there is no reclaim).
"""

from __future__ import annotations

from errno import EFAULT

from .constants import CLUSTER_SIZE, PAGE_SHIFT, PAGE_SIZE, SWAP_AGAIN, SWAP_FAIL, SWAP_SUCCESS
from .errors import DeadlockError
from .page import Page, put_page
from .pte import PTE_NONE, make_migration_entry, pgoff_to_pte, swp_entry_pte
from .sched import Wait


class SpinLock:
    """A spinlock (spinlock_t): ``holder`` is the Task holding it, or None.

    A holder never sleeps while it holds one (every step of a walk is a plain
    step, never a Wait), so whoever spins on it only has to let the holder run.
    """

    __slots__ = ("name", "holder")

    def __init__(self, name: str):
        self.name = name
        self.holder = None

    def __repr__(self) -> str:
        who = self.holder.name if self.holder is not None else "free"
        return f"<SpinLock {self.name} {who}>"


def spin_lock(k, lock: SpinLock, func: str):
    """spin_lock(): take ``lock`` for the running task, spinning (a Wait) while
    another task holds it. Used as ``yield from spin_lock(...)``: a free lock is
    taken at once and nothing is stepped (the empty tuple); only a held one costs
    a generator, :func:`_spin_lock_contended`, whose Waits are the spin."""
    holder = lock.holder
    if holder is None or holder is k.current:
        lock.holder = k.current
        return ()
    return _spin_lock_contended(k, lock, func)


def _spin_lock_contended(k, lock: SpinLock, func: str):
    """spin_lock()'s spin: a Wait while another task holds ``lock``, then take it."""
    me = k.current
    while lock.holder is not None and lock.holder is not me:
        yield Wait(
            func,
            f"spins on {lock.name} (held by {lock.holder.name})",
            lambda: lock.holder is None,
            {"lock": lock.name},
        )
    lock.holder = me


def spin_unlock(lock: SpinLock) -> None:
    """spin_unlock()"""
    lock.holder = None


def spin_until_free(k, locks, func: str, what: str) -> None:
    """A system call needs ``locks`` (an iterable of SpinLock) that started paths
    hold: it spins until they are free. In the model the holders are stepped to
    their unlock (what they do on another CPU meanwhile); nothing else runs. One
    event records the spin. Called before the system call changes anything."""
    locks = list(locks)
    held = [lock for lock in locks if lock.holder is not None]
    if not held:
        return
    k._event(
        func,
        f"{what}: spins on {held[0].name} held by {held[0].holder.name} until its walk ends",
        {"lock": held[0].name, "holder": held[0].holder.name},
    )
    for _ in range(1_000_000):
        held = [lock for lock in locks if lock.holder is not None]
        if not held:
            return
        holder = held[0].holder
        if holder is k.current or holder.done:
            raise AssertionError(
                f"{held[0].name} is held by {holder.name}, which cannot release it"
            )
        if k.step(holder) is None:
            raise DeadlockError(f"{holder.name} sleeps while it holds {held[0].name}")
    raise RuntimeError(f"{func}: {held[0].name} was not released in 1,000,000 steps")


class AnonVma:
    """struct anon_vma: the list of VMAs that may map an anonymous page.

    In 2.6.18 it has no reference count; ``head`` keeps the VMAs in the order
    they were linked (``anon_vma_link``), as the kernel's list does.
    """

    _ids = 0
    is_anon_vma = True  # the PAGE_MAPPING_ANON tag that PageAnon() tests

    def __init__(self, uid: int):
        self.id = uid
        self.head: list = []
        self.lock = SpinLock("anon_vma->lock")

    def __repr__(self) -> str:
        return f"<AnonVma {self.id} vmas={len(self.head)}>"


def page_mapping(k, page: Page):
    """page_mapping(): NULL for anon pages, swapper_space for swap cache pages, else the file's."""
    if page.swapcache:
        return k.swap
    if isinstance(page.mapping, AnonVma):
        return None
    return page.mapping


def page_add_anon_rmap(page: Page, vma, address: int) -> None:
    """page_add_anon_rmap(): the first mapping sets mapping/index; mapcount++."""
    if page._mapcount == -1 and page.mapping is None:
        page.mapping = vma.anon_vma
        page.index = vma.linear_page_index(address)
    page._mapcount += 1


def page_add_file_rmap(page: Page) -> None:
    """page_add_file_rmap(): mapcount++."""
    page._mapcount += 1


def page_remove_rmap(page: Page) -> None:
    """page_remove_rmap(): mapcount--."""
    if page._mapcount < 0:
        raise AssertionError(f"page_remove_rmap: pfn {page.pfn} is not mapped")
    page._mapcount -= 1


def vma_address(page: Page, vma) -> int:
    """vma_address(): where the page would sit in the vma, or -EFAULT."""
    addr = vma.start + ((page.index - vma.pgoff) << PAGE_SHIFT)
    if addr < vma.start or addr >= vma.end:
        return -EFAULT
    return addr


def page_address_in_vma(page: Page, vma) -> int:
    """page_address_in_vma(): -EFAULT unless the page belongs to the vma's anon_vma or file,
    and never for a nonlinear vma (offset and address are unrelated there)."""
    if isinstance(page.mapping, AnonVma):
        if vma.anon_vma is not page.mapping:
            return -EFAULT
    elif page.mapping is not None and not vma.nonlinear:
        if vma.file is None or vma.file.mapping is not page.mapping:
            return -EFAULT
    else:
        return -EFAULT
    return vma_address(page, vma)


def try_to_unmap(k, page: Page, migration: bool):
    """try_to_unmap(page, migration): replace every pte that maps the page.

    In migration mode a linear pte becomes a migration entry (file pages only
    since the 2.6.18 patch; ``variant="before-patch"`` leaves pte_none), an
    anonymous page in the swap cache gets an ordinary swap pte, and nonlinear
    ptes are cleared by cluster. Returns SWAP_SUCCESS, SWAP_AGAIN or SWAP_FAIL.
    """
    if not page.locked:
        raise AssertionError("try_to_unmap needs the page lock")
    yield k.say and (
        "try_to_unmap",
        f"walk the {'anon_vma' if page.anon else 'file mappings'} of pfn {page.pfn}",
        {"pfn": page.pfn, "mapcount": page.mapcount},
    )
    if page.mapping.__class__ is AnonVma:  # PageAnon()
        ret = yield from try_to_unmap_anon(k, page, migration)
    else:
        ret = yield from try_to_unmap_file(k, page, migration)
    if page._mapcount < 0:  # !page_mapped()
        ret = SWAP_SUCCESS
    return ret


def try_to_unmap_anon(k, page: Page, migration: bool):
    """try_to_unmap_anon(): walk anon_vma->head."""
    ret = SWAP_AGAIN
    anon_vma = page.mapping
    if page._mapcount < 0:  # !page_mapped()
        return ret
    unmap_one = k.fn.try_to_unmap_one
    yield from spin_lock(k, anon_vma.lock, "try_to_unmap_anon")
    try:
        for vma in list(anon_vma.head):
            ret = yield from unmap_one(k, page, vma, migration)
            if ret == SWAP_FAIL or page._mapcount < 0:  # !page_mapped()
                break
    finally:
        spin_unlock(anon_vma.lock)
    return ret


def vma_prio_tree_foreach(k, mapping, index: int) -> list:
    """vma_prio_tree_foreach(): the linear VMAs that map file page ``index``, from the
    prio tree; with ``k.i_mmap_walk == "scan"`` by looking at every VMA (same result)."""
    if k.i_mmap_walk == "scan":
        return mapping.i_mmap.scan(index)
    return mapping.i_mmap.query(index)


def try_to_unmap_file(k, page: Page, migration: bool):
    """try_to_unmap_file(): the linear VMAs from the prio tree, then the nonlinear list,
    all under ``mapping->i_mmap_lock`` (so no vma changes list while the walk runs)."""
    mapping = page.mapping
    yield from spin_lock(k, mapping.i_mmap_lock, "try_to_unmap_file")
    try:
        return (yield from _try_to_unmap_file(k, page, migration, mapping))
    finally:
        spin_unlock(mapping.i_mmap_lock)


def _try_to_unmap_file(k, page: Page, migration: bool, mapping):
    ret = SWAP_AGAIN
    unmap_one = k.fn.try_to_unmap_one
    for vma in vma_prio_tree_foreach(k, mapping, page.index):
        ret = yield from unmap_one(k, page, vma, migration)
        if ret == SWAP_FAIL or page._mapcount < 0:  # !page_mapped()
            return ret
    if not mapping.i_mmap_nonlinear:
        return ret
    nonlinear = [v for v in mapping.i_mmap_nonlinear if migration or not v.locked]
    max_nl_cursor = max((v.nl_cursor for v in nonlinear), default=0)
    max_nl_size = max((v.end - v.start for v in nonlinear), default=0)
    if max_nl_size == 0:
        yield k.say and (
            "try_to_unmap_file",
            "no usable nonlinear vma (max_nl_size == 0): SWAP_FAIL",
            {"pfn": page.pfn},
        )
        return SWAP_FAIL
    mapcount = [page.mapcount]
    if not mapcount[0]:
        return ret
    yield k.say and (
        "try_to_unmap_file",
        f"pfn {page.pfn} may sit anywhere in {len(nonlinear)} nonlinear vma(s): "
        "sweep them cluster by cluster",
        {"pfn": page.pfn, "nonlinear_vmas": len(nonlinear)},
    )
    max_nl_size = (max_nl_size + CLUSTER_SIZE - 1) // CLUSTER_SIZE * CLUSTER_SIZE
    if max_nl_cursor == 0:
        max_nl_cursor = CLUSTER_SIZE
    unmap_cluster = k.fn.try_to_unmap_cluster
    while True:
        for vma in nonlinear:
            cursor = vma.nl_cursor
            while cursor < max_nl_cursor and cursor < vma.end - vma.start:
                yield from unmap_cluster(k, cursor, mapcount, vma)
                cursor += CLUSTER_SIZE
                vma.nl_cursor = cursor
                if mapcount[0] <= 0:
                    return ret
            vma.nl_cursor = max_nl_cursor
        max_nl_cursor += CLUSTER_SIZE
        if max_nl_cursor > max_nl_size:
            break
    # the sweep found too few ptes it could clear: start over next time
    for vma in nonlinear:
        vma.nl_cursor = 0
    return ret


def try_to_unmap_one(k, page: Page, vma, migration: bool):
    """try_to_unmap_one(): one vma's pte for the page."""
    address = vma_address(page, vma)
    if address == -EFAULT:
        return SWAP_AGAIN
    mm = vma.mm
    vpn = address >> PAGE_SHIFT
    pte = mm.ptes.get(vpn, PTE_NONE)
    if pte.kind != "present" or pte.pfn != page.pfn:
        return SWAP_AGAIN
    if not migration and (vma.locked or pte.young):
        if pte.young:
            mm.ptes[vpn] = pte.__class__("present", pfn=pte.pfn, write=pte.write, dirty=pte.dirty)
        yield k.say and (
            "try_to_unmap_one",
            f"pid {mm.pid} {address:#x}: {'mlocked' if vma.locked else 'young'}: SWAP_FAIL",
            {"pid": mm.pid, "addr": address, "pfn": page.pfn},
        )
        return SWAP_FAIL
    modern = k.variant == "modern"
    if modern and migration and page.anon and page.refs.get("longterm", 0) and page.mapcount == 1:
        yield k.say and (
            "try_to_unmap_one",
            f"pid {mm.pid} {address:#x}: exclusive anonymous pfn {page.pfn} may be pinned "
            "(page_try_share_anon_rmap fails): pte left in place, walk stops",
            {"pid": mm.pid, "addr": address, "pfn": page.pfn, "pte": "present"},
        )
        return SWAP_FAIL
    if pte.dirty:
        k.set_page_dirty(page)
    if page.mapping.__class__ is AnonVma:  # PageAnon()
        if page.swapcache and not (modern and migration):
            k.swap.swap_duplicate(page.private)
            mm.ptes[vpn] = swp_entry_pte(0, page.private)
            mm.anon_rss -= 1
            what = (
                k.say
                and f"pid {mm.pid} {address:#x}: pte -> swap entry {page.private} (page is in the swap cache)"
            )
        else:
            mm.ptes[vpn] = (
                make_migration_entry(page, pte.write, pte.young, pte.dirty)
                if modern
                else make_migration_entry(page, pte.write)
            )
            what = k.say and (
                f"pid {mm.pid} {address:#x}: pte -> {'write' if pte.write else 'read'} "
                f"migration entry to pfn {page.pfn}"
                + (" (a swap-cache page: 6.1 uses migration entries too)" if page.swapcache else "")
            )
    elif migration and k.variant != "before-patch":
        mm.ptes[vpn] = (
            make_migration_entry(page, pte.write, pte.young, pte.dirty)
            if modern
            else make_migration_entry(page, pte.write)
        )
        what = k.say and (
            f"pid {mm.pid} {address:#x}: file pte -> {'write' if pte.write else 'read'} "
            f"migration entry to pfn {page.pfn}"
        )
    else:
        mm.ptes[vpn] = PTE_NONE
        mm.file_rss -= 1
        if migration:
            mm.unmapped_by_migration.add(vpn)
        what = (
            k.say
            and f"pid {mm.pid} {address:#x}: file pte cleared (pte_none): the next access refaults"
        )
    page_remove_rmap(page)
    put_page(page, "pte", k)
    yield k.say and (
        "try_to_unmap_one",
        what,
        {"pid": mm.pid, "addr": address, "pfn": page.pfn, "pte": mm.ptes[vpn].kind},
    )
    return SWAP_AGAIN


def try_to_unmap_cluster(k, cursor: int, mapcount: list, vma):
    """try_to_unmap_cluster(): clear the present ptes of one 32-page cluster of a nonlinear vma.

    Any page of the file may be in the window, not just the one being migrated:
    neighbours are unmapped too. A young pte is made old and skipped (there is no
    migration parameter here, so this happens during migration as well).
    """
    mm = vma.mm
    address = (vma.start + cursor) & ~(CLUSTER_SIZE - 1)
    end = address + CLUSTER_SIZE
    address = max(address, vma.start)
    end = min(end, vma.end)
    cleared = []
    skipped = []
    for addr in range(address, end, PAGE_SIZE):
        vpn = addr >> PAGE_SHIFT
        pte = mm.ptes.get(vpn)
        if pte is None or pte.kind != "present":
            continue
        page = k.pfn_to_page(pte.pfn)
        if pte.young:
            mm.ptes[vpn] = pte.__class__("present", pfn=pte.pfn, write=pte.write, dirty=pte.dirty)
            skipped.append(addr)
            continue
        if page.index != vma.linear_page_index(addr):
            mm.ptes[vpn] = pgoff_to_pte(page.index)
        else:
            mm.ptes[vpn] = PTE_NONE
        mm.unmapped_by_migration.add(vpn)
        if pte.dirty:
            k.set_page_dirty(page)
        page_remove_rmap(page)
        put_page(page, "pte", k)
        mm.file_rss -= 1
        mapcount[0] -= 1
        cleared.append((addr, page.pfn))
    what = (
        k.say
        and f"pid {mm.pid} nonlinear cluster {address:#x}-{end:#x}: cleared {len(cleared)} pte(s)"
    )
    if skipped and what:
        what += f", skipped {len(skipped)} young pte(s) (made old)"
    yield k.say and (
        "try_to_unmap_cluster",
        what,
        {
            "pid": mm.pid,
            "addr": address,
            "cleared": [a for a, _ in cleared],
            "pfns": [p for _, p in cleared],
            "young_skipped": skipped,
        },
    )
