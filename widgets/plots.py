"""Plots of the engine's state: pte map, node view, reverse map, trace timeline, success rates.

Each function takes a matplotlib ``Axes`` (one is made on a fresh Agg ``Figure`` if
absent), draws from engine state, a trace or a DataFrame, and returns the ``Axes``.
Nothing here touches pyplot: no global figure state, no ``plt.show()``. To show a
plot made without an ``ax`` in a notebook, end the cell with ``ax.figure``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from pagemig.constants import PAGE_SHIFT
from pagemig.rmap import AnonVma

from .palette import (
    KIND_COLOURS,
    KIND_MARKERS,
    OUTCOME_COLOURS,
    OUTCOME_HATCHES,
    STATE_COLOURS,
    STATE_LABELS,
    node_colour,
    series_colour,
    text_colour,
)

# a pte map labels every cell with the entry (P12w, M12r, F5, -) up to this many columns
LABEL_COLUMNS = 32


def _side_legend(ax, handles=None, *, fontsize="x-small", **kw):
    """A legend just right of the axes, small and frameless (the pte map, the node view,
    the timeline and the race map); without ``handles``, of the labelled artists."""
    if handles is not None:
        kw["handles"] = handles
    return ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=fontsize, frameon=False, **kw
    )


def new_axes(figsize=(6.4, 3.2), dpi=100):
    """An ``Axes`` on a new Figure with an Agg canvas (no pyplot)."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _ax(ax, figsize):
    return new_axes(figsize) if ax is None else ax


def _processes(kernel, processes):
    if processes is None:
        return [kernel.processes[pid] for pid in sorted(kernel.processes)]
    return list(processes)


# -- pte map -----------------------------------------------------------------------------
def _file_index(kernel, pte):
    """The file page index a present pte or migration entry maps, or None (anonymous,
    swap cache, the zero page)."""
    page = kernel.pfn_to_page(pte.pfn)
    if page.reserved or page.anon or page.swapcache or page.mapping is None:
        return None
    return page.index


def pte_cell(kernel, pte):
    """(state, colour, label) of one pte: state is the pte kind, or "present" with the
    colour of its page's node. A present pte or migration entry to a file page says
    which file page too (``P0w f1``: pfn 0, writable, file page 1)."""
    kind = pte.kind if pte is not None else "none"
    if kind == "present" and kernel.pfn_to_page(pte.pfn).reserved:
        return "zero", STATE_COLOURS["zero"], pte.short()  # the shared ZERO_PAGE
    if kind in ("present", "migration"):
        index = _file_index(kernel, pte)
        label = pte.short() if index is None else f"{pte.short()} f{index}"
        if kind == "present":
            return "present", node_colour(kernel.pfn_to_page(pte.pfn).node), label
        return kind, STATE_COLOURS[kind], label
    if kind == "none":
        return "none", STATE_COLOURS["none"], ""
    return kind, STATE_COLOURS.get(kind, STATE_COLOURS["none"]), pte.short()


def pte_locked(kernel, pte) -> bool:
    """Whether the page a present pte or migration entry refers to is locked (PG_locked:
    a migration, writeback or some other holder has it)."""
    if pte is None or pte.kind not in ("present", "migration"):
        return False
    return bool(kernel.pfn_to_page(pte.pfn).locked)


def pte_grid(kernel, processes=None, addrs=None):
    """The data of a pte map: (processes, vpns, cells) with cells[row][col] = pte_cell(...)."""
    procs = _processes(kernel, processes)
    if addrs is None:
        vpns = sorted({(a >> PAGE_SHIFT) for p in procs for v in p.vmas for a in v.addresses()})
    else:
        vpns = list(dict.fromkeys(int(a) >> PAGE_SHIFT for a in addrs))
    cells = [[pte_cell(kernel, p.ptes.get(vpn)) for vpn in vpns] for p in procs]
    return procs, vpns, cells


def reset_axes(ax) -> None:
    """Clear ``ax`` and forget the kit plot it held (the next plot draws it whole)."""
    ax.clear()
    ax._pagemig_layout = None
    ax._pagemig_dynamic = []


def _same_layout(ax, kind, key) -> bool:
    """Whether ``ax`` already holds a ``kind`` plot laid out for ``key`` (then it is
    updated in place: no clear, no new ticks, legends or titles)."""
    state = getattr(ax, "_pagemig_layout", None)
    return state == (kind, key)


def _set_layout(ax, kind, key, dynamic) -> None:
    """Remember the layout of ``ax`` and the artists that change between redraws (a
    widget redraws just those over a cached background when the layout is the same)."""
    ax._pagemig_layout = (kind, key)
    ax._pagemig_dynamic = list(dynamic)


