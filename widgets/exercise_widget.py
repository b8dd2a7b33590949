"""An exercise as a widget: its question, an input, and Check / Hint / Reveal buttons.

The input suits the kind of question: a text box (compute), a dropdown (predict),
radio buttons (explain), a list with Up / Down buttons (order) or one dropdown per
setting (design). Everything a mouse can do is a trait or a button, so tests and
code drive it the same way::

    w = exercise("3.7")           # chapter 3's capstone, for its own seed
    w.value = {"variant": "before-patch", "mapping": "file linear", "sharers": 3}
    w.check_button.click()        # the engine builds and runs that machine
    w.correct, w.feedback         # True / False, and the message shown
    w.check({...})                # the same from code (returns the Feedback)
    w.seed = 4                    # another problem (seeded exercises)

Nothing is printed and no ``Output`` widget is used: the feedback is an HTML pane,
so stored notebooks stay stable under nbval. On a page without a kernel (an HTML
export) the widget shows its question and where to answer it.
"""

from __future__ import annotations

import html

import ipywidgets as ipw
import traitlets

from .exercises import get
from .quiz import Exercise, Feedback, _show

__all__ = ["ExerciseWidget", "exercise"]


def _label(value) -> str:
    return value if isinstance(value, str) else _show(value)


BASE_FONT_PX = 13  # ipywidgets' own font size (--jp-widgets-font-size)


def _kit_scale() -> float:
    """The kit's projection scale (``widgets.set_scale``, ``PAGEMIG_SCALE``: what
    ``pagemig present --scale`` sets), or 1 where the kit has none."""
    try:
        from ._base import scale_settings
    except ImportError:
        return 1.0
    return float(scale_settings().get("scale", 1.0))


def _scaled_style(scale: float) -> tuple[str, str]:
    """A CSS class and a <style> that draw an exercise's text and controls ``scale`` times
    ipywidgets' size, so that a question projected in a room is read from the back."""
    cls = f"pagemig-exercise-x{round(scale * 100)}"
    px = round(BASE_FONT_PX * scale, 1)
    line = round(px * 1.9, 1)
    sel = f".{cls}"
    css = (
        f"{sel}, {sel} .widget-html-content, {sel} label, {sel} select, {sel} option, "
        f"{sel} input, {sel} button, {sel} .widget-label {{ font-size: {px}px; "
        f"line-height: 1.35; }}\n"
        f"{sel} button, {sel} select, {sel} input[type=text] {{ height: {line}px; }}\n"
        f"{sel} button {{ width: auto; min-width: {round(px * 7)}px; padding: 0 {px}px; }}\n"
        f"{sel} .widget-radio-box label {{ margin: {round(px * 0.3)}px 0; }}\n"
        f"{sel} input[type=radio] {{ width: {px}px; height: {px}px; }}\n"
        f"{sel} .widget-inline-hbox {{ height: auto; }}\n"
        f"{sel} .widget-dropdown, {sel} .widget-dropdown > select {{ width: auto; }}"
    )
    return cls, f"<style>{css}</style>"


