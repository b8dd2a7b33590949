"""The widgets, driven headlessly through their traits and buttons: engine state, what
the figures contain, the text they show, and how they display (stable repr, PNG in an
Image, a static picture as HTML)."""

from __future__ import annotations

import base64
import io
import linecache
import re

import ipywidgets as ipw
import numpy as np
import PIL.Image
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from pagemig.constants import PAGE_SHIFT
from pagemig.scenarios import MAPPING_TYPES, build_scenario
from widgets import MigrationLab, RaceExplorer, Stepper, SuccessRates, _base
from widgets._base import figure_png, kernel_function, png_bytes
from widgets.palette import SERIES_COLOURS, STATE_COLOURS, node_colour

DPI = 20
# small pictures, drawn only when a test looks at them (the tests read the Figure's artists)
FAST = {"dpi": DPI, "render": False}
VARIANTS = ("patched", "before-patch", "unsafe-writeout", "modern")


def pte_cell(ax, row, addr, procs):
    vpns = sorted({a >> PAGE_SHIFT for p in procs for v in p.vmas for a in v.addresses()})
    return tuple(np.round(ax.images[0].get_array()[row, vpns.index(addr >> PAGE_SHIFT), :3], 6))


def rgb(c):
    return tuple(np.round(to_rgb(c), 6))


def pixels(png: bytes):
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


# -- MigrationLab ------------------------------------------------------------------------------
@pytest.mark.parametrize("mapping", MAPPING_TYPES)
@pytest.mark.parametrize("dirty", [False, True])
@pytest.mark.parametrize("variant", VARIANTS)
def test_lab_runs_every_mapping_dirty_and_variant(mapping, dirty, variant):
    lab = MigrationLab(mapping=mapping, dirty=dirty, sharers=2, variant=variant, **FAST)
    sc, k = lab.scenario, lab.kernel
    assert sc.mapping == mapping and k.variant == variant
    if mapping != "anonymous":
        assert sc.page.dirty == dirty
    first = lab.step_button.click() or lab.events[-1]
    assert lab.steps == 1 and first.task == "migrate"
    lab.run_button.click()
    assert lab.task.done and lab.task.result == 0
    assert k.violations() == []
    page = sc.page
    if page is None:  # the ptes were dropped (before the patch / nonlinear): refault
        for p, a in zip(sc.processes, sc.addrs):
            p.read(a, 1)
        lab.refresh()
        page = sc.page
    assert page.node == 1
    assert "migrate_pages returned 0" in lab.message_pane.value
    pte_ax, nodes_ax, rmap_ax = lab.figure().axes
    assert pte_cell(pte_ax, 0, sc.addrs[0], sc.processes) == rgb(node_colour(1))
    used, moved, free = nodes_ax.containers
    assert moved[1].get_width() == 1  # the page moved to node 1
    assert f"pfn {page.pfn} (node 1)" in " ".join(t.get_text() for t in rmap_ax.texts)
    if dirty and mapping != "anonymous":
        assert k.vmstat["pgmigrate_writeout"] == 1
        assert "pgmigrate_writeout" in lab.vmstat_pane.value
    assert "every invariant holds" in lab.vmstat_pane.value


@pytest.mark.parametrize("mapping", MAPPING_TYPES)
@pytest.mark.parametrize("nodes", range(1, 9))
def test_lab_nodes_one_to_eight(mapping, nodes):
    lab = MigrationLab(mapping=mapping, nodes=nodes, **FAST)
    assert lab.nodes_control.value == nodes
    if nodes == 1:
        assert lab.kernel is None and lab.scenario is None
        assert "at least two nodes" in lab.message_pane.value
        assert lab.step_button.disabled and lab.run_button.disabled
        assert lab.step() is None  # no traceback, nothing to do
        assert "no machine" in lab.figure().axes[0].get_title()
        return
    assert lab.kernel.nr_nodes == nodes
    pte_ax, nodes_ax, _ = lab.figure().axes
    legend = [t.get_text() for t in pte_ax.get_legend().get_texts()]
    assert [x for x in legend if x.startswith("present")] == [
        f"present, node {n}" for n in range(nodes)
    ]
    assert [t.get_text() for t in nodes_ax.get_yticklabels()] == [f"node {n}" for n in range(nodes)]
    for n, bar in enumerate(nodes_ax.containers[0]):
        assert bar.get_facecolor()[:3] == to_rgb(node_colour(n))


