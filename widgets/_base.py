"""What every widget of the kit shares: one reused Agg Figure rasterised to PNG bytes
for an ``ipywidgets.Image``, a stable text repr, and a static picture for pages
without a kernel (HTML export, a repository viewer).

Resolution and projection scale. A widget's figure is shown ``scale`` times its size
in CSS inches (96 CSS px per inch) and rasterised at that size times the screen's
``pixel_ratio`` (the browser's ``devicePixelRatio``, which a hidden probe in each widget
reports, where anywidget is installed), so the PNG is never scaled up on screen. The kit
setting::

    import widgets
    widgets.set_scale(widgets.PROJECTION_SCALE)   # every widget, shown and to come

or the environment variable ``PAGEMIG_SCALE`` (read when the kit is imported: this is
what ``pagemig present --scale`` sets for the kernel) choose the scale; each widget also
has a ``scale`` trait of its own. At :data:`PROJECTION_SCALE` the smallest text of every
figure is at least :data:`MIN_TEXT_PX` CSS pixels high (its font size on screen);
:meth:`FigureWidgetMixin.legibility` measures it, and each widget carries the last
measurement into the page (``.pagemig-legibility``) for the browser tests.

Why PNG in an Image and not an Output widget: an Output widget that captures a plot
leaks ``clear_output`` and stream messages into the cell's stored outputs, which
nbval then compares; an Image's value travels as widget state, which nbval ignores.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import os
import struct
import time
import weakref
import zlib

import ipywidgets as ipw
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection, LineCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.spines import Spine
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

# dpi=None (the default of every widget): the resolution follows scale and pixel ratio
DEFAULT_DPI = None
CSS_PX_PER_INCH = 96.0  # a CSS inch
SCALE_ENV = "PAGEMIG_SCALE"
PIXEL_RATIO_ENV = "PAGEMIG_PIXEL_RATIO"
# The scale for a projector at 1920x1080: the kit's smallest text (matplotlib's
# "x-small", 0.694 x 10 pt) is then 0.694 * 10 * 96/72 * 1.6 = 14.8 CSS px high.
PROJECTION_SCALE = 1.6
MIN_TEXT_PX = 14.0  # the legibility floor at PROJECTION_SCALE (CSS px, font size)
SCALE_RANGE = (0.25, 4.0)
PIXEL_RATIO_RANGE = (1.0, 4.0)


def _env_number(name: str, lo: float, hi: float) -> float | None:
    """A number from the environment, or None when unset or not a number in [lo, hi]."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if lo <= value <= hi else None


_SETTINGS = {
    "scale": _env_number(SCALE_ENV, *SCALE_RANGE) or 1.0,
    "pixel_ratio": _env_number(PIXEL_RATIO_ENV, *PIXEL_RATIO_RANGE) or 1.0,
}
_LIVE: weakref.WeakSet = weakref.WeakSet()  # the widgets that follow the kit's setting


def _check(name, value, lo, hi) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"{name} must be a number, not {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}, not {value:g}")
    return float(value)


def set_scale(scale: float | None = None, *, pixel_ratio: float | None = None) -> dict:
    """Set the kit's projection scale (and, optionally, the pixel ratio to assume until a
    browser reports its own); every widget shown that follows the kit redraws at once,
    and widgets made later start with it. Returns the settings now in force.

    ``scale``: how many times its size in CSS inches a figure is shown (1: a laptop;
    :data:`PROJECTION_SCALE`, 1.6: a projector at 1920x1080, smallest text >= 14 px).
    A widget given ``scale=`` of its own, or whose ``scale`` trait was set, keeps it.
    """
    checked = {}
    if scale is not None:
        checked["scale"] = _check("scale", scale, *SCALE_RANGE)
    if pixel_ratio is not None:
        checked["pixel_ratio"] = _check("pixel_ratio", pixel_ratio, *PIXEL_RATIO_RANGE)
    _SETTINGS.update(checked)
    for w in list(_LIVE):
        if "scale" in checked and getattr(w, "_follows_kit", False):
            w._set_scale_from_kit(checked["scale"])
        if "pixel_ratio" in checked and not getattr(w, "_ratio_reported", False):
            w.pixel_ratio = checked["pixel_ratio"]
    return scale_settings()


def scale_settings() -> dict:
    """The kit's display settings: {"scale": ..., "pixel_ratio": ...}."""
    return dict(_SETTINGS)


def new_figure(figsize, dpi=None) -> Figure:
    """A Figure with its own Agg canvas, outside pyplot (``dpi`` None: the kit's
    resolution, ``CSS_PX_PER_INCH`` x scale x pixel ratio)."""
    if dpi is None:
        dpi = CSS_PX_PER_INCH * _SETTINGS["scale"] * _SETTINGS["pixel_ratio"]
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


