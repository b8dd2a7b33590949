"""Chapter 3's exercises: file pages and the 2.6.18 patch.

3.1 explain (check): what migration did to a file page's ptes before the patch.
3.2 predict (check): the kind of a pte at a point of a migration's trace.
3.3 predict (apply): the next event of a migration's trace.
3.4 compute (apply): how many ptes the restore walk brings back, from the prio tree.
3.5 design (apply): make a process sleep in migration_entry_wait.
3.6 order (think): unmap_and_move's steps, run by the engine in the reader's order.
3.7 design (think, capstone): a migration that succeeds yet costs exactly n refaults.
"""

from __future__ import annotations

from pagemig import PAGE_SIZE, Kernel
from pagemig.scenarios import build_scenario

from ..quiz import Exercise
from . import unmap_order
from ._run import run_access, step_fairly
from .predict import migration_events, trace_exercise

VARIANTS = ["patched", "before-patch"]

# -- 3.1 --------------------------------------------------------------------------
BEFORE_PATCH = {
    "it cleared them; each process faults the page back in from the page cache": None,
    "it turned them into swap entries: the page was swapped out and read back": (
        "a migration is not a swap-out: nothing is written to swap, and before the patch "
        "file ptes got no entry of any kind"
    ),
    "it left them pointing at the old frame until the copy was done": (
        "a pte to the old frame while the contents are copied would let a write slip past "
        "the copy; try_to_unmap always replaces them"
    ),
    "it installed migration entries, as for anonymous pages": (
        "that is what the patch added: before it, only anonymous pages got migration entries"
    ),
}


def _before_patch_answer(p) -> str:
    sc, _, _, _ = migration_events(
        {"mapping": "file linear", "sharers": 2, "variant": "before-patch"}, p.seed
    )
    kinds = {proc.pte(a).kind for proc, a in zip(sc.processes, sc.addrs)}
    for proc, a in zip(sc.processes, sc.addrs):
        proc.read(a, 1)
    if kinds == {"none"} and sc.kernel.vmstat["pgmigrate_refault"] == len(sc.processes):
        return next(iter(BEFORE_PATCH))
    raise AssertionError(f"before-patch left ptes {kinds}: the question needs rewriting")


# -- 3.2 and 3.3: questions from any trace -------------------------------------------
def _machines(rng) -> dict:
    return {
        "mapping": "file linear",
        "sharers": rng.randint(1, 4),
        "variant": rng.choice(VARIANTS),
    }


# -- 3.4 --------------------------------------------------------------------------
def _restore_params(rng):
    offsets = sorted(rng.sample(range(0, 12), rng.randint(3, 6)))
    return {
        "offsets": offsets,
        "index": rng.choice(offsets) + rng.randint(0, 3),
        "variant": rng.choice(VARIANTS + ["patched"]),
    }


def _restored(p) -> int:
    """The ptes that map the new page straight after migrate_pages (nobody has faulted
    since): those are the ones remove_migration_pte restored."""
    k = Kernel(nodes=2, seed=p.seed, variant=p.variant)
    f = k.create_file("data.bin", 16)
    procs = []
    for off in p.offsets:
        proc = k.spawn()
        v = proc.mmap(4, file=f, offset=off * PAGE_SIZE, shared=True)
        for a in v.addresses():
            proc.read(a, 1)
        procs.append((proc, v))
    rc = k.migrate_pages([f.mapping.find_get_page(p.index)], 1)
    new = f.mapping.find_get_page(p.index)
    if rc != 0 or new.node != 1:
        raise AssertionError(f"the migration failed ({rc}): the question needs rewriting")
    return sum(
        1
        for proc, v in procs
        for a in v.addresses()
        if proc.pte(a).kind == "present" and proc.pte(a).pfn == new.pfn
    )


# -- 3.5 --------------------------------------------------------------------------
SLEEP_CONTROLS = {
    "variant": ["patched", "before-patch"],
    "mapping": ["file linear", "file nonlinear", "anonymous"],
    "touch": ["before try_to_unmap", "after try_to_unmap", "never"],
    "write": [False, True],
}


def run_with_touch(settings, seed: int = 0):
    """Migrate with one sharer touching its page at the chosen point; the scenario,
    the migration's result and the toucher's task (or None)."""
    sc = build_scenario(settings["mapping"], sharers=2, variant=settings["variant"], seed=seed)
    k = sc.kernel
    task = sc.start_migration()
    toucher = None
    want = {"before try_to_unmap": "unmap_and_move", "after try_to_unmap": "move_to_new_page"}
    point = want.get(settings["touch"])
    for _ in range(20_000):
        if task.done:
            break
        ev = step_fairly(k, task)
        if toucher is None and point and ev is not None and ev.func == point:
            proc, addr = sc.processes[1], sc.addrs[1]
            data = b"touch" if settings["write"] else None
            toucher = run_access(k, proc, addr, write=settings["write"], data=data)
    k.run()
    return sc, task.result, toucher


def _sleep_judge(settings, p):
    sc, rc, _ = run_with_touch(settings, p.seed)
    waits = [e for e in sc.kernel.trace.find(kind="wait") if e.func == "migration_entry_wait"]
    if waits:
        return True, f"pid {sc.processes[1].pid} slept in migration_entry_wait ({waits[0].what})."
    others = sorted({e.func for e in sc.kernel.trace.find(kind="wait")})
    slept = f" (it slept in {', '.join(others)})" if others else ""
    return False, f"Nobody slept in migration_entry_wait{slept}; migrate_pages returned {rc}."


# -- 3.6 --------------------------------------------------------------------------
def _order_judge(order, p):
    result = unmap_order.run_order(order, sharers=2, seed=p.seed)
    return not result["broken"], unmap_order.describe(result)


