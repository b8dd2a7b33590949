"""What the browser tests do on a page: drive JupyterLab's menus, read its cells, and find,
change and measure a MigrationLab (in JupyterLab and in Voilà alike)."""

from __future__ import annotations

import re
import time

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STDERR_MIME = "application/vnd.jupyter.stderr"
# A widget view as the widget manager renders it (ipywidgets 8): an output whose child is
# the view's DOM, never its text/plain or text/html fallback (those carry data-mime-type).
WIDGET_VIEW = ".jupyter-widgets"
WIDGET_OUTPUT = f".jp-OutputArea-output:has(> {WIDGET_VIEW})"
RENDERED_WIDGET_OUTPUT = f".jp-OutputArea-output > {WIDGET_VIEW}"

# Record, relative to navigation start, when the first widget view appears in the page.
FIRST_WIDGET_OBSERVER = """(sel) => {
  if (window.__pagemigObserver) return;
  const seen = () => {
    if (window.__firstWidgetAt === undefined && document.querySelector(sel)) {
      window.__firstWidgetAt = performance.now();
    }
  };
  window.__pagemigObserver = new MutationObserver(seen);
  window.__pagemigObserver.observe(document, {childList: true, subtree: true});
  seen();
}"""


def first_widget_ms(page, timeout_ms: int = 120_000) -> float:
    """Milliseconds from navigation start to the first rendered widget view."""
    page.evaluate(FIRST_WIDGET_OBSERVER, RENDERED_WIDGET_OUTPUT)
    page.wait_for_function("() => window.__firstWidgetAt !== undefined", timeout=timeout_ms)
    return page.evaluate("() => window.__firstWidgetAt")


# -- JupyterLab ------------------------------------------------------------------------------
LAB_KERNEL_IDLE = """(name) => {
  const w = window.jupyterapp?.shell?.currentWidget;
  return w?.context?.path === name && w.sessionContext?.session?.kernel?.status === 'idle'
    && w.content?.widgets?.length > 0;
}"""


def dismiss_lab_popups(page) -> None:
    """Answer the news question (No) and accept the kernel a notebook asks for, if shown."""
    no = page.locator(".jp-Notification-Toast-Container button", has_text=re.compile(r"^No$"))
    if no.count():
        no.first.click()
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and "Select Kernel" in dialog.first.inner_text():
        dialog.locator("button.jp-mod-accept").click()


def lab_menu(page, menu: str, command: str) -> None:
    """Click a menu of JupyterLab's menu bar, then the item that runs ``command``."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').first.click()


def load_lab(page, server) -> float:
    """Load JupyterLab (a fresh workspace); returns the seconds until the app is restored."""
    t0 = time.monotonic()
    page.goto(f"http://127.0.0.1:{server.port}/lab?reset&token={server.token}")
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=90_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    page.locator(".jp-DirListing-item").first.wait_for(timeout=60_000)
    dismiss_lab_popups(page)
    return time.monotonic() - t0


def open_in_lab(page, name: str) -> float:
    """Open notebook ``name`` from the file browser (double click) and wait for its kernel;
    returns the seconds that took."""
    t0 = time.monotonic()
    item = page.locator(f'.jp-DirListing-item[data-file-type="notebook"][title^="Name: {name}"]')
    if not item.count():
        item = page.locator(".jp-DirListing-item", has_text=name)
    item.first.dblclick()
    deadline = time.monotonic() + 90
    while not page.evaluate(LAB_KERNEL_IDLE, name):
        dismiss_lab_popups(page)
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: the notebook did not open or its kernel never idled")
        page.wait_for_timeout(200)
    dismiss_lab_popups(page)
    return time.monotonic() - t0


def close_lab_documents(page) -> None:
    """Close every open document without saving (the test ran it; the file stays as stored)."""
    page.evaluate(
        """() => { for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {
             if (w.context) { w.context.model.dirty = false; }
             w.dispose(); } }"""
    )


CELLS_STATE = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const out = [];
  for (let i = 0; i < nb.widgets.length; i++) {
    const cell = nb.widgets[i];
    const m = cell.model;
    if (m.type !== 'code') { out.push({i, type: m.type}); continue; }
    const outputs = [];
    for (let j = 0; j < m.outputs.length; j++) outputs.push(m.outputs.get(j).toJSON());
    out.push({i, type: 'code', count: m.executionCount, source: m.sharedModel.getSource(),
              outputs});
  }
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel;
  return {kernel: k ? k.status : null, cells: out};
}"""


def lab_cells(page) -> dict:
    return page.evaluate(CELLS_STATE)


