"""pagemig.experiments (seeded success-rate sweeps) and `pagemig bench`."""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor

import pandas as pd
import pytest

from pagemig import experiments as E
from pagemig.cli import main


class PicklingExecutor(Executor):
    """Runs calls in this thread after a pickle round trip of the call, as a remote
    executor (a Dask client's get_executor()) would ship it."""

    def __init__(self):
        self.calls = 0

    def submit(self, fn, /, *args, **kwargs):
        fn, args, kwargs = pickle.loads(pickle.dumps((fn, args, kwargs)))
        self.calls += 1
        fut = Future()
        fut.set_result(fn(*args, **kwargs))
        return fut


def one_thread():
    return ThreadPoolExecutor(max_workers=1)


# -- hand-computed figures ---------------------------------------------------------
def test_pinned_fraction_draws_each_page_and_bands_only_what_varies():
    with one_thread() as ex:
        df = E.sweep(
            "pinned_fraction",
            [1, 0.5, 0],
            trials=12,
            pages=8,
            mappings=("anonymous", "file linear"),
            executor=ex,
        )
    assert list(df.columns) == list(E.COLUMNS)
    assert list(df["value"]) == [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]  # sorted by value, then mapping
    assert list(df["mapping"]) == ["anonymous", "file linear"] * 3
    assert (df["trials"] == 12).all()
    assert (df["pages"] == 96).all()  # 12 trials x 8 pages attempted
    # nothing pinned / everything pinned: exact, and no band
    ends = df[df["value"] != 0.5]
    assert list(ends["successes"]) == [96, 96, 0, 0]
    assert not ends["varies"].any()
    assert (ends["ci_low"] == ends["rate"]).all() and (ends["ci_high"] == ends["rate"]).all()
    # half: each page pinned with probability 1/2, so trials differ and there is a band
    half = df[df["value"] == 0.5]
    assert half["varies"].all()
    assert (half["ci_low"] < half["rate"]).all() and (half["rate"] < half["ci_high"]).all()
    assert (half["successes"] != 48).any()  # not round(0.5 * 8) in every trial
    per_trial = {
        E.run_trial("pinned_fraction", 0.5, "patched", "anonymous", 8, s)[1] for s in range(12)
    }
    assert len(per_trial) >= 3, per_trial


def test_a_pinned_page_never_moves_and_every_other_does():
    for s in range(6):
        k, m = E._trial("pinned_fraction", 0.5, "patched", "file linear", 8, s)
        pinned = sum(1 for pg in k.pages_in_use() if "pin" in pg.refs)
        assert m["migrated"] == 8 - pinned
        k.check()


def test_free_frames_counts_are_exact_and_have_no_band():
    with one_thread() as ex:
        df = E.sweep("free_frames", [0, 3, 8, 20], trials=2, pages=8, executor=ex)
    # -ENOMEM after as many pages as the target node had free frames
    assert list(df["successes"]) == [0, 6, 16, 16]
    assert (df["pages"] == 16).all()
    assert not df["varies"].any() and (df["ci_low"] == df["rate"]).all()


def test_dirty_pages_migrate_when_writepage_works():
    with one_thread() as ex:
        df = E.sweep(
            "dirty_fraction",
            [0, 0.5, 1],
            trials=4,
            pages=8,
            mappings=("anonymous", "file linear", "file nonlinear"),
            executor=ex,
        )
    assert df.attrs["writepage"] == "ok"
    assert (df["rate"] == 1.0).all()  # written out, waited for, then moved
    got = {(r.value, r.mapping): r for r in df.itertuples()}
    assert got[(1.0, "file linear")].writeouts == 8  # every page written once
    assert got[(0.0, "file linear")].writeouts == 0
    assert 0 < got[(0.5, "file linear")].writeouts < 8
    assert got[(0.5, "file linear")].writeouts_sd > 0  # the number dirty varies per trial
    assert got[(1.0, "anonymous")].writeouts == 0  # no writeback for anonymous pages
    assert got[(1.0, "file linear")].steps > got[(0.0, "file linear")].steps


