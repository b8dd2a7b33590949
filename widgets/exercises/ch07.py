"""Chapter 7's exercises: then (2.6.18) and now (Linux 6.1).

7.1 explain (check): what the waiter's reference cost a 2.6.18 migration, and 6.1 dropped.
7.2 predict (apply): what 6.1 writes in one status slot of a scenario of the chapter's table.
7.3 compute (apply): how many status slots 6.1 leaves unwritten (per-node batches).
7.4 compute (think): how many pages 6.1 moves before it finds a bad node late.
7.5 design (think, capstone): a call that 2.6.18 and 6.1 answer differently, in a given way.

Every answer is the engine's: ``Kernel(variant="patched")`` for 2.6.18 and
``Kernel(variant="modern")`` for 6.1, through :func:`pagemig.realscenarios.run_simulated`,
the runner the chapter's table uses (its 6.1 column agrees with a real 6.1 kernel on all
52 scenarios). Where a question comes from the table, the explanation also quotes the
stored run of the real kernel.
"""

from __future__ import annotations

import errno as _errno

from pagemig import Kernel
from pagemig.realscenarios import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, SCENARIOS, Map, Scenario
from pagemig.realscenarios import run_simulated as _run_simulated

from ..quiz import Exercise
from ._run import run_access, step_fairly

THEN, NOW = "patched", "modern"

_CACHE: dict = {}


def run_simulated(s: Scenario, variant: str) -> dict:
    """realscenarios.run_simulated, remembered (an exercise asks for the same run when it
    solves, checks and explains; Scenario is frozen, so it is its own key)."""
    key = (s, variant)
    if key not in _CACHE:
        _CACHE[key] = _run_simulated(s, variant)
    return _CACHE[key]


def slot_label(value) -> str:
    """A status slot as the reader names it: 'node 1', '-EFAULT', or 'not written'."""
    if value is None:
        return "not written"
    if value >= 0:
        return f"node {value}"
    return "-" + _errno.errorcode.get(-value, str(-value))


SLOT_CHOICES = [
    "node 0",
    "node 1",
    "-EFAULT",
    "-ENOENT",
    "-EACCES",
    "-EBUSY",
    "-EAGAIN",
    "-EINVAL",
    "not written",
]


# -- 7.1 --------------------------------------------------------------------------
WAITER_REF = {
    "its reference is one more than migrate_page_move_mapping expects, so that pass "
    "fails with -EAGAIN and the page is tried again": None,
    "its reference keeps the old page from ever being freed, so the old frame leaks": (
        "the waiter drops its reference (put_page) as soon as it wakes; nothing leaks"
    ),
    "its reference makes the page count as shared, so move_pages reports -EACCES": (
        "-EACCES comes from page_mapcount (the ptes), checked before isolation; a "
        "waiter's reference is on the count, not the mapcount"
    ),
    "nothing: the count check ignores references taken by tasks that sleep": (
        "the count check cannot tell who holds a reference; it compares a number"
    ),
}


def waiter_passes(variant: str, seed: int = 0) -> tuple[int, list[str]]:
    """Migrate an anonymous page that a second process reads just after try_to_unmap:
    (passes migrate_pages ran, what migrate_page_move_mapping said on each attempt)."""
    from pagemig.scenarios import build_scenario

    sc = build_scenario("anonymous", sharers=2, variant=variant, seed=seed)
    k = sc.kernel
    task = sc.start_migration()
    touched = False
    for _ in range(20_000):
        if task.done:
            break
        ev = step_fairly(k, task)
        if not touched and ev is not None and ev.func == "move_to_new_page":
            run_access(k, sc.processes[1], sc.addrs[1])
            touched = True
    k.run()
    passes = len({e.data["pass"] for e in k.trace if "pass" in e.data})
    gate = [e.what for e in k.trace.find(func="migrate_page_move_mapping")]
    return passes, gate


def _waiter_answer(p) -> str:
    then, then_gate = waiter_passes(THEN, p.seed)
    now, _ = waiter_passes(NOW, p.seed)
    if not (then == now + 1 and "-EAGAIN" in then_gate[0]):
        raise AssertionError(f"passes {then} (2.6.18) vs {now} (6.1): rewrite 7.1")
    return next(iter(WAITER_REF))


# -- 7.2 --------------------------------------------------------------------------
_WITH_SLOTS = [
    s
    for s in SCENARIOS
    if s.call in ("move_pages", "query") and s.caller == "self" and s.pid in ("self", "zero")
]


