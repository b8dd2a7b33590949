"""Page migration: the pass loop, unmap-and-move, the address_space methods, and
restoring migration entries.

Models mm/migrate.c of 2.6.18 with the seed patch applied:
``migrate_prep``, ``isolate_lru_page``, ``putback_lru_pages``, ``move_to_lru``,
``migrate_pages``, ``unmap_and_move``, ``move_to_new_page``, ``migrate_page``,
``migrate_page_move_mapping``, ``migrate_page_copy``, ``buffer_migrate_page``,
``fallback_migrate_page``, ``writeout``, ``remove_migration_ptes``,
``remove_anon_migration_ptes``, ``remove_file_migration_ptes`` and
``remove_migration_pte``. ``variant="before-patch"`` runs the code as it was
before the patch (file ptes dropped at unmap; ``pageout()`` in the fallback);
``variant="unsafe-writeout"`` calls writepage with migration entries in place.

``variant="modern"`` (Linux 6.1) switches a few rules on the same code: a page
freed under us is found before a new page is allocated (6.1's unmap_and_move);
writeout() relocks the page before it returns -EIO; restored ptes keep their
young/dirty bits (remove_migration_pte). 6.1 calls these functions migrate_folio,
folio_migrate_mapping, move_to_new_folio, try_to_migrate ... and leaves the
putback to the caller (putback_movable_pages); the trace keeps the 2.6.18 names
where only the name changed, so that the two histories line up step by step, and
uses 6.1's names where the behaviour differs (see move_pages.py, memory.py).
6.1 in MIGRATE_SYNC (what move_pages and migrate_pages use) runs the same ten
passes with ``force`` from pass 3; its batched unmap came in 6.3.

Labs: ``writeout``, the ``remove_*migration_pte*`` functions and
``migrate_page_move_mapping`` are called through ``k.fn``, so that a lab can
run the reader's version on one kernel (``Kernel.replace``, see ``pagemig.replace``).

Simplifications: the per-cpu pagevecs are always drained (``migrate_prep`` is a
step that does nothing else); LRU lists are the PG_lru flag; the locks other than
the page lock are implicit because each step is atomic.
"""

from __future__ import annotations

from errno import EAGAIN, EINVAL, EIO, ENOMEM

from .constants import AOP_WRITEPAGE_ACTIVATE, MIGRATE_PASSES, PAGE_SHIFT, POLITE_PASSES
from .fs import clear_page_dirty_for_io, try_to_release_page, writepage
from .page import Page, PageList, copy_page_flags, get_page, put_page
from .pte import PTE_NONE, mk_pte
from .rmap import (
    AnonVma,
    page_add_anon_rmap,
    page_add_file_rmap,
    page_address_in_vma,
    page_mapping,
    spin_lock,
    spin_unlock,
    try_to_unmap,
    vma_prio_tree_foreach,
)


def migrate_prep(k):
    """migrate_prep(): lru_add_drain_all(), so that pages in per-cpu pagevecs can be isolated."""
    if k.variant == "modern":
        yield k.say and (
            "migrate_prep",
            "lru_cache_disable(): per-cpu LRU caches drained and bypassed",
            {},
        )
    else:
        yield k.say and ("migrate_prep", "lru_add_drain_all(): per-cpu pagevecs drained", {})


def isolate_lru_page(k, page: Page, lst: list) -> int:
    """isolate_lru_page(): take the page off the LRU onto ``lst`` (+1 reference), or -EBUSY."""
    if not page.lru:
        return -16  # -EBUSY
    get_page(page, "isolate")
    page.lru = False
    lst.append(page)
    return 0


def move_to_lru(k, page: Page, why: str) -> None:
    """move_to_lru(): back on an LRU list, dropping the reference ``why`` (the last one frees)."""
    page.lru = True
    put_page(page, why, k)  # a freed frame loses PG_lru with everything else


def putback_lru_pages(k, lst: list):
    """putback_lru_pages(): every page still on the list goes back to the LRU."""
    count = 0
    for page in list(lst):
        lst.remove(page)
        freed = page.count == 1
        move_to_lru(k, page, "isolate")
        count += 1
        yield k.say and (
            "putback_lru_pages",
            f"pfn {page.pfn} {'freed (nobody else held it)' if freed else 'back on the LRU'}",
            {"pfn": page.pfn},
        )
    return count


