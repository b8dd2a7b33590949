"""The fault path: how a process's access turns into a present pte.

Models mm/memory.c of 2.6.18: ``handle_mm_fault`` -> ``handle_pte_fault`` with
``do_anonymous_page``, ``do_no_page`` (via ``filemap_nopage``), ``do_file_page``
(nonlinear file ptes), ``do_swap_page`` (which sends migration entries to
``migration_entry_wait``) and ``do_wp_page`` (copy on write).

A read fault on untouched private anonymous memory maps the shared ZERO_PAGE
(``Kernel.zero_page``, no frame); the first write copies it into a real page
(``do_wp_page``). 2.6.18 takes a reference and a mapcount on the zero page and
counts it in file_rss (it is an ordinary, PG_reserved page there); 6.1 maps it as a
special pte that vm_normal_page() does not return, so nothing is counted.

``variant="modern"`` (6.1): ``migration_entry_wait`` sleeps on the page lock
without taking a reference (6.1's migration_entry_wait_on_locked(), which is the
name the trace then shows, since the behaviour differs).

Simplifications: no readahead, no page-table allocation, no accounting of
minor/major beyond ``pgfault``/``pgmajfault``; the hardware's setting of the
young and dirty bits happens in ``access_process_vm`` when the access completes.
A write through a shared file mapping marks the page dirty at once (2.6.18 does
that through its write fault for shared writable mappings).
"""

from __future__ import annotations

from errno import EFAULT

from .constants import PAGE_SHIFT, PAGE_SIZE
from .errors import OutOfMemory, SegmentationFault
from .page import get_page, is_zeros, move_ref, put_page
from .pte import PTE_NONE, Pte, is_zero_pfn, mk_pte
from .rmap import page_add_anon_rmap, page_add_file_rmap, page_remove_rmap

RETRY = "retry"


def access_process_vm(k, proc, addr: int, n: int, write: bool, data: bytes | None):
    """The CPU's access: each page is touched once its pte allows it, faulting until it does."""
    out = bytearray()
    pos = addr
    end = addr + n
    while pos < end:
        vpn = pos >> PAGE_SHIFT
        off = pos & (PAGE_SIZE - 1)
        chunk = min(PAGE_SIZE - off, end - pos)
        while True:
            # each retry re-executes the instruction: a new fault looks the vma up again
            # (remap_file_pages' 4.0 emulation may have replaced it while this slept)
            vma = proc.vma_lookup(pos)
            if vma is None:
                raise SegmentationFault(EFAULT, f"pid {proc.pid}: no mapping at {pos:#x}")
            pte = proc.ptes.get(vpn, PTE_NONE)
            if pte.kind == "present" and (pte.write or not write):
                break
            if write and not vma.write:
                # mprotect took write away while this access slept in a fault
                raise SegmentationFault(EFAULT, f"pid {proc.pid}: {pos:#x} is mapped read-only")
            rc = yield from handle_mm_fault(k, proc, vma, pos, write)
            if rc == "oops":
                return "oops"
        page = k.pfn_to_page(pte.pfn)
        if not page.reserved:  # the zero page is on no LRU list
            mark_page_accessed(page)
        if write:
            piece = data[pos - addr : pos - addr + chunk]
            page.write_bytes(off, piece)
            proc.ptes[vpn] = Pte("present", pfn=pte.pfn, write=True, young=True, dirty=True)
            if vma.file is not None and vma.shared:
                page.dirty = True
                shadow = vma.file.shadow.setdefault(
                    page.index, bytearray(vma.file.read_backing(page.index))
                )
                shadow[off : off + chunk] = piece
            else:
                shadow_anon_write(k, proc.pid, vpn, off, piece)
            what = (
                k.say
                and f"pid {proc.pid} writes {chunk} byte(s) at {pos:#x} (pfn {page.pfn}, node {page.node})"
            )
        else:
            out += page.read_bytes(off, chunk)
            if not pte.young:
                proc.ptes[vpn] = Pte(
                    "present", pfn=pte.pfn, write=pte.write, young=True, dirty=pte.dirty
                )
            what = (
                k.say
                and f"pid {proc.pid} reads {chunk} byte(s) at {pos:#x} (pfn {page.pfn}, node {page.node})"
            )
        yield k.say and (
            "access",
            what,
            {"pid": proc.pid, "addr": pos, "pfn": page.pfn, "node": page.node},
        )
        pos += chunk
    return None if write else bytes(out)


