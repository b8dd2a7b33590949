"""Constants shared across the engine, with the values Linux 2.6.18 uses.

Models include/linux/mempolicy.h (MPOL_MF_*), include/linux/swapops.h and
include/linux/swap.h of 2.6.18 (the migration swap types) and
include/asm-generic/page.h (PAGE_SIZE with 4 KiB pages).
"""

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT

# mm/rmap.c: CLUSTER_SIZE = min(32 * PAGE_SIZE, PMD_SIZE); 32 pages with 4 KiB pages.
CLUSTER_PAGES = 32
CLUSTER_SIZE = CLUSTER_PAGES * PAGE_SIZE

# include/linux/mempolicy.h
MPOL_MF_STRICT = 1 << 0
MPOL_MF_MOVE = 1 << 1
MPOL_MF_MOVE_ALL = 1 << 2

# include/linux/swap.h with CONFIG_MIGRATION: MAX_SWAPFILES = 32 - 2.
MAX_SWAPFILES = 30
SWP_MIGRATION_READ = MAX_SWAPFILES
SWP_MIGRATION_WRITE = MAX_SWAPFILES + 1

# migrate_pages() in mm/migrate.c runs at most 10 passes; passes 0-2 are polite.
MIGRATE_PASSES = 10
POLITE_PASSES = 3

# try_to_unmap() results (include/linux/rmap.h)
SWAP_SUCCESS = 0
SWAP_AGAIN = 1
SWAP_FAIL = 2

# include/linux/fs.h: writepage may return this to keep the page locked.
AOP_WRITEPAGE_ACTIVATE = 0x80000

# The kernel histories a Kernel can run (``Kernel(variant=...)``): three 2.6.18 ones
# (the patch, the code before it, the unsafe writeout order) and "modern", Linux 6.1
# as Debian 12 ships it (the Kernel docstring lists what that switch changes).
VARIANTS = ("patched", "before-patch", "unsafe-writeout", "modern")

# The shared ZERO_PAGE (empty_zero_page) is no frame of any node: pagemig gives it
# this pfn, which no node's frames use, so that a read-only pte to it can be told apart.
ZERO_PFN = -1
WRITEPAGE_OUTCOMES = ("ok", "activate", "error", None)
