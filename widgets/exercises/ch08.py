"""Chapter 8's exercises: the lecture's questions for the room.

They work with the code hidden (under ``pagemig present``, Voilà): each is a widget
answered by click, checked by the engine.

8.1 explain (check): what a migration entry is (four misconceptions, one answer).
8.2 predict (check): the kind of a pte at a point of a migration's trace.
8.3 compute (apply): refaults after migrating pages of a file mapped linearly and
    nonlinearly, before or after the patch.
8.4 predict (apply): a migration is stopped at a point; the other process touches the
    page: what happens to it (reads through its pte, sleeps, refaults, the BUG)?
8.5 design (think, capstone): make the kernel hit the BUG of the writeout order.
"""

from __future__ import annotations

from pagemig import PAGE_SIZE, Kernel
from pagemig.scenarios import build_scenario

from ..quiz import Exercise
from ._run import MAX_STEPS, run_access
from .predict import trace_exercise

VARIANTS = ["patched", "before-patch"]
FILE_PAGES = 8

# -- 8.1 --------------------------------------------------------------------------
ENTRY_ANSWER = "a pte that says: this page is moving; wait for its lock, then look again"
ENTRY = {
    "a swap entry: the page was written to swap and will be read back": (
        "nothing is written to swap: the entry names the old page itself, which stays in "
        "memory, locked, until the copy is done"
    ),
    "a pte that already points at the new page, installed before the copy": (
        "a pte to the new page before the copy would show the process a page that is "
        "still being filled; the new page is mapped only once it is complete"
    ),
    ENTRY_ANSWER: None,
    "a cleared pte: the process faults the page back in from the page cache": (
        "that is what happened to file pages before the patch (and still happens in "
        "nonlinear VMAs): a refault, not a migration entry"
    ),
}


def _entry_answer(p) -> str:
    """Check on the engine that the answer is what a migration entry does: halfway, the
    pte is a migration entry, and a process touching it sleeps in migration_entry_wait
    and then finds the page with no refault."""
    sc = build_scenario("file linear", sharers=2, variant="patched", seed=p.seed)
    k = sc.kernel
    task = sc.start_migration()
    for _ in range(MAX_STEPS):
        ev = k.step(task)
        if (ev is not None and ev.func == "move_to_new_page") or task.done:
            break
    kind = sc.processes[1].pte(sc.addrs[1]).kind
    toucher = run_access(k, sc.processes[1], sc.addrs[1])
    k.run()
    waited = any(e.func == "migration_entry_wait" for e in k.trace.find(kind="wait"))
    if kind == "migration" and waited and toucher.done and not k.vmstat["pgmigrate_refault"]:
        return ENTRY_ANSWER
    raise AssertionError("the engine's migration entry changed: 8.1 needs rewriting")


# -- 8.2 --------------------------------------------------------------------------
def _machines(rng) -> dict:
    return {
        "mapping": rng.choice(["file linear", "file linear", "anonymous", "file nonlinear"]),
        "sharers": rng.randint(1, 3),
        "variant": rng.choice(VARIANTS),
    }


# -- 8.3 --------------------------------------------------------------------------
def _refault_params(rng) -> dict:
    return {
        "linear": rng.randint(1, 3),
        "nonlinear": rng.randint(1, 3),
        "moved": sorted(rng.sample(range(FILE_PAGES), rng.randint(2, 3))),
        "variant": rng.choice(VARIANTS),
    }


def refaults_after_reading(linear, nonlinear, moved, variant, seed=0) -> int:
    """An 8-page file mapped whole by ``linear`` processes and by ``nonlinear`` ones
    (remap_file_pages rotated by one page), every page read; migrate file pages
    ``moved`` to node 1, then every process reads those pages once: the refaults."""
    k = Kernel(nodes=2, seed=seed, variant=variant)
    f = k.create_file("data.bin", FILE_PAGES)
    maps = []
    for i in range(linear + nonlinear):
        proc = k.spawn()
        v = proc.mmap(FILE_PAGES, file=f, shared=True)
        nl = i >= linear
        if nl:
            for pos in range(FILE_PAGES):
                proc.remap_file_pages(v.start + pos * PAGE_SIZE, 1, (pos + 1) % FILE_PAGES)
        for pos in range(FILE_PAGES):
            proc.read(v.start + pos * PAGE_SIZE, 1)
        maps.append((proc, v, nl))
    rc = k.migrate_pages([f.mapping.find_get_page(i) for i in moved], 1)
    if rc != 0:
        raise AssertionError(f"migrate_pages returned {rc}: 8.3 needs rewriting")
    for proc, v, nl in maps:
        for i in moved:
            pos = (i - 1) % FILE_PAGES if nl else i
            proc.read(v.start + pos * PAGE_SIZE, 1)
    return k.vmstat["pgmigrate_refault"]


