"""The misuse harness (issue 16 item 7): every public method of Kernel, Process, Vma,
Page and Task, called with bad arguments, raises a documented exception and leaves
both machines (this kernel and another one whose objects are passed in) exactly as
they were: vmstat, free lists, every pte, page refs, flags, data and locks, page and
swap caches, the rmap indexes and locks, tasks, the random generator and the trace.

The methods are enumerated from the classes, so a new public method without a table
entry fails ``test_every_public_method_has_a_table_entry``.

Exceptions the engine documents (pagemig.errors and the Kernel docstring):
TypeError (ArgumentTypeError) for the wrong type, a bool where an int is needed
included; ValueError for an object of another Kernel, a free frame, a page nothing
could reach, a partial VMA; ProcessLookupError (ESRCH) for an exited process;
InvalidArgument, an OSError carrying the kernel's errno (EINVAL, ENODEV, ENOMEM,
EFAULT), for a bad value; SegmentationFault (EFAULT) for an address no VMA maps or a
write to a read-only one; BusError (EFAULT, SIGBUS) for a page beyond the end of a
mapped file.

move_pages(2), migrate_pages(2) and mbind(2) refusals (EINVAL, ENODEV, ESRCH,
EPERM) are kernel outcomes, not misuse: they run as a task whose result is the errno. Each records
exactly ONE event, the task's return carrying the errno (the clock advances by one),
and changes nothing else; the harness checks that too.
"""

from __future__ import annotations

import inspect
import math
from errno import EFAULT, EINVAL, ENODEV, ENOMEM, EPERM, ESRCH
from types import GeneratorType, SimpleNamespace

import pytest

from pagemig import (
    MPOL_MF_MOVE_ALL,
    PAGE_SIZE,
    BusError,
    InvalidArgument,
    Kernel,
    SegmentationFault,
)
from pagemig.errors import MAX_ACCESS, MAX_MAP_PAGES
from pagemig.page import Page
from pagemig.process import Process, Vma
from pagemig.sched import Task

CLASSES = (Kernel, Process, Vma, Page, Task)


def public_methods(cls) -> list[str]:
    out = []
    for name in dir(cls):
        if name.startswith("_") or isinstance(inspect.getattr_static(cls, name), property):
            continue
        if callable(getattr(cls, name)):
            out.append(name)
    return out


# -- the world ------------------------------------------------------------------------------
def build_world():
    k = Kernel(nodes=2, frames_per_node=32, seed=3)
    f = k.create_file("f", 4)
    small = k.create_file("small", 1)
    p = k.spawn()
    v = p.mmap(4, file=f, shared=True)
    p.write(v.start, b"data")
    a = p.mmap(2)
    p.write(a.start, b"anon")
    ro = p.mmap(1, file=f, shared=True, write=False)
    big = p.mmap(2, file=small, shared=True)  # its second page lies beyond the file
    p.read(big.start, 1)
    unpriv = k.spawn(privileged=False)
    dead = k.spawn()
    dead.mmap(1)
    dead.exit()
    filled = k.fill_node(1, leave_free=28)  # four pinned frames
    other = Kernel(nodes=2, frames_per_node=8, seed=1)
    og = other.create_file("g", 1)
    op = other.spawn()
    ov = op.mmap(1, file=og, shared=True)
    op.read(ov.start, 1)
    opage = op.page_at(ov.start)
    otask = other.start_lock_holder(opage, hold=1)
    done = k.start_migrate_pages([p.page_at(a.start)], 0)  # already there: nothing moves
    k.run()
    return SimpleNamespace(
        k=k,
        f=f,
        p=p,
        v=v,
        a=a,
        ro=ro,
        big=big,
        page=p.page_at(v.start),
        apage=p.page_at(a.start),
        free_page=k.nodes[0].pages[-1],
        unpriv=unpriv,
        dead=dead,
        filled=filled,
        other=other,
        og=og,
        op=op,
        ov=ov,
        opage=opage,
        otask=otask,
        done=done,
    )