def test_lab_traits_and_controls_are_the_same_setting():
    lab = MigrationLab(**FAST)
    k0 = lab.kernel
    assert not lab.scenario.page.dirty
    lab.dirty = True
    assert lab.dirty_control.value is True
    assert lab.kernel is not k0 and lab.scenario.page.dirty  # rebuilt, dirty
    lab.sharers_control.value = 3
    assert lab.sharers == 3 and len(lab.scenario.processes) == 3
    lab.mapping_control.value = "anonymous"
    assert lab.mapping == "anonymous" and lab.scenario.page.anon
    assert lab.writepage_control.disabled  # writepage means nothing for anonymous memory
    lab.mapping = "file linear"
    assert not lab.writepage_control.disabled
    lab.writepage = None  # no writepage method
    assert lab.writepage == "none" and lab.scenario.file.mapping.writepage is None
    lab.variant_control.value = "before-patch"
    assert lab.kernel.variant == "before-patch"


def test_lab_settings_that_make_no_sense_show_a_message():
    lab = MigrationLab(**FAST)
    lab.sharers = 0
    assert lab.kernel is None and "at least one process" in lab.message_pane.value
    assert lab.step() is None and lab.run() is None
    lab.sharers = 1
    assert lab.kernel is not None and lab.message_pane.value == ""
    with pytest.raises(Exception):  # noqa: B017 - not a mapping type at all: traitlets refuses
        lab.mapping = "shmem"
    assert lab.mapping == "file linear" and lab.kernel is not None


def test_lab_pins_make_migration_fail():
    lab = MigrationLab(pins=1, **FAST)
    lab.run()
    assert lab.task.result == 1  # one page not migrated
    assert lab.scenario.page.node == 0
    assert "did not move" in lab.message_pane.value
    assert lab.kernel.vmstat["pgmigrate_fail"] == 1


def test_lab_step_back_reset_replay_deterministically():
    lab = MigrationLab(dirty=True, sharers=2, **FAST)
    for _ in range(12):
        lab.step_button.click()
    events = [str(e) for e in lab.events]
    png12 = lab.png()
    lab.step_button.click()
    lab.back_button.click()
    assert lab.steps == 12
    assert [str(e) for e in lab.events] == events
    assert lab.png() == png12 or np.abs(pixels(lab.png()) - pixels(png12)).max() < 40
    other = MigrationLab(dirty=True, sharers=2, **FAST)
    for _ in range(12):
        other.step()
    assert [str(e) for e in other.events] == events
    lab.reset_button.click()
    assert lab.steps == 0 and lab.events == [] and lab.back_button.disabled


def test_lab_shows_migration_entries_mid_migration():
    lab = MigrationLab(sharers=2, **FAST)
    sc = lab.scenario
    while sc.processes[1].pte(sc.addrs[1]).kind != "migration":
        assert lab.step() is not None
    pte_ax = lab.figure().axes[0]
    assert pte_cell(pte_ax, 1, sc.addrs[1], sc.processes) == rgb(STATE_COLOURS["migration"])
    assert "try_to_unmap_one" in lab.events_pane.value


def test_lab_display_repr_png_and_static_html():
    lab = MigrationLab(mapping="file nonlinear", sharers=2, dpi=40)
    assert repr(lab) == (
        "MigrationLab(mapping='file nonlinear', dirty=False, writepage='ok', sharers=2, "
        "nodes=2, variant='patched', pins=0, seed=0, steps=0)"
    )
    assert isinstance(lab, ipw.VBox) and lab.image in lab.children
    assert isinstance(lab.image, ipw.Image) and lab.image.format == "png"
    assert lab.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert isinstance(lab.figure(), Figure)
    assert not any(isinstance(c, ipw.Output) for c in lab.children)
    bundle = lab._repr_mimebundle_()
    assert set(bundle) == {
        "text/plain",
        "text/html",
        "application/vnd.jupyter.widget-view+json",
    }
    assert bundle["text/plain"] == repr(lab)
    html = bundle["text/html"]
    b64 = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(b64) == figure_png(lab.figure())
    # the same settings give byte-identical HTML (nbval compares it exactly)
    twin = MigrationLab(mapping="file nonlinear", sharers=2, dpi=40)
    assert twin._repr_mimebundle_()["text/html"] == html
    assert "model_id" not in html
    before = lab.image.value
    lab.step_button.click()  # every change reaches the page as a new PNG
    assert lab.image.value != before and lab.image.value == lab.png()


