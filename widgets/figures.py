"""Figures with alt text: a matplotlib figure shown as a picture that says what it shows.

``with_alt(fig_or_ax, alt)`` wraps a figure for display: in a notebook its text is
the alt text (what nbval compares, and what a screen reader or a text-only page
gets) and its HTML is the picture as an ``<img alt=...>`` (sanitize.cfg blanks the
pixels before nbval compares, as for the kit's widgets). The alt text is built from
the same data the figure draws, never typed next to it, so it cannot go stale:
``pte_map_alt`` and ``nodes_alt`` describe ``plot_pte_map`` and ``plot_nodes``;
``widgets.rates.rates_alt`` and ``costs_alt`` describe the sweep plots.
"""

from __future__ import annotations

import base64
import html
import io

__all__ = ["FigureWithAlt", "with_alt", "pte_map_alt", "nodes_alt"]


class FigureWithAlt:
    """A figure and its alt text, displayed together (see the module docstring)."""

    def __init__(self, figure, alt: str):
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError("a figure needs a non-empty alt text")
        self.figure = figure
        self.alt = alt

    def __repr__(self) -> str:
        return self.alt

    def _repr_mimebundle_(self, **kwargs):
        buf = io.BytesIO()
        # as the inline backend shows a figure: whole (side legends included), any canvas,
        # no metadata that changes between runs
        self.figure.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
        b64 = base64.b64encode(buf.getvalue()).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        return {
            "text/plain": self.alt,
            "text/html": f'<img alt="{alt}" title="{alt}" src="data:image/png;base64,{b64}"/>',
        }


def with_alt(fig_or_ax, alt: str) -> FigureWithAlt:
    """``fig_or_ax`` (a Figure, or an Axes of one) with its alt text, for display."""
    fig = fig_or_ax if hasattr(fig_or_ax, "add_subplot") else getattr(fig_or_ax, "figure", None)
    if fig is None:
        raise TypeError(f"with_alt takes a Figure or an Axes, got {type(fig_or_ax).__name__}")
    return FigureWithAlt(fig, alt)


def _pte_word(kernel, proc, addr) -> str:
    pte = proc.pte(addr)
    if pte.kind == "present":
        page = proc.page_at(addr)
        if page is not None and getattr(page, "reserved", False):
            return "the zero page"
        rw = "writable" if pte.write else "read-only"
        return f"present, pfn {page.pfn} on node {page.node}, {rw}"
    if pte.kind == "migration":
        return "a migration entry"
    if pte.kind == "file":
        return "a file pte"
    if pte.kind == "swap":
        return "a swap entry"
    return "none"


def pte_map_alt(kernel, addrs=None, processes=None) -> str:
    """Alt text for ``plot_pte_map``: each process's ptes at ``addrs`` (default: every
    address of its first VMA), in words, identical runs folded."""
    procs = (
        [kernel.processes[pid] for pid in sorted(kernel.processes)]
        if processes is None
        else list(processes)
    )
    lines = []
    for proc in procs:
        if addrs is not None:
            where = list(addrs) if isinstance(addrs, (list, tuple)) else [addrs]
            where = [a for a in where if any(v.start <= a < v.end for v in proc.vmas)]
        else:
            where = list(proc.vmas[0].addresses()) if proc.vmas else []
        words = [f"{a:#x} {_pte_word(kernel, proc, a)}" for a in where]
        lines.append(f"pid {proc.pid}: " + ("; ".join(words) if words else "no mapping"))
    return "Pte map. " + ". ".join(lines) + "."


def nodes_alt(kernel) -> str:
    """Alt text for ``plot_nodes``: frames used and free on each node."""
    parts = [f"node {n.nid}: {n.nr_used} of {n.frames} frames used" for n in kernel.nodes]
    return "Frames per node. " + "; ".join(parts) + "."