def shadow_anon_write(k, pid: int, vpn: int, off: int, piece) -> None:
    """Not kernel code: what the no-data-lost check remembers of a write to an
    anonymous page (``k.anon_shadow[pid][vpn]``). Sparse: None while every byte
    written there is zero (the page must read as zeros; nothing is kept), else a
    page-sized copy of what the page must hold. None if and only if the copy would
    be all zeros, so that the shadow is a function of what was written."""
    shadows = k.anon_shadow.get(pid)
    if shadows is None:
        shadows = k.anon_shadow[pid] = {}
    shadow = shadows.get(vpn)
    zeros = is_zeros(piece)
    if shadow is None:
        if zeros:
            shadows[vpn] = None
            return
        shadow = shadows[vpn] = bytearray(PAGE_SIZE)
    shadow[off : off + len(piece)] = piece
    if zeros and is_zeros(shadow):
        shadows[vpn] = None


def shadow_anon_page(k, pid: int, vpn: int, contents: bytes) -> None:
    """The shadow of an anonymous page whose whole contents are now ``contents`` (a
    copy on write): None for zeros, else a copy (see shadow_anon_write)."""
    k.anon_shadow.setdefault(pid, {})[vpn] = None if is_zeros(contents) else bytearray(contents)


def mark_page_accessed(page) -> None:
    """mark_page_accessed(): referenced once -> PG_referenced; twice -> PG_active."""
    if page.referenced and not page.active and page.lru:
        page.active = True
        page.referenced = False
    else:
        page.referenced = True


def alloc_page_vma(k, proc, vma=None):
    """alloc_page_vma(): a frame on the process's node, else the next nodes in order;
    under a VMA's MPOL_BIND (mbind) only on the bind nodes."""
    nodes = k.nodes
    if vma is not None and vma.policy_nodes:
        from .mempolicy import policy_nodes

        for n in policy_nodes(k, proc, vma):
            page = nodes[n].alloc_page("alloc")
            if page is not None:
                return page
        raise OutOfMemory(f"pid {proc.pid}: the bind nodes of {vma!r} have no free frame")
    for i in range(len(nodes)):
        page = nodes[(proc.node + i) % len(nodes)].alloc_page("alloc")
        if page is not None:
            return page
    raise OutOfMemory(f"pid {proc.pid}: no node has a free frame (the OOM killer would run)")


def handle_mm_fault(k, proc, vma, address: int, write: bool):
    """handle_mm_fault() -> handle_pte_fault(): dispatch on the pte's state."""
    k.vmstat["pgfault"] += 1
    vpn = address >> PAGE_SHIFT
    pte = proc.ptes.get(vpn, PTE_NONE)
    if vpn in proc.unmapped_by_migration and pte.kind in ("none", "file"):
        proc.unmapped_by_migration.discard(vpn)
        k.vmstat["pgmigrate_refault"] += 1
    if pte.kind == "present":
        return (yield from do_wp_page(k, proc, vma, address, pte))
    if pte.kind == "none":
        if vma.file is None:
            return (yield from do_anonymous_page(k, proc, vma, address, write))
        return (yield from do_no_page(k, proc, vma, address, write, vma.linear_page_index(address)))
    if pte.kind == "file":
        return (yield from do_file_page(k, proc, vma, address, write, pte))
    return (yield from do_swap_page(k, proc, vma, address, write, pte))


def zero_page_counted(k) -> bool:
    """Whether ptes to the zero page hold a reference and a mapcount on it: in 2.6.18
    the ZERO_PAGE is a normal (PG_reserved) page; 6.1 maps it with a special pte
    (vm_normal_page() returns NULL for it), so nothing is counted."""
    return k.variant != "modern"


