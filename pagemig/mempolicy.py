"""migrate_pages(2): moving a process's pages between sets of nodes.

Models mm/mempolicy.c of 2.6.18: ``sys_migrate_pages``, ``do_migrate_pages``
(with ``node_remap`` pairing), ``migrate_to_node``, ``check_range`` and
``migrate_page_add`` (which skips shared pages unless MPOL_MF_MOVE_ALL), and
``vma_migratable`` (include/linux/migrate.h). pid 0 is the calling process.
``check_range`` walks only the VMAs ``vma_migratable()`` accepts: in 2.6.18 it
refuses VM_LOCKED (mlocked), VM_IO, VM_PFNMAP and VM_RESERVED, so migrate_pages(2)
leaves mlocked memory where it is (move_pages(2) does not ask, and moves it); its
page walk skips the ZERO_PAGE (PageReserved).

``sys_mbind`` / ``do_mbind`` (MPOL_BIND of a whole VMA, with MPOL_MF_STRICT,
MPOL_MF_MOVE, MPOL_MF_MOVE_ALL): ``check_range(... | MPOL_MF_INVERT)`` collects the
pages *not* on the policy's nodes, ``mbind_range`` sets the VMA's policy,
``migrate_pages(new_vma_page)`` moves them onto the bind nodes, and a page that
failed with MPOL_MF_STRICT makes the call -EIO (E37). STRICT without MOVE is -EIO
as soon as a page is misplaced, before any policy is set. 2.6.18 walks a VMA that
vma_migratable() refuses when STRICT is given (and moves its pages anyway).

``variant="modern"`` (6.1's kernel_migrate_pages and queue_pages_range; the trace
keeps the 2.6.18 names, the steps being the same): the permission check is
``ptrace_may_access()``; ``vma_migratable()`` refuses only VM_IO and VM_PFNMAP
(mlocked pages are migratable since the unevictable LRU of 2.6.28), and the
zero page is no normal page (vm_normal_page()), so it is skipped as well. 6.1's
mbind treats a refused VMA, or (with STRICT) a page it cannot isolate, as
"unmovable": the policy is set, the rest migrates, and the call is -EIO.

Simplifications: node masks are Python iterables of node ids; a node id that
does not exist is EINVAL (2.6.18 only rejects ids beyond MAX_NUMNODES); there
are no cpusets and no per-VMA ``vm_ops->migrate`` hooks.
"""

from __future__ import annotations

from errno import EINVAL, EIO, EPERM, ESRCH

from .constants import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, PAGE_SHIFT
from .migrate import isolate_lru_page, migrate_pages, migrate_prep
from .move_pages import syscall_error
from .page import PageList


def node_remap(oldbit: int, old: list[int], new: list[int]) -> int:
    """node_remap(): the n-th node of ``old`` maps to the (n mod |new|)-th node of ``new``."""
    if not new or oldbit not in old:
        return oldbit
    return new[old.index(oldbit) % len(new)]


def vma_migratable(k, vma) -> bool:
    """vma_migratable(): 2.6.18 refuses VM_LOCKED, VM_IO, VM_PFNMAP and VM_RESERVED
    VMAs (and VM_HUGETLB, which the engine has not); 6.1 only VM_IO and VM_PFNMAP."""
    if vma.io or vma.pfnmap:
        return False
    if k.variant == "modern":
        return True
    return not (vma.locked or vma.reserved)


