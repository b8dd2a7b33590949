"""A bridge between the simulator and the machine in front of you: ``/proc`` views.

Three kernel files are modelled here, each by the function that prints it:

* ``/proc/PID/maps``: ``show_map()`` in fs/proc/task_mmu.c (``show_map_vma()``
  and ``show_vma_header_prefix()`` in later kernels). :func:`parse_maps` reads
  that text into :class:`MapsEntry` records, :func:`format_maps` prints records
  back in the same layout, :func:`read_maps` reads a live process's file.
* ``/proc/PID/numa_maps``: ``show_numa_map()`` (mm/mempolicy.c in 2.6.18,
  fs/proc/task_mmu.c since 2.6.28) with ``gather_stats()`` counting the pages.
  :func:`parse_numa_maps` reads it, :func:`render_numa_maps` prints a simulated
  process in that format.
* ``/proc/vmstat``: ``vmstat_show()`` in mm/vmstat.c. :func:`render_vmstat` prints
  a simulated kernel's counters, :func:`parse_vmstat` reads such text back.

:func:`simulate_process` builds, inside a :class:`pagemig.Kernel`, a scaled copy
of a real process's address space (same VMAs, in the same order, file-backed or
anonymous, shared or private, file offsets following the real ones), so that a
reader can migrate the pages of a copy of their own Python process.

Nothing here keeps module-level state; every function works on its arguments.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field

from .constants import PAGE_SIZE

__all__ = [
    "DEFAULT_MAX_PAGES_PER_VMA",
    "MapsEntry",
    "MapsFormatError",
    "NumaMapsEntry",
    "ProcAccessError",
    "ProcSnapshot",
    "SimulatedVma",
    "SimulationReport",
    "format_maps",
    "parse_maps",
    "parse_numa_maps",
    "parse_vmstat",
    "read_maps",
    "read_numa_maps",
    "read_node_distances",
    "read_process",
    "render_numa_maps",
    "describe_numa",
    "migrate_a_copy",
    "render_vmstat",
    "simulate_process",
]

#: The default cap on a simulated VMA's size, in pages. A real Python process
#: has VMAs of hundreds of megabytes; the default simulated kernel has 2 x 64
#: frames. Four pages are enough to show a VMA whose pages sit on two nodes,
#: shared file pages (mapmax) and COW copies, while a 40-80 VMA process stays a
#: few hundred virtual pages. The frames a copy faults in are bounded apart from
#: this, by simulate_process's ``frame_budget``.
DEFAULT_MAX_PAGES_PER_VMA = 4

# PF_KTHREAD in include/linux/sched.h: the flags word of /proc/PID/stat has it
# for kernel threads, whose mm is NULL and whose maps file is therefore empty.
_PF_KTHREAD = 0x00200000


# --------------------------------------------------------------------------------------
# Errors


class MapsFormatError(ValueError):
    """A line of maps (or numa_maps, or vmstat) text is not in the kernel's format.

    ``lineno`` is 1-based, ``line`` is the offending line, ``reason`` says what is
    wrong with it; the message names all three (and the source, when known).
    """

    def __init__(self, lineno: int, line: str, reason: str, source: str | None = None):
        self.lineno = lineno
        self.line = line
        self.reason = reason
        self.source = source
        where = f"{source}, line {lineno}" if source else f"line {lineno}"
        super().__init__(f"{where}: {reason}: {line!r}")

    def __reduce__(self):
        return (type(self), (self.lineno, self.line, self.reason, self.source))


class ProcAccessError(OSError):
    """A /proc file of a process cannot be read, with a one-line reason.

    Raised instead of the ``FileNotFoundError``/``PermissionError`` that ``open()``
    gives, and for an empty maps file (a kernel thread has no user address space).
    ``pid`` and ``path`` say what was asked for; ``errno`` is the underlying error
    number, or None when the file was read but was empty.
    """

    def __init__(self, message: str, *, pid=None, path: str | None = None, errno_=None):
        super().__init__(message)
        self.pid = pid
        self.path = path
        # Only errno is set: setting OSError.filename would change str() to
        # "[Errno N] ...", and the message is meant to be read as it is.
        self.errno = errno_

    def __reduce__(self):
        return (
            _rebuild_proc_access_error,
            (str(self), self.pid, self.path, self.errno),
        )


def _rebuild_proc_access_error(message, pid, path, errno_):
    return ProcAccessError(message, pid=pid, path=path, errno_=errno_)


# --------------------------------------------------------------------------------------
# /proc/PID/maps


@dataclass(frozen=True, slots=True)
class MapsEntry:
    """One line of /proc/PID/maps: one ``vm_area_struct`` as ``show_map()`` prints it.

    ``start``/``end`` are byte addresses (``vm_start``/``vm_end``); ``perms`` the four
    characters ``r``/``w``/``x`` and ``p`` (private) or ``s`` (VM_MAYSHARE);
    ``offset`` the file offset in bytes (``vm_pgoff << PAGE_SHIFT``); ``dev`` the
    ``major:minor`` text of the backing device; ``inode`` its inode number;
    ``pathname`` the name column exactly as printed (None when empty), including a
    trailing ``" (deleted)"`` and the kernel's ``\\012`` escape for a newline.
    ``lineno`` is the line it came from (0 for records not parsed from text).
    """

    start: int
    end: int
    perms: str
    offset: int
    dev: str
    inode: int
    pathname: str | None
    lineno: int = 0

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def pages(self) -> int:
        """The size in 4 KiB pages (``vma_pages()`` with PAGE_SIZE 4096)."""
        return (self.end - self.start) // PAGE_SIZE

    @property
    def pgoff(self) -> int:
        return self.offset // PAGE_SIZE

    @property
    def readable(self) -> bool:
        return self.perms[0] == "r"

    @property
    def writable(self) -> bool:
        return self.perms[1] == "w"

    @property
    def executable(self) -> bool:
        return self.perms[2] == "x"

    @property
    def shared(self) -> bool:
        """``s``: the kernel printed VM_MAYSHARE (MAP_SHARED)."""
        return self.perms[3] == "s"

    @property
    def major(self) -> int:
        return int(self.dev.split(":")[0], 16)

    @property
    def minor(self) -> int:
        return int(self.dev.split(":")[1], 16)

    @property
    def deleted(self) -> bool:
        """d_path() appended " (deleted)": the file was unlinked after mapping."""
        return self.kind == "file" and self.pathname.endswith(" (deleted)")

    @property
    def path(self) -> str | None:
        """The file's path without " (deleted)" and with the ``\\012`` escape undone."""
        if self.kind != "file":
            return None
        name = self.pathname
        if name.endswith(" (deleted)"):
            name = name[: -len(" (deleted)")]
        return name.replace("\\012", "\n")

    @property
    def kind(self) -> str:
        """What backs the VMA, as the name column tells.

        ``"file"``: a path (or another non-bracketed name such as
        ``anon_inode:...``: the VMA has a ``vm_file``). ``"anon"``: no name, or a
        named anonymous region ``[anon:...]``/``[anon_shmem:...]``. ``"heap"``:
        ``[heap]`` (the brk area). ``"stack"``: ``[stack]`` (or ``[stack:TID]`` of
        kernels 3.4-4.4). ``"special"``: any other bracketed name: a special
        mapping the kernel installs itself (``[vdso]``, ``[vvar]``,
        ``[vsyscall]``, ...), with no page cache or anon_vma behind it.
        """
        name = self.pathname
        if name is None:
            return "anon"
        if name.startswith("[") and name.endswith("]"):
            if name == "[heap]":
                return "heap"
            if name == "[stack]" or name.startswith("[stack:"):
                return "stack"
            if name.startswith("[anon:") or name.startswith("[anon_shmem:"):
                return "anon"
            return "special"
        return "file"

    @property
    def anonymous(self) -> bool:
        """Anonymous memory: ``anon``, ``heap`` or ``stack``."""
        return self.kind in ("anon", "heap", "stack")


