"""Chapter 0's exercises: why pages move, and the engine in one screen.

0.1 explain (check): what migrating a process's pages to its own node buys.
0.2 predict (check): a sharer's pte after a migration, patched or not.
0.3 compute (apply): how far pgmigrate_success grows when some pages are pinned.
0.4 predict (apply): the next event of a migration stepped to a point.
0.5 design (think, capstone): a migration after which some process must fault.

``worked_example()`` is the chapter's worked example (how an exercise works): it
has no seed-drawn numbers, so it gives nothing away, and the chapter checks a
deliberately wrong answer to it in the open.
"""

from __future__ import annotations

from pagemig import PAGE_SIZE, Kernel
from pagemig.scenarios import build_scenario

from ..quiz import Exercise, shuffled_choices
from .predict import trace_exercise

PTE_KINDS = ["none", "present", "migration", "file"]


# -- the worked example ---------------------------------------------------------------
def frames_in_use(pages: int, sharers: int, seed: int = 0) -> int:
    """A file of ``pages`` pages mapped (shared) by ``sharers`` processes that each read
    every page: the frames in use on node 0."""
    k = Kernel(nodes=2, seed=seed)
    f = k.create_file("f", pages)
    for _ in range(sharers):
        p = k.spawn()
        v = p.mmap(pages, file=f, shared=True)
        p.read(v.start, pages * PAGE_SIZE)
    return k.node_usage()[0]["used"]


def worked_example() -> Exercise:
    """Chapter 0's worked example: a fixed problem, solved by the engine."""
    return Exercise(
        "A file of 4 pages is mapped (shared) by 3 processes, and each reads every page. "
        "How many frames are in use on node 0?",
        solve=lambda p: frames_in_use(4, 3, p.seed),
        hint="the page cache holds one copy of each file page, however many processes map it",
        hints=lambda answer, expected, p: (
            "that counts a copy per process: file pages are shared through the page cache"
            if isinstance(answer, int) and answer > expected
            else None
        ),
        explain="one frame per file page: {answer}; the 3 processes share them",
        kind="compute",
        tier="check",
        title="Worked example",
        seed=1,
    )


# -- 0.1 ------------------------------------------------------------------------------
WHY_MIGRATE = {
    "its memory accesses become local: node 1's CPUs reach node 1's memory without "
    "crossing the interconnect, so each access waits less": None,
    "the machine gets more free memory: migration frees the frames it leaves": (
        "migration takes a frame on node 1 for every frame it frees on node 0: the total "
        "does not change"
    ),
    "the pages are swapped out to disk and read back on node 1": (
        "a migration copies the page from frame to frame in memory; nothing goes to disk "
        "(a migration entry looks like a swap entry, but it is not one)"
    ),
    "the processes sharing the pages no longer need to map them": (
        "with migration entries every process keeps its mapping: the pte points at the new "
        "frame afterwards"
    ),
}


def _why_migrate(p) -> str:
    k = Kernel(nodes=2, seed=p.seed)
    proc = k.spawn(node=0)
    v = proc.mmap(2)
    proc.write(v.start, b"x")
    before = sum(k.free_frames(n) for n in range(2))
    if k.migrate_pages([proc.page_at(v.start)], 1) != 0:
        raise AssertionError("the page did not move: rewrite 0.1")
    if sum(k.free_frames(n) for n in range(2)) != before or proc.page_at(v.start).node != 1:
        raise AssertionError("a migration changed the free total: rewrite 0.1")
    return next(iter(WHY_MIGRATE))


# -- 0.2 ------------------------------------------------------------------------------
def _pte_params(rng):
    return {
        "variant": rng.choice(["patched", "before-patch"]),
        "mapping": rng.choice(["file linear", "file linear", "file nonlinear", "anonymous"]),
        "sharers": rng.randint(2, 4),
    }


WHAT_PAGE = {
    "anonymous": "a clean anonymous page (written, then shared copy-on-write by fork)",
    "file linear": "a clean page of a file, each through a shared mapping of the file",
    "file nonlinear": "a clean page of a file, each through a mapping rearranged with "
    "remap_file_pages (nonlinear)",
}


def pte_kind_after(p) -> str:
    sc = build_scenario(p.mapping, sharers=p.sharers, variant=p.variant, seed=p.seed)
    if sc.kernel.migrate_pages([sc.page], sc.target_node) != 0:
        raise AssertionError("the page did not move: rewrite 0.2")
    return sc.processes[-1].pte(sc.addrs[-1]).kind


def _pte_why(p, answer) -> str:
    return {
        "present": "the migration entry was restored to a present pte to the new page: "
        "nobody has to fault.",
        "none": "before the patch, try_to_unmap_one clears a file page's ptes (pte_none); "
        "each process faults the page back in from the page cache.",
        "file": "in a nonlinear VMA there are no migration entries: try_to_unmap_cluster "
        "cleared the pte and left a file pte recording the offset; the process refaults.",
    }.get(answer, f"the engine says {answer}.")


