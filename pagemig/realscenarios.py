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
from dataclasses import dataclass

from .constants import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, PAGE_SIZE

KINDS = ("anon", "shanon", "tmpfs", "ext4", "vfat", "ramfs")
TOUCHES = ("write", "read", "none", "unmapped")
CALLS = ("move_pages", "query", "migrate_pages", "mbind")
PIDS = ("self", "zero", "reaped", "sharer", "init")
MPOL_BIND = 2
NOBODY = 65534
# The fields both machines report and the differential compares: the call's return value
# and errno, the status array, each named page's node afterwards (a nodes=NULL query), the
# vmstat deltas, and how many migration ptes were set and removed (6.1's
# migrate:set_migration_pte / remove_migration_pte tracepoints; the engine's
# try_to_unmap_one and remove_migration_pte events).
FIELDS = (
    "ret",
    "errno",
    "status",
    "nodes",
    "pgmigrate_success",
    "pgmigrate_fail",
    "set_migration_pte",
    "remove_migration_pte",
)


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


M, MA = MPOL_MF_MOVE, MPOL_MF_MOVE_ALL
W1 = Map()  # one private anonymous page, written
W2 = Map(pages=2)


def _fs(kind: str, touch: str, shared: bool = True) -> Map:
    return Map(kind=kind, pages=2, shared=shared, touch=touch)


