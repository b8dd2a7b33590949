"""Chapter 5's exercises: dirty pages and writeout.

5.1 explain (check): why writeout restores the ptes before it calls writepage.
5.2 predict (check): the next event of a dirty page's migration.
5.3 compute (apply): in which pass a dirty page moves, given how long its write I/O takes.
5.4 predict (apply): the return code the migration reports next.
5.5 order (think): writeout's four steps, run by the engine in the reader's order.
5.6 design (think, capstone): a dirty page that moves in exactly the pass asked for.
"""

from __future__ import annotations

from pagemig.invariants import LOCKS_RELEASED
from pagemig.labs import WRITEOUT_STEPS, writeout_in_order
from pagemig.scenarios import build_scenario

from ..quiz import Exercise
from ._run import MAX_STEPS, run_access, step_fairly
from .predict import trace_exercise

OUTCOMES = ["ok", "activate", "error", None]

# -- 5.1 --------------------------------------------------------------------------
WHY_RESTORE = {
    "writepage may unlock the page, and a migration entry may only point at a locked "
    "page: a fault on it would find the page unlocked": None,
    "writepage reads the page's data through the processes' ptes": (
        "writepage works on the page itself (and its buffers), never through a process's page table"
    ),
    "so that the processes need not refault later: it saves minor faults": (
        "that is the patch's gain for clean pages; for a dirty page the attempt fails "
        "anyway, and the ptes would be restored by unmap_and_move a few steps later"
    ),
    "the I/O could not start while migration entries exist": (
        "the I/O does not look at page tables at all; the unsafe-writeout variant writes "
        "the page out fine, and the trouble is what a fault finds meanwhile"
    ),
}


def _why_restore_answer(p) -> str:
    """Check the premise on the engine: with the patch's order nothing breaks at
    writepage; with the other order, the migration-entry rule does."""
    from pagemig.invariants import MIGRATION_ENTRY_LOCKED

    broke = {}
    for variant in ("patched", "unsafe-writeout"):
        sc = build_scenario("file linear", dirty=True, sharers=2, variant=variant, seed=p.seed)
        k = sc.kernel
        task = sc.start_migration()
        for _ in range(MAX_STEPS):
            ev = k.step(task)
            if ev is not None and ev.func == "writepage":
                break
        broke[variant] = {rule for rule, _ in k.violations()}
    if broke["patched"] or MIGRATION_ENTRY_LOCKED not in broke["unsafe-writeout"]:
        raise AssertionError(f"writeout's order no longer matters ({broke}): rewrite 5.1")
    return next(iter(WHY_RESTORE))


# -- 5.2 and 5.4: questions from any trace -------------------------------------------
def _machines(rng) -> dict:
    return {
        "mapping": "file linear",
        "dirty": True,
        "writepage": rng.choice(OUTCOMES),
        "sharers": rng.randint(1, 3),
        "variant": rng.choice(["patched", "patched", "before-patch"]),
    }


# -- 5.3 --------------------------------------------------------------------------
def moving_pass(latency: int, seed: int = 0) -> int:
    """The pass (0-9) in which a dirty page of a file without migratepage moves, when
    its write I/O takes ``latency`` steps."""
    sc = build_scenario("file linear", dirty=True, seed=seed)
    k = sc.kernel
    k.io_latency = latency
    rc = k.migrate_pages([sc.page], 1)
    moved = [e for e in k.trace.find(func="unmap_and_move") if e.data.get("rc") == 0]
    if rc != 0 or not moved:
        raise AssertionError(f"the page did not move ({rc}): the question needs rewriting")
    return moved[-1].data["pass"]


# -- 5.5 --------------------------------------------------------------------------
STEP_LABELS = {
    "clear the dirty bit for I/O (clear_page_dirty_for_io)": "clear_page_dirty_for_io",
    "restore the ptes to the old page (remove_migration_ptes)": "remove_migration_ptes",
    "call writepage (it may unlock the page and start the I/O)": "writepage",
    "take the page lock again (lock_page)": "lock_page",
}
KERNEL_ORDER = tuple(STEP_LABELS)
assert tuple(STEP_LABELS.values()) == WRITEOUT_STEPS


