"""Processes: an mm_struct with its VMAs and page table, and the system calls on them.

Models struct mm_struct and struct vm_area_struct (include/linux/mm.h,
include/linux/sched.h), do_mmap_pgoff() and anon_vma_prepare() (mm/mmap.c,
mm/rmap.c), copy_page_range()/copy_one_pte() for fork (mm/memory.c),
mprotect's change_pte_range() (mm/mprotect.c), mlock (mm/mlock.c), mbind
(the system call; its path is in mempolicy.py),
sys_remap_file_pages() (mm/fremap.c) and exit_mmap()'s zap (mm/memory.c).

``find_vma`` is the kernel's: the first VMA that *ends above* an address, which
may start above it too (2.6.18's move_pages uses it that way); ``vma_lookup`` is
the containment test (6.1's vma_lookup(), and what an access needs).

``variant="modern"`` (6.1): remap_file_pages() is the 4.0+ emulation (ordinary
VMAs, no VM_NONLINEAR); ptes to the zero page count nothing (see memory.py);
``madvise`` and ``mmap(hugetlb=True)`` refuse what the engine does not model
(THP, hugetlb, KSM). The names stay the 2.6.18 ones.

Simplifications: one flat page table (a dict from virtual page number to
``Pte``); addresses are handed out upwards from 0x10000000 with a one-page gap;
no munmap of part of a VMA; permissions are read and write (or read only);
shared anonymous memory (shmem) is not modelled.
"""

from __future__ import annotations

from errno import EFAULT, EINVAL, ENOMEM, ESRCH

from .constants import PAGE_SHIFT, PAGE_SIZE, ZERO_PFN
from .errors import (
    MAX_ACCESS,
    MAX_MAP_PAGES,
    MAX_MAPPED_PAGES,
    BusError,
    InvalidArgument,
    NotModelled,
    SegmentationFault,
    check_bool,
    check_int,
)
from .memory import zero_page_counted
from .page import get_page, put_page
from .pte import PTE_NONE, Pte, make_migration_entry_read, pgoff_to_pte
from .rmap import AnonVma, page_remove_rmap, spin_until_free

#: the highest user address the model hands out or accepts (x86-64's TASK_SIZE)
TASK_SIZE = 1 << 47


def check_addr(addr, name: str = "addr") -> int:
    """An int user address (not a bool) in [0, TASK_SIZE): else TypeError, or
    InvalidArgument(EFAULT) as the kernel answers a bad user pointer."""
    return check_int(addr, name, 0, TASK_SIZE - 1, EFAULT)