def run_all_in_lab(page, timeout_s: float = 180) -> list[dict]:
    """Clear every output and run every cell through the menus; wait until each code cell
    ran (or one failed). Returns the cells (models as JSON)."""
    lab_menu(page, "Edit", "editmenu:clear-all")
    page.wait_for_function(
        """() => { const nb = window.jupyterapp.shell.currentWidget.content;
          return nb.widgets.every(c => c.model.type !== 'code' || c.model.executionCount === null); }"""
    )
    # The first widget from now on is one this run displayed.
    page.evaluate(
        "() => { window.__firstWidgetAt = undefined; window.__runAllAt = performance.now(); }"
    )
    lab_menu(page, "Run", "runmenu:run-all")
    deadline = time.monotonic() + timeout_s
    while True:
        state = lab_cells(page)
        code = [c for c in state["cells"] if c["type"] == "code"]
        failed = [c for c in code if any(o["output_type"] == "error" for o in c["outputs"])]
        done = all(c["count"] is not None for c in code) and state["kernel"] == "idle"
        if done or (failed and state["kernel"] == "idle"):
            return state["cells"]
        if time.monotonic() > deadline:
            pending = [c["i"] for c in code if c["count"] is None]
            raise AssertionError(f"cells {pending} had not run after {timeout_s:.0f} s")
        page.wait_for_timeout(250)


def cell_label(cell: dict) -> str:
    src = cell.get("source", "").strip().splitlines()
    return f"cell {cell['i']} ({src[0][:60] if src else 'empty'!r})"


def model_problems(cells: list[dict]) -> list[str]:
    """Errors and stderr in the cells' outputs (the kernel's view)."""
    problems = []
    for c in cells:
        for o in c.get("outputs", []):
            if o["output_type"] == "error":
                problems.append(f"{cell_label(c)}: {o['ename']}: {o['evalue']}")
            elif o["output_type"] == "stream" and o.get("name") == "stderr":
                text = o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                problems.append(f"{cell_label(c)}: stderr: {text.strip()[:300]}")
    return problems


def widget_outputs(cell: dict) -> int:
    return sum(1 for o in cell.get("outputs", []) if WIDGET_MIME in o.get("data", {}))


def stored_widget_outputs(notebook: dict) -> int:
    """Widget outputs in a stored notebook (nbformat JSON)."""
    return sum(widget_outputs(c) for c in notebook["cells"])


# What one part of the page shows: outputs on stderr, error and traceback texts, and the
# widget outputs (an output whose child is a widget view) with their size and images.
INSPECT = """async (node) => {
  const all = Array.from(node.querySelectorAll('.jp-OutputArea-output'));
  const top = all.filter(o => !o.parentElement.closest('.jp-OutputArea-output'));
  const errorText = /Error displaying widget|Traceback \\(most recent call last\\)|There was an error when executing cell/;
  const views = top.filter(o => Array.from(o.children).some(c => c.classList.contains('jupyter-widgets')));
  let empty = 0, badImages = 0, images = 0;
  for (const o of views) {
    const r = o.getBoundingClientRect();
    if (r.width <= 10 || r.height <= 5) empty++;
    for (const im of o.querySelectorAll('.widget-image')) {
      if (im.getClientRects().length === 0) continue;  // not shown (a hidden box): no picture due
      images++;
      try { await im.decode(); } catch (e) {}
      if (!(im.complete && im.naturalWidth > 0)) badImages++;
    }
  }
  return {
    stderr: all.filter(o => o.dataset.mimeType === 'STDERR_MIME').map(o => o.innerText.slice(0, 400)),
    errors: all.filter(o => errorText.test(o.innerText)).map(o => o.innerText.slice(0, 400)),
    widgets: views.length, empty, images, badImages,
    fallbacks: top.filter(o => /^[A-Za-z]+\\(/.test(o.innerText) && o.dataset.mimeType === 'text/plain')
                  .map(o => o.innerText.slice(0, 100)),
  };
}""".replace("STDERR_MIME", STDERR_MIME)

LAB_CELL_NODE = """async (i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  await nb.scrollToItem(i, 'start');
  return nb.widgets[i].node;
}"""


def shown_problems(seen: dict, expected_widgets: int, where: str) -> list[str]:
    """What is wrong with what a part of the page shows (see INSPECT)."""
    out = [f"{where}: shown on stderr: {t}" for t in seen["stderr"]]
    out += [f"{where}: shows an error: {t}" for t in seen["errors"] if t not in seen["stderr"]]
    if seen["widgets"] != expected_widgets:
        out.append(
            f"{where}: {expected_widgets} widget(s) expected, {seen['widgets']} rendered as "
            f"widgets (text fallbacks shown: {seen['fallbacks']})"
        )
    if seen["empty"]:
        out.append(f"{where}: {seen['empty']} widget(s) rendered empty")
    if seen["badImages"]:
        out.append(f"{where}: {seen['badImages']} of {seen['images']} widget images did not load")
    return out


def wait_until_shown(inspect, expected_widgets: int, where: str, timeout_s: float = 30):
    """Inspect until every expected widget rendered (views render asynchronously), then
    return the problems left (empty: all good) and the last inspection."""
    deadline = time.monotonic() + timeout_s
    while True:
        seen = inspect()
        problems = shown_problems(seen, expected_widgets, where)
        if not problems or seen["stderr"] or seen["errors"] or time.monotonic() > deadline:
            return problems, seen
        time.sleep(0.25)


