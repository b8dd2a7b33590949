"""Chapter 4's exercises: nonlinear mappings.

4.1 explain (check): why the patch gives nonlinear VMAs no migration entries.
4.2 predict (apply): a pte after migrating a page mapped linearly and nonlinearly.
4.3 compute (apply): how many ptes the cluster sweeps clear.
4.4 compute (think): how many passes a page that stays hot keeps migrate_pages busy.
4.5 predict (apply): the old page's reference count at a point of a nonlinear migration.
4.6 design (think, capstone): nothing pins a clean page, yet migrate_pages returns 1.
"""

from __future__ import annotations

from pagemig import PAGE_SIZE, Kernel
from pagemig.scenarios import build_scenario

from ..quiz import Exercise
from ._run import run_access, step_fairly
from .predict import trace_exercise

PTE_KINDS = ["none", "present", "file", "migration"]

# -- 4.1 --------------------------------------------------------------------------
WHY_NO_ENTRIES = {
    "the restore walk finds a pte by computing its address from the page's index, and "
    "in a nonlinear VMA the address does not follow from the index": None,
    "a nonlinear VMA maps anonymous memory, which has no page cache to migrate": (
        "a nonlinear VMA is a shared file mapping: remap_file_pages works only there"
    ),
    "a migration entry has no room for the file offset a nonlinear pte needs": (
        "a migration entry holds a pfn, like any other; the trouble is finding the pte "
        "again, not storing it"
    ),
    "pages of a nonlinear VMA cannot be migrated at all": (
        "they migrate (the chapter's first migration returned 0); their ptes are cleared "
        "and the process refaults"
    ),
}


def _why_answer(p) -> str:
    from pagemig.rmap import page_address_in_vma

    sc = build_scenario("file nonlinear", seed=p.seed)
    if page_address_in_vma(sc.page, sc.vmas[0]) != -14:
        raise AssertionError("page_address_in_vma found a nonlinear pte: rewrite 4.1")
    return next(iter(WHY_NO_ENTRIES))


# -- 4.2 --------------------------------------------------------------------------
def _mixed_params(rng):
    shift = rng.randint(1, 5)
    lin_reads = sorted(rng.sample(range(6), rng.randint(1, 5)))
    nl_reads = sorted(rng.sample(range(6), rng.randint(0, 4)))
    in_cache = sorted(set(lin_reads) | {(i + shift) % 6 for i in nl_reads})
    return {
        "shift": shift,
        "lin_reads": lin_reads,
        "nl_reads": nl_reads,
        "target": rng.choice(in_cache),  # a page somebody read, so it is in the page cache
        "ask_nl": rng.random() < 0.5,
        "ask": rng.randrange(6),
    }


def mixed_machine(p):
    """pid 1 maps a 6-page file linearly, pid 2 nonlinearly (virtual page i shows file
    page (i + shift) mod 6); each reads some of its pages; then file page ``target``
    migrates (if it is in the page cache)."""
    k = Kernel(nodes=2, seed=p.seed)
    f = k.create_file("data.bin", 6)
    lin, nl = k.spawn(), k.spawn()
    vl = lin.mmap(6, file=f, shared=True)
    vn = nl.mmap(6, file=f, shared=True)
    for pos in range(6):
        nl.remap_file_pages(vn.start + pos * PAGE_SIZE, 1, (pos + p.shift) % 6)
    for i in p.lin_reads:
        lin.read(vl.start + i * PAGE_SIZE, 1)
    for i in p.nl_reads:
        nl.read(vn.start + i * PAGE_SIZE, 1)
    page = f.mapping.find_get_page(p.target)
    rc = k.migrate_pages([page], 1) if page is not None else None
    return k, (lin, vl), (nl, vn), rc


def _mixed_kind(p) -> str:
    _, (lin, vl), (nl, vn), _ = mixed_machine(p)
    proc, v = (nl, vn) if p.ask_nl else (lin, vl)
    return proc.pte(v.start + p.ask * PAGE_SIZE).kind


def _mixed_why(p, answer) -> str:
    k, _, (nl, vn), rc = mixed_machine(p)
    swept = bool(k.trace.find(func="try_to_unmap_cluster"))
    if rc is None:
        return f"no process read file page {p.target}: nothing migrated, the ptes are as read."
    if not p.ask_nl:
        if answer == "present":
            return (
                "pid 1's linear ptes are either untouched neighbours or, for the migrated page, "
                "a migration entry restored to the new page: present."
            )
        return "pid 1 never read that page: no pte (none)."
    shown = (p.ask + p.shift) % 6
    if answer == "file" and swept:
        return (
            "the page was still mapped by pid 2 after the linear walk, so try_to_unmap_cluster "
            "swept pid 2's VMA and cleared every present pte in it, neighbours included, "
            "leaving file ptes."
        )
    if answer == "file":
        return (
            f"pid 2 never read virtual page {p.ask} (file page {shown}): the file pte "
            "remap_file_pages left is still there."
        )
    return (
        "the linear walk unmapped every pte of the page (pid 2 did not map it), so no "
        "cluster sweep ran: pid 2's pte is still present."
    )


