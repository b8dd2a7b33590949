"""Shared helpers for the engine tests: a snapshot of the whole simulated machine
(to prove misuse changes nothing) and stepping helpers."""

from __future__ import annotations

import pytest

from pagemig import PAGE_SIZE, Kernel


@pytest.fixture
def k():
    return Kernel(nodes=2, frames_per_node=64)


def snapshot(k: Kernel):
    """Everything a call could change: frames, pages, page tables, VMAs, caches,
    counters, trace, tasks and the random generator."""
    pages = tuple(
        (
            p.pfn,
            p.flags,
            p.count,
            tuple(sorted(p.refs.items())),
            p._mapcount,
            id(p.mapping),
            p.index,
            p.private,
            bytes(p.data) if p.data is not None else None,
        )
        for n in k.nodes
        for p in n.pages
    )
    procs = tuple(
        (
            pid,
            proc.alive,
            tuple(sorted((vpn, repr(pte)) for vpn, pte in proc.ptes.items())),
            tuple(
                (v.start, v.end, v.pgoff, v.shared, v.write, v.locked, v.nonlinear)
                for v in proc.vmas
            ),
            proc.anon_rss,
            proc.file_rss,
        )
        for pid, proc in sorted(k.processes.items())
    )
    files = tuple(
        (
            name,
            tuple(sorted((i, pg.pfn) for i, pg in f.mapping.page_tree.items())),
            tuple(sorted(f.backing.items())),
        )
        for name, f in sorted(k.files.items())
    )
    return (
        tuple(n.nr_free for n in k.nodes),
        pages,
        procs,
        files,
        tuple(sorted(k.vmstat.items())),
        len(k.trace),
        k.clock,
        tuple(t.name for t in k.tasks),
        k.rng.getstate(),
    )


def step_until(k: Kernel, task, pred, limit: int = 10_000):
    """Step ``task`` (alone) until an event satisfies ``pred``; return that event."""
    for _ in range(limit):
        ev = k.step(task)
        if ev is not None and pred(ev):
            return ev
        if task.done:
            break
    raise AssertionError("the awaited event never came")


def step_to_end(k: Kernel, task, limit: int = 100_000):
    """Step ``task`` alone until it is done (it must never block for good)."""
    for _ in range(limit):
        if task.done:
            return task.result
        k.step(task)
    raise AssertionError(f"{task} did not finish")


def file_setup(k: Kernel, *, sharers=1, pages=4, index=1, write=False, **file_kw):
    """A file of ``pages`` pages mapped shared by ``sharers`` processes, page
    ``index`` touched by each (written by the first when ``write``)."""
    f = k.create_file(f"f{len(k.files)}", pages, **file_kw)
    procs, addrs = [], []
    for i in range(sharers):
        p = k.spawn()
        v = p.mmap(pages, file=f, shared=True)
        a = v.start + index * PAGE_SIZE
        if write and i == 0:
            p.write(a, b"file bytes %d" % index)
        else:
            p.read(a, 1)
        procs.append(p)
        addrs.append(a)
    return f, procs, addrs


def written(k, n=2, proc=None):
    """``n`` anonymous pages of a new mapping (in ``proc`` or a new process), each
    written with "page i"; returns (process, vma, addresses)."""
    p = proc or k.spawn()
    v = p.mmap(n)
    addrs = [v.start + i * PAGE_SIZE for i in range(n)]
    for i, a in enumerate(addrs):
        p.write(a, b"page %d" % i)
    return p, v, addrs
