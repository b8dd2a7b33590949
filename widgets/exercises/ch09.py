"""Chapter 9's exercises: while a page is moving.

9.1 compute (check): how many -EAGAINs a list of locked, pinned and free pages costs (E6).
9.2 explain (check): why a page freed under the migration counts as a success (E8).
9.3 predict (apply): the old page's count at the reference-count gate, buffers or not (E11, E16).
9.4 compute (apply): how many passes run when a pin goes away mid-way (E5, E35).
9.5 explain (check): why the gate looks at the radix slot as well as the count (E17).
9.6 predict (apply): a private copy's pte when another migration's walk passes by (E28).
9.7 explain (apply): why a swap-cache page gets an ordinary swap pte (E19, E24).
9.8 explain (think): why reclaim gives up on an mlocked nonlinear page and migration does not (E22).
9.9 predict (apply): a pte after fork or mprotect over a migration entry (E25, E26).
9.10 compute (think): what migrate_pages(2) returns for shared, mlocked and pinned pages (E30, E36).
9.11 design (think, capstone): a page move_pages moves and migrate_pages(2) leaves (E30, E31, E36).

The machines are built here (and by the chapter's cells) from the engine's public API;
every answer is found by running them.
"""

from __future__ import annotations

from types import SimpleNamespace

from pagemig import PAGE_SIZE, Kernel

from ..quiz import Exercise, shuffled_choices
from ._run import run_access

# -- 9.1 --------------------------------------------------------------------------
STATES = ("free", "locked", "pinned")


def _lock_params(rng):
    n = rng.randint(2, 5)
    return {"states": [rng.choice(STATES) for _ in range(n)]}


def lock_machine(states, seed: int = 0):
    """A file of len(states) pages, each mapped and read by one process; page i is left
    alone ("free"), locked by another task that lets go once somebody sleeps on the lock
    ("locked"), or pinned by an extra reference ("pinned"). Then migrate_pages moves the
    whole list to node 1. Returns (kernel, migrate_pages' result)."""
    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    f = k.create_file("data.bin", len(states))
    p = k.spawn()
    v = p.mmap(len(states), file=f, shared=True)
    pages = []
    for i, state in enumerate(states):
        addr = v.start + i * PAGE_SIZE
        p.read(addr, 1)
        page = p.page_at(addr)
        pages.append(page)
        if state == "locked":
            holder = k.start_lock_holder(page)
            while not page.locked:
                k.step(holder)
        elif state == "pinned":
            k.pin(page)
    task = k.start_migrate_pages(pages, 1)
    k.run()
    return k, task.result


def eagains(states, seed: int = 0) -> int:
    """The -EAGAINs unmap_and_move reports for the list, counted in the trace."""
    k, _ = lock_machine(states, seed)
    return sum(1 for e in k.trace if e.func == "unmap_and_move" and e.data.get("rc") == -11)


def _lock_question(p) -> str:
    listed = ", ".join(f"page {i} {s}" for i, s in enumerate(p.states))
    return (
        "migrate_pages gets a list of file pages, clean and mapped once each: "
        f"{listed}. A 'locked' page is locked by another task that lets go as soon as "
        "somebody sleeps waiting for the lock; a 'pinned' page has an extra reference that "
        "nobody drops. How many times in all does unmap_and_move return -EAGAIN?"
    )


def _lock_explain(p, answer) -> str:
    locked = p.states.count("locked")
    pinned = p.states.count("pinned")
    passes = 10 if pinned else (4 if locked else 1)
    return (
        f"{answer}: a locked page fails the trylock of the three polite passes (3 each, ptes "
        "untouched) and moves in pass 3, where lock_page sleeps and the holder lets go; a "
        "pinned page fails the count gate in every pass, so the loop runs all ten; "
        f"here {locked} locked and {pinned} pinned page(s), {passes} pass(es)."
    )


# -- 9.2 --------------------------------------------------------------------------
FREED = {
    "nothing is left to move: the only reference is the isolation's, so no process and no "
    "cache can reach the page; dropping it at putback is the whole job": None,
    "the new page already holds a copy of the data, so the old one may go": (
        "nothing was copied: unmap_and_move jumps straight to the end, before try_to_unmap "
        "and move_to_new_page, and the new page is freed unused"
    ),
    "the kernel retries the page until it finds its owner again": (
        "there is no owner to find: with a count of 1 nobody else holds the page, and "
        "retrying could not change that"
    ),
    "move_pages reports -ENOENT for it, which the caller treats as success": (
        "the status is the new page's node: the freed-under-us path sets rc 0 and "
        "*result = page_to_nid(newpage)"
    ),
}