def migrate_pages(k, from_list: PageList, get_new_page, private=None):
    """migrate_pages(from, get_new_page, private): up to 10 passes over the list.

    ``from_list`` is a ``PageList`` (list_head: every membership test and removal
    costs the same at any length); a plain list is copied into one, and emptied at
    the end as the kernel's list is.

    Passes 0-2 are polite (trylock, skip pages under writeback); 3-9 are forced
    (sleep on the lock, wait for writeback). Returns -ENOMEM, or the number of
    pages not migrated: permanent failures plus pages still -EAGAIN in the last
    pass. Pages left on the list are put back on the LRU.
    """
    retry = 1
    nr_failed = 0
    nr_succeeded = 0
    if not isinstance(from_list, PageList):
        caller_list, from_list = from_list, PageList(from_list)
    else:
        caller_list = None
    freed_under_us: set[Page] = set()
    rc = 0
    for pass_ in range(MIGRATE_PASSES):
        if not retry:
            break
        retry = 0
        force = pass_ >= POLITE_PASSES
        yield k.say and (
            "migrate_pages",
            f"pass {pass_} ({'forced' if force else 'polite'}): {len(from_list)} page(s) on the list",
            {"pass": pass_, "pages": len(from_list)},
        )
        for page in list(from_list):
            if page not in from_list:
                continue
            rc = yield from unmap_and_move(k, get_new_page, private, page, force, pass_, from_list)
            if rc == -ENOMEM:
                break
            if rc == -EAGAIN:
                retry += 1
            elif rc == 0:
                if page not in from_list:
                    nr_succeeded += 1
                else:
                    freed_under_us.add(page)
            else:
                nr_failed += 1
        if rc == -ENOMEM:
            break
    if rc != -ENOMEM:
        rc = 0
    nr_succeeded += len(freed_under_us)
    yield from putback_lru_pages(k, from_list)
    if caller_list is not None:
        caller_list.clear()  # putback emptied the list, as it empties the kernel's
    k.vmstat["pgmigrate_success"] += nr_succeeded
    k.vmstat["pgmigrate_fail"] += nr_failed + retry
    result = rc if rc else nr_failed + retry
    yield k.say and (
        "migrate_pages",
        f"done: returns {result} ({nr_succeeded} moved, {nr_failed} failed, {retry} still busy)"
        if result >= 0
        else "done: returns -ENOMEM (no free frame on the target node)",
        {"rc": result, "succeeded": nr_succeeded, "failed": nr_failed, "retry": retry},
    )
    return result


def unmap_and_move(
    k, get_new_page, private, page: Page, force: bool, pass_: int, from_list: PageList
):
    """unmap_and_move(): lock, unmap into migration entries, move, restore or roll back."""
    if k.variant == "modern" and page.count == 1:
        # 6.1 checks before it allocates: the page goes (freed now), nothing moves.
        yield k.say and (
            "unmap_and_move",
            f"pfn {page.pfn}: freed under us (count 1): nothing to move, no new page",
            {"pfn": page.pfn, "pass": pass_, "rc": 0},
        )
        from_list.remove(page)
        put_page(page, "isolate", k)
        return 0
    newpage, result = get_new_page(k, page, private)
    if newpage is None:
        yield k.say and (
            "unmap_and_move",
            f"pfn {page.pfn}: no free frame on the target node: -ENOMEM",
            {"pfn": page.pfn, "pass": pass_, "rc": -ENOMEM},
        )
        return -ENOMEM
    yield k.say and (
        "unmap_and_move",
        f"pfn {page.pfn} (node {page.node}) -> new pfn {newpage.pfn} (node {newpage.node})",
        _data(page, pass_, newpage),
    )
    rc = 0
    if page.count == 1:
        # Only our isolation reference is left: the page was freed under us.
        yield k.say and (
            "unmap_and_move",
            f"pfn {page.pfn}: freed under us (count 1): nothing to move",
            _data(page, pass_, newpage),
        )
        return (yield from _move_newpage(k, page, newpage, rc, result, pass_))
    rc = -EAGAIN
    if page.locked:
        if not force:
            yield k.say and (
                "unmap_and_move",
                f"pfn {page.pfn}: locked by {page.lock_owner}: skip (polite pass): -EAGAIN",
                _data(page, pass_, newpage, rc=rc),
            )
            return (yield from _move_newpage(k, page, newpage, rc, result, pass_))
        yield from k.lock_page(page, "unmap_and_move")
    else:
        k.trylock_page(page)
        yield k.say and (
            "unmap_and_move",
            f"pfn {page.pfn}: page locked (TestSetPageLocked)",
            _data(page, pass_, newpage),
        )
    locked_ok = True
    if page.writeback:
        if not force:
            yield k.say and (
                "unmap_and_move",
                f"pfn {page.pfn}: under writeback: skip (polite pass): -EAGAIN",
                _data(page, pass_, newpage, rc=rc),
            )
            locked_ok = False
        else:
            yield from k.wait_on_page_writeback(page, "unmap_and_move")
    if locked_ok:
        yield from try_to_unmap(k, page, migration=True)
        if page._mapcount < 0:  # !page_mapped()
            rc = yield from move_to_new_page(k, newpage, page)
        else:
            yield k.say and (
                "unmap_and_move",
                f"pfn {page.pfn}: still mapped by {page.mapcount} pte(s) after unmap: -EAGAIN",
                _data(page, pass_, newpage, rc=rc),
            )
        if rc != 0:
            yield from k.fn.remove_migration_ptes(k, page, page)
    if page.locked:
        k.unlock_page(page)
    else:
        k.oops(
            "unlock_page",
            f"pfn {page.pfn}: unlock_page of an unlocked page (2.6.18 bug: writeout returned -EIO "
            "without relocking)",
            {"pfn": page.pfn},
            fatal=False,
        )
    yield k.say and (
        "unmap_and_move",
        f"pfn {page.pfn}: page unlocked (rc {_rcname(rc)})",
        _data(page, pass_, newpage, rc=rc),
    )
    if rc != -EAGAIN:
        from_list.remove(page)
        move_to_lru(k, page, "isolate")
    return (yield from _move_newpage(k, page, newpage, rc, result, pass_))