SCENARIOS: list[Scenario] = [
    # -- LTP move_pages01..11 --------------------------------------------------------------
    Scenario(
        "ltp-mp01-query",
        "nodes=NULL: each page's node (one placed on node 1 first)",
        maps=(W2,),
        placed=((0, 1, 1),),
        targets=((0, 0, 0), (0, 1, 0)),
        call="query",
        source="LTP move_pages01",
    ),
    Scenario(
        "ltp-mp02-move",
        "2 private pages moved to node 1",
        maps=(W2,),
        targets=((0, 0, 1), (0, 1, 1)),
        source="LTP move_pages02",
    ),
    Scenario(
        "ltp-mp03-shared-move-all",
        "shared anonymous memory touched by a child, MOVE_ALL as root",
        maps=(Map(kind="shanon", pages=2, shared=True),),
        sharer=True,
        targets=((0, 0, 1), (0, 1, 1)),
        flags=MA,
        source="LTP move_pages03",
    ),
    Scenario(
        "ltp-mp04-untouched",
        "a written page, an untouched one, a read-only one (zero page), an unmapped one",
        maps=(W1, Map(touch="none"), Map(touch="read"), Map(touch="unmapped")),
        targets=((0, 0, 1), (1, 0, 1), (2, 0, 1), (3, 0, 1)),
        source="LTP move_pages04",
    ),
    Scenario(
        "ltp-mp05-shared-move",
        "shared anonymous memory touched by a child, MPOL_MF_MOVE",
        maps=(Map(kind="shanon", shared=True),),
        sharer=True,
        source="LTP move_pages05",
    ),
    Scenario(
        "ltp-mp06-bad-node",
        "target node numa_max_node() + 1",
        targets=((0, 0, 2),),
        source="LTP move_pages06",
    ),
    Scenario(
        "ltp-mp07-reaped-pid",
        "the pid of a child that exited and was reaped",
        pid="reaped",
        source="LTP move_pages07",
    ),
    Scenario(
        "ltp-mp09-already-there",
        "every page's target is its current node",
        maps=(W2,),
        targets=((0, 0, 0), (0, 1, 0)),
        source="LTP move_pages09",
    ),
    Scenario(
        "ltp-mp10-strict",
        "flags MPOL_MF_STRICT",
        flags=MPOL_MF_STRICT,
        source="LTP move_pages10",
    ),
    Scenario(
        "ltp-mp11-nobody-move-all",
        "root drops euid to nobody, MOVE_ALL on shared pages",
        maps=(Map(kind="shanon", shared=True),),
        sharer=True,
        flags=MA,
        uid=NOBODY,
        source="LTP move_pages11",
    ),
    # -- LTP migrate_pages01..02 --------------------------------------------------------------
    Scenario(
        "ltp-mig01-same-node",
        "pid 0, old = new = {0}",
        call="migrate_pages",
        pid="zero",
        old_nodes=(0,),
        new_nodes=(0,),
        targets=((0, 0, 0),),
        source="LTP migrate_pages01",
    ),
    Scenario(
        "ltp-mig01-reaped-pid",
        "migrate_pages on a reaped pid",
        call="migrate_pages",
        pid="reaped",
        source="LTP migrate_pages01",
    ),
    Scenario(
        "ltp-mig01-bad-node",
        "new nodes hold a node that does not exist",
        call="migrate_pages",
        new_nodes=(2,),
        source="LTP migrate_pages01",
    ),
    Scenario(
        "ltp-mig01-nobody-vs-root",
        "a child that is nobody migrates its root parent",
        call="migrate_pages",
        caller="child",
        uid=NOBODY,
        source="LTP migrate_pages01",
    ),
    Scenario(
        "ltp-mig02-own-private",
        "root migrates its own private page 0 -> 1",
        call="migrate_pages",
        source="LTP migrate_pages02",
    ),
    Scenario(
        "ltp-mig02-own-private-nobody",
        "nobody migrates its own private page 0 -> 1",
        call="migrate_pages",
        uid=NOBODY,
        source="LTP migrate_pages02",
    ),
    Scenario(
        "ltp-mig02-shared-nobody",
        "nobody migrates a page it shares with a child: it stays",
        maps=(Map(kind="shanon", shared=True),),
        sharer=True,
        call="migrate_pages",
        uid=NOBODY,
        source="LTP migrate_pages02",
    ),
    Scenario(
        "ltp-mig02-shared-root",
        "root migrates a page it shares with a child: it moves (MOVE_ALL)",
        maps=(Map(kind="shanon", shared=True),),
        sharer=True,
        call="migrate_pages",
        source="LTP migrate_pages02",
    ),
    # -- section E behaviours that 6.1 still has ------------------------------------------------
    Scenario(
        "anon-private-8",
        "8 private anonymous pages moved node 0 -> 1",
        maps=(Map(pages=8),),
        targets=tuple((0, i, 1) for i in range(8)),
        source="E1, realkernel-facts",
    ),
    Scenario(
        "cow-shared-move-all",
        "a private page shared with a forked child (COW), MOVE_ALL: both see the new page",
        sharer=True,
        flags=MA,
        source="E2, E31",
    ),
    Scenario(
        "cow-shared-move",
        "the same COW page with MPOL_MF_MOVE: -EACCES",
        sharer=True,
        source="E31",
    ),
    Scenario(
        "vmsplice-pin",
        "a page held by a vmsplice reference (an extra get_user_pages reference)",
        pins=((0, 0),),
        source="E4",
    ),
    Scenario(
        "longterm-pin",
        "a page pinned long-term (an io_uring fixed buffer: FOLL_PIN|FOLL_LONGTERM)",
        longterm_pins=((0, 0),),
        source="modern pins",
    ),
    Scenario(
        "pin-batch-then-fault",
        "a pinned page and a free one to node 1, then an untouched page: the batch fails",
        maps=(W2, Map(touch="none")),
        pins=((0, 0),),
        targets=((0, 0, 1), (0, 1, 1), (1, 0, 1)),
        source="6.1 do_pages_move batching",
    ),
    Scenario(
        "partly-there",
        "two pages to node 1, one of them there already",
        maps=(W2,),
        placed=((0, 1, 1),),
        targets=((0, 0, 1), (0, 1, 1)),
        source="E32",
    ),
    Scenario(
        "query-untouched",
        "nodes=NULL on an untouched, a zero, an unmapped page and an unread file page",
        maps=(Map(touch="none"), Map(touch="read"), Map(touch="unmapped"), _fs("tmpfs", "none")),
        targets=((0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0)),
        call="query",
        source="E33",
    ),
    Scenario(
        "mixed-nodes",
        "three pages to nodes 1, 0, 1: three batches",
        maps=(Map(pages=3),),
        placed=((0, 1, 1),),
        targets=((0, 0, 1), (0, 1, 0), (0, 2, 1)),
        source="6.1 do_pages_move batching",
    ),
    Scenario(
        "bad-node-after-good",
        "a page to node 1, then one to node 2 (no such node)",
        maps=(W2,),
        targets=((0, 0, 1), (0, 1, 2)),
        source="6.1 do_pages_move batching",
    ),
    Scenario(
        "pid-zero",
        "pid 0 is the caller",
        pid="zero",
        source="move_pages(2)",
    ),
    Scenario(
        "move-sharer-pages",
        "root moves, through the child's pid, a page the child shares (COW) with it, MOVE_ALL",
        sharer=True,
        pid="sharer",
        flags=MA,
        source="E31 (another process's pid)",
    ),
    Scenario(
        "migrate-back",
        "a page placed on node 1, then migrate_pages {1} -> {0}",
        placed=((0, 0, 1),),
        call="migrate_pages",
        old_nodes=(1,),
        new_nodes=(0,),
        targets=((0, 0, 0),),
        source="A.1 do_migrate_pages",
    ),
    Scenario(
        "mlock-move-pages",
        "an mlocked page, move_pages",
        maps=(Map(mlock=True),),
        source="E30",
    ),
    Scenario(
        "mlock-migrate-pages",
        "an mlocked page, migrate_pages",
        maps=(Map(mlock=True),),
        call="migrate_pages",
        source="E30, A.1 vma_migratable",
    ),
    Scenario(
        "mbind-move",
        "mbind(MPOL_BIND, {1}, MPOL_MF_MOVE) of 2 private pages",
        maps=(W2,),
        targets=((0, 0, 1), (0, 1, 1)),
        call="mbind",
        source="A.1 mbind",
    ),
    Scenario(
        "mbind-strict-pinned",
        "mbind(MPOL_BIND, {1}, MPOL_MF_STRICT|MPOL_MF_MOVE) with a pinned page",
        maps=(W2,),
        pins=((0, 0),),
        targets=((0, 0, 1), (0, 1, 1)),
        call="mbind",
        flags=MPOL_MF_STRICT | M,
        source="E37",
    ),
    # -- file pages ---------------------------------------------------------------------------
    *(
        Scenario(
            f"{kind}-{state}",
            f"2 {'dirty' if touch == 'write' else 'clean'} {kind} pages (MAP_SHARED) to node 1",
            maps=(_fs(kind, touch),),
            targets=((0, 0, 1), (0, 1, 1)),
            source="E10-E13, realkernel-facts (vfat)",
        )
        for kind in ("tmpfs", "ext4", "vfat", "ramfs")
        for state, touch in (("clean", "read"), ("dirty", "write"))
    ),
    Scenario(
        "ext4-private-cow",
        "a private ext4 mapping written: the process's page is an anonymous copy",
        maps=(_fs("ext4", "write", shared=False),),
        targets=((0, 0, 1), (0, 1, 1)),
        source="COW of a file page",
    ),
    Scenario(
        "ext4-private-read",
        "a private ext4 mapping only read: the page cache page itself is mapped",
        maps=(_fs("ext4", "read", shared=False),),
        targets=((0, 0, 1), (0, 1, 1)),
        source="E10",
    ),
    Scenario(
        "tmpfs-shared-move",
        "a tmpfs page mapped by two processes, MPOL_MF_MOVE: -EACCES",
        maps=(_fs("tmpfs", "write"),),
        sharer=True,
        source="E31",
    ),
    Scenario(
        "tmpfs-shared-move-all",
        "a tmpfs page mapped by two processes, MOVE_ALL",
        maps=(_fs("tmpfs", "write"),),
        sharer=True,
        flags=MA,
        source="E10, E31",
    ),
    # -- permissions ------------------------------------------------------------------------------
    Scenario(
        "nobody-own-move",
        "nobody (euid) moves its own private page with MPOL_MF_MOVE",
        uid=NOBODY,
        source="LTP migrate_pages02 (move_pages form)",
    ),
    Scenario(
        "nobody-move-all-private",
        "nobody asks MPOL_MF_MOVE_ALL for its own private page",
        uid=NOBODY,
        flags=MA,
        source="C.2",
    ),
    Scenario(
        "nobody-other-process",
        "a child that is nobody moves a page of its root parent",
        caller="child",
        uid=NOBODY,
        source="C.3 ptrace_may_access",
    ),
    Scenario(
        "nobody-moves-init",
        "a child that is nobody names pid 1 (root's init)",
        caller="child",
        uid=NOBODY,
        pid="init",
        source="C.3 ptrace_may_access",
    ),
    Scenario(
        "root-other-process",
        "a root child moves a page of its root parent",
        caller="child",
        source="C.3",
    ),
]


