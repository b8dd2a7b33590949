"""Chapter 2's exercises: migrating anonymous pages.

2.1 explain (check): what a migration entry is.
2.2 predict (check): the next event of an anonymous page's migration.
2.3 compute (apply): how many migration entries after fork and copy-on-write.
2.4 predict (apply): the old page's reference count at a point of the migration.
2.5 explain (think): what 6.1 changed for the waiter that made a pass fail.
2.6 design (think, capstone): a migration that succeeds after exactly n passes.
"""

from __future__ import annotations

from pagemig.scenarios import build_scenario

from ..quiz import Exercise
from ._run import MAX_STEPS, run_access, step_fairly
from .predict import trace_exercise

# -- 2.1 --------------------------------------------------------------------------
WHAT_IS_AN_ENTRY = {
    "a non-present pte of swap type 30 (read) or 31 (write) whose offset is the old "
    "page's pfn; a fault on it sleeps until that page is unlocked": None,
    "a swap entry: the page is written to swap and read back on the new node": (
        "nothing is written anywhere: the entry only borrows the swap pte format, with two "
        "swap types no swap device uses, and its offset is a pfn, not a swap slot"
    ),
    "a read-only pte to the old page, so that processes can still read during the copy": (
        "then a process could read the old page after the new one took over, and a write "
        "fault would have to wait anyway; the entry is not present at all"
    ),
    "a pointer from the page cache to the new page": (
        "that is the radix slot switch (migrate_page_move_mapping); an anonymous page has no "
        "page cache, and the entry lives in the process's page table"
    ),
}


def _entry_answer(p) -> str:
    """Check the premise on the engine: after try_to_unmap the pte is a migration
    entry of type 30/31 holding the old pfn, and the old page is locked."""
    sc = build_scenario("anonymous", sharers=2, seed=p.seed)
    k = sc.kernel
    old = sc.page
    task = sc.start_migration()
    for _ in range(MAX_STEPS):
        ev = k.step(task)
        if ev is not None and ev.func == "move_to_new_page":
            break
    ptes = [proc.pte(a) for proc, a in zip(sc.processes, sc.addrs)]
    if (
        not all(
            pte.kind == "migration" and pte.swp_type in (30, 31) and pte.offset == old.pfn
            for pte in ptes
        )
        or not old.locked
    ):
        raise AssertionError(f"migration entries look different now ({ptes}): rewrite 2.1")
    return next(iter(WHAT_IS_AN_ENTRY))


# -- 2.2 and 2.4: questions from any trace -------------------------------------------
def _machines(rng) -> dict:
    return {
        "mapping": "anonymous",
        "sharers": rng.randint(1, 4),
        "pins": rng.choice([0, 0, 1]),
        "variant": "patched",
    }


# -- 2.3 --------------------------------------------------------------------------
def entries_after_unmap(children: int, writers: int, seed: int = 0) -> int:
    """A process writes its page and forks ``children``; the first ``writers`` children
    write the page (copy on write), the others read it. The parent's page is migrated:
    the migration entries to it once try_to_unmap is done."""
    sc = build_scenario("anonymous", seed=seed)
    k = sc.kernel
    parent, addr = sc.processes[0], sc.addrs[0]
    kids = [parent.fork() for _ in range(children)]
    for i, child in enumerate(kids):
        if i < writers:
            child.write(addr, b"mine")
        else:
            child.read(addr, 1)
    old = parent.page_at(addr)
    task = k.start_migrate_pages([old], 1)
    for _ in range(MAX_STEPS):
        ev = k.step(task)
        if ev is not None and ev.func == "move_to_new_page":
            break
    return sum(
        1
        for proc in [parent, *kids]
        if proc.pte(addr).kind == "migration" and proc.pte(addr).pfn == old.pfn
    )