def do_anonymous_page(k, proc, vma, address: int, write: bool):
    """do_anonymous_page(): a write gets a zeroed page of its own; a read maps the
    shared ZERO_PAGE read-only, without an anon_vma and without a frame (2.6.18:
    page_cache_get + page_add_file_rmap + file_rss; 6.1: a special pte)."""
    if not write:
        zero = k.zero_page
        if zero_page_counted(k):
            get_page(zero, "pte")
            page_add_file_rmap(zero)
            proc.file_rss += 1
        proc.ptes[address >> PAGE_SHIFT] = mk_pte(zero.pfn, False, young=True)
        yield k.say and (
            "do_anonymous_page",
            f"pid {proc.pid} {address:#x}: read of untouched anonymous memory: map the "
            "ZERO_PAGE read-only (no frame)",
            {"pid": proc.pid, "addr": address, "pfn": zero.pfn, "node": zero.node},
        )
        return None
    proc.anon_vma_prepare(vma)
    page = alloc_page_vma(k, proc, vma)
    page.uptodate = True
    page.lru = True
    move_ref(page, "alloc", "pte")  # the allocation reference becomes the pte's
    page_add_anon_rmap(page, vma, address)
    proc.anon_rss += 1
    proc.ptes[address >> PAGE_SHIFT] = mk_pte(page.pfn, vma.write, young=True, dirty=write)
    yield k.say and (
        "do_anonymous_page",
        f"pid {proc.pid} {address:#x}: new anonymous page pfn {page.pfn} on node {page.node}",
        {"pid": proc.pid, "addr": address, "pfn": page.pfn, "node": page.node},
    )
    return None


def find_or_read_page(k, proc, file, pgoff: int):
    """find_get_page(), else page_cache_read(): the page-cache page for pgoff, locked
    waits included. Returns the page with a ``lookup`` reference held."""
    mapping = file.mapping
    while True:
        page = mapping.find_get_page(pgoff)
        if page is None:
            page = alloc_page_vma(k, proc)
            data = file.backing.get(pgoff)
            if data is not None:
                page.data = bytearray(data)
                page.mappedtodisk = True
            page.uptodate = True
            page.lru = True
            page.mapping = mapping
            page.index = pgoff
            if file.buffers:
                page.has_private = True
                page.private = 1
                get_page(page, "private")
            mapping.page_tree[pgoff] = page
            move_ref(page, "alloc", "cache")  # add_to_page_cache's reference
            get_page(page, "lookup")
            k.vmstat["pgmajfault"] += 1
            yield k.say and (
                "page_cache_read",
                f"{file.name} page {pgoff}: read from the backing store into pfn {page.pfn} "
                f"(node {page.node})",
                {"pid": proc.pid, "pgoff": pgoff, "pfn": page.pfn, "node": page.node},
            )
            return page
        if page.uptodate:
            get_page(page, "lookup")
            return page
        # A page not yet uptodate: during migration the new page sits in the slot,
        # locked, before its contents are copied. filemap_nopage sleeps on it.
        get_page(page, "lookup")
        yield from k.wait_on_page_locked(page, "filemap_nopage")
        put_page(page, "lookup", k)


def do_no_page(k, proc, vma, address: int, write: bool, pgoff: int, orig: Pte | None = None):
    """do_no_page() with filemap_nopage(): map the page-cache page (copy it for a
    private write: the first write to a private file mapping is a COW).

    ``orig`` is the pte the fault saw. Reading the page may sleep, so, as the kernel
    does under the pte lock, the pte is checked again afterwards: if another fault
    (or migration) changed it meanwhile, the page is released and the fault retried."""
    file = vma.file
    vpn = address >> PAGE_SHIFT
    if orig is None:
        orig = proc.ptes.get(vpn, PTE_NONE)
    page = yield from find_or_read_page(k, proc, file, pgoff)
    now = proc.ptes.get(vpn, PTE_NONE)
    if now is not orig and now != orig:
        put_page(page, "lookup", k)
        return RETRY
    if write and not vma.shared:
        # COW straight away: an anonymous copy.
        proc.anon_vma_prepare(vma)
        new = alloc_page_vma(k, proc, vma)
        new.data = bytearray(page.read_bytes())
        new.uptodate = True
        new.lru = True
        move_ref(new, "alloc", "pte")
        put_page(page, "lookup", k)
        page_add_anon_rmap(new, vma, address)
        proc.anon_rss += 1
        proc.ptes[vpn] = mk_pte(new.pfn, True, young=True, dirty=True)
        shadow_anon_page(k, proc.pid, vpn, new.read_bytes())
        yield k.say and (
            "do_no_page",
            f"pid {proc.pid} {address:#x}: private write: copy of {file.name} page {pgoff} "
            f"into anonymous pfn {new.pfn}",
            {"pid": proc.pid, "addr": address, "pfn": new.pfn, "node": new.node},
        )
        return None
    move_ref(page, "lookup", "pte")  # the lookup reference becomes the pte's
    page_add_file_rmap(page)
    proc.file_rss += 1
    proc.ptes[vpn] = mk_pte(page.pfn, vma.write and vma.shared, young=True, dirty=write)
    if write:
        page.dirty = True
    yield k.say and (
        "do_no_page",
        f"pid {proc.pid} {address:#x}: map {file.name} page {pgoff} (pfn {page.pfn}, node {page.node})",
        {"pid": proc.pid, "addr": address, "pfn": page.pfn, "node": page.node, "pgoff": pgoff},
    )
    return None


