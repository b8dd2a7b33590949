"""Chapter 6's exercises: nodes, move_pages and success rates.

6.1 predict (check): the move_pages status of one address of a small process.
6.2 explain (check): why an address in the hole below a VMA gets -ENOENT in 2.6.18.
6.3 compute (apply): the faults sharers take after a migration, patched or not.
6.4 compute (think): migrate_pages' return with pinned pages and few free frames.
6.5 explain (think): why a sweep point has a 95% band and another has none.
6.6 design (think, capstone): a move_pages call that reports -EBUSY for a page.
"""

from __future__ import annotations

from pagemig import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, PAGE_SIZE, Kernel
from pagemig.move_pages import status_name

from ..quiz import Exercise, shuffled_choices

STATUSES = ["node 1", "-EACCES", "-ENOENT", "-EFAULT", "-EBUSY"]
PLACES = {
    "private": "the page it wrote after fork (its own)",
    "shared": "the page it shares with its child",
    "untouched": "a page of its VMA it never touched",
    "read": "a page of its VMA it only ever read",
    "above": "an address one page above its only VMA",
    "hole": "the address 0x1000, far below its only VMA",
}


# -- 6.1 ------------------------------------------------------------------------------
def small_process(seed: int):
    """A parent with one 4-page anonymous VMA: page 0 written after fork (its own),
    page 1 shared with its child, page 2 untouched, page 3 only read."""
    k = Kernel(nodes=2, seed=seed)
    parent = k.spawn()
    v = parent.mmap(4)
    parent.write(v.start + PAGE_SIZE, b"shared")
    parent.fork().read(v.start + PAGE_SIZE, 1)
    parent.write(v.start, b"private")
    parent.read(v.start + 3 * PAGE_SIZE, 1)
    where = {
        "private": v.start,
        "shared": v.start + PAGE_SIZE,
        "untouched": v.start + 2 * PAGE_SIZE,
        "read": v.start + 3 * PAGE_SIZE,
        "above": v.end + PAGE_SIZE,
        "hole": 0x1000,
    }
    return k, parent, where


def status_of(p) -> str:
    k, parent, where = small_process(p.seed)
    # the private page goes along, so that something is isolated (else 2.6.18's
    # move_pages fails the whole call with ENOENT and writes no status)
    addrs = [where[p.place]] if p.place == "private" else [where["private"], where[p.place]]
    status = k.move_pages(parent.pid, addrs, [1] * len(addrs), MPOL_MF_MOVE)
    return status.names()[-1]


STATUS_HINTS = {
    "-EFAULT": "-EFAULT only where find_vma() finds no VMA at or above the address",
    "-ENOENT": "-ENOENT where follow_page() finds no page (nothing there, or the zero page)",
    "-EACCES": "-EACCES only for a page more than one process maps, without MPOL_MF_MOVE_ALL",
}


# -- 6.2 ------------------------------------------------------------------------------
WHY_ENOENT = {
    "find_vma() returns the first VMA that ends above the address, and 2.6.18 never checks "
    "that it starts below it, so follow_page() looks and finds no page": None,
    "0x1000 is the zero page, which move_pages reports as -ENOENT": (
        "the zero page is what a read of untouched anonymous memory maps; 0x1000 is in no VMA "
        "at all"
    ),
    "the first page of memory is reserved for the kernel, and reserved pages are -ENOENT": (
        "nothing at 0x1000 is reserved in the engine or in a process; the question is how "
        "move_pages looks the address up"
    ),
    "move_pages rounds the address up to the next VMA and finds that VMA's page missing": (
        "nothing is rounded: find_vma() hands back a VMA that does not contain the address, "
        "and follow_page() is asked about 0x1000 itself"
    ),
}


def _why_enoent(p) -> str:
    k, parent, where = small_process(p.seed)
    status = k.move_pages(parent.pid, [where["private"], where["hole"], where["above"]], [1] * 3)
    if status.names()[1:] != ["-ENOENT", "-EFAULT"]:
        raise AssertionError(f"the hole and the address above: {status.names()}: rewrite 6.2")
    return next(iter(WHY_ENOENT))


