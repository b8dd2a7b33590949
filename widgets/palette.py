"""Colours: the Okabe-Ito palette (safe for the common colour-vision deficiencies) and
the meaning the kit gives each colour.

Every plot and widget takes its colours from here, so a pte on node 1 has the same
colour in the pte map, the node view and the reverse map.
"""

from __future__ import annotations

# Okabe & Ito, "Color Universal Design" (2002): eight colours distinguishable with
# protanopia, deuteranopia and tritanopia.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

# Present ptes and used frames take the colour of their node. Seven Okabe-Ito colours
# (black is kept for migration entries), then Paul Tol's wine for an eighth node.
NODE_COLOURS = (
    PALETTE["orange"],
    PALETTE["sky blue"],
    PALETTE["bluish green"],
    PALETTE["yellow"],
    PALETTE["blue"],
    PALETTE["vermillion"],
    PALETTE["reddish purple"],
    "#882255",
)

# pte states other than "present" (which is coloured by node)
STATE_COLOURS = {
    "none": "#F2F2F2",
    "migration": PALETTE["black"],
    "file": "#BBBBBB",
    "swap": "#666666",
    "zero": "#FFF3B0",  # pale yellow, labelled Z: the zero page is on no node
}

STATE_LABELS = {
    "none": "none (not mapped)",
    "migration": "migration entry",
    "file": "file pte (nonlinear)",
    "swap": "swap entry",
    "zero": "zero page (read-only, no frame)",
}

# events of a trace, by kind
KIND_COLOURS = {
    "step": PALETTE["sky blue"],
    "wait": PALETTE["vermillion"],
    "wake": PALETTE["bluish green"],
    "return": PALETTE["blue"],
    "bug": PALETTE["black"],
    "error": PALETTE["reddish purple"],
}
KIND_MARKERS = {
    "step": "o",
    "wait": "v",
    "wake": "^",
    "return": "s",
    "bug": "X",
    "error": "D",
}

# success-rate curves
SERIES_COLOURS = {
    "patched": PALETTE["blue"],
    "before-patch": PALETTE["vermillion"],
    "unsafe-writeout": PALETTE["reddish purple"],
    "modern": PALETTE["bluish green"],
    "anonymous": PALETTE["bluish green"],
    "file linear": PALETTE["orange"],
    "file nonlinear": PALETTE["sky blue"],
}

# dark fills get white text
_DARK = {
    PALETTE["black"],
    PALETTE["blue"],
    PALETTE["vermillion"],
    PALETTE["bluish green"],
    "#882255",
    "#666666",
}


def node_colour(node: int) -> str:
    """The colour of NUMA node ``node`` (cycles after eight nodes)."""
    return NODE_COLOURS[node % len(NODE_COLOURS)]


def text_colour(fill: str) -> str:
    """Black or white, whichever reads on ``fill``."""
    return "white" if fill in _DARK else "black"


def series_colour(name: str, i: int) -> str:
    """The colour of a success-rate series (a variant or mapping type; others in order)."""
    if name in SERIES_COLOURS:
        return SERIES_COLOURS[name]
    cycle = list(PALETTE.values())[1:]
    return cycle[i % len(cycle)]


# outcomes of an interleaving (pagemig.explore.OUTCOMES), for the race map: calm colours
# for what the kernel handles, warm ones for what goes wrong, black for a kernel BUG
OUTCOME_COLOURS = {
    "clean": PALETTE["bluish green"],
    "retried": PALETTE["sky blue"],
    "slept": PALETTE["yellow"],
    "failed": PALETTE["orange"],
    "invariant broken": PALETTE["vermillion"],
    "data lost": PALETTE["reddish purple"],
    "deadlock": "#666666",
    "oops": PALETTE["black"],
    "cut": "#BBBBBB",
}
# a second cue besides colour (for print and for readers who cannot tell two fills apart)
OUTCOME_HATCHES = {
    "failed": "..",
    "invariant broken": "//",
    "data lost": "xx",
    "oops": "",
    "cut": "--",
}