def _data(page, pass_, newpage, **more) -> dict:
    """unmap_and_move's event data (built inside the yield, only when someone records it)."""
    return {"pfn": page.pfn, "pass": pass_, "newpfn": newpage.pfn, **more}


def _move_newpage(k, page, newpage, rc, result, pass_):
    """unmap_and_move's move_newpage label: the new page joins the LRU or is freed."""
    node = newpage.node
    move_to_lru(k, newpage, "alloc")
    if result is not None:
        result[0][result[1]] = rc if rc else node
    if rc == 0:
        yield k.say and (
            "unmap_and_move",
            f"pfn {page.pfn}: migrated to node {node}",
            _data(page, pass_, newpage, rc=0, node=node),
        )
    return rc


def _rcname(rc: int) -> str:
    names = {0: "0", -EAGAIN: "-EAGAIN", -EIO: "-EIO", -EINVAL: "-EINVAL", -ENOMEM: "-ENOMEM"}
    return names.get(rc, str(rc))


def move_to_new_page(k, newpage: Page, page: Page):
    """move_to_new_page(): lock the new page, let the mapping move it, restore the ptes."""
    if not k.trylock_page(newpage):
        raise AssertionError("move_to_new_page: newpage already locked")
    newpage.index = page.index
    newpage.mapping = page.mapping
    mapping = page_mapping(k, page)
    if mapping is None:
        method = "migrate_page"
    else:
        method = mapping.migratepage or "fallback_migrate_page"
    yield k.say and (
        "move_to_new_page",
        f"new pfn {newpage.pfn} locked; mapping and index set; calling {method}",
        {"pfn": page.pfn, "newpfn": newpage.pfn, "method": method},
    )
    if method == "migrate_page":
        rc = yield from migrate_page(k, mapping, newpage, page)
    elif method == "buffer_migrate_page":
        rc = yield from buffer_migrate_page(k, mapping, newpage, page)
    else:
        rc = yield from fallback_migrate_page(k, mapping, newpage, page)
    if rc == 0:
        yield from k.fn.remove_migration_ptes(k, page, newpage)
    else:
        newpage.mapping = None
    k.unlock_page(newpage)
    return rc


def migrate_page(k, mapping, newpage: Page, page: Page):
    """migrate_page(): switch the mapping's slot, then copy contents and flags."""
    if page.writeback:
        raise AssertionError("migrate_page on a page under writeback")
    rc = yield from k.fn.migrate_page_move_mapping(k, mapping, newpage, page)
    if rc:
        return rc
    yield from migrate_page_copy(k, newpage, page)
    return 0