def sys_migrate_pages(k, pid, old_nodes, new_nodes, caller):
    """sys_migrate_pages(pid, maxnode, old_nodes, new_nodes)"""
    old = sorted(set(old_nodes))
    new = sorted(set(new_nodes))
    for n in old + new:
        if not isinstance(n, int) or not 0 <= n < len(k.nodes):
            return syscall_error(EINVAL, f"node {n!r} does not exist")
    target = caller if pid == 0 else k.processes.get(pid)  # pid 0: current
    if target is None:
        return syscall_error(ESRCH, f"no process with pid {pid}")
    who = caller if caller is not None else target
    if k.variant == "modern":
        from .move_pages import ptrace_may_access

        if not ptrace_may_access(k, who, target):
            return syscall_error(
                EPERM, f"ptrace_may_access: pid {who.pid} (uid {who.uid}) may not touch pid {pid}"
            )
    elif who is not target and who.uid not in (target.uid, 0) and not who.cap_sys_nice:
        return syscall_error(EPERM, f"pid {who.pid} may not move pid {pid}'s pages")
    # a refusal above records one event (the task's return with the errno); the
    # call itself is announced once it is accepted
    yield k.say and ("sys_migrate_pages", f"pid {pid}: nodes {old} -> {new}", {"pid": pid})
    flags = MPOL_MF_MOVE_ALL if who.cap_sys_nice else MPOL_MF_MOVE
    return (yield from do_migrate_pages(k, target, old, new, flags))


def do_migrate_pages(k, proc, old: list[int], new: list[int], flags: int):
    """do_migrate_pages(): pick (source, dest) pairs, preferring a dest that is not
    itself still a pending source, and migrate node by node."""
    yield from migrate_prep(k)
    busy = 0
    tmp = list(old)
    while tmp:
        source, dest = -1, 0
        for s in tmp:
            d = node_remap(s, old, new)
            if s == d:
                continue
            source, dest = s, d
            if dest not in tmp:
                break
        if source == -1:
            break
        tmp.remove(source)
        err = yield from migrate_to_node(k, proc, source, dest, flags)
        if err > 0:
            busy += err
        if err < 0:
            return syscall_error(-err, "migration ran out of memory on the target node")
    return busy


def migrate_to_node(k, proc, source: int, dest: int, flags: int):
    """migrate_to_node(): gather the process's pages on ``source`` and migrate them to ``dest``."""
    lst = PageList()
    skipped = 0
    refused = 0
    for vma in proc.vmas:
        if not vma_migratable(k, vma):
            refused += 1
            continue
        for addr in vma.addresses():
            pte = proc.ptes.get(addr >> PAGE_SHIFT)
            if pte is None or pte.kind != "present":
                continue
            page = k.pfn_to_page(pte.pfn)
            if page.reserved:  # the ZERO_PAGE
                continue
            if page.node != source or page in lst:
                continue
            # migrate_page_add(): shared pages only with MPOL_MF_MOVE_ALL
            if flags & MPOL_MF_MOVE_ALL or page.mapcount == 1:
                isolate_lru_page(k, page, lst)
            else:
                skipped += 1
    yield k.say and (
        "migrate_to_node",
        f"node {source} -> {dest}: {len(lst)} page(s) isolated"
        + (f", {skipped} shared page(s) skipped (no MPOL_MF_MOVE_ALL)" if skipped else "")
        + (f", {refused} vma(s) vma_migratable() refuses (mlocked ...)" if refused else ""),
        {"source": source, "dest": dest, "pages": len(lst), "skipped": skipped}
        | ({"refused": refused} if refused else {}),
    )
    if not lst:
        return 0

    def new_node_page(k, page, private):
        return k.nodes[dest].alloc_page("alloc"), None

    return (yield from migrate_pages(k, lst, new_node_page, None))


MPOL_MF_VALID = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL


def nodelist(nodes) -> str:
    """nodelist_scnprintf(): "1", "0-1", "0,2-3"."""
    out, run = [], []
    for n in sorted(nodes):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(out)


def policy_nodes(k, proc, vma) -> list[int] | None:
    """The nodes an allocation for ``vma`` may use, nearest first, or None (no policy:
    the process's node, then the others). MPOL_BIND in 2.6.18 builds its zonelist in
    node order (lowest node first); 6.1 starts from the local node if it is allowed."""
    nodes = getattr(vma, "policy_nodes", None) if vma is not None else None
    if not nodes:
        return None
    nodes = sorted(nodes)
    if k.variant == "modern" and proc.node in nodes:
        nodes.remove(proc.node)
        nodes.insert(0, proc.node)
    return nodes


