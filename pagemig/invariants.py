"""The rules the kernel relies on, checkable at any moment (kernel-facts section D).

Not a kernel file: the kernel states these as BUG_ON()s and comments
(``make_migration_entry``/``migration_entry_to_page`` BUG unless the page is
locked; mapcount and refcount bookkeeping in rmap.c; the radix-tree switch under
tree_lock). ``violations(k)`` returns every broken rule as (rule, details).
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import chain

from .constants import PAGE_SHIFT, PAGE_SIZE

MIGRATION_ENTRY_LOCKED = "a migration entry points only at a locked page"
MAPCOUNT = "a page's mapcount equals the present ptes that map it"
REFCOUNT = "reference counts add up"
CACHE_SLOT = "a page-cache slot holds exactly one page"
NO_DATA_LOST = "no byte written is lost"
NONLINEAR = "no migration entry in a nonlinear vma"
WRITE_PERMISSION = "no writable pte in a read-only or copy-on-write shared page"
LOCKS_RELEASED = "no finished path holds a page lock"
FREE_FRAMES = "a free frame is referenced by nothing"

RULES = (
    MIGRATION_ENTRY_LOCKED,
    MAPCOUNT,
    REFCOUNT,
    CACHE_SLOT,
    NO_DATA_LOST,
    NONLINEAR,
    WRITE_PERMISSION,
    LOCKS_RELEASED,
    FREE_FRAMES,
)


def violations(k) -> list[tuple[str, str]]:
    """Every broken rule, as (rule, details), in a fixed order. Costs time in
    proportion to the ptes, pages, cache slots and VMAs that exist: the page tables
    are walked through the ptes each process has (a sorted index of them, cut at
    each VMA's bounds), not through every address of every VMA. (Whole-list passes
    with map/compress were tried: at a million pages they are slower than this one
    pass, which touches each struct page once.)"""
    cached, cache_out = _page_caches(k)
    present, out = _page_tables(k)
    out += cache_out
    out += _frames(k, present, cached)
    out += _zero_page(k, present.get(k.zero_page.pfn, 0))
    out += _data_lost(k)
    return out


def _zero_page(k, n_present: int) -> list[tuple[str, str]]:
    """The ZERO_PAGE: never writable, never freed; in 2.6.18 each pte to it holds a
    reference and a mapcount (it is a PG_reserved page), in 6.1 none (a special pte)."""
    from .memory import zero_page_counted

    out = []
    zero = k.zero_page
    counted = n_present if zero_page_counted(k) else 0
    if zero.mapcount != counted:
        out.append((MAPCOUNT, f"zero page: mapcount {zero.mapcount}, counted ptes {counted}"))
    if zero.refs.get("reserved") != 1 or zero.refs.get("pte", 0) != counted:
        out.append((REFCOUNT, f"zero page: holders {zero.refs}, counted ptes {counted}"))
    if sum(zero.refs.values()) != zero.count:
        out.append((REFCOUNT, f"zero page: count {zero.count} but holders {zero.refs}"))
    return out


def _page_tables(k) -> tuple[dict[int, int], list[tuple[str, str]]]:
    """Present ptes per pfn, and what is broken in the page tables."""
    out: list[tuple[str, str]] = []
    present: dict[int, int] = {}
    frames = list(chain.from_iterable(n.pages for n in k.nodes))  # by pfn (pfn_to_page)
    # --- walk every page table once, VMA by VMA, in address order ---
    for pid in sorted(k.processes):
        proc = k.processes[pid]
        ptes = proc.ptes
        if not ptes:
            continue
        vpns = sorted(ptes)
        for vma in proc.vmas:
            lo = bisect_left(vpns, vma.start >> PAGE_SHIFT)
            hi = bisect_left(vpns, vma.end >> PAGE_SHIFT, lo)
            if lo == hi:
                continue
            vwrite, cow, nonlinear = vma.write, vma.cow, vma.nonlinear
            for vpn in vpns[lo:hi]:
                pte = ptes[vpn]
                kind = pte.kind
                if kind == "present":
                    pfn = pte.pfn
                    present[pfn] = present.get(pfn, 0) + 1
                    if pfn < 0:  # ZERO_PFN: the zero page is no frame (see _zero_page)
                        if pte.write:
                            out.append(
                                (
                                    WRITE_PERMISSION,
                                    f"pid {pid} {vpn << PAGE_SHIFT:#x}: writable pte to the "
                                    "zero page",
                                )
                            )
                        continue
                    page = frames[pfn]
                    if page.count == 0:
                        out.append(
                            (FREE_FRAMES, f"pid {pid} {vpn << PAGE_SHIFT:#x} maps free pfn {pfn}")
                        )
                    if pte.write:
                        if not vwrite:
                            out.append(
                                (
                                    WRITE_PERMISSION,
                                    f"pid {pid} {vpn << PAGE_SHIFT:#x}: writable pte in a "
                                    "read-only vma",
                                )
                            )
                        if cow and page._mapcount > 0 and page.anon:  # page_mapcount() > 1
                            out.append(
                                (
                                    WRITE_PERMISSION,
                                    f"pid {pid} {vpn << PAGE_SHIFT:#x}: writable pte to a "
                                    f"shared COW page pfn {pfn}",
                                )
                            )
                elif kind == "migration":
                    addr = vpn << PAGE_SHIFT
                    page = frames[pte.pfn]
                    if not page.locked:
                        out.append(
                            (
                                MIGRATION_ENTRY_LOCKED,
                                f"pid {pid} {addr:#x} -> pfn {pte.pfn}, which is unlocked",
                            )
                        )
                    if nonlinear:
                        out.append((NONLINEAR, f"pid {pid} {addr:#x} holds a migration entry"))
    return present, out


def _page_caches(k) -> tuple[dict[int, int], list[tuple[str, str]]]:
    """Cache slots per pfn, and what is broken in the page caches."""
    out: list[tuple[str, str]] = []
    cached: dict[int, int] = {}
    spaces = [(f.name, f.mapping) for f in k.files.values()] + [("swap", k.swap)]
    for name, mapping in spaces:
        for index in sorted(mapping.page_tree):
            page = mapping.page_tree[index]
            if page.count == 0:
                out.append((CACHE_SLOT, f"{name} slot {index} holds free pfn {page.pfn}"))
            if page.pfn in cached:
                out.append((CACHE_SLOT, f"pfn {page.pfn} sits in two slots"))
            cached[page.pfn] = cached.get(page.pfn, 0) + 1
            if name != "swap" and (page.mapping is not mapping or page.index != index):
                out.append(
                    (
                        CACHE_SLOT,
                        f"{name} slot {index} holds pfn {page.pfn} of another mapping/index",
                    )
                )
    return cached, out


def _frames(k, present, cached) -> list[tuple[str, str]]:
    """What is broken in the frames (every struct page), rule by rule."""
    out: list[tuple[str, str]] = []
    live_tasks = {t.name for t in k.tasks if not t.done}
    for node in k.nodes:
        for page in node.pages:
            count = page.count
            refs = page.refs
            if count == 0:
                if refs or page._mapcount != -1 or page.locked:
                    out.append((FREE_FRAMES, f"free pfn {page.pfn} still has refs/mapcount/lock"))
                continue
            pfn = page.pfn
            n_present = present.get(pfn, 0)
            mapcount = page._mapcount + 1
            if mapcount != n_present:
                out.append((MAPCOUNT, f"pfn {pfn}: mapcount {mapcount}, present ptes {n_present}"))
            if len(refs) == 1 and refs.get("pte") == count:
                # the common case: only ptes hold it (no cache, no buffers)
                if count != n_present:
                    out.append(
                        (
                            REFCOUNT,
                            f"pfn {pfn}: {count} pte references, {n_present} present ptes",
                        )
                    )
                if cached.get(pfn, 0):
                    out.append(
                        (
                            REFCOUNT,
                            f"pfn {pfn}: cache reference 0 but in {cached.get(pfn, 0)} slot(s)",
                        )
                    )
                if page.has_private:
                    out.append((REFCOUNT, f"pfn {pfn}: buffer reference does not match PG_private"))
            else:
                if sum(refs.values()) != count:
                    out.append((REFCOUNT, f"pfn {pfn}: count {count} but holders {refs}"))
                if refs.get("pte", 0) != n_present:
                    out.append(
                        (
                            REFCOUNT,
                            f"pfn {pfn}: {refs.get('pte', 0)} pte references, "
                            f"{n_present} present ptes",
                        )
                    )
                if refs.get("cache", 0) != cached.get(pfn, 0):
                    out.append(
                        (
                            REFCOUNT,
                            f"pfn {pfn}: cache reference {refs.get('cache', 0)} but in "
                            f"{cached.get(pfn, 0)} slot(s)",
                        )
                    )
                if refs.get("private", 0) != (1 if page.has_private else 0):
                    out.append((REFCOUNT, f"pfn {pfn}: buffer reference does not match PG_private"))
            if page.locked and page.lock_owner not in live_tasks:
                out.append(
                    (LOCKS_RELEASED, f"pfn {pfn} locked by {page.lock_owner}, which has finished")
                )
    return out


def _data_lost(k) -> list[tuple[str, str]]:
    """What a reader would get back must be what was written."""
    out = []
    for name in sorted(k.files):
        f = k.files[name]
        for pgoff in sorted(f.shadow):
            page = f.mapping.page_tree.get(pgoff)
            if page is not None:
                if page.locked and not page.uptodate:
                    continue  # contents in flight: a reader would sleep on the lock
                got = page.read_bytes()
            else:
                got = f.read_backing(pgoff)
            if got != bytes(f.shadow[pgoff]):
                out.append((NO_DATA_LOST, f"{name} page {pgoff} lost written bytes"))
    for pid, vpn in sorted(k.anon_shadow):
        proc = k.processes.get(pid)
        if proc is None:
            continue
        pte = proc.ptes.get(vpn)
        want = bytes(k.anon_shadow[(pid, vpn)])
        if pte is None or pte.kind in ("none", "file"):
            got = bytes(PAGE_SIZE)
        elif pte.kind in ("present", "migration"):
            got = k.pfn_to_page(pte.pfn).read_bytes()
        else:
            page = k.swap.page_tree.get(pte.offset)
            if page is not None and page.locked and not page.uptodate:
                continue  # a new swap-cache page mid-migration: do_swap_page sleeps on it
            got = (
                page.read_bytes()
                if page is not None
                else k.swap.device.get(pte.offset, bytes(PAGE_SIZE))
            )
        if got != want:
            out.append((NO_DATA_LOST, f"pid {pid} {vpn << PAGE_SHIFT:#x} lost written bytes"))
    return out