def migrate_page_move_mapping(k, mapping, newpage: Page, page: Page):
    """migrate_page_move_mapping(): the reference-count gate and the atomic slot switch."""
    count = page.count  # the count the gate saw, for the events' data
    if mapping is None:
        if page.count != 1:
            yield k.say and (
                "migrate_page_move_mapping",
                f"pfn {page.pfn}: count {page.count}, expected 1 (someone holds a reference): -EAGAIN",
                {
                    "pfn": page.pfn,
                    "newpfn": newpage.pfn,
                    "count": count,
                    "expected": 1,
                    "rc": -EAGAIN,
                },
            )
            return -EAGAIN
        yield k.say and (
            "migrate_page_move_mapping",
            f"pfn {page.pfn}: count 1 as expected (anonymous, no mapping)",
            {"pfn": page.pfn, "newpfn": newpage.pfn, "count": count, "expected": 1},
        )
        return 0
    expected = 2 + (1 if page.has_private else 0)
    index = page.private if page.swapcache else page.index
    slot = mapping.page_tree.get(index)
    if page.count != expected or slot is not page:
        why = (
            f"count {page.count}, expected {expected}"
            if page.count != expected
            else f"slot {index} holds pfn {slot.pfn if slot else None}, not this page"
        )
        yield k.say and (
            "migrate_page_move_mapping",
            f"pfn {page.pfn}: {why}: -EAGAIN",
            {
                "pfn": page.pfn,
                "newpfn": newpage.pfn,
                "count": count,
                "expected": expected,
                "rc": -EAGAIN,
            },
        )
        return -EAGAIN
    get_page(newpage, "cache")
    if page.swapcache:
        newpage.swapcache = True
        newpage.private = page.private
    mapping.page_tree[index] = newpage
    put_page(page, "cache", k)
    yield k.say and (
        "migrate_page_move_mapping",
        f"{'swap cache' if page.swapcache else 'page cache'} slot {index}: pfn {page.pfn} -> pfn "
        f"{newpage.pfn} (count was {expected} as expected)",
        {
            "pfn": page.pfn,
            "newpfn": newpage.pfn,
            "count": count,
            "expected": expected,
            "slot": index,
        },
    )
    return 0


def migrate_page_copy(k, newpage: Page, page: Page):
    """migrate_page_copy(): contents, the flags that move, and the dirty bit."""
    if page.data is not None:
        newpage.data = bytearray(page.data)
    copy_page_flags(newpage, page)
    moved_dirty = False
    if page.dirty:
        clear_page_dirty_for_io(page)
        k.set_page_dirty(newpage)
        moved_dirty = True
    page.swapcache = False
    page.active = False
    page.has_private = False
    page.private = 0
    page.mapping = None
    if newpage.writeback:
        newpage.writeback = False
    yield k.say and (
        "migrate_page_copy",
        f"pfn {page.pfn} -> pfn {newpage.pfn}: contents and flags copied"
        + ("; dirty bit moved" if moved_dirty else ""),
        {"pfn": page.pfn, "newpfn": newpage.pfn, "flags": ",".join(newpage.flag_names())},
    )


def buffer_migrate_page(k, mapping, newpage: Page, page: Page):
    """buffer_migrate_page(): like migrate_page, and the buffer heads move with their reference."""
    if not page.has_private:
        return (yield from migrate_page(k, mapping, newpage, page))
    rc = yield from k.fn.migrate_page_move_mapping(k, mapping, newpage, page)
    if rc:
        return rc
    nbufs = page.private
    page.has_private = False
    page.private = 0
    put_page(page, "private", k)
    get_page(newpage, "private")
    newpage.has_private = True
    newpage.private = nbufs
    yield k.say and (
        "buffer_migrate_page",
        f"buffer heads of pfn {page.pfn} re-pointed to pfn {newpage.pfn} (their reference moves too)",
        {"pfn": page.pfn, "newpfn": newpage.pfn},
    )
    yield from migrate_page_copy(k, newpage, page)
    newpage.has_private = True
    newpage.private = nbufs
    return 0