def _fresh(ax, kind) -> None:
    """Clear an ``ax`` a kit plot drew on before; mark it as redrawn whole each time."""
    if getattr(ax, "_pagemig_layout", None) is not None:
        ax.clear()
    _set_layout(ax, kind, object(), [])


def _hatch_paths(cells):
    """Unit squares over the file-pte cells (the hatch that sets them apart from none)."""
    return [
        Rectangle((c - 0.5, r - 0.5), 1, 1)
        for r, row in enumerate(cells)
        for c, cell in enumerate(row)
        if cell[0] == "file"
    ]


def _lock_offsets(kernel, procs, vpns):
    """Where the lock marks go: the top-right corner of each cell whose page is locked."""
    pts = [
        (c + 0.34, r - 0.3)
        for r, p in enumerate(procs)
        for c, vpn in enumerate(vpns)
        if pte_locked(kernel, p.ptes.get(vpn))
    ]
    return np.array(pts, dtype=float).reshape(-1, 2)


FILE_HATCH = "////"  # file ptes are hatched: "none" is plain and unlabelled
FILE_HATCH_COLOUR = "#888888"


def plot_pte_map(kernel, processes=None, ax=None, addrs=None, highlight=None):
    """Processes x virtual pages, one colour per pte state.

    none (light grey, no label), present (the colour of the node its page is on),
    migration entry (black), nonlinear file pte (grey and hatched, ``F5``), swap
    entry (dark grey), the zero page (pale yellow, ``Z``: a read of untouched
    anonymous memory). Up to ``LABEL_COLUMNS`` columns each cell is labelled with the
    entry (``P12w``: present, pfn 12, writable; ``M12r``: read migration entry to pfn
    12; ``F5``: file pte for file page 5); an entry to a file page also names the file
    page (``P12w f3``). A white diamond in a cell's corner marks a pte whose page is
    locked (PG_locked). ``addrs`` limits the columns to those addresses (default:
    every page of every VMA); ``highlight`` outlines the cells of the given addresses.
    Called again on the same ``ax`` with the same processes and pages, it updates the
    picture in place.
    """
    ax = _ax(ax, (6.4, 2.4))
    procs, vpns, cells = pte_grid(kernel, processes, addrs)
    nrows, ncols = len(procs), len(vpns)
    rgb = np.array([[to_rgb(c[1]) for c in row] for row in cells], dtype=float)
    swap = any(c[0] == "swap" for row in cells for c in row)
    zero = any(c[0] == "zero" for row in cells for c in row)
    col = {vpn: i for i, vpn in enumerate(vpns)}
    hl = tuple(
        sorted({col[int(a) >> PAGE_SHIFT] for a in highlight or () if int(a) >> PAGE_SHIFT in col})
    )
    labels = ncols <= LABEL_COLUMNS
    wrap = ncols > 8  # "P12w f3" on two lines when the cells are narrow

    def text_of(label):
        return label.replace(" ", "\n") if wrap else label

    key = (tuple(p.pid for p in procs), tuple(vpns), kernel.nr_nodes, swap, zero, hl)
    if _same_layout(ax, "pte", key) and nrows and ncols:
        n_texts = nrows * ncols if labels else 0
        image, *texts = ax._pagemig_dynamic[: 1 + n_texts]
        hatch, locks = ax._pagemig_dynamic[1 + n_texts : 3 + n_texts]
        image.set_data(rgb)
        if labels:
            for t, (_s, colour, label) in zip(texts, (c for row in cells for c in row)):
                t.set_text(text_of(label))
                t.set_color(text_colour(colour))
        hatch.set_paths(_hatch_paths(cells))
        locks.set_offsets(_lock_offsets(kernel, procs, vpns))
        return ax
    ax.clear()
    ax.set_title(
        f"Page tables: {nrows} process(es) x {ncols} virtual page(s), colour = pte state",
        fontsize="medium",
    )
    if nrows == 0 or ncols == 0:
        ax.text(
            0.5, 0.5, "no process maps anything", ha="center", va="center", transform=ax.transAxes
        )
        ax.set_axis_off()
        _set_layout(ax, "pte", key, [])
        return ax
    image = ax.imshow(
        rgb, aspect="auto", interpolation="nearest", extent=(-0.5, ncols - 0.5, nrows - 0.5, -0.5)
    )
    dynamic = [image]
    texts = []
    if labels:
        size = "small" if ncols <= 12 else "x-small"
        for r, row in enumerate(cells):
            for c, (_state, colour, label) in enumerate(row):
                texts.append(
                    ax.text(
                        c,
                        r,
                        text_of(label),
                        ha="center",
                        va="center",
                        fontsize=size,
                        color=text_colour(colour),
                        zorder=3,
                    )
                )
    dynamic += texts
    hatch = PatchCollection(
        _hatch_paths(cells),
        facecolor="none",
        edgecolor=FILE_HATCH_COLOUR,
        linewidth=0,
        hatch=FILE_HATCH,
        zorder=2,
    )
    ax.add_collection(hatch, autolim=False)
    locks = ax.scatter(
        *_lock_offsets(kernel, procs, vpns).T,
        marker="D",
        s=22,
        facecolor="white",
        edgecolor="black",
        linewidth=0.8,
        zorder=4,
        label="_locks",
    )
    dynamic += [hatch, locks]
    # cell borders (white lines over the image)
    if ncols <= 64:
        dynamic.append(
            ax.vlines(
                np.arange(0.5, ncols - 1, 1), -0.5, nrows - 0.5, colors="white", linewidth=1.0
            )
        )
    if nrows > 1:
        dynamic.append(
            ax.hlines(
                np.arange(0.5, nrows - 1, 1), -0.5, ncols - 0.5, colors="white", linewidth=1.0
            )
        )
    for i in hl:  # a black dash over a white line: visible on every fill
        for colour, width, style in (("white", 3.0, "-"), (STATE_COLOURS["migration"], 1.6, "--")):
            dynamic.append(
                ax.add_patch(
                    Rectangle(
                        (i - 0.5, -0.5),
                        1,
                        nrows,
                        fill=False,
                        edgecolor=colour,
                        linewidth=width,
                        linestyle=style,
                        label="_page under study",
                    )
                )
            )
    ax.set_xlim(-0.5, ncols - 0.5)
    ax.set_ylim(nrows - 0.5, -0.5)
    ax.set_yticks(range(nrows), [f"pid {p.pid}" for p in procs])
    step = max(1, int(np.ceil(ncols / 8)))
    ticks = list(range(0, ncols, step))
    ax.set_xticks(ticks, [f"{vpns[i] << PAGE_SHIFT:#x}" for i in ticks], fontsize="small")
    ax.set_xlabel("virtual address")
    nodes = range(kernel.nr_nodes)
    handles = [Patch(facecolor=STATE_COLOURS["none"], edgecolor="grey", label=STATE_LABELS["none"])]
    handles += [Patch(facecolor=node_colour(n), label=f"present, node {n}") for n in nodes]
    handles += [
        Patch(facecolor=STATE_COLOURS["migration"], label=STATE_LABELS["migration"]),
        Patch(
            facecolor=STATE_COLOURS["file"],
            edgecolor=FILE_HATCH_COLOUR,
            hatch=FILE_HATCH,
            linewidth=0,
            label=STATE_LABELS["file"],
        ),
    ]
    if swap:
        handles.append(Patch(facecolor=STATE_COLOURS["swap"], label=STATE_LABELS["swap"]))
    if zero:
        handles.append(Patch(facecolor=STATE_COLOURS["zero"], label=STATE_LABELS["zero"]))
    handles.append(
        Line2D(
            [],
            [],
            marker="D",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="black",
            markersize=5,
            label="page locked",
        )
    )
    _side_legend(
        ax,
        handles,
        title="pte",
        title_fontsize="small",
    )
    _set_layout(ax, "pte", key, dynamic)
    return ax