def freed_under_us(seed: int = 0):
    """One private page of a process that exits while move_pages has it isolated:
    (move_pages' status list, the kernel)."""
    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"doomed")
    t = k.start_move_pages(p.pid, [v.start], [1])
    while not t.done:
        ev = k.step(t)
        if ev is not None and ev.func == "do_move_pages":
            p.exit()  # its pte goes: the isolation reference is the page's last
            break
    k.run()
    return t.result, k


def _freed_answer(p) -> str:
    status, k = freed_under_us(p.seed)
    freed = any("freed under us" in e.what for e in k.trace)
    if list(status) != [1] or not freed or k.free_frames(1) != 16:
        raise AssertionError("the freed-under-us path changed: rewrite 9.2")
    return next(iter(FREED))


# -- 9.3 --------------------------------------------------------------------------
GATE_NEVER = "never reached"


def _gate_params(rng):
    buffers = rng.random() < 0.7
    return {
        "buffers": buffers,
        "migratepage": rng.random() < 0.5,
        "releasepage": rng.random() < 0.5,
        "pins": rng.randint(0, 2),
        "sharers": rng.randint(1, 3),
    }


def gate_machine(p, seed: int = 0):
    """A clean file page, with or without buffers (PG_private), of a filesystem with
    or without a migratepage method (buffer_migrate_page / migrate_page) and whose
    releasepage succeeds or fails, mapped by ``sharers`` processes and pinned ``pins``
    times, migrated to node 1. Returns the kernel and migrate_pages' result."""
    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    f = k.create_file(
        "data.img",
        2,
        buffers=p.buffers,
        migratepage=p.migratepage,
        releasepage=p.releasepage,
    )
    page = None
    for _ in range(p.sharers):
        proc = k.spawn()
        v = proc.mmap(2, file=f, shared=True)
        proc.read(v.start, 1)
        page = proc.page_at(v.start)
    for _ in range(p.pins):
        k.pin(page)
    return k, k.migrate_pages([page], 1)


def gate_case(*, buffers, migratepage, releasepage, pins=0, sharers=1, seed: int = 0):
    """``gate_machine`` for settings given by name: (kernel, migrate_pages' result)."""
    p = SimpleNamespace(
        buffers=buffers,
        migratepage=migratepage,
        releasepage=releasepage,
        pins=pins,
        sharers=sharers,
    )
    return gate_machine(p, seed)


def _gate_answer(p):
    k, _ = gate_machine(p, p.seed)
    gates = k.trace.find("migrate_page_move_mapping")
    return gates[0].data["count"] if gates else GATE_NEVER


def _gate_question(p) -> str:
    fs = (
        "has a migratepage method (buffer_migrate_page)"
        if p.migratepage
        else "has no migratepage method (fallback_migrate_page), and its releasepage "
        + ("can" if p.releasepage else "cannot")
        + " drop the buffers"
    )
    return (
        f"A clean page of a file, {'with' if p.buffers else 'without'} buffer heads "
        f"(PG_private), is mapped by {p.sharers} process(es) and pinned {p.pins} time(s). "
        f"The filesystem {fs}. The page migrates. What reference count does "
        "migrate_page_move_mapping find on the old page at its first check (or is it "
        f"never reached)? Answer a number or '{GATE_NEVER}'."
    )


def _gate_explain(p, answer) -> str:
    if answer == GATE_NEVER:
        return (
            "fallback_migrate_page calls try_to_release_page first; it fails, so the "
            "attempt ends with -EAGAIN before any gate (E16), in every pass."
        )
    held = ["the isolation", "the page cache"]
    if p.buffers and (p.migratepage or not p.releasepage):
        held.append("the buffers (PG_private)")
    if p.pins:
        held.append(f"{p.pins} pin(s)")
    return (
        f"{answer}: {', '.join(held)}; the ptes have become migration entries and hold "
        "nothing. Released buffers give their reference back before the gate."
    )


# -- 9.4 --------------------------------------------------------------------------
def _pin_params(rng):
    other = "pinned for good" if rng.random() < 0.3 else "free"
    return {"drop_after": rng.randint(0, 6), "other": other}