def fallback_migrate_page(k, mapping, newpage: Page, page: Page):
    """fallback_migrate_page(): for a filesystem without migratepage.

    A dirty page is written out first (-EAGAIN: retried in a later pass once
    clean); buffers must be releasable; then it is an ordinary migrate_page.
    """
    if page.dirty:
        if k.variant != "before-patch":
            return (yield from k.fn.writeout(k, mapping, page))
        rc = yield from _fallback_pageout(k, mapping, page)
        if rc is not None:
            return rc
    if page.has_private and not try_to_release_page(mapping, page, k):
        yield k.say and (
            "fallback_migrate_page",
            f"pfn {page.pfn}: buffers cannot be released: -EAGAIN",
            {"pfn": page.pfn, "rc": -EAGAIN},
        )
        return -EAGAIN
    return (yield from migrate_page(k, mapping, newpage, page))


def writeout(k, mapping, page: Page):
    """writeout() (added by the seed patch): clean a dirty page by writing it.

    The patch's order: clear the dirty bit for I/O, *restore the ptes*
    (remove_migration_ptes(page, page)) because writepage may unlock the page and
    a migration entry must never point at an unlocked page, call writepage, relock.
    Always -EAGAIN (or -EIO / -EINVAL): the page migrates in a later pass.
    ``variant="unsafe-writeout"`` skips the restore, and the invariant breaks.
    """
    data = {"pfn": page.pfn}
    if mapping.writepage is None:
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: dirty and the file has no writepage: -EINVAL",
            data | {"rc": -EINVAL},
        )
        return -EINVAL
    if not clear_page_dirty_for_io(page):
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: someone else already cleaned it: -EAGAIN",
            data | {"rc": -EAGAIN},
        )
        return -EAGAIN
    k.vmstat["pgmigrate_writeout"] += 1
    yield k.say and (
        "writeout",
        f"pfn {page.pfn}: dirty: clear_page_dirty_for_io, write it out first",
        data,
    )
    if k.variant == "unsafe-writeout":
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: UNSAFE: calling writepage with migration entries still in place",
            data,
        )
    else:
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: restore the ptes before writepage (it may unlock the page)",
            data,
        )
        yield from k.fn.remove_migration_ptes(k, page, page)
    rc = yield from writepage(k, mapping, page)
    if rc < 0 and k.variant == "modern":
        yield from k.lock_page(page, "writeout")
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: writepage failed: relocked, -EIO",
            data | {"rc": -EIO},
        )
        return -EIO
    if rc < 0:
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: writepage failed: -EIO (2.6.18 returns without relocking)",
            data | {"rc": -EIO},
        )
        return -EIO
    if rc != AOP_WRITEPAGE_ACTIVATE:
        yield from k.lock_page(page, "writeout")
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: relocked after writepage: -EAGAIN (retry in a later pass)",
            data | {"rc": -EAGAIN},
        )
    else:
        yield k.say and (
            "writeout",
            f"pfn {page.pfn}: writepage kept the page (ACTIVATE): -EAGAIN",
            data | {"rc": -EAGAIN},
        )
    return -EAGAIN


def _fallback_pageout(k, mapping, page: Page):
    """Before the patch: fallback_migrate_page called vmscan's pageout() (no pte restore:
    file pages had no migration entries then)."""
    data = {"pfn": page.pfn}
    if mapping.writepage is None:
        yield k.say and (
            "pageout",
            f"pfn {page.pfn}: no writepage: PAGE_ACTIVATE -> -EAGAIN",
            data | {"rc": -EAGAIN},
        )
        return -EAGAIN
    if not clear_page_dirty_for_io(page):
        yield k.say and ("pageout", f"pfn {page.pfn}: PAGE_CLEAN: migrate it", data)
        return None
    k.vmstat["pgmigrate_writeout"] += 1
    rc = yield from writepage(k, mapping, page)
    if rc == AOP_WRITEPAGE_ACTIVATE:
        yield k.say and (
            "pageout",
            f"pfn {page.pfn}: PAGE_ACTIVATE -> -EAGAIN",
            data | {"rc": -EAGAIN},
        )
        return -EAGAIN
    yield from k.lock_page(page, "fallback_migrate_page")
    yield k.say and (
        "pageout",
        f"pfn {page.pfn}: PAGE_SUCCESS: relock -> -EAGAIN",
        data | {"rc": -EAGAIN},
    )
    return -EAGAIN