# -- 3.7 --------------------------------------------------------------------------
REFAULT_CONTROLS = {
    "variant": ["patched", "before-patch"],
    "mapping": ["file linear", "file nonlinear", "anonymous"],
    "sharers": [1, 2, 3, 4, 5, 6],
}


def refaults_after(settings, seed: int = 0):
    """Migrate the page, then every sharer reads it once: (rc, refaults)."""
    sc = build_scenario(
        settings["mapping"], sharers=settings["sharers"], variant=settings["variant"], seed=seed
    )
    k = sc.kernel
    rc = k.migrate_pages([sc.page], 1)
    for proc, addr in zip(sc.processes, sc.addrs):
        proc.read(addr, 1)
    return rc, k.vmstat["pgmigrate_refault"]


def _refault_judge(settings, p):
    rc, refaults = refaults_after(settings, p.seed)
    ok = rc == 0 and refaults == p.refaults
    why = "" if rc == 0 else " (the migration did not succeed)"
    return ok, f"Your machine: migrate_pages returned {rc}{why}; {refaults} refault(s)."


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "Before the 2.6.18 patch, what did migrating a file page do to the ptes of the "
            "processes that mapped it?",
            solve=_before_patch_answer,
            choices=list(BEFORE_PATCH),
            hints={k: v for k, v in BEFORE_PATCH.items() if v},
            hint="compare the two pte maps at the top of the chapter, halfway through",
            explain="try_to_unmap_one cleared them (pte_none), and the next access faulted "
            "the page back in from the page cache: one refault per process.",
            kind="explain",
            tier="check",
            key="3.1",
            seed=1,
        ),
        trace_exercise(
            "3.2",
            machines=_machines,
            ask="pte",
            hint="before try_to_unmap_one reaches a pte it is present; after, it depends on "
            "the variant; remove_migration_pte turns an entry back into a present pte",
            hints={"file": "a file pte is what remap_file_pages leaves, not migration"},
            tier="check",
            seed=2,
        ),
        trace_exercise(
            "3.3",
            machines=_machines,
            ask="next",
            hint="read unmap_and_move in order: lock, try_to_unmap (one try_to_unmap_one per "
            "pte), move_to_new_page, the mapping's migratepage, restore the ptes, unlock",
            tier="apply",
            seed=3,
            shift=2,
        ),
        Exercise(
            lambda p: (
                f"The {p.variant} kernel. {len(p.offsets)} processes each map 4 pages of a "
                f"16-page file, starting at file pages {', '.join(map(str, p.offsets))}, and "
                f"read all of them. File page {p.index} is migrated. How many ptes does "
                "remove_migration_pte restore?"
            ),
            solve=_restored,
            params=_restore_params,
            hint="the restore walk asks the prio tree for the VMAs covering the page; only "
            "the patched kernel left entries to restore",
            hints=lambda answer, expected, p: (
                "that would be right with the patch: which kernel is this?"
                if expected == 0 and answer > 0
                else None
            ),
            explain="{answer}: one per migration entry, and entries exist only with the patch, "
            "in the VMAs whose window covers page {index}.",
            kind="compute",
            tier="apply",
            key="3.4",
            seed=4,
        ),
        Exercise(
            "Make a process sleep in migration_entry_wait. Two processes map the page; the "
            "second touches it once (a read, or a write) at the point you choose while the "
            "first migrates it.",
            solve=lambda p: {
                "variant": "patched",
                "mapping": "file linear",
                "touch": "after try_to_unmap",
                "write": False,
            },
            judge=_sleep_judge,
            controls=SLEEP_CONTROLS,
            hint="a process sleeps there only when its pte is a migration entry: which "
            "mappings get one, under which kernel, and when?",
            explain="After try_to_unmap the pte is a migration entry (file pages: with the "
            "patch; anonymous pages: always); a fault on it waits for the page lock.",
            kind="design",
            tier="apply",
            key="3.5",
            seed=5,
        ),
        Exercise(
            "Put unmap_and_move's steps in an order that breaks nothing. The engine runs your "
            "order on a dirty shared file page while a second process writes to it after "
            "every step, and checks the kernel's invariants after each.",
            solve=lambda p: list(unmap_order.KERNEL_ORDER),
            judge=_order_judge,
            steps=list(unmap_order.STEPS),
            hint="a migration entry must only ever point at a locked page; the copy must see "
            "every write; the page cache must switch before the ptes lead to the new page",
            explain="lock, unmap into entries, switch the slot (the reference-count gate), "
            "copy, restore the ptes, unlock: the order of mm/migrate.c.",
            kind="order",
            tier="think",
            key="3.6",
            seed=6,
        ),
        Exercise(
            lambda p: (
                "Build a machine in which migrate_pages succeeds, yet when every process then "
                f"reads its page once, exactly {p.refaults} refault(s) happen."
            ),
            solve=lambda p: {
                "variant": "before-patch",
                "mapping": "file linear",
                "sharers": p.refaults,
            },
            params=lambda rng: {"refaults": rng.randint(1, 6)},
            judge=_refault_judge,
            controls=REFAULT_CONTROLS,
            hint="a refault is a fault on a pte migration cleared: which ptes does migration "
            "clear, in which kernel and which kind of mapping?",
            explain="Before the patch, file ptes are cleared: one refault per sharer. With the "
            "patch, only nonlinear VMAs are cleared (chapter 4), so 'patched, file nonlinear' "
            "works too; anonymous pages always get migration entries.",
            kind="design",
            tier="think",
            capstone=True,
            key="3.7",
            seed=7,
        ),
    ]
