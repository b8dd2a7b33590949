"""One list of migration scenarios for two machines: the simulator and a real Linux 6.1.

Each :class:`Scenario` is data: the mappings a process makes (anonymous, shared
anonymous, or a file on tmpfs / ext4 / vfat / ramfs), what it does to them (writes,
reads, nothing, unmaps), whether a forked child shares them, which pages are pinned,
mlocked or placed on node 1 first, who calls (root, or uid 65534), with which pid, and
the call itself (move_pages, move_pages with nodes=NULL, migrate_pages, mbind).

:func:`run_simulated` runs a scenario in the engine through its public API only
(``Kernel``, ``Process``, ``File`` methods); :func:`to_script` writes the same
scenarios as the script that ``vmguest/pagemig-guest.c`` runs inside the VM
(:mod:`pagemig.vm`). :func:`compare` sets the two side by side, field by field.

Not a kernel path (nothing here models a kernel function): it is the experiment both
machines run, in one place.
"""

from __future__ import annotations

import errno as _errno
from dataclasses import dataclass, field

from .constants import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, PAGE_SIZE

KINDS = ("anon", "shanon", "tmpfs", "ext4", "vfat", "ramfs")
TOUCHES = ("write", "read", "none", "unmapped")
CALLS = ("move_pages", "query", "migrate_pages", "mbind")
PIDS = ("self", "zero", "reaped", "sharer", "init")
MPOL_BIND = 2
NOBODY = 65534
# The fields both machines report and the differential compares.
FIELDS = ("ret", "errno", "status", "nodes", "pgmigrate_success", "pgmigrate_fail")


@dataclass(frozen=True)
class Map:
    """One mmap: ``kind`` (anon, shanon = MAP_SHARED|MAP_ANONYMOUS, or a file on tmpfs,
    ext4, vfat, ramfs), ``pages``, ``shared`` (MAP_SHARED for a file), ``touch`` (what the
    process does to every page before the call: write, read, none, or unmapped = mmap then
    munmap), ``mlock``."""

    kind: str = "anon"
    pages: int = 1
    shared: bool = False
    touch: str = "write"
    mlock: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.touch not in TOUCHES:
            raise ValueError(f"touch must be one of {TOUCHES}, got {self.touch!r}")
        if not isinstance(self.pages, int) or not 1 <= self.pages <= 16:
            raise ValueError("pages must be an int from 1 to 16")


@dataclass(frozen=True)
class Scenario:
    """A migration experiment, described once.

    ``targets``: the (map, page, node) triples the call names (for migrate_pages and
    mbind they are the pages whose node is reported; the node is ignored). ``sharer``:
    a child is forked after the touches and reads every touched page. ``placed``:
    (map, page, node) moves done before the call. ``pins``: (map, page) held by a
    vmsplice() reference (an ordinary get_user_pages reference); ``longterm_pins``:
    (map, page) held by a long-term pin (an io_uring fixed buffer). ``caller``: "self" or
    "child" (a forked child calls); ``uid``: 0, or 65534 (nobody: the caller drops its
    euid, or the child its uid, before the call). ``pid``: "self", "zero" (pid 0),
    "reaped" (a child that has exited), "sharer", "init" (pid 1, another root process).
    ``old_nodes``/``new_nodes``: migrate_pages' masks; ``mbind_map``, ``mbind_nodes``:
    mbind(MPOL_BIND) of that whole map.
    """

    name: str
    about: str
    maps: tuple[Map, ...] = (Map(),)
    targets: tuple[tuple[int, int, int], ...] = ((0, 0, 1),)
    call: str = "move_pages"
    flags: int = MPOL_MF_MOVE
    sharer: bool = False
    placed: tuple[tuple[int, int, int], ...] = ()
    pins: tuple[tuple[int, int], ...] = ()
    longterm_pins: tuple[tuple[int, int], ...] = ()
    caller: str = "self"
    uid: int = 0
    pid: str = "self"
    old_nodes: tuple[int, ...] = (0,)
    new_nodes: tuple[int, ...] = (1,)
    mbind_map: int = 0
    mbind_nodes: tuple[int, ...] = (1,)
    source: str = ""  # where the expectation comes from (LTP test, kernel-facts E-number)

    def __post_init__(self):
        if self.call not in CALLS:
            raise ValueError(f"call must be one of {CALLS}, got {self.call!r}")
        if self.pid not in PIDS:
            raise ValueError(f"pid must be one of {PIDS}, got {self.pid!r}")
        if self.caller not in ("self", "child"):
            raise ValueError("caller must be 'self' or 'child'")
        for m, p, *_ in self.targets + self.placed + self.pins + self.longterm_pins:
            if not (0 <= m < len(self.maps) and 0 <= p < self.maps[m].pages):
                raise ValueError(f"{self.name}: page ({m}, {p}) is outside the maps")
        if " " in self.name:
            raise ValueError("a scenario name has no spaces")


def _mask(nodes) -> int:
    return sum(1 << n for n in nodes)


def to_script(scenarios) -> str:
    """The scenarios as the line script pagemig-guest.c reads (see its header comment)."""
    out = []
    for s in scenarios:
        out.append(f"S {s.name}")
        for m in s.maps:
            out.append(f"M {m.kind} {m.pages} {int(m.shared)} {m.touch} {int(m.mlock)}")
        if s.sharer:
            out.append("F")
        out += [f"P {m} {p} {n}" for m, p, n in s.placed]
        out += [f"V {m} {p}" for m, p in s.pins]
        out += [f"L {m} {p}" for m, p in s.longterm_pins]
        out.append(f"C {s.caller} {s.uid}")
        out.append(f"T {s.pid}")
        if s.call == "move_pages":
            out.append(f"X move_pages {s.flags}")
        elif s.call == "migrate_pages":
            out.append(f"X migrate_pages {_mask(s.old_nodes)} {_mask(s.new_nodes)}")
        elif s.call == "mbind":
            out.append(f"X mbind {s.mbind_map} {MPOL_BIND} {_mask(s.mbind_nodes)} {s.flags}")
        else:
            out.append("X query")
        out += [f"G {m} {p} {n}" for m, p, n in s.targets]
        out.append("E")
    return "\n".join(out) + "\n"


SCENARIOS: list[Scenario] = [
    Scenario(
        "anon-private-8",
        "8 private anonymous pages written, moved node 0 -> 1",
        maps=(Map(pages=8),),
        targets=tuple((0, i, 1) for i in range(8)),
    ),
    Scenario(
        "vmsplice-pin",
        "a page held by a vmsplice reference",
        pins=((0, 0),),
    ),
]
