"""move_pages(2), new in 2.6.18; in the kernel it sits at the end of mm/migrate.c.

Models ``sys_move_pages``, ``do_move_pages``, ``do_pages_stat`` and
``new_page_node`` with the 2.6.18 rules (kernel-facts A.1 and C.2): flags other
than MPOL_MF_MOVE|MPOL_MF_MOVE_ALL are EINVAL; MOVE_ALL needs CAP_SYS_NICE; a
node that does not exist is ENODEV for the whole call; per page: -EFAULT (no
vma), -ENOENT (nothing present), the node (already there), -EACCES (shared
without MOVE_ALL), -EBUSY (not isolatable), then what the migration reported;
-ENOENT for the whole call when nothing could be isolated.

Simplifications: there is no zero page (a read allocates a real page), no
cpuset (every node is allowed, so no EACCES for a node) and no E2BIG (a Python
list cannot be that long).
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


def status_name(status: int) -> str:
    """A status value as move_pages(2)'s man page names it: 'node 1', '-EACCES' ..."""
    if status >= 0:
        return f"node {status}"
    return STATUS_NAMES.get(status, str(status))


class MovePagesStatus(list):
    """The status array move_pages(2) fills in; ``ret`` is the call's return value
    (0, or the number of pages not migrated)."""

    ret: int = 0

    def names(self) -> list[str]:
        return [status_name(s) for s in self]


def syscall_error(err: int, why: str) -> OSError:
    return OSError(err, f"{strerror(err)}: {why}")


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
    return addrs, nodes


def sys_move_pages(k, pid, addrs, nodes, flags, caller):
    """sys_move_pages(): the whole call. Returns a MovePagesStatus, or an OSError
    value for a whole-call failure (the sync API raises it)."""
    addrs, nodes = validate_move_pages_args(k, pid, addrs, nodes, flags, caller)
    target = k.processes.get(pid)
    who = caller if caller is not None else target
    if flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
        return _fail(
            k, EINVAL, f"flags {flags:#x}: only MPOL_MF_MOVE and MPOL_MF_MOVE_ALL are allowed"
        )
    if flags & MPOL_MF_MOVE_ALL and who is not None and not who.cap_sys_nice:
        return _fail(k, EPERM, "MPOL_MF_MOVE_ALL needs CAP_SYS_NICE")
    if target is None:
        return _fail(k, ESRCH, f"no process with pid {pid}")
    if who is not target and who.uid not in (target.uid, 0) and not who.cap_sys_nice:
        return _fail(k, EPERM, f"pid {who.pid} may not move pid {pid}'s pages")
    if nodes is not None:
        for n in nodes:
            if not 0 <= n < len(k.nodes):
                return _fail(k, ENODEV, f"node {n} is not online")
    # a refusal above records one event (the task's return with the errno); the
    # call itself is announced once it is accepted
    yield k.say and (
        "sys_move_pages",
        f"pid {pid}: {len(addrs)} page(s), "
        + ("query nodes" if nodes is None else f"to nodes {sorted(set(nodes))}")
        + f", flags {flags:#x}",
        {"pid": pid},
    )
    if nodes is not None:
        result = yield from do_move_pages(k, target, addrs, nodes, bool(flags & MPOL_MF_MOVE_ALL))
    else:
        result = yield from do_pages_stat(k, target, addrs)
    return result


def _fail(k, err: int, why: str):
    return syscall_error(err, why)


def do_pages_stat(k, proc, addrs):
    """do_pages_stat(): where each page is (nodes == NULL)."""
    status = MovePagesStatus()
    for addr in addrs:
        vma = proc.find_vma(addr)
        if vma is None:
            status.append(-EFAULT)
        else:
            pte = proc.ptes.get(addr >> PAGE_SHIFT)
            if pte is None or pte.kind != "present":
                status.append(-ENOENT)
            else:
                status.append(k.pfn_to_page(pte.pfn).node)
        yield k.say and (
            "do_pages_stat",
            f"{addr:#x}: {status_name(status[-1])}",
            {"addr": addr, "status": status[-1]},
        )
    status.ret = 0
    return status


def do_move_pages(k, proc, addrs, nodes, move_all: bool):
    """do_move_pages(): isolate what can move, then migrate_pages with new_page_node."""
    yield from migrate_prep(k)
    status = MovePagesStatus([0] * len(addrs))
    entries: dict = {}  # page -> its index in addrs (the struct page_to_node's page field)
    lst = PageList()
    for i, (addr, node) in enumerate(zip(addrs, nodes)):
        vma = proc.find_vma(addr)
        pte = proc.ptes.get(addr >> PAGE_SHIFT)
        if vma is None:
            status[i] = -EFAULT
            why = "no vma"
        elif pte is None or pte.kind != "present":
            status[i] = -ENOENT
            why = "no page present (follow_page found nothing)"
        else:
            page = k.pfn_to_page(pte.pfn)
            get_page(page, "lookup")
            if page.node == node:
                status[i] = node
                why = f"pfn {page.pfn} is on node {node} already"
            elif page.mapcount > 1 and not move_all:
                status[i] = -EACCES
                why = f"pfn {page.pfn} is mapped by {page.mapcount} ptes and MPOL_MF_MOVE_ALL is not set"
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