def test_render_off_draws_only_when_asked():
    lab = MigrationLab(**FAST)
    lab.step()
    assert lab.image.value == b""
    assert lab.figure().axes[0].images  # drawn on demand
    png = lab.png()
    assert png[:4] == b"\x89PNG" and lab.image.value == png


def test_incremental_redraw_matches_a_full_redraw():
    lab = MigrationLab(dirty=True, sharers=2, dpi=30)
    for n in (1, 7, 12):  # one step; the migration entries are in; the ptes restored
        while lab.steps < n:
            lab.step()
        inc, full = pixels(lab.png()), pixels(figure_png(lab.figure()))
        diff = np.abs(inc - full).max(axis=2)
        # identical but for antialiased pixels where tick marks meet an image or a bar
        assert (diff > 0).mean() < 0.002
        assert diff.max() < 64


def test_a_race_redraws_only_the_axes_whose_layout_changed_and_matches_a_full_redraw():
    r = RaceExplorer(race="fault", variant="unsafe-writeout", dpi=72)
    partial = 0
    for n in range(14):  # the timeline is drawn afresh at each step, the pte map is not
        (r.migration_button if n % 3 else r.other_button).click()
        partial += r._blit_cache["axes_redrawn"]
        inc, full = pixels(r.png()), pixels(figure_png(r.figure()))
        diff = np.abs(inc - full).max(axis=2)
        # as the incremental redraw: identical but for a few antialiased edge pixels
        assert (diff > 0).mean() < 0.002 and diff.max() < 64, f"step {n}"
    assert partial >= 10


def test_png_bytes_decode_to_the_pixels():
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
    img = PIL.Image.open(io.BytesIO(png_bytes(arr)))
    assert img.mode == "RGBA" and img.size == (5, 7)
    assert np.array_equal(np.asarray(img), arr)
    assert png_bytes(arr) == png_bytes(arr.copy())  # the same pixels, the same bytes
    lab = MigrationLab(mapping="file linear", pages=16, dpi=30)
    assert np.array_equal(pixels(lab.png()), np.asarray(lab.figure().canvas.buffer_rgba()))


def test_a_control_change_redraws_only_what_changed_and_matches_a_full_redraw(kit_scale):
    _base.set_scale(1.0, pixel_ratio=1.0)
    lab = MigrationLab(mapping="file linear", pages=64, dpi=40)
    lab.dirty = True
    lab.dirty = False  # the cache now holds the clean picture's pieces
    changing = len(lab._blit_cache["items"])
    for n in range(4):
        lab.dirty = not lab.dirty
        # the pte map's hatching and lock marks have a signature and lie inside the
        # axes: a dirty toggle does not repaint the pte map and the node view
        kinds = {sig[0] for sig, _ext in lab._blit_cache["redrawn_items"]}
        assert "image" not in kinds and "collection" not in kinds, n
        assert 0 < lab._blit_cache["redrawn"] < changing / 2, n
        inc, full = pixels(lab.png()), pixels(figure_png(lab.figure()))
        diff = np.abs(inc - full).max(axis=2)
        assert (diff > 0).mean() < 0.002 and diff.max() < 64, n


def test_reused_pixels_are_the_pixels_a_draw_makes(kit_scale, monkeypatch):
    """An item redrawn over the same pixels as last time is pasted, not drawn: the PNG is
    byte for byte what drawing it again gives."""
    _base.set_scale(1.0, pixel_ratio=1.0)
    pngs = {}
    for reuse in (True, False):
        if not reuse:  # every redrawn item drawn afresh
            monkeypatch.setitem(_base.__dict__, "_draw_reusing", _draw_all)
        lab = MigrationLab(mapping="file linear", sharers=2, pages=16, dpi=40)
        out = []
        for _ in range(6):
            lab.dirty = not lab.dirty
            out.append(lab.png())
        pngs[reuse] = out
    assert pngs[True] == pngs[False]