def pin_machine(drop_after: int, other: str = "free", seed: int = 0):
    """Two written anonymous pages of one process; the first is pinned, and the pin is
    dropped right after that page's attempt in pass ``drop_after`` has failed; the second
    is left alone or pinned for good. Both are migrated to node 1 in one call.
    Returns (kernel, migrate_pages' result)."""
    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    proc = k.spawn()
    v = proc.mmap(2)
    addrs = list(v.addresses())
    for a in addrs:
        proc.write(a, b"page")
    first, second = (proc.page_at(a) for a in addrs)
    k.pin(first)
    if other != "free":
        k.pin(second)
    task = k.start_migrate_pages([first, second], 1)
    pinned = True
    while not task.done:
        ev = k.step(task)
        if (
            pinned
            and ev is not None
            and ev.func == "unmap_and_move"
            and ev.data.get("pass") == drop_after
            and ev.data.get("pfn") == first.pfn
            and ev.data.get("rc") == -11
        ):
            k.unpin(first)
            pinned = False
    return k, task.result


def pin_passes(p, seed: int = 0) -> int:
    """The passes migrate_pages ran, counted in the trace."""
    k, _ = pin_machine(p.drop_after, p.other, seed)
    return len({e.data["pass"] for e in k.trace.find("migrate_pages") if "pass" in e.data})


def _pin_question(p) -> str:
    other = (
        "a second page, which nothing pins"
        if p.other == "free"
        else "a second page that is pinned for good"
    )
    return (
        "migrate_pages gets two anonymous pages: one pinned by an extra reference, and "
        f"{other}. The pin on the first page is dropped right after its attempt in pass "
        f"{p.drop_after} has failed (passes are numbered from 0). How many passes does "
        "migrate_pages run in all?"
    )


def _pin_explain(p, answer) -> str:
    if p.other != "free":
        return (
            f"{answer}: the second page says -EAGAIN in every pass, so retry is never 0 and "
            "the loop runs all ten passes; the first page moves in the pass after its pin went."
        )
    return (
        f"{answer}: passes 0 to {p.drop_after} fail on the pin, pass {p.drop_after + 1} moves "
        "the page, and as nothing said -EAGAIN in it, the loop stops; the earlier -EAGAINs "
        "do not count (retry is recomputed every pass)."
    )


# -- 9.5 --------------------------------------------------------------------------
SLOT = {
    "a count can be right by accident: the page may have left the page cache (truncate) "
    "while someone else's reference made up the number; only the slot says the cache "
    "still leads to this page": None,
    "the count check alone cannot see the buffers' reference": (
        "it can: the expected count is 2 + PagePrivate, so buffers are part of the count"
    ),
    "the radix tree must be searched to find the new page's node": (
        "the new page is already allocated; the slot is looked up to switch it to the new "
        "page, and to make sure it still holds the old one"
    ),
    "the slot check makes the migration wait until truncate is done": (
        "nothing waits: a changed slot is -EAGAIN at once, retried in the next pass"
    ),
}


# -- 9.6 ---------------------------------------------------------------------------
FOREIGN_ANSWERS = ["none", "present, node 0", "present, node 1", "migration entry"]


def _foreign_params(rng):
    n = rng.randint(3, 5)
    written = sorted(rng.sample(range(n), rng.randint(1, n - 1)))
    read = sorted(i for i in range(n) if i not in written and rng.random() < 0.6)
    inflight, target = rng.choice(written), rng.randrange(n)
    return {
        "n": n,
        "written": written,
        "read": read,
        "inflight": inflight,
        "target": target,
        "ask": rng.choice([inflight, target, rng.randrange(n)]),
    }


def foreign_machine(p, seed: int = 0):
    """A file of ``n`` pages; pid 1 maps it shared and reads every page; pid 2 maps it
    private, writes the pages in ``written`` (copy on write: anonymous copies, in a vma
    of the file's prio tree) and reads those in ``read``. The copy of page ``inflight``
    starts migrating and stops once it is unmapped; then file page ``target`` migrates
    to node 1 from start to end. Returns (kernel, pid 2, its vma)."""
    k = Kernel(nodes=2, frames_per_node=32, seed=seed)
    f = k.create_file("data.bin", p.n)
    owner, cow = k.spawn(), k.spawn()
    ov = owner.mmap(p.n, file=f, shared=True)
    cv = cow.mmap(p.n, file=f, shared=False)
    for a in ov.addresses():
        owner.read(a, 1)
    for i in p.written:
        cow.write(cv.start + i * PAGE_SIZE, b"private copy")
    for i in p.read:
        cow.read(cv.start + i * PAGE_SIZE, 1)
    a = cv.start + p.inflight * PAGE_SIZE
    copy = k.start_migrate_pages([cow.page_at(a)], 1)
    while cow.pte(a).kind != "migration":
        k.step(copy)
    task = k.start_migrate_pages([f.mapping.find_get_page(p.target)], 1)
    while not task.done:  # this migration alone: the copy's stays where it stopped
        k.step(task)
    if task.result != 0:
        raise AssertionError("the file page did not move: rewrite 9.6")
    return k, cow, cv