def do_file_page(k, proc, vma, address: int, write: bool, pte: Pte):
    """do_file_page(): a nonlinear file pte; populate the remembered offset."""
    yield k.say and (
        "do_file_page",
        f"pid {proc.pid} {address:#x}: nonlinear file pte, offset {pte.pgoff}",
        {"pid": proc.pid, "addr": address, "pgoff": pte.pgoff},
    )
    return (yield from do_no_page(k, proc, vma, address, write, pte.pgoff, orig=pte))


def do_swap_page(k, proc, vma, address: int, write: bool, pte: Pte):
    """do_swap_page(): a migration entry waits for the migration; a swap entry swaps in."""
    if pte.kind == "migration":
        return (yield from migration_entry_wait(k, proc, address))
    slot = pte.offset
    swap = k.swap
    page = swap.page_tree.get(slot)
    if page is None:
        page = alloc_page_vma(k, proc, vma)
        page.data = bytearray(swap.device.get(slot, bytes(PAGE_SIZE)))
        page.uptodate = True
        page.lru = True
        page.swapcache = True
        page.private = slot
        proc.anon_vma_prepare(vma)
        page.mapping = vma.anon_vma
        page.index = vma.linear_page_index(address)
        swap.page_tree[slot] = page
        move_ref(page, "alloc", "cache")
        k.vmstat["pgmajfault"] += 1
    if page.locked:
        get_page(page, "lookup")
        yield from k.wait_on_page_locked(page, "do_swap_page")
        put_page(page, "lookup", k)
        return RETRY
    get_page(page, "pte")
    page_add_anon_rmap(page, vma, address)
    swap.swap_free(slot)
    proc.anon_rss += 1
    proc.ptes[address >> PAGE_SHIFT] = mk_pte(page.pfn, False, young=True)
    yield k.say and (
        "do_swap_page",
        f"pid {proc.pid} {address:#x}: swap entry {slot} -> swap-cache pfn {page.pfn} (node {page.node})",
        {"pid": proc.pid, "addr": address, "pfn": page.pfn, "node": page.node},
    )
    return None


def migration_entry_wait(k, proc, address: int):
    """migration_entry_wait(): sleep on the old page's lock, then retry the fault.

    ``migration_entry_to_page`` BUGs if that page is not locked: a migration entry
    must only ever point at a locked page. Under ``variant="unsafe-writeout"``
    writepage can unlock it, and a fault in that window hits the BUG.
    2.6.18 holds a reference on the old page while it sleeps (so a migration that
    checks the count meanwhile sees one too many and retries); 6.1's
    migration_entry_wait_on_locked() sleeps on the lock bit without one.
    """
    vpn = address >> PAGE_SHIFT
    pte = proc.ptes.get(vpn, PTE_NONE)
    if pte.kind != "migration":
        return RETRY
    page = k.pfn_to_page(pte.pfn)
    if not page.locked:
        k.oops(
            "migration_entry_to_page",
            f"pid {proc.pid} {address:#x}: BUG_ON(!PageLocked(pfn {page.pfn})): a migration "
            "entry points at an unlocked page",
            {"pid": proc.pid, "addr": address, "pfn": page.pfn},
        )
        yield k.say and (
            "migration_entry_to_page",
            f"kernel BUG: pid {proc.pid} killed (oops) faulting at {address:#x}",
            {"pid": proc.pid, "addr": address, "pfn": page.pfn, "bug": True},
        )
        return "oops"
    k.vmstat["pgmigrate_entry_wait"] += 1
    if k.variant == "modern":
        func = "migration_entry_wait_on_locked"
        yield from k.wait_on_page_locked(page, func, pid=proc.pid, addr=address)
    else:
        func = "migration_entry_wait"
        get_page(page, "wait")
        yield from k.wait_on_page_locked(page, func, pid=proc.pid, addr=address)
        put_page(page, "wait", k)
    yield k.say and (
        func,
        f"pid {proc.pid} {address:#x}: pfn {page.pfn} unlocked; retry the fault",
        {"pid": proc.pid, "addr": address, "pfn": page.pfn},
    )
    return RETRY