def _draw_all(dynamic, items, redraw, renderer, buf, cache):
    for i in redraw:
        dynamic[i].draw(renderer)


# -- Stepper ---------------------------------------------------------------------------------
def marked_line(stepper):
    m = re.search(r"▶\s*(\d+)", stepper.source_pane.value)
    return int(m.group(1)) if m else None


def test_stepper_shows_the_source_line_it_stopped_at():
    st = Stepper(**FAST)
    # the path's closure is named after the kernel function it models, never as Python
    # names it (Kernel.start_migrate_pages.<locals>.path)
    assert st.stack[0][0] == "migrate_to_node"
    for _ in range(12):
        ev = st.step_button.click() or st.last_event
        assert ev is not None
        # the generator is suspended at a yield: the marked line is that yield
        code = st._shown.gen
        while code.gi_yieldfrom is not None:
            code = code.gi_yieldfrom
        filename = code.gi_code.co_filename
        line = linecache.getline(filename, st.current_line)
        assert marked_line(st) == st.current_line
        assert "yield" in line or "yield" in linecache.getline(filename, st.current_line - 1)
        assert st.current_function == kernel_function(code.gi_code)
        assert "<locals>" not in st.current_function
        assert f"#{ev.seq}" in st.event_pane.value
    assert [f for f, _ in st.stack][:3] == ["migrate_to_node", "migrate_pages", "unmap_and_move"]
    assert repr(st).startswith("Stepper(task='migrate', steps=12, function=")
    # the static picture names the functions, without source lines that engine edits move
    html = st._repr_mimebundle_()["text/html"]
    assert "<code>unmap_and_move</code>" in html and "▶" not in html
    shown = html + st.stack_pane.value + st.source_pane.value + repr(st)
    assert "<locals>" not in shown and "&lt;locals&gt;" not in shown
    assert st.figure()._suptitle.get_text().endswith(f"in {st.current_function}")


def test_stepper_back_and_steps_trait_replay():
    st = Stepper(lambda: build_scenario("anonymous", sharers=2).start_migration(), **FAST)
    for _ in range(6):
        st.step()
    seen = [str(e) for e in st.events]
    where = st.stack
    st.step()
    st.back_button.click()
    assert st.steps == 6 and [str(e) for e in st.events] == seen and st.stack == where
    st.steps = 3
    assert len(st.kernel.trace) == 3 and st.steps == 3
    st.run_button.click()
    assert st.task.done and st.task.result == 0
    assert "returned 0" in st.message_pane.value
    assert st.step_button.disabled


def test_stepper_on_a_given_kernel_cannot_rewind():
    sc = build_scenario("file linear", sharers=2)
    st = Stepper(
        task_factory=lambda k: sc.processes[0].start_access(sc.addrs[0], write=True),
        kernel=sc.kernel,
        **FAST,
    )
    assert st.back_button.disabled and st.reset_button.disabled
    st.run()
    assert st.task.done and sc.page.dirty
    steps = st.steps
    st.steps = 0  # refused, with a message, no traceback
    assert st.steps == steps > 0
    assert "only go forward" in st.message_pane.value


# -- RaceExplorer ---------------------------------------------------------------------------------
def step_until_entry(r):
    sc = r.scenario
    for _ in range(60):
        if sc.processes[1].pte(sc.addrs[1]).kind != "present":
            return sc.processes[1].pte(sc.addrs[1]).kind
        r.migration_button.click()
    raise AssertionError("no migration entry appeared")


def test_race_fault_waits_in_migration_entry_wait():
    r = RaceExplorer(**FAST)
    assert r.other is None and "not started" in r.other_pane.value
    assert step_until_entry(r) == "migration"
    r.other_button.click()
    assert r.other is not None and r.other.blocked
    assert "migration_entry_wait" in r.other.waiting_on or "unlocked" in r.other.waiting_on
    assert r.events[-1].kind == "wait" and r.events[-1].func == "migration_entry_wait"
    assert "asleep" in r.other_pane.value
    assert r.step_other() is None and "sleeps" in r.message_pane.value
    time_ax = r.figure().axes[1]
    assert any("sleeps in migration_entry_wait" in t.get_text() for t in time_ax.texts)
    r.run_button.click()
    assert r.migration.done and r.other.done and r.migration.result == 0
    assert r.kernel.vmstat["pgmigrate_entry_wait"] == 1
    assert r.kernel.violations() == []


