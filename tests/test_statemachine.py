"""A Hypothesis state machine that drives the engine through random sequences of
process, memory, writeback and migration operations, interleaving started kernel
paths step by step, with Kernel.check() after every rule and an independent model
of what every address must read back.

How long it runs is a Hypothesis settings profile (``PAGEMIG_STATEMACHINE``):

* ``ci`` (chosen when ``CI=true``): derandomized, 30 examples of 30 steps per
  variant, the same examples on every run (about a minute for both variants);
* ``dev`` (the default elsewhere): the same size, random examples;
* ``long``: ``PAGEMIG_STATEMACHINE_EXAMPLES`` examples (default 20,000) of 50 steps.

For maintainers, a run for a given time, per variant, that prints how many
examples it ran::

    nice -n 15 .venv/bin/python tests/test_statemachine.py --minutes 120 --variant patched

(``--variant`` is patched, before-patch, or any variant the engine knows; a
failure prints the shrunk sequence of rules and exits with status 1).
"""

from __future__ import annotations

import os
from errno import EACCES, EFAULT, ENOENT, ENOMEM, EPERM

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pagemig import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, PAGE_SIZE, Kernel
from pagemig.invariants import NONLINEAR

ZERO = bytes(8)
IDX = st.integers(min_value=0, max_value=10_000)
NODE = st.integers(min_value=0, max_value=1)
MAX_PROCS = 5
MAX_VMAS = 4  # per process