def _slot_params(rng):
    changed = [
        s
        for s in _WITH_SLOTS
        if any(
            run_simulated(s, THEN)["status"][i] != run_simulated(s, NOW)["status"][i]
            for i in range(len(s.targets))
        )
    ]
    s = rng.choice(changed if rng.random() < 0.75 else _WITH_SLOTS)
    return {"scenario": s.name, "slot": rng.randrange(len(s.targets))}


def _scenario(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)


def _describe_call(s: Scenario) -> str:
    if s.call == "query":
        return f"move_pages with nodes = NULL (a query) on {len(s.targets)} page(s)"
    flags = "MPOL_MF_MOVE_ALL" if s.flags & MPOL_MF_MOVE_ALL else "MPOL_MF_MOVE"
    nodes = ", ".join(str(n) for _, _, n in s.targets)
    return f"move_pages({flags}) of {len(s.targets)} page(s) to node(s) {nodes}"


def _slot_question(p) -> str:
    s = _scenario(p.scenario)
    then = slot_label(run_simulated(s, THEN)["status"][p.slot])
    then = "is never written" if then == "not written" else f"ends up holding {then}"
    return (
        f"Scenario {s.name} of the table: {s.about}. The call: {_describe_call(s)}. "
        f"Under 2.6.18, status slot {p.slot} (counting from 0) {then}. What does "
        f"Linux 6.1 leave in that slot?"
    )


def _slot_answer(p) -> str:
    return slot_label(run_simulated(_scenario(p.scenario), NOW)["status"][p.slot])


def _slot_hints(answer, expected, p):
    s = _scenario(p.scenario)
    then = slot_label(run_simulated(s, THEN)["status"][p.slot])
    if answer == then.lower():
        return "that is 2.6.18's answer; look for this scenario's row under 'What changed, and why'"
    return None


def _slot_explain(p, answer) -> str:
    s = _scenario(p.scenario)
    from pagemig.realscenarios import load_stored_run

    real = load_stored_run()
    row = real[real.scenario == s.name]
    said = ""
    if len(row):
        status = row.iloc[0]["status"]
        if isinstance(status, list) and p.slot < len(status):
            said = f" The real 6.1 kernel, in the stored run, left {slot_label(status[p.slot])}."
    then = run_simulated(s, THEN)
    now = run_simulated(s, NOW)
    return (
        f"6.1 (simulated) returns {now['ret']}{' ' + now['errno'] if now['errno'] else ''} "
        f"and leaves {answer}; 2.6.18 returned {then['ret']}"
        f"{' ' + then['errno'] if then['errno'] else ''} and left "
        f"{slot_label(then['status'][p.slot])}.{said}"
    )


# -- 7.3 --------------------------------------------------------------------------
def _batch_params(rng):
    n = rng.randint(3, 7)
    return {
        "nodes": [rng.choice([0, 1, 1]) for _ in range(n)],
        "pinned": sorted(rng.sample(range(n), rng.randint(1, 2))),
    }


def _written_pages(n: int, pinned, variant: str, seed: int):
    """A 2-node kernel with one process and ``n`` private written pages on node 0, the
    ``pinned`` ones held by an extra reference (vmsplice): (kernel, process, addresses)."""
    k = Kernel(nodes=2, seed=seed, variant=variant)
    p = k.spawn()
    addrs = list(p.mmap(pages=n).addresses())
    for a in addrs:
        p.write(a, b"x")
    for i in pinned:
        k.pin(p.page_at(addrs[i]))
    return k, p, addrs


def batch_machine(nodes, pinned, variant: str = NOW, seed: int = 0):
    """One process, len(nodes) private written pages on node 0; the ``pinned`` ones held
    by an extra reference (vmsplice); one move_pages call to ``nodes``: the status list
    (None for a slot never written) and the process."""
    k, p, addrs = _written_pages(len(nodes), pinned, variant, seed)
    status = k.move_pages(p.pid, addrs, list(nodes))
    return list(status), p


def _pins_text(pinned) -> str:
    if not pinned:
        return "No page is pinned."
    if len(pinned) == 1:
        return f"Page {pinned[0]} (counting from 0) is held by a vmsplice reference."
    pages = ", ".join(map(str, pinned[:-1])) + f" and {pinned[-1]}"
    return f"Pages {pages} (counting from 0) are held by vmsplice references."


def _batch_question(p) -> str:
    return (
        f"Linux 6.1. A process has {len(p.nodes)} private pages, all written and all on "
        f"node 0. One move_pages call sends page i to node nodes[i], with nodes = "
        f"{p.nodes}. {_pins_text(p.pinned)} How many "
        "status slots does the kernel leave unwritten?"
    )