def test_race_unsafe_writeout_breaks_the_invariant_and_the_fault_oopses():
    r = RaceExplorer(variant="unsafe-writeout", **FAST)
    step_until_entry(r)
    for _ in range(60):
        if r.kernel.violations():
            break
        r.step_migration()
    rules = [rule for rule, _ in r.kernel.violations()]
    assert "a migration entry points only at a locked page" in rules
    assert "invariant broken" in r.check_pane.value
    r.step_other()
    r.step_other()
    assert r.kernel.oopses and "kernel BUG" in r.check_pane.value
    assert any(e.kind == "bug" for e in r.events)


def test_race_before_patch_drops_ptes_and_writeback_race_runs():
    r = RaceExplorer(variant="before-patch", **FAST)
    assert step_until_entry(r) == "none"
    r.run()
    assert r.migration.done and r.other.done
    assert r.kernel.vmstat["pgmigrate_entry_wait"] == 0
    r.race = "writeback"
    assert r.other is None and r.other_button.description == "Step writeback"
    assert r.step_other().func == "write_one_page"
    r.run()
    assert r.migration.done and r.other.done and r.migration.result == 0
    assert "both paths have finished" in r.message_pane.value


def test_race_back_replays_history():
    r = RaceExplorer(**FAST)
    step_until_entry(r)
    r.step_other()
    seen = [str(e) for e in r.events]
    r.step_migration()
    r.back_button.click()
    assert [str(e) for e in r.events] == seen
    assert (
        repr(r) == f"RaceExplorer(race='fault', variant='patched', seed=0, steps={len(r.history)})"
    )


# -- SuccessRates ---------------------------------------------------------------------------------
def test_success_rates_runs_with_progress_and_draws_curves():
    sr = SuccessRates(trials=3, values=(0.0, 1.0), writepage="activate", **FAST)
    assert sr.frame is None and "press Run" in sr.message_pane.value
    assert sr.figure().axes[0].get_lines() == []
    sr.run_button.click()  # the sweep runs in a thread (so that Cancel can be clicked)
    sr.wait(120)
    df = sr.frame
    assert list(df.columns[:4]) == ["parameter", "value", "variant", "mapping"]
    assert sr.progress.value == sr.progress.max == 2 * 2 * 3
    assert df[df.value == 0.0].rate.tolist() == [1.0, 1.0]
    assert df[df.value == 1.0].rate.tolist() == [0.0, 0.0]
    lines = sr.figure().axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["patched", "before-patch"]
    assert [ln.get_color() for ln in lines] == [
        SERIES_COLOURS["patched"],
        SERIES_COLOURS["before-patch"],
    ]
    assert "<table" in sr._repr_mimebundle_()["text/html"]
    sr.trials = 4  # a new setting: the old result is gone
    assert sr.frame is None and sr.progress.value == 0


def test_success_rates_parameters_and_nonsense():
    sr = SuccessRates(**FAST)
    sr.parameter_control.value = "nodes"
    assert sr.parameter == "nodes" and sr.values == (2, 3, 4, 6, 8)
    sr.parameter = "nonlinear_fraction"
    sr.mappings = ("anonymous",)
    assert sr.run_button.disabled and "file mapping" in sr.message_pane.value
    assert sr.run() is None and sr.frame is None
    sr.mappings = ("file linear",)
    sr.variants = ()
    assert sr.run_button.disabled and "variant" in sr.message_pane.value
    assert repr(sr).startswith("SuccessRates(parameter='nonlinear_fraction', trials=20")