class TextRecorder:
    """While in a ``with``: every piece of text ``renderer`` draws, as (font size in pixels
    of the raster, line height in pixels, the text) in ``seen``. The line height is the
    height of matplotlib's own extent of one line at that font ("lp": ascender to
    descender)."""

    def __init__(self, renderer):
        self.renderer = renderer
        self.seen: list = []
        self._metrics: dict = {}

    def __enter__(self):
        r = self.renderer
        original = r.draw_text

        def record(gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if str(s).strip():
                key = prop.get_size_in_points()
                if key not in self._metrics:
                    self._metrics[key] = r.get_text_width_height_descent("lp", prop, False)[1]
                self.seen.append((key * r.dpi / 72.0, self._metrics[key], str(s)))
            return original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

        r.draw_text = record
        return self

    def __exit__(self, *exc):
        del self.renderer.draw_text
        return False


def text_sizes(fig: Figure) -> list[tuple[float, float, str]]:
    """Draw ``fig`` whole; every piece of text drawn (see :class:`TextRecorder`)."""
    with TextRecorder(fig.canvas.get_renderer()) as rec:
        fig.canvas.draw()
    return rec.seen


def measure_text(fig: Figure, css_width: float | None = None, sizes=None) -> dict:
    """The smallest text of ``fig`` (``sizes`` as :func:`text_sizes` gives, drawn now if
    not given), in raster pixels and, for a figure shown ``css_width`` CSS pixels wide
    (default: its natural size), in CSS pixels."""
    width, height = fig.canvas.get_width_height(physical=True)
    sizes = text_sizes(fig) if sizes is None else sizes
    css_width = css_width or width
    per_px = css_width / width
    if not sizes:
        return {"png": (width, height), "css_width": css_width, "texts": 0}
    em, line, text = min(sizes)
    return {
        "png": (width, height),
        "css_width": css_width,
        "texts": len(sizes),
        "min_text_px": em,
        "min_line_px": min(h for _e, h, _t in sizes),
        "min_text": text,
        "min_text_css_px": em * per_px,
        "min_line_css_px": min(h for _e, h, _t in sizes) * per_px,
    }


def legibility_html(name: str, m: dict) -> str:
    """A hidden marker with a measurement (see :func:`measure_text`) for the page."""
    if "min_text_px" not in m:
        return f'<span class="pagemig-legibility" data-figure="{esc(name)}" data-texts="0"></span>'
    return (
        f'<span class="pagemig-legibility" data-figure="{esc(name)}" '
        f'data-png-width="{m["png"][0]}" data-png-height="{m["png"][1]}" '
        f'data-css-width="{m["css_width"]:.1f}" data-texts="{m["texts"]}" '
        f'data-min-text-px="{m["min_text_px"]:.3f}" data-min-line-px="{m["min_line_px"]:.3f}" '
        f'data-min-text="{esc(m["min_text"][:60])}"></span>'
    )


def set_title(fig: Figure, text: str) -> None:
    """The widget figures' common heading: top left, above every panel."""
    fig.suptitle(text, fontsize="medium", x=0.02, y=0.995, ha="left", va="top")


def figure_png(fig: Figure) -> bytes:
    """The Figure drawn whole, as PNG bytes: Agg, the figure's dpi, no metadata that
    changes between runs (the same picture gives the same bytes)."""
    fig.canvas.draw()
    return canvas_png(fig.canvas)


def canvas_png(canvas) -> bytes:
    """What the Agg canvas holds now, as PNG bytes: see ``png_bytes``."""
    return png_bytes(np.asarray(canvas.buffer_rgba()))


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(tag)) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def png_bytes(rgba) -> bytes:
    """An (h, w, 4) uint8 array as RGBA PNG bytes: no row filter, zlib level 1. For the
    kit's flat-coloured figures that is about Pillow's level-1 size at a third of its
    time (Pillow's filter search is most of it; dropping the alpha channel would cost a
    strided copy as long as the compression). The same pixels always give the same bytes."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = rgba.shape[:2]
    rows = np.empty((h, w * 4 + 1), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None on every row
    rows[:, 1:] = rgba.reshape(h, w * 4)
    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(rows.data, 1)),
            _png_chunk(b"IEND", b""),
        )
    )


def _layout_key(fig):
    return tuple(getattr(ax, "_pagemig_layout", None) or object() for ax in fig.axes)


def _dynamic(fig):
    """The changing artists, in the order a full draw paints them (axes by axes, by
    zorder), with the spines of axes that have any (images and bars cover them)."""
    out = []
    for ax in fig.axes:
        dyn = list(getattr(ax, "_pagemig_dynamic", ()))
        if dyn and ax.axison:
            dyn += [sp for sp in ax.spines.values() if sp.get_visible()]
        out += sorted(dyn, key=lambda a: a.get_zorder())
    return out


def _signature(a):
    """What an artist draws, in its own coordinates (with the layout fixed, the same
    signature means the same pixels)."""
    if isinstance(a, Annotation):  # an arrow between two text boxes
        ends = (a.xycoords, a.anncoords)
        if all(isinstance(e, Text) for e in ends):
            return ("arrow", _signature(ends[0]), _signature(ends[1]))
        return ("other", id(a), object())
    if isinstance(a, Text):
        patch = a.get_bbox_patch()
        box = (tuple(patch.get_facecolor()), tuple(patch.get_edgecolor())) if patch else None
        return (
            "text",
            a.get_text(),
            str(a.get_color()),
            tuple(a.get_position()),
            a.get_fontsize(),
            a.get_ha(),
            a.get_va(),
            a.get_rotation(),
            box,
            a.get_visible(),
        )
    if isinstance(a, AxesImage):
        arr = np.ascontiguousarray(a.get_array())
        return ("image", arr.shape, hashlib.sha1(arr.tobytes()).hexdigest())
    if isinstance(a, Rectangle):
        return (
            "rect",
            tuple(a.get_xy()),
            a.get_width(),
            a.get_height(),
            tuple(a.get_facecolor()),
            tuple(a.get_edgecolor()),
            a.get_hatch(),
            a.get_linestyle(),
            a.get_linewidth(),
        )
    if isinstance(a, Spine):  # fixed while the layout stays
        return ("spine", id(a))
    if isinstance(a, LineCollection):
        segs = a.get_segments()
        data = np.concatenate(segs).tobytes() if segs else b""
        return ("lines", hashlib.sha1(data).hexdigest(), tuple(map(tuple, a.get_colors())))
    if isinstance(a, Collection) and _clip_box_only(a):  # hatch squares, scatter marks
        digest = hashlib.sha1(np.ascontiguousarray(a.get_offsets(), float).tobytes())
        for path in a.get_paths():
            digest.update(np.ascontiguousarray(path.vertices, float).tobytes())
            digest.update(b"|" if path.codes is None else path.codes.tobytes())
        sizes = a.get_sizes() if hasattr(a, "get_sizes") else ()
        return (
            "collection",
            type(a).__name__,
            digest.hexdigest(),
            tuple(map(tuple, a.get_facecolor())),
            tuple(map(tuple, a.get_edgecolor())),
            tuple(np.ravel(a.get_linewidth())),
            tuple(np.ravel(sizes)),
            a.get_hatch(),
            a.get_visible(),
            tuple(a.get_clip_box().extents),
        )
    return ("other", id(a), object())  # unknown: always redrawn


def _clip_box_only(a) -> bool:
    """Whether ``a`` draws only inside its clip box (clipped, with no clip path): then that
    box bounds every pixel it may touch, markers and hatching included."""
    return a.get_clip_on() and a.get_clip_box() is not None and a.get_clip_path() is None


def _pixels(bb, width, height, pad=2):
    if not np.all(np.isfinite(bb.extents)):
        return (0, 0, width, height)
    x0 = max(0, int(np.floor(bb.x0)) - pad)
    x1 = min(width, int(np.ceil(bb.x1)) + pad)
    y0 = max(0, height - int(np.ceil(bb.y1)) - pad)
    y1 = min(height, height - int(np.floor(bb.y0)) + pad)
    return (x0, y0, max(x0, x1), max(y0, y1))


def _extent(a, sig, renderer, width, height, known):
    """The pixel box (x0, y0, x1, y1), rows counted from the top, that ``a`` may touch;
    ``known`` caches extents by signature (valid while the layout stays)."""
    if sig in known:
        return known[sig]
    whole = (0, 0, width, height)
    try:
        if sig[0] == "arrow":  # an arrow between two boxes: where its patch lies
            ends = [
                _extent(end, esig, renderer, width, height, known)  # places the boxes
                for end, esig in ((a.xycoords, sig[1]), (a.anncoords, sig[2]))
            ]
            a.update_positions(renderer)
            patch = _pixels(a.arrow_patch.get_window_extent(renderer), width, height, pad=1)
            # an arrow between two boxes lies within the box that holds both (and its head)
            boxes = [*ends, patch]
            ext = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
        elif isinstance(a, Rectangle):
            corners = a.get_patch_transform().transform([(0, 0), (1, 1)])
            bb = Bbox(a.get_data_transform().transform(corners))
            ext = _pixels(
                Bbox.from_extents(
                    min(bb.x0, bb.x1), min(bb.y0, bb.y1), max(bb.x0, bb.x1), max(bb.y0, bb.y1)
                ),
                width,
                height,
            )
        elif isinstance(a, LineCollection):  # its window extent is the whole figure
            segs = [np.asarray(seg, float) for seg in a.get_segments() if len(seg)]
            if not segs:
                ext = (0, 0, 0, 0)
            else:
                pts = a.get_transform().transform(np.concatenate(segs))
                widths = a.get_linewidths()
                half = (max(widths) if len(widths) else 1.0) * renderer.dpi / 72.0 / 2 + 1
                lo, hi = pts.min(axis=0) - half, pts.max(axis=0) + half
                ext = _pixels(Bbox.from_extents(lo[0], lo[1], hi[0], hi[1]), width, height)
        elif sig[0] == "collection":  # it draws inside its clip box (the axes)
            ext = _pixels(a.get_clip_box(), width, height)
        else:
            bb = a.get_window_extent(renderer)
            if isinstance(a, Text) and a.get_bbox_patch() is not None:
                a.update_bbox_position_size(renderer)
                bb = Bbox.union([bb, a.get_bbox_patch().get_window_extent(renderer)])
            ext = _pixels(bb, width, height)
    except Exception:  # noqa: BLE001 - unknown extent: treat as the whole figure
        ext = whole
    if sig[0] != "other":
        known[sig] = ext
    return ext


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def blit_png(fig: Figure, cache: dict, extra=()) -> bytes:
    """Redraw ``fig`` cheaply and return PNG bytes.

    The kit's plots record on each Axes its layout and the artists that change
    between redraws. When every Axes keeps its layout, the background cached last
    time (axes, ticks, legends, titles) stays, and only the regions of the changing
    artists that actually changed are restored and redrawn, together with every
    artist that touches those regions. The picture is a full redraw's, but for the
    antialiased pixel where a tick mark meets an image or a bar.
    When only some Axes changed their layout (a plot drawn afresh each time, like the
    timeline), only those are drawn whole into the background (``axes_redrawn``).
    Otherwise the figure is drawn whole and the background cached again. ``cache``
    is the caller's dict for that.
    """
    canvas = fig.canvas
    key = _layout_key(fig)
    dynamic = _dynamic(fig) + list(extra)
    width, height = canvas.get_width_height(physical=True)
    full = cache.get("key") != key or "background" not in cache
    if full and _redraw_changed_axes(fig, cache, key, dynamic, width, height):
        full = False  # only the axes whose layout changed were drawn whole
        cache["axes_redrawn"] = True
        renderer = canvas.get_renderer()
        items = _items(dynamic, renderer, width, height, cache["extents"])
        redraw = list(range(len(dynamic)))
    elif full:
        cache["axes_redrawn"] = False
        for a in dynamic:
            a.set_animated(True)
        recorder = TextRecorder(canvas.get_renderer())
        try:
            with recorder:
                canvas.draw()
        finally:
            for a in dynamic:
                a.set_animated(False)
        cache["background"] = np.asarray(canvas.buffer_rgba()).copy()
        cache["key"] = key
        cache["extents"] = {}
        redraw = list(range(len(dynamic)))
        renderer = canvas.get_renderer()
        items = _items(dynamic, renderer, width, height, cache["extents"])
        _remember_axes(fig, cache, renderer, width, height)
    else:
        cache["axes_redrawn"] = False
        renderer = canvas.get_renderer()
        items = _items(dynamic, renderer, width, height, cache["extents"])
        before = list(cache.get("items", []))
        unmatched_new = []
        for i, item in enumerate(items):
            if item in before:
                before.remove(item)
            else:
                unmatched_new.append(i)
        regions = [ext for _sig, ext in before] + [items[i][1] for i in unmatched_new]
        redraw = set(unmatched_new)
        grew = True
        while grew:
            grew = False
            for i, (_sig, ext) in enumerate(items):
                if i not in redraw and any(_overlap(ext, r) for r in regions):
                    redraw.add(i)
                    regions.append(ext)
                    grew = True
        redraw = sorted(redraw)
        if not redraw and not regions and "png" in cache:
            cache["items"] = items
            cache["redrawn"] = 0
            cache["full"] = False
            return cache["png"]
        buf = np.asarray(canvas.buffer_rgba())
        bg = cache["background"]
        for x0, y0, x1, y1 in regions:
            buf[y0:y1, x0:x1] = bg[y0:y1, x0:x1]
    if full:  # the texts of a full draw: the static ones, then every changing one
        with recorder:
            for i in redraw:
                dynamic[i].draw(renderer)
        cache["texts"] = recorder.seen
        cache["drawn"] = {}
    else:
        _draw_reusing(dynamic, items, redraw, renderer, np.asarray(canvas.buffer_rgba()), cache)
    cache["full"] = full
    cache["items"] = items
    cache["redrawn"] = len(redraw)
    cache["redrawn_items"] = [items[i] for i in redraw]
    cache["png"] = canvas_png(canvas)
    return cache["png"]


def _draw_reusing(dynamic, items, redraw, renderer, buf, cache) -> None:
    """Draw ``dynamic[i]`` for each ``i`` in ``redraw``, in order, over ``buf``; reuse the
    pixels of the last time an item was drawn when it is the same item (signature and
    pixel box) over the same pixels. Agg is deterministic, so the result is the same
    bytes: an unchanged text redrawn only because a changed neighbour overlaps it (an
    arrow to a box that grew) costs a comparison, not a glyph-by-glyph rendering."""
    drawn = cache.get("drawn", {})
    kept = {}
    for i in redraw:
        item = items[i]
        sig, (x0, y0, x1, y1) = item
        if sig[0] == "other" or x1 <= x0 or y1 <= y0:
            dynamic[i].draw(renderer)
            continue
        region = buf[y0:y1, x0:x1]
        known = drawn.get(item)
        if known is not None and np.array_equal(known[0], region):
            region[:] = known[1]
        else:
            under = region.copy()
            dynamic[i].draw(renderer)
            known = (under, region.copy())
        kept[item] = known
    for item, known in drawn.items():  # what was not redrawn this time stays valid
        if item not in kept:
            kept[item] = known
    live = set(items)
    cache["drawn"] = {item: known for item, known in kept.items() if item in live}


def _remember_axes(fig, cache, renderer, width, height) -> None:
    """What a partial redraw needs to know of the last draw: each axes, its layout key and
    the pixel box of everything it draws (ticks, labels, legend)."""
    cache["axes"] = [id(ax) for ax in fig.axes]
    cache["tight"] = [_pixels(ax.get_tightbbox(renderer), width, height, pad=3) for ax in fig.axes]


def _redraw_changed_axes(fig, cache, key, dynamic, width, height) -> bool:
    """When some axes changed their layout (a plot drawn afresh, e.g. the timeline) and
    the others kept theirs: draw only the changed axes whole into the cached background,
    then leave every changing artist to be drawn (as after a full draw). False (nothing
    done) when that cannot be done exactly: other axes, another size, axes whose boxes
    overlap."""
    old = cache.get("key")
    if (
        old is None
        or "background" not in cache
        or cache.get("axes") != [id(ax) for ax in fig.axes]
        or cache["background"].shape[:2] != (height, width)
        or fig.patch.get_facecolor()[3] != 1.0
    ):
        return False
    changed = [i for i, (a, b) in enumerate(zip(old, key)) if a != b]
    if not changed or len(changed) == len(key):
        return False
    canvas = fig.canvas
    renderer = canvas.get_renderer()
    new_tight = {
        i: _pixels(fig.axes[i].get_tightbbox(renderer), width, height, pad=3) for i in changed
    }
    boxes = [cache["tight"][i] for i in changed] + list(new_tight.values())
    others = [cache["tight"][j] for j in range(len(key)) if j not in changed]
    if any(_overlap(b, o) for b in boxes for o in others):
        return False
    for a in dynamic:
        a.set_animated(True)
    try:
        buf = np.asarray(canvas.buffer_rgba())
        bg = cache["background"]
        buf[:] = bg
        face = np.round(np.asarray(fig.patch.get_facecolor()) * 255).astype(np.uint8)
        for x0, y0, x1, y1 in boxes:
            buf[y0:y1, x0:x1] = face
        for i in changed:
            fig.axes[i].draw(renderer)
        for x0, y0, x1, y1 in boxes:
            bg[y0:y1, x0:x1] = buf[y0:y1, x0:x1]
    finally:
        for a in dynamic:
            a.set_animated(False)
    cache["key"] = key
    cache["extents"] = {}
    for i, t in new_tight.items():
        cache["tight"][i] = t
    return True


def _items(dynamic, renderer, width, height, known):
    out = []
    for a in dynamic:
        sig = _signature(a)
        out.append((sig, _extent(a, sig, renderer, width, height, known)))
    return out


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def _pixel_ratio_probe():
    """A hidden widget whose view reports the browser's ``devicePixelRatio`` (and its
    changes: another screen, the browser's zoom) in its ``ratio`` trait; None where
    anywidget is not installed (the kit then assumes ``pixel_ratio`` as set)."""
    global _PROBE_CLASS
    if _PROBE_CLASS is None:
        try:
            import anywidget
        except ImportError:
            _PROBE_CLASS = False
        else:

            class PixelRatioProbe(anywidget.AnyWidget):
                _esm = """
                export default {
                  render({ model, el }) {
                    let query = null;
                    const report = () => {
                      const r = window.devicePixelRatio || 1;
                      if (model.get("ratio") !== r) {
                        model.set("ratio", r);
                        model.save_changes();
                      }
                      if (query) query.removeEventListener("change", report);
                      query = window.matchMedia(`(resolution: ${r}dppx)`);
                      query.addEventListener("change", report);
                    };
                    report();
                    return () => query && query.removeEventListener("change", report);
                  }
                };"""
                ratio = traitlets.Float(0.0).tag(sync=True)  # 0: no view has reported

            _PROBE_CLASS = PixelRatioProbe
    if _PROBE_CLASS is False:
        return None
    return _PROBE_CLASS(layout=ipw.Layout(display="none"))


_PROBE_CLASS = None


class FigureWidgetMixin(traitlets.HasTraits):
    """For ipywidgets containers that show one Figure as ``self.image``.

    Every widget of the kit takes ``dpi`` and ``render``. ``dpi`` None (the default)
    rasterises at ``CSS_PX_PER_INCH x scale x pixel_ratio`` and shows the picture
    ``CSS_PX_PER_INCH x scale`` pixels per inch wide (never scaled up on screen); a
    number fixes the raster's dpi and shows it at its natural size (tests use small ones
    for speed). ``render``: True (the default) rasterises each change at once and sends
    the PNG to the page; False only marks the picture stale, and ``figure()`` (the
    matplotlib Figure) or ``png()`` bring it up to date when called.

    Traits: ``scale`` (the projection scale: see :func:`set_scale`; setting it here
    detaches the widget from the kit's setting) and ``pixel_ratio`` (the screen's
    devicePixelRatio: the browser reports it through a hidden probe where anywidget is
    installed). ``legibility()`` measures the smallest text of the picture.

    Subclasses call ``_init_figure`` in ``__init__``, implement ``_draw(fig)`` (draw the
    current state into the reused Figure) and ``_static_text()`` (the text panes, as
    HTML, for the static picture).
    """

    scale = traitlets.Float(1.0, min=SCALE_RANGE[0], max=SCALE_RANGE[1])
    pixel_ratio = traitlets.Float(1.0, min=PIXEL_RATIO_RANGE[0], max=PIXEL_RATIO_RANGE[1])

    def _init_figure(self, figsize, dpi, render=True, scale=None):
        self._fixed_dpi = dpi
        self._follows_kit = scale is None
        self._ratio_reported = False
        self._setting_scale = True
        try:
            self.scale = _SETTINGS["scale"] if scale is None else scale
            self.pixel_ratio = _SETTINGS["pixel_ratio"]
        finally:
            self._setting_scale = False
        self._fig = new_figure(figsize, self._dpi())
        self.image = ipw.Image(format="png", layout=ipw.Layout(max_width="100%"))
        self.image.add_class("pagemig-figure")
        self._png = b""
        self._blit_cache: dict = {}
        self.timings: dict = {}
        self.last_legibility: dict = {}
        # render=False: redraws only mark the picture stale; figure() and png() bring it
        # up to date when asked (for tests and scripts that look at the Figure)
        self.render = render
        self._fig_stale = self._png_stale = True
        self.legibility_pane = ipw.HTML(layout=ipw.Layout(display="none"))
        self._kit_extras = [self.legibility_pane]
        probe = _pixel_ratio_probe()
        if probe is not None:
            probe.observe(self._on_reported_ratio, names=["ratio"])
            self._kit_extras.append(probe)
        self._probe = probe
        self._size_image()
        self.observe(self._on_resolution, names=["scale", "pixel_ratio"])
        self.observe(self._keep_extras, names=["children"])
        _LIVE.add(self)

    # -- resolution ------------------------------------------------------------------------
    def _dpi(self) -> float:
        if self._fixed_dpi is not None:
            return float(self._fixed_dpi)
        return CSS_PX_PER_INCH * self.scale * self.pixel_ratio

    def css_width(self, fig=None) -> float:
        """The width, in CSS pixels, the widget asks the page to show its figure at."""
        fig = fig or self._fig
        width = fig.canvas.get_width_height(physical=True)[0]
        if self._fixed_dpi is not None:
            return float(width)
        # the raster's width over the pixel ratio, whole pixels down: never scaled up
        return float(math.floor(width / self.pixel_ratio))

    def _size_image(self, image=None, fig=None):
        image = image or self.image
        if self._fixed_dpi is None:
            image.layout.width = f"{self.css_width(fig):.0f}px"
            image.layout.height = "auto"

    def _set_scale_from_kit(self, value):
        self._setting_scale = True
        try:
            self.scale = value
        finally:
            self._setting_scale = False

    def _on_resolution(self, change):
        if change["name"] == "scale" and not self._setting_scale:
            self._follows_kit = False  # a scale of its own
        dpi = self._dpi()
        if dpi != self._fig.dpi:
            self._fig.set_dpi(dpi)
            self._blit_cache.clear()
            self._png_stale = True
            self._on_dpi_changed()
        self._size_image()
        if self._png_stale and self.render:
            self._rasterise()

    def _on_dpi_changed(self):
        """Other figures a widget shows (e.g. the race map) follow the new resolution."""

    def _on_reported_ratio(self, change):
        ratio = change["new"]
        if ratio and ratio > 0:
            self._ratio_reported = True
            lo, hi = PIXEL_RATIO_RANGE
            # the largest ratio any view of the widget reported so far
            self.pixel_ratio = max(self.pixel_ratio, min(max(ratio, lo), hi))

    def _keep_extras(self, change):
        kids = list(change["new"])
        missing = [w for w in self._kit_extras if w not in kids]
        if missing:
            self.children = kids + missing

    def legibility(self) -> dict:
        """The smallest text of the figure as drawn now: its font size in pixels of the
        PNG (``min_text_px``) and on screen at the widget's size (``min_text_css_px``), the
        height of a line of it (``min_line_px``, ``min_line_css_px``: matplotlib's extent,
        ascender to descender), the text itself, the PNG's size and the CSS width.
        Compare ``min_text_css_px`` with ``MIN_TEXT_PX``."""
        fig = self.figure()
        m = measure_text(fig, self.css_width())
        self._blit_cache.clear()  # the measurement drew the whole figure
        self._png_stale = True
        return m

    # -- drawing ---------------------------------------------------------------------------
    def figure(self) -> Figure:
        """The matplotlib Figure the widget shows, drawn from the current state."""
        if self._fig_stale:
            t0 = time.perf_counter()
            self._draw(self._fig)
            self.timings["plot"] = time.perf_counter() - t0
            self._fig_stale = False
        return self._fig

    def png(self) -> bytes:
        """The PNG bytes the widget shows (rasterised now if ``render`` is off)."""
        if self._png_stale:
            self._rasterise()
        return self._png

    def redraw(self) -> None:
        """Draw the current state into the Figure and send the PNG to the page.

        ``timings`` holds the seconds the last redraw spent updating the plots ("plot")
        and rasterising to PNG ("render")."""
        self._fig_stale = self._png_stale = True
        if self.render:
            self._rasterise()

    def _rasterise(self) -> None:
        fig = self.figure()
        t1 = time.perf_counter()
        self._png = blit_png(fig, self._blit_cache, self._extra_dynamic())
        self.image.value = self._png
        self._png_stale = False
        if self._blit_cache.get("full"):
            m = measure_text(fig, self.css_width(), self._blit_cache.get("texts", []))
            self.last_legibility = m
            html_ = legibility_html("main", m)
            if self.legibility_pane.value != html_:
                self.legibility_pane.value = html_
        self.timings["render"] = time.perf_counter() - t1

    def _extra_dynamic(self):
        """Artists outside the kit's plots that change between redraws (e.g. a suptitle)."""
        return [self._fig._suptitle] if self._fig._suptitle is not None else []

    def _draw(self, fig):  # pragma: no cover - every widget overrides it
        raise NotImplementedError

    def _static_text(self) -> str:
        return ""

    def static_html(self) -> str:
        """The widget's current picture as self-contained HTML (a base64 PNG), for pages
        without a live kernel. Byte-identical for identical state."""
        b64 = base64.b64encode(figure_png(self.figure())).decode("ascii")
        return (
            f'<div class="pagemig-widget">'
            f'<img alt="{esc(repr(self))}" src="data:image/png;base64,{b64}"/>'
            f"{self._static_text()}</div>"
        )

    def _repr_mimebundle_(self, **kwargs):
        data = ipw.Widget._repr_mimebundle_(self, **kwargs) or {}
        data["text/plain"] = repr(self)
        data["text/html"] = self.static_html()
        return data