# -- the simulator side --------------------------------------------------------------------------
class NotExpressible(Exception):
    """The engine has no public way to set this scenario up (listed in known divergences)."""


# How each kind of mapping is modelled: create_file keywords (None: anonymous memory).
# tmpfs and shared anonymous memory are shmem (migrate_folio); ext4 has buffer heads and
# buffer_migrate_folio; vfat has buffer heads and no migration method in 6.1 (fallback,
# with writeout for dirty pages); ramfs has neither a migration method nor writepage.
FILE_MODEL = {
    "anon": None,
    "shanon": dict(migratepage=True, writepage="ok"),
    "tmpfs": dict(migratepage=True, writepage="ok"),
    "ext4": dict(migratepage=True, writepage="ok", buffers=True),
    "vfat": dict(migratepage=False, writepage="ok", buffers=True),
    "ramfs": dict(migratepage=False, writepage=None),
}
HOLE = 0x7F0000000000  # where an unmapped map's pages are: above every simulated VMA


def _status_value(v):
    return int(v) if isinstance(v, int) and not isinstance(v, bool) else None


def run_simulated(s: Scenario, variant: str = "modern", seed: int = 0) -> dict:
    """Run one scenario in ``Kernel(variant=variant)`` with the engine's public API and
    return the same fields the VM reports (status slots never written are None)."""
    from . import Kernel

    k = Kernel(nodes=2, frames_per_node=64, variant=variant, seed=seed)
    unprivileged_self = s.caller == "self" and s.uid != 0
    p = k.spawn(privileged=not unprivileged_self)
    addrs: list[int] = []
    for i, m in enumerate(s.maps):
        if m.touch == "unmapped":
            addrs.append(HOLE + i * 16 * PAGE_SIZE)
            continue
        model = FILE_MODEL[m.kind]
        if model is None:
            v = p.mmap(pages=m.pages)
        else:
            f = k.create_file(f"{m.kind}-{i}", pages=m.pages, **model)
            v = p.mmap(pages=m.pages, file=f, shared=m.shared or m.kind == "shanon")
        addrs.append(v.start)
        for j in range(m.pages):
            a = v.start + j * PAGE_SIZE
            if m.touch == "write":
                p.write(a, b"w")
            elif m.touch == "read":
                p.read(a, 1)
        if m.mlock:
            p.mlock(v.start, m.pages)

    def addr(m, j):
        return addrs[m] + j * PAGE_SIZE

    sharer = None
    if s.sharer:
        sharer = p.fork()
        for i, m in enumerate(s.maps):
            if m.touch in ("write", "read"):
                for j in range(m.pages):
                    sharer.read(addr(i, j), 1)
    for m, j, node in s.placed:
        k.migrate_pages([p.page_at(addr(m, j))], node)
    for m, j in s.pins:
        k.pin(p.page_at(addr(m, j)))
    for m, j in s.longterm_pins:
        try:
            k.pin(p.page_at(addr(m, j)), longterm=True)
        except TypeError as exc:
            raise NotExpressible("no long-term pin (FOLL_LONGTERM) in the engine's API") from exc
    if s.pid == "reaped":
        q = k.spawn()
        q.exit()
        pid = q.pid
    elif s.pid == "zero":
        pid = 0
    elif s.pid == "sharer":
        pid = sharer.pid
    elif s.pid == "init":
        pid = k.spawn().pid
    else:
        pid = p.pid
    caller = p if s.caller == "self" else k.spawn(privileged=s.uid == 0)
    t_addrs = [addr(m, j) for m, j, _ in s.targets]
    t_nodes = [n for _, _, n in s.targets]
    before = dict(k.vmstat)
    first_event = len(k.trace.events)
    ret, err, status = 0, "", [None] * len(t_addrs)
    try:
        if s.call == "move_pages":
            st = k.move_pages(pid, t_addrs, t_nodes, s.flags, caller=caller)
            status, ret = [_status_value(v) for v in st], st.ret
        elif s.call == "query":
            st = k.move_pages(pid, t_addrs, None, 0, caller=caller)
            status, ret = [_status_value(v) for v in st], st.ret
        elif s.call == "migrate_pages":
            ret = k.sys_migrate_pages(pid, list(s.old_nodes), list(s.new_nodes), caller=caller)
        else:
            m = s.maps[s.mbind_map]
            ret = p.mbind(addrs[s.mbind_map], m.pages, list(s.mbind_nodes), s.flags)
    except OSError as exc:
        ret, err = -1, _errno.errorcode.get(exc.errno, str(exc.errno))
        # the slots written before the failure, where the variant keeps them (modern)
        written = getattr(exc, "status", None)
        status = [_status_value(v) for v in written] if written else [None] * len(t_addrs)
    k.run()  # let writeback I/O the call started finish
    events = k.trace.events[first_event:]
    # the counterparts of 6.1's migrate:set_migration_pte / remove_migration_pte tracepoints
    set_ptes = sum(
        e.func == "try_to_unmap_one" and e.data.get("pte") == "migration" for e in events
    )
    removed = sum(e.func == "remove_migration_pte" for e in events)
    nodes = [_status_value(v) for v in k.move_pages(p.pid, t_addrs, None, 0, caller=p)]
    return {
        "scenario": s.name,
        "ret": int(ret),
        "errno": err,
        "status": status,
        "nodes": nodes,
        "pgmigrate_success": k.vmstat["pgmigrate_success"] - before["pgmigrate_success"],
        "pgmigrate_fail": k.vmstat["pgmigrate_fail"] - before["pgmigrate_fail"],
        "set_migration_pte": set_ptes,
        "remove_migration_pte": removed,
    }


