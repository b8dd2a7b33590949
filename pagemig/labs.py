"""Wrong versions of kernel functions, for the "break the kernel" labs, and what they break.

Not a kernel file. Each function here is a replacement (see ``pagemig.replace``) that
gets one thing wrong on purpose, the way a patch under review might:

- ``writeout_writepage_first``: writeout() with its steps in the other order:
  writepage is called while the migration entries still point at the page, and the
  ptes are restored only after the relock (the order the seed patch avoids);
- ``remove_migration_pte_any_pfn``: remove_migration_pte() without its pfn check:
  any migration entry at the address becomes a pte to the new page, even one another
  migration left for another page;
- ``remove_file_migration_ptes_first_only``: the patch's prio-tree walk, stopping at
  the first entry it restores (as if a page had one pte);
- ``writeout_in_order(order)``: writeout() with its four steps (:data:`WRITEOUT_STEPS`)
  in the order given, for chapter 5's *order* exercise and lab.

``race_cow_pair`` is a machine on which the missing pfn check shows: after fork and
a copy-on-write, parent and child map two different anonymous pages at the same
address of one anon_vma, and each page is migrated by its own migrate_pages call.
``what_broke(build, schedule)`` replays a schedule with the invariants checked after
every step and says at which step a rule first broke and what that step did.
"""

from __future__ import annotations

from errno import EAGAIN, EINVAL, EIO

from .constants import AOP_WRITEPAGE_ACTIVATE, PAGE_SHIFT
from .fs import clear_page_dirty_for_io, writepage
from .page import get_page
from .pte import PTE_NONE, mk_pte
from .rmap import AnonVma, page_add_anon_rmap, page_add_file_rmap, page_address_in_vma
from .scenarios import RACE_KERNEL, Race, populate


def writeout_writepage_first(k, mapping, page):
    """writeout() with two steps swapped: writepage first, the pte restore after the
    relock. writepage unlocks the page while migration entries still point at it."""
    from .migrate import remove_migration_ptes

    if mapping.writepage is None:
        yield ("writeout", f"pfn {page.pfn}: no writepage: -EINVAL", {"pfn": page.pfn})
        return -EINVAL
    if not clear_page_dirty_for_io(page):
        return -EAGAIN
    yield ("writeout", f"pfn {page.pfn}: writepage first (entries still in place)", {})
    rc = yield from writepage(k, mapping, page)  # may unlock the page
    if rc < 0:
        return -EIO
    if rc != AOP_WRITEPAGE_ACTIVATE:
        yield from k.lock_page(page, "writeout")
    yield ("writeout", f"pfn {page.pfn}: relocked; now restore the ptes", {"pfn": page.pfn})
    yield from remove_migration_ptes(k, page, page)
    return -EAGAIN


#: writeout()'s steps, by the kernel function each calls, in the seed patch's order
WRITEOUT_STEPS = ("clear_page_dirty_for_io", "remove_migration_ptes", "writepage", "lock_page")


def writeout_in_order(order):
    """A writeout() that takes its steps in ``order`` (each name of
    :data:`WRITEOUT_STEPS` once), for ``k.replace(writeout=...)``.

    Each step is the kernel's own: ``clear_page_dirty_for_io`` (-EAGAIN at once if the
    page was clean: someone else writes it), ``remove_migration_ptes(page, page)``,
    ``writepage`` (-EIO at once on an error, without relocking, as 2.6.18 does) and
    ``lock_page`` (skipped only after a writepage that answered AOP_WRITEPAGE_ACTIVATE,
    which keeps the lock). A ``lock_page`` before ``writepage`` sleeps on the lock the
    migration itself holds, as the kernel would. Returns -EAGAIN, as writeout does.
    Refused before anything runs: an order that is not the four steps once each."""
    from .migrate import remove_migration_ptes

    order = tuple(order)
    if sorted(order) != sorted(WRITEOUT_STEPS):
        raise ValueError("the order must name each of " + ", ".join(WRITEOUT_STEPS) + " once")

    def writeout_reordered(k, mapping, page):
        data = {"pfn": page.pfn}
        if mapping.writepage is None:
            yield ("writeout", f"pfn {page.pfn}: no writepage: -EINVAL", data | {"rc": -EINVAL})
            return -EINVAL
        rc = None
        for n, step in enumerate(order, 1):
            if step == "clear_page_dirty_for_io":
                if not clear_page_dirty_for_io(page):
                    yield ("writeout", f"pfn {page.pfn}: already clean: -EAGAIN", data)
                    return -EAGAIN
                k.vmstat["pgmigrate_writeout"] += 1
            elif step == "remove_migration_ptes":
                yield from remove_migration_ptes(k, page, page)
            elif step == "writepage":
                rc = yield from writepage(k, mapping, page)
                if rc < 0:
                    return -EIO
            elif rc != AOP_WRITEPAGE_ACTIVATE:  # lock_page
                yield from k.lock_page(page, "writeout")
            yield ("writeout", f"pfn {page.pfn}: step {n}, {step}, done", data | {"step": step})
        return -EAGAIN

    writeout_reordered.__qualname__ = writeout_reordered.__name__ = "writeout_" + "_".join(
        s.split("_")[0] for s in order
    )
    return writeout_reordered