def _mixed_question(p) -> str:
    who = "pid 2's" if p.ask_nl else "pid 1's"
    nl_reads = ", ".join(map(str, p.nl_reads)) or "none of them"
    return (
        "A 6-page file. pid 1 maps it linearly; pid 2 maps it too, then uses "
        f"remap_file_pages so that its virtual page i shows file page (i + {p.shift}) mod 6. "
        f"pid 1 reads its virtual pages {', '.join(map(str, p.lin_reads))}; pid 2 reads its "
        f"virtual pages {nl_reads}. The patched kernel then migrates file page {p.target}. "
        "What kind is "
        f"{who} pte at its virtual page {p.ask} afterwards?"
    )


# -- 4.3 --------------------------------------------------------------------------
def _sweep_params(rng):
    return {
        "pages": rng.randint(4, 10),
        "b_linear": rng.random() < 0.5,
        "frac_a": rng.randint(1, 4),
        "frac_b": rng.randint(0, 4),
        "k": rng.randint(0, 10_000),
    }


def _sweep_reads(p):
    import random

    r = random.Random(p.k)
    a = sorted(r.sample(range(p.pages), min(p.pages, p.frac_a + 1)))
    b = sorted(r.sample(range(p.pages), min(p.pages, p.frac_b)))
    return a, b


def cleared_by_sweeps(p) -> int:
    """Process A maps a file nonlinearly (rotated by one page), process B the same way
    or linearly (``b_linear``); each reads some pages; file page 1 migrates. The ptes
    the sweeps cleared, counted from the page tables (present before, not after)."""
    a_reads, b_reads = _sweep_reads(p)
    k = Kernel(nodes=2, seed=p.seed)
    f = k.create_file("data.bin", p.pages)
    procs = []
    for n, reads in enumerate((a_reads, b_reads)):
        proc = k.spawn()
        v = proc.mmap(p.pages, file=f, shared=True)
        if n == 0 or not p.b_linear:
            for pos in range(p.pages):
                proc.remap_file_pages(v.start + pos * PAGE_SIZE, 1, (pos + 1) % p.pages)
        for pos in reads:
            proc.read(v.start + pos * PAGE_SIZE, 1)
        procs.append((proc, v))
    # file page 1 sits at virtual page 0: make sure process A mapped it
    a, va = procs[0]
    a.read(va.start, 1)
    before = sum(proc.pte(x).kind == "present" for proc, v in procs for x in v.addresses())
    rc = k.migrate_pages([f.mapping.find_get_page(1)], 1)
    if rc != 0:
        raise AssertionError(f"migration failed ({rc}): rewrite 4.3")
    after = sum(proc.pte(x).kind == "present" for proc, v in procs for x in v.addresses())
    return before - after


def _sweep_question(p) -> str:
    a, b = _sweep_reads(p)
    a = sorted(set(a) | {0})
    b_text = ", ".join(map(str, b)) if b else "none"
    how = (
        "Process A rotates it by one page with remap_file_pages (its virtual page i shows "
        "file page i+1, the last shows page 0); process B leaves its mapping linear. "
        if p.b_linear
        else "Both rotate it by one page with remap_file_pages (virtual page i shows file "
        "page i+1, the last shows page 0). "
    )
    return (
        f"A {p.pages}-page file, mapped whole and shared by two processes. {how}"
        f"Process A has read its virtual pages {', '.join(map(str, a))}; process B its "
        f"virtual pages {b_text}. Nobody touches anything during the migration. The patched "
        "kernel migrates file page 1. How many ptes do the cluster sweeps clear in all?"
    )


# -- 4.4 --------------------------------------------------------------------------
def hot_page(touches: int, seed: int = 0):
    """A nonlinear page whose process touches it after each of the first ``touches``
    cluster sweeps: (migrate_pages' result, passes run)."""
    sc = build_scenario("file nonlinear", seed=seed)
    k, p, a = sc.kernel, sc.processes[0], sc.addrs[0]
    task = sc.start_migration()
    sweeps = 0
    while not task.done:
        ev = k.step(task)
        if ev is not None and ev.func == "try_to_unmap_cluster":
            sweeps += 1
            if sweeps <= touches:
                run_access(k, p, a)
    passes = len({e.data["pass"] for e in k.trace if "pass" in e.data})
    return task.result, passes


# -- 4.5 --------------------------------------------------------------------------
def _nonlinear_machines(rng) -> dict:
    return {"mapping": "file nonlinear", "sharers": rng.randint(1, 3), "pages": rng.randint(3, 6)}


# -- 4.6 --------------------------------------------------------------------------
FAIL_CONTROLS = {
    "mapping": ["file linear", "file nonlinear", "anonymous"],
    "sharers": [1, 2, 3],
    "pins": [0, 1, 2],
    "dirty": [False, True],
    "touch": ["never", "after every unmap attempt"],
}