# -- 0.3 ------------------------------------------------------------------------------
def _success_params(rng):
    n = rng.randint(4, 8)
    pinned = sorted(rng.sample(range(n), rng.randint(1, (n - 1) // 2)))
    return {"n": n, "pinned": pinned}


def success_growth(p) -> int:
    """n clean pages of a shared file mapping, some pinned, migrated to node 1: how much
    pgmigrate_success grew."""
    sc = build_scenario("file linear", pages=p.n, seed=p.seed)
    k, proc, v = sc.kernel, sc.processes[0], sc.vmas[0]
    pages = [proc.page_at(a) for a in v.addresses()]
    for i in p.pinned:
        k.pin(pages[i])
    before = k.vmstat["pgmigrate_success"]
    k.migrate_pages(pages, 1)
    return k.vmstat["pgmigrate_success"] - before


# -- 0.4 ------------------------------------------------------------------------------
def _machines(rng) -> dict:
    return {
        "mapping": rng.choice(["anonymous", "file linear"]),
        "sharers": rng.randint(1, 3),
        "variant": rng.choice(["patched", "before-patch"]),
    }


# -- 0.5 ------------------------------------------------------------------------------
FAULT_CONTROLS = {
    "variant": ["patched", "before-patch"],
    "mapping": ["anonymous", "file linear", "file nonlinear"],
    "sharers": [1, 2, 3],
    "dirty": [False, True],
}


def _fault_judge(settings, p):
    sc = build_scenario(
        settings["mapping"],
        variant=settings["variant"],
        sharers=settings["sharers"],
        dirty=settings["dirty"],
        seed=p.seed,
    )
    k = sc.kernel
    rc = k.migrate_pages([sc.page], sc.target_node)
    k.run()
    kinds = [proc.pte(a).kind for proc, a in zip(sc.processes, sc.addrs)]
    if rc != 0:
        return False, f"migrate_pages returned {rc}: the page did not even move."
    gone = [proc.pid for proc, kind in zip(sc.processes, kinds) if kind != "present"]
    if not gone:
        return False, f"every process still has a present pte ({kinds}): nobody faults."
    return True, (
        f"the page moved, and pid(s) {', '.join(map(str, gone))} were left with "
        f"{', '.join(sorted(set(k for k in kinds if k != 'present')))} ptes: they fault."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "A process runs on node 1's CPUs, but its pages sit in node 0's memory. What does "
            "migrating them to node 1 buy?",
            solve=_why_migrate,
            choices=shuffled_choices(WHY_MIGRATE),
            hints={k: v for k, v in WHY_MIGRATE.items() if v},
            hint="think of the NUMA distance: what does an access from node 1 to node 0's "
            "memory cost, compared with node 1's own?",
            explain="on a NUMA machine a CPU reaches its own node's memory faster than a "
            "remote node's (numactl --hardware prints the distances, 10 local and 20 or more "
            "remote); migration changes where the data is, not how much memory is in use.",
            kind="explain",
            tier="check",
            key="0.1",
            seed=1,
        ),
        Exercise(
            lambda p: (
                f"{p.sharers} processes share {WHAT_PAGE[p.mapping]}; the {p.variant} kernel "
                "migrates it to node 1. What kind of pte does the last process have at that "
                "address afterwards?"
            ),
            solve=pte_kind_after,
            params=_pte_params,
            choices=PTE_KINDS,
            hint="the patch gives linear file mappings migration entries, restored to present "
            "ptes; before it, file ptes were cleared; a nonlinear VMA never gets entries",
            hints={
                "migration": "a migration entry lives only while the page is being moved: "
                "remove_migration_ptes replaces every one before migrate_pages returns"
            },
            explain=_pte_why,
            kind="predict",
            tier="check",
            key="0.2",
            seed=2,
        ),
        Exercise(
            lambda p: (
                f"A shared file mapping of {p.n} clean pages (0 to {p.n - 1}); the page(s) "
                f"at position(s) {', '.join(map(str, p.pinned))} hold an extra reference "
                "(pinned) through the whole migration. All the pages are migrated to node 1. "
                "By how much does vmstat's pgmigrate_success grow?"
            ),
            solve=success_growth,
            params=_success_params,
            hint="a pinned page fails the reference-count check in every pass; every other "
            "page moves, and pgmigrate_success counts the pages that moved",
            hints=lambda answer, expected, p: (
                "that is how many did not move: the counter counts the others"
                if answer == len(p.pinned)
                else None
            ),
            explain="{answer}: each page that moved counts once; the pinned ones count in "
            "pgmigrate_fail instead.",
            kind="compute",
            tier="apply",
            key="0.3",
            seed=3,
        ),
        trace_exercise(
            "0.4",
            machines=_machines,
            ask="next",
            hint="the order is migrate_prep, isolate_lru_page, migrate_pages, unmap_and_move "
            "(lock the page), try_to_unmap (one try_to_unmap_one per pte), move_to_new_page, "
            "migrate_page_move_mapping, migrate_page_copy, remove_migration_ptes; print "
            "k.trace.to_frame() of the chapter's migration to see it",
            tier="apply",
            seed=4,
        ),
        Exercise(
            "Build a machine in which the page moves (migrate_pages returns 0), yet afterwards "
            "at least one process has no present pte for it and will have to fault.",
            solve=lambda p: {
                "variant": "before-patch",
                "mapping": "file linear",
                "sharers": 2,
                "dirty": False,
            },
            judge=_fault_judge,
            controls=FAULT_CONTROLS,
            hint="which ptes does a migration clear instead of replacing them with migration "
            "entries? Think of the kernel before the patch, and of nonlinear VMAs",
            explain="before the patch, migrating a file page cleared its ptes; in a nonlinear "
            "VMA the cluster unmap clears them even with the patch. Anonymous memory and "
            "linear file mappings with the patch keep every pte: that is what the patch "
            "bought.",
            kind="design",
            tier="think",
            capstone=True,
            key="0.5",
            seed=5,
        ),
    ]
