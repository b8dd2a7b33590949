"""The pagemig widget kit: matplotlib plots and ipywidgets controls over the engine.

Plots take an ``Axes`` (made if absent) and return it; widgets are ipywidgets
compositions whose settings are traits and which display in one line::

    from widgets import MigrationLab
    MigrationLab(mapping="file nonlinear", dirty=True, sharers=2)

Figures reach the page as PNG bytes in an ``ipywidgets.Image`` (rendered with Agg),
so stored notebooks re-execute under nbval without marking cells.
"""

from .lab import MigrationLab
from .palette import NODE_COLOURS, PALETTE, STATE_COLOURS
from .plots import (
    plot_nodes,
    plot_pte_map,
    plot_race_map,
    plot_rmap,
    plot_success_rates,
    plot_timeline,
    plot_trace_diff,
    race_map_alt,
)
from .race import RaceExplorer, explore_race
from .rates import SuccessRates
from .stepper import Stepper

__all__ = [
    "plot_pte_map",
    "plot_nodes",
    "plot_rmap",
    "plot_timeline",
    "plot_success_rates",
    "plot_race_map",
    "plot_trace_diff",
    "race_map_alt",
    "explore_race",
    "MigrationLab",
    "Stepper",
    "RaceExplorer",
    "SuccessRates",
    "PALETTE",
    "NODE_COLOURS",
    "STATE_COLOURS",
]