def snapshot(k) -> tuple:
    """Everything a bad call could change, as plain values."""

    def pte_map(proc):
        return tuple(sorted((vpn, repr(pte)) for vpn, pte in proc.ptes.items()))

    def vma_state(v):
        return (
            v.start,
            v.end,
            v.pgoff,
            v.file.name if v.file else None,
            v.shared,
            v.write,
            v.locked,
            v.nonlinear,
            v.nl_cursor,
            v.anon_vma.id if v.anon_vma else None,
            len(v.anon_vma.head) if v.anon_vma else 0,
        )

    def mapping_state(m, pages):
        return (
            tuple(sorted((i, pg.pfn) for i, pg in m.page_tree.items())),
            tuple(tuple(vma_state(x) for x in m.i_mmap.scan(i)) for i in range(pages)),
            tuple(vma_state(x) for x in m.i_mmap_nonlinear),
            m.i_mmap_lock.holder,
        )

    frames = tuple(
        (
            pg.pfn,
            pg.flags,
            pg.count,
            pg._mapcount,
            type(pg.mapping).__name__,
            pg.index,
            pg.private,
            bytes(pg.data) if pg.data is not None else None,
            tuple(sorted(pg.refs.items())),
            pg.lock_owner,
            pg.lock_waiters,
            pg.writeback_waiters,
        )
        for n in k.nodes
        for pg in n.pages
    )
    procs = tuple(
        (
            pid,
            proc.alive,
            tuple(vma_state(v) for v in proc.vmas),
            pte_map(proc),
            proc.anon_rss,
            proc.file_rss,
            proc.next_addr,
            tuple(sorted(proc.unmapped_by_migration)),
        )
        for pid, proc in sorted(k.processes.items())
    )
    files = tuple(
        (
            name,
            f.pages,
            mapping_state(f.mapping, f.pages),
            tuple(sorted(f.backing.items())),
            tuple(sorted((i, bytes(b)) for i, b in f.shadow.items())),
        )
        for name, f in sorted(k.files.items())
    )
    swap = (
        tuple(sorted((i, pg.pfn) for i, pg in k.swap.page_tree.items())),
        tuple(sorted(k.swap.swap_map.items())),
        k.swap.next_slot,
    )
    tasks = tuple(
        (t.name, t.done, t.steps, t.wait is not None, repr(t.result), repr(t.error))
        for t in k.tasks
    )
    return (
        tuple(sorted(k.vmstat.items())),
        tuple((n.nid, tuple(n._free), n.nr_free) for n in k.nodes),
        frames,
        procs,
        files,
        swap,
        tasks,
        tuple(
            sorted(
                ((pid, vpn), None if v is None else bytes(v))
                for pid, shadows in k.anon_shadow.items()
                for vpn, v in shadows.items()
            )
        ),
        k.rng.getstate(),
        tuple(sorted(k.replaced)),  # a refused replace() installs nothing
        k._next_pid,
        len(k.oopses),
        (k.clock, len(k.trace.events)),
    )


# -- the tables -----------------------------------------------------------------------------
# Each case: (receiver, args, kwargs, expected) where receiver and the arguments are
# functions of the world, and expected is an exception class or (class, errno).
# A case marked REFUSAL is a system call's errno refusal: one event, nothing else.
REFUSAL = "refusal"
NAN = math.nan


def K(w):
    return w.k


def P(w):
    return w.p


def V(w):
    return w.v


def PG(w):
    return w.page


def case(recv, *args, exc, refusal=False, **kwargs):
    return (recv, args, kwargs, exc, refusal)


def a_(fn):
    """An argument computed from the world (page, process, address ...)."""
    return ("world", fn)


