"""Ready-made scenarios: the small machines the book, the widgets and the demo start from.

Not a kernel file. Each builder takes the knobs a reader can turn and returns a
``Scenario``: the kernel, the processes, the page under study and the address of
each process's mapping of it. Everything is decided by the arguments and the
seed, so the same call always builds the same machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .constants import PAGE_SIZE
from .kernel import Kernel

MAPPING_TYPES = ("anonymous", "file linear", "file nonlinear")


@dataclass
class Scenario:
    kernel: Kernel
    processes: list
    vmas: list
    addrs: list  # each process's address of the page under study
    file: object | None
    mapping: str
    target_node: int
    notes: list = field(default_factory=list)

    @property
    def page(self):
        """The page under study (as the first process sees it now)."""
        return self.processes[0].page_at(self.addrs[0])

    def start_migration(self):
        page = self.page
        if page is None:
            raise ValueError("the page under study is not mapped")
        return self.kernel.start_migrate_pages([page], self.target_node)


def scenario_problem(mapping: str, nodes: int, sharers: int) -> str | None:
    """Why a combination makes no sense, or None if it does."""
    if mapping not in MAPPING_TYPES:
        return f"mapping must be one of {', '.join(MAPPING_TYPES)}"
    if nodes < 2:
        return "migration needs at least two nodes: with one node there is nowhere to move a page"
    if sharers < 1:
        return "at least one process must map the page"
    return None


def build_scenario(
    mapping: str = "file linear",
    *,
    dirty: bool = False,
    writepage: str | None = "ok",
    migratepage: bool | None = None,
    sharers: int = 1,
    nodes: int = 2,
    variant: str = "patched",
    pins: int = 0,
    pages: int = 4,
    frames_per_node: int = 64,
    seed: int = 0,
    page_index: int = 1,
) -> Scenario:
    """One page mapped by ``sharers`` processes, on node 0, ready to migrate to node 1.

    ``mapping``: "anonymous" (a private page shared copy-on-write after fork),
    "file linear" (a shared file mapping) or "file nonlinear" (the same after
    remap_file_pages moved the page to another position). ``dirty`` writes to
    the page so it is dirty; with ``migratepage=None`` a dirty file page uses
    fallback_migrate_page (so writeout runs) and a clean one migrate_page.
    """
    problem = scenario_problem(mapping, nodes, sharers)
    if problem:
        raise ValueError(problem)
    if not 0 <= page_index < pages:
        raise ValueError("page_index must lie inside the mapping")
    k = Kernel(nodes=nodes, frames_per_node=frames_per_node, variant=variant, seed=seed)
    procs, vmas, addrs = [], [], []
    f = None
    notes = []
    if mapping == "anonymous":
        p = k.spawn()
        v = p.mmap(pages)
        addr = v.start + page_index * PAGE_SIZE
        p.write(addr, f"anon page, seed {seed}".encode())
        procs.append(p)
        vmas.append(v)
        addrs.append(addr)
        for _ in range(sharers - 1):
            c = procs[0].fork()
            c.read(addr, 1)
            procs.append(c)
            vmas.append(c.find_vma(addr))
            addrs.append(addr)
        if not dirty:
            notes.append(
                "anonymous pages have no backing file: 'dirty' changes nothing for migration"
            )
    else:
        mp = migratepage if migratepage is not None else not dirty
        f = k.create_file("data.bin", pages, migratepage=mp, writepage=writepage)
        for i in range(sharers):
            p = k.spawn()
            v = p.mmap(pages, file=f, shared=True)
            if mapping == "file nonlinear":
                # rotate the file by one page: file page i sits at position (i-1) mod pages
                for pos in range(pages):
                    p.remap_file_pages(v.start + pos * PAGE_SIZE, 1, (pos + 1) % pages)
                addr = v.start + ((page_index - 1) % pages) * PAGE_SIZE
            else:
                addr = v.start + page_index * PAGE_SIZE
            if i == 0 and dirty:
                p.write(addr, f"file page {page_index}, seed {seed}".encode())
            else:
                p.read(addr, 1)
            for pos in range(pages):
                a = v.start + pos * PAGE_SIZE
                if a != addr:
                    p.read(a, 1)  # neighbours mapped too (nonlinear clusters take them along)
            procs.append(p)
            vmas.append(v)
            addrs.append(addr)
        if not dirty:
            # reading the page cache leaves the pages clean
            pass
    page = procs[0].page_at(addrs[0])
    for _ in range(pins):
        k.pin(page)
    k.trace.clear()
    return Scenario(k, procs, vmas, addrs, f, mapping, target_node=1, notes=notes)


def demo_scenario(seed: int = 0) -> Scenario:
    """The `pagemig demo` machine: a dirty page of a file without migratepage,
    shared by two processes, so that writeout and the migration entries both show."""
    return build_scenario("file linear", dirty=True, sharers=2, seed=seed)
