"""The rules the kernel relies on, checkable at any moment (kernel-facts section D).

Not a kernel file: the kernel states these as BUG_ON()s and comments
(``make_migration_entry``/``migration_entry_to_page`` BUG unless the page is
locked; mapcount and refcount bookkeeping in rmap.c; the radix-tree switch under
tree_lock). ``violations(k)`` returns every broken rule as (rule, details).
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import chain
from operator import attrgetter, countOf

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
    each VMA's bounds), not through every address of every VMA.

    Two passes of the same rules: :func:`_sound` first tries to show that nothing is
    broken, a VMA's ptes or a process's written pages at a time, in whole-list
    operations where it can (most of a machine is pages mapped once, with nothing
    in flight); only when it cannot does :func:`_walk` run, which names every
    broken rule in order (so the answer is the same either way). A small machine
    (fewer than _BULK_FROM frames: the book's, the explorer's) goes straight to the
    walk, which is quicker there."""
    if len(k.mem_map) >= _BULK_FROM and _sound(k):
        return []
    return _walk(k)


_BULK_FROM = 2048  # frames from which violations() tries the bulk pass first


def _walk(k) -> list[tuple[str, str]]:
    """Every broken rule, object by object (what violations() returns when _sound
    cannot show that none is)."""
    cached, cache_out = _page_caches(k)
    present, out = _page_tables(k)
    out += cache_out
    out += _frames(k, present, cached)
    out += _zero_page(k, present.get(k.zero_page.pfn, 0))
    out += _data_lost(k)
    return out


_DATA = attrgetter("data")
_PTE_ONLY = {"pte": 1}  # the holders of a page mapped once and by nothing else