def compared_fields(s: Scenario) -> tuple[str, ...]:
    """The fields the differential compares for ``s``. migrate_pages(2) moves the whole
    process, and the VM's process also has its stack, data and program pages (the simulated
    one has only the scenario's maps), so its vmstat deltas and migration-pte counts are
    shown but not compared."""
    if s.call == "migrate_pages":
        return ("ret", "errno", "status", "nodes")
    return FIELDS


def by_name(name: str) -> Scenario:
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise KeyError(f"no scenario named {name!r}")


def simulate(scenarios=None, variant: str = "modern"):
    """Every scenario in the simulator: a DataFrame with the VM's columns (a scenario the
    engine cannot express has ``expressible`` False and no values)."""
    import pandas as pd

    rows = []
    for s in SCENARIOS if scenarios is None else scenarios:
        try:
            rows.append(run_simulated(s, variant) | {"expressible": True, "why": ""})
        except NotExpressible as exc:
            rows.append({"scenario": s.name, "expressible": False, "why": str(exc)})
    return pd.DataFrame(rows, dtype=object)


# -- the stored run and the known divergences ------------------------------------------------------
def _data(name: str):
    from importlib.resources import files

    return files("pagemig") / "data" / name


STORED_RUN = "vm-run-6.1.json"
KNOWN_DIVERGENCES = "known-divergences.toml"


