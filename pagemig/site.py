"""``pagemig site [DIR]``: the book as a static website that needs no install and no network.

Built with nbconvert's HTML exporter and pagemig's template (``share/jupyter/nbconvert/
templates/pagemig-site``, an extension of nbconvert's "lab" template), from the stored
notebooks and their stored outputs (nothing is executed). nbconvert is what JupyterLab's
"Export as HTML" uses, is installed with Jupyter already, and builds offline; Jupyter Book 2
needs Node and downloads its theme at build time, so it cannot build here.

The pages load nothing from outside the machine: no require.js, MathJax or Mermaid (the
template leaves them out; the book has no maths and no diagrams), the CSS is inlined, and
every figure and widget picture is a PNG inside the page (``data:`` URI) with alt text.
Links between chapters point at the chapters' pages; each page has the table of contents,
the previous and the next chapter; and the exercises carry a note saying where they can be
answered. Serve it with ``python -m http.server -d DIR`` (or open ``DIR/index.html``).
"""

from __future__ import annotations

import copy
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .book import stored_chapters

TEMPLATES = Path(__file__).resolve().parent / "share" / "jupyter" / "nbconvert" / "templates"
TEMPLATE = "pagemig-site"
DEFAULT_DIR = Path("build") / "site"
ANSWER_NOTE = (
    '<div class="pagemig-answer-note"><b>Answering the exercises.</b> On this website the '
    "exercises show the problem only. To answer one, open this chapter in JupyterLab "
    "(<code>pagemig lab</code>, see the README), replace <code>None</code> in "
    "<code>exN.check(None)</code> with your answer and run the cell; <code>exN.reveal()</code> "
    "shows the answer and why.</div>"
)
# A markdown heading that starts a chapter's exercises ("## Exercises", "## Questions for
# the room" in the lecture).
EXERCISE_HEADING = re.compile(r"^#{1,6}\s.*\b(exercises|questions)\b", re.IGNORECASE | re.MULTILINE)
# A relative markdown link to a notebook: [text](03-file.ipynb#anchor)
NOTEBOOK_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|/)([^)\s#]+)\.ipynb(#[^)\s]*)?\)")
PLOT_CALL = re.compile(r"\b(plot_\w+\(.*\)|\w+\.plot\w*\(.*\))")


class SiteError(Exception):
    """A site that cannot be built (no notebooks, unwritable folder)."""


@dataclass
class Site:
    """What :func:`build_site` wrote."""

    out: Path
    pages: list[str] = field(default_factory=list)  # chapter pages, in order
    images: int = 0  # figures and widget pictures across the pages
    exercises: int = 0  # chapters whose exercises got the note


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def chapter_title(nb) -> str:
    """The chapter's first ``#`` heading (without the ``#``)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", _source(cell), re.MULTILINE)
            if m:
                return m.group(1).strip()
    return "Untitled"


def chapter_sections(nb) -> list[tuple[str, str]]:
    """The ``##`` headings of a chapter and their anchors (as nbconvert writes them)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for m in re.finditer(r"^##\s+(.+)$", _source(cell), re.MULTILINE):
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1)).strip()
                text = text.replace("`", "")
                out.append((text, re.sub(r"\s", "-", text)))
    return out


def _alt_for(cell) -> str:
    """Alt text of a figure: the cell's own (metadata ``alt``, written by the chapter's
    author to say what the figure shows), else the plotting call of the cell that drew it."""
    own = cell.get("metadata", {}).get("alt")
    if isinstance(own, str) and own.strip():
        return " ".join(own.split())
    calls = [m.group(1) for m in PLOT_CALL.finditer(_source(cell))]
    if calls:
        return f"Figure drawn by {calls[0]}"
    last = [line for line in _source(cell).splitlines() if line.strip()]
    return f"Figure shown by the code cell {last[-1].strip()!r}" if last else "Figure"


def prepare(nb, names: set[str]):
    """A copy of ``nb`` ready to export: chapter links point at pages, figures have alt
    text, and a note on where to answer follows the exercises' heading. Returns the copy
    and whether a note was added."""
    nb = copy.deepcopy(nb)
    noted = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            src = _source(cell)

            def page(m):
                target = m.group(1)
                if Path(target).name + ".ipynb" not in names:
                    return m.group(0)
                return f"]({target}.html{m.group(2) or ''})"

            src = NOTEBOOK_LINK.sub(page, src)
            if not noted and EXERCISE_HEADING.search(src):
                src = f"{src}\n\n{ANSWER_NOTE}\n"
                noted = True
            cell.source = src
        elif cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if "image/png" in out.get("data", {}):
                    meta = out.setdefault("metadata", {})
                    meta["pagemig_alt"] = _alt_for(cell)
    return nb, noted


