"""struct page, its flags and reference counts; the per-node frame allocator.

Models include/linux/mm.h, include/linux/page-flags.h and the parts of
mm/page_alloc.c and mm/filemap.c that migration touches (``get_page``,
``put_page``, ``lock_page``, ``TestSetPageLocked``, ``unlock_page``,
``alloc_pages_node``).

Simplifications: one zone per node; frames are handed out lowest pfn first; a
page's contents are a 4 KiB ``bytearray`` made on first write (None reads as
zeros); references are counted per holder so that ``Kernel.check()`` can tell
*who* holds a reference the kernel would only see as a number.
"""

from __future__ import annotations

import heapq

from .constants import PAGE_SIZE

# Page flags (include/linux/page-flags.h of 2.6.18). Bits in an int so that no
# set iteration order ever shows.
PG_locked = 1 << 0
PG_error = 1 << 1
PG_referenced = 1 << 2
PG_uptodate = 1 << 3
PG_dirty = 1 << 4
PG_lru = 1 << 5
PG_active = 1 << 6
PG_checked = 1 << 8
PG_reserved = 1 << 11
PG_private = 1 << 12
PG_writeback = 1 << 13
PG_mappedtodisk = 1 << 16
PG_swapcache = 1 << 15

FLAG_NAMES = (
    (PG_locked, "locked"),
    (PG_error, "error"),
    (PG_referenced, "referenced"),
    (PG_uptodate, "uptodate"),
    (PG_dirty, "dirty"),
    (PG_lru, "lru"),
    (PG_active, "active"),
    (PG_checked, "checked"),
    (PG_reserved, "reserved"),
    (PG_private, "private"),
    (PG_writeback, "writeback"),
    (PG_swapcache, "swapcache"),
    (PG_mappedtodisk, "mappedtodisk"),
)

# The flags migrate_page_copy() carries to the new page (kernel-facts A.5).
COPIED_FLAGS = PG_error | PG_referenced | PG_uptodate | PG_active | PG_checked | PG_mappedtodisk


def _flag_property(bit: int, doc: str):
    def get(self) -> bool:
        return bool(self.flags & bit)

    def set_(self, value: bool) -> None:
        if value:
            self.flags |= bit
        else:
            self.flags &= ~bit

    return property(get, set_, doc=doc)


class Page:
    """One frame's struct page.

    ``count`` is ``_count`` (page_count); ``mapcount`` is ``page_mapcount()``,
    i.e. ``_mapcount + 1``: the number of present ptes that map the page.
    ``mapping`` is an ``AddressSpace`` for file pages, an ``AnonVma`` for anonymous
    ones (the kernel tags that pointer with PAGE_MAPPING_ANON) or None.
    ``refs`` says who holds the references: ``pte``, ``cache`` (page cache or
    swap cache), ``private`` (buffers), ``isolate``, ``pin``, ``alloc``, ``wait``,
    ``lookup``.
    """

    __slots__ = (
        "pfn",
        "node",
        "flags",
        "count",
        "_mapcount",
        "mapping",
        "index",
        "private",
        "data",
        "refs",
        "lock_owner",
        "lock_waiters",
        "writeback_waiters",
    )

    def __init__(self, pfn: int, node: int):
        self.pfn = pfn
        self.node = node
        self._reset()

    def _reset(self) -> None:
        self.flags = 0
        self.count = 0
        self._mapcount = -1
        self.mapping = None
        self.index = 0
        self.private = 0
        self.data = None
        self.refs: dict[str, int] = {}
        self.lock_owner = None
        self.lock_waiters = 0
        self.writeback_waiters = 0

    locked = _flag_property(PG_locked, "PG_locked: the page lock is held")
    error = _flag_property(PG_error, "PG_error")
    referenced = _flag_property(PG_referenced, "PG_referenced")
    uptodate = _flag_property(PG_uptodate, "PG_uptodate: contents are valid")
    dirty = _flag_property(PG_dirty, "PG_dirty: contents newer than the backing store")
    lru = _flag_property(PG_lru, "PG_lru: on an LRU list (isolatable)")
    active = _flag_property(PG_active, "PG_active: on the active list")
    checked = _flag_property(PG_checked, "PG_checked")
    reserved = _flag_property(PG_reserved, "PG_reserved (the ZERO_PAGE)")
    has_private = _flag_property(PG_private, "PG_private: buffers attached")
    writeback = _flag_property(PG_writeback, "PG_writeback: I/O in flight")
    swapcache = _flag_property(PG_swapcache, "PG_swapcache: in the swap cache")
    mappedtodisk = _flag_property(PG_mappedtodisk, "PG_mappedtodisk")

    @property
    def mapcount(self) -> int:
        """page_mapcount(): present ptes mapping this page."""
        return self._mapcount + 1

    @property
    def mapped(self) -> bool:
        """page_mapped()"""
        return self._mapcount >= 0

    @property
    def anon(self) -> bool:
        """PageAnon(): mapping is an anon_vma (tagged, as PAGE_MAPPING_ANON tags it)."""
        return getattr(self.mapping, "is_anon_vma", False)

    @property
    def free(self) -> bool:
        return self.count == 0

    def flag_names(self) -> list[str]:
        """The set flags, by name, in a fixed order."""
        return [name for bit, name in FLAG_NAMES if self.flags & bit]

    def read_bytes(self, offset: int = 0, n: int = PAGE_SIZE) -> bytes:
        if self.data is None:
            return bytes(n)
        return bytes(self.data[offset : offset + n])

    def write_bytes(self, offset: int, data: bytes) -> None:
        if self.data is None:
            self.data = bytearray(PAGE_SIZE)
        self.data[offset : offset + len(data)] = data

    def __repr__(self) -> str:
        kind = "anon" if self.anon else ("file" if self.mapping is not None else "-")
        flags = ",".join(self.flag_names()) or "-"
        return (
            f"<Page pfn={self.pfn} node={self.node} {kind} index={self.index} "
            f"count={self.count} mapcount={self.mapcount} flags={flags}>"
        )


