"""What every widget of the kit shares: one reused Agg Figure rasterised to PNG bytes
for an ``ipywidgets.Image``, a stable text repr, and a static picture for pages
without a kernel (HTML export, a repository viewer).

Why PNG in an Image and not an Output widget: an Output widget that captures a plot
leaks ``clear_output`` and stream messages into the cell's stored outputs, which
nbval then compares; an Image's value travels as widget state, which nbval ignores.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import time

import ipywidgets as ipw
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.spines import Spine
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

DEFAULT_DPI = 72


def new_figure(figsize, dpi=DEFAULT_DPI) -> Figure:
    """A Figure with its own Agg canvas, outside pyplot."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def set_title(fig: Figure, text: str) -> None:
    """The widget figures' common heading: top left, above every panel."""
    fig.suptitle(text, fontsize="medium", x=0.02, y=0.995, ha="left", va="top")


def figure_png(fig: Figure) -> bytes:
    """The Figure drawn whole, as PNG bytes: Agg, the figure's dpi, no metadata that
    changes between runs (the same picture gives the same bytes)."""
    fig.canvas.draw()
    return canvas_png(fig.canvas)


def canvas_png(canvas) -> bytes:
    """What the Agg canvas holds now, as PNG bytes (light compression: speed)."""
    w, h = canvas.get_width_height(physical=True)
    img = PIL.Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.save(buf, format="png", compress_level=1)
    return buf.getvalue()


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
    return ("other", id(a), object())  # unknown: always redrawn


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
            for end, esig in ((a.xycoords, sig[1]), (a.anncoords, sig[2])):
                _extent(end, esig, renderer, width, height, known)  # places the boxes
            a.update_positions(renderer)
            ext = _pixels(a.arrow_patch.get_window_extent(renderer), width, height, pad=1)
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
    Otherwise the figure is drawn whole and the background cached again. ``cache``
    is the caller's dict for that.
    """
    canvas = fig.canvas
    key = _layout_key(fig)
    dynamic = _dynamic(fig) + list(extra)
    width, height = canvas.get_width_height(physical=True)
    if cache.get("key") != key or "background" not in cache:
        for a in dynamic:
            a.set_animated(True)
        try:
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
    else:
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
            return cache["png"]
        buf = np.asarray(canvas.buffer_rgba())
        bg = cache["background"]
        for x0, y0, x1, y1 in regions:
            buf[y0:y1, x0:x1] = bg[y0:y1, x0:x1]
    for i in redraw:
        dynamic[i].draw(renderer)
    cache["items"] = items
    cache["redrawn"] = len(redraw)
    cache["redrawn_items"] = [items[i] for i in redraw]
    cache["png"] = canvas_png(canvas)
    return cache["png"]


def _items(dynamic, renderer, width, height, known):
    out = []
    for a in dynamic:
        sig = _signature(a)
        out.append((sig, _extent(a, sig, renderer, width, height, known)))
    return out


def esc(text) -> str:
    return html.escape(str(text), quote=True)


class FigureWidgetMixin:
    """For ipywidgets containers that show one Figure as ``self.image``.

    Every widget of the kit takes ``dpi`` (72) and ``render``: True (the default)
    rasterises each change at once and sends the PNG to the page; False only marks
    the picture stale, and ``figure()`` (the matplotlib Figure) or ``png()`` bring it
    up to date when called (tests and scripts that look at the artists).

    Subclasses call ``_init_figure`` in ``__init__``, implement ``_draw(fig)`` (draw the
    current state into the reused Figure) and ``_static_text()`` (the text panes, as
    HTML, for the static picture).
    """

    def _init_figure(self, figsize, dpi, render=True):
        self._fig = new_figure(figsize, dpi)
        self.image = ipw.Image(format="png", layout=ipw.Layout(max_width="100%"))
        self._png = b""
        self._blit_cache: dict = {}
        self.timings: dict = {}
        # render=False: redraws only mark the picture stale; figure() and png() bring it
        # up to date when asked (for tests and scripts that look at the Figure)
        self.render = render
        self._fig_stale = self._png_stale = True

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