def _foreign_answer(p) -> str:
    k, cow, cv = foreign_machine(p, p.seed)
    pte = cow.pte(cv.start + p.ask * PAGE_SIZE)
    if pte.kind == "present":
        return f"present, node {k.pfn_to_page(pte.pfn).node}"
    return {"none": "none", "migration": "migration entry"}.get(pte.kind, pte.kind)


def _foreign_question(p) -> str:
    read = ", ".join(map(str, p.read)) or "none"
    return (
        f"A file of {p.n} pages. pid 1 maps it shared and reads every page. pid 2 maps it "
        f"private, writes its pages {', '.join(map(str, p.written))} (copy on write) and reads "
        f"pages {read}. The migration of pid 2's copy of page {p.inflight} starts and is "
        f"stopped right after try_to_unmap. Meanwhile file page {p.target} migrates to node 1, "
        f"start to end. What is pid 2's pte at its page {p.ask} now?"
    )


def _foreign_explain(p, answer) -> str:
    if answer == "migration entry":
        return (
            f"{answer}: that is pid 2's own copy, whose migration stopped after try_to_unmap. "
            f"If file page {p.target} is that page, its restore walk came to this very pte and "
            "left it alone: an entry to another pfn is foreign (E28)."
        )
    mine = p.ask in p.written
    why = (
        "pid 2 wrote that page: its pte maps an anonymous copy, which the file page's "
        "restore walk leaves alone (an entry to another pfn is foreign)"
        if mine
        else (
            "pid 2 maps the shared page-cache page there, so the file page's migration "
            "unmapped and restored it like pid 1's"
            if p.ask in p.read
            else "pid 2 never touched that page"
        )
    )
    return f"{answer}: {why}."


# -- 9.7 --------------------------------------------------------------------------
SWAPPED = {
    "a swap pte already names a place where the page can be found, the swap cache slot; "
    "the migration switches that slot to the new page, and a fault finds it there": None,
    "the page is written to swap first, so there is nothing left in memory to map": (
        "nothing is written: the page stays in memory, in the swap cache, and is moved "
        "there; the swap pte refers to the slot, not to the disk"
    ),
    "migration entries are for file pages only": (
        "migration entries were made for anonymous pages first; the 2.6.18 patch added "
        "them for file pages"
    ),
    "the fault on a swap pte sleeps in migration_entry_wait like any other": (
        "a swap pte is not a migration entry: the fault takes the swap-in path "
        "(do_swap_page, lookup_swap_cache) and never calls migration_entry_wait (E24)"
    ),
}


def swap_cache_machine(seed: int = 0):
    """A private page shared copy-on-write by a parent and child, in the swap cache,
    migrated to node 1: (kernel, parent, child, address, slot)."""
    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    p = k.spawn()
    v = p.mmap(1)
    p.write(v.start, b"anon")
    c = p.fork()
    slot = k.add_to_swap(p.page_at(v.start))
    k.migrate_pages([p.page_at(v.start)], 1)
    return k, p, c, v.start, slot


def _swapped_answer(p) -> str:
    k, parent, child, addr, slot = swap_cache_machine(p.seed)
    kinds = {parent.pte(addr).kind, child.pte(addr).kind}
    run_access(k, parent, addr)
    waited = k.vmstat["pgmigrate_entry_wait"]
    if kinds != {"swap"} or waited or parent.page_at(addr).node != 1:
        raise AssertionError("swap-cache migration changed: rewrite 9.7")
    return next(iter(SWAPPED))


# -- 9.8 --------------------------------------------------------------------------
NONLINEAR = {
    "reclaim leaves mlocked memory alone, so it skips an mlocked nonlinear vma and finds "
    "no vma left to sweep; migration must move mlocked pages too, so it skips nothing": None,
    "migration clears the mlock flag before it unmaps": (
        "VM_LOCKED stays set; try_to_unmap's migration argument only tells it not to "
        "honour the flag"
    ),
    "a nonlinear vma cannot be mlocked, so max_nl_size is 0 by accident": (
        "it can be mlocked (the chapter's cell does it); max_nl_size is 0 because the "
        "loop skipped the only vma"
    ),
    "migration uses migration entries in nonlinear vmas, so it needs no cluster sweep": (
        "nonlinear vmas never get migration entries (chapter 4): migration sweeps them "
        "a cluster at a time, as reclaim does"
    ),
}