KERNEL = {
    "add_to_swap": [
        case(K, "x", exc=TypeError),
        case(K, a_(lambda w: w.opage), exc=ValueError),
        case(K, a_(lambda w: w.free_page), exc=ValueError),
        case(K, a_(lambda w: w.page), exc=ValueError),  # a file page
    ],
    "check": [case(K, 1, exc=TypeError)],
    "create_file": [
        case(K, "", 1, exc=ValueError),
        case(K, "f", 1, exc=ValueError),  # exists
        case(K, "n", 0, exc=(InvalidArgument, EINVAL)),
        case(K, "n", 1.5, exc=TypeError),
        case(K, "n", True, exc=TypeError),
        case(K, "n", MAX_MAP_PAGES + 1, exc=(InvalidArgument, EINVAL)),
        case(K, "n", 1, writepage="x", exc=ValueError),
        case(K, "n", 1, buffers="yes", exc=TypeError),
    ],
    "fill_node": [
        case(K, 5, exc=(InvalidArgument, ENODEV)),
        case(K, True, exc=(InvalidArgument, ENODEV)),
        case(K, 0, -1, exc=(InvalidArgument, EINVAL)),
        case(K, 0, 1.5, exc=TypeError),
        case(K, 0, 33, exc=(InvalidArgument, EINVAL)),
    ],
    "free_frames": [case(K, -1, exc=(InvalidArgument, ENODEV)), case(K, "0", exc=InvalidArgument)],
    "lock_page": [
        case(K, "x", "f", exc=TypeError),
        case(K, a_(lambda w: w.opage), "f", exc=ValueError),
    ],
    "migrate_pages": [
        case(K, a_(lambda w: [w.page]), 7, exc=(InvalidArgument, ENODEV)),
        case(K, a_(lambda w: w.page), True, exc=(InvalidArgument, ENODEV)),
        case(K, "x", 1, exc=TypeError),
        case(K, 5, 1, exc=TypeError),
        case(K, a_(lambda w: [w.opage]), 1, exc=ValueError),
        case(K, a_(lambda w: [w.page, w.page]), 1, exc=ValueError),
        case(K, a_(lambda w: [w.free_page]), 1, exc=ValueError),
    ],
    "move_pages": [
        case(K, True, a_(lambda w: [w.v.start]), [1], exc=TypeError),
        case(K, a_(lambda w: w.p.pid), "x", exc=TypeError),
        case(K, a_(lambda w: w.p.pid), [1.5], exc=TypeError),
        case(K, a_(lambda w: w.p.pid), a_(lambda w: [w.v.start]), [1, 1], exc=ValueError),
        case(K, a_(lambda w: w.p.pid), a_(lambda w: [w.v.start]), ["1"], exc=TypeError),
        case(K, a_(lambda w: w.p.pid), a_(lambda w: [w.v.start]), [1], flags=1.5, exc=TypeError),
        case(
            K,
            a_(lambda w: w.p.pid),
            a_(lambda w: [w.v.start]),
            [1],
            caller=a_(lambda w: w.dead),
            exc=ProcessLookupError,
        ),
        case(
            K,
            a_(lambda w: w.p.pid),
            a_(lambda w: [w.v.start]),
            [1],
            caller=a_(lambda w: w.op),
            exc=ValueError,
        ),
        case(K, a_(lambda w: w.p.pid), a_(lambda w: [w.v.start]), [1], caller="x", exc=TypeError),
        # the system call's own refusals: one event each
        case(
            K,
            a_(lambda w: w.p.pid),
            a_(lambda w: [w.v.start]),
            [1],
            flags=0x100,
            exc=(OSError, EINVAL),
            refusal=True,
        ),
        case(
            K,
            a_(lambda w: w.p.pid),
            a_(lambda w: [w.v.start]),
            [5],
            exc=(OSError, ENODEV),
            refusal=True,
        ),
        case(K, 999, a_(lambda w: [w.v.start]), [1], exc=(OSError, ESRCH), refusal=True),
        case(
            K,
            a_(lambda w: w.unpriv.pid),
            [],
            [],
            flags=MPOL_MF_MOVE_ALL,
            caller=a_(lambda w: w.unpriv),
            exc=(OSError, EPERM),
            refusal=True,
        ),
    ],
    "node_usage": [case(K, 1, exc=TypeError)],
    "oops": [
        case(K, 1, "w", {}, exc=TypeError),
        case(K, "f", "w", {}, fatal="no", exc=TypeError),
    ],
    "pages_in_use": [case(K, 1, exc=TypeError)],
    "pfn_to_page": [
        case(K, -2, exc=(InvalidArgument, EINVAL)),  # -1 is ZERO_PFN, the zero page
        case(K, 64, exc=(InvalidArgument, EINVAL)),
        case(K, 1.0, exc=TypeError),
        case(K, True, exc=TypeError),
    ],
    "pin": [
        case(K, "x", exc=TypeError),
        case(K, a_(lambda w: w.opage), exc=ValueError),
        case(K, a_(lambda w: w.free_page), exc=ValueError),
    ],
    "release_pages": [
        case(K, a_(lambda w: [w.filled[0], w.opage]), exc=ValueError),  # all or nothing
        case(K, a_(lambda w: [w.filled[1], w.page]), exc=ValueError),  # page holds no pin
        case(K, a_(lambda w: [w.filled[2], w.filled[2]]), exc=ValueError),  # one pin only
        case(K, a_(lambda w: w.filled[0]), exc=TypeError),
        case(K, 5, exc=TypeError),
    ],
    "run": [
        case(K, "fifo", exc=ValueError),
        case(K, max_steps=0, exc=ValueError),
        case(K, max_steps=1.5, exc=ValueError),
    ],
    "runnable": [case(K, 1, exc=TypeError)],
    "set_page_dirty": [
        case(K, "x", exc=TypeError),
        case(K, a_(lambda w: w.opage), exc=ValueError),
    ],
    "spawn": [
        case(K, privileged="no", exc=TypeError),
        case(K, privileged=1, exc=TypeError),
        case(K, node=2, exc=(InvalidArgument, ENODEV)),
        case(K, node=True, exc=(InvalidArgument, ENODEV)),
        case(K, True, exc=TypeError),  # keyword-only
    ],
    "start_io_completion": [
        case(K, a_(lambda w: w.f.mapping), "x", bytes(PAGE_SIZE), exc=TypeError),
        case(K, a_(lambda w: w.f.mapping), a_(lambda w: w.page), b"x", exc=TypeError),
        case(K, a_(lambda w: w.og.mapping), a_(lambda w: w.page), bytes(PAGE_SIZE), exc=ValueError),
    ],
    "start_lock_holder": [
        case(K, a_(lambda w: w.page), hold="x", exc=TypeError),
        case(K, a_(lambda w: w.page), hold=1.5, exc=TypeError),
        case(K, a_(lambda w: w.page), hold=NAN, exc=TypeError),
        case(K, a_(lambda w: w.page), hold=True, exc=TypeError),
        case(K, a_(lambda w: w.page), hold=-1, exc=(InvalidArgument, EINVAL)),
        case(K, a_(lambda w: w.opage), exc=ValueError),
    ],
    "start_migrate_pages": [
        case(K, a_(lambda w: [w.page]), 7, exc=(InvalidArgument, ENODEV)),
        case(K, a_(lambda w: [w.page]), "1", exc=(InvalidArgument, ENODEV)),
        case(K, a_(lambda w: [w.page, "x"]), 1, exc=TypeError),
        case(K, a_(lambda w: [w.opage]), 1, exc=ValueError),
    ],
    "start_move_pages": [
        case(K, True, a_(lambda w: [w.v.start]), [1], exc=TypeError),
        case(K, a_(lambda w: w.p.pid), a_(lambda w: [w.v.start]), [True], exc=TypeError),
        case(
            K,
            a_(lambda w: w.p.pid),
            a_(lambda w: [w.v.start]),
            [1],
            caller=a_(lambda w: w.dead),
            exc=ProcessLookupError,
        ),
    ],
    "start_sys_migrate_pages": [
        case(K, a_(lambda w: w.p.pid), [0, "1"], [1], exc=TypeError),
        case(K, True, [0], [1], exc=TypeError),
        case(K, a_(lambda w: w.p.pid), "01", [1], exc=TypeError),
        case(
            K, a_(lambda w: w.p.pid), [0], [1], caller=a_(lambda w: w.dead), exc=ProcessLookupError
        ),
    ],
    "start_writeback": [
        case(K, "x", exc=TypeError),
        case(K, a_(lambda w: w.apage), exc=ValueError),
        case(K, a_(lambda w: w.opage), exc=ValueError),
    ],
    "replace": [
        case(K, exc=ValueError),  # nothing named
        case(K, migrate_pages=a_(lambda w: _a_path), exc=ValueError),  # not replaceable
        case(K, writeout=5, exc=TypeError),
        case(K, writeout=a_(lambda w: lambda k, page: None), exc=TypeError),  # no generator
        case(K, writeout=a_(lambda w: _a_path), exc=TypeError),  # parameters do not fit
    ],
    "start_path": [
        case(K, "", a_(lambda w: iter(())), exc=ValueError),
        case(K, "mine", 5, exc=TypeError),
        case(K, "mine", [("f", "w", {})], exc=TypeError),  # a list is no generator
    ],
    "step": [case(K, "x", exc=TypeError), case(K, a_(lambda w: w.otask), exc=TypeError)],
    "sys_migrate_pages": [
        case(K, a_(lambda w: w.p.pid), [0, "1"], [1], exc=TypeError),
        case(K, a_(lambda w: w.p.pid), [0], [1.0], exc=TypeError),
        case(
            K, a_(lambda w: w.p.pid), [0], [1], caller=a_(lambda w: w.dead), exc=ProcessLookupError
        ),
        case(K, a_(lambda w: w.p.pid), [0], [1], caller=a_(lambda w: w.op), exc=ValueError),
        case(K, a_(lambda w: w.p.pid), [0], [7], exc=(OSError, EINVAL), refusal=True),
        case(K, 999, [0], [1], exc=(OSError, ESRCH), refusal=True),
        case(
            K,
            a_(lambda w: w.p.pid),
            [0],
            [1],
            caller=a_(lambda w: w.unpriv),
            exc=(OSError, EPERM),
            refusal=True,
        ),
    ],
    "trylock_page": [case(K, "x", exc=TypeError), case(K, a_(lambda w: w.opage), exc=ValueError)],
    "unlock_page": [case(K, "x", exc=TypeError), case(K, a_(lambda w: w.opage), exc=ValueError)],
    "unpin": [case(K, "x", exc=TypeError), case(K, a_(lambda w: w.page), exc=ValueError)],
    "violations": [case(K, 1, exc=TypeError)],
    "wait_on_page_locked": [case(K, "x", "f", exc=TypeError)],
    "wait_on_page_writeback": [case(K, "x", "f", exc=TypeError)],
}