# -- helpers the widgets share ----------------------------------------------------------
def next_task(kernel, rr: int):
    """Round-robin over the kernel's started tasks, as ``Kernel.run`` schedules them:
    (task, new rr) for the next runnable task, or (None, rr)."""
    tasks = kernel.tasks
    n = len(tasks)
    for i in range(n):
        t = tasks[(rr + i) % n]
        if t.runnable:
            return t, (rr + i + 1) % max(n, 1)
    return None, rr


def busy(kernel) -> bool:
    """Whether a path other than a daemon (I/O completion, a lock holder) is unfinished."""
    return any(not t.daemon for t in kernel.tasks)


KIND_STYLE = {
    "wait": "color:#D55E00",
    "wake": "color:#009E73",
    "bug": "color:#FFFFFF;background:#000000",
    "error": "color:#CC79A7",
    "return": "color:#0072B2",
}


def events_html(events, title="latest events", limit=8) -> str:
    """A small table of events (the last ``limit``)."""
    events = list(events)
    shown = events[-limit:] if limit else events
    rows = "".join(
        f'<tr style="{KIND_STYLE.get(e.kind, "")}"><td>#{e.seq}</td><td>{esc(e.task)}</td>'
        f"<td><code>{esc(e.func)}</code></td><td>{esc(e.what)}</td></tr>"
        for e in shown
    )
    more = f" (last {len(shown)} of {len(events)})" if len(events) > len(shown) else ""
    if not events:
        rows = '<tr><td colspan="4">none yet</td></tr>'
    return (
        f'<div class="pagemig-events"><b>{esc(title)}</b>{more}'
        f'<table style="font-size:80%">{rows}</table></div>'
    )


