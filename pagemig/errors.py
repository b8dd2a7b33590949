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


class ArgumentTypeError(PagemigError, TypeError, ValueError):
    """An argument of the wrong type (a float, a str or a bool where an int is
    needed): a TypeError, and a ValueError too for callers that catch bad values
    that way."""


class BusError(PagemigError, OSError):
    """An access to a page of a file mapping beyond the end of the file: the kernel
    sends SIGBUS (a fault past i_size). ``errno`` is EFAULT, what access_process_vm()
    reports for it."""


def check_int(value, name: str, lo: int | None = None, hi: int | None = None, err=None) -> int:
    """Refuse anything but an int (a bool is not one here) in [lo, hi]: TypeError for
    the wrong type, InvalidArgument with errno ``err`` (EINVAL unless given) for a
    value out of range. Returns the value."""
    if value.__class__ is int and (lo is None or value >= lo) and (hi is None or value <= hi):
        return value  # the common case, decided first (the engine checks every address)
    from errno import EINVAL

    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = (
            f"from {lo} to {hi}"
            if lo is not None and hi is not None
            else f">= {lo}"
            if lo is not None
            else f"<= {hi}"
        )
        raise InvalidArgument(err or EINVAL, f"{name} must be {bounds}, got {value}")
    return value


def check_bool(value, name: str) -> bool:
    """Refuse anything but True or False (``"no"`` is not False)."""
    if not isinstance(value, bool):
        raise ArgumentTypeError(
            f"{name} must be True or False, got {type(value).__name__} {value!r}"
        )
    return value


# Limits of the model: sizes larger than these are refused (with the kernel's errno
# where it has one) so that every call, check() and exit() included, stays within a
# few seconds. The kernel's own limits are far larger; a textbook machine needs none.
MAX_FRAMES = 1 << 21  # nodes * frames_per_node (8 GiB of 4 KiB frames: room for
# the bench's million pages on one node and their new frames on the other)
MAX_MAP_PAGES = 1 << 20  # one mmap or file: 4 GiB (larger: ENOMEM / EINVAL)
MAX_MAPPED_PAGES = 1 << 22  # every vma of every process together (larger: ENOMEM)
MAX_ACCESS = 1 << 24  # bytes one read or write may touch: 16 MiB (larger: EINVAL)
MAX_STEPS_ARG = 100_000  # hold= of a lock holder, io_latency (larger: EINVAL)


class NotModelled(PagemigError, NotImplementedError):
    """The real kernel does this (transparent huge pages, hugetlb, KSM under
    ``variant="modern"``), but pagemig does not model it, so it refuses."""