def load_stored_run():
    """The VM run committed with the package (Debian 6.1, TCG): a DataFrame, one row per
    scenario, with ``attrs`` kernel, accel and timings, as :func:`pagemig.vm.run_vm` returns."""
    import json

    import pandas as pd

    doc = json.loads(_data(STORED_RUN).read_text())
    df = pd.DataFrame(doc["rows"])
    df["kernel"] = doc["kernel"]
    df.attrs.update({k: doc[k] for k in ("kernel", "accel", "timings")})
    return df


def stored_run_json(df) -> str:
    """A run_vm DataFrame as the JSON document that :func:`load_stored_run` reads."""
    import json

    rows = df.drop(columns=["kernel"]).to_dict("records")
    head = {k: df.attrs.get(k) for k in ("kernel", "accel", "timings")}
    lines = [json.dumps(r, default=int) for r in rows]  # one scenario a line: readable diffs
    return json.dumps(head)[:-1] + ', "rows": [\n ' + ",\n ".join(lines) + "\n]}\n"


def known_divergences() -> dict[tuple[str, str], str]:
    """(scenario, field) -> why, from the package's known-divergences.toml. A field of "*"
    covers the whole scenario (one the engine cannot express)."""
    import tomllib

    doc = tomllib.loads(_data(KNOWN_DIVERGENCES).read_text())
    out = {}
    for e in doc.get("divergence", []):
        if not (e.get("scenario") and e.get("field") and e.get("why", "").strip()):
            raise ValueError(f"a known divergence needs scenario, field and why: {e}")
        out[(e["scenario"], e["field"])] = e["why"].strip()
    return out


def _same(a, b) -> bool:
    return list(a) == list(b) if isinstance(a, list | tuple) else a == b