def run_design(settings, seed: int = 0):
    """Build the machine and migrate its page; the process touches its page after every
    try_to_unmap_one / try_to_unmap_cluster event if asked. (rc, the scenario)."""
    sc = build_scenario(
        settings["mapping"],
        sharers=settings["sharers"],
        pins=settings["pins"],
        dirty=settings["dirty"],
        seed=seed,
    )
    k = sc.kernel
    task = sc.start_migration()
    touch = settings["touch"] != "never"
    for _ in range(50_000):
        if task.done:
            break
        ev = step_fairly(k, task)
        if ev is None:
            continue
        if touch and ev.func in ("try_to_unmap_cluster", "try_to_unmap_one"):
            run_access(k, sc.processes[0], sc.addrs[0])
    k.run()
    return task.result, sc


def _fail_judge(settings, p):
    rc, sc = run_design(settings, p.seed)
    problems = []
    if settings["pins"]:
        problems.append("something pins the page")
    if settings["dirty"]:
        problems.append("the page is dirty")
    if rc != 1:
        problems.append(f"migrate_pages returned {rc}")
    if problems:
        return False, "Not yet: " + "; ".join(problems) + "."
    return True, "migrate_pages returned 1 with no pin on a clean page."


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "The patch gives file pages migration entries, but only in linear VMAs; nonlinear "
            "ptes are still cleared. Why?",
            solve=_why_answer,
            choices=list(WHY_NO_ENTRIES),
            hints={k: v for k, v in WHY_NO_ENTRIES.items() if v},
            hint="look at what page_address_in_vma answered for the nonlinear VMA",
            explain="remove_migration_pte computes the address with vma_address(page, vma); "
            "in a nonlinear VMA that gives -EFAULT, so an entry could never be found again.",
            kind="explain",
            tier="check",
            key="4.1",
            seed=1,
        ),
        Exercise(
            _mixed_question,
            solve=_mixed_kind,
            params=_mixed_params,
            choices=PTE_KINDS,
            hint="pid 1's pte for the page becomes an entry and comes back present; the "
            "cluster sweep clears pid 2's present ptes to file ptes, only if the page is still "
            "mapped after the linear walk; remap_file_pages leaves file ptes",
            explain=_mixed_why,
            kind="predict",
            tier="apply",
            key="4.2",
            seed=2,
        ),
        Exercise(
            _sweep_question,
            solve=cleared_by_sweeps,
            params=_sweep_params,
            hint="a sweep clears every present pte in its 32-page cluster whose pte is old, "
            "whichever file page it maps, in every nonlinear VMA of the file",
            hints={
                1: "only the target? try_to_unmap_cluster does not look at which page a pte maps"
            },
            explain=lambda p, answer: (
                f"{answer}: every present pte of the nonlinear VMA(s)"
                + (
                    "; B's linear ptes are not swept (its pte to page 1 became an entry and "
                    "came back)"
                    if p.b_linear
                    else ""
                )
                + "."
            ),
            kind="compute",
            tier="apply",
            key="4.3",
            seed=3,
        ),
        Exercise(
            lambda p: (
                "A process maps a 4-page file nonlinearly and has read every page. While "
                "migrate_pages works on its page, the process touches that page right after "
                f"each of the first {p.touches} cluster sweep(s), and then leaves it alone. "
                "How many passes does migrate_pages run?"
            ),
            solve=lambda p: hot_page(p.touches, p.seed)[1],
            params=lambda rng: {"touches": rng.randint(0, 9)},
            hint="a young pte is made old and skipped; the page moves in the pass after a "
            "sweep that found every pte old; passes 0-2 are polite, and there are at most 10",
            hints=lambda answer, expected, p: (
                "one pass per touch is not enough: how many sweeps does an untouched page need?"
                if answer == p.touches
                else None
            ),
            explain="found by running the engine: {answer} pass(es).",
            kind="compute",
            tier="think",
            key="4.4",
            seed=4,
        ),
        trace_exercise(
            "4.5",
            machines=_nonlinear_machines,
            ask="count",
            hint="one reference for the page cache, one per present pte, one taken by "
            "isolate_lru_page; a pte the cluster sweep clears gives its reference back, "
            "and a migration entry holds none",
            tier="apply",
            seed=5,
        ),
        Exercise(
            "Build a machine in which nothing pins the page and the page is clean, yet "
            "migrate_pages returns 1 (the page did not move).",
            solve=lambda p: {
                "mapping": "file nonlinear",
                "sharers": 1,
                "pins": 0,
                "dirty": False,
                "touch": "after every unmap attempt",
            },
            judge=_fail_judge,
            controls=FAIL_CONTROLS,
            hint="which unmap walk looks at the young bit even when it migrates, and what "
            "does a touch do to that bit?",
            explain="try_to_unmap_cluster skips young ptes even for migration: a process that "
            "keeps touching its nonlinear page makes every pass fail, and after ten passes "
            "migrate_pages gives up. (A linear pte is replaced whatever its young bit, but a "
            "process that faults on the migration entry holds a reference while it sleeps in "
            "migration_entry_wait, so migrate_page_move_mapping's count check fails too: "
            "touching a linear or anonymous page after every unmap also works.)",
            kind="design",
            tier="think",
            capstone=True,
            key="4.6",
            seed=6,
        ),
    ]