class EngineMachine(RuleBasedStateMachine):
    variant = "patched"
    examples = 0  # machines built (one per example), for the long runs' report
    strandings = 0  # times a remap reproduced the 2.6.18 race (see remap_file_pages)

    def __init__(self):
        super().__init__()
        EngineMachine.examples += 1
        self.boot()

    def boot(self):
        """A fresh machine (also after a remap reproduced the 2.6.18 race)."""
        k = self.k = Kernel(nodes=2, frames_per_node=48, variant=self.variant, seed=1, io_latency=1)
        self.files = [
            k.create_file("mp", 6),  # migrate_page
            k.create_file("wb", 6, migratepage=False),  # dirty pages are written out
            k.create_file("nowp", 4, migratepage=False, writepage=None),
            k.create_file("buf", 4, migratepage=False, buffers=True),
            k.create_file("err", 3, migratepage=False, writepage="error"),
        ]
        self.procs = [k.spawn()]
        self.file_data: dict[tuple[str, int], bytes] = {}
        self.anon: dict[tuple[int, int], bytes] = {}  # private bytes per (pid, vpn)
        self.remapped: dict[tuple[int, int], int] = {}  # nonlinear position -> pgoff
        self.pins: list = []
        self.started: list = []
        self.pending_reads: list = []  # (task, proc, addr, values the address held)
        self.pending_writes: list = []  # (task, proc, addr, token)
        self.write_tasks: set[int] = set()
        self.token = 0
        # a populated start, so that short runs already meet dirty, shared and
        # anonymous pages: two processes share the write-out file (one page dirty)
        # and the migrate_page file; the first also has two anonymous pages
        first = self.procs[0]
        first.mmap(2)
        first.mmap(3, file=self.files[1], shared=True)
        first.mmap(2, file=self.files[0], shared=True)
        self.procs.append(k.spawn())
        self.procs[1].mmap(3, file=self.files[1], shared=True)
        for v, j in ((0, 0), (0, 1), (1, 0), (2, 1)):
            self.write(0, v, j)
        for v, j in ((0, 0), (0, 1)):
            self.read(1, v, j)

    # -- the model ------------------------------------------------------------------
    def expected(self, proc, addr) -> bytes:
        vpn = addr // PAGE_SIZE
        if (proc.pid, vpn) in self.anon:
            return self.anon[(proc.pid, vpn)]
        vma = proc.find_vma(addr)
        if vma.file is None:
            return ZERO
        pgoff = self.remapped.get((proc.pid, vpn), vma.linear_page_index(addr))
        return self.file_data.get((vma.file.name, pgoff), ZERO)

    def pick(self, seq, i):
        return seq[i % len(seq)] if seq else None

    def pick_addr(self, proc, i, j, *, writable=False, shared_file=False):
        vmas = [
            v
            for v in proc.vmas
            if (not writable or v.write) and (not shared_file or (v.file is not None and v.shared))
        ]
        v = self.pick(vmas, i)
        if v is None:
            return None, None
        return v, v.start + (j % v.pages) * PAGE_SIZE

    def live_pages(self):
        """Pages some process maps now (what page_at gives) that a caller could reach:
        mapped by a present pte, or a file page still in its page cache (an anonymous
        page whose ptes are all migration entries is out of reach), in pfn order."""
        seen = {}
        for p in self.procs:
            for vpn in sorted(p.ptes):
                page = p.page_at(vpn * PAGE_SIZE)
                if page is None or page.reserved:  # nothing, or the ZERO_PAGE
                    continue
                cached = (
                    page.mapping is not None
                    and not page.anon
                    and page.mapping.page_tree.get(page.index) is page
                )
                if page.mapcount > 0 or cached:
                    seen[page.pfn] = page
        return [seen[pfn] for pfn in sorted(seen)]

    def busy(self, proc):
        return any(getattr(t, "process", None) is proc and not t.done for t in self.k.tasks)

    # -- processes and mappings -----------------------------------------------------------
    @precondition(lambda self: len(self.procs) < MAX_PROCS)
    @rule(privileged=st.booleans())
    def spawn(self, privileged):
        self.procs.append(self.k.spawn(privileged=privileged))

    @precondition(lambda self: self.procs and len(self.procs) < MAX_PROCS)
    @rule(i=IDX)
    def fork(self, i):
        parent = self.pick(self.procs, i)
        child = parent.fork()
        for table in (self.anon, self.remapped):
            for (pid, vpn), v in list(table.items()):
                if pid == parent.pid:
                    table[(child.pid, vpn)] = v
        self.procs.append(child)

    @precondition(lambda self: len(self.procs) > 1)
    @rule(i=IDX)
    def exit(self, i):
        p = self.pick(self.procs, i)
        if self.busy(p):
            return
        p.exit()
        self.procs.remove(p)
        for table in (self.anon, self.remapped):
            for key in [key for key in table if key[0] == p.pid]:
                del table[key]

    @precondition(lambda self: self.procs)
    @rule(i=IDX, pages=st.integers(1, 3))
    def mmap_anon(self, i, pages):
        p = self.pick(self.procs, i)
        if len(p.vmas) < MAX_VMAS:
            p.mmap(pages)

    @precondition(lambda self: self.procs)
    @rule(i=IDX, f=IDX, shared=st.booleans(), off=IDX, pages=st.integers(1, 4))
    def mmap_file(self, i, f, shared, off, pages):
        p = self.pick(self.procs, i)
        file = self.pick(self.files, f)
        off = off % file.pages
        pages = min(pages, file.pages - off)
        if len(p.vmas) < MAX_VMAS:
            p.mmap(pages, file=file, offset=off * PAGE_SIZE, shared=shared)

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, j=IDX, pgoff=IDX)
    def remap_file_pages(self, i, v, j, pgoff):
        p = self.pick(self.procs, i)
        vma, addr = self.pick_addr(p, v, j, shared_file=True)
        if vma is None:
            return
        self.remap(p, vma, addr, pgoff % vma.file.pages)

    def remap(self, p, vma, addr, pgoff):
        """remap_file_pages of one page, at any moment, rmap walks in flight included:
        if a walk of the file holds i_mmap_lock, the call spins until the walk ends.

        2.6.18 makes a vma nonlinear under i_mmap_lock and mmap_sem only, not under
        the page lock; remove_file_migration_ptes walks the prio tree only, and the
        populate step zaps the ptes of the remapped range (free_swap_and_cache ignores
        migration entries). So a vma that holds a migration entry at another address
        keeps it, in a nonlinear vma nobody restores: a real 2.6.18 race between
        migration and remap_file_pages by another mm (kernel-facts A.7, A.8, D.12).
        The engine reproduces it; here check() must name exactly that rule, and the
        machine starts afresh."""
        nonlinear_before = vma.nonlinear
        p.remap_file_pages(addr, 1, pgoff)
        self.remapped[(p.pid, addr // PAGE_SIZE)] = pgoff
        if not vma.nonlinear:
            return  # the linear layout already: the model leaves the ptes alone
        # never an entry where remap just installed its pte (what the lock guarantees)
        assert p.pte(addr).kind == "file", p.pte(addr)
        stranded = [a for a in vma.addresses() if p.pte(a).kind == "migration"]
        if not stranded:
            return
        assert not nonlinear_before  # only a linear vma can hold migration entries
        assert all(p.page_at(a).locked for a in stranded)  # the migration is still on
        rules = {rule for rule, _ in self.k.violations()}
        assert rules == {NONLINEAR}, self.k.violations()
        EngineMachine.strandings += 1
        self.boot()

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, j=IDX, pgoff=IDX, steps=st.integers(0, 40))
    def remap_during_walk(self, i, v, j, pgoff, steps):
        """Start a migration of a page of a shared file mapping, step it until its
        try_to_unmap_file (or a restore walk) holds i_mmap_lock, a few steps more,
        then remap_file_pages a page of a vma of that file (the race of issue 16)."""
        p = self.pick(self.procs, i)
        vma, addr = self.pick_addr(p, v, j, shared_file=True)
        if vma is None or p.pte(addr).kind != "present":
            return
        page = p.page_at(addr)
        lock = vma.file.mapping.i_mmap_lock
        t = self.k.start_migrate_pages([page], 1 - page.node)
        self.started.append(t)
        for _ in range(200):
            if t.done or lock.holder is t:
                break
            self.k.step(t)
        for _ in range(steps % 8):
            if lock.holder is not t:
                break
            self.k.step(t)
        sharers = [(q, w) for q in self.procs for w in q.vmas if w.file is vma.file and w.shared]
        q, w = self.pick(sharers, pgoff)
        self.remap(q, w, w.start + (j % w.pages) * PAGE_SIZE, pgoff % w.file.pages)

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX)
    def mlock(self, i, v):
        p = self.pick(self.procs, i)
        vma = self.pick(p.vmas, v)
        if vma is not None:
            p.mlock(vma.start, vma.pages)

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, write=st.booleans())
    def mprotect(self, i, v, write):
        p = self.pick(self.procs, i)
        vma = self.pick(p.vmas, v)
        if vma is not None:
            p.mprotect(vma.start, vma.pages, write)

    # -- accesses ---------------------------------------------------------------------------
    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, j=IDX)
    def write(self, i, v, j):
        p = self.pick(self.procs, i)
        vma, addr = self.pick_addr(p, v, j, writable=True)
        if vma is None or self.busy(p) or self.pending_writes:
            return
        self.token += 1
        data = b"%08d" % self.token
        p.write(addr, data)
        self.store(p, addr, data)

    def store(self, p, addr, data):
        """The model's effect of a write of ``data`` by ``p`` at ``addr``."""
        vma = p.find_vma(addr)
        if vma.file is not None and vma.shared:
            pgoff = self.remapped.get((p.pid, addr // PAGE_SIZE), vma.linear_page_index(addr))
            self.file_data[(vma.file.name, pgoff)] = data
        else:
            self.anon[(p.pid, addr // PAGE_SIZE)] = data

    def land_writes(self) -> list[bytes]:
        """Apply the started writes that have written (their "access" event is in the
        trace), in the order they wrote, to the model; returns their tokens. This runs
        after every rule, so a write lands in the model before any later rule
        (remap, fork) changes what its address means."""
        wrote, still = [], []
        for w in self.pending_writes:
            t = w[0]
            seqs = [e.seq for e in self.k.trace if e.task == t.name and e.func == "access"]
            if seqs:
                wrote.append((seqs[-1], w))
            elif not t.done:
                still.append(w)
            # done without writing: SIGSEGV (mprotect took write away meanwhile)
        self.pending_writes = still
        landed = []
        for _, (_t, p, addr, data) in sorted(wrote, key=lambda x: x[0]):
            self.store(p, addr, data)
            landed.append(data)
            # every read in flight may have seen its address's value at this moment
            for _r, rp, raddr, seen in self.pending_reads:
                seen.add(self.expected(rp, raddr))
        return landed

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, j=IDX)
    def start_write(self, i, v, j):
        p = self.pick(self.procs, i)
        vma, addr = self.pick_addr(p, v, j, writable=True)
        if vma is None:
            return
        self.token += 1
        data = b"%08d" % self.token
        t = p.start_access(addr, write=True, data=data)
        self.started.append(t)
        self.write_tasks.add(id(t))
        self.pending_writes.append((t, p, addr, data))

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, j=IDX)
    def read(self, i, v, j):
        p = self.pick(self.procs, i)
        vma, addr = self.pick_addr(p, v, j)
        if vma is None:
            return
        # started writes may land while the read runs, in any order: the read may see
        # any value its address held meanwhile (land_writes records each one)
        probe = (None, p, addr, {self.expected(p, addr)})
        self.pending_reads.append(probe)
        got = p.read(addr, 8)
        self.land_writes()
        self.pending_reads.remove(probe)
        probe[3].add(self.expected(p, addr))
        assert got in probe[3], (got, probe[3])

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, j=IDX)
    def start_read(self, i, v, j):
        p = self.pick(self.procs, i)
        vma, addr = self.pick_addr(p, v, j)
        if vma is None:
            return
        t = p.start_access(addr, n=8)
        self.started.append(t)
        self.pending_reads.append((t, p, addr, {self.expected(p, addr)}))

    # -- references, locks, writeback, swap -------------------------------------------------
    @rule(i=IDX)
    def pin(self, i):
        page = self.pick(self.live_pages(), i)
        if page is not None and len(self.pins) < 3:
            self.k.pin(page)
            self.pins.append(page)

    @precondition(lambda self: self.pins)
    @rule(i=IDX)
    def unpin(self, i):
        page = self.pins.pop(i % len(self.pins))
        self.k.unpin(page)

    @rule(f=IDX, j=IDX)
    def start_writeback(self, f, j):
        file = self.pick(self.files, f)
        page = self.pick(file.cached_pages(), j)
        if page is not None:
            self.started.append(self.k.start_writeback(page))

    @rule(i=IDX, hold=st.integers(1, 6))
    def lock_holder(self, i, hold):
        page = self.pick(self.live_pages(), i)
        if page is not None:
            self.started.append(self.k.start_lock_holder(page, hold=hold))

    @rule(i=IDX)
    def add_to_swap(self, i):
        anon = [p for p in self.live_pages() if p.anon and not p.swapcache and not p.locked]
        page = self.pick(anon, i)
        if page is not None:
            self.k.add_to_swap(page)

    # -- migration ----------------------------------------------------------------------------
    def some_pages(self, i, n):
        pages = self.live_pages()
        if not pages:
            return []
        return [pages[(i + 7 * x) % len(pages)] for x in range(min(n, len(pages)))]

    @rule(i=IDX, n=st.integers(1, 4), node=NODE)
    def migrate_pages(self, i, n, node):
        pages = list({id(p): p for p in self.some_pages(i, n)}.values())
        if pages:
            rc = self.k.migrate_pages(pages, node)
            assert rc == -ENOMEM or 0 <= rc <= len(pages)

    @rule(i=IDX, n=st.integers(1, 4), node=NODE)
    def start_migrate_pages(self, i, n, node):
        pages = list({id(p): p for p in self.some_pages(i, n)}.values())
        if pages:
            self.started.append(self.k.start_migrate_pages(pages, node))

    def move_pages_args(self, i, v, j, n, node, query):
        p = self.pick(self.procs, i)
        addrs = []
        for x in range(n):
            vma, addr = self.pick_addr(p, v + x, j + 3 * x)
            if addr is not None and addr not in addrs:
                addrs.append(addr)
        nodes = None if query else [(node + x) % 2 for x in range(len(addrs))]
        return p, addrs, nodes

    @precondition(lambda self: self.procs)
    @rule(
        i=IDX,
        v=IDX,
        j=IDX,
        n=st.integers(1, 3),
        node=NODE,
        query=st.booleans(),
        move_all=st.booleans(),
        caller=IDX,
    )
    def move_pages(self, i, v, j, n, node, query, move_all, caller):
        p, addrs, nodes = self.move_pages_args(i, v, j, n, node, query)
        c = self.pick(self.procs, caller)
        flags = MPOL_MF_MOVE_ALL if move_all else MPOL_MF_MOVE
        alone = not self.k.tasks  # else started paths run during the call and move pages
        try:
            status = self.k.move_pages(p.pid, addrs, nodes, flags, caller=c)
        except OSError as e:
            assert e.errno in (ENOENT, ENOMEM, EPERM), e
            return
        assert len(status) == len(addrs)
        if query and alone:
            modern = self.variant == "modern"
            for a, s in zip(addrs, status):
                page = p.page_at(a)
                pte = p.pte(a)
                if pte.kind == "present" and not page.reserved:
                    assert s == page.node
                elif modern and (pte.kind == "present" or p.vma_lookup(a).file is None):
                    assert s == -EFAULT  # 6.1: the zero page, untouched anonymous memory
                else:
                    assert s == -ENOENT
        elif not move_all and alone:
            assert all(s != -EACCES or p.page_at(a).mapcount > 1 for a, s in zip(addrs, status))

    @precondition(lambda self: self.procs)
    @rule(i=IDX, v=IDX, j=IDX, n=st.integers(1, 3), node=NODE)
    def start_move_pages(self, i, v, j, n, node):
        p, addrs, nodes = self.move_pages_args(i, v, j, n, node, False)
        self.started.append(self.k.start_move_pages(p.pid, addrs, nodes))

    @precondition(lambda self: self.procs)
    @rule(i=IDX, to=NODE, caller=IDX)
    def sys_migrate_pages(self, i, to, caller):
        p = self.pick(self.procs, i)
        c = self.pick(self.procs, caller)
        try:
            rc = self.k.sys_migrate_pages(p.pid, [1 - to], [to], caller=c)
        except OSError as e:
            assert e.errno in (ENOMEM, EPERM), e
            return
        assert rc >= 0

    @precondition(lambda self: self.procs)
    @rule(
        i=IDX,
        v=IDX,
        j=IDX,
        write=st.booleans(),
        lead=st.integers(0, 14),
        pattern=st.lists(st.booleans(), max_size=30),
    )
    def race(self, i, v, j, write, lead, pattern):
        """Migrate a page while its process touches it: ``lead`` migration steps, then
        the interleaving ``pattern`` gives (True: a migration step, False: an access
        step); whatever is left runs later."""
        p = self.pick(self.procs, i)
        vma, addr = self.pick_addr(p, v, j, writable=write)
        if vma is None or p.pte(addr).kind != "present" or p.page_at(addr).reserved:
            return  # nothing there, or the zero page (never migrates)
        page = p.page_at(addr)
        t = self.k.start_migrate_pages([page], 1 - page.node)
        self.started.append(t)
        if write:
            self.token += 1
            data = b"%08d" % self.token
            acc = p.start_access(addr, write=True, data=data)
            self.write_tasks.add(id(acc))
            self.pending_writes.append((acc, p, addr, data))
        else:
            acc = p.start_access(addr, n=8)
            self.pending_reads.append((acc, p, addr, {self.expected(p, addr)}))
        self.started.append(acc)
        for mig in [True] * lead + pattern:
            self.k.step(t if mig else acc)

    # -- the scheduler --------------------------------------------------------------------------
    @precondition(lambda self: self.k.tasks)
    @rule(i=IDX, n=st.integers(1, 6))
    def step(self, i, n):
        for _ in range(n):
            t = self.pick(self.k.tasks, i)
            if t is None:
                break
            ev = self.k.step(t)
            assert ev is None or ev.task == t.name

    @rule(random=st.booleans())
    def run(self, random):
        self.k.run(policy="random" if random else "round-robin")
        assert all(t.done for t in self.started if not t.daemon)

    # -- invariants -----------------------------------------------------------------------------
    @invariant()
    def kernel_invariants_hold(self):
        self.k.check()
        # the only BUG 2.6.18 may hit here is unlock_page after writeout's -EIO (E14)
        assert all(e.func == "unlock_page" for e in self.k.oopses), self.k.oopses

    @invariant()
    def started_tasks_end_well(self):
        for t in self.started:
            if id(t) in self.write_tasks and isinstance(t.error, OSError):
                continue  # SIGSEGV: mprotect took write away while it slept
            assert t.error is None, t.error
            assert t.result != "oops"

    @invariant()
    def reads_see_what_was_written(self):
        self.land_writes()
        still = []
        for t, p, addr, seen in self.pending_reads:
            seen.add(self.expected(p, addr))
            if t.done:
                assert t.result in seen, (t.result, seen)
            else:
                still.append((t, p, addr, seen))
        self.pending_reads = still

    def teardown(self):
        self.k.run()
        self.land_writes()
        self.k.check()
        for p in self.procs:
            for vma in p.vmas:
                for a in vma.addresses():
                    want = self.expected(p, a)
                    if want != ZERO:
                        assert p.read(a, 8) == want, (p, hex(a))
        self.k.check()


# -- the i_mmap_lock, deterministically (issue 16 item 2) --------------------------------------
def _shared_page(variant="patched"):
    """One file page mapped by two processes (p1 first in the prio tree)."""
    k = Kernel(nodes=2, frames_per_node=16, variant=variant, seed=0)
    f = k.create_file("f", 4)
    p1, p2 = k.spawn(), k.spawn()
    v1 = p1.mmap(4, file=f, shared=True)
    v2 = p2.mmap(4, file=f, shared=True)
    p1.write(v1.start, b"page0")
    p2.read(v2.start, 5)
    p1.write(v1.start + PAGE_SIZE, b"page1")
    return k, f, p1, v1, p2, v2, p1.page_at(v1.start)


def _step_until(k, t, cond, limit=500):
    for _ in range(limit):
        if cond():
            return
        k.step(t)
    raise AssertionError("the condition never held")


def test_remap_waits_for_the_unmap_walk_then_zaps_the_entry():
    """remap_file_pages at the page's address in a vma the walk has not reached yet:
    the call spins until try_to_unmap_file drops i_mmap_lock; the walk has put a
    migration entry there by then, and the remap zaps it (a file pte). With the walk's
    vma list taken at its start and no lock, the entry landed in the nonlinear vma."""
    k, f, p1, v1, p2, v2, page = _shared_page()
    lock = f.mapping.i_mmap_lock
    t = k.start_migrate_pages([page], 1)
    _step_until(k, t, lambda: p1.pte(v1.start).kind == "migration")
    assert lock.holder is t and p2.pte(v2.start).kind == "present"
    p2.remap_file_pages(v2.start, 1, 2)
    spins = [e for e in k.trace if "spins on i_mmap_lock" in e.what]
    assert len(spins) == 1 and spins[0].data["holder"] == t.name
    assert lock.holder is None and v2.nonlinear
    assert p2.pte(v2.start).kind == "file"
    k.check()
    k.run()
    assert t.result == 0 and k.oopses == []
    k.check()
    assert p2.read(v2.start, 5) == bytes(5)  # file page 2, never written
    assert p1.read(v1.start, 5) == b"page0" and p1.page_at(v1.start).node == 1


def test_remap_waits_for_the_restore_walk():
    k, f, p1, v1, p2, v2, page = _shared_page()
    lock = f.mapping.i_mmap_lock
    t = k.start_migrate_pages([page], 1)
    _step_until(k, t, lambda: p1.pte(v1.start).kind == "present" and p1.page_at(v1.start).node)
    assert lock.holder is t  # remove_file_migration_ptes restored p1, p2 still to come
    assert p2.pte(v2.start).kind == "migration"
    p2.remap_file_pages(v2.start + PAGE_SIZE, 1, 3)
    assert lock.holder is None and p2.pte(v2.start).kind == "present"  # restored first
    k.run()
    k.check()
    assert p2.read(v2.start, 5) == b"page0" and p2.read(v2.start + PAGE_SIZE, 5) == bytes(5)


def test_remap_elsewhere_in_a_vma_holding_an_entry_is_the_2618_race():
    """Between try_to_unmap and remove_migration_ptes no lock is held: making the vma
    nonlinear then leaves its entry (at another address) where the restore walk never
    looks. 2.6.18 does the same; the engine reproduces it and check() names it."""
    k, f, p1, v1, p2, v2, page = _shared_page()
    t = k.start_migrate_pages([page], 1)
    _step_until(k, t, lambda: p2.pte(v2.start).kind == "migration")
    _step_until(k, t, lambda: f.mapping.i_mmap_lock.holder is None)
    p2.remap_file_pages(v2.start + PAGE_SIZE, 1, 3)
    assert [rule for rule, _ in k.violations()] == [NONLINEAR]


def test_modern_remap_under_a_sleeping_write_lands_where_the_address_now_points():
    """Found by the state machine (modern variant): a write asleep in a fault keeps no
    vma; when it retries it looks the address up again. remap_file_pages' 4.0
    emulation replaces the vma meanwhile: the write must land in file page 3, which
    the address maps now, not in page 1 through the old vma."""
    k = Kernel(variant="modern", seed=0)
    f = k.create_file("f", 4)
    p, q = k.spawn(), k.spawn()
    v = p.mmap(4, file=f, shared=True)
    w = q.mmap(4, file=f, shared=True)
    a = v.start + PAGE_SIZE
    p.write(a, b"original")
    q.read(w.start + PAGE_SIZE, 1)
    t = k.start_migrate_pages([p.page_at(a)], 1)
    _step_until(k, t, lambda: p.pte(a).kind == "migration")
    acc = p.start_access(a, write=True, data=b"newbytes")
    _step_until(k, acc, lambda: acc.wait is not None)
    p.remap_file_pages(a, 1, 3)
    k.run()
    assert acc.error is None and t.result == 0
    assert q.read(w.start + PAGE_SIZE, 8) == b"original"
    assert q.read(w.start + 3 * PAGE_SIZE, 8) == b"newbytes" == p.read(a, 8)
    k.check()


class BeforePatchMachine(EngineMachine):
    variant = "before-patch"


class ModernMachine(EngineMachine):
    variant = "modern"


_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILES = {
    "ci": settings(max_examples=30, stateful_step_count=30, derandomize=True, **_COMMON),
    "dev": settings(max_examples=30, stateful_step_count=30, **_COMMON),
    "long": settings(
        max_examples=int(os.environ.get("PAGEMIG_STATEMACHINE_EXAMPLES", "20000")),
        stateful_step_count=50,
        **_COMMON,
    ),
}
PROFILE = os.environ.get(
    "PAGEMIG_STATEMACHINE", "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
)
SETTINGS = PROFILES[PROFILE]

TestPatched = EngineMachine.TestCase
TestPatched.settings = SETTINGS
TestBeforePatch = BeforePatchMachine.TestCase
TestBeforePatch.settings = SETTINGS
TestModern = ModernMachine.TestCase
TestModern.settings = SETTINGS


def _machine_for(variant: str):
    known = {m.variant: m for m in (EngineMachine, BeforePatchMachine, ModernMachine)}
    if variant in known:
        return known[variant]
    return type(f"Machine_{variant.replace('-', '_')}", (EngineMachine,), {"variant": variant})


def main(argv=None) -> int:
    """Run the machine for ``--minutes`` per variant, in batches of random examples,
    and print how many examples ran (and how many remaps reproduced the race)."""
    import argparse
    import time

    from hypothesis.stateful import run_state_machine_as_test

    ap = argparse.ArgumentParser(description="run the engine state machine for a while")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--variant", default="patched")
    ap.add_argument("--steps", type=int, default=50, help="rules per example")
    ap.add_argument("--batch", type=int, default=200, help="examples per Hypothesis run")
    args = ap.parse_args(argv)
    machine = _machine_for(args.variant)
    batch = settings(
        max_examples=args.batch, stateful_step_count=args.steps, database=None, **_COMMON
    )
    start = time.monotonic()
    end = start + args.minutes * 60
    batches = 0
    while time.monotonic() < end:
        try:
            run_state_machine_as_test(machine, settings=batch)
        except BaseException as exc:  # a failure: Hypothesis printed the shrunk example
            print(
                f"variant {args.variant}: FAILED after {EngineMachine.examples} examples: {exc!r}"
            )
            return 1
        batches += 1
        print(
            f"variant {args.variant}: {batches} batch(es), {EngineMachine.examples} examples, "
            f"{EngineMachine.strandings} remap race(s) reproduced, "
            f"{(time.monotonic() - start) / 60:.1f} min",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