# -- nodes -------------------------------------------------------------------------------
PALETTE_GREY = "#DDDDDD"


def plot_nodes(kernel, ax=None, moved=None):
    """Frames per node: used (in the node's colour), pages that moved there (hatched), free.

    ``moved``: the pages (``Page`` objects or pfns) that migration moved, in their new
    frames; each is counted on the node it now sits on. Without ``moved`` (None) the
    view does not know what moved: it shows used and free only, with no "moved here"
    entry in its legend or title. Called again on the same ``ax`` for a machine of the
    same shape, it updates the bars in place.
    """
    ax = _ax(ax, (4.0, 2.4))
    moved_per_node = [0] * kernel.nr_nodes
    for m in moved or ():
        pfn = m if isinstance(m, int) else m.pfn
        moved_per_node[pfn // kernel.frames_per_node] += 1
    nodes = list(kernel.nodes)
    used = np.array([n.nr_used for n in nodes])
    mv = np.minimum(np.array(moved_per_node), used)
    free = np.array([n.nr_free for n in nodes])
    notes = [
        f"{n.nr_used}/{n.frames} used" + (f", {m} moved in" if m else "") for n, m in zip(nodes, mv)
    ]
    told = moved is not None
    key = (tuple(n.frames for n in nodes), told)
    if _same_layout(ax, "nodes", key):
        bars = ax._pagemig_dynamic
        k = len(nodes)
        for i in range(k):
            bars[i].set_width(used[i] - mv[i])
            bars[k + i].set_x(used[i] - mv[i])
            bars[k + i].set_width(mv[i])
            bars[2 * k + i].set_x(used[i])
            bars[2 * k + i].set_width(free[i])
            bars[3 * k + i].set_text(notes[i])
        return ax
    ax.clear()
    ys = np.arange(len(nodes))
    colours = [node_colour(n.nid) for n in nodes]
    b_used = ax.barh(ys, used - mv, color=colours, edgecolor="black", linewidth=0.5, label="used")
    b_moved = ax.barh(
        ys,
        mv,
        left=used - mv,
        color=colours,
        edgecolor="black",
        hatch="////",
        linewidth=0.5,
        label="moved here",
    )
    b_free = ax.barh(
        ys, free, left=used, color="white", edgecolor="grey", linewidth=0.5, label="free"
    )
    total = max((n.frames for n in nodes), default=1)
    texts = [
        ax.text(total * 1.02, y, note, va="center", fontsize="x-small")
        for y, note in zip(ys, notes)
    ]
    ax.set_yticks(ys, [f"node {n.nid}" for n in nodes])
    ax.set_ylim(len(nodes) - 0.5, -0.5)
    ax.set_xlim(0, total * 1.45)
    ax.set_xlabel("frames")
    ax.set_title("Frames per node: used, free" + (", moved in" if told else ""), fontsize="medium")
    handles = [Patch(facecolor=PALETTE_GREY, edgecolor="black", label="used (node colour)")]
    if told:
        handles.append(
            Patch(facecolor=PALETTE_GREY, edgecolor="black", hatch="////", label="moved here")
        )
    handles.append(Patch(facecolor="white", edgecolor="grey", label="free"))
    _side_legend(ax, handles)
    _set_layout(ax, "nodes", key, [*b_used, *b_moved, *b_free, *texts])
    return ax


# -- reverse map -------------------------------------------------------------------------
def _vma_pte_for(kernel, vma, page):
    """(addr, pte) of the entry in ``vma`` that refers to ``page`` (present or migration
    entry to its pfn, or for a linear vma the pte where it belongs), or (None, None)."""
    mm = vma.mm
    if not vma.nonlinear and page.mapping is not None:
        idx = page.index
        if vma.pgoff <= idx < vma.pgoff + vma.pages:
            addr = vma.start + ((idx - vma.pgoff) << PAGE_SHIFT)
            return addr, mm.ptes.get(addr >> PAGE_SHIFT)
        return None, None
    for addr in vma.addresses():
        pte = mm.ptes.get(addr >> PAGE_SHIFT)
        if pte is None:
            continue
        if pte.kind in ("present", "migration") and pte.pfn == page.pfn:
            return addr, pte
        if pte.kind == "file" and pte.pgoff == page.index:
            return addr, pte
    return None, None


def _box(ax, x, y, text, fill, edge="black", size="x-small"):
    return ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=size,
        color=text_colour(fill),
        transform=ax.transAxes,
        bbox={"boxstyle": "round,pad=0.3", "facecolor": fill, "edgecolor": edge},
    )


