"""Chapter 1's exercises: pages, ptes and reverse maps.

1.1 explain (check): why a file page's count is larger than its mapcount.
1.2 compute (apply): a page's count from the windows that map it and the pins.
1.3 predict (apply): the kind of a pte after a few mmap/read/remap_file_pages calls.
1.4 compute (think): what page_address_in_vma answers, -EFAULT included.
1.5 design (think, capstone): build a page with a given mapcount and count.
"""

from __future__ import annotations

from pagemig import PAGE_SIZE, Kernel
from pagemig.rmap import page_address_in_vma
from pagemig.scenarios import build_scenario

from ..quiz import Exercise

PTE_KINDS = ["none", "present", "file", "migration"]


# -- 1.1 --------------------------------------------------------------------------
COUNT_VS_MAPCOUNT = {
    "the page cache holds a reference of its own": None,
    "count also counts the migration entries": (
        "a migration entry holds no reference: only present ptes and holders such as the "
        "page cache do; and this page was never migrated"
    ),
    "each VMA holds a reference, and the ptes are counted twice": (
        "VMAs do not hold page references; one pte, one reference"
    ),
    "mapcount lags behind count until the next page fault": (
        "both counters change in the same fault (page_add_file_rmap and get_page); neither lags"
    ),
}


def _count_minus_mapcount(p) -> str:
    sc = build_scenario("file linear", sharers=3, seed=p.seed)
    page = sc.page
    if page.count - page.mapcount == 1 and "cache" in page.refs:
        return "the page cache holds a reference of its own"
    raise AssertionError(f"unexpected references for a file page: {page.refs}")


# -- 1.2 --------------------------------------------------------------------------
def _windows_params(rng):
    n = rng.randint(2, 4)
    offsets = sorted(rng.sample(range(0, 9), n))
    target = rng.choice(offsets) + rng.randint(0, 3)  # inside at least one window
    return {"offsets": offsets, "target": target, "pins": rng.randint(0, 2)}


def windows_machine(offsets, pins, seed):
    """Processes map 4-page windows of a 12-page file at ``offsets`` and read all of it."""
    k = Kernel(nodes=2, seed=seed)
    f = k.create_file("data.bin", 12)
    for off in offsets:
        p = k.spawn()
        v = p.mmap(4, file=f, offset=off * PAGE_SIZE, shared=True)
        for a in v.addresses():
            p.read(a, 1)
    return k, f


def _count_of_target(p) -> int:
    k, f = windows_machine(p.offsets, 0, p.seed)
    page = f.mapping.find_get_page(p.target)
    for _ in range(p.pins):
        k.pin(page)
    return page.count


# -- 1.3 --------------------------------------------------------------------------
def _pte_params(rng):
    reads = sorted(rng.sample(range(6), rng.randint(1, 4)))
    remap_at = rng.randrange(6)
    return {
        "reads": reads,
        "remap_at": remap_at,
        "remap_to": rng.choice([i for i in range(6, 10)]),
        "read_after": rng.random() < 0.35,
        "ask": remap_at if rng.random() < 0.4 else rng.randrange(6),
    }


def _pte_kind(p) -> str:
    k = Kernel(nodes=2, seed=p.seed)
    f = k.create_file("data.bin", 10)
    a = k.spawn()
    v = a.mmap(6, file=f, shared=True)
    for i in p.reads:
        a.read(v.start + i * PAGE_SIZE, 1)
    a.remap_file_pages(v.start + p.remap_at * PAGE_SIZE, 1, p.remap_to)
    if p.read_after:
        a.read(v.start + p.remap_at * PAGE_SIZE, 1)
    return a.pte(v.start + p.ask * PAGE_SIZE).kind


