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


# The flags migrate_page_copy() carries to the new page (kernel-facts A.5).
COPIED_FLAGS = PG_error | PG_referenced | PG_uptodate | PG_active | PG_checked | PG_mappedtodisk


# Each flag is a plain bool attribute of Page (a slot: one load, no property call),
# named like the kernel's PageXxx() test; ``Page.flags`` packs them into the bits.
FLAG_ATTRS = (
    (PG_locked, "locked"),
    (PG_error, "error"),
    (PG_referenced, "referenced"),
    (PG_uptodate, "uptodate"),
    (PG_dirty, "dirty"),
    (PG_lru, "lru"),
    (PG_active, "active"),
    (PG_checked, "checked"),
    (PG_reserved, "reserved"),
    (PG_private, "has_private"),
    (PG_writeback, "writeback"),
    (PG_swapcache, "swapcache"),
    (PG_mappedtodisk, "mappedtodisk"),
)
# the names /proc and the kernel print (PG_private is "private"; the attribute is
# has_private because Page.private holds the swap slot or buffers, as in the kernel)
FLAG_NAMES = tuple((bit, "private" if a == "has_private" else a) for bit, a in FLAG_ATTRS)


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
        # the page flags (PG_locked ... PG_mappedtodisk), one bool each
        "locked",
        "error",
        "referenced",
        "uptodate",
        "dirty",
        "lru",
        "active",
        "checked",
        "reserved",
        "has_private",
        "writeback",
        "swapcache",
        "mappedtodisk",
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
        self.locked = self.error = self.referenced = self.uptodate = self.dirty = False
        self.lru = self.active = self.checked = self.reserved = self.has_private = False
        self.writeback = self.swapcache = self.mappedtodisk = False
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

    # The flags are slots (see FLAG_ATTRS): locked (PG_locked: the page lock is held),
    # error, referenced, uptodate (contents are valid), dirty (newer than the backing
    # store), lru (on an LRU list: isolatable), active, checked, reserved (the
    # ZERO_PAGE), has_private (PG_private: buffers attached), writeback (I/O in
    # flight), swapcache, mappedtodisk.

    @property
    def flags(self) -> int:
        """page->flags: the flags as bits (PG_locked | PG_dirty ...)."""
        bits = 0
        for bit, attr in FLAG_ATTRS:
            if getattr(self, attr):
                bits |= bit
        return bits

    @flags.setter
    def flags(self, bits: int) -> None:
        for bit, attr in FLAG_ATTRS:
            setattr(self, attr, bool(bits & bit))

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
        mapping = self.mapping
        return mapping is not None and getattr(mapping, "is_anon_vma", False)

    @property
    def free(self) -> bool:
        return self.count == 0

    def flag_names(self) -> list[str]:
        """The set flags, by name, in a fixed order."""
        return [name for (_, name), (_, attr) in zip(FLAG_NAMES, FLAG_ATTRS) if getattr(self, attr)]

    def read_bytes(self, offset: int = 0, n: int = PAGE_SIZE) -> bytes:
        """The frame's bytes [offset, offset + n), inside the page (else ValueError)."""
        _check_span(offset, n)
        if self.data is None:
            return bytes(n)
        return bytes(self.data[offset : offset + n])

    def write_bytes(self, offset: int, data: bytes) -> None:
        """Store ``data`` (bytes-like) at ``offset``; it must fit in the page."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, got {type(data).__name__}")
        _check_span(offset, len(data))
        if self.data is None:
            if is_zeros(data):
                return  # zeros onto a page never written: it reads as zeros already
            self.data = bytearray(PAGE_SIZE)
        self.data[offset : offset + len(data)] = data

    def __repr__(self) -> str:
        kind = "anon" if self.anon else ("file" if self.mapping is not None else "-")
        flags = ",".join(self.flag_names()) or "-"
        return (
            f"<Page pfn={self.pfn} node={self.node} {kind} index={self.index} "
            f"count={self.count} mapcount={self.mapcount} flags={flags}>"
        )


ZEROS = bytes(PAGE_SIZE)  # a page of zeros, to compare with


def is_zeros(data) -> bool:
    """Every byte of ``data`` (at most a page) is zero: one memcmp (bytes.strip(b"\\0")
    tests the same at 17 us a page)."""
    return data == ZEROS[: len(data)]


def _check_span(offset, n) -> None:
    """[offset, offset + n) must be ints inside one page (a frame never grows)."""
    if (
        type(offset) is not int
        or type(n) is not int
        or offset < 0
        or n < 0
        or offset + n > PAGE_SIZE
    ):
        raise ValueError(f"bytes [{offset!r}, +{n!r}) do not lie inside a {PAGE_SIZE}-byte page")


def copy_page_flags(newpage: Page, page: Page) -> None:
    """The COPIED_FLAGS part of migrate_page_copy(): SetPageError(newpage) if
    PageError(page), and so on for referenced, uptodate, active, checked and
    mappedtodisk (set on the new page, never cleared)."""
    if page.error:
        newpage.error = True
    if page.referenced:
        newpage.referenced = True
    if page.uptodate:
        newpage.uptodate = True
    if page.active:
        newpage.active = True
    if page.checked:
        newpage.checked = True
    if page.mappedtodisk:
        newpage.mappedtodisk = True


class PageList:
    """A list of pages threaded through page->lru, as a ``struct list_head``: adding,
    removing and "is it on this list" cost the same whatever the length (a dict keyed
    by page, which keeps insertion order). Iterates in the order pages were added;
    ``list(pl)`` is a snapshot to walk while pages leave it."""

    __slots__ = ("_pages",)

    def __init__(self, pages=()):
        self._pages: dict[Page, None] = dict.fromkeys(pages)

    def append(self, page: Page) -> None:
        """list_add_tail()"""
        self._pages[page] = None

    def remove(self, page: Page) -> None:
        """list_del(); ValueError if the page is not on the list."""
        try:
            del self._pages[page]
        except KeyError:
            raise ValueError(f"pfn {page.pfn} is not on this list") from None

    def __contains__(self, page) -> bool:
        return page in self._pages

    def __iter__(self):
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)

    def __bool__(self) -> bool:
        return bool(self._pages)

    def __repr__(self) -> str:
        return f"PageList({[p.pfn for p in self._pages]})"


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