def _batch_hints(answer, expected, p):
    then, _ = batch_machine(p.nodes, p.pinned, THEN, p.seed)
    if answer == then.count(None):
        return "that is 2.6.18's count, which writes every slot when the call returns >= 0"
    if answer == len(p.pinned):
        return "a failed batch leaves more than its pinned pages unwritten"
    return None


# -- 7.4 --------------------------------------------------------------------------
def _late_params(rng):
    n = rng.randint(3, 7)
    bad = rng.randint(1, n - 1)
    nodes = [rng.choice([0, 1, 1]) for _ in range(n)]
    nodes[bad] = 2
    return {"nodes": nodes, "pinned": sorted(rng.sample(range(n), rng.randint(0, 1)))}


def late_node_moved(nodes, pinned, variant: str = NOW, seed: int = 0) -> int:
    """Like batch_machine, with a node that does not exist somewhere in ``nodes``: how many
    pages the call moved (pgmigrate_success), whether it failed with ENODEV or returned
    earlier (a failed batch ends the call before the loop reaches the bad node)."""
    k, p, addrs = _written_pages(len(nodes), pinned, variant, seed)
    try:
        k.move_pages(p.pid, addrs, list(nodes))
    except OSError as exc:
        if exc.errno != _errno.ENODEV:
            raise
    return k.vmstat["pgmigrate_success"]


def _late_question(p) -> str:
    return (
        f"Linux 6.1, a machine with nodes 0 and 1 only. A process has {len(p.nodes)} private "
        f"pages, all written and all on node 0. {_pins_text(p.pinned)} "
        f"One move_pages call sends page i to node nodes[i], with nodes = {p.nodes} (node 2 "
        "does not exist). How many pages does the call move?"
    )


def _late_hints(answer, expected, p):
    if answer == 0:
        return "0 is 2.6.18's answer: it checks every node before it moves anything; 6.1 does not"
    bad = p.nodes.index(2)
    if answer == sum(1 for n in p.nodes[:bad] if n == 1):
        return (
            "not every page before the bad node moves: think about pinned pages, and which "
            "batch is still waiting when the loop reaches node 2"
        )
    return None


# -- 7.5 --------------------------------------------------------------------------
GOALS = {
    "whole-call": "2.6.18 fails the whole call (returns -1 with an errno) while 6.1 returns 0",
    "slot": "6.1 leaves the page's status slot unwritten while 2.6.18 writes it",
    "node": "the page ends on node 1 under 6.1 but stays on node 0 under 2.6.18",
}

DESIGN_CONTROLS = {
    "call": ["move_pages", "migrate_pages"],
    "touch": ["write", "read", "untouched"],
    "child shares it": [False, True],
    "MOVE_ALL": [False, True],
    "pin": ["none", "vmsplice", "long-term"],
    "mlock": [False, True],
    "target": ["node 1", "node 0 (where it is)"],
}

_ONE_ANSWER = {
    "whole-call": {"target": "node 0 (where it is)"},
    "slot": {"pin": "vmsplice"},
    "node": {"call": "migrate_pages", "mlock": True},
}


def design_scenario(settings) -> Scenario:
    """The reader's machine as a scenario of the chapter's table: one private anonymous
    page, written, read (the zero page) or untouched, which a forked child may share."""
    target = 0 if settings["target"].startswith("node 0") else 1
    kw = {}
    if settings["pin"] == "vmsplice":
        kw["pins"] = ((0, 0),)
    elif settings["pin"] == "long-term":
        kw["longterm_pins"] = ((0, 0),)
    return Scenario(
        name="reader",
        about="the reader's machine",
        maps=(Map(touch=settings["touch"], mlock=settings["mlock"]),),
        targets=((0, 0, target),),
        call=settings["call"],
        flags=MPOL_MF_MOVE_ALL if settings["MOVE_ALL"] else MPOL_MF_MOVE,
        sharer=settings["child shares it"],
        new_nodes=(target,),
        **kw,
    )


def _brief(r) -> str:
    ret = f"-1 {r['errno']}" if r["errno"] else f"returns {r['ret']}"
    return f"{ret}, slot {slot_label(r['status'][0])}, page on {slot_label(r['nodes'][0])}"


def _design_judge(settings, p):
    s = design_scenario(settings)
    then, now = run_simulated(s, THEN), run_simulated(s, NOW)
    ran = f"2.6.18: {_brief(then)}; 6.1: {_brief(now)}."
    if p.goal == "whole-call":
        ok = then["ret"] == -1 and now["ret"] == 0
    elif p.goal == "slot":
        ok = (
            s.call == "move_pages"
            and then["ret"] >= 0
            and then["status"][0] is not None
            and now["status"][0] is None
        )
    else:
        ok = then["nodes"][0] == 0 and now["nodes"][0] == 1
    return ok, ("Yes: " if ok else "Not yet: ") + ran