# -- issue 16: the lab reports the page through the page cache; bounded traits; cancel ------------
@pytest.mark.parametrize(
    "mapping, variant", [("file nonlinear", "patched"), ("file linear", "before-patch")]
)
def test_lab_finds_a_moved_file_page_through_the_page_cache(mapping, variant):
    # migration clears these ptes (nonlinear cluster, or before the patch): the pte
    # finds nothing, the page cache finds the page on the target node
    lab = MigrationLab(mapping=mapping, variant=variant, **FAST)
    index = lab.scenario.page.index
    lab.run()
    assert lab.task.result == 0
    assert lab.scenario.page is None  # the pte was dropped
    cached = lab.scenario.file.mapping.find_get_page(index)
    assert cached.node == lab.scenario.target_node
    assert lab.moved() == [cached] and lab.page_now() is cached
    assert f"the page is on node {cached.node}" in lab.message_pane.value


def test_lab_traits_are_bounded_like_their_sliders():
    import traitlets

    lab = MigrationLab(**FAST)
    for name, bad in (("sharers", 3000), ("nodes", 9), ("pins", 4), ("pages", 10**6)):
        with pytest.raises(traitlets.TraitError):
            setattr(lab, name, bad)
    assert lab.sharers == 1 and len(lab.scenario.processes) == 1
    assert lab.sharers_control.max == type(lab).sharers.max


def test_rates_traits_bounded_and_a_sweep_can_be_cancelled():
    import threading

    import traitlets

    sr = SuccessRates(trials=50, values=(0.0, 0.5, 1.0), **FAST)
    with pytest.raises(traitlets.TraitError):
        sr.trials = 10**6
    with pytest.raises(traitlets.TraitError):
        sr.values = tuple(range(1000))
    assert sr.trials == 50 and sr.trials_control.max == type(sr).trials.max
    started = threading.Event()
    seen = []

    def on_progress(change):  # the first chunk of trials is done: press Cancel
        seen.append(change["new"])
        if change["new"] > 0:
            started.set()
            sr.cancel_button.click()

    sr.progress.observe(on_progress, names=["value"])
    sr.run_button.click()  # runs in a thread, as in the notebook
    assert started.wait(60)
    sr.wait(60)
    assert not sr.running and sr.frame is None
    total = 3 * 2 * 50
    assert 0 < max(seen) < total and "cancelled after" in sr.message_pane.value
    assert not sr.run_button.disabled and sr.cancel_button.disabled


# -- resolution and projection scale ---------------------------------------------------------
@pytest.fixture
def kit_scale():
    """Restore the kit's display settings after a test that changes them."""
    import widgets._base as base

    saved = base.scale_settings()
    try:
        yield base
    finally:
        base._SETTINGS.update(saved)


def png_size(png: bytes) -> tuple[int, int]:
    return PIL.Image.open(io.BytesIO(png)).size


def test_figures_are_rastered_at_their_size_on_screen_times_the_pixel_ratio(kit_scale):
    kit_scale.set_scale(1.0, pixel_ratio=1.0)
    lab = MigrationLab(dirty=True, sharers=2)
    w, h = png_size(lab.png())
    css = float(lab.image.layout.width.removesuffix("px"))
    assert css == lab.css_width() <= w  # never scaled up on screen
    assert w == int(9.6 * 96) and lab.figure().dpi == 96
    lab.pixel_ratio = 2.0  # a hi-dpi screen: twice the pixels, the same size on screen
    w2, h2 = png_size(lab.png())
    assert (w2, h2) == (pytest.approx(2 * w, abs=1), pytest.approx(2 * h, abs=1))
    assert float(lab.image.layout.width.removesuffix("px")) <= w2 / 2
    assert lab.image.value == lab.png()


def test_set_scale_reaches_every_widget_that_follows_the_kit(kit_scale):
    kit_scale.set_scale(1.0, pixel_ratio=1.0)
    lab, own = MigrationLab(), Stepper(scale=1.2)
    race = RaceExplorer(view="all interleavings", scenario="anonymous page")
    before = png_size(lab.png())[0], png_size(race.map_image.value)[0]
    assert kit_scale.set_scale(2.0) == {"scale": 2.0, "pixel_ratio": 1.0}
    assert lab.scale == 2.0 and race.scale == 2.0 and own.scale == 1.2
    assert png_size(lab.image.value)[0] == pytest.approx(2 * before[0], abs=1)
    assert png_size(race.map_image.value)[0] == pytest.approx(2 * before[1], abs=1)
    assert MigrationLab(**FAST).scale == 2.0  # widgets made later start with it
    lab.scale = 1.0  # its own now: the kit's setting no longer moves it
    kit_scale.set_scale(1.5)
    assert lab.scale == 1.0