def test_dirty_fraction_with_a_writepage_that_declines():
    with one_thread() as ex:
        df = E.sweep(
            "dirty_fraction",
            [0, 0.25, 1],
            trials=8,
            pages=8,
            writepage="activate",
            mappings=("anonymous", "file linear", "file nonlinear"),
            executor=ex,
        )
    got = {(r.value, r.mapping): r for r in df.itertuples()}
    for mapping in ("file linear", "file nonlinear"):
        assert got[(0.0, mapping)].successes == 64
        assert got[(1.0, mapping)].successes == 0
        assert 0 < got[(0.25, mapping)].successes < 64 and got[(0.25, mapping)].varies
    assert all(got[(v, "anonymous")].successes == 64 for v in (0.0, 0.25, 1.0))


def test_dirty_pages_are_written_out_in_every_pass():
    k, m = E._trial("dirty_fraction", 0.5, "patched", "file linear", 8, 5, "activate")
    dirty = m["attempted"] - m["migrated"]
    assert m["attempted"] == 8 and 0 < dirty < 8
    # the dirty pages, writepage declines (ACTIVATE): writeout runs in all 10 passes
    assert k.vmstat["pgmigrate_writeout"] == m["writeouts"] == 10 * dirty
    assert k.vmstat["pgmigrate_success"] == m["migrated"]
    k.check()


def test_sharers_refault_only_before_the_patch():
    with one_thread() as ex:
        df = E.sweep(
            "sharers",
            [1, 3],
            trials=2,
            pages=4,
            variants=("patched", "before-patch"),
            mappings=("file linear", "anonymous"),
            executor=ex,
        )
    got = {(r.value, r.variant, r.mapping): r for r in df.itertuples()}
    for n in (1, 3):
        # before the patch every sharer refaults every page once more
        assert got[(n, "before-patch", "file linear")].refaults == n * 4
        assert got[(n, "before-patch", "file linear")].faults == n * 4
        for variant in ("patched", "before-patch"):
            assert got[(n, variant, "anonymous")].faults == 0  # migration entries
        assert got[(n, "patched", "file linear")].faults == 0
    assert (df["rate"] == 1.0).all() and not df["varies"].any()


def test_when_the_read_arrives_decides_waits_and_refaults():
    with one_thread() as ex:
        df = E.sweep(
            "touch_probability",
            [0, 1],
            trials=8,
            pages=8,
            variants=("patched", "before-patch"),
            executor=ex,
        )
    got = {(r.value, r.variant): r for r in df.itertuples()}
    for variant in ("patched", "before-patch"):
        assert got[(0.0, variant)].faults == 0 and got[(0.0, variant)].waits == 0
    patched, before = got[(1.0, "patched")], got[(1.0, "before-patch")]
    assert patched.waits > 0 and patched.refaults == 0  # slept on migration entries
    assert before.refaults > 0 and before.waits == 0  # refaulted cleared file ptes
    assert patched.waits_sd > 0 and before.refaults_sd > 0  # it depends on the timing
    outcomes = {
        tuple(E.trial_metrics("touch_probability", 0.3, "patched", "file linear", 8, s).values())
        for s in range(6)
    }
    assert len(outcomes) > 1


def test_io_latency_costs_time_not_success():
    with one_thread() as ex:
        df = E.sweep("io_latency", [0, 40], trials=6, pages=4, executor=ex)
    fast, slow = df.iloc[0], df.iloc[1]
    assert (df["rate"] == 1.0).all() and (df["writeouts"] == 4).all()
    assert slow["steps"] > fast["steps"]
    assert slow["steps_sd"] > 0  # each trial's disk draws its own latency


def test_nodes_sweep_runs_out_of_frames_on_the_last_node():
    with one_thread() as ex:
        df = E.sweep("nodes", [2, 8], trials=4, pages=16, mappings=("anonymous",), executor=ex)
    two, eight = df.iloc[0], df.iloc[1]
    assert two["successes"] == two["pages"]  # the last of 2 nodes has room for all
    assert not two["varies"]  # every trial moved all it tried: no band
    # 8 nodes of 8 frames: the last node can take 8 pages minus those it held already,
    # so exactly 8 of the pages attempted in each trial stay behind
    assert eight["pages"] - eight["successes"] == 4 * 8
    assert 4 * 8 <= eight["pages"] <= 4 * 16