def vmstat_html(kernel) -> str:
    rows = "".join(
        f"<tr><td><code>{esc(k)}</code></td><td>{v}</td></tr>" for k, v in kernel.vmstat.items()
    )
    return f'<div class="pagemig-vmstat"><b>vmstat</b><table style="font-size:80%">{rows}</table></div>'


def violations_html(kernel) -> str:
    v = kernel.violations()
    if not v:
        return '<div class="pagemig-check" style="color:#009E73">every invariant holds</div>'
    items = "".join(f"<li><b>{esc(rule)}</b>: {esc(d)}</li>" for rule, d in v)
    return (
        '<div class="pagemig-check" style="color:#D55E00"><b>invariant broken</b>'
        f"<ul>{items}</ul></div>"
    )


def message_html(text: str, level: str = "info") -> str:
    if not text:
        return ""
    colour = {"info": "#0072B2", "warn": "#D55E00"}.get(level, "#000000")
    return f'<div class="pagemig-message" style="color:{colour}">{esc(text)}</div>'


# -- kernel functions and fast steps ----------------------------------------------------------
def generator_stack(gen) -> list[tuple]:
    """[(code, lineno), ...] from the outermost generator to the innermost, following
    ``gi_yieldfrom``; empty when the generator has finished."""
    out = []
    while gen is not None and getattr(gen, "gi_frame", None) is not None:
        out.append((gen.gi_code, gen.gi_frame.f_lineno))
        gen = getattr(gen, "gi_yieldfrom", None)
    return out


