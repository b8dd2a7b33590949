"""move_pages(2), new in 2.6.18; in the kernel it sits at the end of mm/migrate.c.

Models ``sys_move_pages``, ``do_move_pages``, ``do_pages_stat`` and
``new_page_node`` with the 2.6.18 rules (kernel-facts A.1 and C.2): flags other
than MPOL_MF_MOVE|MPOL_MF_MOVE_ALL are EINVAL; MOVE_ALL needs CAP_SYS_NICE; pid 0
is the calling process; a node that does not exist is ENODEV for the whole call,
before anything moves. Per page: ``find_vma`` finds the first VMA that *ends
above* the address and nothing checks its start, so only an address above every
VMA is -EFAULT; an address in a hole below a VMA reaches ``follow_page``, finds
nothing and is -ENOENT, like an untouched page and the ZERO_PAGE (PageReserved);
then the node (already there), -EACCES (shared without MOVE_ALL), -EBUSY (not
isolatable), then what the migration reported (-EAGAIN after the last pass ...);
-ENOENT for the whole call when nothing could be isolated.

``variant="modern"`` is Linux 6.1 (``kernel_move_pages``, ``find_mm_struct``,
``do_pages_move``, ``add_page_for_migration``, ``move_pages_and_store_status``,
``do_move_pages_to_node``, ``do_pages_stat_array``; the trace shows these 6.1 names
because the code is shaped differently, not just renamed):

- permission is ``ptrace_may_access(PTRACE_MODE_READ_REALCREDS)``: another user's
  process is EPERM for an unprivileged caller; pid 0 skips the check;
- ``vma_lookup`` (containment) and ``vma_migratable``: no VMA, VM_IO or VM_PFNMAP
  is -EFAULT; ``follow_page(FOLL_GET | FOLL_DUMP)`` makes an untouched anonymous
  page and the zero page -EFAULT too (the behaviour of 4.3 to before 6.12; LTP
  move_pages04 fails on 6.1 for it); an untouched file page is still -ENOENT;
- pages are moved in batches: consecutive pages for the same node are queued,
  and a batch is migrated when the node changes, when a page is not queued
  (its status is stored first), or at the end. A batch that migrates wholly
  gets its statuses (the node) written; one with failures gets *nothing*
  written, and the call returns at once: the pages not migrated plus every page
  not yet looked at (``err += nr_pages - i``, less the one page whose status was
  stored). Slots the kernel never wrote are None in the status list (the real
  call leaves whatever the caller put there);
- a bad node is found only when the loop reaches it: the batch before it is
  migrated (statuses written), then the call fails with ENODEV. Whole-call
  errors raise OSError; under "modern" it carries ``.status``, the slots written
  before the failure;
- no -ENOENT return when nothing was isolated (2.6.28), no E2BIG (2.6.29).

Simplifications: no cpuset (every node is allowed, so no EACCES for a node), no
E2BIG in 2.6.18 either (a Python list cannot be that long), no THP or hugetlb.
"""

from __future__ import annotations

from errno import EACCES, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, ENOMEM, EPERM, ESRCH
from os import strerror

from .constants import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, PAGE_SHIFT
from .migrate import isolate_lru_page, migrate_pages, migrate_prep
from .page import PageList, get_page, put_page

STATUS_NAMES = {
    -EFAULT: "-EFAULT",
    -ENOENT: "-ENOENT",
    -EACCES: "-EACCES",
    -EBUSY: "-EBUSY",
    -11: "-EAGAIN",
    -5: "-EIO",
    -EINVAL: "-EINVAL",
    -ENOMEM: "-ENOMEM",
}


def status_name(status: int | None) -> str:
    """A status value as move_pages(2)'s man page names it: 'node 1', '-EACCES' ...
    (None: a slot the kernel did not write)."""
    if status is None:
        return "not written"
    if status >= 0:
        return f"node {status}"
    return STATUS_NAMES.get(status, str(status))


class MovePagesStatus(list):
    """The status array move_pages(2) fills in; ``ret`` is the call's return value
    (0, or the number of pages not migrated). Under ``variant="modern"`` a slot the
    kernel did not write is None."""

    ret: int = 0

    def names(self) -> list[str]:
        return [status_name(s) for s in self]


def syscall_error(err: int, why: str, status=None) -> OSError:
    exc = OSError(err, f"{strerror(err)}: {why}")
    if status is not None:
        exc.status = status
    return exc


