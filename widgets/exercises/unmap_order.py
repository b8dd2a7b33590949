"""Run unmap_and_move's steps in the reader's order, and say what broke.

The *order* exercise of chapter 3. ``unmap_and_move`` (mm/migrate.c) locks the
old page, unmaps it into migration entries, switches the page-cache slot, copies
the contents, restores the ptes and unlocks. Here each of those is one of the
engine's own functions (``try_to_unmap``, ``migrate_page_move_mapping``,
``migrate_page_copy``, ``remove_migration_ptes``, the page lock), called on a
real kernel in the order the reader chose, while a second process writes to the
page after every step (a scripted interleaving). After each step the kernel's
invariants are checked; at the end, the written bytes and the page cache.

Simplified: the new page is allocated, locked and given the old page's mapping
and index before the first step (move_to_new_page's preamble), and the steps run
outside the scheduler, so their events are not in the trace; the writer's are.
"""

from __future__ import annotations

from pagemig.invariants import LOCKS_RELEASED
from pagemig.scenarios import build_scenario

STEPS = {
    "lock the old page": "lock",
    "install migration entries (try_to_unmap)": "unmap",
    "switch the page-cache slot (migrate_page_move_mapping)": "move_mapping",
    "copy the contents (migrate_page_copy)": "copy",
    "restore the ptes (remove_migration_ptes)": "restore",
    "unlock the old page": "unlock",
}
KERNEL_ORDER = tuple(STEPS)
_MAX_ITEMS = 10_000  # a drained step longer than this would sleep forever


def _drain(gen):
    """Run one engine step function to its end outside the scheduler; its return value.

    A step that would sleep (a Wait on a lock nobody will drop) raises RuntimeError."""
    for _ in range(_MAX_ITEMS):
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value
    gen.close()
    raise RuntimeError("the step would sleep forever")


def _crash(exc: Exception) -> str:
    if isinstance(exc, AttributeError) and "NoneType" in str(exc):
        return "the old page has no mapping any more: migrate_page_copy cleared it"
    return str(exc) or type(exc).__name__


def _step(k, name, page, newpage):
    """Do one step on the kernel; a short description of what happened."""
    from pagemig import migrate, rmap

    if name == "lock":
        return "locked" if k.trylock_page(page) else "already locked"
    if name == "unlock":
        if not page.locked:
            raise RuntimeError("unlock_page of a page that is not locked: BUG()")
        k.unlock_page(page)
        return "unlocked"
    if name == "unmap":
        _drain(rmap.try_to_unmap(k, page, migration=True))
        return f"mapcount now {page.mapcount}"
    if name == "move_mapping":
        rc = _drain(migrate.migrate_page_move_mapping(k, newpage.mapping, newpage, page))
        return "slot switched" if rc == 0 else f"refused: rc {rc} (count {page.count})"
    if name == "copy":
        _drain(migrate.migrate_page_copy(k, newpage, page))
        return "copied"
    if name == "restore":
        _drain(migrate.remove_migration_ptes(k, page, newpage))
        return "ptes restored to the new page"
    raise ValueError(f"unknown step {name!r}")


def run_order(order, *, sharers: int = 2, seed: int = 0) -> dict:
    """Run ``order`` (step labels of :data:`STEPS`) on a dirty shared file page
    whose mapping has migratepage (so migrate_page moves it: no writeout).

    Returns {"broken": [(step number, step label, rule or problem)], "log": [...],
    "moved": bool}: ``broken`` is empty if nothing went wrong."""
    labels = list(order)
    if sorted(labels) != sorted(STEPS):
        raise ValueError("the order must name every step of STEPS once")
    sc = build_scenario("file linear", sharers=sharers, dirty=True, migratepage=True, seed=seed)
    k = sc.kernel
    page = sc.page
    index = page.index
    from pagemig import migrate

    if migrate.isolate_lru_page(k, page, []):
        raise RuntimeError("the page under study is not on an LRU list")
    newpage = k.nodes[sc.target_node].alloc_page("alloc")
    k.trylock_page(newpage)
    newpage.index = page.index
    newpage.mapping = page.mapping
    writer, waddr = sc.processes[-1], sc.addrs[-1]
    broken, log, seen = [], [], set()

    def note(n, label):
        for rule, _details in k.violations():
            # the steps run outside any task, so their lock counts as a finished
            # path's until the end
            if rule not in seen and rule != LOCKS_RELEASED:
                seen.add(rule)
                broken.append((n, label, rule))

    for n, label in enumerate(labels, 1):
        try:
            what = _step(k, STEPS[label], page, newpage)
        except Exception as exc:  # noqa: BLE001 - the reader's order may crash the model
            what = f"crashed: {_crash(exc)}"
            broken.append((n, label, f"the kernel would crash here ({_crash(exc)})"))
        log.append(f"{n}. {label}: {what}")
        note(n, label)
        # The writer stores a byte naming the step, when it can without sleeping
        # (a migration entry would put it to sleep in migration_entry_wait).
        if writer.pte(waddr).kind != "migration":
            # each store at its own offset, so a later one cannot hide a lost one
            access = writer.start_access(waddr + 8 * n, write=True, data=f"w{n}".encode())
            for _ in range(100):
                if access.done or k.step(access) is None:
                    break
            if not access.done:
                log.append(f"   the writer sleeps ({access.waiting_on})")
        else:
            log.append("   the writer would sleep in migration_entry_wait: it waits")
        note(n, label)
    k.unlock_page(newpage)
    if page.locked:
        broken.append((len(labels), "after the last step", "the old page is still locked"))
        k.unlock_page(page)
    migrate.move_to_lru(k, page, "isolate")  # what unmap_and_move does after the move
    migrate.move_to_lru(k, newpage, "alloc")
    try:
        k.run(max_steps=10_000)
    except Exception as exc:  # a sleeper that can never wake, an oops
        broken.append((len(labels), labels[-1], f"afterwards: {exc}"))
    for rule, _details in k.violations():
        if rule not in seen:
            seen.add(rule)
            broken.append((len(labels), "after the last step", rule))
    slot = sc.file.mapping.find_get_page(index)
    moved = slot is newpage
    for proc, addr in zip(sc.processes, sc.addrs):
        pte = proc.pte(addr)
        if pte.kind == "migration":
            broken.append(
                (
                    len(labels),
                    "after the last step",
                    f"pid {proc.pid} still holds a migration entry",
                )
            )
        elif pte.kind == "present" and pte.pfn != (slot.pfn if slot else None):
            broken.append(
                (
                    len(labels),
                    "after the last step",
                    f"pid {proc.pid} maps pfn {pte.pfn}, not the page cache's page",
                )
            )
    if not moved:
        broken.append(
            (len(labels), "after the last step", "the page cache still holds the old page")
        )
    return {"broken": broken, "log": log, "moved": moved}


def describe(result: dict) -> str:
    """The run, as the feedback the reader sees."""
    lines = ["The engine ran your order (a second process writes to the page after each step):"]
    lines += ["  " + line for line in result["log"]]
    if result["broken"]:
        n, label, rule = result["broken"][0]
        lines.append(f"First thing that broke, after step {n} ({label}): {rule}.")
        more = len(result["broken"]) - 1
        if more:
            lines.append(f"({more} more problem(s) after that.)")
    else:
        lines.append("Nothing broke: every invariant held and the page moved.")
    return "\n".join(lines)