def test_set_scale_refuses_nonsense_before_changing_anything(kit_scale):
    kit_scale.set_scale(1.0, pixel_ratio=1.0)
    lab = MigrationLab(**FAST)
    for bad, error in ((0, ValueError), (9, ValueError), ("big", TypeError), (True, TypeError)):
        with pytest.raises(error, match="scale"):
            kit_scale.set_scale(bad, pixel_ratio=2.0)
    with pytest.raises(ValueError, match="pixel_ratio"):
        kit_scale.set_scale(2.0, pixel_ratio=0.5)
    assert kit_scale.scale_settings() == {"scale": 1.0, "pixel_ratio": 1.0}
    assert lab.scale == 1.0
    import traitlets

    with pytest.raises(traitlets.TraitError):
        lab.scale = 0.0


def test_the_scale_comes_from_the_environment_as_pagemig_present_sets_it():
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, widgets; from widgets import MigrationLab; lab = MigrationLab(); "
        "print(json.dumps([widgets.scale_settings(), lab.scale, lab.figure().dpi]))"
    )
    env = {**os.environ, "PAGEMIG_SCALE": "1.6", "PAGEMIG_PIXEL_RATIO": "2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    settings, scale, dpi = json.loads(out.stdout)
    assert settings == {"scale": 1.6, "pixel_ratio": 2.0} and scale == 1.6
    assert dpi == pytest.approx(96 * 1.6 * 2)
    env["PAGEMIG_SCALE"] = "huge"  # not a number: the default, and no traceback
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)[1] == 1.0, out.stderr


@pytest.mark.parametrize(
    "make",
    [
        lambda: MigrationLab(dirty=True, sharers=2),
        lambda: Stepper(),
        lambda: RaceExplorer(),
        lambda: SuccessRates(),
    ],
    ids=["MigrationLab", "Stepper", "RaceExplorer", "SuccessRates"],
)
def test_smallest_text_is_legible_at_projection_scale_and_not_below(kit_scale, make):
    kit_scale.set_scale(1.0, pixel_ratio=1.0)
    w = make()
    small = w.legibility()
    assert small["texts"] > 5 and small["min_text_css_px"] < kit_scale.MIN_TEXT_PX
    kit_scale.set_scale(kit_scale.PROJECTION_SCALE)
    big = w.legibility()
    assert big["min_text_css_px"] >= kit_scale.MIN_TEXT_PX, big
    assert big["min_line_css_px"] >= kit_scale.MIN_TEXT_PX, big
    assert big["png"][0] >= w.css_width()
    # what the page is told (the browser test reads it): the last full draw's figures
    w.redraw() if w.render else None
    w.png()
    pane = w.legibility_pane.value
    assert 'class="pagemig-legibility"' in pane
    shown = float(re.search(r'data-min-text-px="([\d.]+)"', pane).group(1))
    assert shown == pytest.approx(big["min_text_px"], abs=0.01)
    assert w.legibility_pane in w.children


def test_a_reported_device_pixel_ratio_rerasters_the_figure(kit_scale):
    kit_scale.set_scale(1.0, pixel_ratio=1.0)
    lab = MigrationLab()
    if lab._probe is None:
        pytest.fail("anywidget is not installed: the pixel ratio probe is missing")
    assert lab._probe in lab.children
    w = png_size(lab.image.value)[0]
    lab._probe.ratio = 2.0  # what the probe's view sets from window.devicePixelRatio
    assert lab.pixel_ratio == 2.0
    assert png_size(lab.image.value)[0] == pytest.approx(2 * w, abs=1)
    lab._probe.ratio = 1.0  # a second view on a plain screen: the sharper picture stays
    assert lab.pixel_ratio == 2.0
    kit_scale.set_scale(pixel_ratio=1.0)  # the browser's report wins over the setting
    assert lab.pixel_ratio == 2.0


# -- fast steps: next kernel function, next pte change, end of the pass ----------------------
def all_ptes(kernel):
    return {
        (p.pid, vpn): (pte.kind, pte.pfn, pte.write)
        for p in kernel.processes.values()
        for vpn, pte in p.ptes.items()
    }