def get_page(page: Page, why: str) -> None:
    """get_page(): take a reference, remembering who holds it."""
    page.count += 1
    page.refs[why] = page.refs.get(why, 0) + 1


def move_ref(page: Page, src: str, dst: str) -> None:
    """Hand a reference over from one holder to another (the count does not change):
    the allocation's reference becomes the pte's, a lookup's becomes the page cache's."""
    held = page.refs.get(src, 0)
    if held <= 0:
        raise AssertionError(f"move_ref({src} -> {dst}) on pfn {page.pfn} without such a reference")
    if held == 1:
        del page.refs[src]
    else:
        page.refs[src] = held - 1
    page.refs[dst] = page.refs.get(dst, 0) + 1


def put_page(page: Page, why: str, kernel) -> None:
    """put_page(): drop a reference; the last one frees the frame."""
    held = page.refs.get(why, 0)
    if held <= 0 or page.count <= 0:
        raise AssertionError(f"put_page({why}) on pfn {page.pfn} without such a reference")
    if held == 1:
        del page.refs[why]
    else:
        page.refs[why] = held - 1
    page.count -= 1
    if page.count == 0:
        kernel.nodes[page.node].free_page(page)


class Node:
    """A NUMA node: a fixed range of frames and the free list of its zone.

    Models alloc_pages_node()/free_hot_cold_page() of mm/page_alloc.c with one zone,
    no watermarks and no per-cpu lists: a node with no free frame fails the
    allocation, the way a full node makes migration fail with -ENOMEM.
    """

    __slots__ = ("nid", "frames", "first_pfn", "_free", "pages", "freed_count")

    def __init__(self, nid: int, first_pfn: int, frames: int):
        self.nid = nid
        self.frames = frames
        self.first_pfn = first_pfn
        self.pages = [Page(first_pfn + i, nid) for i in range(frames)]
        self._free = [p.pfn for p in self.pages]
        heapq.heapify(self._free)
        self.freed_count = 0

    @property
    def nr_free(self) -> int:
        return len(self._free)

    @property
    def nr_used(self) -> int:
        return self.frames - len(self._free)

    def alloc_page(self, why: str = "alloc") -> Page | None:
        """alloc_pages_node(nid, GFP_HIGHUSER, 0): a frame with count 1, or None."""
        if not self._free:
            return None
        pfn = heapq.heappop(self._free)
        page = self.pages[pfn - self.first_pfn]
        page._reset()
        get_page(page, why)
        return page

    def free_page(self, page: Page) -> None:
        """free_hot_cold_page(): the frame goes back to the free list."""
        page._reset()
        self.freed_count += 1
        heapq.heappush(self._free, page.pfn)

    def is_free(self, page: Page) -> bool:
        return page.count == 0