def _refaults(p) -> int:
    return refaults_after_reading(p.linear, p.nonlinear, p.moved, p.variant, p.seed)


# -- 8.4 and 8.5: touching the page while it moves ----------------------------------
OUTCOMES = {
    "it reads the page through its pte, as if nothing happened": "read",
    "it sleeps in migration_entry_wait until the page is unlocked": "wait",
    "it faults the page back in from the page cache (a refault)": "refault",
    "the kernel hits a BUG: a migration entry points at an unlocked page": "oops",
}
OUTCOME_TEXT = {v: k for k, v in OUTCOMES.items()}
POINTS = {
    "try_to_unmap has begun": "try_to_unmap",
    "writepage has returned": "writepage",
    "move_to_new_page has begun": "move_to_new_page",
}


def touch_while_moving(variant, point, *, dirty=True, migratepage=False, seed=0):
    """A dirty (or clean) page of a shared file, two sharers; the first migrates it,
    stopped once its event ``point`` (a kernel function) is recorded; the second then
    reads its page. Returns (outcome, the migration's result, the scenario): outcome
    "read", "wait", "refault" or "oops"; None if the migration never reached ``point``."""
    sc = build_scenario(
        "file linear",
        dirty=dirty,
        migratepage=migratepage,
        sharers=2,
        variant=variant,
        seed=seed,
    )
    k = sc.kernel
    task = sc.start_migration()
    reached = False
    for _ in range(MAX_STEPS):
        if task.done:
            break
        ev = k.step(task)
        if ev is not None and ev.func == point:
            reached = True
            break
    if not reached:
        k.run()
        return None, task.result, sc
    toucher = run_access(k, sc.processes[1], sc.addrs[1])
    slept = toucher.blocked
    k.run()
    if toucher.result == "oops":
        outcome = "oops"
    elif slept:
        outcome = "wait"
    elif k.vmstat["pgmigrate_refault"]:
        outcome = "refault"
    else:
        outcome = "read"
    return outcome, task.result, sc


def _touch_params(rng) -> dict:
    return {
        "variant": rng.choice(["patched", "before-patch", "unsafe-writeout"]),
        "point": rng.choice(list(POINTS)),
    }


def _touch_answer(p) -> str:
    outcome, _, _ = touch_while_moving(p.variant, POINTS[p.point], seed=p.seed)
    if outcome is None:
        raise AssertionError(f"8.4: the migration never reached {p.point}")
    return OUTCOME_TEXT[outcome]


def _touch_explain(p, answer) -> str:
    why = {
        "read": "its pte still maps the old page (not unmapped yet, or already restored "
        "to it before writepage: the patch's order), so the read needs no fault.",
        "wait": "its pte is a migration entry and the page is locked: the fault waits in "
        "migration_entry_wait for the unlock, then finds the page.",
        "refault": "before the patch try_to_unmap cleared the file pte: the read faults and "
        "finds the page in the page cache again (pgmigrate_refault).",
        "oops": "unsafe-writeout keeps the migration entries while writepage unlocks the "
        "page: the fault finds an entry to an unlocked page and hits the BUG.",
    }
    return f"The {p.variant} kernel, once {p.point}: " + why[OUTCOMES[answer]]


BUG_CONTROLS = {
    "variant": ["patched", "before-patch", "unsafe-writeout"],
    "dirty": [False, True],
    "migratepage": [True, False],
    "touch": ["never", *POINTS],
}


