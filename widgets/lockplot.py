"""Who holds the page lock when, and what the ptes hold meanwhile (chapter 5's figure).

``lock_history(variant)`` migrates chapter 5's page (a dirty page of a file without
migratepage, mapped shared by two processes) on a kernel of that variant, stepping the
migration and the write I/O round robin, and records after each of the migration's steps
who holds the old page's lock, what the processes' ptes for it are and whether it is
under writeback, up to the end of pass 0 (the pass that writes the page out).
``plot_lock_timeline(histories, ax)`` draws one band per variant: the lock, the ptes,
PG_writeback, and in red the steps where a migration entry points at an unlocked page.
``lock_timeline_alt(histories)`` says the same in words (the figure's alt text).

Uses only the engine's public face (``build_scenario``, ``Kernel.step``, ptes, the page).
"""

from __future__ import annotations

from pagemig.scenarios import build_scenario

MAX_STEPS = 2_000
PTE_COLOURS = {"present": "#8fc98f", "migration": "#222222", "none": "#d0d0d0", "mixed": "#888"}
LOCK_COLOUR = "#3465a4"
WRITEBACK_COLOUR = "#c4a000"
HAZARD_COLOUR = "#cc0000"


def lock_history(variant: str, *, sharers: int = 2, seed: int = 0) -> list[dict]:
    """One row per step of the migration task in pass 0: ``step`` (the migration's
    step number), ``func`` (its event's kernel function), ``locked`` and ``owner`` of
    the old page's lock, ``ptes`` (the kind of every sharer's pte: present, migration
    or none), ``writeback`` and ``hazard`` (a migration entry to the unlocked page)."""
    sc = build_scenario("file linear", dirty=True, sharers=sharers, variant=variant, seed=seed)
    k = sc.kernel
    page = sc.page
    task = sc.start_migration()
    rows = []
    for _ in range(MAX_STEPS):
        if task.done:
            break
        ev = k.step(task)
        for other in list(k.tasks):  # the write I/O, round robin
            if other is not task and other.runnable:
                k.step(other)
        if ev is None:
            if not task.runnable and not any(t.runnable for t in k.tasks):
                break
            continue
        if ev.func == "migrate_pages" and ev.data.get("pass") == 1:
            break
        kinds = [
            "migration"
            if (pte := proc.pte(a)).kind == "migration" and pte.pfn == page.pfn
            else "present"
            if pte.kind == "present" and pte.pfn == page.pfn
            else "none"
            for proc, a in zip(sc.processes, sc.addrs)
        ]
        rows.append(
            {
                "step": len(rows),
                "func": ev.func,
                "locked": page.locked,
                "owner": page.lock_owner,
                "ptes": kinds,
                "writeback": page.writeback,
                "hazard": "migration" in kinds and not page.locked,
            }
        )
    return rows


def _runs(rows, key):
    """[(start, end, value)] of consecutive rows with the same ``key(row)``."""
    out = []
    for r in rows:
        v = key(r)
        if out and out[-1][2] == v and out[-1][1] == r["step"]:
            out[-1] = (out[-1][0], r["step"] + 1, v)
        else:
            out.append((r["step"], r["step"] + 1, v))
    return out


def _pte_state(row) -> str:
    kinds = set(row["ptes"])
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _first(rows, func):
    return next((r["step"] for r in rows if r["func"] == func), None)