def remove_migration_pte_any_pfn(k, vma, old, new):
    """remove_migration_pte() without ``pte.pfn != old.pfn``: whatever migration entry
    sits at the address is replaced by a pte to ``new``."""
    addr = page_address_in_vma(new, vma)
    if addr < 0:
        return 0
    mm = vma.mm
    vpn = addr >> PAGE_SHIFT
    pte = mm.ptes.get(vpn, PTE_NONE)
    if pte.kind != "migration":  # the pfn check is gone
        return 0
    get_page(new, "pte")
    mm.ptes[vpn] = mk_pte(new.pfn, pte.write, young=False, dirty=False)
    if new.mapping.__class__ is AnonVma:
        page_add_anon_rmap(new, vma, addr)
    else:
        page_add_file_rmap(new)
    yield (
        "remove_migration_pte",
        f"pid {mm.pid} {addr:#x}: migration entry (to pfn {pte.pfn}) -> pte to pfn {new.pfn}",
        {"pid": mm.pid, "addr": addr, "pfn": new.pfn, "entry_pfn": pte.pfn},
    )
    return 1


def remove_file_migration_ptes_first_only(k, old, new):
    """The patch's remove_file_migration_ptes(), but the walk stops at the first entry
    it restores."""
    from .migrate import remove_migration_pte
    from .rmap import page_mapping, vma_prio_tree_foreach

    mapping = page_mapping(k, new)
    for vma in vma_prio_tree_foreach(k, mapping, new.index):
        if (yield from remove_migration_pte(k, vma, old, new)):
            break


def _shared_read(k):
    sc = populate(k, "file linear", sharers=2, pages=1, page_index=0)
    sc.start_migration()
    sc.processes[1].start_access(sc.addrs[1])
    return sc


def race_shared_read() -> Race:
    """A clean page of a file with migratepage, mapped shared by two processes: its
    migration races with the second process's read."""
    return Race(
        "shared-read",
        "migration × read of a clean file page two processes map",
        _shared_read,
        dict(RACE_KERNEL),
    )


def _cow_pair(k):
    sc = populate(k, "anonymous", pages=1, page_index=0)
    parent, addr = sc.processes[0], sc.addrs[0]
    child = parent.fork()
    child.write(addr, b"child's copy")  # copy on write: the child's own page
    k.trace.clear()
    sc.processes.append(child)
    sc.addrs.append(addr)
    sc.vmas.append(child.find_vma(addr))
    sc.start_migration()
    k.start_migrate_pages([child.page_at(addr)], sc.target_node)
    return sc


def race_cow_pair() -> Race:
    """Parent and child (after a copy-on-write) map two anonymous pages at the same
    address of one anon_vma; two migrate_pages calls move them at the same time."""
    return Race(
        "cow-pair",
        "two migrations of a parent's page and its child's copy (one anon_vma)",
        _cow_pair,
        dict(RACE_KERNEL),
    )


def what_broke(build, schedule, *, variant: str | None = None) -> dict | None:
    """Replay ``schedule`` (task names) on ``build``'s machine, checking the invariants
    after every step. None if no rule broke; else a dict: ``step`` (its index),
    ``task``, ``func`` and ``what`` (the event that step produced), ``rules`` (the
    rules broken right after it, in order) and ``details`` (the first one's)."""
    from .explore import _kernel_args
    from .kernel import Kernel

    variant, args = _kernel_args(build, variant, None)
    k = Kernel(variant=variant, **args)
    build(k)
    for i, name in enumerate(schedule):
        task = next((t for t in k.tasks if t.name == name), None)
        if task is None or not task.runnable:
            raise ValueError(f"step {i}: task {name!r} cannot run")
        ev = k.step(task)
        v = k.violations()
        if v:
            return {
                "step": i,
                "task": name,
                "func": ev.func if ev is not None else None,
                "what": ev.what if ev is not None else None,
                "rules": list(dict.fromkeys(rule for rule, _ in v)),
                "details": v[0][1],
            }
    return None


__all__ = [
    "race_cow_pair",
    "race_shared_read",
    "remove_file_migration_ptes_first_only",
    "remove_migration_pte_any_pfn",
    "what_broke",
    "writeout_in_order",
    "writeout_writepage_first",
    "WRITEOUT_STEPS",
]