# -- 2.5 --------------------------------------------------------------------------
MODERN_WAITER = {
    "the first pass moves the page: the waiter holds no reference, so the count is what "
    "migrate_page_move_mapping expects": None,
    "the pass still fails: a task that sleeps on a page must hold a reference to it": (
        "6.1 sleeps on the folio's lock bit while the pte lock keeps the page from being "
        "freed (migration_entry_wait_on_locked): no reference is needed, and none is taken"
    ),
    "the reader never sleeps: 6.1 has no migration entries for anonymous pages": (
        "6.1 still installs them (try_to_migrate_one), with a third type, READ_EXCLUSIVE"
    ),
    "the migration waits for the reader to finish before it checks the count": (
        "no migration waits for a reader: it checks the count once, under the mapping's lock"
    ),
}


def passes_with_reader(variant: str, seed: int = 0) -> tuple[int, int]:
    """A process reads its anonymous page just after try_to_unmap; the two paths then
    run round robin. (migrate_pages' result, the number of passes it took)."""
    sc = build_scenario("anonymous", variant=variant, seed=seed)
    k = sc.kernel
    task = sc.start_migration()
    for _ in range(MAX_STEPS):
        ev = k.step(task)
        if ev is not None and ev.func == "try_to_unmap_one":
            break
    sc.processes[0].start_access(sc.addrs[0])
    k.run()
    passes = sum("pass" in e.data for e in k.trace.find(func="migrate_pages"))
    return task.result, passes


def _modern_answer(p) -> str:
    then, now = passes_with_reader("patched", p.seed), passes_with_reader("modern", p.seed)
    if then != (0, 2) or now != (0, 1):
        raise AssertionError(f"2.6.18 took {then}, 6.1 {now}: the question needs rewriting")
    return next(iter(MODERN_WAITER))


# -- 2.6 --------------------------------------------------------------------------
PASS_CONTROLS = {
    "pin": ["none", "held for good", "dropped after a pass"],
    "dropped after pass": list(range(9)),
    "touch": ["never", "before try_to_unmap", "after try_to_unmap"],
}


def passes_for(settings, seed: int = 0) -> tuple[int, int]:
    """Migrate one anonymous page of one process with that pin and touch:
    (migrate_pages' result, the number of passes)."""
    sc = build_scenario("anonymous", seed=seed)
    k = sc.kernel
    page = sc.page
    if settings["pin"] != "none":
        k.pin(page)
    drop = settings["dropped after pass"] if settings["pin"] == "dropped after a pass" else None
    want = {"before try_to_unmap": "unmap_and_move", "after try_to_unmap": "move_to_new_page"}
    point = want.get(settings["touch"])
    task = sc.start_migration()
    touched = False
    for _ in range(MAX_STEPS):
        if task.done:
            break
        ev = step_fairly(k, task)
        if ev is None:
            continue
        if drop is not None and ev.func == "migrate_pages" and ev.data.get("pass") == drop + 1:
            k.unpin(page)
            drop = None
        if point and not touched and ev.func == point:
            touched = True
            run_access(k, sc.processes[0], sc.addrs[0])
    k.run()
    passes = sum("pass" in e.data for e in k.trace.find(func="migrate_pages"))
    return task.result, passes


def _passes_judge(settings, p):
    rc, passes = passes_for(settings, p.seed)
    ok = rc == 0 and passes == p.passes
    moved = "moved the page" if rc == 0 else f"returned {rc} (the page did not move)"
    return ok, f"Your machine: migrate_pages {moved} after {passes} pass(es)."