def D(w):
    return w.dead


def PROC_DEAD(name, *args, **kwargs):
    """The method on an exited process, with arguments that would be valid on a live one."""
    return case(D, *args, exc=ProcessLookupError, **kwargs)


VSTART = a_(lambda w: w.v.start)
PROCESS = {
    "anon_vma_prepare": [
        case(P, "x", exc=TypeError),
        case(P, a_(lambda w: w.ov), exc=ValueError),
        PROC_DEAD("anon_vma_prepare", a_(lambda w: w.a)),
    ],
    "exit": [case(P, 1, exc=TypeError), PROC_DEAD("exit")],
    "find_vma": [
        case(P, "x", exc=TypeError),
        case(P, 1.5, exc=TypeError),
        PROC_DEAD("find_vma", VSTART),
    ],
    "fork": [case(P, 1, exc=TypeError), PROC_DEAD("fork")],
    "madvise": [
        case(P, VSTART, 1, "willneed", exc=ValueError),
        case(P, 0, 1, "hugepage", exc=(SegmentationFault, EFAULT)),
        case(P, "x", 1, "hugepage", exc=TypeError),
        case(P, VSTART, "1", "hugepage", exc=TypeError),
        PROC_DEAD("madvise", VSTART, 1, "hugepage"),
    ],
    "mbind": [
        case(P, VSTART, 4, "1", exc=TypeError),
        case(P, VSTART, 4, [1], flags=True, exc=TypeError),
        case(P, VSTART, 4, [1.0], exc=TypeError),
        case(P, VSTART, 3, [1], exc=ValueError),  # whole vmas only
        case(P, 0, 1, [1], exc=(SegmentationFault, EFAULT)),
        case(P, VSTART, 4, [7], exc=(OSError, EINVAL), refusal=True),
        case(P, VSTART, 4, [], exc=(OSError, EINVAL), refusal=True),
        case(P, VSTART, 4, [1], flags=0x100, exc=(OSError, EINVAL), refusal=True),
        PROC_DEAD("mbind", VSTART, 4, [1]),
    ],
    "mlock": [
        case(P, VSTART, 1, exc=ValueError),  # whole vmas only
        case(P, VSTART, "4", exc=TypeError),
        case(P, 1.5, 4, exc=TypeError),
        case(P, 0, 1, exc=(SegmentationFault, EFAULT)),
        PROC_DEAD("mlock", VSTART, 4),
    ],
    "mmap": [
        case(P, 1, hugetlb="no", exc=TypeError),
        case(P, 0, exc=(InvalidArgument, EINVAL)),
        case(P, 2**52, exc=(InvalidArgument, ENOMEM)),
        case(P, 1.5, exc=TypeError),
        case(P, True, exc=TypeError),
        case(P, 1, file="f", exc=TypeError),
        case(P, 1, file=a_(lambda w: w.og), exc=ValueError),
        case(P, 1, file=a_(lambda w: w.f), shared="yes", exc=TypeError),
        case(P, 1, file=a_(lambda w: w.f), offset=1, exc=(InvalidArgument, EINVAL)),
        case(P, 1, file=a_(lambda w: w.f), offset=-PAGE_SIZE, exc=(InvalidArgument, EINVAL)),
        case(P, 1, shared=True, exc=ValueError),  # shmem is not modelled
        case(P, 1, offset=PAGE_SIZE, exc=ValueError),  # an anonymous mapping has no offset
        PROC_DEAD("mmap", 1),
    ],
    "mprotect": [
        case(P, VSTART, 4, "no", exc=TypeError),
        case(P, VSTART, 3, False, exc=ValueError),
        case(P, 0, 1, False, exc=(SegmentationFault, EFAULT)),
        PROC_DEAD("mprotect", VSTART, 4, False),
    ],
    "page_at": [
        case(P, "x", exc=TypeError),
        case(P, -1, exc=(InvalidArgument, EFAULT)),
        PROC_DEAD("page_at", VSTART),
    ],
    "pte": [
        case(P, None, exc=TypeError),
        case(P, -1, exc=(InvalidArgument, EFAULT)),
        PROC_DEAD("pte", VSTART),
    ],
    "read": [
        case(P, VSTART, 0, exc=(InvalidArgument, EINVAL)),
        case(P, VSTART, 1.5, exc=TypeError),
        case(P, VSTART, MAX_ACCESS + 1, exc=(InvalidArgument, EINVAL)),
        case(P, 0, 1, exc=(SegmentationFault, EFAULT)),
        case(P, a_(lambda w: w.v.end - 1), 2, exc=(SegmentationFault, EFAULT)),  # runs off
        case(P, a_(lambda w: w.big.start + PAGE_SIZE), 1, exc=(BusError, EFAULT)),
        PROC_DEAD("read", VSTART, 1),
    ],
    "remap_file_pages": [
        case(P, VSTART, 1, 1.5, exc=TypeError),
        case(P, VSTART, 1, NAN, exc=TypeError),
        case(P, VSTART, True, 0, exc=TypeError),
        case(P, a_(lambda w: w.v.start + 1), 1, 0, exc=(InvalidArgument, EINVAL)),
        case(P, a_(lambda w: w.a.start), 1, 0, exc=(InvalidArgument, EINVAL)),  # anonymous
        case(P, VSTART, 1, 4, exc=(InvalidArgument, EINVAL)),  # beyond the file
        case(P, VSTART, 1, -1, exc=(InvalidArgument, EINVAL)),
        case(P, VSTART, 0, 0, exc=(InvalidArgument, EINVAL)),
        case(P, VSTART, 5, 0, exc=(InvalidArgument, EINVAL)),  # longer than the vma
        PROC_DEAD("remap_file_pages", VSTART, 1, 2),
    ],
    "start_mbind": [
        case(P, VSTART, 4, ["1"], exc=TypeError),
        case(P, VSTART, "4", [1], exc=TypeError),
        case(P, a_(lambda w: w.v.start + PAGE_SIZE), 3, [1], exc=ValueError),
        PROC_DEAD("start_mbind", VSTART, 4, [1]),
    ],
    "start_access": [
        case(P, VSTART, write=True, data="text", exc=TypeError),
        case(P, VSTART, write=True, data=5, exc=TypeError),
        case(P, VSTART, write="yes", exc=TypeError),
        case(P, VSTART, n=0, exc=(InvalidArgument, EINVAL)),
        case(P, a_(lambda w: w.ro.start), write=True, data=b"x", exc=(SegmentationFault, EFAULT)),
        case(
            P, a_(lambda w: w.big.start + PAGE_SIZE), write=True, data=b"x", exc=(BusError, EFAULT)
        ),
        PROC_DEAD("start_access", VSTART),
    ],
    "vma_lookup": [
        case(P, "x", exc=TypeError),
        case(P, True, exc=TypeError),
        PROC_DEAD("vma_lookup", VSTART),
    ],
    "write": [
        case(P, VSTART, 5, exc=TypeError),  # not five NUL bytes
        case(P, VSTART, "text", exc=TypeError),
        case(P, VSTART, b"", exc=(InvalidArgument, EINVAL)),
        case(P, a_(lambda w: w.ro.start), b"x", exc=(SegmentationFault, EFAULT)),
        case(P, a_(lambda w: w.big.start + PAGE_SIZE), b"x", exc=(BusError, EFAULT)),
        case(P, a_(lambda w: w.big.start + PAGE_SIZE - 1), b"xy", exc=(BusError, EFAULT)),
        PROC_DEAD("write", VSTART, b"x"),
    ],
    "zap_pte": [
        case(P, "x", VSTART, exc=TypeError),
        case(P, a_(lambda w: w.ov), VSTART, exc=ValueError),
        case(P, a_(lambda w: w.v), 0, exc=(InvalidArgument, EFAULT)),
        PROC_DEAD("zap_pte", a_(lambda w: w.v), VSTART),
    ],
}