def _design_answer(p) -> dict:
    base = {name: values[0] for name, values in DESIGN_CONTROLS.items()}
    return base | _ONE_ANSWER[p.goal]


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "A task faults on a migration entry. 2.6.18's migration_entry_wait takes a "
            "reference on the old page and sleeps on its lock; 6.1 sleeps on the folio lock "
            "without taking one. What did the 2.6.18 reference cost the migration?",
            solve=_waiter_answer,
            choices=list(WAITER_REF),
            hints={k: v for k, v in WAITER_REF.items() if v},
            hint="count the references migrate_page_move_mapping expects, and the ones it "
            "finds while the waiter sleeps",
            explain="the count check expects only the isolation reference (and the page "
            "cache's); a sleeping waiter adds one, so the pass fails with -EAGAIN and the "
            "page waits for the next pass. Run by the engine: one pass more in 2.6.18 than "
            "in 6.1 for the same machine.",
            kind="explain",
            tier="check",
            key="7.1",
            seed=1,
        ),
        Exercise(
            _slot_question,
            solve=_slot_answer,
            params=_slot_params,
            choices=SLOT_CHOICES,
            hint="the zero page and untouched anonymous memory (-EFAULT since 4.3), no "
            "whole-call -ENOENT (2.6.28), per-node batches whose failure leaves slots "
            "unwritten, mapcount > 1 without MOVE_ALL (-EACCES)",
            hints=_slot_hints,
            explain=_slot_explain,
            kind="predict",
            tier="apply",
            key="7.2",
            seed=2,
        ),
        Exercise(
            _batch_question,
            solve=lambda p: batch_machine(p.nodes, p.pinned, NOW, p.seed)[0].count(None),
            params=_batch_params,
            hint="6.1 queues consecutive pages bound for the same node and migrates the queue "
            "when the node changes or at the end; a page already on its target gets its "
            "node at once; if a batch fails, none of its slots is written and the call "
            "returns at once, so no later page is looked at either",
            hints=_batch_hints,
            explain=lambda p, answer: (
                f"{answer}: 6.1 leaves {batch_machine(p.nodes, p.pinned, NOW, p.seed)[0]} "
                "(None: never written). 2.6.18 writes every slot: "
                f"{batch_machine(p.nodes, p.pinned, THEN, p.seed)[0]}."
            ),
            kind="compute",
            tier="apply",
            key="7.3",
            seed=3,
        ),
        Exercise(
            _late_question,
            solve=lambda p: late_node_moved(p.nodes, p.pinned, NOW, p.seed),
            params=_late_params,
            hint="6.1 checks a node only when its loop reaches it, and on the way out it "
            "still migrates the batch it had queued; batches before that were migrated "
            "when the node changed; a pinned page stays, and a page whose target is node 0 "
            "is already there",
            hints=_late_hints,
            explain=lambda p, answer: (
                f"{answer} page(s). 2.6.18 checks every node first and moves "
                f"{late_node_moved(p.nodes, p.pinned, THEN, p.seed)}."
            ),
            kind="compute",
            tier="think",
            key="7.4",
            seed=4,
        ),
        Exercise(
            lambda p: (
                "Build a machine with one private anonymous page and one call, in which "
                f"{GOALS[p.goal]}. The engine runs your machine under both kernels."
            ),
            solve=_design_answer,
            params=lambda rng: {"goal": rng.choice(sorted(GOALS))},
            judge=_design_judge,
            controls=DESIGN_CONTROLS,
            hint="go through 'What changed, and why': each difference there is a machine",
            explain=lambda p, answer: {
                "whole-call": "with nothing to isolate (the page is where it should be, or "
                "shared without MOVE_ALL, or the zero page) 2.6.18 fails with ENOENT; since "
                "2.6.28 the call returns 0 and the status says why.",
                "slot": "a pinned page fails every pass; 2.6.18 writes -EAGAIN, 6.1 writes "
                "no slot of a failed batch.",
                "node": "2.6.18's vma_migratable refuses a VM_LOCKED VMA, so migrate_pages(2) "
                "leaves mlocked memory alone; 6.1 moves it (move_pages moves it in both).",
            }[p.goal],
            kind="design",
            tier="think",
            capstone=True,
            key="7.5",
            seed=5,
        ),
    ]