def nonlinear_locked_machine(seed: int = 0):
    """A 4-page file mapped nonlinearly (rotated by one page), every page read, the vma
    mlocked: (kernel, process, vma, file page 1)."""
    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    f = k.create_file("data.bin", 4)
    p = k.spawn()
    v = p.mmap(4, file=f, shared=True)
    for pos in range(4):
        p.remap_file_pages(v.start + pos * PAGE_SIZE, 1, (pos + 1) % 4)
    for pos in range(4):
        p.read(v.start + pos * PAGE_SIZE, 1)
    p.mlock(v.start, 4)
    return k, p, v, f.mapping.find_get_page(1)


def reclaim_unmap(k, page):
    """try_to_unmap(page, migration=0), as reclaim calls it, on a page it locks for the
    call: (SWAP_* result, the steps it reported as (func, what))."""
    from pagemig.rmap import try_to_unmap

    if not k.trylock_page(page):
        raise ValueError(f"pfn {page.pfn} is locked: reclaim would skip it")
    steps = []
    try:
        rc = _drive(try_to_unmap(k, page, migration=False), steps)
    finally:
        k.unlock_page(page)
    return rc, steps


def _nonlinear_answer(p) -> str:
    from pagemig.constants import SWAP_FAIL

    k, _, _, page = nonlinear_locked_machine(p.seed)
    rc, steps = reclaim_unmap(k, page)
    if rc != SWAP_FAIL or not any("max_nl_size == 0" in w for _, w in steps):
        raise AssertionError("reclaim of an mlocked nonlinear page changed: rewrite 9.8")
    if k.migrate_pages([page], 1) != 0:
        raise AssertionError("the mlocked nonlinear page no longer migrates: rewrite 9.8")
    return next(iter(NONLINEAR))


def _drive(gen, steps):
    """Run a kernel sub-path that never sleeps (outside any task) to its end, keeping the
    (func, what) of each step it reports in ``steps``; its return value."""
    try:
        while True:
            item = next(gen)
            if not isinstance(item, tuple):
                raise RuntimeError(f"the path wanted to sleep: {item}")
            steps.append((item[0], item[1]))
    except StopIteration as stop:
        return stop.value


def cleaned_behind_our_back(seed: int = 0):
    """E15 by hand. A dirty page of a file without migratepage is locked and unmapped into
    a migration entry, as unmap_and_move leaves it; then its dirty bit is cleared, as a
    filesystem writing it behind migration's back would (no engine path does: nothing
    cleans a locked page between fallback_migrate_page's PageDirty test and writeout);
    writeout runs, then unmap_and_move's rollback, remove_migration_ptes(page, page).
    Returns (writeout's rc, the pte after writeout, the pte after the rollback, the
    steps reported, the kernel)."""
    from pagemig.migrate import remove_migration_ptes, writeout
    from pagemig.rmap import try_to_unmap

    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    f = k.create_file("data.bin", 2, migratepage=False)
    p = k.spawn()
    v = p.mmap(2, file=f, shared=True)
    p.write(v.start, b"dirty data")
    page = p.page_at(v.start)
    if not k.trylock_page(page):
        raise AssertionError("the page is locked: rewrite cleaned_behind_our_back")
    steps = []
    _drive(try_to_unmap(k, page, migration=True), steps)
    page.dirty = False  # cleaned behind migration's back (the hand-made part)
    rc = _drive(writeout(k, f.mapping, page), steps)
    after_writeout = p.pte(v.start)
    _drive(remove_migration_ptes(k, page, page), steps)
    k.unlock_page(page)
    return rc, after_writeout, p.pte(v.start), steps, k


# -- 9.9 --------------------------------------------------------------------------
PTE_ANSWERS = ["present, writable", "present, read-only", "none", "migration entry"]
ACTIONS = ("fork", "mprotect read-only", "mprotect read-write (no change)", "nothing")


def _over_params(rng):
    action = rng.choice(ACTIONS)
    return {
        "mapping": rng.choice(["private anonymous", "shared file"]),
        "action": action,
        "ask_child": action == "fork" and rng.random() < 0.5,
        "later": rng.choice(["nothing", "a read"]),
    }


def over_entry(p, seed: int = 0):
    """A page written through a writable mapping (private anonymous, or a shared file
    mapping); while its pte is a WRITE migration entry the process forks or changes
    the protection; the migration finishes; the process asked about then reads its
    page or not. Returns the pte asked about."""
    k = Kernel(nodes=2, frames_per_node=16, seed=seed)
    proc = k.spawn()
    if p.mapping == "shared file":
        f = k.create_file("data.bin", 1)
        v = proc.mmap(1, file=f, shared=True)
    else:
        v = proc.mmap(1)
    addr = v.start
    proc.write(addr, b"written")
    task = k.start_migrate_pages([proc.page_at(addr)], 1)
    while proc.pte(addr).kind != "migration":
        k.step(task)
    who = proc
    if p.action == "fork":
        child = proc.fork()
        who = child if p.ask_child else proc
    elif p.action == "mprotect read-only":
        proc.mprotect(addr, 1, write=False)
    elif p.action.startswith("mprotect read-write"):
        proc.mprotect(addr, 1, write=True)
    k.run()
    if p.later == "a read":
        who.read(addr, 1)
    return who.pte(addr)