def remove_migration_ptes(k, old: Page, new: Page):
    """remove_migration_ptes(old, new): every migration entry to ``old`` becomes a pte to ``new``.

    Since the patch this dispatches on PageAnon(new): the anon_vma walk, or the
    file's linear VMAs from the prio tree (nonlinear VMAs never hold entries).
    Before the patch it only knew anonymous pages.
    """
    if new.mapping.__class__ is AnonVma:  # PageAnon(new)
        yield from k.fn.remove_anon_migration_ptes(k, old, new)
    elif k.variant == "before-patch":
        yield k.say and (
            "remove_migration_ptes",
            f"pfn {new.pfn}: a file page: nothing to restore before the patch (its ptes were cleared)",
            {"pfn": old.pfn, "newpfn": new.pfn},
        )
    else:
        yield from k.fn.remove_file_migration_ptes(k, old, new)


def remove_anon_migration_ptes(k, old: Page, new: Page):
    """remove_anon_migration_ptes(): walk anon_vma->head under anon_vma->lock (a fork
    links its vma before the walk, which then reaches it, or waits until it ends and
    copies an already restored pte)."""
    anon_vma = new.mapping
    restored = 0
    restore = k.fn.remove_migration_pte
    yield from spin_lock(k, anon_vma.lock, "remove_anon_migration_ptes")
    try:
        for vma in list(anon_vma.head):
            restored += yield from restore(k, vma, old, new)
        yield k.say and (
            "remove_anon_migration_ptes",
            f"anon_vma walk: {restored} entr{'y' if restored == 1 else 'ies'} to pfn {old.pfn} now map pfn {new.pfn}",
            {"pfn": old.pfn, "newpfn": new.pfn, "restored": restored},
        )
    finally:
        spin_unlock(anon_vma.lock)


def remove_file_migration_ptes(k, old: Page, new: Page):
    """remove_file_migration_ptes() (added by the patch): the prio tree query at
    new->index, under i_mmap_lock (so remap_file_pages cannot make a vma nonlinear,
    nor fork link one, while the walk runs)."""
    mapping = page_mapping(k, new)
    if mapping is None:
        return
    restored = 0
    walked = 0
    restore = k.fn.remove_migration_pte
    yield from spin_lock(k, mapping.i_mmap_lock, "remove_file_migration_ptes")
    try:
        for vma in vma_prio_tree_foreach(k, mapping, new.index):
            walked += 1
            restored += yield from restore(k, vma, old, new)
        yield k.say and (
            "remove_file_migration_ptes",
            f"prio tree: {walked} linear vma(s) map page {new.index}; {restored} entr"
            f"{'y' if restored == 1 else 'ies'} to pfn {old.pfn} now map pfn {new.pfn}",
            {"pfn": old.pfn, "newpfn": new.pfn, "restored": restored, "vmas": walked},
        )
    finally:
        spin_unlock(mapping.i_mmap_lock)


def remove_migration_pte(k, vma, old: Page, new: Page):
    """remove_migration_pte(vma, old, new): the address from page_address_in_vma();
    only an entry pointing at ``old`` is replaced, by an old (not young), clean pte
    that is writable iff the entry was a write entry. Under ``variant="modern"`` the
    pte is young if the entry was, and dirty if the entry was and the page still is
    (6.1: is_migration_entry_young(), folio_test_dirty() && is_migration_entry_dirty())."""
    addr = page_address_in_vma(new, vma)
    if addr < 0:
        return 0
    mm = vma.mm
    vpn = addr >> PAGE_SHIFT
    pte = mm.ptes.get(vpn, PTE_NONE)
    if pte.kind != "migration" or pte.pfn != old.pfn:
        return 0
    get_page(new, "pte")
    if k.variant == "modern":
        mm.ptes[vpn] = mk_pte(new.pfn, pte.write, young=pte.young, dirty=pte.dirty and new.dirty)
    else:
        mm.ptes[vpn] = mk_pte(new.pfn, pte.write, young=False, dirty=False)
    if new.mapping.__class__ is AnonVma:  # PageAnon(new)
        page_add_anon_rmap(new, vma, addr)
    else:
        page_add_file_rmap(new)
    yield k.say and (
        "remove_migration_pte",
        f"pid {mm.pid} {addr:#x}: migration entry -> {'writable' if pte.write else 'read-only'} "
        f"pte to pfn {new.pfn} (node {new.node})",
        {"pid": mm.pid, "addr": addr, "pfn": new.pfn, "node": new.node, "write": pte.write},
    )
    return 1