def pass_starts(events, name="migrate"):
    return [
        e.data["pass"]
        for e in events
        if e.task == name and e.func == "migrate_pages" and "pages" in e.data
    ]


@pytest.mark.parametrize("kind", ["lab", "stepper", "race"])
def test_fast_steps_stop_where_they_say(kind):
    w = {
        "lab": lambda: MigrationLab(dirty=True, sharers=2, **FAST),
        "stepper": lambda: Stepper(**FAST),
        "race": lambda: RaceExplorer(**FAST),
    }[kind]()

    def path():  # Back rebuilds the machine: the path is a new task then
        return w.migration if kind == "race" else w.task

    steps = (lambda: len(w.history)) if kind == "race" else (lambda: w.steps)
    # next kernel function: each press ends in another function than it started in
    seen = []
    for _ in range(6):
        before, n0 = stack_top(path()), steps()
        n = w.next_function_button.click() or steps() - n0
        assert n >= 1 and steps() == n0 + n
        assert stack_top(path()) != before, w.message
        assert f"is in {stack_top(path())}" in w.message
        seen.append(stack_top(path()))
    assert "try_to_unmap" in seen  # past the set-up in a few presses, not ~30 Steps
    # next pte change: the step that changed a pte, not one later
    for _ in range(2):
        k = w.kernel
        before, n0 = all_ptes(k), steps()
        w.next_pte_button.click()
        assert all_ptes(k) != before and "pte at 0x" in w.message
        if kind != "race":  # replaying one step fewer shows the ptes as they were
            w.back_button.click()
            assert all_ptes(w.kernel) == before or steps() - n0 > 1
            w.step_to("pte")
    # end of the pass: stops at the step that began the next pass (or ended the call)
    k = w.kernel
    started = pass_starts(k.trace.events)
    w.end_of_pass_button.click()
    now = pass_starts(w.kernel.trace.events)
    assert len(now) == len(started) + 1 and now[-1] == (started[-1] + 1 if started else 0)
    assert w.kernel.trace.events[-1].func == "migrate_pages", w.message
    # to the end: each press is bounded and says when the path has finished
    for _ in range(12):
        w.end_of_pass_button.click()
        if path().done:
            break
    assert path().done and "finished" in w.message
    n0 = steps()
    for b in (w.next_function_button, w.next_pte_button, w.end_of_pass_button):
        b.click()
        assert steps() == n0
    step = w.migration_button if kind == "race" else w.step_button
    assert w.next_function_button.disabled == step.disabled


def stack_top(task):
    from widgets._base import path_function

    return path_function(task)


def test_fast_steps_are_bounded_and_refuse_an_unknown_target():
    from widgets._base import fast_step

    lab = MigrationLab(dirty=True, sharers=2, **FAST)
    n, msg = fast_step(lab.kernel, lab.task, lab.scenario.processes, "pass", lab._advance, 2)
    assert n == 2 and "stopped after 2 steps without reaching the end of the pass" in msg
    with pytest.raises(ValueError, match="target must be one of"):
        lab.step_to("somewhere")
    assert lab.steps == 2  # refused before stepping


def test_a_fast_step_on_a_path_that_sleeps_for_ever_stops_and_says_why():
    sc = build_scenario("file linear", sharers=1)
    k = sc.kernel
    k.start_lock_holder(sc.page, hold=None)  # holds the lock until someone sleeps on it
    st = Stepper(task_factory=lambda kk: kk.start_lock_holder(sc.page, hold=None), kernel=k, **FAST)
    n = st.step_to("pte")  # no pte ever changes: the paths finish or sleep; no hang
    assert n < 2000 and st.message
    assert "nothing more could run" in st.message or "finished" in st.message


def test_fast_steps_follow_a_replayed_schedule():
    r = RaceExplorer(view="all interleavings", scenario="anonymous page", **FAST)
    r.select_cell(*r.map_cells[-1].cell)
    total = len(r.selected_schedule)
    r.end_of_pass_button.click()
    assert 0 < r.replayed <= total and r.history and len(r.history) == r.replayed
    for _ in range(20):
        if r.replayed >= total or r.migration.done:
            break
        r.next_pte_button.click()
    assert r.replayed <= total