def _arrow(ax, src, dst):
    """An arrow from the right edge of text box ``src`` to the left edge of ``dst``."""
    ax.annotate(
        "",
        xy=(0, 0.5),
        xycoords=dst,
        xytext=(1, 0.5),
        textcoords=src,
        arrowprops={
            "arrowstyle": "->",
            "color": "#444444",
            "linewidth": 0.8,
            "shrinkA": 9,
            "shrinkB": 9,
        },
    )


MAX_RMAP_VMAS = 8


def plot_rmap(kernel, page, ax=None):
    """One page and everything that maps it: its anon_vma and the VMAs on its list, or its
    file's address_space with the linear VMAs in the prio tree (``i_mmap``) and the
    nonlinear ones (``i_mmap_nonlinear``). Each VMA box shows the pte that refers to the
    page there, in the pte map's colours."""
    ax = _ax(ax, (5.0, 3.0))
    if _same_layout(ax, "rmap", ()):
        for t in list(ax.texts):
            t.remove()
    else:
        ax.clear()
        ax.set_axis_off()
    _draw_rmap(kernel, page, ax)
    _set_layout(ax, "rmap", (), [ax.title, *ax.texts])
    return ax


def _draw_rmap(kernel, page, ax):
    if isinstance(page, int):
        page = kernel.pfn_to_page(page)
    if page is None or page.count == 0 or page.mapping is None:
        what = "no page" if page is None else f"pfn {page.pfn} is not a mapped page"
        ax.set_title("Reverse map", fontsize="medium")
        ax.text(0.5, 0.5, what, ha="center", va="center", transform=ax.transAxes)
        return
    anon = isinstance(page.mapping, AnonVma)
    flags = ",".join(page.flag_names()) or "-"
    page_text = (
        f"pfn {page.pfn} (node {page.node})\nindex {page.index}\n"
        f"mapcount {page.mapcount}, count {page.count}\n{flags}"
    )
    page_box = _box(ax, 0.13, 0.5, page_text, node_colour(page.node))
    groups = []  # (label, y, vmas)
    if anon:
        av = page.mapping
        ax.set_title(
            f"Reverse map of pfn {page.pfn}: anonymous page, anon_vma {av.id}", fontsize="medium"
        )
        groups.append((f"anon_vma {av.id}\n{len(av.head)} vma(s) on its list", 0.5, list(av.head)))
    else:
        mapping = page.mapping
        name = getattr(mapping.host, "name", "?")
        ax.set_title(
            f"Reverse map of pfn {page.pfn}: page {page.index} of {name}", fontsize="medium"
        )
        linear = mapping.i_mmap.query(page.index)
        nonlinear = list(mapping.i_mmap_nonlinear)
        groups.append(
            (
                f"i_mmap (prio tree)\n{len(linear)} linear vma(s) cover page {page.index}",
                0.72,
                linear,
            )
        )
        groups.append((f"i_mmap_nonlinear\n{len(nonlinear)} nonlinear vma(s)", 0.28, nonlinear))
    rows = []
    for label, y, vmas in groups:
        box = _box(ax, 0.46, y, label, "#FFFFFF")
        _arrow(ax, page_box, box)
        for vma in vmas[:MAX_RMAP_VMAS]:
            rows.append((box, vma))
        if len(vmas) > MAX_RMAP_VMAS:
            rows.append((box, len(vmas) - MAX_RMAP_VMAS))
    n = len(rows)
    for i, (src, vma) in enumerate(rows):
        y = 0.92 - (0.84 * (i + 0.5) / n) if n else 0.5
        if isinstance(vma, int):
            ax.text(
                0.82,
                y,
                f"... {vma} more",
                ha="center",
                va="center",
                fontsize="x-small",
                transform=ax.transAxes,
            )
            continue
        addr, pte = _vma_pte_for(kernel, vma, page)
        state, colour, label = pte_cell(kernel, pte)
        where = f"{addr:#x}: {label or 'none'}" if addr is not None else "does not map it"
        kind = "nonlinear" if vma.nonlinear else ("anon" if vma.file is None else "linear")
        box = _box(ax, 0.82, y, f"pid {vma.mm.pid} {kind} vma\n{where}", colour)
        _arrow(ax, src, box)
    if not rows:
        ax.text(
            0.82,
            0.5,
            "no vma maps it",
            ha="center",
            va="center",
            fontsize="x-small",
            transform=ax.transAxes,
        )