VMA = {
    "addresses": [case(V, 1, exc=TypeError)],
    "contains": [case(V, "x", exc=TypeError), case(V, 1.5, exc=TypeError)],
    "linear_page_index": [
        case(V, 0, exc=(InvalidArgument, EFAULT)),
        case(V, "x", exc=TypeError),
        case(V, a_(lambda w: w.v.end + PAGE_SIZE), exc=(InvalidArgument, EFAULT)),
        case(V, True, exc=TypeError),
    ],
}

PAGE = {
    "flag_names": [case(PG, 1, exc=TypeError)],
    "read_bytes": [
        case(PG, -1, 1, exc=ValueError),
        case(PG, 0, PAGE_SIZE + 1, exc=ValueError),
        case(PG, 1.5, exc=ValueError),
    ],
    "write_bytes": [
        case(PG, PAGE_SIZE - 1, b"ab", exc=ValueError),  # a frame never grows
        case(PG, 0, "text", exc=TypeError),
        case(PG, 0, 5, exc=TypeError),
        case(PG, -1, b"a", exc=ValueError),
    ],
}


def _a_path():
    """A generator function that takes none of a kernel function's parameters."""
    yield ("mine", "a step", {})


TASK: dict = {}  # Task has no public methods; tasks are passed to Kernel.step (above)