def validate_move_pages_args(k, pid, addrs, nodes, flags, caller):
    """Misuse of the Python API (not of the system call): raise before anything changes."""
    if not isinstance(pid, int):
        raise TypeError(f"pid must be an int, got {type(pid).__name__}")
    addrs = list(addrs)
    if not all(isinstance(a, int) for a in addrs):
        raise TypeError("addrs must be ints (virtual addresses)")
    if nodes is not None:
        nodes = list(nodes)
        if len(nodes) != len(addrs):
            raise ValueError(f"{len(addrs)} addresses but {len(nodes)} nodes")
        if not all(isinstance(n, int) for n in nodes):
            raise TypeError("nodes must be ints")
    if not isinstance(flags, int):
        raise TypeError("flags must be an int (MPOL_MF_MOVE, MPOL_MF_MOVE_ALL)")
    if caller is not None and getattr(caller, "kernel", None) is not k:
        raise TypeError("caller must be a Process of this kernel")
    if pid == 0 and caller is None:
        raise ValueError("pid 0 means the calling process: say which one with caller=")
    return addrs, nodes


def ptrace_may_access(k, who, target) -> bool:
    """ptrace_may_access(task, PTRACE_MODE_READ_REALCREDS) (6.1's check, since 4.13):
    the same process, the same uid, or a privileged caller (CAP_SYS_PTRACE; a
    privileged pagemig process is root). The model has no dumpable flag."""
    return who is target or who.uid == target.uid or who.cap_sys_nice


def sys_move_pages(k, pid, addrs, nodes, flags, caller):
    """sys_move_pages() (6.1: kernel_move_pages()): the whole call. Returns a
    MovePagesStatus, or an OSError value for a whole-call failure (the sync API
    raises it)."""
    addrs, nodes = validate_move_pages_args(k, pid, addrs, nodes, flags, caller)
    modern = k.variant == "modern"
    target = caller if pid == 0 else k.processes.get(pid)
    who = caller if caller is not None else target
    if flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
        return syscall_error(
            EINVAL, f"flags {flags:#x}: only MPOL_MF_MOVE and MPOL_MF_MOVE_ALL are allowed"
        )
    if flags & MPOL_MF_MOVE_ALL and who is not None and not who.cap_sys_nice:
        return syscall_error(EPERM, "MPOL_MF_MOVE_ALL needs CAP_SYS_NICE")
    if target is None:
        return syscall_error(ESRCH, f"no process with pid {pid}")
    if modern:
        # find_mm_struct(): pid 0 is current and needs no check
        if pid != 0 and not ptrace_may_access(k, who, target):
            return syscall_error(
                EPERM, f"ptrace_may_access: pid {who.pid} (uid {who.uid}) may not touch pid {pid}"
            )
    elif who is not target and who.uid not in (target.uid, 0) and not who.cap_sys_nice:
        return syscall_error(EPERM, f"pid {who.pid} may not move pid {pid}'s pages")
    if nodes is not None and not modern:
        for n in nodes:
            if not 0 <= n < len(k.nodes):
                return syscall_error(ENODEV, f"node {n} is not online")
    # a refusal above records one event (the task's return with the errno); the
    # call itself is announced once it is accepted
    yield k.say and (
        "kernel_move_pages" if modern else "sys_move_pages",
        f"pid {pid}: {len(addrs)} page(s), "
        + ("query nodes" if nodes is None else f"to nodes {sorted(set(nodes))}")
        + f", flags {flags:#x}",
        {"pid": pid},
    )
    if nodes is None:
        return (yield from do_pages_stat(k, target, addrs))
    if modern:
        return (yield from do_pages_move(k, target, addrs, nodes, bool(flags & MPOL_MF_MOVE_ALL)))
    return (yield from do_move_pages(k, target, addrs, nodes, bool(flags & MPOL_MF_MOVE_ALL)))