# -- 6.3 ------------------------------------------------------------------------------
def _sharers_params(rng):
    return {
        "sharers": rng.randint(2, 4),
        "pages": rng.randint(3, 6),
        "variant": rng.choice(["patched", "before-patch"]),
        "mapping": rng.choice(["file linear", "file linear", "anonymous"]),
    }


def faults_after(p) -> int:
    """pagemig.experiments' sharers trial: the faults the sharers take when each reads
    every page once more after the migration."""
    from pagemig.experiments import trial_metrics

    m = trial_metrics("sharers", p.sharers, p.variant, p.mapping, p.pages, p.seed)
    if m["migrated"] != p.pages:
        raise AssertionError("the sharers' pages did not all move: rewrite 6.3")
    return m["faults"]


def _sharers_question(p) -> str:
    what = (
        f"share a {p.pages}-page file (a shared mapping each)"
        if p.mapping == "file linear"
        else f"share {p.pages} anonymous pages (the parent wrote them, then forked)"
    )
    return (
        f"{p.sharers} processes {what} and have read every page. The {p.variant} kernel "
        "migrates all the pages to node 1; then every process reads every page once more. "
        "How many page faults does that second round of reads take, in all?"
    )


# -- 6.4 ------------------------------------------------------------------------------
def _frames_params(rng):
    n = rng.randint(3, 6)
    pinned = sorted(rng.sample(range(n), rng.randint(1, n // 2)))
    unpinned = n - len(pinned)
    return {"n": n, "pinned": pinned, "free": unpinned + rng.choice([-1, 0, 1])}


def with_free_frames(p) -> int:
    k = Kernel(nodes=2, frames_per_node=32, seed=p.seed)
    proc = k.spawn()
    v = proc.mmap(p.n)
    for a in v.addresses():
        proc.write(a, b"x")
    pages = [proc.page_at(a) for a in v.addresses()]
    for i in p.pinned:
        k.pin(pages[i])
    k.fill_node(1, leave_free=p.free)
    return k.migrate_pages(pages, 1)


def _frames_why(p, answer) -> str:
    unpinned = p.n - len(p.pinned)
    if answer == -12 and p.free < unpinned:
        return (
            f"{unpinned} pages can move but only {p.free} frames are free: the allocation "
            "for the next page fails, and migrate_pages stops at once with -ENOMEM."
        )
    if answer == -12:
        return (
            f"the {unpinned} unpinned pages take all {p.free} free frames in pass 0; in pass 1 "
            "a pinned page needs a new frame again (unmap_and_move allocates before it tries) "
            "and there is none: -ENOMEM, although nothing more could have moved."
        )
    return (
        f"every unpinned page moves, and a frame is left for each retry of the pinned ones; "
        f"the {len(p.pinned)} pinned page(s) fail all ten passes: {answer}."
    )


# -- 6.5 ------------------------------------------------------------------------------
WHY_BAND = {
    "at 0.5 each page is pinned at random, so trials differ and the rate is an estimate; "
    "at 1.0 every page is pinned in every trial, so the rate is exact": None,
    "at 1.0 no page migrates, and a Wilson interval around 0 successes is empty": (
        "Wilson's interval for 0 successes out of n is not empty (it reaches up to about "
        "3.8/n); the band is dropped because nothing varied, not because of the formula"
    ),
    "the band shrinks as more pages fail, and at 1.0 it is too thin to draw": (
        "the band is not drawn thin, it is not drawn at all: the frame's varies column is "
        "False there, and ci_low equals ci_high equals the rate"
    ),
    "there were too few trials at 1.0 to compute a band": (
        "every point has the same number of trials; more trials at 1.0 would give the same "
        "outcome every time"
    ),
}


def _why_band(p) -> str:
    from pagemig.experiments import sweep

    frame = sweep("pinned_fraction", [0.5, 1.0], trials=6, pages=8, seed=p.seed)
    if list(frame["varies"]) != [True, False]:
        raise AssertionError(f"varies: {list(frame['varies'])}: rewrite 6.5")
    return next(iter(WHY_BAND))


# -- 6.6 ------------------------------------------------------------------------------
BUSY_CONTROLS = {
    "page": ["private", "shared with a child"],
    "flags": ["MPOL_MF_MOVE", "MPOL_MF_MOVE_ALL"],
    "meanwhile": [
        "nothing",
        "the page is pinned (get_user_pages)",
        "its page lock is held by someone else",
        "another migration has isolated it",
    ],
}


def run_busy(settings, seed: int = 0):
    """A process with a private page 0 and the page under test at page 1; apply the
    "meanwhile"; move_pages both pages to node 1. The statuses, as names."""
    k = Kernel(nodes=2, seed=seed)
    proc = k.spawn()
    v = proc.mmap(2)
    proc.write(v.start + PAGE_SIZE, b"test")
    if settings["page"] != "private":
        proc.fork().read(v.start + PAGE_SIZE, 1)
    proc.write(v.start, b"own")
    page = proc.page_at(v.start + PAGE_SIZE)
    what = settings["meanwhile"]
    if what.startswith("the page is pinned"):
        k.pin(page)
    elif what.startswith("its page lock"):
        k.start_lock_holder(page)
    elif what.startswith("another migration"):
        other = k.start_migrate_pages([page], 1)
        while not other.done:
            ev = k.step(other)
            if ev is not None and ev.func == "isolate_lru_page":
                break
    flags = MPOL_MF_MOVE_ALL if settings["flags"] == "MPOL_MF_MOVE_ALL" else MPOL_MF_MOVE
    status = k.move_pages(proc.pid, [v.start, v.start + PAGE_SIZE], [1, 1], flags)
    k.run()
    return [status_name(s) for s in status]


def _busy_judge(settings, p):
    names = run_busy(settings, p.seed)
    got = names[1]
    if got == "-EBUSY":
        return True, f"statuses {names}: the page was not on an LRU list, so isolation failed."
    return False, f"move_pages gave the page {got} (statuses {names}), not -EBUSY."


def exercises() -> list[Exercise]:
    return [
        Exercise(
            lambda p: (
                "A parent has one 4-page anonymous VMA: it wrote page 1 and forked a child "
                "that read it, then wrote page 0 (its own now), never touched page 2, and "
                "only read page 3. On a 2-node 2.6.18 machine it calls move_pages(MPOL_MF_MOVE) "
                f"with target node 1 for {PLACES[p.place]}"
                + (" (and for page 0, so that something moves)" if p.place != "private" else "")
                + ". What status does that address get?"
            ),
            solve=status_of,
            params=lambda rng: {"place": rng.choice(sorted(PLACES))},
            choices=STATUSES,
            hint="a node number for what moved; -EACCES shared without MOVE_ALL; -ENOENT no "
            "page there (untouched, the zero page, or a hole below a VMA); -EFAULT no VMA at "
            "or above the address",
            hints=STATUS_HINTS,
            explain=lambda p, answer: {
                "private": "the parent's own page is isolated and migrated: node 1.",
                "shared": "mapped by parent and child, and MPOL_MF_MOVE moves only pages "
                "mapped once: -EACCES.",
                "untouched": "follow_page() finds no pte: -ENOENT.",
                "read": "a read of untouched anonymous memory maps the zero page, which "
                "move_pages never moves: -ENOENT.",
                "above": "find_vma() finds no VMA at or above it: -EFAULT.",
                "hole": "find_vma() returns the VMA above, nothing checks vm_start, and "
                "follow_page() finds nothing at 0x1000: -ENOENT in 2.6.18.",
            }[p.place],
            kind="predict",
            tier="check",
            key="6.1",
            seed=1,
        ),
        Exercise(
            "In 2.6.18, move_pages gives an address one page above a process's only VMA "
            "-EFAULT, but the address 0x1000, far below that VMA, -ENOENT. Why?",
            solve=_why_enoent,
            choices=shuffled_choices(WHY_ENOENT),
            hints={k: v for k, v in WHY_ENOENT.items() if v},
            hint="what does find_vma(mm, 0x1000) return, and what does move_pages check about it?",
            explain="do_move_pages and do_pages_stat call find_vma() and test only for NULL; "
            "modern kernels use vma_lookup(), which checks both ends, and say -EFAULT for both.",
            kind="explain",
            tier="check",
            key="6.2",
            seed=2,
        ),
        Exercise(
            _sharers_question,
            solve=faults_after,
            params=_sharers_params,
            hint="a pte the migration restored is present and costs no fault; a pte it "
            "cleared (file pages before the patch) costs one fault per process per page",
            hints=lambda answer, expected, p: (
                "that counts a fault per page, once: every process has its own ptes"
                if answer == p.pages and expected
                else None
            ),
            explain=lambda p, answer: (
                f"{answer}: before the patch the file ptes were cleared, so each of the "
                f"{p.sharers} processes refaults each of the {p.pages} pages."
                if answer
                else "0: the ptes came back present (migration entries restored), so nobody faults."
            ),
            kind="compute",
            tier="apply",
            key="6.3",
            seed=3,
        ),
        Exercise(
            lambda p: (
                f"A process has {p.n} private pages (0 to {p.n - 1}), all written; the "
                f"page(s) at position(s) {', '.join(map(str, p.pinned))} are pinned (an extra "
                f"reference held throughout). Node 1 has {p.free} free frame(s). What does "
                "migrate_pages(all of them, node 1) return?"
            ),
            solve=with_free_frames,
            params=_frames_params,
            hint="the return is the number of pages not migrated, or -ENOMEM (-12) the "
            "moment get_new_page finds no frame; unmap_and_move allocates the new page "
            "before it tries, in every pass",
            hints=lambda answer, expected, p: (
                "a pinned page asks for a new frame again in every pass: is there one left "
                "after the others moved?"
                if expected == -12 and answer == len(p.pinned)
                else None
            ),
            explain=_frames_why,
            kind="compute",
            tier="think",
            key="6.4",
            seed=4,
        ),
        Exercise(
            "sweep('pinned_fraction', [0.5, 1.0], trials=6, pages=8) reports a 95% band at "
            "0.5 but none at 1.0 (varies is False there). Why?",
            solve=_why_band,
            choices=shuffled_choices(WHY_BAND),
            hints={k: v for k, v in WHY_BAND.items() if v},
            hint="what is random in one trial, and what is the same in every trial?",
            explain="each page is pinned with the fraction as its probability, drawn from "
            "the trial's seed; a band is an estimate's uncertainty, and where every trial "
            "gives the same outcome there is nothing to estimate.",
            kind="explain",
            tier="think",
            key="6.5",
            seed=5,
        ),
        Exercise(
            "Make move_pages report -EBUSY for a page. A process has its own page 0 and the "
            "page under test at page 1; choose the page, the flags and what happens just "
            "before the call, which asks to move both pages to node 1.",
            solve=lambda p: {
                "page": "private",
                "flags": "MPOL_MF_MOVE",
                "meanwhile": "another migration has isolated it",
            },
            judge=_busy_judge,
            controls=BUSY_CONTROLS,
            hint="-EBUSY is isolate_lru_page's answer: when is a page not on an LRU list? "
            "And a shared page without MOVE_ALL never gets that far",
            explain="a page another migration has isolated is off the LRU, so "
            "isolate_lru_page fails: -EBUSY. A pin or a held lock does not stop isolation; "
            "they make the migration itself retry (-EAGAIN) or wait.",
            kind="design",
            tier="think",
            capstone=True,
            key="6.6",
            seed=6,
        ),
    ]