# The kernel paths started by a closure of the engine, and the kernel function each models.
KERNEL_PATHS = {
    # isolate the pages, then migrate_pages(list, new_node_page, node), as migrate_to_node
    # does for a process's pages
    "start_migrate_pages": "migrate_to_node",
    "start_writeback": "write_one_page",
    "start_lock_holder": "lock_page",
}


def kernel_function(code) -> str:
    """The kernel function a frame of a kernel path models, as captions name it: the
    function's own name (``migrate_pages``; a method of the machine without its class,
    ``lock_page``), and for a path the engine starts as a closure
    (``Kernel.start_migrate_pages.<locals>.path``) the kernel function that path models
    (``migrate_to_node``)."""
    qualname = code.co_qualname
    if ".<locals>." in qualname:
        outer = qualname.split(".<locals>.")[0].rsplit(".", 1)[-1]
        if outer in KERNEL_PATHS:
            return KERNEL_PATHS[outer]
        return outer.removeprefix("start_") if outer.startswith("start_") else code.co_name
    return qualname.removeprefix("Kernel.")


def path_function(task) -> str | None:
    """The kernel function ``task`` is in now (its innermost frame), None once it ended."""
    frames = generator_stack(task.gen) if task is not None else []
    return kernel_function(frames[-1][0]) if frames else None