def _over_answer(p) -> str:
    pte = over_entry(p, p.seed)
    if pte.kind == "present":
        return "present, writable" if pte.write else "present, read-only"
    return {"none": "none", "migration": "migration entry"}.get(pte.kind, pte.kind)


def _over_question(p) -> str:
    who = "the child's" if p.ask_child else "the process's"
    return (
        f"A process writes a page of a {p.mapping} mapping (read-write), and migration "
        "replaces its pte with a WRITE migration entry. While the entry is in place the "
        f"process does: {p.action}. The migration succeeds. Then {p.later} of the page by "
        f"the one asked about. What is {who} pte for the page now?"
    )


def _over_explain(p, answer) -> str:
    why = {
        "fork": (
            "copy_one_pte makes a WRITE entry READ in both parent and child when the vma is "
            "copy-on-write, so both come back read-only; in a shared vma the child gets no "
            "pte at all (copy_page_range skips shared file vmas) and the parent keeps WRITE"
        ),
        "mprotect read-only": "change_pte_range turns the WRITE entry into a READ entry",
        "mprotect read-write (no change)": (
            "mprotect_fixup returns before touching any pte when the flags do not change: "
            "the WRITE entry stays WRITE"
        ),
        "nothing": "a WRITE entry is restored as a writable pte",
    }[p.action]
    return f"{answer}: {why}; a read fault maps what the vma allows, a read never adds write."


# -- 9.10 -------------------------------------------------------------------------
def _syscall_params(rng):
    n = rng.randint(3, 6)
    return {
        "n": n,
        "shared": sorted(rng.sample(range(n), rng.randint(0, n - 1))),
        "pinned": sorted(rng.sample(range(n), rng.randint(1, 3))),
        "mlocked": rng.random() < 0.5,
    }


def syscall_machine(p, seed: int = 0):
    """An unprivileged process with ``n`` written anonymous pages in one vma (mlocked or
    not); it forks, and afterwards writes the pages not in ``shared`` (copy on write
    gives it its own copy; the others stay shared with the child); the pages in
    ``pinned`` get an extra reference. Then migrate_pages(2) of its memory from node 0
    to node 1. Returns (process, vma, the syscall's result)."""
    k = Kernel(nodes=2, frames_per_node=32, seed=seed)
    proc = k.spawn(privileged=False)
    v = proc.mmap(p.n)
    for i in range(p.n):
        proc.write(v.start + i * PAGE_SIZE, b"page %d" % i)
    proc.fork()
    for i in range(p.n):
        if i not in p.shared:
            proc.write(v.start + i * PAGE_SIZE, b"mine %d" % i)
    for i in p.pinned:
        k.pin(proc.page_at(v.start + i * PAGE_SIZE))
    if p.mlocked:
        proc.mlock(v.start, p.n)
    return proc, v, k.sys_migrate_pages(proc.pid, [0], [1])


def _syscall_question(p) -> str:
    shared = ", ".join(map(str, p.shared))
    writes = (
        f"writes every page but {shared} (those stay shared with the child)"
        if p.shared
        else "writes every page (none stays shared with the child)"
    )
    return (
        f"An unprivileged process has {p.n} written private anonymous pages (0-{p.n - 1}) in "
        f"one vma{', which it has mlocked' if p.mlocked else ''}. It forks; afterwards it "
        f"{writes}. Pages {', '.join(map(str, p.pinned))} are pinned by an extra reference "
        "that is never dropped. It calls migrate_pages(2) on itself, from node 0 to node 1. "
        "What does the call return?"
    )


def _syscall_explain(p, answer) -> str:
    if p.mlocked:
        return (
            f"{answer}: vma_migratable() refuses the mlocked vma, so check_range collects "
            "nothing from it: nothing is tried, nothing fails."
        )
    return (
        f"{answer}: without MPOL_MF_MOVE_ALL migrate_page_add skips the shared pages "
        "(mapcount 2) without counting them; of the private pages, the pinned ones fail "
        "the count gate in every pass and are counted as not moved."
    )


# -- 9.11 -------------------------------------------------------------------------
MOVE_CONTROLS = {
    "mlocked": [False, True],
    "shared with a child": [False, True],
    "pinned": [False, True],
    "caller has CAP_SYS_NICE": [False, True],
}


