"""pagemig: a model of Linux 2.6.18 NUMA page migration, for reading beside the kernel
(and of Linux 6.1's, with ``Kernel(variant="modern")``).

The engine behind the pagemig textbook. Start with :class:`Kernel`::

    from pagemig import Kernel
    k = Kernel(nodes=2, frames_per_node=64)
    f = k.create_file("data.bin", pages=8)
    p = k.spawn()
    v = p.mmap(pages=8, file=f, shared=True)
    p.write(v.start, b"hello")
    k.migrate_pages([p.page_at(v.start)], node=1)
"""

from .constants import (
    MPOL_MF_MOVE,
    MPOL_MF_MOVE_ALL,
    MPOL_MF_STRICT,
    PAGE_SIZE,
    SWP_MIGRATION_READ,
    SWP_MIGRATION_WRITE,
    VARIANTS,
    ZERO_PFN,
)
from .errors import (
    ArgumentTypeError,
    BusError,
    DeadlockError,
    InvalidArgument,
    InvariantError,
    NotModelled,
    OutOfMemory,
    PagemigError,
    SegmentationFault,
)
from .fs import File
from .kernel import VMSTAT_NAMES, Kernel, KernelOops
from .move_pages import MovePagesStatus, status_name
from .page import Page
from .process import Process, Vma
from .pte import Pte
from .sched import Task
from .trace import Event, Trace

__all__ = [
    "PAGE_SIZE",
    "MPOL_MF_MOVE",
    "MPOL_MF_MOVE_ALL",
    "MPOL_MF_STRICT",
    "SWP_MIGRATION_READ",
    "SWP_MIGRATION_WRITE",
    "VARIANTS",
    "ZERO_PFN",
    "VMSTAT_NAMES",
    "Kernel",
    "KernelOops",
    "File",
    "Process",
    "Vma",
    "Page",
    "Pte",
    "Task",
    "Event",
    "Trace",
    "MovePagesStatus",
    "status_name",
    "InvariantError",
    "InvalidArgument",
    "ArgumentTypeError",
    "BusError",
    "DeadlockError",
    "NotModelled",
    "OutOfMemory",
    "PagemigError",
    "SegmentationFault",
]