def lab_cell_problems(page, cells: list[dict], name: str) -> list[str]:
    """Scroll to each code cell (JupyterLab 4 lays cells out lazily) and check what it shows."""
    problems = []
    for c in cells:
        if c["type"] != "code":
            continue
        handle = page.evaluate_handle(LAB_CELL_NODE, c["i"])
        found, _ = wait_until_shown(
            lambda h=handle: page.evaluate(INSPECT, h),
            widget_outputs(c),
            f"{name} {cell_label(c)}",
        )
        handle.dispose()
        problems += found
    return problems


# -- MigrationLab ----------------------------------------------------------------------------
def migration_labs(scope):
    """The MigrationLab views in ``scope``: the widget outputs that hold a Step button, a
    sharers slider and an image (the kit's MigrationLab layout)."""
    outputs = scope.locator(WIDGET_OUTPUT)
    return (
        outputs.filter(has=scope.page.locator("button", has_text=re.compile(r"^Step$")))
        .filter(has=scope.page.locator(".widget-slider", has_text="sharers"))
        .filter(has=scope.page.locator(".widget-image"))
    )


IMAGE_DIGEST = """async (img) => {
  try { await img.decode(); } catch (e) {}
  if (!img.complete || !img.naturalWidth) return null;  // between two pictures
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const px = g.getImageData(0, 0, c.width, c.height).data;
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', px));
  return c.width + 'x' + c.height + ':' + Array.from(h, b => b.toString(16).padStart(2, '0')).join('');
}"""


def figure_pixels(widget, timeout_s: float = 30, *, last: bool = False) -> str:
    """Size and SHA-256 of the pixels a widget's figure shows right now: its first image
    (a MigrationLab's figure), or with ``last=True`` its last one."""
    images = widget.locator(".widget-image")
    img = images.last if last else images.first
    img.wait_for(state="visible")
    deadline = time.monotonic() + timeout_s
    while (digest := img.evaluate(IMAGE_DIGEST)) is None:
        if time.monotonic() > deadline:
            raise AssertionError("the widget's figure never finished loading")
        widget.page.wait_for_timeout(100)
    return digest


def wait_for_new_pixels(lab, before: str, what: str, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        now = figure_pixels(lab, timeout_s)
        if now != before:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: the figure's pixels did not change in {timeout_s} s")
        lab.page.wait_for_timeout(200)


def slider_value(lab, label: str) -> str:
    return lab.locator(".widget-slider", has_text=label).locator(".widget-readout").inner_text()


def change_with_keyboard(lab) -> str:
    """Focus the ``sharers`` slider's handle and press an arrow key (Right, or Left when the
    slider is at its maximum); returns what changed."""
    before = slider_value(lab, "sharers")
    handle = lab.locator(".widget-slider", has_text="sharers").locator(".noUi-handle")
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    key = "ArrowLeft" if at_max else "ArrowRight"
    handle.focus()
    handle.press(key)
    after = slider_value(lab, "sharers")
    assert after != before, f"{key} left the sharers slider at {before}"
    return f"sharers {before} -> {after} ({key})"


def change_with_mouse(lab) -> str:
    """Click the ``dirty`` checkbox; returns what changed."""
    box = lab.locator(".widget-checkbox", has_text="dirty").locator("input[type=checkbox]")
    before = box.is_checked()
    box.click()
    assert box.is_checked() != before, "the click did not toggle dirty"
    return f"dirty {before} -> {not before} (click)"


def latest_event(lab) -> int:
    """The sequence number of the newest event the lab's events pane shows (-1: none)."""
    text = lab.locator(".pagemig-events").first.inner_text()
    seqs = [int(n) for n in re.findall(r"#(\d+)", text)]
    return max(seqs) if seqs else -1


def click_step(lab, timeout_s: float = 30) -> tuple[int, int]:
    """Click Step; wait until the events pane shows a newer event. Returns (before, after)."""
    before = latest_event(lab)
    lab.locator("button", has_text=re.compile(r"^Step$")).click()
    deadline = time.monotonic() + timeout_s
    while (after := latest_event(lab)) <= before:
        if time.monotonic() > deadline:
            raise AssertionError(f"Step did not advance the events shown (still #{before})")
        lab.page.wait_for_timeout(200)
    return before, after


def exercise_migration_lab(lab, where: str) -> list[str]:
    """Keyboard, mouse and Step on one MigrationLab; each must change what it shows."""
    lab.scroll_into_view_if_needed()
    done = []
    px = figure_pixels(lab)
    what = change_with_keyboard(lab)
    px = wait_for_new_pixels(lab, px, f"{where}: {what}")
    done.append(what)
    what = change_with_mouse(lab)
    px = wait_for_new_pixels(lab, px, f"{where}: {what}")
    done.append(what)
    b, a = click_step(lab)
    wait_for_new_pixels(lab, px, f"{where}: Step")  # the figure's title counts the steps
    done.append(f"Step: event #{b} -> #{a}")
    return done
