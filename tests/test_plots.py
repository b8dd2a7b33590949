"""The kit's plots, drawn under Agg: what the figures contain (artists, colours, labels)
for each mapping type, dirty or clean, 1-8 nodes and each kernel variant."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgb, to_rgba

from pagemig import Kernel
from pagemig.constants import PAGE_SHIFT
from pagemig.scenarios import MAPPING_TYPES, build_scenario
from widgets import (
    PALETTE,
    plot_nodes,
    plot_pte_map,
    plot_rmap,
    plot_success_rates,
    plot_timeline,
)
from widgets.palette import KIND_COLOURS, SERIES_COLOURS, STATE_COLOURS, node_colour
from widgets.plots import new_axes

VARIANTS = ("patched", "before-patch", "unsafe-writeout")


def cell(ax, row, col):
    return tuple(np.round(ax.images[0].get_array()[row, col, :3], 6))


def rgb(colour):
    return tuple(np.round(to_rgb(colour), 6))


def col_of(ax, addr, vpns):
    return vpns.index(addr >> PAGE_SHIFT)


def pte_vpns(sc):
    return sorted({a >> PAGE_SHIFT for p in sc.processes for v in p.vmas for a in v.addresses()})


def run_until(k, task, pred, limit=500):
    for _ in range(limit):
        if pred():
            return True
        t = task if task.runnable else next((x for x in k.tasks if x.runnable), None)
        if t is None:
            return pred()
        k.step(t)
    return pred()


def test_palette_is_okabe_ito_and_states_distinct():
    assert PALETTE["orange"] == "#E69F00" and PALETTE["blue"] == "#0072B2"
    assert len(set(PALETTE.values())) == 8
    nodes = {node_colour(n) for n in range(8)}
    assert len(nodes) == 8
    assert not nodes & set(STATE_COLOURS.values())


def test_plots_use_agg_and_leave_pyplot_alone():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    sc = build_scenario("file linear")
    for ax in (
        plot_pte_map(sc.kernel),
        plot_nodes(sc.kernel),
        plot_rmap(sc.kernel, sc.page),
        plot_timeline(sc.kernel.trace),
    ):
        assert isinstance(ax.figure.canvas, FigureCanvasAgg)
        ax.figure.canvas.draw()
    assert plt.get_fignums() == before
    assert matplotlib.get_backend().lower() in ("agg", "module://matplotlib_inline.backend_inline")


# -- pte map -----------------------------------------------------------------------------
@pytest.mark.parametrize("mapping", MAPPING_TYPES)
@pytest.mark.parametrize("dirty", [False, True])
def test_pte_map_before_migration(mapping, dirty):
    sc = build_scenario(mapping, dirty=dirty, sharers=2)
    ax = plot_pte_map(sc.kernel, highlight=sc.addrs)
    vpns = pte_vpns(sc)
    assert ax.images[0].get_array().shape[:2] == (2, len(vpns))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["pid 1", "pid 2"]
    c = col_of(ax, sc.addrs[0], vpns)
    for row, (p, a) in enumerate(zip(sc.processes, sc.addrs)):
        assert cell(ax, row, col_of(ax, a, vpns)) == rgb(node_colour(0))
        label = p.pte(a).short() + ("" if mapping == "anonymous" else " f1")
        assert label in [t.get_text() for t in ax.texts]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["none (not mapped)", "present, node 0", "present, node 1"]
    assert "migration entry" in legend and "page locked" in legend
    assert "Page tables" in ax.get_title()
    assert lock_marks(ax) == []  # nothing holds a page lock yet
    # the page under study is outlined
    outlines = [p for p in ax.patches if p.get_linestyle() == "--"]
    assert len(outlines) == 1 and outlines[0].get_x() == pytest.approx(c - 0.5)


@pytest.mark.parametrize("mapping", MAPPING_TYPES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_pte_map_during_and_after_migration(mapping, variant):
    sc = build_scenario(mapping, sharers=2, variant=variant)
    k = sc.kernel
    p2, a2 = sc.processes[1], sc.addrs[1]
    task = sc.start_migration()
    assert run_until(k, task, lambda: p2.pte(a2).kind != "present")
    ax = plot_pte_map(k, highlight=sc.addrs)
    vpns = pte_vpns(sc)
    col = col_of(ax, a2, vpns)
    kind = p2.pte(a2).kind
    assert cell(ax, 1, col) == rgb(STATE_COLOURS[kind])
    if kind == "migration":
        assert f"M{p2.pte(a2).pfn}" in " ".join(t.get_text() for t in ax.texts)
    # file pages before the patch (and nonlinear ones) lose their ptes instead
    expect = (
        "migration"
        if mapping == "anonymous" or (mapping == "file linear" and variant != "before-patch")
        else ("none", "file")
    )
    assert kind in expect if isinstance(expect, tuple) else kind == expect
    k.run()
    ax = plot_pte_map(k, ax=ax, highlight=sc.addrs)  # redrawn in place
    page = sc.page
    if page is None:  # cleared and not refaulted: fault it back in, it comes from node 1
        p2.read(a2, 1)
        sc.processes[0].read(sc.addrs[0], 1)
        ax = plot_pte_map(k, ax=ax)
    assert sc.page.node == 1
    assert cell(ax, 0, col_of(ax, sc.addrs[0], vpns)) == rgb(node_colour(1))


def lock_marks(ax):
    """The cells (row, col) the pte map marks as locked."""
    (locks,) = [c for c in ax.collections if c.get_label() == "_locks"]
    return sorted((round(y + 0.3), round(x - 0.34)) for x, y in locks.get_offsets())


def hatched(ax):
    """The cells (row, col) the pte map hatches (file ptes)."""
    (coll,) = [c for c in ax.collections if c.get_hatch()]
    return sorted(
        (round(p.vertices[:, 1].mean()), round(p.vertices[:, 0].mean())) for p in coll.get_paths()
    )


def test_pte_map_names_file_pages_marks_locks_and_hatches_file_ptes():
    sc = build_scenario("file linear", sharers=2, pages=3, page_index=1)
    k = sc.kernel
    ax = plot_pte_map(k)
    texts = [t.get_text() for t in ax.texts]
    pfns = [sc.processes[0].pte(a).pfn for a in sc.vmas[0].addresses()]
    assert texts[:3] == [f"P{pfn}w f{i}" for i, pfn in enumerate(pfns)]
    task = sc.start_migration()
    run_until(k, task, lambda: sc.processes[1].pte(sc.addrs[1]).kind == "migration")
    assert sc.page.locked
    ax = plot_pte_map(k, ax=ax)  # in place
    assert lock_marks(ax) == [(0, 1), (1, 1)]  # both entries point at the locked page
    assert f"M{pfns[1]}w f1" in [t.get_text() for t in ax.texts]
    assert lock_marks(plot_pte_map(k)) == lock_marks(ax)
    k.run()
    ax = plot_pte_map(k, ax=ax)
    assert lock_marks(ax) == [] and hatched(ax) == []
    # a nonlinear sweep leaves file ptes: hatched, labelled; an unmapped pte is neither
    nl = build_scenario("file nonlinear", pages=3)
    assert nl.kernel.migrate_pages([nl.page], 1) == 0
    p, v = nl.processes[0], nl.vmas[0]
    p.zap_pte(v, v.start)
    ax = plot_pte_map(nl.kernel)
    assert [p.pte(a).kind for a in v.addresses()] == ["none", "file", "file"]
    assert hatched(ax) == [(0, 1), (0, 2)]
    assert [t.get_text() for t in ax.texts] == ["", "F2", "F0"]
    assert cell(ax, 0, 0) != cell(ax, 0, 1)
    # anonymous ptes carry no file index
    an = build_scenario("anonymous")
    assert all(" f" not in t.get_text() for t in plot_pte_map(an.kernel).texts)


def test_pte_map_addrs_limit_columns_and_many_columns_have_no_labels():
    sc = build_scenario("file linear", pages=64, frames_per_node=128)
    v = sc.vmas[0]
    ax = plot_pte_map(sc.kernel, addrs=[v.start, v.start + 0x1000])
    assert ax.images[0].get_array().shape[:2] == (1, 2)
    ax = plot_pte_map(sc.kernel)
    assert ax.images[0].get_array().shape[:2] == (1, 64)
    assert len(ax.texts) == 0  # 64 columns: colours only


def test_pte_map_in_place_update_matches_fresh_plot():
    sc = build_scenario("file linear", sharers=2)
    ax = plot_pte_map(sc.kernel)
    image = ax.images[0]
    task = sc.start_migration()
    run_until(sc.kernel, task, lambda: sc.processes[0].pte(sc.addrs[0]).kind == "migration")
    ax = plot_pte_map(sc.kernel, ax=ax)
    assert ax.images[0] is image  # same artist, new data
    fresh = plot_pte_map(sc.kernel)
    assert np.array_equal(ax.images[0].get_array(), fresh.images[0].get_array())
    assert [t.get_text() for t in ax.texts] == [t.get_text() for t in fresh.texts]


# -- nodes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("nodes", range(1, 9))
def test_plot_nodes_bars_per_node(nodes):
    k = Kernel(nodes=nodes, frames_per_node=16)
    p = k.spawn()
    v = p.mmap(3)
    for i in range(3):
        p.write(v.start + i * 0x1000, b"x")
    moved = []
    if nodes > 1:
        page = p.page_at(v.start)
        assert k.migrate_pages([page], node=nodes - 1) == 0
        moved = [p.page_at(v.start)]
    ax = plot_nodes(k, moved=moved)
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"node {n}" for n in range(nodes)]
    used, mv, free = ax.containers
    for n in range(nodes):
        total = used[n].get_width() + mv[n].get_width() + free[n].get_width()
        assert total == 16
        assert used[n].get_width() + mv[n].get_width() == k.nodes[n].nr_used
        assert used[n].get_facecolor() == to_rgba(node_colour(n))
    if nodes > 1:
        assert mv[nodes - 1].get_width() == 1 and mv[nodes - 1].get_hatch() == "////"
        assert "1 moved in" in " ".join(t.get_text() for t in ax.texts)
    assert sum(m.get_width() for m in mv) == len(moved)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "used (node colour)",
        "moved here",
        "free",
    ]
    # told nothing about what moved, the view claims nothing
    ax = plot_nodes(k)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["used (node colour)", "free"]
    assert "moved" not in ax.get_title() and "moved" not in " ".join(t.get_text() for t in ax.texts)


# -- reverse map -----------------------------------------------------------------------------
def box_texts(ax):
    return [t.get_text() for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("sharers", [1, 3])
def test_rmap_anonymous(sharers):
    sc = build_scenario("anonymous", sharers=sharers)
    ax = plot_rmap(sc.kernel, sc.page)
    texts = box_texts(ax)
    assert "anon_vma" in ax.get_title()
    assert any(t.startswith(f"anon_vma {sc.page.mapping.id}") for t in texts)
    vma_boxes = [t for t in ax.texts if t.get_text().startswith("pid ")]
    assert len(vma_boxes) == sharers
    for t in vma_boxes:
        assert "anon vma" in t.get_text()
        assert t.get_bbox_patch().get_facecolor() == to_rgba(node_colour(0))


@pytest.mark.parametrize("mapping", ["file linear", "file nonlinear"])
def test_rmap_file(mapping):
    sc = build_scenario(mapping, sharers=2)
    ax = plot_rmap(sc.kernel, sc.page)
    texts = box_texts(ax)
    n_lin = 2 if mapping == "file linear" else 0
    assert any(f"{n_lin} linear vma(s) cover page 1" in t for t in texts)
    assert any(f"{2 - n_lin} nonlinear vma(s)" in t for t in texts)
    kind = "linear" if mapping == "file linear" else "nonlinear"
    vma_boxes = [t for t in texts if t.startswith("pid ")]
    assert len(vma_boxes) == 2 and all(f" {kind} vma" in t for t in vma_boxes)
    assert f"page {sc.page.index} of data.bin" in ax.get_title()
    # the page box carries its pfn, node and counts
    assert any(t.startswith(f"pfn {sc.page.pfn} (node 0)") and "mapcount 2" in t for t in texts)


def test_rmap_shows_migration_entries_in_black_and_handles_no_page():
    sc = build_scenario("file linear", sharers=2)
    task = sc.start_migration()
    page = sc.page
    run_until(sc.kernel, task, lambda: sc.processes[1].pte(sc.addrs[1]).kind == "migration")
    ax = plot_rmap(sc.kernel, page)
    boxes = [t for t in ax.texts if t.get_text().startswith("pid ")]
    assert all(": M" in t.get_text() for t in boxes)
    assert all(t.get_bbox_patch().get_facecolor() == to_rgba("#000000") for t in boxes)
    ax = plot_rmap(sc.kernel, None)
    assert box_texts(ax) == ["no page"]


# -- timeline ----------------------------------------------------------------------------------
def race_trace():
    sc = build_scenario("file linear", sharers=2)
    k = sc.kernel
    task = sc.start_migration()
    run_until(k, task, lambda: sc.processes[1].pte(sc.addrs[1]).kind == "migration")
    fault = sc.processes[1].start_access(sc.addrs[1])
    k.step(fault)
    while fault.blocked is False and not fault.done:
        k.step(fault)
    k.run()
    return k


def test_timeline_lanes_kinds_and_sleeps():
    k = race_trace()
    ax = plot_timeline(k.trace)
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    tasks = list(dict.fromkeys(e.task for e in k.trace))
    assert lanes == tasks
    scat = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
    kinds = {e.kind for e in k.trace}
    assert set(scat) == kinds
    for kind, c in scat.items():
        assert len(c.get_offsets()) == sum(e.kind == kind for e in k.trace)
        assert tuple(c.get_facecolor()[0]) == to_rgba(KIND_COLOURS[kind])
    sleeps = [t.get_text() for t in ax.texts if t.get_text().startswith("sleeps in")]
    assert "sleeps in migration_entry_wait" in sleeps
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(scat)


def test_timeline_from_dataframe_equals_trace():
    k = race_trace()
    a = plot_timeline(k.trace)
    b = plot_timeline(k.trace.to_frame())
    assert [t.get_text() for t in a.texts] == [t.get_text() for t in b.texts]
    ca = [c.get_offsets().tolist() for c in a.collections if isinstance(c, PathCollection)]
    cb = [c.get_offsets().tolist() for c in b.collections if isinstance(c, PathCollection)]
    assert ca == cb
    empty = plot_timeline([])
    assert "0 event(s)" in empty.get_title()


# -- success rates -------------------------------------------------------------------------
def rates_frame(mappings=("file linear",)):
    rows = []
    for v in (0.0, 0.5, 1.0):
        for var, slope in (("patched", 1.0), ("before-patch", 0.5)):
            for m in mappings:
                n = 40
                s = int(round(n * (1 - slope * v)))
                rows.append(
                    {
                        "parameter": "dirty_fraction",
                        "value": v,
                        "variant": var,
                        "mapping": m,
                        "trials": 10,
                        "pages": n,
                        "successes": s,
                        "rate": s / n,
                        "ci_low": max(0.0, s / n - 0.1),
                        "ci_high": min(1.0, s / n + 0.1),
                    }
                )
    return pd.DataFrame(rows)


def test_success_rates_lines_bands_and_labels():
    df = rates_frame()
    ax = plot_success_rates(df)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["patched", "before-patch"]
    assert [ln.get_color() for ln in lines] == [
        SERIES_COLOURS["patched"],
        SERIES_COLOURS["before-patch"],
    ]
    patched = df[df.variant == "patched"].sort_values("value")
    assert list(lines[0].get_ydata()) == list(patched.rate)
    assert list(lines[0].get_xdata()) == list(patched.value)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    verts = bands[0].get_paths()[0].vertices
    assert verts[:, 1].min() == pytest.approx(patched.ci_low.min())
    assert verts[:, 1].max() == pytest.approx(patched.ci_high.max())
    assert ax.get_xlabel() == "fraction of pages dirty"
    assert "95% band" in ax.get_title() and "10 trials" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["patched", "before-patch"]


def test_success_rates_by_mapping_and_combinations():
    df = rates_frame(mappings=("anonymous", "file linear"))
    ax = plot_success_rates(df, by="mapping")
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels == [
        "anonymous / patched",
        "file linear / patched",
        "anonymous / before-patch",
        "file linear / before-patch",
    ] or sorted(labels) == sorted(
        [
            "anonymous / patched",
            "file linear / patched",
            "anonymous / before-patch",
            "file linear / before-patch",
        ]
    )
    styles = {ln.get_label(): ln.get_linestyle() for ln in ax.get_lines()}
    assert styles["anonymous / patched"] != styles["anonymous / before-patch"]
    colours = {ln.get_label(): ln.get_color() for ln in ax.get_lines()}
    assert colours["anonymous / patched"] == SERIES_COLOURS["anonymous"]
    with pytest.raises(ValueError, match="by must be"):
        plot_success_rates(df, by="seed")
    empty = plot_success_rates(df.iloc[0:0])
    assert empty.get_lines() == [] and "no results" in empty.get_title()


def test_new_axes_is_off_pyplot():
    ax = new_axes()
    assert isinstance(ax.figure.canvas, FigureCanvasAgg)


# -- the reference-count gate and alt text -----------------------------------------------------
def test_plot_gate_one_bar_per_check_coloured_by_outcome():
    from widgets.palette import OUTCOME_COLOURS
    from widgets.plots import gate_checks, plot_gate

    k = Kernel(nodes=2, frames_per_node=16)
    f = k.create_file("buf.img", 2, buffers=True)
    p = k.spawn()
    v = p.mmap(2, file=f, shared=True)
    p.read(v.start, 1)
    page = p.page_at(v.start)
    k.pin(page)
    t = k.start_migrate_pages([page], 1)
    for _ in range(200):  # step until the third check, then drop the pin
        k.step(t)
        if len(gate_checks(k.trace)) == 3:
            break
    k.unpin(page)
    k.run()
    assert t.result == 0
    checks = gate_checks(k.trace)
    assert [(c[1], c[2], c[3]) for c in checks] == [(4, 3, False)] * 3 + [(3, 3, True)]
    assert [c[0] for c in checks] == [0, 1, 2, 3]
    ax = plot_gate(k.trace)
    bars = ax.patches
    assert [b.get_height() for b in bars] == [4, 4, 4, 3]
    assert bars[-1].get_facecolor() == to_rgba(OUTCOME_COLOURS["clean"])
    assert bars[0].get_hatch() == "//" and not bars[-1].get_hatch()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]
    assert list(ax.collections[0].get_offsets()[:, 1]) == [3, 3, 3, 3]  # expected ticks
    empty = plot_gate([])
    assert "never reached" in " ".join(t.get_text() for t in empty.texts)
