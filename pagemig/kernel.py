"""The simulated machine: nodes and frames, processes, files, the system-call entry
points, the page-lock primitives, the trace, the vmstat counters and the invariant
check. The scheduler that runs kernel paths is its base class, ``sched.Scheduler``.

Not one kernel file: it is what ties mm/ together (mem_map and pfn_to_page,
the task list, /proc/vmstat) plus the public API that notebooks and scripts call.
"""

from __future__ import annotations

import random
from errno import EINVAL, ENODEV, ESRCH

from .constants import MPOL_MF_MOVE, PAGE_SIZE, VARIANTS, WRITEPAGE_OUTCOMES, ZERO_PFN
from .errors import (
    MAX_FRAMES,
    MAX_MAP_PAGES,
    MAX_STEPS_ARG,
    InvalidArgument,
    InvariantError,
    check_bool,
    check_int,
)
from .fs import File, SwapSpace, end_io
from .page import Node, Page, PageList, get_page, put_page
from .process import Process
from .replace import KernelFunctions
from .rmap import AnonVma, page_mapping
from .sched import KernelOops, Scheduler, Task, Wait
from .trace import Event, Trace

VMSTAT_NAMES = (
    "pgfault",
    "pgmajfault",
    "pgmigrate_success",
    "pgmigrate_fail",
    # pagemig's own counters (no such line in a real /proc/vmstat):
    "pgmigrate_entry_wait",  # faults that slept in migration_entry_wait
    "pgmigrate_refault",  # faults on ptes that migration cleared (before-patch, nonlinear)
    "pgmigrate_writeout",  # dirty pages written out by migration
)