# -- the reference-count gate --------------------------------------------------------------
def gate_checks(trace):
    """Each migrate_page_move_mapping check in a trace: (pass, count found, count
    expected, passed?). A check that found the radix slot changed counts as failed."""
    out = []
    last_pass = None
    for e in trace:
        if "pass" in e.data:
            last_pass = e.data["pass"]
        if e.func == "migrate_page_move_mapping" and "count" in e.data:
            ok = e.data.get("rc", 0) == 0
            out.append((last_pass, e.data["count"], e.data["expected"], ok))
    return out


def plot_gate(trace, ax=None, title=None):
    """The reference-count gate, pass by pass: one bar per check by
    migrate_page_move_mapping of the count it found on the old page, a black tick at the
    count it expected (2 + PagePrivate for a page-cache page, 1 for a plain anonymous
    one); a bar is green where the check passed and the page cache was switched,
    vermillion and hatched where it said -EAGAIN. A trace with no check (the gate was
    never reached) says so."""
    ax = _ax(ax, (4.0, 2.4))
    _fresh(ax, "gate")
    checks = gate_checks(trace)
    ax.set_title(title or "The reference-count gate, pass by pass", fontsize="medium")
    ax.set_xlabel("pass")
    ax.set_ylabel("page_count")
    if not checks:
        ax.text(
            0.5,
            0.5,
            "migrate_page_move_mapping never ran:\nthe gate was never reached",
            ha="center",
            va="center",
            fontsize="small",
            transform=ax.transAxes,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
    xs = np.arange(len(checks))
    good, bad = OUTCOME_COLOURS["clean"], OUTCOME_COLOURS["invariant broken"]
    for x, (_pass, count, _expected, ok) in zip(xs, checks):
        ax.bar(
            x,
            count,
            width=0.7,
            color=good if ok else bad,
            edgecolor="black",
            linewidth=0.5,
            hatch="" if ok else "//",
        )
    ax.scatter(xs, [c[2] for c in checks], marker="_", s=400, color="black", linewidth=2, zorder=3)
    ax.set_xticks(xs, [str(c[0]) for c in checks], fontsize="small")
    ax.set_ylim(0, max(max(c[1], c[2]) for c in checks) + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _side_legend(
        ax,
        [
            Patch(facecolor=good, edgecolor="black", label="count as expected: moved"),
            Patch(facecolor=bad, edgecolor="black", hatch="//", label="-EAGAIN"),
            Line2D(
                [],
                [],
                marker="_",
                linestyle="",
                color="black",
                markersize=12,
                markeredgewidth=2,
                label="expected count",
            ),
        ],
    )
    return ax


# -- timeline ----------------------------------------------------------------------------
def _event_rows(trace_or_frame):
    """(seq, task, func, what, kind) tuples from a Trace, a list of Events or a DataFrame."""
    if hasattr(trace_or_frame, "itertuples") and hasattr(trace_or_frame, "columns"):
        df = trace_or_frame
        return [
            (int(r.seq), str(r.task), str(r.func), str(r.what), str(r.kind))
            for r in df[["seq", "task", "func", "what", "kind"]].itertuples(index=False)
        ]
    return [(e.seq, e.task, e.func, e.what, e.kind) for e in trace_or_frame]


def plot_timeline(trace_or_frame, ax=None):
    """Which path did what, when it waited: one lane per task, one marker per event
    (coloured and shaped by kind), a bar over each sleep labelled with where it slept."""
    ax = _ax(ax, (6.4, 2.4))
    _fresh(ax, "timeline")
    rows = _event_rows(trace_or_frame)
    tasks = list(dict.fromkeys(r[1] for r in rows))
    lane = {t: i for i, t in enumerate(tasks)}
    ax.set_title(
        f"Timeline: {len(rows)} event(s) of {len(tasks)} path(s); bars = sleeping",
        fontsize="medium",
    )
    if not rows:
        ax.text(0.5, 0.5, "no events yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        return ax
    last = rows[-1][0]
    # sleeps: from a wait to the same task's next wake (or to now)
    open_wait = {}
    for seq, task, func, _what, kind in rows:
        if kind == "wait":
            open_wait[task] = (seq, func)
        elif kind == "wake" and task in open_wait:
            start, f = open_wait.pop(task)
            _sleep_bar(ax, lane[task], start, seq, f)
    for task, (start, f) in open_wait.items():
        _sleep_bar(ax, lane[task], start, last + 0.5, f + " (still asleep)")
    for kind in KIND_COLOURS:
        pts = [(r[0], lane[r[1]]) for r in rows if r[4] == kind]
        if pts:
            xs, ys = zip(*pts)
            ax.scatter(
                xs,
                ys,
                c=KIND_COLOURS[kind],
                marker=KIND_MARKERS[kind],
                s=22,
                edgecolors="black",
                linewidths=0.3,
                label=kind,
                zorder=3,
            )
    for seq, task, func, _what, kind in rows:
        if kind in ("bug", "error"):
            ax.annotate(
                func,
                (seq, lane[task]),
                xytext=(0, 6),
                textcoords="offset points",
                fontsize="x-small",
                ha="center",
                color="black",
            )
    ax.set_yticks(range(len(tasks)), tasks, fontsize="small")
    ax.set_ylim(len(tasks) - 0.4, -0.6)
    ax.set_xlabel("event #")
    _side_legend(ax, title="event", title_fontsize="small")
    return ax


def _sleep_bar(ax, y, start, end, func):
    ax.broken_barh(
        [(start, end - start)],
        (y - 0.18, 0.36),
        facecolors=KIND_COLOURS["wait"],
        alpha=0.35,
        edgecolor="none",
        label="_sleep",
    )
    ax.text(
        start,
        y - 0.24,
        f"sleeps in {func}",
        fontsize="x-small",
        va="bottom",
        color=KIND_COLOURS["wait"],
    )


# -- success rates -------------------------------------------------------------------------
PARAMETER_LABELS = {
    "dirty_fraction": "fraction of pages dirty",
    "nonlinear_fraction": "fraction of mappings nonlinear",
    "pinned_fraction": "fraction of pages pinned",
    "nodes": "number of nodes",
    "free_frames": "free frames on the target node",
}


def plot_success_rates(frame, ax=None, by="variant"):
    """Migration success rate with its 95% band against the swept parameter: one line per
    value of ``by`` ("variant" or "mapping"); when the other column takes several values
    too, one line per combination (line style by the other column).

    ``frame``: the DataFrame of ``pagemig.experiments.sweep`` (columns parameter, value,
    variant, mapping, trials, pages, successes, rate, ci_low, ci_high).
    """
    if by not in ("variant", "mapping"):
        raise ValueError(f"by must be 'variant' or 'mapping', got {by!r}")
    ax = _ax(ax, (6.0, 3.2))
    _fresh(ax, "rates")
    other = "mapping" if by == "variant" else "variant"
    if frame is None or len(frame) == 0:
        ax.set_title("Success rate: no results yet", fontsize="medium")
        ax.text(0.5, 0.5, "no results yet", ha="center", va="center", transform=ax.transAxes)
        return ax
    param = str(frame["parameter"].iloc[0])
    several = frame[other].nunique() > 1
    keys = [by, other] if several else [by]
    styles = ["-", "--", ":", "-."]
    others = list(dict.fromkeys(frame[other])) if several else []
    series = list(dict.fromkeys(frame[by]))
    for key, group in frame.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        g = group.sort_values("value")
        colour = series_colour(str(key[0]), series.index(key[0]))
        style = styles[others.index(key[1]) % len(styles)] if several else "-"
        label = " / ".join(str(k) for k in key)
        x = g["value"].to_numpy(dtype=float)
        ax.fill_between(
            x,
            g["ci_low"].to_numpy(dtype=float),
            g["ci_high"].to_numpy(dtype=float),
            color=colour,
            alpha=0.2,
            linewidth=0,
            label="_band",
        )
        ax.plot(
            x,
            g["rate"].to_numpy(dtype=float),
            style,
            color=colour,
            marker="o",
            markersize=4,
            label=label,
        )
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel(PARAMETER_LABELS.get(param, param))
    ax.set_ylabel("pages migrated / pages tried")
    trials = int(frame["trials"].max()) if "trials" in frame else 0
    ax.set_title(
        f"Migration success rate vs {PARAMETER_LABELS.get(param, param)} "
        f"({trials} trials per point, 95% band)",
        fontsize="medium",
    )
    ax.legend(
        title=" / ".join(keys),
        fontsize="x-small",
        title_fontsize="small",
        frameon=False,
        loc="best",
    )
    ax.grid(True, alpha=0.3)
    return ax


# -- the race map ----------------------------------------------------------------------------
def _outcome_label(outcome: str) -> str:
    from pagemig.explore import OUTCOME_LABELS

    return OUTCOME_LABELS.get(outcome, outcome)


def plot_race_map(exploration, ax=None, title=None, max_label=26):
    """The race map of a ``pagemig.explore.Exploration``: one strip per number of steps the
    first path (the migration) had taken when the second path took its first step, split
    by outcome in proportion to the interleavings that start there; the legend counts the
    interleavings of each outcome. Strips are labelled with the migration's function at
    that step (as it runs when it goes first)."""
    from pagemig.explore import OUTCOMES

    strips = exploration.strips()
    n = int(strips["start"].max()) + 1 if len(strips) else 1
    ax = _ax(ax, (6.4, max(2.4, 0.17 * n + 1.2)))
    _fresh(ax, "racemap")
    totals = strips.groupby("start")["interleavings"].sum()
    left = dict.fromkeys(range(n), 0.0)
    present = [o for o in OUTCOMES if o in set(strips["outcome"])]
    for outcome in present:
        part = strips[strips["outcome"] == outcome]
        ys = part["start"].to_numpy(dtype=int)
        widths = np.array([c / totals[s] for s, c in zip(ys, part["interleavings"])], dtype=float)
        lefts = np.array([left[y] for y in ys], dtype=float)
        ax.barh(
            ys,
            widths,
            left=lefts,
            height=0.86,
            color=OUTCOME_COLOURS.get(outcome, "#BBBBBB"),
            edgecolor="white",
            linewidth=0.4,
            hatch=OUTCOME_HATCHES.get(outcome),
            label=f"{_outcome_label(outcome)} ({exploration.counts.get(outcome, 0):,})",
        )
        for y, w in zip(ys, widths):
            left[y] += w
    labels = {}
    for s, lab in zip(strips["start"], strips["label"]):
        labels.setdefault(int(s), str(lab))
    ticks = list(range(n))
    ax.set_yticks(
        ticks,
        [f"{t} {labels.get(t, '')[:max_label]}" for t in ticks],
        fontsize="x-small" if n > 24 else "small",
    )
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("share of the interleavings in which the second path starts there")
    ax.set_ylabel("second path starts after migration step")
    how = "all" if exploration.exhaustive else "cut by the bound:"
    name = title or getattr(exploration.build, "title", None) or "race"
    ax.set_title(
        f"{name}\n{exploration.variant}: {how} {exploration.interleavings:,} interleavings, "
        f"{exploration.states:,} states",
        fontsize="medium",
    )
    _side_legend(ax, fontsize="small", title="outcome (interleavings)", title_fontsize="small")
    return ax


def race_map_alt(exploration) -> str:
    """Alt text for ``plot_race_map``: the counts, then the stretches of start positions
    that share their outcomes, in words."""
    strips = exploration.strips()
    counts = "; ".join(f"{_outcome_label(o)}: {c:,}" for o, c in exploration.counts.items())
    parts = []
    run = None
    for start, group in strips.groupby("start", sort=True):
        kinds = tuple(o for o in group.sort_values("outcome")["outcome"])
        label = str(group["label"].iloc[0])
        if run is not None and run[2] == kinds:
            run[1] = (start, label)
        else:
            if run is not None:
                parts.append(run)
            run = [(start, label), (start, label), kinds]
    if run is not None:
        parts.append(run)
    spans = []
    for (a, alab), (b, blab), kinds in parts:
        where = f"step {a} ({alab})" if a == b else f"steps {a} ({alab}) to {b} ({blab})"
        spans.append(f"after {where}: " + " or ".join(_outcome_label(o) for o in kinds))
    return (
        f"Race map, {exploration.variant}: {exploration.interleavings:,} interleavings "
        f"({'exhaustive' if exploration.exhaustive else 'cut by the bound'}). {counts}. "
        "Where the second path starts: " + "; ".join(spans) + "."
    )


def plot_trace_diff(frame, ax=None, rows=None, width=34):
    """An aligned diff of several variants' traces for one schedule: one row per step of
    the schedule (``frame`` from ``pagemig.explore.aligned_traces``), one column per
    variant; each cell names the kernel function that step ran, coloured by event kind;
    a cell that differs from the first variant's is outlined thick, a step a variant
    could not take (its task asleep or finished) is left blank. ``rows``: only these
    row positions (e.g. the differing ones and their neighbours)."""
    variants = [c[: -len(" func")] for c in frame.columns if c.endswith(" func")]
    data = frame if rows is None else frame.iloc[list(rows)]
    n = len(data)
    ax = _ax(ax, (2.2 + 2.6 * len(variants), 0.24 * n + 1.0))
    _fresh(ax, "tracediff")
    for j, v in enumerate(variants):
        for i, (_, r) in enumerate(data.iterrows()):
            func, kind, what = r[f"{v} func"], r[f"{v} kind"], r[f"{v} what"]
            differs = (
                j > 0
                and not r["same"]
                and (func != r[f"{variants[0]} func"] or what != r[f"{variants[0]} what"])
            )
            if func is None or (isinstance(func, float) and np.isnan(func)):
                fill, text = "white", "—"
            else:
                fill = KIND_COLOURS.get(kind, "#F2F2F2")
                text = str(func)
                if kind in ("wait", "wake", "bug", "error", "return"):
                    text += f" ({kind})"
            ax.add_patch(
                Rectangle(
                    (j, i),
                    0.96,
                    0.9,
                    facecolor=fill,
                    edgecolor="black",
                    linewidth=1.8 if differs else 0.3,
                    alpha=0.9,
                )
            )
            ax.text(
                j + 0.03,
                i + 0.45,
                text[:width],
                va="center",
                ha="left",
                fontsize="x-small",
                color=text_colour(fill),
            )
    ax.set_xlim(0, len(variants))
    ax.set_ylim(n, 0)
    ax.set_xticks([j + 0.48 for j in range(len(variants))], variants, fontsize="small")
    ax.xaxis.tick_top()
    ax.set_yticks(
        [i + 0.45 for i in range(n)],
        [f"{int(s)} {t}" for s, t in zip(data["slot"], data["task"])],
        fontsize="x-small",
    )
    ax.tick_params(length=0)
    for sp in ax.spines.values():
        sp.set_visible(False)
    ndiff = int((~frame["same"]).sum())
    ax.set_title(
        f"One schedule, {len(variants)} kernels: {ndiff} of {len(frame)} steps differ "
        "(thick outline)",
        fontsize="medium",
        pad=18,
    )
    return ax


__all__ = [
    "plot_race_map",
    "plot_trace_diff",
    "race_map_alt",
    "plot_pte_map",
    "plot_nodes",
    "plot_rmap",
    "plot_timeline",
    "plot_success_rates",
    "pte_grid",
    "pte_cell",
    "new_axes",
    "reset_axes",
]