_MAPS_RE = re.compile(
    r"(?P<start>[0-9a-f]+)-(?P<end>[0-9a-f]+) "
    r"(?P<perms>[r-][w-][x-][ps]) "
    r"(?P<offset>[0-9a-f]+) "
    r"(?P<dev>[0-9a-f]+:[0-9a-f]+) "
    r"(?P<inode>[0-9]+)"
    r"(?: +(?P<pathname>.*))?"
)

_FIELD_CHECKS = (
    ("address range", re.compile(r"[0-9a-f]+-[0-9a-f]+")),
    ("permissions", re.compile(r"[r-][w-][x-][ps]")),
    ("offset", re.compile(r"[0-9a-f]+")),
    ("device", re.compile(r"[0-9a-f]+:[0-9a-f]+")),
    ("inode", re.compile(r"[0-9]+")),
)

_MAX_ADDR = 1 << 64


def _diagnose_maps_line(line: str) -> str:
    """Say which field of a maps line that did not match is wrong."""
    if not line.strip():
        return "empty line"
    fields = line.split(None, 5)
    for (what, pattern), text in zip(_FIELD_CHECKS, fields, strict=False):
        if not pattern.fullmatch(text):
            return f"bad {what} {text!r}"
    if len(fields) < len(_FIELD_CHECKS):
        names = ", ".join(what for what, _ in _FIELD_CHECKS[len(fields) :])
        return f"too few fields (missing {names})"
    return 'expected "start-end perms offset major:minor inode [pathname]"'


def parse_maps(text: str, *, source: str | None = None) -> list[MapsEntry]:
    """Parse /proc/PID/maps text into :class:`MapsEntry` records, in order.

    Models the reader's side of ``show_map()`` (fs/proc/task_mmu.c): each line is
    ``start-end perms offset major:minor inode``, then, if the VMA has a name, the
    kernel pads with spaces to column 73 (49 on 32-bit kernels) and prints it.
    The name is taken as everything after that padding, so paths with spaces
    survive. Empty text (a kernel thread's maps) gives an empty list.

    A line that is not in that format, a VMA that is empty, not page-aligned, or
    that starts before the previous one ends, raises :class:`MapsFormatError`
    naming the line number and quoting the line. ``source`` (a file name) is put
    into those messages.
    """
    entries: list[MapsEntry] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    prev_end = None
    for lineno, line in enumerate(lines, 1):
        m = _MAPS_RE.fullmatch(line)
        if m is None:
            raise MapsFormatError(lineno, line, _diagnose_maps_line(line), source)
        start, end = int(m["start"], 16), int(m["end"], 16)
        offset = int(m["offset"], 16)
        if end > _MAX_ADDR or start >= end:
            raise MapsFormatError(lineno, line, "empty or inverted address range", source)
        if start % PAGE_SIZE or end % PAGE_SIZE:
            raise MapsFormatError(lineno, line, "addresses are not page-aligned", source)
        if offset % PAGE_SIZE:
            raise MapsFormatError(lineno, line, "offset is not page-aligned", source)
        if prev_end is not None and start < prev_end:
            raise MapsFormatError(
                lineno,
                line,
                f"starts before the previous mapping ends ({prev_end:x}): "
                "maps lines are sorted and never overlap",
                source,
            )
        prev_end = end
        entries.append(
            MapsEntry(
                start=start,
                end=end,
                perms=m["perms"],
                offset=offset,
                dev=m["dev"],
                inode=int(m["inode"]),
                pathname=m["pathname"] or None,
                lineno=lineno,
            )
        )
    return entries


def format_maps(entries: Iterable[MapsEntry], *, pointer_bytes: int = 8) -> str:
    """Print records as /proc/PID/maps text, byte for byte as the kernel does.

    Models ``show_vma_header_prefix()`` + ``show_map_vma()`` (fs/proc/task_mmu.c):
    ``%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu `` then, for a named VMA, padding
    to ``25 + sizeof(void *) * 6 - 1`` columns (``seq_setwidth``/``seq_pad``), one
    more space and the name. ``pointer_bytes`` is 8 for a 64-bit kernel, 4 for a
    32-bit one. 2.6.18's ``pad_len_spaces()`` lays lines out the same way.
    """
    width = 25 + pointer_bytes * 6 - 1
    out = []
    for e in entries:
        major, minor = e.dev.split(":")
        head = (
            f"{e.start:08x}-{e.end:08x} {e.perms} {e.offset:08x} "
            f"{int(major, 16):02x}:{int(minor, 16):02x} {e.inode} "
        )
        if e.pathname is not None:
            head = head.ljust(width) + " " + e.pathname
        out.append(head + "\n")
    return "".join(out)


# --------------------------------------------------------------------------------------
# /proc/PID/numa_maps

# The counters show_numa_map() prints after the location, in its order.
_NUMA_COUNTERS = ("anon", "dirty", "mapped", "mapmax", "swapcache", "active", "writeback")
_NUMA_KEYS = frozenset(_NUMA_COUNTERS) | {"kernelpagesize_kB", "file"}
_NODE_RE = re.compile(r"N(\d+)=(\d+)")
_OCTAL_ESCAPE_RE = re.compile(r"\\([0-7]{3})")


def _unescape_octal(text: str) -> str:
    """Undo seq_path()'s mangle_path(): ``\\040`` back to a space, and so on."""
    return _OCTAL_ESCAPE_RE.sub(lambda m: chr(int(m[1], 8)), text)


def _escape_octal(text: str, chars: str) -> str:
    """mangle_path(): each of ``chars`` becomes a backslash and three octal digits."""
    return "".join(f"\\{ord(c):03o}" if c in chars else c for c in text)