def _bug_judge(settings, p):
    if settings["touch"] == "never":
        sc = build_scenario(
            "file linear",
            dirty=settings["dirty"],
            migratepage=settings["migratepage"],
            sharers=2,
            variant=settings["variant"],
            seed=p.seed,
        )
        rc = sc.kernel.migrate_pages([sc.page], 1)
        return False, f"Nobody touched the page; migrate_pages returned {rc}: no BUG."
    outcome, rc, sc = touch_while_moving(
        settings["variant"],
        POINTS[settings["touch"]],
        dirty=settings["dirty"],
        migratepage=settings["migratepage"],
        seed=p.seed,
    )
    if outcome is None:
        return False, (
            f"The migration never reached the point '{settings['touch']}' (it returned "
            f"{rc}): the second process never touched the page."
        )
    if outcome == "oops":
        return (
            True,
            f"pid {sc.processes[1].pid}'s fault hit the BUG in the {settings['variant']} kernel.",
        )
    return False, f"pid {sc.processes[1].pid}: {OUTCOME_TEXT[outcome]}; no BUG."


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "While a page migrates, what is a migration entry in a process's page table?",
            solve=_entry_answer,
            choices=list(ENTRY),
            hints={k: v for k, v in ENTRY.items() if v},
            hint="step the migration on screen 2 until try_to_unmap has run, then look at "
            "the ptes: what colour are they, and what does a fault on them do?",
            explain="try_to_unmap_one writes a migration entry (the old page's pfn, marked "
            "as migrating); a fault on it sleeps in migration_entry_wait until the page is "
            "unlocked, then finds the pte restored: no refault.",
            kind="explain",
            tier="check",
            key="8.1",
            seed=1,
        ),
        trace_exercise(
            "8.2",
            machines=_machines,
            ask="pte",
            hint="before try_to_unmap_one reaches a pte it is present; after, anonymous "
            "pages and (with the patch) linear file pages get a migration entry, the others "
            "are cleared; remove_migration_pte restores entries to present ptes",
            tier="check",
            seed=2,
        ),
        Exercise(
            lambda p: (
                f"An {FILE_PAGES}-page file: {p.linear} process(es) map all of it linearly, "
                f"{p.nonlinear} map it nonlinearly (remap_file_pages), and all have read "
                f"every page. The {p.variant} kernel migrates file pages "
                f"{', '.join(map(str, p.moved))}; then every process reads those pages once. "
                "How many refaults (pgmigrate_refault)?"
            ),
            solve=_refaults,
            params=_refault_params,
            hint="a refault is a read of a pte that migration cleared; which ptes get a "
            "migration entry instead, in this kernel?",
            hints=lambda answer, expected, p: (
                "that counts one per process; every moved page is read by every process"
                if isinstance(answer, int)
                and answer in (p.linear, p.nonlinear, p.linear + p.nonlinear)
                else None
            ),
            explain=lambda p, answer: (
                f"{answer}: "
                + (
                    "with the patch only the nonlinear VMAs lose their ptes "
                    f"({p.nonlinear} x {len(p.moved)} pages)"
                    if p.variant == "patched"
                    else "before the patch every file pte is cleared "
                    f"({p.linear + p.nonlinear} x {len(p.moved)} pages)"
                )
                + "."
            ),
            kind="compute",
            tier="apply",
            key="8.3",
            seed=3,
        ),
        Exercise(
            lambda p: (
                f"The {p.variant} kernel migrates a dirty page of a shared file that has no "
                "migratepage (so writeout writes it first); two processes map it. We stop "
                f"the migration once {p.point}, and the second process reads the page. "
                "What happens to it?"
            ),
            solve=_touch_answer,
            params=_touch_params,
            choices=list(OUTCOMES),
            hint="what is in the second process's pte at that point (present, cleared, or "
            "a migration entry), and is the page still locked?",
            hints=lambda answer, expected, p: (
                "before the patch no file pte becomes a migration entry"
                if p.variant == "before-patch" and OUTCOMES.get(answer) in ("wait", "oops")
                else "the patch restores the ptes before writepage unlocks the page"
                if p.variant == "patched" and OUTCOMES.get(answer) == "oops"
                else None
            ),
            explain=_touch_explain,
            kind="predict",
            tier="apply",
            key="8.4",
            seed=4,
        ),
        Exercise(
            "Make the kernel hit the BUG: choose the kernel, the page (dirty or clean, its "
            "file with or without migratepage) and the moment the second process touches "
            "it while the first migrates it.",
            solve=lambda p: {
                "variant": "unsafe-writeout",
                "dirty": True,
                "migratepage": False,
                "touch": "writepage has returned",
            },
            judge=_bug_judge,
            controls=BUG_CONTROLS,
            hint="the BUG needs a migration entry to a page that is not locked: when does "
            "the migration unlock the page before the end, and in which kernel are the "
            "entries still there then?",
            explain="Only writeout unlocks the page mid-migration (writepage does), and only "
            "for a dirty page of a file without migratepage; the patch restores the ptes "
            "first, unsafe-writeout does not, so a fault after writepage finds an entry to "
            "an unlocked page.",
            kind="design",
            tier="think",
            capstone=True,
            key="8.5",
            seed=5,
        ),
    ]