def _sound(k) -> bool:
    """True if no rule is broken, shown cheaply; False if some rule may be broken
    (then the walk of :func:`violations` finds which). The same rules as the walk,
    checked in bulk where the machine is plain:

    * a VMA whose ptes are all present (and, in a read-only VMA, none writable) is
      checked as the list of the pfns they map, made by one comprehension; any other
      VMA goes through the walk's own loop (:func:`_walk_ptes`), which must find
      nothing;
    * the frames are sorted by one comprehension into three kinds: a page mapped
      once by an unlocked pte and held by nothing else (its pfn is kept), a clean
      free frame (nothing kept) and the rest, which are few and checked one by one;
    * each frame in use is checked as if the present ptes that map it were its
      mapcount; that holds for every frame at once when the pfns of the present
      ptes, sorted, equal the frames' pfns each repeated mapcount times;
    * a process whose written pages are exactly its ptes, all checked in bulk,
      compares the pages' contents with its shadow as two lists (None, zeros, is
      one load); otherwise page by page."""
    cached, out = _page_caches(k)
    if out:
        return False
    frames = k.mem_map
    parts: list[list[int]] = []  # the pfns of the present ptes to frames, VMA by VMA
    walked: list[int] = []  # those of the VMAs walked pte by pte
    cow_writes = []  # (ptes of cow VMAs that may write): need the shared frames
    zero_ptes = 0
    bulk_pfns: dict[int, tuple] = {}  # pid -> (its vpns, the pfns they map), all plain
    plain = []  # (pid, vma, vpns, pfns) of every VMA checked in bulk
    for pid in sorted(k.processes):
        proc = k.processes[pid]
        ptes = proc.ptes
        if not ptes:
            continue
        if len(proc.vmas) == 1:
            # one VMA: its ptes in the dict's order, in one pass, if all lie inside it
            vma = proc.vmas[0]
            lo, hi = vma.start >> PAGE_SHIFT, vma.end >> PAGE_SHIFT
            if vma.write:
                pfns = [
                    pte.pfn for vpn, pte in ptes.items() if lo <= vpn < hi and pte.kind == "present"
                ]
            else:  # a write bit to judge pte by pte
                pfns = [
                    pte.pfn
                    for vpn, pte in ptes.items()
                    if lo <= vpn < hi and pte.kind == "present" and not pte.write
                ]
            if len(pfns) == len(ptes):
                parts.append(pfns)
                plain.append((pid, vma, ptes, pfns))
                if vma.cow:
                    cow_writes.append(ptes.values())
                bulk_pfns[pid] = (ptes, pfns)
                continue
        vpns = sorted(ptes)
        whole = []  # the pfns of the process's ptes VMA by VMA, while every VMA is plain
        covered = 0
        for vma in proc.vmas:
            lo = bisect_left(vpns, vma.start >> PAGE_SHIFT)
            hi = bisect_left(vpns, vma.end >> PAGE_SHIFT, lo)
            if lo == hi:
                continue
            chunk = vpns if hi - lo == len(vpns) else vpns[lo:hi]
            vals = list(map(ptes.__getitem__, chunk))
            covered += len(chunk)
            if vma.write:
                pfns = [pte.pfn for pte in vals if pte.kind == "present"]
            else:
                pfns = [pte.pfn for pte in vals if pte.kind == "present" and not pte.write]
            if len(pfns) != len(chunk):
                present: dict[int, int] = {}
                _walk_ptes(pid, ptes, chunk, vma, frames, present, out)
                if out:
                    return False
                zero_ptes += present.pop(k.zero_page.pfn, 0)
                for pfn, n in present.items():
                    walked.extend([pfn] * n)
                whole = None
                continue
            parts.append(pfns)
            plain.append((pid, vma, chunk, pfns))
            if vma.cow:
                cow_writes.append(vals)
            if whole is not None:
                whole.append(pfns)
        if whole is not None and covered == len(vpns):
            bulk_pfns[pid] = (vpns, whole[0] if len(whole) == 1 else list(chain(*whole)))
    if walked:
        parts.append(walked)
    mapped = parts[0] if len(parts) == 1 else list(chain(*parts))
    # --- the frames, taking each mapcount for the count of present ptes ---
    with_data = False  # some frame in use holds bytes (else every page reads zeros)
    odd = []  # the frames that are neither of the two plain kinds
    keep = odd.append
    pte_only = _PTE_ONLY
    # the pfns of the pages mapped once, unlocked, held by their pte alone (the walk's
    # common case); a clean free frame falls through both tests; the rest into ``odd``
    by_mapcount = [
        page.pfn
        for page in frames
        if (
            page.count == 1
            and not page._mapcount
            and not page.locked
            and not page.has_private
            and page.refs == pte_only
            and (page.data is None or (with_data := True))
        )
        or ((page.count or page._mapcount != -1 or page.refs or page.locked) and keep(page))
    ]
    if cached:
        # a page held by its pte alone sits in no cache slot
        n = len(by_mapcount)
        for pfn in cached:
            i = bisect_left(by_mapcount, pfn)
            if i < n and by_mapcount[i] == pfn:
                return False
    live_tasks = None
    extra: list[int] = []  # the pfns of the odd frames in use, mapcount times each
    shared = []  # anonymous pages mapped more than once (COW must not write them)
    for page in odd:
        count = page.count
        if not count:
            return False  # a free frame with a mapcount, a holder or the lock
        mapcount = page._mapcount + 1
        if mapcount < 0:
            return False
        refs = page.refs
        pfn = page.pfn
        if len(refs) == 1 and refs.get("pte") == count:
            if count != mapcount or cached.get(pfn, 0) or page.has_private:
                return False
        elif (
            sum(refs.values()) != count
            or refs.get("pte", 0) != mapcount
            or refs.get("cache", 0) != cached.get(pfn, 0)
            or refs.get("private", 0) != (1 if page.has_private else 0)
        ):
            return False
        extra.extend([pfn] * mapcount)
        if page.data is not None:
            with_data = True
        if mapcount > 1 and page.anon:
            shared.append(pfn)
        if page.locked:
            if live_tasks is None:
                live_tasks = {t.name for t in k.tasks if not t.done}
            if page.lock_owner not in live_tasks:
                return False
    if extra:
        by_mapcount = sorted(by_mapcount + extra)
    if mapped != by_mapcount:  # in address order the ptes' pfns are often sorted already
        mapped = sorted(mapped)  # a copy: the lists of ``plain`` stay as they were
        if mapped and mapped[0] < 0:
            # ptes to the zero page among the plain VMAs: those VMAs pte by pte after all
            del mapped[: bisect_left(mapped, 0)]
            for pid, vma, chunk, pfns in plain:
                if min(pfns) < 0:
                    present = {}
                    _walk_ptes(pid, k.processes[pid].ptes, list(chunk), vma, frames, present, out)
                    if out:
                        return False
                    zero_ptes += present.pop(k.zero_page.pfn, 0)
                    bulk_pfns.pop(pid, None)  # its shadow is checked page by page
        if mapped != by_mapcount:
            # some frame's mapcount is not its present ptes (or a free frame is mapped)
            return False
    if shared and cow_writes:
        shared_set = set(shared)
        for vals in cow_writes:
            for pte in vals:
                if pte.write and pte.pfn in shared_set:
                    return False
    if _zero_page(k, zero_ptes):
        return False
    # --- no byte written is lost ---
    for name in sorted(k.files):
        f = k.files[name]
        for pgoff in f.shadow:
            want = f.shadow[pgoff]
            page = f.mapping.page_tree.get(pgoff)
            if page is not None:
                if page.locked and not page.uptodate:
                    continue
                if not _holds(page, want):
                    return False
            elif f.read_backing(pgoff) != want:
                return False
    for pid, shadows in k.anon_shadow.items():
        proc = k.processes.get(pid)
        if proc is None or not shadows:
            continue
        bulk = bulk_pfns.get(pid)
        if bulk is not None and not with_data:
            # every pte maps a frame in use and no such frame holds a byte: all zeros
            if countOf(shadows.values(), None) == len(shadows):
                continue
        elif bulk is not None and len(shadows) == len(bulk[0]):
            vpns, pfns = bulk
            vpns = list(vpns)  # the dict's keys (one VMA) or the sorted vpns
            # every present pte was written, and only those: contents against shadows
            if list(shadows) == vpns:
                wants = list(shadows.values())
            else:
                try:
                    wants = list(map(shadows.__getitem__, vpns))
                except KeyError:
                    wants = None
            if wants is not None and list(map(_DATA, map(frames.__getitem__, pfns))) == wants:
                continue
        for vpn, want in shadows.items():
            if not _anon_holds(k, proc, vpn, want, frames):
                return False
    return True


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
    frames = k.mem_map  # by pfn (pfn_to_page)
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
            if lo != hi:
                _walk_ptes(pid, ptes, vpns[lo:hi], vma, frames, present, out)
    return present, out