def test_nonlinear_hot_pages_fail(monkeypatch):
    with one_thread() as ex:
        df = E.sweep(
            "nonlinear_fraction",
            [0, 1],
            trials=3,
            pages=8,
            mappings=("file linear", "file nonlinear"),
            executor=ex,
        )
    assert list(df["rate"][:2]) == [1.0, 1.0]
    assert 0 < df["successes"].iloc[2] < df["pages"].iloc[2]
    monkeypatch.setattr(E, "HOT_PROBABILITY", 1.0)  # every nonlinear pte kept young
    assert E.run_trial("nonlinear_fraction", 1.0, "patched", "file linear", 8, 3) == (8, 0)
    monkeypatch.setattr(E, "HOT_PROBABILITY", 0.0)  # nobody touches them
    assert E.run_trial("nonlinear_fraction", 1.0, "patched", "file linear", 8, 3) == (8, 8)


@pytest.mark.parametrize(
    "parameter,value",
    [(p, 0.5) for p in E.FRACTIONS]
    + [("nodes", 5), ("free_frames", 3), ("sharers", 3), ("io_latency", 4)],
)
@pytest.mark.parametrize("variant", ["patched", "before-patch", "unsafe-writeout"])
def test_trials_keep_every_invariant(parameter, value, variant):
    mapping = "file nonlinear" if parameter != "pinned_fraction" else "anonymous"
    k, m = E._trial(parameter, value, variant, mapping, 8, 11)
    assert 0 <= m["migrated"] <= m["attempted"] <= 8
    assert k.tasks == []
    k.check()


def test_same_trial_seed_same_outcome_and_no_global_state():
    import random

    a = E.trial_metrics("touch_probability", 0.4, "patched", "file linear", 8, 99)
    random.seed(1)
    random.random()
    b = E.trial_metrics("touch_probability", 0.4, "patched", "file linear", 8, 99)
    assert a == b


def test_wilson_interval_known_cases():
    lo, hi = E.wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    lo, hi = E.wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(E.Z95**2 / (10 + E.Z95**2))
    lo, hi = E.wilson_interval(10, 10)
    assert hi == 1.0 and lo == pytest.approx(10 / (10 + E.Z95**2))
    assert all(math.isnan(x) for x in E.wilson_interval(0, 0))


# -- executors, seeds, progress -------------------------------------------------------
SWEEP = dict(
    parameter="nonlinear_fraction",
    values=[0.25, 1.0],
    trials=5,
    pages=8,
    mappings=("file linear", "file nonlinear"),
    seed=3,
)


def test_process_pool_and_single_thread_give_identical_frames():
    args = dict(SWEEP)
    with one_thread() as ex:
        a = E.sweep(args.pop("parameter"), args.pop("values"), executor=ex, **args)
    args = dict(SWEEP)
    with ProcessPoolExecutor(max_workers=2) as ex:
        b = E.sweep(args.pop("parameter"), args.pop("values"), executor=ex, **args)
    args = dict(SWEEP)
    pex = PicklingExecutor()
    c = E.sweep(args.pop("parameter"), args.pop("values"), executor=pex, **args)
    assert pex.calls >= 2  # the work went out in chunks
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_the_default_executor_gives_the_same_frame():
    args = dict(SWEEP)
    a = E.sweep(args.pop("parameter"), args.pop("values"), **args)
    args = dict(SWEEP)
    with one_thread() as ex:
        b = E.sweep(args.pop("parameter"), args.pop("values"), executor=ex, **args)
    pd.testing.assert_frame_equal(a, b)


def test_numpy_values_sweep_like_python_values():
    import numpy as np

    with one_thread() as ex:
        a = E.sweep("nodes", np.array([2, 6]), trials=3, pages=8, executor=ex)
        b = E.sweep("nodes", [6, 2], trials=3, pages=8, executor=ex)
    pd.testing.assert_frame_equal(a, b)
    assert list(a["value"]) == [2, 6]


def test_seeds_matter_and_are_stable_across_processes():
    outcomes = {E.run_trial("nodes", 4, "patched", "anonymous", 16, s) for s in range(12)}
    assert len(outcomes) > 1  # the spread over nodes depends on the seed
    key = (7, "nodes", 4, "patched", "anonymous", 3)
    code = f"from pagemig.experiments import trial_seed; print(trial_seed(*{key!r}))"
    env = dict(os.environ, PYTHONHASHSEED="123")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert int(out.stdout) == E.trial_seed(*key)
    assert E.trial_seed(*key) != E.trial_seed(8, *key[1:])