class ExerciseWidget(ipw.VBox):
    """One :class:`~widgets.quiz.Exercise`, answered by click or by code.

    Traits: ``value`` (the answer being composed: text, a choice, the list of steps
    in the chosen order, or a dict of settings), ``seed``, and, after a button,
    ``feedback`` (the message's text) and ``correct`` (True, False or None).
    """

    value = traitlets.Any(None)
    seed = traitlets.Int(0)
    feedback = traitlets.Unicode("")
    correct = traitlets.Any(None)

    def __init__(self, ex: Exercise, **kwargs):
        if not isinstance(ex, Exercise):
            raise TypeError(f"ExerciseWidget shows an Exercise, got {type(ex).__name__}")
        self.exercise = ex
        self._building = False
        self.question_html = ipw.HTML()
        self.input_box = ipw.VBox()
        self.check_button = ipw.Button(description="Check", button_style="primary")
        self.hint_button = ipw.Button(description="Hint")
        self.reveal_button = ipw.Button(description="Reveal")
        self.new_button = ipw.Button(description="New problem", tooltip="the next seed")
        self.feedback_html = ipw.HTML()
        # The projection scale: text and controls drawn larger in a room (see _scaled_style).
        self.scale = _kit_scale()
        scale_class, self._scale_css = _scaled_style(self.scale)
        self.check_button.on_click(lambda _b: self.check(self.value))
        self.hint_button.on_click(lambda _b: self.hint())
        self.reveal_button.on_click(lambda _b: self.reveal())
        self.new_button.on_click(lambda _b: setattr(self, "seed", self.seed + 1))
        buttons = [self.check_button, self.hint_button, self.reveal_button]
        if ex.seeded:
            buttons.append(self.new_button)
        super().__init__(
            children=[self.question_html, self.input_box, ipw.HBox(buttons), self.feedback_html],
            **kwargs,
        )
        self.add_class("pagemig-exercise")
        self.add_class(scale_class)
        self._building = True
        self.seed = ex.seed
        self._building = False
        self._build()

    # -- the problem -----------------------------------------------------------
    @traitlets.observe("seed")
    def _new_seed(self, change):
        if self._building:
            return
        if change["new"] != self.exercise.seed:
            self.exercise = self.exercise.with_seed(change["new"])
        self._build()

    def _build(self) -> None:
        ex = self.exercise
        tags = f"{ex.kind}, {ex.tier}" + (", capstone" if ex.capstone else "")
        body = "<br>".join(html.escape(line) for line in ex.text.splitlines())
        self.question_html.value = (
            f"{self._scale_css}<b>{html.escape(ex.title)}</b> <span style='color:#666'>(seed {ex.seed}; "
            f"{html.escape(tags)})</span><br>{body}"
        )
        self.feedback = ""
        self.correct = None
        self.feedback_html.value = ""
        self._controls = {}
        self.value = None
        if ex.kind == "order":
            self._order_input(list(ex.steps))
        elif ex.kind == "design":
            self._design_input(ex.controls)
        elif ex.choices is not None:
            self._choice_input(ex.choices, radio=ex.kind == "explain")
        else:
            box = ipw.Text(
                placeholder="your answer",
                description="Answer:",
                style={"description_width": "initial"},
            )
            box.observe(lambda ch: setattr(self, "value", ch["new"] or None), "value")
            self._controls["text"] = box
            self.input_box.children = [box]

    def _choice_input(self, choices, radio: bool) -> None:
        self._choice_values = list(choices)
        options = [(_label(c), c) for c in choices]
        cls = ipw.RadioButtons if radio else ipw.Dropdown
        pick = cls(options=options, value=None, layout=ipw.Layout(width="auto"))
        if not radio:
            pick.description = "Answer:"
            pick.style.description_width = "initial"  # not cut to "Answ..."
        pick.observe(lambda ch: setattr(self, "value", ch["new"]), "value")
        self._controls["choice"] = pick
        self.input_box.children = [pick]

    def _order_input(self, steps) -> None:
        listing = ipw.Select(options=steps, rows=len(steps), layout=ipw.Layout(width="auto"))
        up = ipw.Button(description="Up", tooltip="move the selected step earlier")
        down = ipw.Button(description="Down", tooltip="move the selected step later")
        up.on_click(lambda _b: self.move(listing.value, -1))
        down.on_click(lambda _b: self.move(listing.value, +1))
        self._controls.update(order=listing, up=up, down=down)
        self.input_box.children = [listing, ipw.HBox([up, down])]
        self.value = list(steps)

    def _design_input(self, controls) -> None:
        rows = []
        for name, values in controls.items():
            dd = ipw.Dropdown(
                options=[(_label(v), v) for v in values],
                value=values[0],
                description=name,
                style={"description_width": "initial"},
            )
            dd.observe(lambda _ch: self._settings_changed(), "value")
            self._controls[name] = dd
            rows.append(dd)
        self.input_box.children = rows
        self._settings_changed()

    def _settings_changed(self) -> None:
        self.value = {name: self._controls[name].value for name in self.exercise.controls}

    @traitlets.observe("value")
    def _value_to_controls(self, change):
        """Setting ``value`` from code moves the controls, as a mouse would have."""
        new = change["new"]
        ex = self.exercise
        if ex.kind == "design" and isinstance(new, dict):
            for name, v in new.items():
                dd = self._controls.get(name)
                if dd is not None and v in ex.controls[name] and dd.value != v:
                    dd.value = v
        elif ex.kind == "order" and isinstance(new, (list, tuple)) and "order" in self._controls:
            listing = self._controls["order"]
            if sorted(map(str, new)) == sorted(listing.options) and list(listing.options) != list(
                new
            ):
                keep = listing.value
                listing.options = list(new)
                listing.value = keep
        elif "choice" in self._controls and new in self._choice_values:
            if self._controls["choice"].value != new:
                self._controls["choice"].value = new
        elif "text" in self._controls and new is not None:
            text = new if isinstance(new, str) else _label(new)
            if self._controls["text"].value != text:
                self._controls["text"].value = text

    def move(self, step: str, by: int) -> None:
        """Move ``step`` ``by`` places in the order (what Up / Down do)."""
        order = list(self.value)
        if step not in order:
            return
        i = order.index(step)
        j = max(0, min(len(order) - 1, i + by))
        order.insert(j, order.pop(i))
        self.value = order
        self._controls["order"].value = step

    # -- the buttons -----------------------------------------------------------
    def _show(self, fb: Feedback) -> Feedback:
        self.feedback = fb.message
        self.correct = fb.correct
        self.feedback_html.value = fb._repr_html_()
        return fb

    def check(self, answer) -> Feedback:
        """Check ``answer`` (what the Check button does with ``value``)."""
        if answer is not None and answer is not Ellipsis and answer != self.value:
            self.value = answer
        try:
            fb = self.exercise.check(answer)
        except Exception as exc:  # noqa: BLE001 - a reader sees a message, never a traceback
            fb = Feedback(
                False,
                f"{self.exercise.title}: this answer could not be checked "
                f"({type(exc).__name__}: {exc}). Please report it.",
                self.exercise.title,
            )
        return self._show(fb)

    def hint(self) -> Feedback:
        return self._show(Feedback(None, f"Hint: {self.exercise.hint}", self.exercise.title))

    def reveal(self) -> Feedback:
        return self._show(self.exercise.reveal())

    def with_seed(self, seed: int) -> ExerciseWidget:
        return ExerciseWidget(self.exercise.with_seed(seed))

    # -- display ---------------------------------------------------------------
    def _tags(self) -> str:
        ex = self.exercise
        return f"{ex.kind}, {ex.tier}" + (", capstone" if ex.capstone else "")

    def __repr__(self) -> str:
        ex = self.exercise
        fmt = ex.answer_format()
        return (
            f"{ex.title} (seed {ex.seed}; {self._tags()}): {ex.text}\n"
            + (f"[{fmt}]\n" if fmt else "")
            + "[answer with the controls and Check, or check(your_answer) from code]"
        )

    def static_html(self) -> str:
        """The question for a page without a kernel, and where to answer it."""
        ex = self.exercise
        body = "<br>".join(html.escape(line) for line in ex.text.splitlines())
        fmt = ex.answer_format()
        chapter = (ex.key or "0.").split(".")[0]
        where = (
            "To answer, open this notebook in JupyterLab (<code>pagemig lab</code>) or under "
            "Voilà, and use the controls and <b>Check</b>; or print it as homework: "
            f"<code>pagemig homework {chapter} -s {ex.seed}</code> (add <code>-c</code> for "
            "the answers)."
        )
        return (
            f'<div class="pagemig-exercise" style="border: 1px solid #999; border-radius: 4px; '
            f'padding: 6px 10px; margin: 4px 0"><b>{html.escape(ex.title)}</b> (seed {ex.seed}; '
            f"{html.escape(self._tags())})<br>{body}"
            + (f'<br><span style="color: #666">{html.escape(fmt)}</span>' if fmt else "")
            + f'<br><span style="color: #666">{where}</span></div>'
        )

    def _repr_mimebundle_(self, **kwargs):
        data = ipw.Widget._repr_mimebundle_(self, **kwargs) or {}
        data["text/plain"] = repr(self)
        data["text/html"] = self.static_html()
        return data


def exercise(key: str, seed: int | None = None) -> ExerciseWidget:
    """The book's exercise ``key`` ("3.2") as a widget, for its own seed or ``seed``."""
    return ExerciseWidget(get(key, seed))
