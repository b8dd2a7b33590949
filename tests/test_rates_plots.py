"""widgets.rates' cost plots and alt texts, and widgets.figures (figures with alt text)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from pagemig import Kernel  # noqa: E402
from pagemig.experiments import sweep  # noqa: E402
from widgets.figures import FigureWithAlt, nodes_alt, pte_map_alt, with_alt  # noqa: E402
from widgets.plots import new_axes, plot_success_rates  # noqa: E402
from widgets.rates import SuccessRates, costs_alt, plot_costs, rates_alt  # noqa: E402


@pytest.fixture(scope="module")
def sharers():
    return sweep(
        "sharers",
        [1, 2, 4],
        trials=2,
        pages=4,
        variants=("patched", "before-patch"),
        mappings=("file linear",),
    )


def test_plot_costs_draws_one_line_per_variant_on_the_given_axes(sharers):
    ax = new_axes()
    assert plot_costs(sharers, "refaults", ax=ax) is ax
    curves = ax.containers  # one errorbar container per line
    assert [c.get_label() for c in curves] == ["patched", "before-patch"]
    assert list(curves[1].lines[0].get_ydata()) == [4.0, 8.0, 16.0]
    assert list(curves[0].lines[0].get_ydata()) == [0.0] * 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["patched", "before-patch"]
    assert "processes sharing" in ax.get_xlabel()
    with pytest.raises(ValueError):
        plot_costs(sharers, "colour", ax=ax)


def test_alt_texts_say_what_the_figures_show(sharers):
    text = costs_alt(sharers, "refaults")
    assert "before-patch: 4 at 1, 8 at 2, 16 at 4" in text
    assert "patched: 0 at 1, 0 at 2, 0 at 4" in text
    pinned = sweep("pinned_fraction", [0, 0.5], trials=6, pages=8)
    alt = rates_alt(pinned)
    assert "1 exact at 0" in alt  # no band where nothing varies
    row = pinned.iloc[1]
    assert row.varies and "at 0.5" in alt and "exact at 0.5" not in alt


def test_a_figure_with_alt_shows_its_alt_as_text_and_in_the_img():
    ax = new_axes()
    plot_success_rates(sweep("free_frames", [0, 8], trials=1, pages=4), ax=ax)
    shown = with_alt(ax, 'rates "quoted"')
    assert isinstance(shown, FigureWithAlt) and shown.figure is ax.figure
    bundle = shown._repr_mimebundle_()
    assert bundle["text/plain"] == 'rates "quoted"' == repr(shown)
    assert 'alt="rates &quot;quoted&quot;"' in bundle["text/html"]
    assert "data:image/png;base64," in bundle["text/html"]
    with pytest.raises(ValueError):
        with_alt(ax, "  ")
    with pytest.raises(TypeError):
        with_alt("not a figure", "x")


def test_pte_map_and_nodes_alt_follow_the_kernel():
    k = Kernel(nodes=2, frames_per_node=8)
    p = k.spawn()
    v = p.mmap(2)
    p.write(v.start, b"x")
    text = pte_map_alt(k)
    assert f"{v.start:#x} present, pfn" in text and "node 0, writable" in text
    assert f"{v.start + 4096:#x} none" in text
    k.migrate_pages([p.page_at(v.start)], 1)
    assert "node 1" in pte_map_alt(k, addrs=[v.start])
    assert (
        nodes_alt(k) == "Frames per node. node 0: 0 of 8 frames used; node 1: 1 of 8 frames used."
    )


def test_success_rates_widget_passes_writepage_and_sweeps_the_new_knobs():
    sr = SuccessRates(
        parameter="dirty_fraction",
        trials=2,
        pages=4,
        values=(1.0,),
        variants=("patched",),
        render=False,
    )
    assert sr.run()["rate"].tolist() == [1.0]  # writepage works: dirty pages move
    sr.writepage_control.value = "activate"
    assert sr.writepage == "activate" and sr.frame is None
    assert sr.run()["rate"].tolist() == [0.0]
    sr.parameter = "io_latency"
    assert sr.values == (0, 5, 10, 20, 40)
    sr.mappings = ("anonymous",)
    assert sr.run_button.disabled and "file mapping" in sr.message_pane.value


def test_success_rates_widget_plots_a_cost_and_keeps_the_frame_when_the_metric_changes():
    sr = SuccessRates(
        parameter="sharers",
        values=(1, 2),
        trials=1,
        pages=4,
        variants=("patched", "before-patch"),
        metric="refaults",
    )
    frame = sr.run()
    ax = sr.figure().axes[0]
    assert [c.get_label() for c in ax.containers] == ["patched", "before-patch"]
    assert list(ax.containers[1].lines[0].get_ydata()) == [4.0, 8.0]
    assert "refaults_sd" in sr._repr_mimebundle_()["text/html"]
    sr.metric_control.value = "rate"  # the mouse picks another plot: no new sweep
    assert sr.metric == "rate" and sr.frame is frame
    ax = sr.figure().axes[0]
    assert ax.containers == [] and [ln.get_label() for ln in ax.get_lines()] == [
        "patched",
        "before-patch",
    ]