def follow_page(k, proc, vma, addr: int):
    """follow_page(vma, addr, FOLL_GET) as move_pages uses it: the page, or the
    negative errno the caller then stores.

    2.6.18: nothing present (or a hole below the VMA find_vma gave) -> -ENOENT; the
    ZERO_PAGE is returned and the caller's PageReserved test makes it -ENOENT.
    6.1 adds FOLL_DUMP: the zero page and an empty pte in an anonymous VMA
    (no_page_table()) are -EFAULT; an empty pte in a file VMA, a swap or
    migration entry are NULL -> -ENOENT.
    """
    pte = proc.ptes.get(addr >> PAGE_SHIFT)
    modern = k.variant == "modern"
    if pte is None or pte.kind == "none":
        return -EFAULT if modern and vma.file is None else -ENOENT
    if pte.kind != "present":
        return -ENOENT
    page = k.pfn_to_page(pte.pfn)
    if page.reserved:
        return -EFAULT if modern else -ENOENT
    return page


def do_pages_stat(k, proc, addrs):
    """do_pages_stat() (6.1: do_pages_stat_array()): where each page is (nodes == NULL)."""
    status = MovePagesStatus()
    modern = k.variant == "modern"
    for addr in addrs:
        vma = proc.vma_lookup(addr) if modern else proc.find_vma(addr)
        if vma is None:
            status.append(-EFAULT)
        else:
            page = follow_page(k, proc, vma, addr)
            status.append(page if isinstance(page, int) else page.node)
        yield k.say and (
            "do_pages_stat",
            f"{addr:#x}: {status_name(status[-1])}",
            {"addr": addr, "status": status[-1]},
        )
    status.ret = 0
    return status


def do_move_pages(k, proc, addrs, nodes, move_all: bool):
    """do_move_pages() (2.6.18): isolate what can move, then migrate_pages with new_page_node."""
    yield from migrate_prep(k)
    status = MovePagesStatus([0] * len(addrs))
    entries: dict = {}  # page -> its index in addrs (the struct page_to_node's page field)
    lst = PageList()
    for i, (addr, node) in enumerate(zip(addrs, nodes)):
        vma = proc.find_vma(addr)
        if vma is None:
            status[i] = -EFAULT
            why = "no vma at or above it (find_vma returned NULL)"
        else:
            page = follow_page(k, proc, vma, addr)
            if isinstance(page, int):
                status[i] = page
                pte = proc.ptes.get(addr >> PAGE_SHIFT)
                if addr < vma.start:
                    why = f"in the hole below the vma at {vma.start:#x}: follow_page found nothing"
                elif pte is not None and pte.kind == "present":
                    why = "the ZERO_PAGE (PageReserved)"
                else:
                    why = "no page present (follow_page found nothing)"
            else:
                get_page(page, "lookup")
                if page.node == node:
                    status[i] = node
                    why = f"pfn {page.pfn} is on node {node} already"
                elif page.mapcount > 1 and not move_all:
                    status[i] = -EACCES
                    why = (
                        f"pfn {page.pfn} is mapped by {page.mapcount} ptes and "
                        "MPOL_MF_MOVE_ALL is not set"
                    )
                else:
                    status[i] = isolate_lru_page(k, page, lst)
                    if status[i] == 0:
                        entries[page] = i
                        why = f"pfn {page.pfn} isolated for node {node}"
                    else:
                        why = f"pfn {page.pfn} is not on an LRU list"
                put_page(page, "lookup", k)
        yield k.say and ("do_move_pages", f"{addr:#x}: {why}", {"addr": addr, "status": status[i]})
    if not lst:
        return syscall_error(ENOENT, "no page could be isolated (2.6.18 returns -ENOENT)")

    def new_page_node(k, page, private):
        i = entries[page]
        return k.nodes[nodes[i]].alloc_page("alloc"), (status, i)

    rc = yield from migrate_pages(k, lst, new_page_node, None)
    if rc < 0:
        return syscall_error(-rc, "a target node has no free frame (status not written)")
    status.ret = rc
    return status