def check_data(data) -> bytes:
    """What a write may carry: bytes, bytearray or memoryview of 1 to MAX_ACCESS bytes
    (an int is not "that many zero bytes", a str has no byte encoding here)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if not 1 <= len(data) <= MAX_ACCESS:
        raise InvalidArgument(EINVAL, f"a write carries 1 to {MAX_ACCESS} bytes, got {len(data)}")
    return data


MMAP_BASE = 0x10000000


class Vma:
    """struct vm_area_struct: [start, end) bytes, ``pgoff`` the file offset of start in pages."""

    def __init__(self, mm, start, end, pgoff, file, shared, write):
        self.mm = mm
        self.start = start
        self.end = end
        self.pgoff = pgoff
        self.file = file
        self.shared = shared
        self.write = write
        self.locked = False  # VM_LOCKED
        self.nonlinear = False  # VM_NONLINEAR
        # VM_IO, VM_PFNMAP, VM_RESERVED: set by drivers' mmap (remap_pfn_range ...),
        # never by mmap() here; vma_migratable() refuses such VMAs.
        self.io = False
        self.pfnmap = False
        self.reserved = False
        # the VMA's mempolicy (mbind): None, or MPOL_BIND's nodes and its mpol_to_str()
        self.policy_nodes: tuple[int, ...] | None = None
        self.policy: str | None = None
        self.anon_vma: AnonVma | None = None
        self.nl_cursor = 0  # vm_private_data: the nonlinear scan cursor

    @property
    def pages(self) -> int:
        return (self.end - self.start) >> PAGE_SHIFT

    @property
    def anonymous(self) -> bool:
        return self.file is None

    @property
    def kind(self) -> str:
        if self.file is None:
            return "anonymous"
        return "file nonlinear" if self.nonlinear else "file linear"

    @property
    def cow(self) -> bool:
        """is_cow_mapping(): private and writable."""
        return not self.shared and self.write

    def contains(self, addr: int) -> bool:
        check_int(addr, "addr")
        return self.start <= addr < self.end

    def linear_page_index(self, addr: int) -> int:
        """linear_page_index(vma, address); ``addr`` must lie in the vma (or be its
        end, the offset a split after it starts at)."""
        if addr.__class__ is not int or not self.start <= addr <= self.end:
            check_int(addr, "addr")
            raise InvalidArgument(EFAULT, f"{addr:#x} is not inside {self!r}")
        return ((addr - self.start) >> PAGE_SHIFT) + self.pgoff

    def addresses(self):
        return range(self.start, self.end, PAGE_SIZE)

    def __repr__(self) -> str:
        name = self.file.name if self.file else "anon"
        flags = "".join(
            c
            for c, on in (
                ("s" if self.shared else "p", True),
                ("w", self.write),
                ("L", self.locked),
                ("N", self.nonlinear),
            )
            if on
        )
        return f"<Vma {self.start:#x}-{self.end:#x} {name} pgoff={self.pgoff} {flags}>"


class Process:
    """A process: pid, credentials and an mm (VMAs + page table)."""

    def __init__(self, kernel, pid: int, uid: int, privileged: bool, node: int):
        self.kernel = kernel
        self.pid = pid
        self.uid = uid
        self.cap_sys_nice = privileged
        self.node = node  # where it runs: faults allocate here first
        self.vmas: list[Vma] = []
        self.ptes: dict[int, Pte] = {}
        self.anon_rss = 0
        self.file_rss = 0
        self.next_addr = MMAP_BASE
        self.alive = True
        self.parent: Process | None = None
        # vpns whose pte migration cleared (before-patch file pages, nonlinear):
        # a fault there counts as a refault.
        self.unmapped_by_migration: set[int] = set()

    # -- lookup ---------------------------------------------------------------
    def find_vma(self, addr: int) -> Vma | None:
        """find_vma(): the first VMA that ends above addr. It need not contain addr:
        for an address in a hole it is the VMA above the hole; None above every VMA.

        A kernel path that started before the process exited holds its mm (as
        get_task_mm() does) and finds the emptied vma list; any other caller is
        refused once the process has exited."""
        if not self.alive and self.kernel.current is None:
            self._check_alive()
        check_int(addr, "addr")
        for vma in self.vmas:
            if addr < vma.end:
                return vma
        return None

    def vma_lookup(self, addr: int) -> Vma | None:
        """vma_lookup() (find_vma() plus the vm_start check): the VMA containing addr."""
        vma = self.find_vma(addr)
        if vma is None or addr < vma.start:
            return None
        return vma

    def _vma_or_fault(self, addr: int) -> Vma:
        vma = self.vma_lookup(addr)
        if vma is None:
            raise SegmentationFault(EFAULT, f"pid {self.pid}: no mapping at {addr:#x}")
        return vma

    def pte(self, addr: int) -> Pte:
        """The page-table entry for addr (kind "none" where nothing is mapped)."""
        self._check_alive()
        check_addr(addr)
        return self.ptes.get(addr >> PAGE_SHIFT, PTE_NONE)

    def page_at(self, addr: int):
        """The struct page a present pte (or a migration entry) at addr refers to, else None."""
        pte = self.pte(addr)
        if pte.kind in ("present", "migration"):
            return self.kernel.pfn_to_page(pte.pfn)
        return None

    def _check_alive(self) -> None:
        if not self.alive:
            raise ProcessLookupError(ESRCH, f"pid {self.pid} has exited")

    def _check_vma(self, vma) -> Vma:
        """A vma of this process, still mapped."""
        self._check_alive()
        if not isinstance(vma, Vma):
            raise TypeError(f"expected a Vma of pid {self.pid}, got {type(vma).__name__}")
        if vma.mm is not self or vma not in self.vmas:
            raise ValueError(f"{vma!r} is not a vma of pid {self.pid} (now)")
        return vma

    def _rmap_locks(self, vmas):
        """The rmap spinlocks that linking or unlinking ``vmas`` takes: the file's
        i_mmap_lock (vma_link, unlink_file_vma) and the anon_vma's lock."""
        for vma in vmas:
            if vma.file is not None:
                yield vma.file.mapping.i_mmap_lock
            if vma.anon_vma is not None:
                yield vma.anon_vma.lock

    def _check_room(self, pages: int, what: str) -> None:
        """ENOMEM when the machine's vmas would cover more than MAX_MAPPED_PAGES."""
        total = sum(v.pages for p in self.kernel.processes.values() for v in p.vmas)
        if total + pages > MAX_MAPPED_PAGES:
            raise InvalidArgument(
                ENOMEM,
                f"{what}: {pages} more pages would map {total + pages}, more than the "
                f"model's {MAX_MAPPED_PAGES} (pagemig.errors.MAX_MAPPED_PAGES)",
            )

    # -- mmap -----------------------------------------------------------------
    def mmap(
        self,
        pages: int,
        *,
        file=None,
        offset: int = 0,
        shared: bool = False,
        write: bool = True,
        hugetlb: bool = False,
    ) -> Vma:
        """mmap(): a new VMA of ``pages`` pages; ``offset`` in bytes, page aligned.

        ``pages`` is at most MAX_MAP_PAGES (pagemig.errors) and all vmas together at
        most MAX_MAPPED_PAGES: beyond, ENOMEM as the kernel answers a mapping it
        cannot fit. ``hugetlb=True`` (MAP_HUGETLB, hugetlbfs) is refused: not
        modelled."""
        self._check_alive()
        check_bool(hugetlb, "mmap: hugetlb")
        if hugetlb:
            raise NotModelled(
                "mmap: huge pages (MAP_HUGETLB / hugetlbfs) are not modelled by pagemig "
                "(base pages only), in any variant"
            )
        check_int(pages, "mmap: pages", 1)
        if pages > MAX_MAP_PAGES:
            raise InvalidArgument(
                ENOMEM, f"mmap: {pages} pages is more than the model's {MAX_MAP_PAGES}"
            )
        check_int(offset, "mmap: offset", 0, TASK_SIZE - 1)
        if offset % PAGE_SIZE:
            raise InvalidArgument(
                EINVAL, f"mmap: offset must be a multiple of PAGE_SIZE, got {offset}"
            )
        check_bool(shared, "mmap: shared")
        check_bool(write, "mmap: write")
        if self.next_addr + pages * PAGE_SIZE > TASK_SIZE:
            raise InvalidArgument(ENOMEM, "mmap: no room left in the address space")
        self._check_room(pages, "mmap")
        if file is None:
            if shared:
                raise ValueError(
                    "mmap: shared anonymous memory (shmem) is not modelled; map a file"
                )
            if offset:
                raise ValueError("mmap: an anonymous mapping takes no offset")
        else:
            from .fs import File

            if not isinstance(file, File):
                raise TypeError(f"mmap: file must be a File, got {type(file).__name__}")
            if file.kernel is not self.kernel:
                raise ValueError("mmap: the file belongs to another Kernel")
            spin_until_free(
                self.kernel, [file.mapping.i_mmap_lock], "do_mmap_pgoff", f"pid {self.pid} mmap"
            )
        start = self.next_addr
        end = start + pages * PAGE_SIZE
        vma = Vma(self, start, end, offset >> PAGE_SHIFT, file, shared, write)
        self.next_addr = end + PAGE_SIZE
        self._link_vma(vma)
        self.kernel._event(
            "do_mmap_pgoff",
            f"pid {self.pid}: {vma.kind} {'shared' if shared else 'private'} vma "
            f"{start:#x}-{end:#x}" + (f" of {file.name} at page {vma.pgoff}" if file else ""),
            {"pid": self.pid, "addr": start, "pages": pages},
        )
        return vma

    def _link_vma(self, vma: Vma) -> None:
        self.vmas.append(vma)
        self.vmas.sort(key=lambda v: v.start)
        if vma.file is not None:
            mapping = vma.file.mapping
            if vma.nonlinear:
                mapping.i_mmap_nonlinear.append(vma)
            else:
                mapping.i_mmap.insert(vma, vma.pgoff, vma.pgoff + vma.pages - 1)

    def anon_vma_prepare(self, vma: Vma) -> AnonVma:
        """anon_vma_prepare(): give the vma an anon_vma on its first anonymous page."""
        self._check_vma(vma)
        if vma.anon_vma is None:
            vma.anon_vma = self.kernel._new_anon_vma()
            vma.anon_vma.head.append(vma)
        return vma.anon_vma

    # -- access ---------------------------------------------------------------
    def read(self, addr: int, n: int) -> bytes:
        """Read n bytes (1 to MAX_ACCESS), faulting pages in as the CPU would."""
        task = self.start_access(addr, n=n)
        return self.kernel._finish(task)

    def write(self, addr: int, data: bytes) -> None:
        """Write bytes (1 to MAX_ACCESS of them), faulting pages in (and copying on
        write) as the CPU would."""
        task = self.start_access(addr, write=True, data=data)
        self.kernel._finish(task)

    def start_access(self, addr: int, write: bool = False, data: bytes | None = None, n: int = 1):
        """Start an access as a task (not run yet): a read of n bytes, or a write of data.

        Refused before anything runs: an exited process (ProcessLookupError), a bad
        address or size (TypeError, InvalidArgument), no mapping or a read-only one
        (SegmentationFault), a page beyond the end of a mapped file (BusError)."""
        from .memory import access_process_vm

        self._check_alive()
        check_bool(write, "write")
        if write:
            data = b"\x01" if data is None else check_data(data)
            n = len(data)
        elif data is not None:
            check_data(data)  # a read ignores it, but it must still be bytes
        self._check_range(addr, n, write)
        name = f"pid{self.pid}:{'write' if write else 'read'}@{addr:#x}"
        task = self.kernel._start(
            name, access_process_vm(self.kernel, self, addr, n, write, data), "access"
        )
        task.process = self
        return task

    def _check_range(self, addr: int, n: int, write: bool) -> None:
        self._check_alive()
        check_addr(addr)
        check_int(n, "the access length", 1, MAX_ACCESS)
        end = addr + n
        pos = addr
        while pos < end:
            vma = self._vma_or_fault(pos)
            if write and not vma.write:
                raise SegmentationFault(EFAULT, f"pid {self.pid}: {pos:#x} is mapped read-only")
            if vma.file is not None:
                self._check_in_file(vma, pos, min(end, vma.end))
            pos = vma.end

    def _check_in_file(self, vma: Vma, start: int, end: int) -> None:
        """SIGBUS for a page of the file mapping that lies beyond the end of the file
        (the fault finds no page there; the file never grows by a store)."""
        for a in range(start & ~(PAGE_SIZE - 1), end, PAGE_SIZE):
            pte = self.ptes.get(a >> PAGE_SHIFT)
            if pte is not None and pte.kind != "none":
                continue  # present, a migration entry, or a file pte remap checked
            pgoff = vma.linear_page_index(a)
            if pgoff >= vma.file.pages:
                raise BusError(
                    EFAULT,
                    f"pid {self.pid}: {a:#x} maps page {pgoff} of {vma.file.name}, which has "
                    f"{vma.file.pages} pages: SIGBUS",
                )

    # -- fork, mprotect, mlock, remap_file_pages, exit ------------------------
    def fork(self) -> Process:
        """fork(): copy the VMAs and (where 2.6.18 copies them) the ptes.

        copy_page_range() skips VMAs with no anon_vma that are not nonlinear: a
        fault fills those in. A COW mapping's writable ptes are write-protected in
        both processes, and its write migration entries become read entries in
        both (kernel-facts E25).
        """
        self._check_alive()
        self._check_room(sum(v.pages for v in self.vmas), "fork")
        k = self.kernel
        spin_until_free(k, self._rmap_locks(self.vmas), "copy_page_range", f"pid {self.pid} fork")
        child = k._new_process(self.uid, self.cap_sys_nice, self.node)
        child.parent = self
        child.next_addr = self.next_addr
        for vma in self.vmas:
            nv = Vma(child, vma.start, vma.end, vma.pgoff, vma.file, vma.shared, vma.write)
            nv.locked = False  # VM_LOCKED is not inherited
            nv.nonlinear = vma.nonlinear
            nv.policy_nodes, nv.policy = vma.policy_nodes, vma.policy  # mpol_copy()
            if vma.anon_vma is not None:
                nv.anon_vma = vma.anon_vma
                vma.anon_vma.head.append(nv)
            child._link_vma(nv)
            if vma.anon_vma is None and not vma.nonlinear:
                continue
            for addr in vma.addresses():
                vpn = addr >> PAGE_SHIFT
                pte = self.ptes.get(vpn)
                if pte is None or pte.kind == "none":
                    continue
                if pte.kind == "present" and pte.pfn == ZERO_PFN:
                    # copy_one_pte(): a read-only pte to the zero page; 2.6.18 counts it
                    # like any page (a file_rss page), 6.1's vm_normal_page() skips it.
                    child.ptes[vpn] = Pte("present", pfn=pte.pfn, write=False)
                    if zero_page_counted(k):
                        get_page(k.zero_page, "pte")
                        k.zero_page._mapcount += 1
                        child.file_rss += 1
                elif pte.kind == "present":
                    page = k.pfn_to_page(pte.pfn)
                    if vma.cow and pte.write:
                        pte = Pte(
                            "present", pfn=pte.pfn, write=False, young=pte.young, dirty=pte.dirty
                        )
                        self.ptes[vpn] = pte
                    cpte = Pte(
                        "present",
                        pfn=pte.pfn,
                        write=pte.write,
                        young=False,
                        dirty=pte.dirty and not vma.shared,
                    )
                    get_page(page, "pte")
                    page._mapcount += 1  # page_dup_rmap()
                    if page.anon:
                        child.anon_rss += 1
                    else:
                        child.file_rss += 1
                    child.ptes[vpn] = cpte
                elif pte.kind == "migration":
                    if pte.write and vma.cow:
                        pte = make_migration_entry_read(pte)
                        self.ptes[vpn] = pte
                    child.ptes[vpn] = pte
                elif pte.kind == "swap":
                    k.swap.swap_duplicate(pte.offset)
                    child.ptes[vpn] = pte
                else:
                    child.ptes[vpn] = pte
        shadows = k.anon_shadow.get(self.pid)
        if shadows:
            k.anon_shadow[child.pid] = {
                vpn: None if data is None else bytearray(data) for vpn, data in shadows.items()
            }
        k._event(
            "copy_page_range",
            f"pid {self.pid} forks pid {child.pid}",
            {"pid": self.pid, "child": child.pid},
        )
        return child

    def mprotect(self, addr: int, pages: int, write: bool) -> None:
        """mprotect() on a whole VMA: write migration entries are downgraded to read
        ("just be safe"), present ptes lose write when write is taken away.

        mprotect_fixup() returns at once when the new flags equal the old ones, before
        change_pte_range() touches any pte: a no-op mprotect leaves a WRITE migration
        entry WRITE (2.6.18 mm/mprotect.c; 6.1 does the same)."""
        self._check_alive()
        check_addr(addr)
        check_int(pages, "mprotect: pages", 1)
        check_bool(write, "mprotect: write")
        vma = self._vma_or_fault(addr)
        if addr != vma.start or pages != vma.pages:
            raise ValueError("mprotect: the model changes whole VMAs only")
        if bool(write) == vma.write:
            self.kernel._event(
                "mprotect_fixup",
                f"pid {self.pid}: mprotect {vma.start:#x} write={write}: the protection "
                "does not change: return before touching any pte",
                {"pid": self.pid, "addr": vma.start},
            )
            return
        vma.write = write
        for a in vma.addresses():
            vpn = a >> PAGE_SHIFT
            pte = self.ptes.get(vpn)
            if pte is None:
                continue
            if pte.kind == "migration" and pte.write:
                self.ptes[vpn] = make_migration_entry_read(pte)
            elif pte.kind == "present" and pte.write and not write:
                self.ptes[vpn] = Pte(
                    "present", pfn=pte.pfn, write=False, young=pte.young, dirty=pte.dirty
                )
        self.kernel._event(
            "change_pte_range",
            f"pid {self.pid}: mprotect {vma.start:#x} write={write}",
            {"pid": self.pid, "addr": vma.start},
        )

    def mbind(self, addr: int, pages: int, nodes, flags: int = 0) -> int:
        """mbind(addr, len, MPOL_BIND, nodes, flags) on a whole VMA: later faults there
        allocate on ``nodes`` only; with MPOL_MF_MOVE (MOVE_ALL) the VMA's pages that
        are elsewhere migrate onto them; MPOL_MF_STRICT makes a page that stays
        elsewhere -EIO. Returns 0; the kernel's errors raise OSError (EINVAL, EPERM,
        EIO). Other policies (interleave, preferred) are not modelled."""
        return self.kernel._syscall_result(
            self.kernel._finish(self.start_mbind(addr, pages, nodes, flags))
        )

    def start_mbind(self, addr: int, pages: int, nodes, flags: int = 0):
        """mbind started as a task (see ``mbind``); its result is 0 or an OSError value."""
        from .mempolicy import sys_mbind

        self._check_alive()
        check_addr(addr)
        check_int(pages, "mbind: pages", 1)
        nodes = self.kernel._node_list(nodes)
        check_int(flags, "mbind: flags")
        vma = self._vma_or_fault(addr)
        if addr != vma.start or pages != vma.pages:
            raise ValueError("mbind: the model binds whole VMAs only")
        return self.kernel._start(
            "mbind", sys_mbind(self.kernel, self, vma, nodes, flags), "migrate"
        )

    def mlock(self, addr: int, pages: int) -> None:
        """mlock() a whole VMA (VM_LOCKED). The core migration ignores it (move_pages
        moves such pages); 2.6.18's migrate_pages(2) skips the VMA (vma_migratable),
        6.1's does not; reclaim refuses it. (mlock's make_pages_present is not modelled:
        the pages stay as they were.)"""
        self._check_alive()
        check_addr(addr)
        check_int(pages, "mlock: pages", 1)
        vma = self._vma_or_fault(addr)
        if addr != vma.start or pages != vma.pages:
            raise ValueError("mlock: the model locks whole VMAs only")
        vma.locked = True

    def remap_file_pages(self, addr: int, pages: int, pgoff: int) -> None:
        """remap_file_pages(): map file pages [pgoff, pgoff+pages) at addr, out of linear order.

        As in 2.6.18 (mm/fremap.c) the VMA must be a shared file mapping; it becomes
        VM_NONLINEAR: it leaves the prio tree for mapping->i_mmap_nonlinear. Old ptes
        in the range are zapped and file ptes remembering the new offsets are
        installed (as with MAP_NONBLOCK); the next access faults the pages in.
        A linear VMA asked for its own linear offset stays linear ("don't need a
        nonlinear mapping"); the model then leaves its ptes alone (populate would
        map the very pages a fault maps there).
        Under ``variant="modern"`` it is 4.0's emulation with ordinary VMAs instead.

        Making a vma nonlinear takes i_mmap_lock (the model: waits until an rmap walk
        of the file ends, see rmap.spin_until_free), not the page lock. A vma that
        holds a migration entry at another address therefore keeps it, in a nonlinear
        vma remove_file_migration_ptes never walks: a real 2.6.18 race (a remap by a
        process other than the one whose mmap_sem the migration holds; mmap_sem is
        not modelled), which check() reports as the nonlinear-entry rule. An entry in
        the remapped range is zapped (free_swap_and_cache ignores migration entries).
        """
        self._check_alive()
        check_addr(addr)
        check_int(pages, "remap_file_pages: pages")
        check_int(pgoff, "remap_file_pages: pgoff")
        if addr % PAGE_SIZE:
            raise InvalidArgument(EINVAL, "remap_file_pages: addr must be page aligned")
        vma = self.vma_lookup(addr)  # find_vma() plus 2.6.18's start < vm_start check
        if vma is None or vma.file is None or not vma.shared:
            raise InvalidArgument(
                EINVAL, "remap_file_pages needs a shared file mapping at that address"
            )
        if pages <= 0 or addr + pages * PAGE_SIZE > vma.end:
            raise InvalidArgument(EINVAL, "remap_file_pages: the range must lie inside one vma")
        if pgoff < 0 or pgoff + pages > vma.file.pages:
            raise InvalidArgument(EINVAL, "remap_file_pages: pgoff beyond the end of the file")
        k = self.kernel
        if k.variant == "modern":
            self._remap_file_pages_emulated(vma, addr, pages, pgoff)
            return
        mapping = vma.file.mapping
        if not vma.nonlinear and pgoff == vma.linear_page_index(addr):
            k._event(
                "sys_remap_file_pages",
                f"pid {self.pid}: {addr:#x} +{pages} pages -> file pages {pgoff}.. is the "
                "linear layout already: the vma stays linear",
                {"pid": self.pid, "addr": addr, "pgoff": pgoff},
            )
            return
        if not vma.nonlinear:
            # "Must set VM_NONLINEAR before any pages are populated": under i_mmap_lock,
            # so never in the middle of an rmap walk of this file.
            spin_until_free(k, [mapping.i_mmap_lock], "sys_remap_file_pages", f"pid {self.pid}")
            mapping.i_mmap.remove(vma)
            mapping.i_mmap_nonlinear.append(vma)
            vma.nonlinear = True
        for i in range(pages):
            a = addr + i * PAGE_SIZE
            self._zap_pte(vma, a)
            self.ptes[a >> PAGE_SHIFT] = pgoff_to_pte(pgoff + i)
        k._event(
            "sys_remap_file_pages",
            f"pid {self.pid}: {addr:#x} +{pages} pages -> file pages {pgoff}.. (vma now nonlinear)",
            {"pid": self.pid, "addr": addr, "pgoff": pgoff},
        )

    def _remap_file_pages_emulated(self, vma: Vma, addr: int, pages: int, pgoff: int) -> None:
        """sys_remap_file_pages() since Linux 4.0 (mm/mmap.c): deprecated, emulated by
        do_mmap(MAP_SHARED | MAP_FIXED) of the file at ``pgoff`` over the range. The
        old ptes there are zapped, the VMA is split into ordinary linear VMAs (merged
        again where the offsets run on, as vma_merge() does), and the pages fault in
        on the next access (the model passes MAP_NONBLOCK, as the 2.6.18 path does).
        No VM_NONLINEAR, no file ptes: rmap and migration entries work everywhere."""
        k = self.kernel
        # do_mmap() relinks the vmas under i_mmap_rwsem: never during an rmap walk
        spin_until_free(
            k, [vma.file.mapping.i_mmap_lock], "sys_remap_file_pages", f"pid {self.pid}"
        )
        end = addr + pages * PAGE_SIZE
        for a in range(addr, end, PAGE_SIZE):
            self._zap_pte(vma, a)
        pieces = [
            (start, stop, off)
            for start, stop, off in (
                (vma.start, addr, vma.pgoff),
                (addr, end, pgoff),
                (end, vma.end, vma.linear_page_index(end)),
            )
            if start < stop
        ]
        if pieces != [(vma.start, vma.end, vma.pgoff)]:
            self._unlink_vma(vma)
            fresh = []
            for start, stop, off in pieces:
                nv = Vma(self, start, stop, off, vma.file, vma.shared, vma.write)
                nv.locked = vma.locked  # MAP_LOCKED if the vma was VM_LOCKED
                if start != addr:  # the split-off parts keep the policy; do_mmap's has none
                    nv.policy_nodes, nv.policy = vma.policy_nodes, vma.policy
                self._link_vma(nv)
                fresh.append(nv)
            self._vma_merge(fresh)
        pieces = [
            x for x in self.vmas if x.file is vma.file and x.start < vma.end and x.end > vma.start
        ]
        k._event(
            "sys_remap_file_pages",
            f"pid {self.pid}: {addr:#x} +{pages} pages -> file pages {pgoff}..: emulated "
            f"with do_mmap(MAP_FIXED): {len(pieces)} ordinary linear vma(s) now",
            {"pid": self.pid, "addr": addr, "pgoff": pgoff, "vmas": len(pieces)},
        )

    def _unlink_vma(self, vma: Vma) -> None:
        self.vmas.remove(vma)
        if vma.file is not None:
            vma.file.mapping.i_mmap.remove(vma)

    def _vma_merge(self, fresh: list) -> None:
        """vma_merge(): a new VMA joins a neighbour that maps the same file, with the
        same flags, at the file offsets that run on from it."""
        ids = {id(v) for v in fresh}
        i = 0
        while i + 1 < len(self.vmas):
            x, y = self.vmas[i], self.vmas[i + 1]
            if (
                (id(x) in ids or id(y) in ids)
                and x.end == y.start
                and x.file is not None
                and x.file is y.file
                and (x.shared, x.write, x.locked, x.policy_nodes)
                == (y.shared, y.write, y.locked, y.policy_nodes)
                and not (x.io or x.pfnmap or x.reserved or y.io or y.pfnmap or y.reserved)
                and x.anon_vma is None
                and y.anon_vma is None
                and y.pgoff == x.pgoff + x.pages
            ):
                merged = Vma(self, x.start, y.end, x.pgoff, x.file, x.shared, x.write)
                merged.locked = x.locked
                merged.policy_nodes, merged.policy = x.policy_nodes, x.policy
                self._unlink_vma(x)
                self._unlink_vma(y)
                self._link_vma(merged)
                ids.add(id(merged))
                continue
            i += 1

    def madvise(self, addr: int, pages: int, advice: str) -> None:
        """madvise(): only to say what the engine does not model.

        "hugepage" (MADV_HUGEPAGE, transparent huge pages) and "mergeable"
        (MADV_MERGEABLE, KSM) do not exist in 2.6.18 (EINVAL); 6.1 has them, and
        ``variant="modern"`` refuses them with NotModelled rather than pretend."""
        self._check_alive()
        check_int(pages, "madvise: pages", 1)
        if advice not in ("hugepage", "mergeable"):
            raise ValueError(f"madvise: advice must be 'hugepage' or 'mergeable', got {advice!r}")
        self._vma_or_fault(addr)
        what = {
            "hugepage": "transparent huge pages (MADV_HUGEPAGE)",
            "mergeable": "KSM (MADV_MERGEABLE)",
        }[advice]
        if self.kernel.variant != "modern":
            raise InvalidArgument(EINVAL, f"madvise: 2.6.18 has no {what}")
        raise NotModelled(
            f"madvise: {what} exist in Linux 6.1, but pagemig does not model them "
            "(base pages only); variant='modern' refuses rather than pretend"
        )

    def zap_pte(self, vma: Vma, addr: int) -> None:
        """zap_pte_range() for one pte: drop what it holds."""
        self._check_alive()
        self._check_vma(vma)
        if not vma.contains(addr):
            raise InvalidArgument(EFAULT, f"zap_pte: {addr:#x} is not inside {vma!r}")
        self._zap_pte(vma, addr)

    def _zap_pte(self, vma: Vma, addr: int) -> None:
        k = self.kernel
        vpn = addr >> PAGE_SHIFT
        pte = self.ptes.pop(vpn, None)
        if pte is None:
            return
        if pte.kind == "present" and pte.pfn == ZERO_PFN:
            if zero_page_counted(k):
                page_remove_rmap(k.zero_page)
                self.file_rss -= 1
                put_page(k.zero_page, "pte", k)
        elif pte.kind == "present":
            page = k.pfn_to_page(pte.pfn)
            if pte.dirty and not page.anon:
                page.dirty = True
            page_remove_rmap(page)
            if page.anon:
                self.anon_rss -= 1
            else:
                self.file_rss -= 1
            put_page(page, "pte", k)
        elif pte.kind == "swap":
            k.swap.swap_free(pte.offset)
        # a migration entry holds no reference: zap_pte_range just drops it

    def exit(self) -> None:
        """exit(): tear the mm down (exit_mmap); the pid is gone afterwards.

        Refused while one of the process's accesses is still in a fault: exit_mmap
        only runs once every thread has left the kernel."""
        self._check_alive()
        k = self.kernel
        busy = [t.name for t in k.tasks if getattr(t, "process", None) is self and not t.done]
        if busy:
            raise RuntimeError(
                f"pid {self.pid} cannot exit while its access {busy[0]} is in flight; "
                "step or run it to the end first"
            )
        spin_until_free(k, self._rmap_locks(self.vmas), "exit_mmap", f"pid {self.pid} exit")
        for vma in list(self.vmas):
            # the ptes it has, in address order (a wide sparse vma costs its ptes)
            lo, hi = vma.start >> PAGE_SHIFT, vma.end >> PAGE_SHIFT
            for vpn in sorted(v for v in self.ptes if lo <= v < hi):
                self._zap_pte(vma, vpn << PAGE_SHIFT)
            if vma.file is not None:
                mapping = vma.file.mapping
                if vma.nonlinear:
                    mapping.i_mmap_nonlinear.remove(vma)
                else:
                    mapping.i_mmap.remove(vma)
            if vma.anon_vma is not None:
                vma.anon_vma.head.remove(vma)
        self.vmas.clear()
        k.anon_shadow.pop(self.pid, None)
        self.alive = False
        k.processes.pop(self.pid, None)
        k._event("exit_mmap", f"pid {self.pid} exits", {"pid": self.pid})

    def __repr__(self) -> str:
        return f"<Process pid={self.pid} vmas={len(self.vmas)}>"