def do_wp_page(k, proc, vma, address: int, pte: Pte):
    """do_wp_page(): a write to a present read-only pte.

    A shared writable mapping just gains write. A private mapping reuses an
    anonymous page only this process maps, and only if it gets the page lock
    (2.6.18 tests can_share_swap_page() under TestSetPageLocked: a page that
    migration holds locked may have migration entries mapcount does not count);
    otherwise it copies (COW).
    """
    vpn = address >> PAGE_SHIFT
    old = k.pfn_to_page(pte.pfn)
    if not vma.write:
        raise AssertionError("write to a read-only vma reached do_wp_page")
    if is_zero_pfn(pte.pfn):
        return (yield from _cow_zero_page(k, proc, vma, address))
    if vma.shared or (old.anon and old.mapcount == 1 and not old.swapcache and not old.locked):
        proc.ptes[vpn] = Pte("present", pfn=pte.pfn, write=True, young=True, dirty=True)
        yield k.say and (
            "do_wp_page",
            f"pid {proc.pid} {address:#x}: pfn {old.pfn} made writable (reuse)",
            {"pid": proc.pid, "addr": address, "pfn": old.pfn},
        )
        return None
    proc.anon_vma_prepare(vma)
    new = alloc_page_vma(k, proc, vma)
    new.data = bytearray(old.read_bytes())
    new.uptodate = True
    new.lru = True
    move_ref(new, "alloc", "pte")
    page_remove_rmap(old)
    if old.anon:
        proc.anon_rss -= 1
    else:
        proc.file_rss -= 1
    put_page(old, "pte", k)
    page_add_anon_rmap(new, vma, address)
    proc.anon_rss += 1
    proc.ptes[vpn] = mk_pte(new.pfn, True, young=True, dirty=True)
    shadow_anon_page(k, proc.pid, vpn, new.read_bytes())
    yield k.say and (
        "do_wp_page",
        f"pid {proc.pid} {address:#x}: copy on write pfn {old.pfn} -> pfn {new.pfn}",
        {"pid": proc.pid, "addr": address, "pfn": new.pfn, "node": new.node},
    )
    return None


def _cow_zero_page(k, proc, vma, address: int):
    """do_wp_page() on the ZERO_PAGE: a zeroed page of the process's own
    (alloc_zeroed_user_highpage; nothing to copy). 2.6.18 drops the zero page's
    rmap and reference and moves the rss from file to anon; 6.1 counted nothing."""
    vpn = address >> PAGE_SHIFT
    zero = k.zero_page
    proc.anon_vma_prepare(vma)
    new = alloc_page_vma(k, proc, vma)
    new.uptodate = True
    new.lru = True
    move_ref(new, "alloc", "pte")
    if zero_page_counted(k):
        page_remove_rmap(zero)
        proc.file_rss -= 1
        put_page(zero, "pte", k)
    page_add_anon_rmap(new, vma, address)
    proc.anon_rss += 1
    proc.ptes[vpn] = mk_pte(new.pfn, True, young=True, dirty=True)
    k.anon_shadow.setdefault(proc.pid, {}).setdefault(vpn, None)  # zeros: nothing kept
    yield k.say and (
        "do_wp_page",
        f"pid {proc.pid} {address:#x}: write to the ZERO_PAGE: new zeroed pfn {new.pfn} "
        f"(node {new.node})",
        {"pid": proc.pid, "addr": address, "pfn": new.pfn, "node": new.node},
    )
    return None