class Kernel(Scheduler):
    """A NUMA machine running the 2.6.18 migration code, or Linux 6.1's.

    ``nodes`` NUMA nodes of ``frames_per_node`` 4 KiB frames each; ``variant`` is
    "patched" (2.6.18 with migration entries for file pages, the default),
    "before-patch" (file ptes are dropped at unmap and refault),
    "unsafe-writeout" (writepage is called while migration entries still point at
    the page) or "modern" (Linux 6.1 as Debian 12 ships it; switches on the same
    paths: move_pages' 6.1 statuses and per-node batches, ptrace_may_access,
    migration entries for swap-cache pages, restored ptes that keep young/dirty,
    a fault that waits without a reference, long-term pins that stop the unmap,
    writeout that relocks on error, remap_file_pages emulated with ordinary VMAs,
    mlocked VMAs migratable; THP, hugetlb and KSM are refused as not modelled).
    ``zero_page`` is the shared ZERO_PAGE a read fault on untouched anonymous
    memory maps (pfn ZERO_PFN, no node's frame); 2.6.18 counts its references and
    mapcount, 6.1 maps it as a special pte that counts nothing. ``seed`` seeds the one random generator the kernel owns (used by
    the random scheduler and by scenario builders); ``io_latency`` is how many
    steps a writepage's I/O takes to complete; ``trace=False`` records no events
    (faster; counters still count); ``debug_vm=True`` checks the invariants after
    every step and records a "bug" event the moment one breaks.

    Limits (pagemig.errors): nodes * frames_per_node <= MAX_FRAMES; io_latency <=
    MAX_STEPS_ARG; ``seed`` is an int (None would seed from the OS clock, and the
    same seed must give the same trace).

    Every public method checks its arguments first and raises before anything
    changes: TypeError for the wrong type (a bool is not an int here), ValueError
    for an object of another Kernel, ProcessLookupError for an exited process,
    InvalidArgument (an OSError with the kernel's errno) for a bad value.
    """

    def __init__(
        self,
        nodes: int = 2,
        frames_per_node: int = 64,
        variant: str = "patched",
        seed: int = 0,
        *,
        io_latency: int = 3,
        trace: bool = True,
        debug_vm: bool = False,
    ):
        check_int(nodes, "nodes", 1, 64)
        check_int(frames_per_node, "frames_per_node", 1, MAX_FRAMES // nodes)
        if not isinstance(variant, str) or variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
        check_int(seed, "seed")
        check_int(io_latency, "io_latency", 0, MAX_STEPS_ARG)
        check_bool(trace, "trace")
        check_bool(debug_vm, "debug_vm")
        self.variant = variant
        self.seed = seed
        self.rng = random.Random(seed)
        self.io_latency = io_latency
        self.tracing = trace
        self.debug_vm = debug_vm
        # How the file rmap finds the linear VMAs mapping a page: "prio-tree" (the
        # index, as the kernel does) or "scan" (every VMA; the same answer in the same
        # order, for benchmarks that compare the two).
        self.i_mmap_walk = "prio-tree"
        self.frames_per_node = frames_per_node
        self.nodes = [Node(n, n * frames_per_node, frames_per_node) for n in range(nodes)]
        # mem_map: every frame's struct page, by pfn (what pfn_to_page indexes)
        self.mem_map: list[Page] = [page for n in self.nodes for page in n.pages]
        self.processes: dict[int, Process] = {}
        self.files: dict[str, File] = {}
        self.swap = SwapSpace()
        # ZERO_PAGE: PG_reserved, one permanent reference, so it is never freed.
        self.zero_page = Page(ZERO_PFN, 0)
        self.zero_page.reserved = True
        self.zero_page.uptodate = True
        get_page(self.zero_page, "reserved")
        self.vmstat: dict[str, int] = dict.fromkeys(VMSTAT_NAMES, 0)
        self.trace = Trace()
        self._init_scheduler()  # tasks, current, clock, say (sched.Scheduler)
        self.oopses: list[Event] = []
        # kernel functions replaced for this kernel only (pagemig.replace; a lab's)
        self._overrides: dict = {}
        self.fn = KernelFunctions()  # what the kernel calls for each replaceable name
        # what each process wrote to its anonymous pages, for the no-data-lost check:
        # pid -> vpn -> a page-sized copy, or None for zeros (memory.shadow_anon_write)
        self.anon_shadow: dict[int, dict[int, bytearray | None]] = {}
        self._next_pid = 1
        self._next_anon_vma = 1

    # -- objects ----------------------------------------------------------------
    @property
    def nr_nodes(self) -> int:
        return len(self.nodes)

    def pfn_to_page(self, pfn: int) -> Page:
        """pfn_to_page() (ZERO_PFN is the zero page, which no node's frames hold); a
        pfn beyond mem_map is EINVAL (not the last frame)."""
        mem_map = self.mem_map
        if pfn.__class__ is not int or not 0 <= pfn < len(mem_map):
            if pfn.__class__ is int and pfn == ZERO_PFN:
                return self.zero_page
            check_int(pfn, "pfn", 0, len(mem_map) - 1)
        return mem_map[pfn]

    def pages_in_use(self) -> list[Page]:
        return [p for n in self.nodes for p in n.pages if p.count > 0]

    def create_file(
        self,
        name: str,
        pages: int,
        *,
        migratepage: bool = True,
        writepage: str | None = "ok",
        buffers: bool = False,
        releasepage: bool = True,
    ) -> File:
        """A file of ``pages`` pages. ``migratepage=False`` makes migration use
        fallback_migrate_page (so a dirty page is written out first); ``writepage``
        is what the filesystem's writepage does: "ok", "activate", "error" or None
        (no writepage method). At most MAX_MAP_PAGES pages."""
        if not isinstance(name, str) or not name:
            raise ValueError("a file needs a non-empty name")
        if name in self.files:
            raise ValueError(f"a file named {name!r} exists already")
        check_int(pages, "pages", 1, MAX_MAP_PAGES)
        for flag, value in (
            ("migratepage", migratepage),
            ("buffers", buffers),
            ("releasepage", releasepage),
        ):
            check_bool(value, flag)
        if not (writepage is None or isinstance(writepage, str)) or (
            writepage not in WRITEPAGE_OUTCOMES
        ):
            raise ValueError(f"writepage must be one of {WRITEPAGE_OUTCOMES}, got {writepage!r}")
        f = File(self, name, pages, migratepage, writepage, buffers, releasepage)
        self.files[name] = f
        return f

    def spawn(self, *, privileged: bool = True, node: int = 0) -> Process:
        """A new process with an empty mm. ``privileged`` gives it CAP_SYS_NICE (uid 0);
        otherwise it runs as uid 1000 and MPOL_MF_MOVE_ALL is EPERM. Its faults
        allocate on ``node`` first."""
        check_bool(privileged, "privileged")
        self._check_node(node)
        p = self._new_process(0 if privileged else 1000, privileged, node)
        self._event("fork", f"pid {p.pid} spawned on node {node}", {"pid": p.pid})
        return p

    def _new_process(self, uid: int, privileged: bool, node: int) -> Process:
        p = Process(self, self._next_pid, uid, privileged, node)
        self._next_pid += 1
        self.processes[p.pid] = p
        return p

    def _new_anon_vma(self) -> AnonVma:
        a = AnonVma(self._next_anon_vma)
        self._next_anon_vma += 1
        return a

    def _check_node(self, node) -> None:
        if not isinstance(node, int) or isinstance(node, bool) or not 0 <= node < len(self.nodes):
            raise InvalidArgument(
                ENODEV, f"node must be an int from 0 to {len(self.nodes) - 1}, got {node!r}"
            )

    def _check_process(self, proc, what: str = "process"):
        """A Process of this kernel that has not exited."""
        if not isinstance(proc, Process):
            raise TypeError(f"{what} must be a Process, got {type(proc).__name__}")
        if proc.kernel is not self:
            raise ValueError(f"{what} pid {proc.pid} belongs to another Kernel")
        if not proc.alive or self.processes.get(proc.pid) is not proc:
            raise ProcessLookupError(ESRCH, f"{what} pid {proc.pid} has exited")
        return proc

    def _check_task(self, task) -> Task:
        """A Task this kernel started."""
        if not isinstance(task, Task) or task.kernel is not self:
            raise TypeError("expected a Task this kernel started")
        return task

    def _check_pid(self, pid) -> int:
        """A pid is an int (not a bool); whether it exists is the system call's ESRCH."""
        return check_int(pid, "pid")

    def _check_page(self, page) -> Page:
        """``page`` is a page in use of this kernel (else TypeError/ValueError). Kernel
        paths call it on every page-lock and dirty-bit primitive, so the common case
        (a Page of this mem_map with references) is decided first, in a few loads."""
        if page.__class__ is Page and page.count:
            pfn = page.pfn
            mem_map = self.mem_map
            if 0 <= pfn < len(mem_map) and mem_map[pfn] is page:
                return page
        if not isinstance(page, Page):
            raise TypeError(f"expected a Page (from Process.page_at), got {type(page).__name__}")
        if page is self.zero_page:
            raise ValueError(
                "that is the ZERO_PAGE: every untouched anonymous page read maps it; it is "
                "on no LRU list and never migrates (write to the address to get a page)"
            )
        if (
            not 0 <= page.pfn < len(self.nodes) * self.frames_per_node
            or self.pfn_to_page(page.pfn) is not page
        ):
            raise ValueError(f"pfn {page.pfn} belongs to another Kernel")
        if page.count == 0:
            raise ValueError(f"pfn {page.pfn} is a free frame, not a page in use")
        return page

    def _check_reachable(self, page: Page, what: str) -> None:
        """Refuse a page nothing outside migration could find now: neither mapped by a
        present pte nor in a page cache or the swap cache (an anonymous page whose ptes
        are all migration entries, an old page a finished migration left to a sleeper).
        The kernel reaches pages through ptes (get_user_pages, page-table walks) or
        page-cache lookups; a migration entry sends get_user_pages to sleep instead."""
        if page._mapcount >= 0:  # page_mapped()
            return
        mapping = page_mapping(self, page)
        if mapping is not None:
            index = page.private if page.swapcache else page.index
            if mapping.page_tree.get(index) is page:
                return
        raise ValueError(
            f"pfn {page.pfn} is neither mapped nor in a page cache: nothing could reach it "
            f"to {what}"
        )

    def free_frames(self, node: int) -> int:
        self._check_node(node)
        return self.nodes[node].nr_free

    def fill_node(self, node: int, leave_free: int = 0) -> list[Page]:
        """Allocate frames on ``node`` (as other users of memory would) until only
        ``leave_free`` are left; returns the pages taken. ``release_pages`` gives them back."""
        self._check_node(node)
        check_int(leave_free, "leave_free", 0, self.frames_per_node)
        taken = []
        n = self.nodes[node]
        while n.nr_free > leave_free:
            taken.append(n.alloc_page("pin"))
        return taken

    def release_pages(self, pages: list[Page]) -> None:
        """Give back pages fill_node took (or drop pins): all of them, or none when one
        is not a pinned page of this kernel (each entry drops one pin)."""
        if isinstance(pages, Page) or not hasattr(pages, "__iter__"):
            raise TypeError("release_pages takes a list of pages")
        pages = list(pages)
        need: dict[int, int] = {}
        for p in pages:
            self._check_page(p)
            need[id(p)] = need.get(id(p), 0) + 1
            if p.refs.get("pin", 0) < need[id(p)]:
                raise ValueError(f"pfn {p.pfn} holds no (more) pin reference to release")
        for p in pages:
            put_page(p, "pin", self)

    # -- references and locks that "someone else" holds ---------------------
    def pin(self, page: Page, *, longterm: bool = False) -> None:
        """An extra reference, as get_user_pages takes: migration sees count too high.

        ``longterm=True`` is a long-term pin (pin_user_pages(FOLL_LONGTERM), as
        io_uring or RDMA take): 6.1 does not even unmap an exclusive anonymous page
        that may be pinned; 2.6.18 has no such pin and treats it as a reference."""
        self._check_page(page)
        self._check_reachable(page, "pin it")
        if not isinstance(longterm, bool):
            raise TypeError("longterm must be True or False")
        why = "longterm" if longterm else "pin"
        get_page(page, why)
        func = "pin_user_pages" if longterm and self.variant == "modern" else "get_user_pages"
        self._event(
            func,
            f"pfn {page.pfn} pinned{' long-term' if longterm else ''} (count {page.count})",
            {"pfn": page.pfn},
        )

    def unpin(self, page: Page) -> None:
        """Drop a pin (a long-term one if the page has no ordinary pin)."""
        self._check_page(page)
        why = "pin" if page.refs.get("pin", 0) > 0 else "longterm"
        if page.refs.get(why, 0) <= 0:
            raise ValueError(f"pfn {page.pfn} is not pinned")
        put_page(page, why, self)
        self._event("put_page", f"pfn {page.pfn} unpinned (count {page.count})", {"pfn": page.pfn})

    def start_lock_holder(self, page: Page, *, hold: int | None = None) -> Task:
        """Someone else (say, a read() in another process) takes the page lock.

        With ``hold=None`` it lets go as soon as another task sleeps on the lock
        (so polite passes, which only trylock, keep failing, and the first forced
        pass waits and then succeeds); with ``hold=N`` it lets go after N steps.
        Like every lock holder in the kernel it holds a reference on the page (taken
        now, dropped with the lock), so the page cannot be freed under it.
        ``hold`` is None or an int from 0 to MAX_STEPS_ARG.
        """
        self._check_page(page)
        if hold is not None:
            check_int(hold, "hold", 0, MAX_STEPS_ARG)
        self._check_reachable(page, "lock it")
        get_page(page, "lookup")

        def holder():
            yield from self.lock_page(page, "lock_page")
            yield self.say and (
                "lock_page",
                f"pfn {page.pfn} locked by someone else",
                {"pfn": page.pfn},
            )
            if hold is None:
                yield Wait(
                    "lock_page",
                    f"holding pfn {page.pfn} until someone sleeps on it",
                    lambda: page.lock_waiters > 0,
                    {"pfn": page.pfn},
                )
            else:
                for i in range(hold):
                    yield self.say and (
                        "lock_page",
                        f"still holding pfn {page.pfn} ({i + 1}/{hold})",
                        {"pfn": page.pfn},
                    )
            self.unlock_page(page)
            put_page(page, "lookup", self)
            yield self.say and (
                "unlock_page",
                f"pfn {page.pfn} unlocked by its holder",
                {"pfn": page.pfn},
            )

        return self._start("lock-holder", holder(), "lock-holder", daemon=hold is None)

    def start_writeback(self, page: Page) -> Task:
        """Writeback of a dirty file page, as pdflush or fsync would start it
        (lock, clear dirty, writepage, I/O completes later). The page is looked up
        in the page cache now and a reference held until writepage is called (so a
        migration meanwhile fails its reference-count gate)."""
        self._check_page(page)
        if page.anon or page.mapping is None:
            raise ValueError(f"pfn {page.pfn} is not a file page")
        self._check_reachable(page, "write it back")
        from .fs import clear_page_dirty_for_io, writepage

        get_page(page, "lookup")

        def wb():
            yield from self.lock_page(page, "write_one_page")
            yield self.say and (
                "write_one_page",
                f"pfn {page.pfn} locked for writeback",
                {"pfn": page.pfn},
            )
            if page.writeback:
                yield from self.wait_on_page_writeback(page, "write_one_page")
            if clear_page_dirty_for_io(page):
                rc = yield from writepage(self, page.mapping, page)
                if rc == 0 or rc < 0:
                    put_page(page, "lookup", self)
                    return rc
            self.unlock_page(page)
            put_page(page, "lookup", self)
            yield self.say and (
                "write_one_page",
                f"pfn {page.pfn} was clean: nothing to write",
                {"pfn": page.pfn},
            )
            return 0

        return self._start("writeback", wb(), "writeback")

    def start_path(self, name: str, path, kind: str = "syscall") -> Task:
        """Start a kernel path written elsewhere (a generator of steps, e.g. a fork
        followed by the child's write, built by ``pagemig.scenarios``) as a task named
        ``name`` (a ``#2`` suffix is added if the name is taken)."""
        if not isinstance(name, str) or not name:
            raise ValueError("a task needs a non-empty name")
        if not hasattr(path, "send") or not hasattr(path, "throw"):
            raise TypeError(f"start_path() takes a generator, got {type(path).__name__}")
        return self._start(name, path, kind)

    def add_to_swap(self, page: Page) -> int:
        """add_to_swap(): give an anonymous page a swap slot and put it in the swap cache
        (what reclaim does before it unmaps). Returns the slot."""
        self._check_page(page)
        if not page.anon or page.swapcache:
            raise ValueError(f"pfn {page.pfn} is not an anonymous page outside the swap cache")
        self._check_reachable(page, "swap it out")
        if page.locked:
            raise ValueError(f"pfn {page.pfn} is locked by {page.lock_owner}: reclaim skips it")
        slot = self.swap.get_swap_page()
        page.swapcache = True
        page.private = slot
        page.dirty = True
        self.swap.page_tree[slot] = page
        get_page(page, "cache")
        self._event(
            "add_to_swap", f"pfn {page.pfn} in the swap cache, slot {slot}", {"pfn": page.pfn}
        )
        return slot

    # -- migration entry points --------------------------------------------
    def migrate_pages(self, pages, node: int) -> int:
        """Isolate ``pages`` and migrate them to ``node``, running to completion.

        Returns what the kernel's migrate_pages() returns: the number of pages not
        migrated, or -ENOMEM (-12) if the node ran out of frames. Pages that are not
        on an LRU list (being migrated already) cannot be isolated and are not counted.
        """
        return self._finish(self.start_migrate_pages(pages, node))

    def start_migrate_pages(self, pages, node: int) -> Task:
        """The same path as migrate_pages, started but not run: step it or run()."""
        from .migrate import isolate_lru_page, migrate_pages, migrate_prep

        self._check_node(node)
        pages = self._page_list(pages)

        def new_node_page(k, page, private):
            return k.nodes[private].alloc_page("alloc"), None

        def path():
            yield from migrate_prep(self)
            lst = PageList()
            for p in pages:
                if isolate_lru_page(self, p, lst):
                    yield self.say and (
                        "isolate_lru_page",
                        f"pfn {p.pfn}: not on an LRU list: -EBUSY",
                        {"pfn": p.pfn, "rc": -16},
                    )
                else:
                    yield self.say and (
                        "isolate_lru_page",
                        f"pfn {p.pfn} isolated (count {p.count})",
                        {"pfn": p.pfn},
                    )
            return (yield from migrate_pages(self, lst, new_node_page, node))

        return self._start("migrate", path(), "migrate")

    def _page_list(self, pages) -> list[Page]:
        if isinstance(pages, Page):
            pages = [pages]
        if not hasattr(pages, "__iter__") or isinstance(pages, (str, bytes)):
            raise TypeError("pages must be a Page or a list of pages")
        pages = list(pages)
        for p in pages:
            self._check_page(p)
            self._check_reachable(p, "migrate it")
        if len({id(p) for p in pages}) != len(pages):
            raise ValueError("the same page appears twice in the list")
        return pages

    def move_pages(self, pid: int, addrs, nodes=None, flags: int = MPOL_MF_MOVE, *, caller=None):
        """move_pages(2) with the variant's semantics (2.6.18, or 6.1 under "modern"):
        returns the status list (a node id or a negative errno per page; ``.ret`` is
        the call's return value; None for a slot 6.1 did not write). Whole-call
        errors raise OSError with the kernel's errno (EINVAL, EPERM, ESRCH, ENODEV,
        ENOENT, ENOMEM); under "modern" it carries ``.status``. pid 0 is ``caller``."""
        return self._syscall_result(
            self._finish(self.start_move_pages(pid, addrs, nodes, flags, caller=caller))
        )

    def start_move_pages(
        self, pid: int, addrs, nodes=None, flags: int = MPOL_MF_MOVE, *, caller=None
    ) -> Task:
        """move_pages(2) started as a task; its result is the status list or an OSError value."""
        from .move_pages import sys_move_pages, validate_move_pages_args

        self._check_pid(pid)
        if not hasattr(addrs, "__iter__") or isinstance(addrs, (str, bytes)):
            raise TypeError("addrs must be a list of addresses")
        addrs = list(addrs)
        for a in addrs:
            check_int(a, "an address")
        if nodes is not None:
            nodes = self._node_list(nodes)
        check_int(flags, "flags")
        if caller is not None:
            self._check_process(caller, "caller")
        addrs, nodes = validate_move_pages_args(self, pid, addrs, nodes, flags, caller)
        return self._start(
            "move_pages", sys_move_pages(self, pid, addrs, nodes, flags, caller), "migrate"
        )

    def sys_migrate_pages(self, pid: int, old_nodes, new_nodes, *, caller=None) -> int:
        """migrate_pages(2): move a process's pages from old_nodes to new_nodes.
        Returns the number of pages not moved; whole-call errors raise OSError."""
        return self._syscall_result(
            self._finish(self.start_sys_migrate_pages(pid, old_nodes, new_nodes, caller=caller))
        )

    def start_sys_migrate_pages(self, pid: int, old_nodes, new_nodes, *, caller=None) -> Task:
        from .mempolicy import sys_migrate_pages

        self._check_pid(pid)
        old_nodes, new_nodes = self._node_list(old_nodes), self._node_list(new_nodes)
        if caller is not None:
            self._check_process(caller, "caller")
        if pid == 0 and caller is None:
            raise ValueError("pid 0 means the calling process: say which one with caller=")
        return self._start(
            "migrate_pages", sys_migrate_pages(self, pid, old_nodes, new_nodes, caller), "migrate"
        )

    @staticmethod
    def _node_list(nodes) -> list[int]:
        """A node mask as a list of ints (the values are the system call's to judge)."""
        if not hasattr(nodes, "__iter__") or isinstance(nodes, (str, bytes)):
            raise TypeError(f"a node mask is a list of node ids, got {type(nodes).__name__}")
        nodes = list(nodes)
        for n in nodes:
            check_int(n, "a node id")
        return nodes

    @staticmethod
    def _syscall_result(result):
        if isinstance(result, OSError):
            raise result
        return result

    # -- locks and waits (generators used by kernel paths) -------------------
    def _owner(self) -> str:
        return self.current.name if self.current is not None else "kernel"

    def trylock_page(self, page: Page) -> bool:
        """TestSetPageLocked() inverted: True if we got the lock."""
        self._check_page(page)
        if page.locked:
            return False
        page.locked = True
        current = self.current
        page.lock_owner = current.name if current is not None else "kernel"  # _owner()
        return True

    def lock_page(self, page: Page, func: str):
        """lock_page(): sleep until the lock is free, then take it. Every sleeper wakes
        when the lock is dropped and the first to run takes it; the others find it
        locked again and go back to sleep (__wait_on_bit_lock's loop). A generator:
        its page is checked when it is first stepped, before it takes anything."""
        self._check_page(page)
        while page.locked:
            page.lock_waiters += 1
            try:
                yield Wait(
                    func,
                    f"sleeps in lock_page on pfn {page.pfn} (held by {page.lock_owner})",
                    lambda: not page.locked,
                    {"pfn": page.pfn},
                )
            finally:
                page.lock_waiters -= 1
        page.locked = True
        page.lock_owner = self._owner()

    def unlock_page(self, page: Page) -> None:
        """unlock_page(): wakes the sleepers (they re-check when scheduled)."""
        self._check_page(page)
        page.locked = False
        page.lock_owner = None

    def wait_on_page_locked(self, page: Page, func: str, **data):
        """wait_on_page_locked(): sleep until the page is unlocked (without taking it)."""
        self._check_page(page)
        if page.locked:
            page.lock_waiters += 1
            try:
                yield Wait(
                    func,
                    f"sleeps until pfn {page.pfn} is unlocked (held by {page.lock_owner})",
                    lambda: not page.locked,
                    {"pfn": page.pfn} | data,
                )
            finally:
                page.lock_waiters -= 1

    def wait_on_page_writeback(self, page: Page, func: str):
        """wait_on_page_writeback()"""
        self._check_page(page)
        if page.writeback:
            page.writeback_waiters += 1
            try:
                yield Wait(
                    func,
                    f"sleeps until writeback of pfn {page.pfn} ends",
                    lambda: not page.writeback,
                    {"pfn": page.pfn},
                )
            finally:
                page.writeback_waiters -= 1

    def set_page_dirty(self, page: Page) -> None:
        """set_page_dirty()"""
        self._check_page(page)
        page.dirty = True

    def start_io_completion(self, mapping, page: Page, snapshot: bytes) -> Task:
        """The I/O of a writepage: completes (end_page_writeback) io_latency steps later."""
        self._check_page(page)
        if mapping is None or page_mapping(self, page) is not mapping:
            raise ValueError(f"pfn {page.pfn} is not a page of that mapping")
        if not isinstance(snapshot, bytes) or len(snapshot) != PAGE_SIZE:
            raise TypeError("snapshot must be the page's PAGE_SIZE bytes")
        return self._start("end_io", end_io(self, mapping, page, snapshot, self.io_latency), "io")

    def oops(self, func: str, what: str, data: dict, fatal: bool = True) -> None:
        """Record a BUG the real kernel would hit."""
        if not (isinstance(func, str) and isinstance(what, str) and isinstance(data, dict)):
            raise TypeError("oops(func: str, what: str, data: dict)")
        check_bool(fatal, "fatal")
        ev = Event(self.clock, self._owner(), func, what, "bug", dict(data))
        self.oopses.append(ev)
        if self.tracing:
            self.trace.events.append(ev)
        self.clock += 1

    # -- labs ------------------------------------------------------------------
    def replace(self, **fns):
        """Run the reader's version of a kernel function (``writeout=my_writeout`` ...)
        on this kernel only; works as a ``with`` block or until ``.undo()``. See
        ``pagemig.replace`` for the replaceable names and what a replacement must be."""
        from .replace import Replacement

        return Replacement(self, fns)

    @property
    def replaced(self) -> dict:
        """The kernel functions this kernel runs in the reader's version: name -> function."""
        return dict(self._overrides)

    # -- checks ----------------------------------------------------------------
    def violations(self) -> list[tuple[str, str]]:
        """Every broken invariant, as (rule, details) pairs; empty when all hold."""
        from .invariants import violations

        return violations(self)

    def check(self) -> None:
        """Raise InvariantError naming the first broken rule, if any."""
        v = self.violations()
        if v:
            rule, details = v[0]
            raise InvariantError(rule, details)

    # -- views -----------------------------------------------------------------
    def node_usage(self) -> list[dict]:
        return [
            {"node": n.nid, "frames": n.frames, "used": n.nr_used, "free": n.nr_free}
            for n in self.nodes
        ]

    def __repr__(self) -> str:
        return (
            f"<Kernel nodes={len(self.nodes)} frames/node={self.frames_per_node} "
            f"variant={self.variant!r} processes={len(self.processes)} files={len(self.files)}>"
        )


__all__ = ["Kernel", "KernelOops", "VMSTAT_NAMES", "EINVAL", "PAGE_SIZE"]