# -- Linux 6.1 ---------------------------------------------------------------------------
def do_pages_move(k, proc, addrs, nodes, move_all: bool):
    """do_pages_move() (6.1): queue pages node by node and migrate each batch."""
    yield from migrate_prep(k)
    n = len(addrs)
    status = MovePagesStatus([None] * n)
    lst = PageList()
    current = None  # NUMA_NO_NODE
    start = 0
    err = 0
    i = 0
    while i < n:
        addr, node = addrs[i], nodes[i]
        if not 0 <= node < len(k.nodes):
            err = -ENODEV
            yield k.say and (
                "do_pages_move",
                f"{addr:#x}: node {node} is not online: -ENODEV (flush the batch, then fail)",
                {"addr": addr, "node": node, "rc": err},
            )
            break  # goto out_flush
        if current is None:
            current, start = node, i
        elif node != current:
            err = yield from move_pages_and_store_status(k, current, lst, status, start, i, n)
            if err:
                return _pages_move_result(err, status)
            start, current = i, node
        err = yield from add_page_for_migration(k, proc, addr, current, lst, move_all)
        if err > 0:
            i += 1
            continue  # queued for this batch
        status[i] = err if err else current
        err = yield from move_pages_and_store_status(k, current, lst, status, start, i, n)
        if err:
            if err > 0:
                err -= 1  # page i is accounted for: its status is stored
            return _pages_move_result(err, status)
        current = None
        i += 1
    # out_flush
    err1 = yield from move_pages_and_store_status(k, current, lst, status, start, i, n)
    if err >= 0:
        err = err1
    return _pages_move_result(err, status)


def _pages_move_result(err: int, status: MovePagesStatus):
    if err < 0:
        why = {
            -ENODEV: "a target node is not online (earlier batches were migrated)",
            -ENOMEM: "a target node has no free frame (this batch's status not written)",
        }.get(err, "move_pages failed")
        return syscall_error(-err, why, status)
    status.ret = err
    return status


def add_page_for_migration(k, proc, addr: int, node: int, lst: PageList, move_all: bool):
    """add_page_for_migration() (6.1): 1 if the page was queued, 0 if it is on ``node``
    already, else the negative errno for its status."""
    from .mempolicy import vma_migratable

    vma = proc.vma_lookup(addr)
    if vma is None or not vma_migratable(k, vma):
        err = -EFAULT
        why = "no vma contains it (vma_lookup)" if vma is None else "vma_migratable() refuses"
    else:
        page = follow_page(k, proc, vma, addr)
        if isinstance(page, int):
            err = page
            why = (
                "untouched anonymous memory or the zero page (follow_page FOLL_DUMP)"
                if err == -EFAULT
                else "no page present (follow_page found nothing)"
            )
        else:
            get_page(page, "lookup")
            if page.node == node:
                err = 0
                why = f"pfn {page.pfn} is on node {node} already"
            elif page.mapcount > 1 and not move_all:
                err = -EACCES
                why = f"pfn {page.pfn} is mapped by {page.mapcount} ptes and MPOL_MF_MOVE_ALL is not set"
            elif isolate_lru_page(k, page, lst):
                err = -EBUSY
                why = f"pfn {page.pfn} is not on an LRU list"
            else:
                err = 1
                why = f"pfn {page.pfn} queued for node {node}"
            put_page(page, "lookup", k)
    yield k.say and ("add_page_for_migration", f"{addr:#x}: {why}", {"addr": addr, "rc": err})
    return err


def move_pages_and_store_status(k, node, lst: PageList, status, start: int, i: int, n: int):
    """move_pages_and_store_status() (6.1): migrate the queued batch; on success write
    ``node`` into slots start..i-1; on failure write nothing and return the pages not
    migrated plus the pages from i on, not yet looked at."""
    if not lst:
        return 0
    err = yield from do_move_pages_to_node(k, lst, node)
    if err:
        if err > 0:
            err += n - i
        yield k.say and (
            "move_pages_and_store_status",
            f"batch for node {node} (slots {start}..{i - 1}) failed: status not written; "
            + (
                f"returns {err} (including the {n - i} page(s) from slot {i} on)"
                if err > 0
                else f"error {err}"
            ),
            {"node": node, "start": start, "end": i, "rc": err},
        )
        return err
    for j in range(start, i):
        status[j] = node
    yield k.say and (
        "move_pages_and_store_status",
        f"batch for node {node} migrated: slots {start}..{i - 1} = {node}",
        {"node": node, "start": start, "end": i, "rc": 0},
    )
    return 0


def do_move_pages_to_node(k, lst: PageList, node: int):
    """do_move_pages_to_node() (6.1): migrate_pages(MIGRATE_SYNC, MR_SYSCALL) with
    alloc_migration_target(__GFP_THISNODE), so a full node is -ENOMEM."""
    yield k.say and (
        "do_move_pages_to_node",
        f"{len(lst)} page(s) to node {node}",
        {"node": node, "pages": len(lst)},
    )

    def alloc_migration_target(k, page, private):
        return k.nodes[node].alloc_page("alloc"), None

    return (yield from migrate_pages(k, lst, alloc_migration_target, None))