def _walk_ptes(pid, ptes, vpns, vma, frames, present, out) -> None:
    """The ptes ``vpns`` of one VMA: count present ptes per pfn into ``present``,
    append what is broken to ``out``."""
    vwrite, cow, nonlinear = vma.write, vma.cow, vma.nonlinear
    for vpn in vpns:
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
                            f"pid {pid} {vpn << PAGE_SHIFT:#x}: writable pte to the zero page",
                        )
                    )
                continue
            page = frames[pfn]
            if page.count == 0:
                out.append((FREE_FRAMES, f"pid {pid} {vpn << PAGE_SHIFT:#x} maps free pfn {pfn}"))
            if pte.write:
                if not vwrite:
                    out.append(
                        (
                            WRITE_PERMISSION,
                            f"pid {pid} {vpn << PAGE_SHIFT:#x}: writable pte in a read-only vma",
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


_ZEROS = bytes(PAGE_SIZE)


def _holds(page, want) -> bool:
    """page's contents equal ``want`` (a page's worth of bytes, or None for zeros),
    compared in place: no copy of either side (a page never written holds zeros)."""
    data = page.data
    if data is None:
        return want is None or want == _ZEROS
    return data == (_ZEROS if want is None else want)


def _data_lost(k) -> list[tuple[str, str]]:
    """What a reader would get back must be what was written."""
    out = []
    for name in sorted(k.files):
        f = k.files[name]
        for pgoff in sorted(f.shadow):
            want = f.shadow[pgoff]
            page = f.mapping.page_tree.get(pgoff)
            if page is not None:
                if page.locked and not page.uptodate:
                    continue  # contents in flight: a reader would sleep on the lock
                ok = _holds(page, want)
            else:
                ok = f.read_backing(pgoff) == want
            if not ok:
                out.append((NO_DATA_LOST, f"{name} page {pgoff} lost written bytes"))
    frames = k.mem_map
    for pid in sorted(k.anon_shadow):
        proc = k.processes.get(pid)
        if proc is None:
            continue
        shadows = k.anon_shadow[pid]
        for vpn in sorted(shadows):
            if not _anon_holds(k, proc, vpn, shadows[vpn], frames):
                out.append((NO_DATA_LOST, f"pid {pid} {vpn << PAGE_SHIFT:#x} lost written bytes"))
    return out


def _anon_holds(k, proc, vpn, want, frames) -> bool:
    """A read of the anonymous page at ``vpn`` would return ``want`` (None: zeros),
    or it cannot be read now (its contents are in flight)."""
    pte = proc.ptes.get(vpn)
    kind = pte.kind if pte is not None else "none"
    if kind == "present" or kind == "migration":
        pfn = pte.pfn
        return _holds(frames[pfn] if pfn >= 0 else k.zero_page, want)
    if kind == "none" or kind == "file":
        return want is None or want == _ZEROS
    page = k.swap.page_tree.get(pte.offset)
    if page is not None and page.locked and not page.uptodate:
        return True  # a new swap-cache page mid-migration: do_swap_page sleeps on it
    if page is not None:
        return _holds(page, want)
    return k.swap.device.get(pte.offset, _ZEROS) == (_ZEROS if want is None else want)
