"""``pagemig site`` on a small book made here: links between chapters become links between
pages, figures get alt text, exercises get the note on where to answer them, and no page
refers to anything outside the machine. (tests/browser/test_site.py browses the real book.)"""

from __future__ import annotations

import base64
import re

import nbformat
import pytest

from pagemig import cli, site

# A 1x1 PNG.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


@pytest.fixture
def small_book(tmp_path):
    book = tmp_path / "notebooks"
    book.mkdir()
    one = nbformat.v4.new_notebook()
    one.cells = [
        nbformat.v4.new_markdown_cell(
            "# 0. Start\n\n## Goals\n\nRead [the next one](01-next.ipynb#Exercises) and "
            "[a site](https://example.org/x.ipynb)."
        ),
        nbformat.v4.new_code_cell(
            "ax = plot_nodes(k)\nax.figure",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"image/png": PNG, "text/plain": "<Figure>"}
                )
            ],
        ),
        nbformat.v4.new_code_cell(
            'with_alt(ax, "Two nodes, one page")',  # widgets.with_alt: an <img> with its alt
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "text/html": '<img alt="Two nodes, one page" '
                        f'src="data:image/png;base64,{PNG}"/>',
                        "text/plain": "Two nodes, one page",
                    },
                )
            ],
        ),
    ]
    two = nbformat.v4.new_notebook()
    two.cells = [
        nbformat.v4.new_markdown_cell("# 1. Next\n\n## Exercises\n\nReplace `None`."),
        nbformat.v4.new_code_cell("ex1.check(None)"),
        nbformat.v4.new_markdown_cell("Back to [the start](00-start.ipynb)."),
    ]
    nbformat.write(one, book / "00-start.ipynb")
    nbformat.write(two, book / "01-next.ipynb")
    return book


def test_site_pages_link_each_other_and_load_nothing_from_outside(small_book, tmp_path):
    out = tmp_path / "site"
    built = site.build_site(small_book, out)
    assert built.pages == ["00-start.html", "01-next.html"]
    assert built.images == 2 and built.exercises == 1
    start = (out / "00-start.html").read_text()
    nxt = (out / "01-next.html").read_text()
    index = (out / "index.html").read_text()
    assert 'href="01-next.html#Exercises"' in start
    assert 'href="https://example.org/x.ipynb"' in start  # not ours: left alone
    assert 'href="00-start.html"' in nxt and 'id="Exercises"' in nxt
    assert 'alt="Figure drawn by plot_nodes(k)"' in start
    assert 'alt="Two nodes, one page"' in start
    assert nxt.count('<div class="pagemig-answer-note">') == 1
    assert 'class="pagemig-answer-note"' not in start  # no exercises there
    assert 'href="00-start.html"' in index and 'href="01-next.html#Exercises"' in index
    assert 'class="next" href="01-next.html"' in start
    assert 'class="prev" href="00-start.html"' in nxt
    for page in (start, nxt, index):
        # Nothing the browser would fetch from elsewhere: scripts, styles, images, fonts.
        fetched = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', page)
        assert [u for u in fetched if not u.startswith("data:")] == []
        assert "require.js" not in page and "mathjax" not in page.lower()
        assert not re.search(r"@import\s+url\(\s*['\"]?https?:", page)


def test_cli_site_builds_and_refuses_a_folder_of_other_files(small_book, tmp_path, capsys):
    out = tmp_path / "web"
    assert cli.main(["site", str(out), "--notebooks", str(small_book)]) == 0
    said = capsys.readouterr().out
    assert "2 chapter pages and a contents page, 2 pictures" in said
    assert f"http.server --bind 127.0.0.1 -d {out} 8000" in said
    assert cli.main(["site", str(out), "--notebooks", str(small_book)]) == 0  # rebuild: fine
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("")
    assert cli.main(["site", str(other), "--notebooks", str(small_book)]) == 2
    assert "other files in it" in capsys.readouterr().err
    assert (other / "thesis.tex").exists() and not (other / "index.html").exists()


def test_a_figure_cell_can_carry_its_own_alt_text(tmp_path):
    """A chapter's author says what a figure shows in the cell's metadata ("alt"); the
    page uses that text (whitespace folded), and the plotting call only where there is none."""
    book = tmp_path / "notebooks"
    book.mkdir()
    nb = nbformat.v4.new_notebook()
    figure = nbformat.v4.new_output(
        "display_data", data={"image/png": PNG, "text/plain": "<Figure>"}
    )
    described = nbformat.v4.new_code_cell("plot_pte_map(k, ax=ax)\nfig", outputs=[figure])
    described.metadata["alt"] = "Pte map: pid 1 has a write migration entry\n  at 0x10001000."
    plain = nbformat.v4.new_code_cell("plot_nodes(k)\nfig", outputs=[figure])
    nb.cells = [nbformat.v4.new_markdown_cell("# 0. Start"), described, plain]
    nbformat.write(nb, book / "00-start.ipynb")
    site.build_site(book, tmp_path / "site")
    page = (tmp_path / "site" / "00-start.html").read_text()
    assert 'alt="Pte map: pid 1 has a write migration entry at 0x10001000."' in page
    assert 'alt="Figure drawn by plot_nodes(k)"' in page
    assert "Figure drawn by plot_pte_map" not in page
