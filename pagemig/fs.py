"""Files, their page cache and backing store; dirty state and writepage; the swap cache.

Models the parts of mm/filemap.c, mm/page-writeback.c, mm/swap_state.c and
include/linux/fs.h that migration meets: ``struct address_space`` (page_tree,
i_mmap, i_mmap_nonlinear, a_ops), ``find_get_page``, ``add_to_page_cache``,
``set_page_dirty``, ``clear_page_dirty_for_io``, ``->writepage`` with
``set_page_writeback``/``end_page_writeback``, ``try_to_release_page``,
``add_to_swap``/``lookup_swap_cache``/``swap_duplicate``.

Simplifications: a file has a fixed number of pages; its backing store is a dict
of page offset -> bytes that survives everything; writepage submits I/O that
completes after ``Kernel.io_latency`` steps of an I/O-completion task; the swap
device is a dict as well and slots are never freed by reclaim (there is none).
"""

from __future__ import annotations

from .constants import AOP_WRITEPAGE_ACTIVATE, PAGE_SIZE
from .page import Page, put_page
from .prio_tree import PrioTree
from .rmap import SpinLock


class AddressSpace:
    """struct address_space: the page cache of one file (or the swap cache)."""

    is_anon_vma = False  # (PageAnon() tests this tag on page->mapping)

    def __init__(self, host, migratepage: str | None, writepage: str | None):
        self.host = host
        self.page_tree: dict[int, Page] = {}
        self.i_mmap = PrioTree()
        self.i_mmap_nonlinear: list = []
        self.i_mmap_lock = SpinLock("i_mmap_lock")
        # a_ops: "migrate_page", "buffer_migrate_page" or None (fallback_migrate_page)
        self.migratepage = migratepage
        # writepage outcome: "ok", "activate", "error", or None (no method)
        self.writepage = writepage

    def find_get_page(self, index: int) -> Page | None:
        """find_get_page() without the reference (callers take the one they need)."""
        return self.page_tree.get(index)

    def __repr__(self) -> str:
        return f"<AddressSpace {getattr(self.host, 'name', 'swap')}>"


class File:
    """A file: an inode's address_space plus bytes on a backing store that survive.

    ``migratepage``: True gives the file ``migrate_page`` (or ``buffer_migrate_page``
    when it has buffers), False leaves it to ``fallback_migrate_page``.
    ``writepage``: "ok", "activate", "error" or None (no writepage method).
    ``buffers``: pages carry buffer heads (PG_private, one more expected reference).
    ``releasepage``: whether ``try_to_release_page`` can free those buffers.
    """

    def __init__(
        self,
        kernel,
        name: str,
        pages: int,
        migratepage: bool,
        writepage: str | None,
        buffers: bool,
        releasepage: bool,
    ):
        self.kernel = kernel
        self.name = name
        self.pages = pages
        if migratepage:
            method = "buffer_migrate_page" if buffers else "migrate_page"
        else:
            method = None
        self.mapping = AddressSpace(self, method, writepage)
        self.buffers = buffers
        self.releasepage = releasepage
        self.backing: dict[int, bytes] = {}
        # what a reader must get back for each page offset (for the no-data-lost check)
        self.shadow: dict[int, bytearray] = {}

    @property
    def size(self) -> int:
        return self.pages * PAGE_SIZE

    def read_backing(self, pgoff: int) -> bytes:
        return self.backing.get(pgoff, bytes(PAGE_SIZE))

    def cached_pages(self) -> list[Page]:
        return [self.mapping.page_tree[i] for i in sorted(self.mapping.page_tree)]

    def __repr__(self) -> str:
        return f"<File {self.name!r} pages={self.pages} cached={len(self.mapping.page_tree)}>"


class SwapSpace(AddressSpace):
    """swapper_space plus the swap device: slots numbered from 1, with a use count."""

    def __init__(self):
        super().__init__(None, "migrate_page", "ok")
        self.device: dict[int, bytes] = {}
        self.swap_map: dict[int, int] = {}
        self.next_slot = 1

    def get_swap_page(self) -> int:
        slot = self.next_slot
        self.next_slot += 1
        self.swap_map[slot] = 1
        return slot

    def swap_duplicate(self, slot: int) -> None:
        """swap_duplicate(): one more pte refers to the slot."""
        self.swap_map[slot] = self.swap_map.get(slot, 0) + 1

    def swap_free(self, slot: int) -> None:
        self.swap_map[slot] -= 1


def set_page_dirty(k, page: Page) -> None:
    """set_page_dirty()"""
    page.dirty = True


def clear_page_dirty_for_io(page: Page) -> bool:
    """clear_page_dirty_for_io(): clear PG_dirty; False if it was already clean.

    (2.6.18 also write-protects shared mappings here, page_mkclean(); the model
    instead marks a file page dirty on every write through a shared mapping.)
    """
    if page.dirty:
        page.dirty = False
        return True
    return False


def try_to_release_page(mapping: AddressSpace, page: Page, k) -> bool:
    """try_to_release_page(): free the buffer heads, if the file lets us."""
    if not page.has_private:
        return True
    if not mapping.host.releasepage:
        return False
    page.has_private = False
    page.private = 0
    put_page(page, "private", k)
    return True


def writepage(k, mapping: AddressSpace, page: Page):
    """a_ops->writepage(page, wbc), with the file's chosen outcome.

    "ok": start I/O (PG_writeback), *unlock the page*, return 0; an I/O-completion
    task writes the bytes to the backing store and ends writeback later.
    "activate": keep the page locked and dirty, return AOP_WRITEPAGE_ACTIVATE.
    "error": set PG_error, unlock the page, return -EIO.
    """
    outcome = mapping.writepage
    pfn = page.pfn
    if outcome == "activate":
        page.dirty = True
        yield k.say and (
            "writepage",
            f"pfn {pfn}: filesystem declines (AOP_WRITEPAGE_ACTIVATE); page stays locked and dirty",
            {"pfn": pfn, "rc": AOP_WRITEPAGE_ACTIVATE},
        )
        return AOP_WRITEPAGE_ACTIVATE
    if outcome == "error":
        page.error = True
        k.unlock_page(page)
        yield k.say and (
            "writepage",
            f"pfn {pfn}: I/O error; writepage unlocks the page and returns -EIO",
            {"pfn": pfn, "rc": -5, "locked": False},
        )
        return -5
    page.writeback = True
    snapshot = page.read_bytes()
    k.unlock_page(page)
    k.start_io_completion(mapping, page, snapshot)
    yield k.say and (
        "writepage",
        f"pfn {pfn}: I/O submitted (PG_writeback set), page unlocked",
        {"pfn": pfn, "rc": 0, "locked": False},
    )
    return 0


def end_io(k, mapping: AddressSpace, page: Page, snapshot: bytes, latency: int):
    """The I/O completion (end_buffer_async_write -> end_page_writeback)."""
    for i in range(latency):
        yield k.say and (
            "end_io",
            f"pfn {page.pfn}: write I/O in flight ({i + 1}/{latency})",
            {"pfn": page.pfn},
        )
    host = mapping.host
    if host is None:
        mapping.device[page.private] = snapshot
    else:
        host.backing[page.index] = snapshot
        page.mappedtodisk = True
    page.writeback = False
    yield k.say and (
        "end_page_writeback",
        f"pfn {page.pfn}: bytes reached the backing store; PG_writeback cleared",
        {"pfn": page.pfn},
    )