def both_syscalls(settings, seed: int = 0):
    """The reader's page, built twice: once moved by move_pages(2), once by
    migrate_pages(2), each called by the process itself (MPOL_MF_MOVE_ALL when it has
    CAP_SYS_NICE). Returns (move_pages status, node after move_pages, node after
    migrate_pages(2))."""
    from pagemig.constants import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL

    nodes = []
    status = None
    for how in ("move_pages", "migrate_pages"):
        k = Kernel(nodes=2, frames_per_node=16, seed=seed)
        proc = k.spawn(privileged=settings["caller has CAP_SYS_NICE"])
        v = proc.mmap(1)
        proc.write(v.start, b"the page")
        if settings["shared with a child"]:
            proc.fork()
        if settings["pinned"]:
            k.pin(proc.page_at(v.start))
        if settings["mlocked"]:
            proc.mlock(v.start, 1)
        if how == "move_pages":
            flags = MPOL_MF_MOVE_ALL if settings["caller has CAP_SYS_NICE"] else MPOL_MF_MOVE
            status = list(k.move_pages(proc.pid, [v.start], [1], flags))[0]
        else:
            k.sys_migrate_pages(proc.pid, [0], [1])
        nodes.append(proc.page_at(v.start).node)
    return status, nodes[0], nodes[1]


