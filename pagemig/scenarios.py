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
    return populate(
        k,
        mapping,
        dirty=dirty,
        writepage=writepage,
        migratepage=migratepage,
        sharers=sharers,
        pins=pins,
        pages=pages,
        page_index=page_index,
    )


def populate(
    k: Kernel,
    mapping: str = "file linear",
    *,
    dirty: bool = False,
    writepage: str | None = "ok",
    migratepage: bool | None = None,
    sharers: int = 1,
    pins: int = 0,
    pages: int = 4,
    page_index: int = 1,
) -> Scenario:
    """``build_scenario``'s machine, made in the kernel ``k`` given (e.g. the fresh kernel
    the explorer hands to a race's build)."""
    problem = scenario_problem(mapping, k.nr_nodes, sharers)
    if problem:
        raise ValueError(problem)
    if not 0 <= page_index < pages:
        raise ValueError("page_index must lie inside the mapping")
    seed = k.seed
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


# -- ready-made races (for pagemig.explore) ------------------------------------------------
@dataclass
class Race:
    """A small machine and the paths that race on it, as a ``build(kernel)`` for
    ``pagemig.explore.explore``: calling it with a fresh kernel builds the machine and
    starts the tasks (the migration first). ``kernel_args`` are the Kernel settings the
    race is meant for (nodes, frames, I/O latency); ``scenario`` is the last machine built.
    """

    name: str
    title: str
    setup: object  # setup(k) -> Scenario, with the tasks started
    kernel_args: dict = field(default_factory=dict)
    scenario: Scenario | None = None

    def __call__(self, k: Kernel):
        sc = self.setup(k)
        self.scenario = sc
        return sc


RACE_KERNEL = {"nodes": 2, "frames_per_node": 8, "io_latency": 1}


def _file_fault(k: Kernel, *, readers: int = 1, sharers: int = 2) -> Scenario:
    sc = populate(k, "file linear", dirty=True, sharers=sharers, pages=1, page_index=0)
    sc.start_migration()
    for i in range(readers):
        proc = sc.processes[(1 + i) % len(sc.processes)]
        proc.start_access(sc.addrs[(1 + i) % len(sc.addrs)])
    return sc


def _anon_fault(k: Kernel) -> Scenario:
    sc = populate(k, "anonymous", pages=1, page_index=0)
    sc.start_migration()
    sc.processes[0].start_access(sc.addrs[0])
    return sc


def _writeback(k: Kernel) -> Scenario:
    sc = populate(k, "file linear", dirty=True, sharers=1, pages=1, page_index=0)
    page = sc.page
    sc.start_migration()
    k.start_writeback(page)
    return sc


def _fork_cow(k: Kernel) -> Scenario:
    """A private anonymous page (written, so its pte is writable); the process forks
    while the page migrates, and the child then writes the page (copy on write)."""
    from .memory import access_process_vm

    sc = populate(k, "anonymous", pages=1, page_index=0)
    parent, addr = sc.processes[0], sc.addrs[0]
    sc.start_migration()

    def fork_then_write():
        child = parent.fork()
        yield ("copy_page_range", f"pid {parent.pid} forks pid {child.pid}", {"child": child.pid})
        yield from access_process_vm(k, child, addr, 1, True, b"c")

    k.start_path("fork", fork_then_write())
    return sc


def _mprotect(k: Kernel) -> Scenario:
    """A written anonymous page; mprotect(PROT_READ) on its VMA while it migrates, then
    the process reads it: no pte may come back writable."""
    from .memory import access_process_vm

    sc = populate(k, "anonymous", pages=1, page_index=0)
    proc, addr, vma = sc.processes[0], sc.addrs[0], sc.vmas[0]
    sc.start_migration()

    def mprotect_then_read():
        proc.mprotect(vma.start, vma.pages, write=False)
        yield ("change_pte_range", f"pid {proc.pid}: mprotect read-only", {"pid": proc.pid})
        return (yield from access_process_vm(k, proc, addr, 1, False, None))

    k.start_path("mprotect", mprotect_then_read())
    return sc


def _two_migrations(k: Kernel) -> Scenario:
    """Two pages of one shared file mapping (two processes map both), each migrated by
    its own migrate_pages call: their rmap walks cross the same VMAs."""
    sc = populate(k, "file linear", sharers=2, pages=2, page_index=0)
    other = sc.processes[0].page_at(sc.addrs[0] + PAGE_SIZE)
    sc.start_migration()
    k.start_migrate_pages([other], sc.target_node)
    return sc


RACES = {
    "file-fault": (
        "migration × access of a dirty shared file page (the patch's race)",
        _file_fault,
    ),
    "anon-fault": ("migration × access of an anonymous page", _anon_fault),
    "writeback": ("migration × writeback of a dirty file page", _writeback),
    "fork": ("migration × fork in a copy-on-write mapping", _fork_cow),
    "mprotect": ("migration × mprotect of the mapping", _mprotect),
    "two-migrations": ("two migrations of pages that share a mapping", _two_migrations),
}


def race(name: str, **kw) -> Race:
    """A ready-made race by name (see ``RACES``): "file-fault" (a dirty page of a file
    without migratepage, mapped shared by two processes; migration × the second process's
    read), "anon-fault", "writeback", "fork", "mprotect", "two-migrations". Keyword
    arguments go to the builder (``readers=2`` adds a third task to "file-fault").
    The machines are small (one page per mapping, 8 frames a node, I/O that takes one
    step) so that every interleaving can be explored."""
    if name not in RACES:
        raise ValueError(f"race must be one of {', '.join(RACES)}; got {name!r}")
    title, setup = RACES[name]
    if kw:
        title += " (" + ", ".join(f"{a}={b}" for a, b in kw.items()) + ")"
    return Race(name, title, lambda k: setup(k, **kw), dict(RACE_KERNEL))
