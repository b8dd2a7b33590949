"""The checks the book's browser tests rely on, shown to catch what they look for: a
notebook (written here, not part of the book) that warns on stderr, displays a widget that
cannot render, and raises. If these checks were blind, test_lab would pass on a broken book.
"""

from __future__ import annotations

import nbformat
import pytest

from .conftest import new_page, shutdown_kernels, start_lab, stop_server
from .pagekit import (
    close_lab_documents,
    lab_cell_problems,
    load_lab,
    model_problems,
    open_in_lab,
    run_all_in_lab,
)

BROKEN = [
    "import ipywidgets as ipw\nipw.IntSlider(description='fine')",
    "import warnings\nwarnings.warn('careful')",
    # A widget view whose model does not exist: the page cannot render it as a widget.
    "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'nope',"
    " 'version_major': 2, 'version_minor': 0}, 'text/plain': 'Ghost()'}, raw=True)",
    "1 / 0",
    "print('never runs')",
]


@pytest.fixture(scope="module")
def broken_lab(browser, tmp_path_factory):
    book = tmp_path_factory.mktemp("broken-book")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(src) for src in BROKEN]
    nbformat.write(nb, book / "broken.ipynb")
    server = start_lab(book, tmp_path_factory.mktemp("broken-lab"))
    context, page = new_page(browser)
    try:
        load_lab(page, server)
        yield page
    finally:
        context.close()
        try:
            shutdown_kernels(server)
        finally:
            assert stop_server(server) == []


def test_the_checks_see_errors_stderr_and_widgets_that_did_not_render(broken_lab):
    page = broken_lab
    open_in_lab(page, "broken.ipynb")
    cells = run_all_in_lab(page)
    try:
        assert [c["count"] is not None for c in cells] == [True, True, True, True, False]
        kernel_side = model_problems(cells)
        assert len(kernel_side) == 2
        assert "stderr: " in kernel_side[0] and "UserWarning: careful" in kernel_side[0]
        assert "ZeroDivisionError: division by zero" in kernel_side[1]

        page_side = lab_cell_problems(page, cells, "broken.ipynb")
        assert not any("cell 0" in p for p in page_side), page_side  # the slider is fine
        assert any("cell 1" in p and "stderr" in p and "careful" in p for p in page_side)
        ghost = [p for p in page_side if "cell 2" in p]
        assert any("1 widget(s) expected, 0 rendered as widgets" in p for p in ghost), ghost
        assert any("Traceback" in p or "ZeroDivisionError" in p for p in page_side if "cell 3" in p)
    finally:
        close_lab_documents(page)
