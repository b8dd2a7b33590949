"""The emission convention (sched.py): steps are built only when someone reads them,
long results are summarised, and page lists cost the same at any length."""

import hashlib

import pytest

from pagemig import Kernel
from pagemig.constants import PAGE_SIZE
from pagemig.migrate import migrate_pages, migrate_prep
from pagemig.page import PageList


def _machine(trace=True, pages=4):
    k = Kernel(trace=trace)
    p = k.spawn()
    v = p.mmap(pages)
    p.write(v.start, b"x" * (pages * PAGE_SIZE))
    return k, p, v


def test_a_step_is_false_when_nobody_records_it():
    k, _, _ = _machine(trace=False)
    k.say = False
    assert next(migrate_prep(k)) is False
    k.say = True
    func, what, data = next(migrate_prep(k))
    assert func == "migrate_prep" and "drained" in what and data == {}


def test_stepping_an_untraced_kernel_still_returns_whole_events():
    k, p, v = _machine(trace=False)
    t = k.start_migrate_pages([p.page_at(v.start)], 1)
    events = []
    while not t.done:
        events.append(k.step(t))
    assert [e.func for e in events[:3]] == ["migrate_prep", "isolate_lru_page", "migrate_pages"]
    assert events[-1].kind == "return" and events[-1].what == "returns 0"
    assert len(k.trace) == 0  # untraced: nothing kept
    assert k.say is True  # restored after each step


def test_untraced_run_to_completion_counts_the_same_steps():
    clocks = []
    for trace in (True, False):
        k, p, v = _machine(trace=trace)
        before = k.clock
        k.migrate_pages([p.page_at(v.start + i * PAGE_SIZE) for i in range(4)], 1)
        clocks.append(k.clock - before)
    assert clocks[0] == clocks[1] > 0


def test_old_style_tuples_still_work():
    k, _, _ = _machine()

    def path():
        yield ("custom_func", "an old-style step", {"x": 1})
        return 7

    t = k._start("custom", path(), "migrate")
    assert k._finish(t) == 7
    assert [(e.func, e.what, e.kind) for e in k.trace.events[-2:]] == [
        ("custom_func", "an old-style step", "step"),
        ("return", "returns 7", "return"),
    ]


def test_a_long_read_is_recorded_as_a_summary_and_a_short_one_as_itself():
    k, p, v = _machine(pages=64)
    data = p.read(v.start, 64 * PAGE_SIZE)
    ev = k.trace.events[-1]
    assert ev.kind == "return"
    digest = hashlib.sha1(data).hexdigest()[:12]
    assert ev.what == f"returns {len(data)} bytes {data[:16]!r}... sha1 {digest}"
    assert len(ev.what) < 100 and isinstance(ev.data["result"], str)
    assert p.read(v.start, 3) == b"xxx"
    assert k.trace.events[-1].what == "returns b'xxx'"
    assert k.trace.events[-1].data["result"] == b"xxx"


def test_page_list_is_a_list_head():
    k, p, v = _machine()
    pages = [p.page_at(v.start + i * PAGE_SIZE) for i in range(4)]
    pl = PageList(pages[:2])
    pl.append(pages[3])
    assert list(pl) == [pages[0], pages[1], pages[3]] and len(pl) == 3
    assert pages[3] in pl and pages[2] not in pl
    pl.remove(pages[1])
    assert list(pl) == [pages[0], pages[3]]
    with pytest.raises(ValueError, match="not on this list"):
        pl.remove(pages[1])


def test_migrate_pages_takes_a_plain_list_and_empties_it():
    k, p, v = _machine()
    page = p.page_at(v.start)
    page.lru = False
    page.count += 1
    page.refs["isolate"] = 1
    lst = [page]

    def new(k, page, private):
        return k.nodes[1].alloc_page("alloc"), None

    t = k._start("m", migrate_pages(k, lst, new), "migrate")
    assert k._finish(t) == 0
    assert lst == [] and p.page_at(v.start).node == 1
    k.check()
