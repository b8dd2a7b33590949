"""The static website of the book (``pagemig site``), served by ``python -m http.server`` on
loopback, in chromium: the contents page links every chapter; every link between pages
(and to an anchor) is followed and lands; every picture loads and has alt text; each
chapter's exercises carry the note on where to answer them; and no request leaves the
machine."""

from __future__ import annotations

import json
import re
import sys
import time
from urllib.parse import unquote, urldefrag, urljoin

import pytest

from pagemig import launch
from pagemig.book import stored_chapters
from pagemig.site import build_site

from .conftest import BOOK, new_page, outside_requests, report, stop_server

PAGE_LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .map(a => a.href).filter(h => !h.startsWith('javascript:'))"""
IMAGES = """async () => {
  const out = [];
  for (const im of document.querySelectorAll('img')) {
    try { await im.decode(); } catch (e) {}
    out.push({ok: im.complete && im.naturalWidth > 0, alt: (im.getAttribute('alt') || '').trim()});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    t0 = time.monotonic()
    built = build_site(BOOK, out)
    built.seconds = time.monotonic() - t0
    port = launch.free_port()
    server = launch.Server(
        cmd=[sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "-d", str(out), str(port)],
        port=port,
        token="",
        url=f"http://127.0.0.1:{port}/",
        ready_url=f"http://127.0.0.1:{port}/index.html",
        log=open(out.parent / "http.log", "w"),  # noqa: SIM115 - closed by stop_server
    ).start()
    try:
        server.wait_ready(timeout=30)
        yield built, server
    finally:
        assert stop_server(server) == []


def test_the_site_is_the_whole_book_linked_and_offline(site, browser):
    built, server = site
    chapters = stored_chapters(BOOK)
    assert built.pages == [p.stem + ".html" for p in chapters]
    context, pg = new_page(browser)
    try:
        pg.goto(server.url)
        toc = {urldefrag(h)[0] for h in pg.evaluate(PAGE_LINKS)}
        assert {server.url + p for p in built.pages} <= toc, (
            "a chapter is missing from the contents"
        )

        # Every page, then every link on it: it must answer 200, and an anchor must exist.
        pages = [server.url + "index.html", *(server.url + p for p in built.pages)]
        links, images, alts, noted = set(), 0, [], 0
        for url in pages:
            response = pg.goto(url)
            assert response.status == 200, url
            assert pg.title(), f"{url} has no title"
            if url.endswith(tuple(built.pages)):
                assert pg.locator("nav.pagemig-nav a.toc").count() == 2, f"{url}: no contents link"
            links |= {urljoin(url, h) for h in pg.evaluate(PAGE_LINKS)}
            seen = pg.evaluate(IMAGES)
            assert all(im["ok"] for im in seen), f"{url}: a picture did not load"
            missing = [im for im in seen if not im["alt"]]
            assert missing == [], f"{url}: {len(missing)} picture(s) without alt text"
            images += len(seen)
            alts += [im["alt"] for im in seen]
            noted += pg.locator("div.pagemig-answer-note").count()
        local = sorted(h for h in links if h.startswith(server.url))
        outside = sorted(h for h in links if not h.startswith(server.url))
        # Links out are the chapters' own citations (Sources, kernel source lines), which a
        # reader may follow; nothing else (no template's CDN, no stray http link). Loading
        # a page fetches none of them: outside_requests below checks that.
        cited = set()
        for nb in chapters:
            for cell in json.loads(nb.read_text())["cells"]:
                if cell["cell_type"] == "markdown":
                    cited |= set(re.findall(r"\(?(https://[^\s)>\]]+)", "".join(cell["source"])))
        stray = [h for h in outside if h not in cited and h.rstrip("/") not in cited]
        assert stray == [], f"links out of the site that no chapter cites: {stray}"
        anchors = 0
        for href in local:
            target, anchor = urldefrag(href)
            response = pg.goto(target)
            assert response.status == 200, f"{href} answered {response.status}"
            if anchor:
                # As the browser does (HTML's indicated part): an id equal to the
                # fragment as written, or else to its percent-decoded text.
                ids = pg.evaluate("Array.from(document.querySelectorAll('[id]'), (e) => e.id)")
                found = ids.count(anchor) or ids.count(unquote(anchor))
                assert found == 1, f"{href}: no such anchor"
                anchors += 1
        assert outside_requests(pg) == [], "the site asked for something outside the machine"
    finally:
        context.close()
    assert images == built.images and images >= len(built.pages)
    assert noted == built.exercises == len(built.pages)  # every chapter has exercises
    report(
        f"site: built in {built.seconds:.1f} s; {len(built.pages)} chapter pages + contents; "
        f"{images} pictures, all loaded, all with alt text; {len(local)} distinct local links "
        f"followed ({anchors} to anchors), all 200; {len(pg.requests)} requests, none "
        "outside the machine"
    )