FAST_STEP_LIMIT = 2000  # steps one fast-step click takes at most (it never hangs)
FAST_TARGETS = {
    "function": "the next kernel function",
    "pte": "the next change of a pte",
    "pass": "the end of the pass",
}


def pte_state(processes) -> dict:
    """Every pte of ``processes``: {(pid, virtual page): its fields}."""
    out = {}
    for p in processes:
        if not getattr(p, "alive", True):
            continue
        for vpn, pte in p.ptes.items():
            if pte.kind != "none":
                out[(p.pid, vpn)] = tuple(getattr(pte, s) for s in type(pte).__slots__)
    return out


def _pte_words(fields) -> str:
    if fields is None:
        return "none"
    kind, pfn = fields[0], fields[1]
    if kind == "present":
        return f"present (pfn {pfn})"
    if kind == "migration":
        return f"a migration entry (pfn {pfn})"
    return kind


def pte_change(before: dict, after: dict) -> str:
    """The first pte that differs, in words (``pid 2's pte at 0x10003000: present (pfn 5)
    -> a migration entry (pfn 5)``), and how many others changed with it."""
    from pagemig.constants import PAGE_SHIFT

    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if not changed:
        return ""
    pid, vpn = changed[0]
    more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
    return (
        f"pid {pid}'s pte at {vpn << PAGE_SHIFT:#x}: {_pte_words(before.get((pid, vpn)))} -> "
        f"{_pte_words(after.get((pid, vpn)))}{more}"
    )