def _pte_why(p, answer) -> str:
    if p.ask == p.remap_at and p.read_after:
        return (
            f"remap_file_pages left a file pte, and the read faulted file page {p.remap_to} in: "
            "present."
        )
    if p.ask == p.remap_at:
        return (
            f"remap_file_pages replaced that pte with a file pte ('file page {p.remap_to} goes "
            "here'); nothing has touched it since."
        )
    if p.ask in p.reads:
        return "the read faulted the page in: a present pte; remap_file_pages changed another one."
    return "nothing touched that virtual page: no pte at all (none)."


def _pte_question(p) -> str:
    pos = ", ".join(str(i) for i in p.reads)
    after = " and then reads that virtual page once more" if p.read_after else ""
    return (
        "Process A maps 6 pages of a 10-page file (shared, from file page 0) at vm_start. "
        f"It reads its virtual pages {pos}. Then it calls remap_file_pages to show file page "
        f"{p.remap_to} at its virtual page {p.remap_at}{after}. "
        f"What kind is A's pte at its virtual page {p.ask} now?"
    )


# -- 1.4 --------------------------------------------------------------------------
def _where_params(rng):
    pgoff = rng.randint(1, 8)
    case = rng.choice(["inside", "inside", "inside", "before", "after", "nonlinear"])
    if case == "before":
        index = rng.randint(0, pgoff - 1)
    elif case == "after":
        index = pgoff + 6 + rng.randint(0, 3)
    else:
        index = pgoff + rng.randint(0, 5)
    return {"pgoff": pgoff, "index": index, "nonlinear": case == "nonlinear"}


def _where(p):
    k = Kernel(nodes=2, seed=p.seed)
    f = k.create_file("data.bin", 20)
    b = k.spawn()
    v = b.mmap(6, file=f, offset=p.pgoff * PAGE_SIZE, shared=True)
    if p.nonlinear:
        b.remap_file_pages(v.start + 5 * PAGE_SIZE, 1, 19)
    probe = k.spawn()  # reads the page through a window that surely holds it
    pv = probe.mmap(20, file=f, shared=True)
    probe.read(pv.start + p.index * PAGE_SIZE, 1)
    addr = page_address_in_vma(f.mapping.find_get_page(p.index), v)
    return "-EFAULT" if addr == -14 else addr


def _where_question(p) -> str:
    nl = (
        " B has since called remap_file_pages on its last page (to show file page 19 there)."
        if p.nonlinear
        else ""
    )
    return (
        f"Process B's VMA starts at 0x10000000, is 6 pages long and maps a file from page "
        f"{p.pgoff} on (vm_pgoff = {p.pgoff}).{nl} What does page_address_in_vma(file page "
        f"{p.index}, B's vma) return? (an address such as 0x10003000, or -EFAULT)"
    )


def _where_hints(answer, expected, p):
    if answer == -14 and expected == "-EFAULT":
        return "-14 is -EFAULT: right; write it as -EFAULT"
    if expected == "-EFAULT" and p.nonlinear:
        return "look at the VMA, not the arithmetic: what did remap_file_pages make of it?"
    if expected == "-EFAULT":
        return f"is file page {p.index} inside the window the VMA shows?"
    if answer == "-efault":
        return "the page lies inside the window and the VMA is linear"
    return None


def _where_explain(p, answer) -> str:
    if answer != "-EFAULT":
        return (
            f"vm_start + (index - vm_pgoff) * PAGE_SIZE = 0x10000000 + ({p.index} - {p.pgoff})"
            f" * 0x1000 = {answer:#x}."
        )
    if p.nonlinear:
        return "A nonlinear VMA has no arithmetic from index to address: -EFAULT."
    return f"File page {p.index} lies outside pages {p.pgoff}..{p.pgoff + 5}: -EFAULT."


# -- 1.5 --------------------------------------------------------------------------
DESIGN_CONTROLS = {
    "mapping": ["anonymous", "file linear", "file nonlinear"],
    "sharers": [1, 2, 3, 4, 5, 6],
    "pins": [0, 1, 2, 3],
}