def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_anchor_links=False,
    )


def _index_notebook(entries):
    import nbformat

    lines = [
        "# pagemig: see Linux page migration happen",
        "",
        "An interactive textbook on how Linux 2.6.18 migrates pages between NUMA nodes, "
        "built around the patch *More page migration: use migration entries for file pages*. "
        "This website shows the book as it is stored, with its outputs; the figures are "
        "pictures. To change the settings of a widget, step a migration or answer the "
        "exercises, run the book: `pagemig lab` (see the README). Start with chapter 0.",
        "",
        "## Contents",
        "",
    ]
    for page, title, sections in entries:
        lines.append(f"- [{title}]({page})")
        for text, anchor in sections:
            lines.append(f"    - [{text}]({page}#{anchor})")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("\n".join(lines))]
    nb.metadata["title"] = "pagemig: contents"
    return nb


def build_site(stored: Path, out: Path) -> Site:
    """Write the website of the book in ``stored`` into ``out`` (made or emptied of pages)."""
    import nbformat

    chapters = stored_chapters(stored)
    if not chapters:
        raise SiteError(f"no notebooks in {stored}")
    names = {p.name for p in chapters}
    exporter = _exporter()
    site = Site(out=out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.html"):
            old.unlink()
        notebooks = [nbformat.read(p, as_version=4) for p in chapters]
        pages = [p.stem + ".html" for p in chapters]
        entries = [
            (page, chapter_title(nb), chapter_sections(nb)) for page, nb in zip(pages, notebooks)
        ]
        for i, (path, nb) in enumerate(zip(chapters, notebooks)):
            ready, noted = prepare(nb, names)
            ready.metadata["title"] = f"{entries[i][1]} · pagemig"
            nav = {
                "toc": "index.html",
                "prev": entries[i - 1][:2] if i > 0 else None,
                "next": entries[i + 1][:2] if i + 1 < len(entries) else None,
            }
            body, _ = exporter.from_notebook_node(
                ready, resources={"metadata": {"name": path.stem}, "pagemig": nav}
            )
            (out / pages[i]).write_text(body, encoding="utf-8")
            site.pages.append(pages[i])
            site.images += body.count("<img ")
            site.exercises += noted
        body, _ = exporter.from_notebook_node(
            _index_notebook(entries), resources={"metadata": {"name": "index"}, "pagemig": {}}
        )
        (out / "index.html").write_text(body, encoding="utf-8")
    except OSError as e:
        raise SiteError(f"cannot write the site in {out}: {e.strerror}") from None
    return site


def cmd_site(args) -> int:
    """Build the static website of the book."""
    from .launch import LaunchError, _notebooks_arg

    out = Path(args.dir)
    try:
        stored = _notebooks_arg(args)
        if out.exists() and not out.is_dir():
            raise SiteError(f"{out} exists and is not a folder")
        if out.is_dir() and any(out.iterdir()) and not (out / "index.html").exists():
            raise SiteError(f"{out} is a folder with other files in it; give an empty or new one")
        print(f"pagemig site: building {len(stored_chapters(stored))} chapters into {out} ...")
        site = build_site(stored, out)
    except (LaunchError, SiteError) as e:
        print(f"pagemig site: {e}", file=sys.stderr)
        return 2
    print(
        f"pagemig site: {len(site.pages)} chapter pages and a contents page, "
        f"{site.images} pictures, in {out.resolve()}\n"
        f"    view it with: python3 -m http.server --bind 127.0.0.1 -d {out} 8000\n"
        "    and open http://127.0.0.1:8000/"
    )
    return 0


def _add_arguments(parser) -> None:
    parser.add_argument("dir", nargs="?", default=str(DEFAULT_DIR), help=f"default: {DEFAULT_DIR}")
    parser.add_argument(
        "--notebooks",
        default=None,
        metavar="DIR",
        help="the stored book (default: the repository's notebooks/)",
    )


cmd_site.add_arguments = _add_arguments