def test_progress_counts_up_to_the_total():
    calls = []
    with one_thread() as ex:
        E.sweep(
            "pinned_fraction",
            [0, 0.5, 1],
            trials=7,
            pages=4,
            executor=ex,
            progress=lambda done, total: calls.append((done, total)),
        )
    assert len(calls) >= 3
    dones = [d for d, _ in calls]
    assert dones == sorted(set(dones))  # strictly increasing
    assert {t for _, t in calls} == {21}
    assert calls[-1] == (21, 21)


# -- misuse ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda: E.sweep("dirtiness", [0.5]),
        lambda: E.sweep("pinned_fraction", [1.5]),
        lambda: E.sweep("pinned_fraction", []),
        lambda: E.sweep("nodes", [1]),
        lambda: E.sweep("nodes", [2.5]),
        lambda: E.sweep("free_frames", [-1]),
        lambda: E.sweep("pinned_fraction", [0.5], trials=0),
        lambda: E.sweep("pinned_fraction", [0.5], variants=("patched", "nope")),
        lambda: E.sweep("pinned_fraction", [0.5], mappings=("shmem",)),
        lambda: E.sweep("nonlinear_fraction", [0.5], mappings=("anonymous",)),
        lambda: E.sweep("pinned_fraction", [0.5], pages=0),
        lambda: E.run_trial("bogus", 0.5, "patched", "anonymous", 4, 0),
        lambda: E.sweep("sharers", [0]),
        lambda: E.sweep("sharers", [17]),
        lambda: E.sweep("io_latency", [-1]),
        lambda: E.sweep("io_latency", [4], mappings=("anonymous",)),
        lambda: E.sweep("touch_probability", [1.5]),
        lambda: E.sweep("dirty_fraction", [0.5], writepage="sometimes"),
        lambda: E.sweep("dirty_fraction", [0.5], writepage=None),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


# -- pagemig bench --------------------------------------------------------------------
def test_bench_quick_prints_every_figure(capsys):
    assert main(["bench", "--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    for label in (
        "(a) page migrations per second, untraced",
        "(a) page migrations per second, traced",
        "10 VMAs",
        "10,000 VMAs",
        "migration via prio tree",
        "via scan",
        "(b) migration cost at 10,000 VMAs / at 10 VMAs",
        "(b) scan / prio tree at 10,000 VMAs, whole migration",
        "(b) scan / prio tree at 10,000 VMAs, rmap walk alone",
        "(c) sweep of 5,000 page migrations (5,000 migrated)",
        "(c) the same in CPU time",
        "target >= 100,000/s",
        "target <= 2x",
        "target >= 20x",
        "target <= 2 s",
        "(a) one call on 2,000 pages",
        "check() afterwards",
        "(m) the trace keeps",
        "bytes/page untraced",
        "indicative",
        "not comparable to the targets",
        "a full run (without --quick) takes",
    ):
        assert label in out, label
    assert "MISSED" not in out


def _repo_of_this_tree(tmp_path, edit=None):
    """A git repository holding this tree's pagemig package in one commit (``edit`` may
    change the copy first): the 'before' side of ``pagemig bench --before``."""
    import shutil
    import subprocess

    from pagemig import benchcompare

    repo = tmp_path / "repo"
    shutil.copytree(
        benchcompare.HERE, repo / "pagemig", ignore=shutil.ignore_patterns("__pycache__")
    )
    if edit is not None:
        edit(repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "before"], check=True)
    return repo


