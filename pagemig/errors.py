"""Exceptions for misuse of the engine's API.

Kernel outcomes (-EAGAIN, -EBUSY, -ENOMEM ...) are *values* recorded in the trace;
these exceptions are for calls that make no sense, and they are raised before the
simulated machine is changed.
"""


class PagemigError(Exception):
    """Base class of every error the engine raises on purpose."""


class InvariantError(PagemigError, AssertionError):
    """A rule the kernel relies on is broken; ``.rule`` names it, ``.details`` says where."""

    def __init__(self, rule: str, details: str = ""):
        self.rule = rule
        self.details = details
        super().__init__(f"{rule}: {details}" if details else rule)


class DeadlockError(PagemigError, RuntimeError):
    """Every started task is blocked and nothing can wake any of them."""


class SegmentationFault(PagemigError, OSError):
    """An access to an address no VMA covers, or a write to a read-only mapping (SIGSEGV).
    ``errno`` is EFAULT, what the kernel's access_process_vm() reports."""


class InvalidArgument(PagemigError, OSError, ValueError):
    """Bad input the kernel itself would refuse with an errno (EINVAL for a zero size,
    ENODEV for a node that does not exist): an OSError carrying that errno, and a
    ValueError too for callers that catch bad values that way."""


class OutOfMemory(PagemigError, MemoryError):
    """A fault needed a frame and no node had one free (the OOM killer would run)."""


class NotModelled(PagemigError, NotImplementedError):
    """The real kernel does this (transparent huge pages, hugetlb, KSM under
    ``variant="modern"``), but pagemig does not model it, so it refuses."""