TABLES = {Kernel: KERNEL, Process: PROCESS, Vma: VMA, Page: PAGE, Task: TASK}
CASES = [
    (cls.__name__, name, i, c)
    for cls, table in TABLES.items()
    for name, cases in table.items()
    for i, c in enumerate(cases)
]


def test_every_public_method_has_a_table_entry():
    for cls in CLASSES:
        assert sorted(TABLES[cls]) == public_methods(cls), cls.__name__
        assert all(TABLES[cls][name] for name in TABLES[cls]), cls.__name__


def _resolve(w, x):
    if isinstance(x, tuple) and len(x) == 2 and x[0] == "world":
        return x[1](w)
    return x


def test_every_bad_call_raises_before_anything_changes(capsys):
    """One world; each bad call must raise and leave both machines identical (for a
    system call's refusal: identical but for one event). Prints the number of calls."""
    w = build_world()
    calls = 0
    for cls_name, name, i, (recv, args, kwargs, exc, refusal) in CASES:
        obj = recv(w)
        args = [_resolve(w, a) for a in args]
        kwargs = {key: _resolve(w, val) for key, val in kwargs.items()}
        before, before_other = snapshot(w.k), snapshot(w.other)
        events = len(w.k.trace.events)
        klass, err = exc if isinstance(exc, tuple) else (exc, None)
        label = f"{cls_name}.{name} case {i}: {args!r} {kwargs!r}"
        with pytest.raises(klass) as info:
            result = getattr(obj, name)(*args, **kwargs)
            if isinstance(result, GeneratorType):  # a kernel-path helper acts when stepped
                next(result)
            pytest.fail(f"{label}: no exception (returned {result!r})")
        calls += 1
        if err is not None:
            assert info.value.errno == err, f"{label}: errno {info.value.errno}, not {err}"
        assert str(info.value), f"{label}: an exception without a message"
        if refusal:
            new = w.k.trace.events[events:]
            assert len(new) == 1 and new[0].kind == "return", (label, new)
            assert isinstance(new[0].data["result"], OSError), label
            after = snapshot(w.k)
            assert after[:-1] == before[:-1], label  # all but the clock and the trace
            assert after[-1] == (before[-1][0] + 1, before[-1][1] + 1), label
        else:
            assert snapshot(w.k) == before, f"{label}: the machine changed"
        assert snapshot(w.other) == before_other, f"{label}: the other machine changed"
    w.k.check()
    w.other.check()
    with capsys.disabled():
        print(f"\nmisuse harness: {calls} bad calls, each refused before anything changed")
    assert calls == len(CASES)


def test_a_page_of_another_kernel_is_never_freed_here():
    # the exploit: release_pages put another kernel's pfn on this free list,
    # the frame was handed out twice and a process's bytes were overwritten
    w = build_world()
    with pytest.raises(ValueError):
        w.k.release_pages([w.opage])
    q = w.k.spawn()
    v = q.mmap(1)
    q.write(v.start, b"mine")
    assert w.op.read(w.ov.start, 1) == bytes(1) and q.read(v.start, 4) == b"mine"
    w.k.check()
    w.other.check()


def test_release_pages_all_or_nothing_then_works():
    w = build_world()
    free = w.k.free_frames(1)
    with pytest.raises(ValueError):
        w.k.release_pages([*w.filled, w.page])
    assert w.k.free_frames(1) == free
    w.k.release_pages(w.filled)
    assert w.k.free_frames(1) == free + 4
    w.k.check()


def test_same_seed_same_machine_and_a_seed_is_required():
    with pytest.raises(TypeError):
        Kernel(seed=None)
    with pytest.raises(TypeError):
        Kernel(seed=1.5)
    assert snapshot(build_world().k) == snapshot(build_world().k)