def test_bench_before_measures_both_trees_in_one_run_and_says_what_fails(tmp_path, monkeypatch):
    from pagemig import benchcompare
    from pagemig.benchcompare import Probe

    def slower(repo):  # marks the 'before' tree; the rate probe divides its rate by 10
        init = repo / "pagemig" / "kernel.py"
        init.write_text(init.read_text() + "\nBENCH_SIDE = 'before'\n")

    repo = _repo_of_this_tree(tmp_path, slower)
    calls = []
    real = benchcompare.run_probe

    def run_probe(tree, expr, **kw):
        calls.append(("before" if tree != benchcompare.ROOT else "after", expr[:5]))
        return real(tree, expr, **kw)

    monkeypatch.setattr(benchcompare, "run_probe", run_probe)
    side = "getattr(__import__('pagemig.kernel').kernel, 'BENCH_SIDE', 'after')"
    lines = []
    res = benchcompare.compare(
        "HEAD",
        repeats=2,
        out=lines.append,
        repo=repo,
        probe_list=[
            Probe("where", "__import__('pagemig').__file__", lambda v: []),
            Probe(
                "rate",
                f"bench.migration_rate(False, 50) / (10 if {side} == 'before' else 1)",
                lambda v: [("(a) pages/s", v, "/s", "", "higher")],
            ),
            Probe(
                "one side",
                f"1 / 0 if {side} == 'before' else 3.0",
                lambda v: [("a figure the old tree lacks", v, "", "", "lower")],
            ),
            Probe("nowhere", "bench.no_such_figure()", lambda v: []),
        ],
    )
    out = "\n".join(lines)
    # each side imported its own tree: the archive of the commit, and this tree
    assert "pagemig-before-" in res["where"]["before"]
    assert res["where"]["after"].startswith(str(benchcompare.ROOT))
    # medians of two alternating runs each, side by side, with the ratio
    before, after = res["rate"]["before"], res["rate"]["after"]
    assert 5 < after / before < 20
    row = next(line for line in lines if "(a) pages/s" in line)
    assert row.split()[-2].endswith("x") and row.split()[-1] == "better"
    assert f"{after / before:.2f}x" in row
    # what a side cannot run is said, not raised
    assert "ZeroDivisionError" in res["one side"]["before"]["error"]
    assert calls.count(("before", "1 / 0")) == 1  # a side that failed is not run again
    assert res["one side"]["after"] == 3.0
    assert "before (" in out and "could not run it: ZeroDivisionError" in out
    assert "nowhere" in out and "fails on both sides: AttributeError" in out


def test_bench_before_refuses_what_is_not_a_revision(tmp_path, capsys):
    from pagemig import benchcompare

    repo = _repo_of_this_tree(tmp_path)
    with pytest.raises(ValueError, match="not a revision"):
        benchcompare.compare("no-such-rev", repo=repo, probe_list=[])
    with pytest.raises(ValueError, match="at least 1"):
        benchcompare.compare("HEAD", repeats=0, repo=repo, probe_list=[])
    assert main(["bench", "--before", "no-such-rev-anywhere"]) == 2
    assert "not a revision" in capsys.readouterr().err


# -- the scheduler's lone-task fast path (every trial runs through it) -------------------
def _events(k):
    return [(e.seq, e.task, e.func, e.what, e.kind, e.data) for e in k.trace]


@pytest.mark.parametrize("mapping", ["anonymous", "file linear", "file nonlinear"])
@pytest.mark.parametrize(
    "dirty,writepage", [(False, "ok"), (True, "ok"), (True, "activate"), (True, "error")]
)
@pytest.mark.parametrize("variant", ["patched", "before-patch", "unsafe-writeout"])
def test_finish_fast_path_records_what_stepping_records(mapping, dirty, writepage, variant):
    """Kernel.migrate_pages (which runs a lone task without the scheduler's per-step
    bookkeeping) leaves the same trace, clock and counters as run() stepping it, traced
    or not."""
    from pagemig.scenarios import build_scenario

    def machine(trace):
        sc = build_scenario(
            mapping, dirty=dirty, writepage=writepage, variant=variant, sharers=2, pins=0
        )
        sc.kernel.tracing = trace
        return sc

    results = []
    for trace in (True, False):
        a, b = machine(trace), machine(trace)
        rc_a = a.kernel.migrate_pages([a.page], 1)
        a.kernel.run()
        t = b.start_migration()
        b.kernel.run()
        assert t.result == rc_a
        assert _events(a.kernel) == _events(b.kernel)
        assert (a.kernel.clock, a.kernel.vmstat) == (b.kernel.clock, b.kernel.vmstat)
        a.kernel.check()
        results.append((rc_a, a.kernel.clock, dict(a.kernel.vmstat)))
    assert results[0] == results[1]  # tracing changes nothing but the trace