def compare(real, sim, known=None):
    """Field-by-field comparison of a VM run and a simulated run (DataFrames from run_vm /
    load_stored_run and simulate): one row per compared (scenario, field) with both
    values, ``agree`` and, for a disagreement, the known divergence's reason (or "")."""
    import pandas as pd

    known = known_divergences() if known is None else known
    r = {row["scenario"]: row for row in real.to_dict("records")}
    m = {row["scenario"]: row for row in sim.to_dict("records")}
    rows = []
    for name in r:
        s = by_name(name)
        srow = m.get(name)
        for f in compared_fields(s):
            if srow is None or not srow.get("expressible", True):
                rv, sv, agree = r[name].get(f), None, False
            else:
                rv, sv = r[name].get(f), srow.get(f)
                agree = _same(rv, sv)
            why = "" if agree else known.get((name, f), known.get((name, "*"), ""))
            rows.append(
                {"scenario": name, "field": f, "real": rv, "sim": sv, "agree": agree, "known": why}
            )
    return pd.DataFrame(rows)


def _brief(row, fields) -> str:
    if not row.get("expressible", True):
        return "(cannot be expressed)"
    parts = []
    if row.get("errno"):
        parts.append(f"-1 {row['errno']}")
    else:
        parts.append(f"ret {row['ret']}")
    st = row.get("status")
    if isinstance(st, list) and any(v is not None for v in st):
        parts.append("status " + ",".join("-" if v is None else str(v) for v in st))
    parts.append("nodes " + ",".join("-" if v is None else str(v) for v in row["nodes"]))
    if "pgmigrate_success" in fields:
        parts.append(f"+{row['pgmigrate_success']}/{row['pgmigrate_fail']}")
        parts.append(f"ptes {row['set_migration_pte']}/{row['remove_migration_pte']}")
    return " ".join(parts)


def side_by_side(real, sim, known=None):
    """One row per scenario: the real kernel's outcome and the simulator's, in brief
    ("ret 0 status 1,1 nodes 1,1 +2/0" = return value, status array, node of each page
    afterwards, pgmigrate_success/fail deltas), and the fields that disagree (a "*"
    marks a disagreement that the known-divergences file explains)."""
    import pandas as pd

    cmp = compare(real, sim, known)
    m = {row["scenario"]: row for row in sim.to_dict("records")}
    rows = []
    for row in real.to_dict("records"):
        s = by_name(row["scenario"])
        fields = compared_fields(s)
        c = cmp[cmp.scenario == s.name]
        bad = c[~c.agree]
        differs = ", ".join(f + ("*" if why else "") for f, why in zip(bad.field, bad.known))
        rows.append(
            {
                "scenario": s.name,
                "real 6.1": _brief(row, fields),
                "simulated": _brief(m[s.name], fields) if s.name in m else "",
                "differs": differs,
            }
        )
    return pd.DataFrame(rows)


def then_and_now(real=None, then: str = "patched", now: str = "modern"):
    """The same scenarios on three machines, one row each: 2.6.18 simulated
    (``Kernel(variant=then)``), 6.1 simulated (``variant=now``) and 6.1 real (``real``, a
    run_vm DataFrame; the stored run by default), each in brief (see side_by_side).
    ``changed``: 2.6.18 and the real 6.1 differ on a compared field (False where the
    simulator cannot express the scenario); ``sim agrees``: the 6.1 simulation matches the
    real kernel on every compared field."""
    import pandas as pd

    real = load_stored_run() if real is None else real
    old, new = simulate(variant=then), simulate(variant=now)
    c_old, c_new = compare(real, old, known={}), compare(real, new, known={})
    o = {r["scenario"]: r for r in old.to_dict("records")}
    n = {r["scenario"]: r for r in new.to_dict("records")}
    rows = []
    for row in real.to_dict("records"):
        s = by_name(row["scenario"])
        f = compared_fields(s)
        rows.append(
            {
                "scenario": s.name,
                "2.6.18 (simulated)": _brief(o[s.name], f),
                "6.1 (simulated)": _brief(n[s.name], f),
                "6.1 (real)": _brief(row, f),
                "changed": bool(o[s.name]["expressible"])
                and not c_old[c_old.scenario == s.name].agree.all(),
                "sim agrees": bool(c_new[c_new.scenario == s.name].agree.all()),
            }
        )
    return pd.DataFrame(rows)