def _pass_events(events, name):
    """The migrate_pages events of task ``name`` that start a pass or end the call."""
    for e in events:
        if e.task == name and e.func == "migrate_pages" and isinstance(e.data, dict):
            if "pages" in e.data and "pass" in e.data:
                yield e, e.data["pass"]
            elif "succeeded" in e.data or e.data.get("rc") == -12:
                yield e, None  # done


def check_target(target) -> None:
    """A fast step's target must be one of FAST_TARGETS (refused before anything changes)."""
    if target not in FAST_TARGETS:
        raise ValueError(f"target must be one of {', '.join(FAST_TARGETS)}, not {target!r}")


class FastSteps:
    """The fast-step buttons' methods, for a widget whose ``step_to(target)`` steps to
    the next "function", "pte" change or end of "pass" (see :func:`fast_step`)."""

    def next_function(self) -> int:
        return self.step_to("function")

    def next_pte_change(self) -> int:
        return self.step_to("pte")

    def end_of_pass(self) -> int:
        return self.step_to("pass")


def fast_step(kernel, task, processes, target: str, advance, limit: int = FAST_STEP_LIMIT):
    """Step with ``advance()`` (one step of the machine; None when nothing could run) until
    ``target`` is reached: "function" (``task`` is in another kernel function, or ended),
    "pte" (a pte of ``processes`` changed), "pass" (``task``'s migrate_pages pass ended:
    the next one began, or the call returned). At most ``limit`` steps.

    Returns (steps taken, message): what was reached, or why it stopped short (the path
    ended, nothing could run, the limit)."""
    check_target(target)
    trace = kernel.trace.events
    name = task.name if task is not None else None
    func0 = path_function(task)
    ptes0 = pte_state(processes) if target == "pte" else None
    passes = list(_pass_events(trace, name)) if target == "pass" else []
    pass0 = passes[-1][1] if passes and passes[-1][1] is not None else -1
    # after the last pass (migrate_pages returned): the end of the path
    to_the_end = target == "pass" and bool(passes) and passes[-1][1] is None
    n = 0
    while n < limit:
        seen = len(trace)
        if task is not None and task.done:
            return n, _ended(task, n)
        if advance() is None:
            return n, (f"stopped after {n} step(s): nothing more could run" if n else "")
        n += 1
        if target == "function":
            now = path_function(task)
            if now != func0:
                if now is None:
                    return n, _ended(task, n)
                return n, f"{n} step(s): {name} is in {now} (was {func0})"
        elif target == "pte":
            ptes = pte_state(processes)
            if ptes != ptes0:
                return n, f"{n} step(s): {pte_change(ptes0, ptes)}"
        elif not to_the_end:
            for e, p in _pass_events(trace[seen:], name):
                if p is None:
                    return n, f"{n} step(s): the last pass ended; {e.what}"
                if p > pass0:
                    ended = f"pass {pass0} ended" if pass0 >= 0 else "the first pass begins"
                    return n, f"{n} step(s): {ended}; {e.what}"
    return n, (
        f"stopped after {limit} steps without reaching {FAST_TARGETS[target]} "
        "(press again to go on)"
    )


def _ended(task, n: int) -> str:
    res = f"stopped: {task.error}" if task.error is not None else f"returned {task.result!r}"
    return f"{n} step(s): {task.name} has finished ({res})" if n else f"{task.name} has finished"


FAST_LABELS = {"function": "Next function", "pte": "Next pte change", "pass": "End of pass"}


def fast_buttons(widget) -> dict:
    """The three fast-step buttons of a widget with ``step_to(target)``: {target: Button}."""
    out = {}
    for target, label in FAST_LABELS.items():
        b = ipw.Button(
            description=label,
            tooltip=f"step to {FAST_TARGETS[target]} (at most {FAST_STEP_LIMIT} steps)",
            layout=ipw.Layout(width="auto"),
        )
        b.on_click(lambda _b, t=target: widget.step_to(t))
        out[target] = b
    return out