def _one_run(order, write_after: int, seed: int) -> dict:
    """One scripted interleaving: the migration with writeout's steps in ``order``; the
    second process writes to the page once, right after step ``write_after`` of the
    first writeout. Invariants are checked after every step."""
    sc = build_scenario("file linear", dirty=True, sharers=2, seed=seed)
    k = sc.kernel
    writer, addr = sc.processes[1], sc.addrs[1]
    broken, log, seen = [], [], set()

    def note(where):
        for rule, details in k.violations():
            if rule not in seen and rule != LOCKS_RELEASED:
                seen.add(rule)
                broken.append((where, f"{rule} ({details})"))

    with k.replace(writeout=writeout_in_order(order)):
        task = sc.start_migration()
        steps = 0
        for _ in range(MAX_STEPS):
            if task.done:
                break
            ev = step_fairly(k, task)
            if ev is None:
                if not any(t.runnable for t in k.tasks):
                    break  # everyone asleep: a deadlock
                continue
            step = ev.data.get("step") if ev.func == "writeout" and steps < len(order) else None
            where = f"after {step}" if step else ev.func
            note(where)
            if step:
                steps += 1
                log.append(f"{steps}. {step}")
                if steps == write_after:
                    access = run_access(k, writer, addr + 8, write=True, data=b"late write")
                    if access.done and access.result == "oops":
                        broken.append((where, "the writer's fault hit the kernel's BUG (an oops)"))
                    elif access.done:
                        log.append("   the second process writes to the page")
                    else:
                        log.append(f"   the second process writes, and {access.waiting_on}")
                    note(where)
        if not task.done:
            broken.append(
                (
                    "at the end",
                    f"the migration never finishes: it {task.waiting_on}, a lock it holds itself",
                )
            )
            rc = None
        else:
            rc = task.result
            try:
                k.run(max_steps=10_000)
            except Exception as exc:  # noqa: BLE001 - a sleeper that can never wake
                broken.append(("at the end", str(exc)))
        note("at the end")
    page = sc.file.mapping.find_get_page(sc.page.index)
    if page is not None and not page.dirty and not page.writeback:
        if bytes(page.read_bytes()) != bytes(sc.file.read_backing(page.index)):
            broken.append(
                (
                    "at the end",
                    "the page is clean but the disk does not hold its bytes: the write lost "
                    "its dirty bit, and is gone when the page is dropped",
                )
            )
    return {"broken": broken, "log": log, "rc": rc, "write_after": write_after}


def run_writeout_order(labels, seed: int = 0) -> dict:
    """Migrate a dirty page of a file without migratepage, shared by two processes,
    with writeout's steps in the order ``labels`` (of :data:`STEP_LABELS`), once for
    each step of the first writeout after which the second process writes to the page
    (four scripted interleavings); the kernel's invariants are checked after every
    step, and at the end that a clean page holds what its disk holds.

    Returns the first run that broke something, or the last run: {"broken": [(where,
    problem)], "log": [...], "rc": migrate_pages' result, "write_after": n}."""
    order = [STEP_LABELS[label] for label in labels]
    result = None
    for n in range(1, len(order) + 1):
        result = _one_run(order, n, seed)
        if result["broken"] or result["rc"] != 0:
            return result
    return result


def describe_order(result: dict) -> str:
    n = result["write_after"]
    lines = [f"The engine ran your writeout; the second process writes after step {n}:"]
    lines += ["  " + line for line in result["log"]]
    if result["broken"]:
        where, problem = result["broken"][0]
        lines.append(f"First thing that broke, {where}: {problem}.")
        more = len(result["broken"]) - 1
        if more:
            lines.append(f"({more} more problem(s) after that.)")
    else:
        lines.append(
            "Nothing broke, whichever step the write came after: every invariant held and "
            f"migrate_pages returned {result['rc']}."
        )
    return "\n".join(lines)


def _order_judge(order, p):
    result = run_writeout_order(order, seed=p.seed)
    ok = not result["broken"] and result["rc"] == 0
    return ok, describe_order(result)


# -- 5.6 --------------------------------------------------------------------------
DESIGN_CONTROLS = {
    "migratepage": [False, True],
    "writepage": ["ok", "activate", "error", "none"],
    "io_latency": [1, 4, 8, 16, 32],
}


def moved_in(settings, seed: int = 0):
    """Migrate one dirty page of a file with those settings: (rc, the pass it moved in
    or None)."""
    outcome = None if settings["writepage"] == "none" else settings["writepage"]
    sc = build_scenario(
        "file linear",
        dirty=True,
        writepage=outcome,
        migratepage=settings["migratepage"],
        seed=seed,
    )
    k = sc.kernel
    k.io_latency = settings["io_latency"]
    rc = k.migrate_pages([sc.page], 1)
    moved = [e for e in k.trace.find(func="unmap_and_move") if e.data.get("rc") == 0]
    return rc, (moved[-1].data["pass"] if rc == 0 and moved else None)


def _design_judge(settings, p):
    rc, moved = moved_in(settings, p.seed)
    if moved is None:
        return False, f"Your machine: migrate_pages returned {rc}; the page did not move."
    return moved == p.target, f"Your machine: the page moved in pass {moved}."


