"""The pagemig widget kit: matplotlib plots and ipywidgets controls over the engine.

Plots take an ``Axes`` (made if absent) and return it; widgets are ipywidgets
compositions whose settings are traits and which display in one line::

    from widgets import MigrationLab
    MigrationLab(mapping="file nonlinear", dirty=True, sharers=2)

Figures reach the page as PNG bytes in an ``ipywidgets.Image`` (rendered with Agg),
so stored notebooks re-execute under nbval without marking cells. They are rasterised at
the screen's resolution; for a projector, ``widgets.set_scale(widgets.PROJECTION_SCALE)``
(or ``PAGEMIG_SCALE=1.6`` in the kernel's environment, as ``pagemig present --scale``
sets it) shows every figure larger, its smallest text at least ``MIN_TEXT_PX`` (14) CSS
pixels high.

The names below are imported when first used, so that ``widgets.quiz`` and
``widgets.exercises`` (the exercises and their solvers, which ``pagemig homework``
prints) load without ipywidgets or matplotlib.
"""

import importlib

_WHERE = {
    "MigrationLab": ".lab",
    "NODE_COLOURS": ".palette",
    "PALETTE": ".palette",
    "STATE_COLOURS": ".palette",
    "plot_nodes": ".plots",
    "plot_pte_map": ".plots",
    "plot_race_map": ".plots",
    "plot_rmap": ".plots",
    "plot_success_rates": ".plots",
    "plot_timeline": ".plots",
    "plot_trace_diff": ".plots",
    "race_map_alt": ".plots",
    "lock_history": ".lockplot",
    "plot_lock_timeline": ".lockplot",
    "lock_timeline_alt": ".lockplot",
    "RaceExplorer": ".race",
    "explore_race": ".race",
    "SuccessRates": ".rates",
    "plot_costs": ".rates",
    "rates_alt": ".rates",
    "costs_alt": ".rates",
    "with_alt": ".figures",
    "pte_map_alt": ".figures",
    "nodes_alt": ".figures",
    "Stepper": ".stepper",
    "ExerciseWidget": ".exercise_widget",
    "set_scale": "._base",
    "scale_settings": "._base",
    "PROJECTION_SCALE": "._base",
    "MIN_TEXT_PX": "._base",
    "exercise": ".exercise_widget",
}

__all__ = [
    "plot_pte_map",
    "plot_nodes",
    "plot_rmap",
    "plot_timeline",
    "plot_success_rates",
    "plot_race_map",
    "plot_trace_diff",
    "race_map_alt",
    "lock_history",
    "plot_lock_timeline",
    "lock_timeline_alt",
    "explore_race",
    "MigrationLab",
    "Stepper",
    "RaceExplorer",
    "SuccessRates",
    "plot_costs",
    "rates_alt",
    "costs_alt",
    "with_alt",
    "pte_map_alt",
    "nodes_alt",
    "ExerciseWidget",
    "exercise",
    "set_scale",
    "scale_settings",
    "PROJECTION_SCALE",
    "MIN_TEXT_PX",
    "PALETTE",
    "NODE_COLOURS",
    "STATE_COLOURS",
]


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