def _passes_answer(p) -> dict:
    if p.passes == 1:
        return {"pin": "none", "dropped after pass": 0, "touch": "never"}
    return {"pin": "dropped after a pass", "dropped after pass": p.passes - 2, "touch": "never"}


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "After try_to_unmap, the pte of a process whose anonymous page is being migrated "
            "holds a migration entry. What is it?",
            solve=_entry_answer,
            choices=list(WHAT_IS_AN_ENTRY),
            hints={k: v for k, v in WHAT_IS_AN_ENTRY.items() if v},
            hint="print the pte in the chapter's first cell: its kind, and which frame it names",
            explain="A migration entry is a swap-format pte (not present) with one of the two "
            "swap types CONFIG_MIGRATION reserves, 30 for a read entry and 31 for a write entry, "
            "and the old page's pfn as its offset. do_swap_page sends a fault on it to "
            "migration_entry_wait, which sleeps on that page's lock.",
            kind="explain",
            tier="check",
            key="2.1",
            seed=1,
        ),
        trace_exercise(
            "2.2",
            machines=_machines,
            ask="next",
            hint="read unmap_and_move in order: lock, try_to_unmap (one try_to_unmap_one per "
            "pte), move_to_new_page, migrate_page's count check, copy, restore the ptes, "
            "unlock; a pinned page fails the check in every pass",
            tier="check",
            seed=2,
        ),
        Exercise(
            lambda p: (
                "A process writes its anonymous page, then forks "
                f"{p.children} child(ren). {p.writers} of the children then write the page, "
                "the others only read it. The parent's page is migrated. When try_to_unmap is "
                "done, how many migration entries point at the parent's page?"
            ),
            solve=lambda p: entries_after_unmap(p.children, p.writers, p.seed),
            params=lambda rng: (
                lambda children: {"children": children, "writers": rng.randint(0, children)}
            )(rng.randint(1, 5)),
            hint="after fork parent and children share one page, read-only; a write to it "
            "copies (COW): the writer gets a page of its own and stops mapping the shared one",
            hints=lambda answer, expected, p: (
                "you forgot the parent" if answer == expected - 1 else None
            ),
            explain="{answer}: the parent and every child that only read still map the page "
            "(one pte each, one entry each); a child that wrote maps its own copy.",
            kind="compute",
            tier="apply",
            key="2.3",
            seed=3,
        ),
        trace_exercise(
            "2.4",
            machines=_machines,
            ask="count",
            hint="count the references: the isolation reference, one per present pte, one per "
            "pin; a migration entry holds none (try_to_unmap_one drops the pte's reference)",
            tier="apply",
            seed=4,
            shift=1,
        ),
        Exercise(
            "A process reads its anonymous page just after try_to_unmap; in 2.6.18 its "
            "migration_entry_wait takes a reference on the old page, so that pass fails and a "
            "second pass moves the page. What happens on a 6.1 kernel (variant='modern')?",
            solve=_modern_answer,
            choices=list(MODERN_WAITER),
            hints={k: v for k, v in MODERN_WAITER.items() if v},
            hint="look at what migration_entry_wait does before it sleeps, in 2.6.18 and in "
            "6.1 (chapter 7's table)",
            explain="6.1's migration_entry_wait_on_locked sleeps on the lock bit without "
            "taking a reference (the pte lock, held until the task is queued, keeps the page "
            "alive), so the count check sees exactly the references it expects and the first "
            "pass moves the page.",
            kind="explain",
            tier="think",
            key="2.5",
            seed=5,
        ),
        Exercise(
            lambda p: (
                "Build a machine in which migrate_pages moves one anonymous page, but only "
                f"after exactly {p.passes} pass(es). You may pin the page (an extra reference, "
                "held for good or dropped between two passes) and make its process touch it."
            ),
            solve=_passes_answer,
            params=lambda rng: {"passes": rng.randint(1, 10)},
            judge=_passes_judge,
            controls=PASS_CONTROLS,
            hint="which references make a pass fail? A pin fails every pass while it is held; "
            "a waiter's reference fails only the pass it sleeps in",
            explain="A reference the count check does not expect fails the pass it is seen in. "
            "A pin dropped after pass k lets pass k+1 move the page (k+2 passes); a touch after "
            "try_to_unmap fails one pass (2 passes); a pin held for good fails all ten.",
            kind="design",
            tier="think",
            capstone=True,
            key="2.6",
            seed=6,
        ),
    ]