def _design_answer(p) -> dict:
    if p.target == 0:
        return {"migratepage": True, "writepage": "ok", "io_latency": 1}
    for latency in DESIGN_CONTROLS["io_latency"]:
        settings = {"migratepage": False, "writepage": "ok", "io_latency": latency}
        if moved_in(settings, p.seed)[1] == p.target:
            return settings
    raise AssertionError(f"no machine moves in pass {p.target}: the question needs rewriting")


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "The seed patch's writeout() restores the ptes of a dirty page "
            "(remove_migration_ptes(page, page)) before it calls writepage. Why?",
            solve=_why_restore_answer,
            choices=list(WHY_RESTORE),
            hints={k: v for k, v in WHY_RESTORE.items() if v},
            hint="what does writepage do to the page lock, and what does a fault on a "
            "migration entry expect of that lock?",
            explain="A migration entry means 'sleep on this page's lock until the migration "
            "is done'. writepage unlocks the page when it starts the I/O; an entry left in "
            "place would send a faulting process to an unlocked page "
            "(migration_entry_to_page BUGs). The attempt fails anyway (-EAGAIN), so writeout "
            "puts real ptes back first.",
            kind="explain",
            tier="check",
            key="5.1",
            seed=1,
        ),
        trace_exercise(
            "5.2",
            machines=_machines,
            ask="next",
            hint="pass 0 of a dirty page without migratepage: lock, unmap, "
            "fallback_migrate_page, writeout (clear the dirty bit, restore the ptes, "
            "writepage, relock), -EAGAIN; a later pass moves it once it is clean",
            tier="check",
            seed=2,
        ),
        Exercise(
            lambda p: (
                "A dirty page of a file without migratepage (its writepage starts the I/O "
                "and returns 0). The write I/O takes io_latency = "
                f"{p.latency} steps: the I/O completion is a path of its own that takes "
                f"{p.latency} steps (one trace event each, interleaved round robin with the "
                "migration's steps) before end_page_writeback clears PG_writeback. In which "
                "pass (0-9) does migrate_pages move the page?"
            ),
            solve=lambda p: moving_pass(p.latency, p.seed),
            params=lambda rng: {"latency": rng.randint(1, 30)},
            hint="pass 0 always ends in writeout (-EAGAIN); passes 1 and 2 are polite and "
            "skip a page still under writeback; pass 3 is forced and waits for it. Count "
            "how many of the migration's steps one pass takes in the chapter's trace",
            hints=lambda answer, expected, p: (
                "the page is never moved in the pass that writes it out: writeout always "
                "returns -EAGAIN"
                if answer == 0
                else "a forced pass waits for writeback: no page under writeback needs more "
                "than pass 3"
                if isinstance(answer, int) and answer > 3
                else None
            ),
            explain=lambda p, answer: (
                f"Pass {answer}: pass 0 wrote the page out (writeout: -EAGAIN). "
                + {
                    1: "The I/O was over before pass 1 looked, so pass 1 found it clean.",
                    2: "Pass 1, polite, still found PG_writeback and skipped the page; by "
                    "pass 2 the I/O was over.",
                    3: "Passes 1 and 2, polite, found PG_writeback and skipped the page; "
                    "pass 3, the first forced pass, waited for the I/O to end.",
                }.get(answer, "")
            ),
            kind="compute",
            tier="apply",
            key="5.3",
            seed=3,
        ),
        trace_exercise(
            "5.4",
            machines=_machines,
            ask="rc",
            hint="writeout returns -EAGAIN after a write it started, -EIO if writepage "
            "failed, -EINVAL without a writepage; AOP_WRITEPAGE_ACTIVATE writes nothing and "
            "the page is retried",
            tier="apply",
            seed=4,
            shift=2,
        ),
        Exercise(
            "Put writeout's steps in an order that breaks nothing. The engine migrates a dirty "
            "page of a file without migratepage, shared by two processes, running your "
            "writeout in place of the kernel's (k.replace); during the first writeout the "
            "second process writes to the page once, after one of its steps (each step in "
            "turn: four runs), and the kernel's invariants are checked after every step.",
            solve=lambda p: list(KERNEL_ORDER),
            judge=_order_judge,
            steps=list(STEP_LABELS),
            hint="a migration entry may only point at a locked page, and writepage unlocks "
            "it; lock_page on a page you hold yourself sleeps for ever",
            explain="clear_page_dirty_for_io, remove_migration_ptes, writepage, lock_page is the "
            "seed patch's order. What matters: the ptes are restored before writepage, and the "
            "lock is taken again only after it. (Restoring first and clearing the bit later "
            "breaks nothing here either: a write through a restored pte also dirties the pte, "
            "and the next try_to_unmap hands that bit back to the page.)",
            kind="order",
            tier="think",
            key="5.5",
            seed=5,
        ),
        Exercise(
            lambda p: (
                "Build a machine in which a dirty page of a file (one process maps it) is "
                f"moved by migrate_pages in pass {p.target} exactly (passes count from 0)."
            ),
            solve=_design_answer,
            params=lambda rng: {"target": rng.choice([0, 1, 2, 3])},
            judge=_design_judge,
            controls=DESIGN_CONTROLS,
            hint="which filesystems never write a dirty page out to migrate it? For the "
            "others, the I/O's length decides which pass first finds the page clean, and a "
            "forced pass waits for it",
            explain="Pass 0 needs a migratepage method (the dirty bit moves with the page, "
            "as for shmem or ext3); otherwise pass 0 writes the page out and the I/O's length "
            "picks pass 1, 2 or (waiting) 3. activate, error and no method never move it.",
            kind="design",
            tier="think",
            capstone=True,
            key="5.6",
            seed=6,
        ),
    ]