def _counts_params(rng):
    mapcount = rng.randint(1, 5)
    extra = rng.randint(0, 4)  # count - mapcount: 0 needs anonymous, 4 needs a file page
    return {"mapcount": mapcount, "count": mapcount + extra}


def _build_counts(settings, seed):
    sc = build_scenario(
        settings["mapping"], sharers=settings["sharers"], pins=settings["pins"], seed=seed
    )
    return sc.page.mapcount, sc.page.count


def _counts_judge(settings, p):
    mapcount, count = _build_counts(settings, p.seed)
    ok = (mapcount, count) == (p.mapcount, p.count)
    return ok, f"Your machine's page: mapcount {mapcount}, count {count}."


def _counts_solve(p) -> dict:
    extra = p.count - p.mapcount
    if extra == 0:
        return {"mapping": "anonymous", "sharers": p.mapcount, "pins": 0}
    return {"mapping": "file linear", "sharers": p.mapcount, "pins": extra - 1}


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "Three processes share a file page (each has read it). Its count is larger than "
            "its mapcount. Why?",
            solve=_count_minus_mapcount,
            choices=list(COUNT_VS_MAPCOUNT),
            hints={k: v for k, v in COUNT_VS_MAPCOUNT.items() if v},
            hint="look at page.refs in the chapter: who holds each reference?",
            explain="count = one per present pte + one for the page cache (+ pins); "
            "mapcount counts only the present ptes.",
            kind="explain",
            tier="check",
            key="1.1",
            seed=1,
        ),
        Exercise(
            lambda p: (
                f"A 12-page file. {len(p.offsets)} processes each map 4 pages of it, starting "
                f"at file pages {', '.join(map(str, p.offsets))}, and read every page they "
                f"map. Then the kernel pins file page {p.target} {p.pins} time(s) "
                f"(get_page). What is file page {p.target}'s count?"
            ),
            solve=_count_of_target,
            params=_windows_params,
            hint="one reference per present pte that maps it, one for the page cache, one per "
            "pin; a window starting at s covers s..s+3",
            hints=lambda answer, expected, p: (
                "you left out the page cache's own reference" if answer == expected - 1 else None
            ),
            explain="the windows covering page {target}, plus the page cache, plus {pins} "
            "pin(s): {answer}.",
            kind="compute",
            tier="apply",
            key="1.2",
            seed=2,
        ),
        Exercise(
            _pte_question,
            solve=_pte_kind,
            params=_pte_params,
            choices=PTE_KINDS,
            hint="a pte nobody touched is none; a read faults in a present pte; "
            "remap_file_pages leaves a file pte until the next access",
            hints={
                "migration": "nothing is being migrated here",
            },
            explain=_pte_why,
            kind="predict",
            tier="apply",
            key="1.3",
            seed=3,
        ),
        Exercise(
            _where_question,
            solve=_where,
            params=_where_params,
            hint="vm_start + (index - vm_pgoff) * PAGE_SIZE, if the page is inside the window "
            "and the VMA is linear; PAGE_SIZE is 0x1000",
            hints=_where_hints,
            explain=_where_explain,
            kind="compute",
            tier="think",
            key="1.4",
            seed=4,
        ),
        Exercise(
            lambda p: (
                "Build a machine whose page under study has mapcount "
                f"{p.mapcount} and count {p.count}. Choose the kind of mapping, how many "
                "processes map the page (each touches it) and how many extra references "
                "(pins) the kernel holds."
            ),
            solve=_counts_solve,
            params=_counts_params,
            judge=_counts_judge,
            controls=DESIGN_CONTROLS,
            hint="mapcount counts present ptes; count adds the page cache's reference (file "
            "pages only) and the pins",
            explain="an anonymous page has no page-cache reference: count = mapcount + pins; a "
            "file page's count = mapcount + 1 + pins.",
            kind="design",
            tier="think",
            capstone=True,
            key="1.5",
            seed=5,
        ),
    ]