@dataclass(frozen=True, slots=True)
class NumaMapsEntry:
    """One line of /proc/PID/numa_maps, as ``show_numa_map()`` prints it.

    ``policy`` is the ``mpol_to_str()`` text (``default``, ``bind:0-1``, ...).
    ``file`` is the mapped file's path with the octal escapes undone (and
    ``" (deleted)"`` kept), or None; ``label`` is ``"heap"``, ``"stack"`` (or
    ``"stack:TID"``) for those anonymous VMAs, else None. The counters are
    ``gather_stats()``'s: ``anon``, ``dirty``, ``mapmax``, ``swapcache``,
    ``writeback``; ``mapped`` is the printed ``mapped=`` field, None when the kernel
    left it out (it does when it equals ``anon`` or ``dirty``); ``active`` likewise
    is None when left out (it equals ``pages`` then). ``nodes`` maps node id to
    pages there. ``kernelpagesize_kb`` is None for kernels before 2.6.29 and for
    VMAs with no pages, where nothing after the location is printed. Fields this
    module does not know are kept in ``extra``.
    """

    start: int
    policy: str
    file: str | None = None
    label: str | None = None
    huge: bool = False
    anon: int = 0
    dirty: int = 0
    mapped: int | None = None
    mapmax: int = 0
    swapcache: int = 0
    active: int | None = None
    writeback: int = 0
    nodes: dict[int, int] = field(default_factory=dict)
    kernelpagesize_kb: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    lineno: int = 0

    @property
    def pages(self) -> int:
        """``md->pages``: present pages counted; the N<node> fields add up to it."""
        if self.nodes:
            return sum(self.nodes.values())
        return max(self.mapped or 0, self.anon, self.dirty)

    @property
    def active_pages(self) -> int:
        return self.pages if self.active is None else self.active

    @property
    def page_factor(self) -> int:
        """How many 4 KiB pages one counted page is (512 for a 2 MiB hugetlb VMA)."""
        if self.kernelpagesize_kb is None:
            return 1
        return max(1, self.kernelpagesize_kb * 1024 // PAGE_SIZE)


def _is_numa_field(token: str) -> bool:
    if token in ("heap", "stack", "huge") or token.startswith("stack:"):
        return True
    if _NODE_RE.fullmatch(token):
        return True
    key, eq, _ = token.partition("=")
    return bool(eq) and key in _NUMA_KEYS


def parse_numa_maps(text: str, *, source: str | None = None) -> list[NumaMapsEntry]:
    """Parse /proc/PID/numa_maps text into :class:`NumaMapsEntry` records.

    The reader's side of ``show_numa_map()``: ``%08lx <policy>``, then ``file=<path>``
    (with ``\\n \\t = space`` escaped as octal), ``heap`` or ``stack``, ``huge``, then
    ``anon= dirty= mapped= mapmax= swapcache= active= writeback= N<n>=`` and
    ``kernelpagesize_kB=``. The policy may hold spaces (``prefer (many):0-1``,
    ``weighted interleave:0-1``): every token before the first known field is
    policy. A malformed line raises :class:`MapsFormatError` naming the line.
    """
    entries: list[NumaMapsEntry] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    prev_start = None
    for lineno, line in enumerate(lines, 1):
        tokens = line.split(" ")
        if len(tokens) < 2 or not tokens[1]:
            raise MapsFormatError(lineno, line, "expected '<start> <policy> ...'", source)
        if not re.fullmatch(r"[0-9a-f]+", tokens[0]):
            raise MapsFormatError(lineno, line, f"bad start address {tokens[0]!r}", source)
        start = int(tokens[0], 16)
        if start % PAGE_SIZE:
            raise MapsFormatError(lineno, line, "start address is not page-aligned", source)
        if prev_start is not None and start <= prev_start:
            raise MapsFormatError(lineno, line, "start addresses are not increasing", source)
        prev_start = start
        i = 2
        while i < len(tokens) and not _is_numa_field(tokens[i]):
            i += 1
        policy = " ".join(tokens[1:i])
        kw: dict = {"nodes": {}, "extra": {}}
        seen: set[str] = set()
        for token in tokens[i:]:
            if token in ("heap", "stack", "huge") or token.startswith("stack:"):
                key, value = ("huge", True) if token == "huge" else ("label", token)
            else:
                key, eq, value = token.partition("=")
                if not eq or not key:
                    raise MapsFormatError(lineno, line, f"bad field {token!r}", source)
                if key == "file":
                    value = _unescape_octal(value)
                else:
                    if not (value.isascii() and value.isdigit()):  # not "²"
                        raise MapsFormatError(
                            lineno, line, f"field {key} has a non-numeric value {value!r}", source
                        )
                    node = re.fullmatch(r"N(\d+)", key)
                    if node:
                        if int(node[1]) in kw["nodes"]:
                            raise MapsFormatError(lineno, line, f"repeated field {key}", source)
                        kw["nodes"][int(node[1])] = int(value)
                        continue
                    if key not in _NUMA_KEYS:
                        kw["extra"][key] = value
                        continue
                    value = int(value)
                    if key == "kernelpagesize_kB":
                        key = "kernelpagesize_kb"
            if key in seen or (key == "label" and "file" in seen):
                raise MapsFormatError(
                    lineno, line, f"repeated or conflicting field {token!r}", source
                )
            seen.add(key)
            kw[key] = value
        entries.append(NumaMapsEntry(start=start, policy=policy, lineno=lineno, **kw))
    return entries


# --------------------------------------------------------------------------------------
# Reading a live process


@dataclass(frozen=True)
class ProcSnapshot:
    """A process's maps and numa_maps, read one after the other.

    ``numa`` is None where the kernel has no numa_maps (built without CONFIG_NUMA).
    The two files are read at slightly different times; :meth:`numa_for` pairs
    entries by start address and gives None for a VMA that changed in between.
    """

    pid: int | str
    comm: str | None
    maps: list[MapsEntry]
    numa: list[NumaMapsEntry] | None

    def numa_for(self, entry: MapsEntry) -> NumaMapsEntry | None:
        if self.numa is None:
            return None
        return {n.start: n for n in self.numa}.get(entry.start)


def _check_pid(pid) -> str:
    ok = (
        (isinstance(pid, int) and not isinstance(pid, bool) and pid > 0)
        or (isinstance(pid, str) and (pid.isdecimal() and int(pid) > 0))
        or pid in ("self", "thread-self")
    )
    if not ok:
        raise ValueError(f"pid must be a positive int, a digit string or 'self', not {pid!r}")
    return str(pid)


def _describe(pid: str, proc_root: str) -> str:
    """``pid 2 (kthreadd)``, or just ``pid 2`` when the name cannot be read."""
    try:
        with open(os.path.join(proc_root, pid, "comm"), encoding="utf-8", errors="replace") as f:
            comm = f.read().strip()
    except OSError:
        return f"pid {pid}"
    return f"pid {pid} ({comm})"


def _stat_fields(pid: str, proc_root: str) -> list[str] | None:
    """/proc/PID/stat after the ``(comm)`` field: state, ppid, ..., flags, ..."""
    try:
        with open(os.path.join(proc_root, pid, "stat"), encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    _, paren, rest = text.rpartition(")")
    return rest.split() if paren else None


def _access_error(exc: OSError, pid: str, path: str, proc_root: str) -> ProcAccessError:
    """Turn open()'s error into one line saying what happened and why."""
    who = _describe(pid, proc_root)
    if isinstance(exc, FileNotFoundError):
        if not os.path.isdir(proc_root):
            why = f"{proc_root} is not mounted (no procfs)"
        elif not os.path.isdir(os.path.join(proc_root, pid)):
            why = f"there is no process with pid {pid} (it may have exited)"
        else:
            why = f"the kernel provides no {os.path.basename(path)} file"
    elif isinstance(exc, PermissionError):
        try:
            owner = os.stat(os.path.join(proc_root, pid)).st_uid
        except OSError:
            owner = None
        if owner is not None and owner != os.geteuid():
            why = (
                f"permission denied: {who} belongs to uid {owner} and you are uid "
                f"{os.geteuid()}; reading another user's maps needs CAP_SYS_PTRACE"
            )
        else:
            why = (
                f"permission denied: the kernel's ptrace access check "
                f"(PTRACE_MODE_READ) refused {who} (another user namespace, Yama "
                "ptrace_scope, or a non-dumpable process)"
            )
    elif isinstance(exc, ProcessLookupError):
        why = f"{who} exited while its maps were being read"
    else:
        why = exc.strerror or str(exc)
    return ProcAccessError(f"cannot read {path}: {why}", pid=pid, path=path, errno_=exc.errno)


def _read_proc_file(pid, name: str, proc_root: str) -> str:
    spid = _check_pid(pid)
    path = os.path.join(proc_root, spid, name)
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
    except OSError as exc:
        raise _access_error(exc, spid, path, proc_root) from None


def read_maps(pid: int | str = "self", *, proc_root: str = "/proc") -> list[MapsEntry]:
    """Read and parse ``/proc/PID/maps`` of a live process.

    A pid that does not exist, a process the kernel will not show you (another
    user's, another namespace's), or one with no user address space (a kernel
    thread, a zombie) raises :class:`ProcAccessError` with one line saying which
    and why. ``proc_root`` lets tests point at a fake /proc.
    """
    spid = _check_pid(pid)
    path = os.path.join(proc_root, spid, "maps")
    text = _read_proc_file(spid, "maps", proc_root)
    if not text:
        who = _describe(spid, proc_root)
        fields = _stat_fields(spid, proc_root)
        if fields and len(fields) > 6 and fields[6].isdigit() and int(fields[6]) & _PF_KTHREAD:
            why = f"{who} is a kernel thread: it has no user address space (its mm is NULL)"
        elif fields and fields[0] in ("Z", "X"):
            why = f"{who} is a zombie: its address space has already been torn down"
        else:
            why = f"{who} has no user address space (a kernel thread or an exiting process)"
        raise ProcAccessError(f"{path} is empty: {why}", pid=spid, path=path)
    return parse_maps(text, source=path)


def read_numa_maps(
    pid: int | str = "self", *, proc_root: str = "/proc"
) -> list[NumaMapsEntry] | None:
    """Read and parse ``/proc/PID/numa_maps``; None if the kernel has no such file.

    Errors other than the file's absence raise :class:`ProcAccessError` as in
    :func:`read_maps`.
    """
    spid = _check_pid(pid)
    path = os.path.join(proc_root, spid, "numa_maps")
    try:
        text = _read_proc_file(spid, "numa_maps", proc_root)
    except ProcAccessError as exc:
        if exc.errno == 2 and os.path.isdir(os.path.join(proc_root, spid)):
            return None
        raise
    return parse_numa_maps(text, source=path)


def read_process(pid: int | str = "self", *, proc_root: str = "/proc") -> ProcSnapshot:
    """Read a live process's maps, then its numa_maps where the kernel has one."""
    spid = _check_pid(pid)
    maps = read_maps(spid, proc_root=proc_root)
    numa = read_numa_maps(spid, proc_root=proc_root)
    comm = _describe(spid, proc_root).partition(" (")[2][:-1] or None
    real_pid: int | str = spid
    try:
        real_pid = int(os.path.basename(os.readlink(os.path.join(proc_root, spid))))
    except (OSError, ValueError):
        if spid.isdigit():
            real_pid = int(spid)
    return ProcSnapshot(pid=real_pid, comm=comm, maps=maps, numa=numa)


# --------------------------------------------------------------------------------------
# /proc/vmstat


def render_vmstat(kernel) -> str:
    """The kernel's vmstat counters as /proc/vmstat text: ``name value`` lines.

    Models ``vmstat_show()`` (mm/vmstat.c), which prints ``vmstat_text[i]``, a
    space and the counter for each counter in the kernel's own order; here the
    order is that of ``kernel.vmstat``. 2.6.18 has fewer counters than a modern
    kernel and the simulator keeps only the ones it models.
    """
    return "".join(f"{name} {int(value)}\n" for name, value in kernel.vmstat.items())


def parse_vmstat(text: str, *, source: str | None = None) -> dict[str, int]:
    """Read /proc/vmstat text (real or rendered) into an ordered dict."""
    out: dict[str, int] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines, 1):
        m = re.fullmatch(r"([a-z0-9_]+) (-?\d+)", line)
        if m is None:
            raise MapsFormatError(lineno, line, "expected '<counter name> <value>'", source)
        if m[1] in out:
            raise MapsFormatError(lineno, line, f"repeated counter {m[1]!r}", source)
        out[m[1]] = int(m[2])
    return out


# --------------------------------------------------------------------------------------
# A simulated copy of a real process

_SKIP_REASONS = {
    "[vdso]": "the vDSO: kernel text the kernel maps itself (install_special_mapping), "
    "not page cache or anonymous memory, so never migrated",
    "[vvar]": "vDSO data pages (vvar): a VM_PFNMAP mapping of kernel data with no "
    "migratable struct page behind it",
    "[vvar_vclock]": "vDSO clock pages (vvar_vclock): a VM_PFNMAP mapping of kernel data "
    "with no migratable struct page behind it",
    "[vsyscall]": "the legacy vsyscall page: the gate area above TASK_SIZE, not a VMA of "
    "the mm at all (get_gate_vma)",
}


@dataclass
class SimulatedVma:
    """What became of one real mapping in the simulated copy.

    ``vma`` is the engine's Vma, or None when the mapping was skipped (``skipped``
    then says why). ``pages`` is the simulated size, at most the cap; ``populated``
    how many of its pages were touched; ``placed`` how many were then migrated to
    the node the real page was on; ``numa`` the real numa_maps line, if known.
    """

    entry: MapsEntry
    vma: object | None = None
    pages: int = 0
    populated: int = 0
    placed: int = 0
    numa: NumaMapsEntry | None = None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def real_pages(self) -> int:
        return self.entry.pages

    @property
    def scaled(self) -> bool:
        """The simulated VMA is smaller than the real one."""
        return self.vma is not None and self.pages < self.entry.pages

    @property
    def perms(self) -> str:
        return self.entry.perms


@dataclass
class SimulationReport:
    """The result of :func:`simulate_process`: the process, and what was scaled or skipped.

    ``vmas`` has one :class:`SimulatedVma` per real mapping, in the real order.
    ``files`` maps a real file's pathname to its simulated File (mappings of the
    same file share one). ``notes`` lists what the copy does not model.
    """

    process: object
    vmas: list[SimulatedVma]
    files: dict[str, object]
    max_pages_per_vma: int
    frame_budget: int
    notes: list[str] = field(default_factory=list)

    @property
    def created(self) -> list[SimulatedVma]:
        return [v for v in self.vmas if v.vma is not None]

    @property
    def scaled(self) -> list[SimulatedVma]:
        return [v for v in self.vmas if v.scaled]

    @property
    def skipped(self) -> list[SimulatedVma]:
        return [v for v in self.vmas if v.skipped is not None]

    @property
    def labels(self) -> dict[int, str]:
        """Simulated VMA start -> ``heap``/``stack``, for :func:`render_numa_maps`.

        The engine's mm has no ``start_brk``/``start_stack``, from which
        show_numa_map() tells the heap and the stack; the real maps names do.
        """
        out = {}
        for v in self.created:
            if v.entry.kind in ("heap", "stack"):
                out[v.vma.start] = v.entry.kind
        return out

    def vma_for(self, entry: MapsEntry | int):
        """The simulated Vma of a real mapping (a MapsEntry or its real start address)."""
        start = entry.start if isinstance(entry, MapsEntry) else entry
        for v in self.vmas:
            if v.entry.start == start:
                return v.vma
        raise KeyError(f"no real mapping starts at {start:#x}")

    def maps(self) -> list[MapsEntry]:
        """The simulated address space as maps records: simulated addresses, the real
        permissions, offset, device, inode and name (print them with :func:`format_maps`)."""
        out = []
        for v in self.created:
            e = v.entry
            out.append(
                MapsEntry(
                    start=v.vma.start,
                    end=v.vma.end,
                    perms=e.perms,
                    offset=v.vma.pgoff * PAGE_SIZE,
                    dev=e.dev,
                    inode=e.inode,
                    pathname=e.pathname,
                )
            )
        return out

    def render_maps(self) -> str:
        """The simulated process as /proc/PID/maps text."""
        return format_maps(self.maps())

    def render_numa_maps(self, **kwargs) -> str:
        """The simulated process as /proc/PID/numa_maps text, heap and stack labelled."""
        return render_numa_maps(self.process, labels=self.labels, **kwargs)

    def summary(self) -> str:
        """A table: each real mapping, its real and simulated size, and what was done."""
        rows = [
            f"{'real start':>16} {'perms':5} {'real':>7} {'sim':>4} {'touched':>7}  what",
        ]
        for v in self.vmas:
            e = v.entry
            name = e.pathname or "(anonymous)"
            if v.skipped:
                what = f"skipped: {v.skipped}"
            else:
                what = name + ("; " + "; ".join(v.notes) if v.notes else "")
            rows.append(
                f"{e.start:16x} {e.perms:5} {e.pages:7d} {v.pages:4d} {v.populated:7d}  {what}"
            )
        rows.append(
            f"{len(self.created)} VMAs created ({len(self.scaled)} scaled down to at most "
            f"{self.max_pages_per_vma} pages), {len(self.skipped)} skipped"
        )
        rows.extend(f"note: {n}" for n in self.notes)
        return "\n".join(rows)


def _free_frames(kernel) -> int | None:
    """Free frames on all nodes (``Kernel.free_frames``), or None if unknown."""
    try:
        return sum(kernel.free_frames(n) for n in range(kernel.nr_nodes))
    except AttributeError:
        nodes = getattr(kernel, "nodes", None)
        try:
            return sum(n.nr_free for n in nodes)
        except (AttributeError, TypeError):
            return None


def _nr_nodes(kernel) -> int:
    n = getattr(kernel, "nr_nodes", None)
    if isinstance(n, int):
        return n
    nodes = getattr(kernel, "nodes", None)
    return len(nodes) if nodes is not None else 1


def _node_targets(nodes: dict[int, int], n: int, nr_nodes: int) -> list[int]:
    """Spread n simulated pages over nodes in the real proportions (largest remainder).

    Real nodes beyond the simulated kernel's fold onto ``node % nr_nodes``. The
    result lists a node per page, lowest node first.
    """
    folded: dict[int, int] = {}
    for nid, count in nodes.items():
        if count:
            folded[nid % nr_nodes] = folded.get(nid % nr_nodes, 0) + count
    total = sum(folded.values())
    if not total or n <= 0:
        return []
    shares = {nid: n * c / total for nid, c in folded.items()}
    alloc = {nid: int(s) for nid, s in shares.items()}
    left = n - sum(alloc.values())
    for nid in sorted(shares, key=lambda x: (alloc[x] - shares[x], x))[:left]:
        alloc[nid] += 1
    out: list[int] = []
    for nid in sorted(alloc):
        out.extend([nid] * alloc[nid])
    return out


def _ceil_share(n: int, part: int, whole: int) -> int:
    """ceil(n * part / whole), at most n: the scaled count of ``part`` of ``whole`` pages."""
    if whole <= 0 or part <= 0:
        return 0
    return min(n, -(-n * part // whole))


def simulate_process(
    kernel,
    maps,
    *,
    max_pages_per_vma: int = DEFAULT_MAX_PAGES_PER_VMA,
    numa: Iterable[NumaMapsEntry] | None = None,
    populate: bool = True,
    place: bool = True,
    frame_budget: int | None = None,
) -> SimulationReport:
    """Build, in ``kernel``, a process with the VMAs of a real one; return a report.

    ``maps`` is a :class:`ProcSnapshot` (from :func:`read_process`, whose numa_maps
    is then used), a list of :class:`MapsEntry`, or maps text. For each real
    mapping, in order, the way ``do_mmap_pgoff()`` built it:

    * a file-backed mapping becomes ``process.mmap(n, file=f, offset=<real
      offset>, shared=(perm 's'), write=(perm 'w'))``. Mappings with the same
      pathname share one File from ``kernel.create_file``, named as maps prints
      it and sized to cover every page mapped at its real offset (a path naming
      several inodes, such as ``/dev/zero (deleted)``, gets one File per inode);
      a File of that name the kernel already has (from an earlier copy) is
      reused, as a second process would share libc;
    * an anonymous one (no name, ``[heap]``, ``[stack]``, ``[anon:...]``) becomes
      ``process.mmap(n, write=(perm 'w'))``. Shared anonymous memory
      (``[anon_shmem:...]``) is a shmem file in the kernel and is simulated as a
      file of its own;
    * the kernel's own special mappings (``[vdso]``, ``[vvar]``, ``[vsyscall]``,
      ...) are skipped, with the reason recorded.

    The size ``n`` is the real size capped at ``max_pages_per_vma`` (default
    :data:`DEFAULT_MAX_PAGES_PER_VMA`): real VMAs reach gigabytes and the default
    simulated kernel has 128 frames. The simulated addresses are the engine's
    (it hands them out upwards), not the real ones; the order is the real one.

    ``populate`` touches pages so there is something to migrate. With numa_maps,
    each VMA keeps the share of its pages that was resident, and of those the
    share that was anonymous (for a private file mapping: written, so a COW copy
    is made) or dirty (a shared mapping: written); without numa_maps every page
    of an accessible mapping is touched, written if anonymous and writable, read
    otherwise. Mappings with no access (``---p`` guard regions) are never touched.
    Pages are touched round-robin (every VMA's first page, then every VMA's
    second...) until ``frame_budget`` frames are used (default: half the free
    frames, leaving room for migration's new pages).

    ``place``: where numa_maps shows a VMA's pages on nodes other than the one
    the copy allocated on, the copy's pages are migrated (``kernel.migrate_pages``)
    so that they spread over the nodes in the real proportions (a real node id
    beyond the simulated kernel's folds onto ``nid % nodes``).
    """
    if not isinstance(max_pages_per_vma, int) or max_pages_per_vma < 1:
        raise ValueError(f"max_pages_per_vma must be a positive int, not {max_pages_per_vma!r}")
    if isinstance(maps, ProcSnapshot):
        if numa is None:
            numa = maps.numa
        entries = list(maps.maps)
    elif isinstance(maps, str):
        entries = parse_maps(maps)
    else:
        entries = list(maps)
    numa_by_start = {n.start: n for n in numa} if numa is not None else {}

    free = _free_frames(kernel)
    if frame_budget is None:
        frame_budget = free // 2 if free is not None else 64
    if isinstance(frame_budget, bool) or not isinstance(frame_budget, int) or frame_budget < 0:
        raise ValueError(f"frame_budget must be a non-negative int, not {frame_budget!r}")
    if free is not None and frame_budget > free:
        # the copy would run out of frames half-way and leave a half-built process
        raise ValueError(f"frame_budget {frame_budget} is more than the {free} free frames")
    report = SimulationReport(
        process=None,
        vmas=[],
        files={},
        max_pages_per_vma=max_pages_per_vma,
        frame_budget=frame_budget,
        notes=[
            "of the permissions only w is modelled (mmap's write=); r, x and p/s "
            "as printed are kept in the report and in report.maps()",
            "simulated VMAs sit at the engine's addresses, in the real order",
        ],
    )

    # Plan sizes first, so each File covers every page mapped at its real offset.
    # A File stands for one inode: the mappings of a path share it. A path that
    # names several inodes ("/dev/zero (deleted)" for two shared anonymous
    # regions, two memfds of one name) gets " [inode N]" added to tell them apart.
    file_pages: dict[tuple, int] = {}
    inodes_of_path: dict[str, set] = {}
    for e in entries:
        sv = SimulatedVma(entry=e, numa=numa_by_start.get(e.start))
        report.vmas.append(sv)
        if e.kind == "special":
            sv.skipped = _SKIP_REASONS.get(
                e.pathname,
                "a special mapping the kernel installs itself, with no page cache or "
                "anon_vma behind it",
            )
            continue
        sv.pages = min(e.pages, max_pages_per_vma)
        if e.pages > sv.pages:
            sv.notes.append(f"scaled from {e.pages} to {sv.pages} pages")
        if _needs_file(e):
            key = _file_key(e)
            file_pages[key] = max(file_pages.get(key, 0), e.pgoff + sv.pages)
            inodes_of_path.setdefault(key[0], set()).add(key)
    _check_fits(kernel, report, file_pages)

    # Everything is planned and fits: only now does the kernel change.
    process = report.process = kernel.spawn()
    existing = getattr(kernel, "files", {})
    files: dict[tuple, object] = {}
    for sv in report.vmas:
        if sv.skipped:
            continue
        e = sv.entry
        if not _needs_file(e):
            sv.vma = process.mmap(sv.pages, write=e.writable)
            continue
        key = _file_key(e)
        f = files.get(key)
        if f is None:
            name = key[0] if len(inodes_of_path[key[0]]) == 1 else f"{key[0]} [inode {e.inode}]"
            f = existing.get(name)
            if f is not None and f.pages < file_pages[key]:
                old, name, f = name, _unused_name(existing, name), None
                report.notes.append(
                    f"the kernel's File {old!r} is smaller than this copy maps; "
                    f"{name!r} stands for it"
                )
            if f is None:
                f = kernel.create_file(name, file_pages[key])
            files[key] = f
            report.files[name] = f
        sv.vma = process.mmap(sv.pages, file=f, offset=e.offset, shared=e.shared, write=e.writable)

    if populate:
        _populate(kernel, process, report)
        if place:
            _place(kernel, process, report)
    return report


def _check_fits(kernel, report: SimulationReport, file_pages: dict) -> None:
    """Refuse, before anything is built, a copy the engine's limits would stop half-way
    (pagemig.errors: MAX_MAP_PAGES per file, MAX_MAPPED_PAGES for every vma)."""
    from .errors import MAX_MAP_PAGES, MAX_MAPPED_PAGES

    for (name, *_), pages in file_pages.items():
        if pages > MAX_MAP_PAGES:
            raise ValueError(
                f"{name}: mapped at page {pages - 1} of the file, beyond the engine's "
                f"{MAX_MAP_PAGES}-page files"
            )
    processes = getattr(kernel, "processes", {})
    mapped = sum(v.pages for p in processes.values() for v in p.vmas)
    wanted = sum(sv.pages for sv in report.vmas if not sv.skipped)
    if mapped + wanted > MAX_MAPPED_PAGES:
        raise ValueError(
            f"the copy maps {wanted} pages; with the {mapped} mapped already that is more "
            f"than the engine's {MAX_MAPPED_PAGES}: lower max_pages_per_vma"
        )


def _needs_file(e: MapsEntry) -> bool:
    """File-backed in the kernel: a file, or shared anonymous memory (shmem)."""
    return e.kind == "file" or (e.anonymous and e.shared)


def _file_key(e: MapsEntry) -> tuple:
    """(name, dev, inode) of the inode behind a file-backed mapping.

    A file is named as maps prints it. Shared anonymous memory named with
    ``[anon_shmem:...]`` has a shmem inode of its own per mapping: it gets the
    mapping's start address in its name.
    """
    if e.kind == "file":
        return (e.pathname, e.dev, e.inode)
    return (f"{e.pathname} @{e.start:x}", e.dev, e.inode)


def _unused_name(files, name: str) -> str:
    n = 2
    while f"{name} [copy {n}]" in files:
        n += 1
    return f"{name} [copy {n}]"


def _touch_plan(sv: SimulatedVma) -> list[bool]:
    """Which pages of the simulated VMA to touch, in order: True to write, False to read."""
    e, n = sv.entry, sv.pages
    if not e.readable and not e.writable:
        sv.notes.append("not touched: no access (a guard region)")
        return []
    if sv.numa is not None:
        # numa_maps counts a hugetlb VMA in huge pages; the copy uses 4 KiB pages.
        k = sv.numa.page_factor
        if sv.numa.huge or k > 1:
            sv.notes.append(f"{sv.numa.kernelpagesize_kb} kB pages simulated as 4 kB pages")
        resident = _ceil_share(n, sv.numa.pages * k, e.pages)
        if e.anonymous and not e.shared:
            written = resident
        elif e.shared:
            written = _ceil_share(n, sv.numa.dirty * k, e.pages)
        else:
            written = _ceil_share(n, sv.numa.anon * k, e.pages)
    else:
        resident = n
        written = n if e.anonymous else 0
    if not e.writable:
        written = 0
    if not e.readable:
        resident = written
    written = min(written, resident)
    return [i < written for i in range(resident)]


def _populate(kernel, process, report: SimulationReport) -> None:
    """Fault pages in, round-robin over the VMAs, within the frame budget."""
    plans = [(sv, _touch_plan(sv)) for sv in report.created]
    budget = report.frame_budget
    short: dict[int, int] = {}
    depth = max((len(p) for _, p in plans), default=0)
    for i in range(depth):
        for sv, plan in plans:
            if i >= len(plan):
                continue
            write = plan[i]
            # A private write to a file page takes two frames: the page-cache page
            # and the anonymous copy.
            cost = 2 if (write and sv.vma.file is not None and not sv.vma.shared) else 1
            if budget < cost:
                short[id(sv)] = short.get(id(sv), 0) + 1
                continue
            addr = sv.vma.start + i * PAGE_SIZE
            before = _free_frames(kernel)
            if write:
                process.write(addr, b"\0")
            else:
                process.read(addr, 1)
            after = _free_frames(kernel)
            budget -= before - after if before is not None and after is not None else cost
            sv.populated += 1
    for sv, _ in plans:
        if id(sv) in short:
            sv.notes.append(f"{short[id(sv)]} page(s) not touched: frame budget")
    if short:
        report.notes.append(
            f"the frame budget ({report.frame_budget} frames) ran out: "
            f"{sum(short.values())} page(s) in {len(short)} VMA(s) left untouched"
        )


def _place(kernel, process, report: SimulationReport) -> None:
    """Migrate populated pages so each VMA's pages sit on nodes as the real ones did."""
    nr_nodes = _nr_nodes(kernel)
    wanted: list[tuple[SimulatedVma, list[int]]] = []
    target_of: dict[int, int] = {}  # pfn -> node; a page two VMAs map goes where the first wants
    pages: dict[int, object] = {}
    for sv in report.created:
        if sv.numa is None or not sv.populated:
            continue
        targets = _node_targets(sv.numa.nodes, sv.populated, nr_nodes)
        wanted.append((sv, targets))
        for i, nid in enumerate(targets):
            page = process.page_at(sv.vma.start + i * PAGE_SIZE)
            if page is not None and page.pfn not in target_of:
                target_of[page.pfn] = nid
                pages[page.pfn] = page
    for nid in sorted(set(target_of.values())):
        batch = [pages[pfn] for pfn, t in target_of.items() if t == nid and pages[pfn].node != nid]
        if batch:
            kernel.migrate_pages(batch, nid)
    for sv, targets in wanted:
        sv.placed = 0
        for i, nid in enumerate(targets):
            page = process.page_at(sv.vma.start + i * PAGE_SIZE)
            if page is not None and page.node == nid:
                sv.placed += 1


# --------------------------------------------------------------------------------------
# numa_maps of a simulated process


def _numa_stats(process, vma) -> dict:
    """gather_stats() over the VMA's present ptes, as check_pte_range()/
    gather_pte_stats() walk them: migration entries, empty ptes and ptes to the
    zero page are not counted."""
    md = {
        "pages": 0,
        "anon": 0,
        "dirty": 0,
        "mapcount_max": 0,
        "swapcache": 0,
        "active": 0,
        "writeback": 0,
        "node": {},
    }
    for addr in range(vma.start, vma.end, PAGE_SIZE):
        pte = process.pte(addr)
        if pte.kind != "present":
            continue
        page = process.page_at(addr)
        if page is None or getattr(page, "reserved", False):
            # the ZERO_PAGE: 2.6.18's check_pte_range() skips PageReserved pages,
            # 6.1's vm_normal_page() does not return it; no N<node> count either way
            continue
        md["pages"] += 1
        if getattr(pte, "dirty", False) or page.dirty:
            md["dirty"] += 1
        if getattr(page, "swapcache", False):
            md["swapcache"] += 1
        if page.active:
            md["active"] += 1
        if getattr(page, "writeback", False):
            md["writeback"] += 1
        if getattr(page, "anon", False):
            md["anon"] += 1
        md["mapcount_max"] = max(md["mapcount_max"], page.mapcount)
        md["node"][page.node] = md["node"].get(page.node, 0) + 1
    return md


def render_numa_maps(
    process,
    *,
    labels: MappingABC[int, str] | None = None,
    policy: str = "default",
    kernelpagesize: bool = True,
) -> str:
    """A simulated process as /proc/PID/numa_maps text, one line per VMA.

    Models ``show_numa_map()`` with ``gather_stats()``: ``%08lx <policy>``, then
    ``file=<path>`` (newline, tab, space and ``=`` escaped as ``\\ooo``, as
    seq_path() does) or ``heap``/``stack``; if any page is present:
    ``anon=`` ``dirty=`` (if non-zero), ``mapped=`` (only if it differs from both
    ``anon`` and ``dirty``), ``mapmax=`` (if above 1), ``swapcache=``, ``active=``
    (only if fewer than the pages), ``writeback=``, ``N<node>=`` for each node
    holding pages, and ``kernelpagesize_kB=4`` (added in 2.6.29; pass
    ``kernelpagesize=False`` for 2.6.18's layout). A VMA with no present page
    prints only its address, policy and location, as the kernel does.

    Only present ptes count: a page under migration, behind a migration entry,
    is in no N<node> field until remove_migration_ptes() restores its pte.
    ``labels`` maps a VMA start to ``heap``/``stack`` (the engine keeps no
    ``start_brk``/``start_stack``); :attr:`SimulationReport.labels` provides it.
    ``policy`` is printed for every VMA unless the VMA has a ``policy`` attribute
    (the engine models no mempolicy); note that 2.6.18's ``mpol_to_str()`` wrote
    ``bind=0-1`` where kernels since 2.6.26 write ``bind:0-1``.
    """
    labels = labels or {}
    lines = []
    for vma in process.vmas:
        vpol = getattr(vma, "policy", None)
        parts = [f"{vma.start:08x} {vpol if isinstance(vpol, str) else policy}"]
        if vma.file is not None:
            parts.append("file=" + _escape_octal(vma.file.name, "\n\t= "))
        elif vma.start in labels:
            parts.append(labels[vma.start])
        md = _numa_stats(process, vma)
        if md["pages"]:
            if md["anon"]:
                parts.append(f"anon={md['anon']}")
            if md["dirty"]:
                parts.append(f"dirty={md['dirty']}")
            if md["pages"] not in (md["anon"], md["dirty"]):
                parts.append(f"mapped={md['pages']}")
            if md["mapcount_max"] > 1:
                parts.append(f"mapmax={md['mapcount_max']}")
            if md["swapcache"]:
                parts.append(f"swapcache={md['swapcache']}")
            if md["active"] < md["pages"]:
                parts.append(f"active={md['active']}")
            if md["writeback"]:
                parts.append(f"writeback={md['writeback']}")
            for nid in sorted(md["node"]):
                parts.append(f"N{nid}={md['node'][nid]}")
            if kernelpagesize:
                parts.append(f"kernelpagesize_kB={PAGE_SIZE >> 10}")
        lines.append(" ".join(parts) + "\n")
    return "".join(lines)


# --------------------------------------------------------------------------------------
# What the machine in front of you says (for the book's first chapter)


def read_node_distances(sys_root: str = "/sys") -> dict[int, list[int]] | None:
    """The NUMA distance table as ``numactl --hardware`` prints it, from
    ``/sys/devices/system/node/nodeN/distance`` (``node_read_distance()`` in
    drivers/base/node.c prints ``node_distance(nid, i)`` for every online node i):
    node -> its distances to nodes 0, 1, ... (10 is local). None where the files are
    missing (no sysfs, or a kernel built without CONFIG_NUMA)."""
    base = os.path.join(sys_root, "devices", "system", "node")
    try:
        names = sorted(
            int(n[4:]) for n in os.listdir(base) if n.startswith("node") and n[4:].isdigit()
        )
    except OSError:
        return None
    table = {}
    for nid in names:
        try:
            with open(os.path.join(base, f"node{nid}", "distance"), encoding="ascii") as f:
                table[nid] = [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            return None
    return table or None


def describe_numa(
    pid: int | str = "self", *, proc_root: str = "/proc", sys_root: str = "/sys", lines: int = 4
) -> str:
    """A few lines about this machine's NUMA layout and a live process's numa_maps,
    for a reader; never raises for what the machine lacks, says it instead.

    Reports the node distance table (or why there is none), how many of the
    process's VMAs have pages on each node (from ``/proc/PID/numa_maps``, or why it
    cannot be read: no procfs, a kernel without CONFIG_NUMA, a refused process) and
    its first ``lines`` numa_maps lines as the kernel printed them.
    """
    out = []
    dist = read_node_distances(sys_root)
    if dist is None:
        out.append(
            "NUMA nodes: none reported (no /sys/devices/system/node: not Linux, or a kernel "
            "built without CONFIG_NUMA). Everything below is about the simulated machine."
        )
    else:
        rows = "; ".join(f"node {n}: {' '.join(map(str, d))}" for n, d in dist.items())
        out.append(f"NUMA nodes: {len(dist)}; distances (10 = local): {rows}")
        if len(dist) == 1:
            out.append(
                "One node only: there is nowhere to migrate to on this machine, and every "
                "page below is on node 0."
            )
    try:
        snap = read_process(pid, proc_root=proc_root)
    except ProcAccessError as exc:
        out.append(f"Cannot read the process: {exc}")
        return "\n".join(out)
    except (MapsFormatError, ValueError) as exc:
        out.append(f"The process's maps could not be parsed: {exc}")
        return "\n".join(out)
    who = f"pid {snap.pid}" + (f" ({snap.comm})" if snap.comm else "")
    if snap.numa is None:
        out.append(
            f"{who}: {len(snap.maps)} VMAs; this kernel has no numa_maps (built without "
            "CONFIG_NUMA), so it cannot say where the pages are."
        )
        return "\n".join(out)
    per_node: dict[int, int] = {}
    for n in snap.numa:
        for nid, count in n.nodes.items():
            if count:
                per_node[nid] = per_node.get(nid, 0) + 1
    spread = ", ".join(f"{c} on node {nid}" for nid, c in sorted(per_node.items())) or "none"
    out.append(f"{who}: {len(snap.maps)} VMAs; VMAs with pages: {spread}")
    try:
        text = _read_proc_file(pid, "numa_maps", proc_root)
    except ProcAccessError:
        text = ""
    shown = text.splitlines()[:lines]
    out.extend(f"  {line}" for line in shown)
    return "\n".join(out)


def _pages_per_node(process) -> dict[int, int]:
    out: dict[int, int] = {}
    for vma in process.vmas:
        for nid, n in _numa_stats(process, vma)["node"].items():
            out[nid] = out.get(nid, 0) + n
    return out


def migrate_a_copy(
    pid: int | str = "self",
    *,
    proc_root: str = "/proc",
    lines: int = 4,
    max_pages_per_vma: int = 2,
    seed: int = 0,
) -> str:
    """Copy a live process into a fresh 2-node simulated kernel (:func:`simulate_process`,
    every VMA scaled to at most ``max_pages_per_vma`` pages), then do what
    ``migratepages PID 0 1`` does: ``sys_migrate_pages(pid, [0], [1])`` as root. Returns
    a few lines: the copy's size, its pages per node before and after, the call's
    result and the first ``lines`` lines of the copy's numa_maps afterwards
    (:func:`render_numa_maps`). Never raises for what the machine lacks (no procfs, a
    refused process): says it instead."""
    from .errors import MAX_FRAMES
    from .kernel import Kernel

    try:
        snap = read_process(pid, proc_root=proc_root)
    except ProcAccessError as exc:
        return f"No copy: cannot read the process: {exc}"
    except (MapsFormatError, ValueError) as exc:
        return f"No copy: the process's maps could not be parsed: {exc}"
    wanted = sum(min(e.pages, max_pages_per_vma) for e in snap.maps)
    frames = max(64, min(MAX_FRAMES // 2, 2 * wanted + 16))
    k = Kernel(nodes=2, frames_per_node=frames, seed=seed, trace=False)
    try:
        report = simulate_process(
            k, snap, max_pages_per_vma=max_pages_per_vma, place=False, frame_budget=frames
        )
    except ValueError as exc:
        return f"No copy: {exc}"
    proc = report.process
    before = _pages_per_node(proc)
    rc = k.sys_migrate_pages(proc.pid, [0], [1])
    after = _pages_per_node(proc)

    def nodes(d):
        return ", ".join(f"{n} on node {nid}" for nid, n in sorted(d.items())) or "none"

    out = [
        f"A copy of pid {snap.pid}: {len(report.created)} VMAs ({len(report.skipped)} special "
        f"ones skipped), at most {max_pages_per_vma} pages each; pages: {nodes(before)}",
        f"migrate_pages(2) from node 0 to node 1 returned {rc}; pages now: {nodes(after)}",
    ]
    text = report.render_numa_maps()
    out.extend(f"  {line}" for line in text.splitlines()[:lines])
    return "\n".join(out)