def _move_judge(settings, p):
    status, after_move, after_migrate = both_syscalls(settings, p.seed)
    ok = after_move == 1 and after_migrate == 0
    return ok, (
        f"Your machine: move_pages status {status} (page on node {after_move}); "
        f"migrate_pages(2) left it on node {after_migrate}."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            _lock_question,
            solve=lambda p: eagains(p.states, p.seed),
            params=_lock_params,
            hint="passes 0-2 only trylock the page and never sleep; pass 3 sleeps in "
            "lock_page; the loop stops after the first pass in which nothing was -EAGAIN, "
            "and after ten at most",
            hints=lambda answer, expected, p: (
                "a pinned page is not skipped by the trylock: it fails later, at the count "
                "gate, and in every pass"
                if isinstance(answer, int) and answer == 3 * p.states.count("locked")
                else None
            ),
            explain=_lock_explain,
            kind="compute",
            tier="check",
            key="9.1",
            seed=1,
        ),
        Exercise(
            "A process exits while move_pages has its page isolated, so the isolation "
            "reference is the page's last. unmap_and_move treats the page as migrated (rc 0, "
            "status = the new page's node). Why is that right?",
            solve=_freed_answer,
            choices=shuffled_choices(FREED),
            hints={k: v for k, v in FREED.items() if v},
            hint="look at what the trace of the freed-under-us cell shows between "
            "do_move_pages and putback_lru_pages",
            explain="page_count == 1 means only migration holds the page: nobody can map it "
            "or find it again, so there is nothing to move. The new page is freed unused, the "
            "old one by the final putback, and the page counts as a success.",
            kind="explain",
            tier="check",
            key="9.2",
            seed=2,
        ),
        Exercise(
            _gate_question,
            solve=_gate_answer,
            params=_gate_params,
            hint="count the references at the gate: the isolation, the page cache, the "
            "buffers if they are still there, each pin; a migration entry holds none",
            hints=lambda answer, expected, p: (
                "the ptes were unmapped into migration entries before the gate: they hold "
                "no reference"
                if isinstance(answer, int)
                and isinstance(expected, int)
                and answer == expected + p.sharers
                else None
            ),
            explain=_gate_explain,
            kind="predict",
            tier="apply",
            key="9.3",
            seed=3,
        ),
        Exercise(
            _pin_question,
            solve=lambda p: pin_passes(p, p.seed),
            params=_pin_params,
            hint="retry is counted afresh in every pass: the loop ends after the first pass in "
            "which no page said -EAGAIN, and after ten at most",
            hints=lambda answer, expected, p: (
                "the page moves in the pass after the pin goes, and that pass is counted too"
                if answer == p.drop_after + 1
                else None
            ),
            explain=_pin_explain,
            kind="compute",
            tier="apply",
            key="9.4",
            seed=4,
        ),
        Exercise(
            "migrate_page_move_mapping takes the mapping's tree_lock and checks two things "
            "before it switches the page cache to the new page: the page's count is 2 + "
            "PagePrivate, and the radix slot at the page's index still holds the page. Why "
            "the second check?",
            solve=lambda p: next(iter(SLOT)),
            choices=shuffled_choices(SLOT),
            hints={k: v for k, v in SLOT.items() if v},
            hint="what could have happened to the page cache between the isolation and the "
            "gate, and what would a count that happens to be right tell you?",
            explain="truncate can take the page out of the page cache (and a new page can "
            "take its slot) while the migration works; the count may still be 2 + private "
            "through other references. Switching a slot that no longer holds the old page "
            "would throw away somebody else's page, so the gate says -EAGAIN.",
            kind="explain",
            tier="check",
            key="9.5",
            seed=5,
        ),
        Exercise(
            _foreign_question,
            solve=_foreign_answer,
            params=_foreign_params,
            choices=FOREIGN_ANSWERS,
            hint="the file page's restore walk visits every vma that maps the file at that "
            "index, private ones too, and changes only entries to the old file page",
            explain=_foreign_explain,
            kind="predict",
            tier="apply",
            key="9.6",
            seed=6,
        ),
        Exercise(
            "In 2.6.18 an anonymous page in the swap cache gets no migration entry: "
            "try_to_unmap gives every process an ordinary swap pte for its slot. Why is "
            "that enough?",
            solve=_swapped_answer,
            choices=shuffled_choices(SWAPPED),
            hints={k: v for k, v in SWAPPED.items() if v},
            hint="follow the fault after the migration in the swap-cache cell: which path "
            "does it take, and where does it find the page?",
            explain="the swap pte names the slot; migrate_page_move_mapping switches the "
            "swap cache's slot to the new page (expected count 2), and the next fault takes "
            "do_swap_page -> lookup_swap_cache to the new page. Modern kernels give these "
            "pages migration entries too (try_to_migrate_one).",
            kind="explain",
            tier="apply",
            key="9.7",
            seed=7,
        ),
        Exercise(
            "With an mlocked nonlinear vma as the page's only mapping, try_to_unmap as "
            "reclaim calls it returns SWAP_FAIL ('max_nl_size == 0'), yet migrate_pages moves "
            "the same page. Why the difference?",
            solve=_nonlinear_answer,
            choices=shuffled_choices(NONLINEAR),
            hints={k: v for k, v in NONLINEAR.items() if v},
            hint="what does try_to_unmap_file do with a VM_LOCKED vma when migration is 0, "
            "and when it is 1?",
            explain="try_to_unmap_file skips VM_LOCKED vmas unless it migrates; with the only "
            "nonlinear vma skipped the largest size it found is 0, so there is no cluster to "
            "sweep: SWAP_FAIL. Migration must be able to move mlocked memory, so it sweeps.",
            kind="explain",
            tier="think",
            key="9.8",
            seed=8,
        ),
        Exercise(
            _over_question,
            solve=_over_answer,
            params=_over_params,
            choices=PTE_ANSWERS,
            hint="a fork of a copy-on-write vma makes both entries READ; an mprotect that "
            "changes the protection makes the entry READ, one that changes nothing returns "
            "early; a shared file vma is not copied at fork",
            explain=_over_explain,
            kind="predict",
            tier="apply",
            key="9.9",
            seed=9,
        ),
        Exercise(
            _syscall_question,
            solve=lambda p: syscall_machine(p, p.seed)[2],
            params=_syscall_params,
            hint="migrate_pages(2) returns the pages it tried and could not move: which "
            "pages does it not even try, without MPOL_MF_MOVE_ALL, and in an mlocked vma?",
            hints=lambda answer, expected, p: (
                "a pinned page that is still shared is skipped before it is tried: it does "
                "not count"
                if answer == len(p.pinned) and expected != answer
                else None
            ),
            explain=_syscall_explain,
            kind="compute",
            tier="think",
            key="9.10",
            seed=10,
        ),
        Exercise(
            "Build a machine whose page move_pages(2) moves to node 1, while migrate_pages(2), "
            "called the same way on the same machine, leaves it on node 0.",
            solve=lambda p: {
                "mlocked": True,
                "shared with a child": False,
                "pinned": False,
                "caller has CAP_SYS_NICE": False,
            },
            judge=_move_judge,
            controls=MOVE_CONTROLS,
            hint="which pages does migrate_pages(2) not even look at, that move_pages, "
            "asking about one address, still isolates?",
            explain="migrate_pages(2) walks the vmas through check_range, and vma_migratable() "
            "refuses an mlocked vma; move_pages looks the page up by address and isolates it "
            "whatever the vma's VM_LOCKED, and migration unmaps mlocked ptes (E30). (A shared "
            "page would not do: without CAP_SYS_NICE move_pages says -EACCES, with it both "
            "calls move it.)",
            kind="design",
            tier="think",
            capstone=True,
            key="9.11",
            seed=11,
        ),
    ]