def plot_lock_timeline(histories: dict, ax=None):
    """One band per variant (``{variant: lock_history(variant)}``): the old page's lock
    (blue while held, with its holder), the processes' ptes (green present, black
    migration entries, grey none), PG_writeback (yellow), and red where a migration
    entry points at the unlocked page. Marks where writepage runs."""
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(9.0, 1.1 + 1.0 * len(histories))).add_subplot()
    ax.clear()
    labels, ys = [], []
    y = 0.0
    for variant, rows in histories.items():
        lanes = {
            "page lock": (lambda r: r["owner"] if r["locked"] else None),
            "ptes": _pte_state,
            "PG_writeback": (lambda r: r["writeback"] or None),
        }
        for lane, key in lanes.items():
            for start, end, value in _runs(rows, key):
                if value is None:
                    continue
                if lane == "page lock":
                    colour = LOCK_COLOUR
                elif lane == "ptes":
                    colour = PTE_COLOURS[value]
                else:
                    colour = WRITEBACK_COLOUR
                ax.broken_barh([(start, end - start)], (y - 0.35, 0.7), facecolors=colour)
                if lane == "page lock" and end - start >= 3:
                    ax.text(
                        start + 0.3,
                        y,
                        f"held by {value}",
                        va="center",
                        fontsize="x-small",
                        color="white",
                    )
            labels.append(f"{variant}: {lane}")
            ys.append(y)
            y += 1
        for start, end, value in _runs(rows, lambda r: r["hazard"]):
            if value:
                ax.broken_barh(
                    [(start, end - start)],
                    (y - 3.45, 2.9),
                    facecolors="none",
                    edgecolors=HAZARD_COLOUR,
                    hatch="///",
                    linewidth=1.2,
                )
        wp = _first(rows, "writepage")
        if wp is None:
            wp = _first(rows, "pageout")
        if wp is not None:
            ax.plot([wp, wp], [y - 3.5, y - 0.5], color="black", linewidth=0.8, linestyle="--")
            ax.text(wp + 0.5, y - 3.55, "writepage", fontsize="x-small", va="bottom")
        y += 0.6
    ax.set_yticks(ys, labels, fontsize="small")
    ax.set_ylim(y - 0.4, -0.7)
    longest = max((len(r) for r in histories.values()), default=1)
    ax.set_xlim(0, longest)
    ax.set_xlabel("the migration's step in pass 0")
    ax.set_title(
        "Who holds the page lock in pass 0, and what the ptes hold (red: an entry to an "
        "unlocked page)",
        fontsize="medium",
    )
    from matplotlib.patches import Patch

    handles = [
        Patch(color=LOCK_COLOUR, label="page locked"),
        Patch(color=PTE_COLOURS["present"], label="ptes present"),
        Patch(color=PTE_COLOURS["migration"], label="migration entries"),
        Patch(color=PTE_COLOURS["none"], label="ptes none"),
        Patch(color=PTE_COLOURS["mixed"], label="some unmapped or restored"),
        Patch(color=WRITEBACK_COLOUR, label="PG_writeback"),
        Patch(facecolor="none", edgecolor=HAZARD_COLOUR, hatch="///", label="entry → unlocked"),
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="x-small",
        frameon=False,
    )
    ax.grid(axis="x", color="#eeeeee", linewidth=0.5)
    ax.set_axisbelow(True)
    return ax


def lock_timeline_alt(histories: dict) -> str:
    """The figure in words: for each variant, when the lock is held, what the ptes hold
    while writepage runs, and how many steps a migration entry points at an unlocked page."""
    parts = []
    for variant, rows in histories.items():
        held = [(s, e) for s, e, v in _runs(rows, lambda r: r["locked"]) if v]
        wp = _first(rows, "writepage")
        if wp is None:
            wp = _first(rows, "pageout")
        at = rows[wp]["ptes"] if wp is not None else []
        hazard = sum(r["hazard"] for r in rows)
        spans = ", ".join(f"{s}-{e - 1}" for s, e in held) or "never"
        parts.append(
            f"{variant}: {len(rows)} steps in pass 0; the page is locked in steps {spans}; "
            f"when writepage returns (step {wp}) the ptes are {', '.join(at) or 'not there'}; "
            f"{hazard} step(s) with a migration entry to the unlocked page"
        )
    return "Lock timeline. " + ". ".join(parts) + "."


__all__ = ["lock_history", "lock_timeline_alt", "plot_lock_timeline"]