def sys_mbind(k, proc, vma, nodes: list[int], flags: int):
    """sys_mbind(start, len, MPOL_BIND, nmask, maxnode, flags) -> do_mbind()."""
    nodes = sorted(set(nodes))
    if flags & ~MPOL_MF_VALID:
        return syscall_error(EINVAL, f"flags {flags:#x}: only MPOL_MF_STRICT, MOVE, MOVE_ALL")
    if flags & MPOL_MF_MOVE_ALL and not proc.cap_sys_nice:
        return syscall_error(EPERM, "MPOL_MF_MOVE_ALL needs CAP_SYS_NICE")
    if not nodes:
        return syscall_error(EINVAL, "MPOL_BIND with an empty node mask")
    for n in nodes:
        if not 0 <= n < len(k.nodes):
            return syscall_error(EINVAL, f"node {n} does not exist")
    # a refusal above records one event (the task's return), as move_pages does
    yield k.say and (
        "sys_mbind",
        f"pid {proc.pid}: {vma.start:#x} +{vma.pages} pages: MPOL_BIND {nodes}, flags {flags:#x}",
        {"pid": proc.pid, "addr": vma.start},
    )
    return (yield from do_mbind(k, proc, vma, nodes, flags))


def do_mbind(k, proc, vma, nodes: list[int], flags: int):
    """do_mbind(): check_range() (pages not on ``nodes``), mbind_range(), migrate_pages()."""
    modern = k.variant == "modern"
    move = flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)
    if move:
        yield from migrate_prep(k)
    lst = PageList()
    unmovable = 0
    misplaced = False
    migratable = vma_migratable(k, vma)
    if flags & MPOL_MF_STRICT or (move and migratable):
        for addr in vma.addresses():
            pte = proc.ptes.get(addr >> PAGE_SHIFT)
            if pte is None or pte.kind != "present":
                continue
            page = k.pfn_to_page(pte.pfn)
            if page.reserved or page.node in nodes or page in lst:
                continue  # the zero page; on a policy node already (MPOL_MF_INVERT)
            if not move:
                misplaced = True  # STRICT alone: check_pte_range stops here
                break
            if modern and not migratable:
                unmovable += 1
                break
            # migrate_page_add(): shared pages only with MPOL_MF_MOVE_ALL
            if flags & MPOL_MF_MOVE_ALL or page.mapcount == 1:
                if isolate_lru_page(k, page, lst) and modern and flags & MPOL_MF_STRICT:
                    unmovable += 1
    yield k.say and (
        "check_range",
        f"pid {proc.pid} {vma.start:#x}: {len(lst)} page(s) off nodes {nodes} queued"
        + (", a misplaced page and no MPOL_MF_MOVE: -EIO" if misplaced else "")
        + (f", {unmovable} unmovable" if unmovable else "")
        + ("" if migratable else " (vma_migratable() refuses the vma)"),
        {"pid": proc.pid, "addr": vma.start, "pages": len(lst), "unmovable": unmovable},
    )
    if misplaced:
        return syscall_error(EIO, "MPOL_MF_STRICT: a page is not on the policy's nodes")
    # mbind_range(): the whole VMA gets the policy
    vma.policy_nodes = tuple(nodes)
    vma.policy = ("bind:" if modern else "bind=") + nodelist(nodes)
    yield k.say and (
        "mbind_range",
        f"pid {proc.pid} {vma.start:#x}-{vma.end:#x}: policy {vma.policy}",
        {"pid": proc.pid, "addr": vma.start},
    )
    nr_failed = 0
    if lst:

        def new_vma_page(k, page, private):
            for n in policy_nodes(k, proc, vma):
                newpage = k.nodes[n].alloc_page("alloc")
                if newpage is not None:
                    return newpage, None
            return None, None

        nr_failed = yield from migrate_pages(k, lst, new_vma_page, None)
    if unmovable or (nr_failed and flags & MPOL_MF_STRICT):
        return syscall_error(
            EIO, "MPOL_MF_STRICT: some page could not be moved onto the policy's nodes"
        )
    return 0
