"""The trace of a fixed matrix of scenarios, hashed: a refactor of the engine must
not change a single event.

Each scenario builds a small machine (mapping x dirty x writepage outcome x
sharers x variant x pins, plus a few machines that exercise move_pages,
sys_migrate_pages, writeback, lock holders, swap, fork mid-walk and debug_vm),
drives it in one of four ways (run to completion, stepped one step at a time,
interleaved with another process's access under round-robin, and under the
kernel's seeded random policy), and hashes the full text of the trace (every
event's seq, task, func, what, kind and data), the vmstat counters and the
results. ``HASHES`` holds the value each scenario had when the hash was recorded.

Whoever changes a trace on purpose (a corrected kernel behaviour, a new
variant's switch that moves an old variant's events) updates the hash of the
scenarios that moved, with a comment saying why; the per-scenario keys show
which ones. Regenerate with ``python tests/test_trace_hash.py`` (prints the
dict) after checking that the change is intended.
"""

from __future__ import annotations

import hashlib

import pytest

from pagemig.constants import PAGE_SIZE
from pagemig.scenarios import build_scenario

MODES = ("run", "stepped", "rr", "random")
VARIANTS = ("patched", "before-patch", "unsafe-writeout", "modern")


def _matrix() -> list[tuple[str, dict]]:
    out = []
    for mapping in ("anonymous", "file linear", "file nonlinear"):
        for dirty in (False, True):
            wps = ("ok", "activate", "error", None) if dirty and mapping != "anonymous" else ("ok",)
            for wp in wps:
                for sharers in (1, 2):
                    for variant in VARIANTS:
                        for pins in (0, 1):
                            name = (
                                f"{mapping.replace(' ', '-')}/{'dirty' if dirty else 'clean'}/"
                                f"wp={wp}/sharers={sharers}/{variant}/pins={pins}"
                            )
                            out.append(
                                (
                                    name,
                                    dict(
                                        mapping=mapping,
                                        dirty=dirty,
                                        writepage=wp,
                                        sharers=sharers,
                                        variant=variant,
                                        pins=pins,
                                    ),
                                )
                            )
    return out


MATRIX = _matrix()


def _event_text(e) -> str:
    return f"{e.seq}|{e.task}|{e.func}|{e.what}|{e.kind}|{e.data!r}"


def _digest(k, results) -> str:
    h = hashlib.sha256()
    for e in k.trace:
        h.update(_event_text(e).encode())
        h.update(b"\n")
    h.update(repr(sorted(k.vmstat.items())).encode())
    h.update(repr(results).encode())
    h.update(repr([(e.func, e.what) for e in k.oopses]).encode())
    return h.hexdigest()[:16]


def _drive(k, mode: str, main) -> None:
    """Run every task of ``k`` to the end in the manner ``mode`` names."""
    if mode == "run":
        k.run()
    elif mode == "stepped":
        # one step at a time, the task under study first, the others when it sleeps
        for _ in range(100_000):
            if not any(not t.daemon for t in k.tasks):
                break
            if k.step(main) is None:
                for t in list(k.tasks):
                    if t is not main:
                        k.step(t)
        k.run()  # what remains: daemons that can finish
    else:
        k.run(policy="round-robin" if mode == "rr" else "random")


def _result(task):
    return (task.done, repr(task.result), repr(task.error))


def run_matrix_scenario(params: dict, mode: str, seed: int = 0) -> str:
    sc = build_scenario(**params, seed=seed)
    k = sc.kernel
    task = sc.start_migration()
    tasks = [task]
    if mode in ("rr", "random"):
        # another process (or the same one) touches the page under study meanwhile
        p = sc.processes[-1]
        tasks.append(p.start_access(sc.addrs[-1], write=params["dirty"], data=b"zz"))
        tasks.append(sc.processes[0].start_access(sc.addrs[0] + PAGE_SIZE, n=3))
    _drive(k, mode, task)
    k.check() if not k.oopses else None
    return _digest(k, [_result(t) for t in tasks])


def _special() -> dict:
    """Machines beyond the matrix: the other entry points and the other actors."""

    def move_pages(mode, mapping, pins):
        # one sharer: MPOL_MF_MOVE leaves pages that others map too
        sc = build_scenario(mapping, pins=pins, pages=4)
        p = sc.processes[0]
        addrs = [sc.vmas[0].start + i * PAGE_SIZE for i in range(4)]
        t = sc.kernel.start_move_pages(p.pid, addrs, [1, 1, 0, 1])
        extra = []
        if mode != "run":
            extra.append(p.start_access(sc.addrs[0], n=2))
        _drive(sc.kernel, mode, t)
        return sc.kernel, [_result(t), *map(_result, extra)]

    def sys_migrate(mode, mapping, pins):
        sc = build_scenario(mapping, sharers=2, pins=pins, pages=4)
        t = sc.kernel.start_sys_migrate_pages(sc.processes[0].pid, [0], [1])
        extra = []
        if mode != "run":
            extra.append(sc.processes[1].start_access(sc.addrs[1], write=True, data=b"q"))
        _drive(sc.kernel, mode, t)
        return sc.kernel, [_result(t), *map(_result, extra)]

    def writeback(mode, variant, wp):
        sc = build_scenario("file linear", dirty=True, writepage=wp, sharers=2, variant=variant)
        k = sc.kernel
        wb = k.start_writeback(sc.page)
        t = sc.start_migration()
        _drive(k, mode, t)
        return k, [_result(t), _result(wb)]

    def lock_holder(mode, hold):
        sc = build_scenario("file linear", sharers=2)
        k = sc.kernel
        h = k.start_lock_holder(sc.page, hold=hold)
        k.step(h)
        t = sc.start_migration()
        _drive(k, mode, t)
        return k, [_result(t), _result(h)]

    def swap(mode, sharers):
        sc = build_scenario("anonymous", sharers=sharers, dirty=True)
        k = sc.kernel
        k.add_to_swap(sc.page)
        t = sc.start_migration()
        extra = []
        if mode != "run":
            extra.append(sc.processes[0].start_access(sc.addrs[0], write=True, data=b"s"))
        _drive(k, mode, t)
        return k, [_result(t), *map(_result, extra)]

    def fork_mid_walk(mode, mapping):
        sc = build_scenario(mapping, sharers=2, dirty=True, pages=4)
        k = sc.kernel
        t = sc.start_migration()
        for _ in range(9):
            k.step(t)
        child = sc.processes[0].fork()
        extra = [child.start_access(sc.addrs[0], n=1)]
        _drive(k, mode, t)
        return k, [_result(t), *map(_result, extra)]

    def debug_vm(mode, variant):
        sc = build_scenario("file linear", dirty=True, sharers=2, variant=variant)
        k = sc.kernel
        k.debug_vm = True
        t = sc.start_migration()
        extra = []
        if mode != "run":
            extra.append(sc.processes[1].start_access(sc.addrs[1], n=1))
        _drive(k, mode, t)
        return k, [_result(t), *map(_result, extra)]

    def big_batch(mode, mapping):
        sc = build_scenario(mapping, sharers=2, pages=12, frames_per_node=48, dirty=True)
        k = sc.kernel
        p = sc.processes[0]
        pages = [p.page_at(sc.vmas[0].start + i * PAGE_SIZE) for i in range(12)]
        pages = [pg for pg in pages if pg is not None]
        k.fill_node(1, leave_free=5)  # -ENOMEM part-way
        t = k.start_migrate_pages(pages, 1)
        _drive(k, mode, t)
        return k, [_result(t)]

    out = {}
    for mode in MODES:
        for mapping in ("anonymous", "file linear", "file nonlinear"):
            for pins in (0, 1):
                out[f"move_pages/{mapping}/pins={pins}/{mode}"] = (move_pages, mode, mapping, pins)
                out[f"sys_migrate_pages/{mapping}/pins={pins}/{mode}"] = (
                    sys_migrate,
                    mode,
                    mapping,
                    pins,
                )
            out[f"fork_mid_walk/{mapping}/{mode}"] = (fork_mid_walk, mode, mapping)
            out[f"big_batch/{mapping}/{mode}"] = (big_batch, mode, mapping)
        for variant in VARIANTS:
            for wp in ("ok", "activate", "error"):
                out[f"writeback/{variant}/wp={wp}/{mode}"] = (writeback, mode, variant, wp)
            out[f"debug_vm/{variant}/{mode}"] = (debug_vm, mode, variant)
        for hold in (None, 2):
            out[f"lock_holder/hold={hold}/{mode}"] = (lock_holder, mode, hold)
        for sharers in (1, 2):
            out[f"swap/sharers={sharers}/{mode}"] = (swap, mode, sharers)
    return out


SPECIAL = _special()


def scenario_hash(name: str) -> str:
    if name in SPECIAL:
        fn, *args = SPECIAL[name]
        k, results = fn(*args)
        return _digest(k, results)
    base, mode = name.rsplit("/", 1)
    return run_matrix_scenario(dict(MATRIX)[base], mode)


def all_names() -> list[str]:
    return [f"{n}/{m}" for n, _ in MATRIX for m in MODES] + list(SPECIAL)


# fmt: off
HASHES: dict[str, str] = {
    # Changed on purpose (issue 14 item 1, branch modern): in the 48 anonymous/*/rr and
    # anonymous/*/random scenarios the interleaved read of the untouched next page now
    # maps the shared ZERO_PAGE (2.6.18's do_anonymous_page read path) instead of
    # allocating a frame.
    "anonymous/clean/wp=ok/sharers=1/patched/pins=0/run": "6faf82d66a7b9ad1",
    "anonymous/clean/wp=ok/sharers=1/patched/pins=0/stepped": "6faf82d66a7b9ad1",
    "anonymous/clean/wp=ok/sharers=1/patched/pins=0/rr": "cc23dea14aac4132",
    "anonymous/clean/wp=ok/sharers=1/patched/pins=0/random": "5219e3c57a0cdebe",
    "anonymous/clean/wp=ok/sharers=1/patched/pins=1/run": "eca2e15630a91c96",
    "anonymous/clean/wp=ok/sharers=1/patched/pins=1/stepped": "eca2e15630a91c96",
    "anonymous/clean/wp=ok/sharers=1/patched/pins=1/rr": "e3ce3113651c3e6b",
    "anonymous/clean/wp=ok/sharers=1/patched/pins=1/random": "605ca980bae0a5d9",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=0/run": "6faf82d66a7b9ad1",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=0/stepped": "6faf82d66a7b9ad1",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=0/rr": "cc23dea14aac4132",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=0/random": "5219e3c57a0cdebe",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=1/run": "eca2e15630a91c96",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=1/stepped": "eca2e15630a91c96",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=1/rr": "e3ce3113651c3e6b",
    "anonymous/clean/wp=ok/sharers=1/before-patch/pins=1/random": "605ca980bae0a5d9",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/run": "6faf82d66a7b9ad1",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/stepped": "6faf82d66a7b9ad1",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/rr": "cc23dea14aac4132",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/random": "5219e3c57a0cdebe",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/run": "eca2e15630a91c96",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/stepped": "eca2e15630a91c96",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/rr": "e3ce3113651c3e6b",
    "anonymous/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/random": "605ca980bae0a5d9",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=0/run": "455423f45a4c7d8d",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=0/stepped": "455423f45a4c7d8d",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=0/rr": "8409413405faa862",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=0/random": "cfa51e3e64b9e0d5",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=1/run": "caca5bfc487a6b24",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=1/stepped": "caca5bfc487a6b24",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=1/rr": "7a11d934738ec6c7",
    "anonymous/clean/wp=ok/sharers=2/patched/pins=1/random": "e2701140f92fdd42",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=0/run": "455423f45a4c7d8d",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=0/stepped": "455423f45a4c7d8d",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=0/rr": "8409413405faa862",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=0/random": "cfa51e3e64b9e0d5",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=1/run": "caca5bfc487a6b24",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=1/stepped": "caca5bfc487a6b24",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=1/rr": "7a11d934738ec6c7",
    "anonymous/clean/wp=ok/sharers=2/before-patch/pins=1/random": "e2701140f92fdd42",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/run": "455423f45a4c7d8d",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/stepped": "455423f45a4c7d8d",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/rr": "8409413405faa862",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/random": "cfa51e3e64b9e0d5",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/run": "caca5bfc487a6b24",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/stepped": "caca5bfc487a6b24",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/rr": "7a11d934738ec6c7",
    "anonymous/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/random": "e2701140f92fdd42",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=0/run": "6faf82d66a7b9ad1",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=0/stepped": "6faf82d66a7b9ad1",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=0/rr": "af37bed2821580ef",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=0/random": "6afe66ff5f77a155",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=1/run": "eca2e15630a91c96",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=1/stepped": "eca2e15630a91c96",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=1/rr": "7dd90286d1245cc5",
    "anonymous/dirty/wp=ok/sharers=1/patched/pins=1/random": "be7bc68c29a2cbdd",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=0/run": "6faf82d66a7b9ad1",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=0/stepped": "6faf82d66a7b9ad1",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=0/rr": "af37bed2821580ef",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=0/random": "6afe66ff5f77a155",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=1/run": "eca2e15630a91c96",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=1/stepped": "eca2e15630a91c96",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=1/rr": "7dd90286d1245cc5",
    "anonymous/dirty/wp=ok/sharers=1/before-patch/pins=1/random": "be7bc68c29a2cbdd",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/run": "6faf82d66a7b9ad1",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/stepped": "6faf82d66a7b9ad1",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/rr": "af37bed2821580ef",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/random": "6afe66ff5f77a155",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/run": "eca2e15630a91c96",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/stepped": "eca2e15630a91c96",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/rr": "7dd90286d1245cc5",
    "anonymous/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/random": "be7bc68c29a2cbdd",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=0/run": "455423f45a4c7d8d",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=0/stepped": "455423f45a4c7d8d",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=0/rr": "2bfb712eedf240d0",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=0/random": "07b3544e2e65ec43",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=1/run": "caca5bfc487a6b24",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=1/stepped": "caca5bfc487a6b24",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=1/rr": "42836cefc86a85d2",
    "anonymous/dirty/wp=ok/sharers=2/patched/pins=1/random": "e3df3c497dbe31e5",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=0/run": "455423f45a4c7d8d",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=0/stepped": "455423f45a4c7d8d",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=0/rr": "2bfb712eedf240d0",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=0/random": "07b3544e2e65ec43",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=1/run": "caca5bfc487a6b24",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=1/stepped": "caca5bfc487a6b24",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=1/rr": "42836cefc86a85d2",
    "anonymous/dirty/wp=ok/sharers=2/before-patch/pins=1/random": "e3df3c497dbe31e5",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/run": "455423f45a4c7d8d",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/stepped": "455423f45a4c7d8d",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/rr": "2bfb712eedf240d0",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/random": "07b3544e2e65ec43",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/run": "caca5bfc487a6b24",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/stepped": "caca5bfc487a6b24",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/rr": "42836cefc86a85d2",
    "anonymous/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/random": "e3df3c497dbe31e5",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=0/run": "2142ad1cf5bf32fa",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=0/stepped": "2142ad1cf5bf32fa",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=0/rr": "ef149a9edf61b797",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=0/random": "bd37cc3f9d0bef9b",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=1/run": "4b358b0ace16b6dd",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=1/stepped": "4b358b0ace16b6dd",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=1/rr": "988a24d2928d7a27",
    "file-linear/clean/wp=ok/sharers=1/patched/pins=1/random": "b52f14a15211ebc3",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=0/run": "71aedb13049c4182",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=0/stepped": "71aedb13049c4182",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=0/rr": "a573acc8e364240c",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=0/random": "6357512a6db1a0cf",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=1/run": "e0023382cc2f0b91",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=1/stepped": "e0023382cc2f0b91",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=1/rr": "79405646e72371fe",
    "file-linear/clean/wp=ok/sharers=1/before-patch/pins=1/random": "a94ff8d870a1696a",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/run": "2142ad1cf5bf32fa",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/stepped": "2142ad1cf5bf32fa",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/rr": "ef149a9edf61b797",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/random": "bd37cc3f9d0bef9b",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/run": "4b358b0ace16b6dd",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/stepped": "4b358b0ace16b6dd",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/rr": "988a24d2928d7a27",
    "file-linear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/random": "b52f14a15211ebc3",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=0/run": "e7878e9e0746613f",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=0/stepped": "e7878e9e0746613f",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=0/rr": "a7f53b815484a39a",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=0/random": "0aa6e1deed4d278a",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=1/run": "7aca53b9780be260",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=1/stepped": "7aca53b9780be260",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=1/rr": "3ed9289e7cde1dc6",
    "file-linear/clean/wp=ok/sharers=2/patched/pins=1/random": "1df62203eb82f333",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=0/run": "19fc4f683cdf565f",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=0/stepped": "19fc4f683cdf565f",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=0/rr": "0f28cc02e0d19d50",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=0/random": "e668c780bd8fca5d",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=1/run": "2a6e82c85861ad7a",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=1/stepped": "2a6e82c85861ad7a",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=1/rr": "401ba959509f5e89",
    "file-linear/clean/wp=ok/sharers=2/before-patch/pins=1/random": "b10d600cf8e39798",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/run": "e7878e9e0746613f",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/stepped": "e7878e9e0746613f",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/rr": "a7f53b815484a39a",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/random": "0aa6e1deed4d278a",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/run": "7aca53b9780be260",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/stepped": "7aca53b9780be260",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/rr": "3ed9289e7cde1dc6",
    "file-linear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/random": "1df62203eb82f333",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=0/run": "4666226872b86c38",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=0/stepped": "1fcf865590f70fa7",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=0/rr": "ddc5ae7064573424",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=0/random": "d474328ce76f85ff",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=1/run": "d9ff6118e94cebd6",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=1/stepped": "a8a7edfa9adaab38",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=1/rr": "0dfa09b9c7a4e26e",
    "file-linear/dirty/wp=ok/sharers=1/patched/pins=1/random": "bf4d8852aba9348d",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=0/run": "4a5847ffea9b9f35",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=0/stepped": "0a4581c06cb00aea",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=0/rr": "587130cb45031c13",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=0/random": "8d3ef228e7c0773d",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=1/run": "ceb0cc807ede3c8c",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=1/stepped": "6b9a6bce564de309",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=1/rr": "ebaf4ef88686b08e",
    "file-linear/dirty/wp=ok/sharers=1/before-patch/pins=1/random": "83ce3c56aef79a5d",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/run": "e89f5783d5a3391f",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/stepped": "a9ae675f4308ff46",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/rr": "f216a02d64446f9f",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/random": "d9473f2ba2580bba",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/run": "6cf1ff01ae90da28",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/stepped": "ec4fdab872ef242a",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/rr": "533e836f7d7234a1",
    "file-linear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/random": "b1b29f431e4bbf78",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=0/run": "3a4b876f5855d88e",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=0/stepped": "7bc1aba2104ffb28",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=0/rr": "46d88d4046bfe5c8",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=0/random": "6a60a7b58e90051e",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=1/run": "cb76ecf8d7fd61a4",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=1/stepped": "8fa4ce411c47e77b",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=1/rr": "01987eb6e1f62106",
    "file-linear/dirty/wp=ok/sharers=2/patched/pins=1/random": "c118d5a4fc2cef91",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=0/run": "22b2fb7fec37b550",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=0/stepped": "2d8efc8ce12b573c",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=0/rr": "4ff071351c6ecd09",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=0/random": "9261df2574632b58",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=1/run": "cf1deaba7922c99c",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=1/stepped": "7fd1474e82a3bd8b",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=1/rr": "bd3c8f3ab4937143",
    "file-linear/dirty/wp=ok/sharers=2/before-patch/pins=1/random": "3830a796d2a53916",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/run": "2bd95afe9e0e4898",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/stepped": "034a146a2fce24f4",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/rr": "8a16305af890add0",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/random": "d70b84c6218a7ce2",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/run": "40b2003616d38699",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/stepped": "aeb9649b584e5078",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/rr": "7023831fa60d8e20",
    "file-linear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/random": "6feaee79eaa6b955",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=0/run": "e0bd6b47976daf09",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=0/stepped": "e0bd6b47976daf09",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=0/rr": "203499b7af3d27ca",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=0/random": "83d6020fe5c14fc1",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=1/run": "d8a00c79ae1f050b",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=1/stepped": "d8a00c79ae1f050b",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=1/rr": "9a49588418960b07",
    "file-linear/dirty/wp=activate/sharers=1/patched/pins=1/random": "7d9aed4d44cb9e71",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=0/run": "c853ce1cb4654c1d",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=0/stepped": "c853ce1cb4654c1d",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=0/rr": "c947b907ddecc3fb",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=0/random": "a5261f02d19ba37b",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=1/run": "7274a8863092cb89",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=1/stepped": "7274a8863092cb89",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=1/rr": "2657b6d3123d38f0",
    "file-linear/dirty/wp=activate/sharers=1/before-patch/pins=1/random": "83820670bd8dd698",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/run": "87fbb3e6b88de76e",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/stepped": "87fbb3e6b88de76e",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/rr": "2cbe51569e205a89",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/random": "c7847786e117cea7",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/run": "b53ee2c46274a762",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/stepped": "b53ee2c46274a762",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/rr": "cab79cd37f39191e",
    "file-linear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/random": "9d1d30be5c8d621c",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=0/run": "61307eac1760f4e3",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=0/stepped": "61307eac1760f4e3",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=0/rr": "6b2c6582dea19a99",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=0/random": "ea3b3e2c7e0f89b4",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=1/run": "c8646c842dc53359",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=1/stepped": "c8646c842dc53359",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=1/rr": "966e2640101a3691",
    "file-linear/dirty/wp=activate/sharers=2/patched/pins=1/random": "3926d07fdbfb53c1",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=0/run": "daaa23a20050ac74",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=0/stepped": "daaa23a20050ac74",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=0/rr": "9c88a1a8b898a171",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=0/random": "8f2ca0ae53ee8117",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=1/run": "04b460b8a4c41a4b",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=1/stepped": "04b460b8a4c41a4b",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=1/rr": "876dd35ce618376a",
    "file-linear/dirty/wp=activate/sharers=2/before-patch/pins=1/random": "b258455444893361",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/run": "756c8ca63ad9b417",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/stepped": "756c8ca63ad9b417",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/rr": "64f27216dec85b50",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/random": "4702f429a49227a0",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/run": "23ea94a7c67e44a5",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/stepped": "23ea94a7c67e44a5",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/rr": "7a8bc2d29e88eb8f",
    "file-linear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/random": "fd46819de25f4fd3",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=0/run": "2fafb50c4888059e",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=0/stepped": "2fafb50c4888059e",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=0/rr": "e0fa7218413c3c8d",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=0/random": "8734697f8503da28",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=1/run": "a095af04bafd9e74",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=1/stepped": "a095af04bafd9e74",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=1/rr": "66cecf8c3c1e42db",
    "file-linear/dirty/wp=error/sharers=1/patched/pins=1/random": "1beb3ed012f508a5",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=0/run": "037ab7fcd16aab1a",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=0/stepped": "037ab7fcd16aab1a",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=0/rr": "69739001daf2c72e",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=0/random": "c2f7d1eb66df87b5",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=1/run": "57d56ba6e5a9125c",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=1/stepped": "57d56ba6e5a9125c",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=1/rr": "6b206f4f245fa5c2",
    "file-linear/dirty/wp=error/sharers=1/before-patch/pins=1/random": "6426d89e58b0f0b4",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/run": "7a14b283cf1bea30",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/stepped": "7a14b283cf1bea30",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/rr": "95e18909ba82b3c3",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/random": "5e99c5d6b94319cb",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/run": "ad4093a17a51b5eb",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/stepped": "ad4093a17a51b5eb",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/rr": "ac8eac28de0c6a78",
    "file-linear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/random": "1de717ad2d5c9adf",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=0/run": "b2ce54c374c5f658",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=0/stepped": "b2ce54c374c5f658",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=0/rr": "ca1c5d56dcb0f312",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=0/random": "fe9db90fea2d1727",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=1/run": "6fa02dcc5f1d33e7",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=1/stepped": "6fa02dcc5f1d33e7",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=1/rr": "8f504a5da116c267",
    "file-linear/dirty/wp=error/sharers=2/patched/pins=1/random": "634d6283d82bd10b",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=0/run": "e11cfc2d6ce3157e",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=0/stepped": "e11cfc2d6ce3157e",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=0/rr": "f9d50e646d6ed342",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=0/random": "ba6595eb42ce0dc1",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=1/run": "51d61491d4909e4a",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=1/stepped": "51d61491d4909e4a",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=1/rr": "6010065c503ac02c",
    "file-linear/dirty/wp=error/sharers=2/before-patch/pins=1/random": "fea81b52767d7b8a",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/run": "a56365a1ff1c05a1",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/stepped": "a56365a1ff1c05a1",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/rr": "17056f8831adc889",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/random": "0a07bf2d30bb3e90",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/run": "257cc1d065dd3069",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/stepped": "257cc1d065dd3069",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/rr": "6e1a30c263213aeb",
    "file-linear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/random": "85b53fe2c56bb1cf",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=0/run": "1eb61205899f411e",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=0/stepped": "1eb61205899f411e",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=0/rr": "8d7ae1271cf9a5be",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=0/random": "1d8f0dbc29a506f0",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=1/run": "ba173fe68743dac4",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=1/stepped": "ba173fe68743dac4",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=1/rr": "128ff11071fffbc4",
    "file-linear/dirty/wp=None/sharers=1/patched/pins=1/random": "aefdb7475b9d531f",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=0/run": "30383252687ee98d",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=0/stepped": "30383252687ee98d",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=0/rr": "a0d492f4582e7104",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=0/random": "5619748d73d55c70",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=1/run": "451e1de39e0b3a33",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=1/stepped": "451e1de39e0b3a33",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=1/rr": "b659ab5f428129f9",
    "file-linear/dirty/wp=None/sharers=1/before-patch/pins=1/random": "fa063ddaf9991e63",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/run": "1eb61205899f411e",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/stepped": "1eb61205899f411e",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/rr": "8d7ae1271cf9a5be",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/random": "1d8f0dbc29a506f0",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/run": "ba173fe68743dac4",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/stepped": "ba173fe68743dac4",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/rr": "128ff11071fffbc4",
    "file-linear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/random": "aefdb7475b9d531f",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=0/run": "e8fe31a6c9df425c",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=0/stepped": "e8fe31a6c9df425c",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=0/rr": "2bb1b9ea2b444828",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=0/random": "08c530eee938287a",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=1/run": "c9f83f52ad3086c0",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=1/stepped": "c9f83f52ad3086c0",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=1/rr": "d93526bd97e66e93",
    "file-linear/dirty/wp=None/sharers=2/patched/pins=1/random": "2760af10fb1fbd05",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=0/run": "8fcabefd90ab602a",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=0/stepped": "8fcabefd90ab602a",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=0/rr": "a10115297520e33b",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=0/random": "be0e1c5d2b9a7c85",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=1/run": "7a3111ba7a23fa9f",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=1/stepped": "7a3111ba7a23fa9f",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=1/rr": "245bf64ab115863d",
    "file-linear/dirty/wp=None/sharers=2/before-patch/pins=1/random": "d7c07e39e2fbed56",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/run": "e8fe31a6c9df425c",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/stepped": "e8fe31a6c9df425c",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/rr": "2bb1b9ea2b444828",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/random": "08c530eee938287a",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/run": "c9f83f52ad3086c0",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/stepped": "c9f83f52ad3086c0",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/rr": "d93526bd97e66e93",
    "file-linear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/random": "2760af10fb1fbd05",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=0/run": "df341f6451826d72",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=0/stepped": "df341f6451826d72",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=0/rr": "a15dde2a6b41374c",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=0/random": "d533406962fc9922",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=1/run": "d3bb1b1e8cff466c",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=1/stepped": "d3bb1b1e8cff466c",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=1/rr": "819339be19edfc2a",
    "file-nonlinear/clean/wp=ok/sharers=1/patched/pins=1/random": "12ac947444ca3677",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=0/run": "a8f1da8712363491",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=0/stepped": "a8f1da8712363491",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=0/rr": "f395f752757972c6",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=0/random": "3f15e92cc0720b95",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=1/run": "081c817e35620535",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=1/stepped": "081c817e35620535",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=1/rr": "2dfec3a0dc34877a",
    "file-nonlinear/clean/wp=ok/sharers=1/before-patch/pins=1/random": "73ca7941df90d713",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/run": "df341f6451826d72",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/stepped": "df341f6451826d72",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/rr": "a15dde2a6b41374c",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=0/random": "d533406962fc9922",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/run": "d3bb1b1e8cff466c",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/stepped": "d3bb1b1e8cff466c",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/rr": "819339be19edfc2a",
    "file-nonlinear/clean/wp=ok/sharers=1/unsafe-writeout/pins=1/random": "12ac947444ca3677",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=0/run": "17cde348aeab0eac",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=0/stepped": "17cde348aeab0eac",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=0/rr": "835e2820af835e5b",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=0/random": "8dfd29c09f328c38",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=1/run": "41f1ede473d54d30",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=1/stepped": "41f1ede473d54d30",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=1/rr": "d29eda673bd72505",
    "file-nonlinear/clean/wp=ok/sharers=2/patched/pins=1/random": "1856fe864d18870e",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=0/run": "cb76af4b898cc523",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=0/stepped": "cb76af4b898cc523",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=0/rr": "6888b364f34b1c4f",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=0/random": "fe9a0e5ccf7eb1e2",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=1/run": "9f7d1960978aa155",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=1/stepped": "9f7d1960978aa155",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=1/rr": "482928daa879b2e6",
    "file-nonlinear/clean/wp=ok/sharers=2/before-patch/pins=1/random": "2e94dd3a61deb6e3",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/run": "17cde348aeab0eac",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/stepped": "17cde348aeab0eac",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/rr": "835e2820af835e5b",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=0/random": "8dfd29c09f328c38",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/run": "41f1ede473d54d30",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/stepped": "41f1ede473d54d30",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/rr": "d29eda673bd72505",
    "file-nonlinear/clean/wp=ok/sharers=2/unsafe-writeout/pins=1/random": "1856fe864d18870e",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=0/run": "8c4785d3f426f2c1",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=0/stepped": "8a321c7480867a1b",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=0/rr": "ba1921e6674f86ea",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=0/random": "de09e6272c161e81",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=1/run": "263374982f8b8e98",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=1/stepped": "349999cea0911a85",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=1/rr": "0a19619519762d82",
    "file-nonlinear/dirty/wp=ok/sharers=1/patched/pins=1/random": "d98df7b927f108b2",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=0/run": "16091f4da8c11184",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=0/stepped": "1faf6dd770e6da1f",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=0/rr": "41bbaad93fbd166d",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=0/random": "a24ed3a7189d71e3",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=1/run": "88408208a751f843",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=1/stepped": "65b40e0610c1019e",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=1/rr": "a11c7e49a89ecc1b",
    "file-nonlinear/dirty/wp=ok/sharers=1/before-patch/pins=1/random": "33b205c3f9fb7545",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/run": "373f111b1242bf07",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/stepped": "a70531f24705769f",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/rr": "d4b76a8fa4a1620e",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=0/random": "46968602b2c4ac61",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/run": "6d52e0119747a157",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/stepped": "788aabc242313fda",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/rr": "49a32d4730bf3e6a",
    "file-nonlinear/dirty/wp=ok/sharers=1/unsafe-writeout/pins=1/random": "f3d47a818259214e",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=0/run": "aaab594df7c71e86",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=0/stepped": "246f96ad0914eccc",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=0/rr": "dcc68d943b3e57fd",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=0/random": "1ac3c8303ab8bde5",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=1/run": "a3fa6bb70210041f",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=1/stepped": "91e3ca95c0dc5250",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=1/rr": "e0dfb477a227f0e8",
    "file-nonlinear/dirty/wp=ok/sharers=2/patched/pins=1/random": "252c0480fac37a79",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=0/run": "dba3b982aef91a5b",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=0/stepped": "574e0316c71781d2",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=0/rr": "ae24ac45418cd6bf",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=0/random": "b9a76943d076e94c",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=1/run": "288d1fb33ead720a",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=1/stepped": "b10e05507e2e6460",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=1/rr": "5711d5e2e0a68c78",
    "file-nonlinear/dirty/wp=ok/sharers=2/before-patch/pins=1/random": "274101b41bbb3d89",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/run": "4a1a22ccd21462c4",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/stepped": "d474b3036ee2ac29",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/rr": "2aecf5b2c0d9513c",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=0/random": "b27ccdb2677bb0f0",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/run": "d7018c296428592c",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/stepped": "39987bf308ffd6f4",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/rr": "b475020a62079898",
    "file-nonlinear/dirty/wp=ok/sharers=2/unsafe-writeout/pins=1/random": "c427852121c40e76",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=0/run": "4c4ee76aa1967790",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=0/stepped": "4c4ee76aa1967790",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=0/rr": "51f427cdba14a15b",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=0/random": "369355479052797f",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=1/run": "35294d675d553aa2",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=1/stepped": "35294d675d553aa2",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=1/rr": "2cc50493bfc3e898",
    "file-nonlinear/dirty/wp=activate/sharers=1/patched/pins=1/random": "68530cfccd54426f",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=0/run": "914f7d106c7c76c5",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=0/stepped": "914f7d106c7c76c5",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=0/rr": "3878645b21dd4d8d",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=0/random": "a358aa3c7dee4087",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=1/run": "11f8cb5e5b7ee04d",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=1/stepped": "11f8cb5e5b7ee04d",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=1/rr": "9d9c6eabc5f9eb65",
    "file-nonlinear/dirty/wp=activate/sharers=1/before-patch/pins=1/random": "7c960fd4826f33ff",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/run": "ae11c1ba5bda05ef",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/stepped": "ae11c1ba5bda05ef",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/rr": "5997af4ee24dabe5",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=0/random": "a93e72171aa4e84e",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/run": "c20ed2f1bc90d8b9",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/stepped": "c20ed2f1bc90d8b9",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/rr": "1b632c80bb3d5181",
    "file-nonlinear/dirty/wp=activate/sharers=1/unsafe-writeout/pins=1/random": "e0dc36239feb801c",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=0/run": "f40d713a72901c33",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=0/stepped": "f40d713a72901c33",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=0/rr": "1c7e59896e757f5a",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=0/random": "7ccdb7f36a8c1c7d",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=1/run": "541d983bec903a12",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=1/stepped": "541d983bec903a12",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=1/rr": "2bf196afcec8de8e",
    "file-nonlinear/dirty/wp=activate/sharers=2/patched/pins=1/random": "d067d0ae8417a184",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=0/run": "a6dab77e786bc1b5",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=0/stepped": "a6dab77e786bc1b5",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=0/rr": "a109df59bd753457",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=0/random": "acc24bf11031b353",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=1/run": "5c20148ad058a126",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=1/stepped": "5c20148ad058a126",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=1/rr": "26cfc623669b9413",
    "file-nonlinear/dirty/wp=activate/sharers=2/before-patch/pins=1/random": "160b4729dae1d159",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/run": "c233f76dbe41fa64",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/stepped": "c233f76dbe41fa64",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/rr": "f04157766f4a8852",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=0/random": "2b028434b28923c2",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/run": "103c954d9bc94f1a",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/stepped": "103c954d9bc94f1a",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/rr": "020ae8709262ac09",
    "file-nonlinear/dirty/wp=activate/sharers=2/unsafe-writeout/pins=1/random": "3ed83077fd818b50",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=0/run": "b6382f620b2df1a6",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=0/stepped": "b6382f620b2df1a6",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=0/rr": "b4385604c0e95880",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=0/random": "5cfa3240b8bc4bcc",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=1/run": "d2cde97f38bf3e4b",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=1/stepped": "d2cde97f38bf3e4b",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=1/rr": "bd18591b8469d4c9",
    "file-nonlinear/dirty/wp=error/sharers=1/patched/pins=1/random": "a5fd98e6522e5488",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=0/run": "05c3ff565151f503",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=0/stepped": "05c3ff565151f503",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=0/rr": "7206c3905152fc33",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=0/random": "3f4547d7a40c1903",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=1/run": "67077c4995c0f3e5",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=1/stepped": "67077c4995c0f3e5",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=1/rr": "3433943e3505add2",
    "file-nonlinear/dirty/wp=error/sharers=1/before-patch/pins=1/random": "50e803552a3b92c9",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/run": "3c1038c5a4eb157b",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/stepped": "3c1038c5a4eb157b",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/rr": "0bd834e2854d51f2",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=0/random": "2b6e142b0a2997b3",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/run": "9aeb5fe4d5e579c1",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/stepped": "9aeb5fe4d5e579c1",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/rr": "cc90f18ea0b97245",
    "file-nonlinear/dirty/wp=error/sharers=1/unsafe-writeout/pins=1/random": "86be19006222efa6",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=0/run": "dd97340b4df37d5d",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=0/stepped": "dd97340b4df37d5d",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=0/rr": "f9247c03e08a8a51",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=0/random": "1b9ffc6a24c50e76",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=1/run": "d429c2ae15291d00",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=1/stepped": "d429c2ae15291d00",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=1/rr": "7cc4dbbf80c21a83",
    "file-nonlinear/dirty/wp=error/sharers=2/patched/pins=1/random": "53ae77112dbca3f3",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=0/run": "490f47094f82609b",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=0/stepped": "490f47094f82609b",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=0/rr": "b4272d623ebec71d",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=0/random": "d6752e6e0518c4b4",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=1/run": "5efb5ffb3cc66d45",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=1/stepped": "5efb5ffb3cc66d45",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=1/rr": "22473c8376e66e41",
    "file-nonlinear/dirty/wp=error/sharers=2/before-patch/pins=1/random": "e769849856a6d8f1",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/run": "e062c46173708a04",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/stepped": "e062c46173708a04",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/rr": "efeb8773bc99c171",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=0/random": "2b66a9b12ebc5514",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/run": "6f8ee735b7cb178d",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/stepped": "6f8ee735b7cb178d",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/rr": "a88148a18d8005b5",
    "file-nonlinear/dirty/wp=error/sharers=2/unsafe-writeout/pins=1/random": "e167e4d6d4602bb4",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=0/run": "01493dda3f82e4ea",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=0/stepped": "01493dda3f82e4ea",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=0/rr": "b153ec54fa17df3a",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=0/random": "206a461374506902",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=1/run": "daf5ff1c5cd0f9b4",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=1/stepped": "daf5ff1c5cd0f9b4",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=1/rr": "9623f749a8f30b32",
    "file-nonlinear/dirty/wp=None/sharers=1/patched/pins=1/random": "8726c1b78992c0ef",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=0/run": "2c38c286d27f0dda",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=0/stepped": "2c38c286d27f0dda",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=0/rr": "8eb5f61b32e4a76f",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=0/random": "cd89e8e30e651d96",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=1/run": "35ed67d3b57df4ab",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=1/stepped": "35ed67d3b57df4ab",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=1/rr": "2cfecf77b3701f67",
    "file-nonlinear/dirty/wp=None/sharers=1/before-patch/pins=1/random": "aaea524dc61dc9d8",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/run": "01493dda3f82e4ea",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/stepped": "01493dda3f82e4ea",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/rr": "b153ec54fa17df3a",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=0/random": "206a461374506902",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/run": "daf5ff1c5cd0f9b4",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/stepped": "daf5ff1c5cd0f9b4",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/rr": "9623f749a8f30b32",
    "file-nonlinear/dirty/wp=None/sharers=1/unsafe-writeout/pins=1/random": "8726c1b78992c0ef",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=0/run": "460cc5e1efd07d94",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=0/stepped": "460cc5e1efd07d94",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=0/rr": "b894682fa1300b30",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=0/random": "2e04d32a3bd65da1",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=1/run": "ea6b7c28c200ecc3",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=1/stepped": "ea6b7c28c200ecc3",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=1/rr": "4477ada28c8c2d6d",
    "file-nonlinear/dirty/wp=None/sharers=2/patched/pins=1/random": "3335a693fc478e8c",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=0/run": "d0013f3f2071fd8d",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=0/stepped": "d0013f3f2071fd8d",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=0/rr": "a9dba2da57d8e417",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=0/random": "bed1ee4ae0f3b98b",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=1/run": "c55201d2807e1976",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=1/stepped": "c55201d2807e1976",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=1/rr": "40a5c0217af9e4d9",
    "file-nonlinear/dirty/wp=None/sharers=2/before-patch/pins=1/random": "5cc27aa4242c9875",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/run": "460cc5e1efd07d94",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/stepped": "460cc5e1efd07d94",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/rr": "b894682fa1300b30",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=0/random": "2e04d32a3bd65da1",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/run": "ea6b7c28c200ecc3",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/stepped": "ea6b7c28c200ecc3",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/rr": "4477ada28c8c2d6d",
    "file-nonlinear/dirty/wp=None/sharers=2/unsafe-writeout/pins=1/random": "3335a693fc478e8c",
    "move_pages/anonymous/pins=0/run": "3ed1b09bb3d15ddd",
    "sys_migrate_pages/anonymous/pins=0/run": "b7bfb670d224fd3d",
    "move_pages/anonymous/pins=1/run": "5290e1b6bfcf45e7",
    "sys_migrate_pages/anonymous/pins=1/run": "9d0826ed213aa482",
    "fork_mid_walk/anonymous/run": "ed69634ffae09272",
    "big_batch/anonymous/run": "3aee4f16817ce876",
    "move_pages/file linear/pins=0/run": "72cd9f1b21ac0c5c",
    "sys_migrate_pages/file linear/pins=0/run": "9128d09572620dcc",
    "move_pages/file linear/pins=1/run": "47b5c1d577b986eb",
    "sys_migrate_pages/file linear/pins=1/run": "c638e1caa07f5c2d",
    "fork_mid_walk/file linear/run": "55874477029e46d6",
    "big_batch/file linear/run": "4bbbd609808ebae2",
    "move_pages/file nonlinear/pins=0/run": "615109ce00b96f57",
    "sys_migrate_pages/file nonlinear/pins=0/run": "993add03db53e836",
    "move_pages/file nonlinear/pins=1/run": "db719334e52161eb",
    "sys_migrate_pages/file nonlinear/pins=1/run": "0beb82ba91faf558",
    "fork_mid_walk/file nonlinear/run": "396bacf736489218",
    "big_batch/file nonlinear/run": "420375cbdd0c1577",
    "writeback/patched/wp=ok/run": "8280973401cd9bce",
    "writeback/patched/wp=activate/run": "4b439ec9b30dfaed",
    "writeback/patched/wp=error/run": "79d419d679abac86",
    "debug_vm/patched/run": "3a4b876f5855d88e",
    "writeback/before-patch/wp=ok/run": "1356af218490a6dc",
    "writeback/before-patch/wp=activate/run": "5605420b6ca830c2",
    "writeback/before-patch/wp=error/run": "ae4379b65da870d0",
    "debug_vm/before-patch/run": "22b2fb7fec37b550",
    "writeback/unsafe-writeout/wp=ok/run": "efee61ef88d1a3f3",
    "writeback/unsafe-writeout/wp=activate/run": "cc2cbe6cf2c2ea7c",
    "writeback/unsafe-writeout/wp=error/run": "99c9e81e3ed2b0be",
    "debug_vm/unsafe-writeout/run": "88d755506b6916d0",
    "lock_holder/hold=None/run": "c2df66b44d3e3a3e",
    "lock_holder/hold=2/run": "80b7eea23796ba33",
    "swap/sharers=1/run": "f1227e63fabdbf6b",
    "swap/sharers=2/run": "b8da65ebffe47ac7",
    "move_pages/anonymous/pins=0/stepped": "9911cd065119ff94",
    "sys_migrate_pages/anonymous/pins=0/stepped": "893d63e888e30fd7",
    "move_pages/anonymous/pins=1/stepped": "976e6f19ad0f730c",
    "sys_migrate_pages/anonymous/pins=1/stepped": "b372a611a922a2c2",
    "fork_mid_walk/anonymous/stepped": "a7516e1133187f81",
    "big_batch/anonymous/stepped": "3aee4f16817ce876",
    "move_pages/file linear/pins=0/stepped": "dbc0e66e1f1a6e76",
    "sys_migrate_pages/file linear/pins=0/stepped": "bd123828d3b5b836",
    "move_pages/file linear/pins=1/stepped": "a29a6e1282318511",
    "sys_migrate_pages/file linear/pins=1/stepped": "92b2e7696be9a888",
    "fork_mid_walk/file linear/stepped": "c126efc58563fe11",
    "big_batch/file linear/stepped": "8a4d8cd7af46f25d",
    "move_pages/file nonlinear/pins=0/stepped": "333c102a685a0e02",
    "sys_migrate_pages/file nonlinear/pins=0/stepped": "db83065066f8f4bc",
    "move_pages/file nonlinear/pins=1/stepped": "739c1dcb30f7ea19",
    "sys_migrate_pages/file nonlinear/pins=1/stepped": "6ebd003ff01c2471",
    "fork_mid_walk/file nonlinear/stepped": "2444e0aaa08ed19c",
    "big_batch/file nonlinear/stepped": "420375cbdd0c1577",
    "writeback/patched/wp=ok/stepped": "1dd7b152ab1f1f5b",
    "writeback/patched/wp=activate/stepped": "556ecf42cda1b416",
    "writeback/patched/wp=error/stepped": "009dd1e5bf9875db",
    "debug_vm/patched/stepped": "13aec4be03da367b",
    "writeback/before-patch/wp=ok/stepped": "65627a7efdcb21a8",
    "writeback/before-patch/wp=activate/stepped": "957814cd65d1d017",
    "writeback/before-patch/wp=error/stepped": "7c5f962aa81270c9",
    "debug_vm/before-patch/stepped": "9b4a6164b415b48c",
    "writeback/unsafe-writeout/wp=ok/stepped": "e569dd78625444f1",
    "writeback/unsafe-writeout/wp=activate/stepped": "8c70ea9150110260",
    "writeback/unsafe-writeout/wp=error/stepped": "b2a26cbb73060e2f",
    "debug_vm/unsafe-writeout/stepped": "7fc54492a70fde50",
    "lock_holder/hold=None/stepped": "90154c45997fe530",
    "lock_holder/hold=2/stepped": "defd3f3ad72f0f59",
    "swap/sharers=1/stepped": "53c03c765ae56dbd",
    "swap/sharers=2/stepped": "aa2ed8969a3e8240",
    "move_pages/anonymous/pins=0/rr": "baf4dd1438cb0a01",
    "sys_migrate_pages/anonymous/pins=0/rr": "1bd9c4528b8220fa",
    "move_pages/anonymous/pins=1/rr": "5d87f6984ee60efc",
    "sys_migrate_pages/anonymous/pins=1/rr": "759993ecc0b676b6",
    "fork_mid_walk/anonymous/rr": "ed69634ffae09272",
    "big_batch/anonymous/rr": "3aee4f16817ce876",
    "move_pages/file linear/pins=0/rr": "f1fd506d645bb718",
    "sys_migrate_pages/file linear/pins=0/rr": "ca66f8e88743566c",
    "move_pages/file linear/pins=1/rr": "44f213770dd71200",
    "sys_migrate_pages/file linear/pins=1/rr": "0c594010605d540c",
    "fork_mid_walk/file linear/rr": "55874477029e46d6",
    "big_batch/file linear/rr": "4bbbd609808ebae2",
    "move_pages/file nonlinear/pins=0/rr": "eeb1d82ca577d01a",
    "sys_migrate_pages/file nonlinear/pins=0/rr": "37ae055642d21d3b",
    "move_pages/file nonlinear/pins=1/rr": "cd78ae3d4bfd8bd2",
    "sys_migrate_pages/file nonlinear/pins=1/rr": "97791dc7bf19fbee",
    "fork_mid_walk/file nonlinear/rr": "396bacf736489218",
    "big_batch/file nonlinear/rr": "420375cbdd0c1577",
    "writeback/patched/wp=ok/rr": "8280973401cd9bce",
    "writeback/patched/wp=activate/rr": "4b439ec9b30dfaed",
    "writeback/patched/wp=error/rr": "79d419d679abac86",
    "debug_vm/patched/rr": "45c4bebaf3b80313",
    "writeback/before-patch/wp=ok/rr": "1356af218490a6dc",
    "writeback/before-patch/wp=activate/rr": "5605420b6ca830c2",
    "writeback/before-patch/wp=error/rr": "ae4379b65da870d0",
    "debug_vm/before-patch/rr": "3dbcbd498c07f357",
    "writeback/unsafe-writeout/wp=ok/rr": "efee61ef88d1a3f3",
    "writeback/unsafe-writeout/wp=activate/rr": "cc2cbe6cf2c2ea7c",
    "writeback/unsafe-writeout/wp=error/rr": "99c9e81e3ed2b0be",
    "debug_vm/unsafe-writeout/rr": "ac3cdb506a048c7a",
    "lock_holder/hold=None/rr": "c2df66b44d3e3a3e",
    "lock_holder/hold=2/rr": "80b7eea23796ba33",
    "swap/sharers=1/rr": "5163b8af781d9565",
    "swap/sharers=2/rr": "cc26219dfddf84f2",
    "move_pages/anonymous/pins=0/random": "a5cf6a279b430094",
    "sys_migrate_pages/anonymous/pins=0/random": "9612f8e11ca30ef5",
    "move_pages/anonymous/pins=1/random": "45e374f1a44f7eec",
    "sys_migrate_pages/anonymous/pins=1/random": "3dc659243013e12d",
    "fork_mid_walk/anonymous/random": "d9d6663bcc6003df",
    "big_batch/anonymous/random": "3aee4f16817ce876",
    "move_pages/file linear/pins=0/random": "57be4eadf39537b6",
    "sys_migrate_pages/file linear/pins=0/random": "d5d050c39276cbcf",
    "move_pages/file linear/pins=1/random": "443557bb8cb6651e",
    "sys_migrate_pages/file linear/pins=1/random": "142d75255ab8163c",
    "fork_mid_walk/file linear/random": "2b861f5eb5d1b9fb",
    "big_batch/file linear/random": "f4fab4c6758a06e1",
    "move_pages/file nonlinear/pins=0/random": "f03691c2ced95dc6",
    "sys_migrate_pages/file nonlinear/pins=0/random": "360b765e9ee4da21",
    "move_pages/file nonlinear/pins=1/random": "55838ab739571e7c",
    "sys_migrate_pages/file nonlinear/pins=1/random": "78fe49365e24ce02",
    "fork_mid_walk/file nonlinear/random": "5f5ba864e94edb9c",
    "big_batch/file nonlinear/random": "420375cbdd0c1577",
    "writeback/patched/wp=ok/random": "ff8422707c169b86",
    "writeback/patched/wp=activate/random": "0dedec4d47a046f9",
    "writeback/patched/wp=error/random": "531ca98956563df5",
    "debug_vm/patched/random": "fffd564d06136e26",
    "writeback/before-patch/wp=ok/random": "92413d6de5ef46c0",
    "writeback/before-patch/wp=activate/random": "ee188684c9d548b8",
    "writeback/before-patch/wp=error/random": "2779d71203062098",
    "debug_vm/before-patch/random": "5b300d9906d18d42",
    "writeback/unsafe-writeout/wp=ok/random": "dc78e7a18ae4dd9a",
    "writeback/unsafe-writeout/wp=activate/random": "a5d3d9ae7e41c169",
    "writeback/unsafe-writeout/wp=error/random": "60d6e475f777c139",
    "debug_vm/unsafe-writeout/random": "a232eeb32eb1e2f3",
    "lock_holder/hold=None/random": "ad1eb2a1aa4e5f4d",
    "lock_holder/hold=2/random": "d5ebd60622477552",
    "swap/sharers=1/random": "afff9605b31425d0",
    "swap/sharers=2/random": "64ead0dee4481e3b",
    # variant="modern" (Linux 6.1), added with it (issue 14 item 2, branch modern)
    "anonymous/clean/wp=ok/sharers=1/modern/pins=0/run": "87684ae19b898733",
    "anonymous/clean/wp=ok/sharers=1/modern/pins=0/stepped": "87684ae19b898733",
    "anonymous/clean/wp=ok/sharers=1/modern/pins=0/rr": "cec6284031f3df4d",
    "anonymous/clean/wp=ok/sharers=1/modern/pins=0/random": "661b11741ce007c3",
    "anonymous/clean/wp=ok/sharers=1/modern/pins=1/run": "d5cec35b314053ec",
    "anonymous/clean/wp=ok/sharers=1/modern/pins=1/stepped": "d5cec35b314053ec",
    "anonymous/clean/wp=ok/sharers=1/modern/pins=1/rr": "1685b380e6afaef0",
    "anonymous/clean/wp=ok/sharers=1/modern/pins=1/random": "e50d898d5a381133",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=0/run": "9e486dfb594176ee",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=0/stepped": "9e486dfb594176ee",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=0/rr": "07f1250782aeeeca",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=0/random": "947db0893883c44b",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=1/run": "6fcab7716ed1c29e",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=1/stepped": "6fcab7716ed1c29e",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=1/rr": "87f650c79a9d9a51",
    "anonymous/clean/wp=ok/sharers=2/modern/pins=1/random": "2bf615a960fc1512",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=0/run": "87684ae19b898733",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=0/stepped": "87684ae19b898733",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=0/rr": "60e05d43b1648478",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=0/random": "d38adf3b3101f5c1",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=1/run": "d5cec35b314053ec",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=1/stepped": "d5cec35b314053ec",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=1/rr": "1566e237e7bc1d6c",
    "anonymous/dirty/wp=ok/sharers=1/modern/pins=1/random": "697e445c75c8b2ec",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=0/run": "9e486dfb594176ee",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=0/stepped": "9e486dfb594176ee",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=0/rr": "54ebdf8eac803ccd",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=0/random": "d3739b999543954d",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=1/run": "6fcab7716ed1c29e",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=1/stepped": "6fcab7716ed1c29e",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=1/rr": "64ea57a0a3b8ebf1",
    "anonymous/dirty/wp=ok/sharers=2/modern/pins=1/random": "2333ed58a8f91117",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=0/run": "577b2fccf5022741",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=0/stepped": "577b2fccf5022741",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=0/rr": "2b4a6ffbd65e76fe",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=0/random": "df7dbaab1fe9011a",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=1/run": "dd9f79ba2214e526",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=1/stepped": "dd9f79ba2214e526",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=1/rr": "3c83263f08163dba",
    "file-linear/clean/wp=ok/sharers=1/modern/pins=1/random": "7c864e56d2342666",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=0/run": "75c8eb7a00612cbe",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=0/stepped": "75c8eb7a00612cbe",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=0/rr": "8b2a185a90cfc128",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=0/random": "bd6350c6e37ce186",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=1/run": "e5c2ebbd531e2d78",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=1/stepped": "e5c2ebbd531e2d78",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=1/rr": "f297461614cac875",
    "file-linear/clean/wp=ok/sharers=2/modern/pins=1/random": "20df8ba5fd164473",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=0/run": "02228b2a94e85bc1",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=0/stepped": "2dd945b3a4a6d4db",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=0/rr": "6fbe6500a8d2b7bb",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=0/random": "d1c99864e7fe0b60",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=1/run": "6994d274435c3f8f",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=1/stepped": "e253054117e823f8",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=1/rr": "fbd107ea1598cd6d",
    "file-linear/dirty/wp=ok/sharers=1/modern/pins=1/random": "d3f9b0b6b233b3fd",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=0/run": "6fd089de101cd967",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=0/stepped": "38cf2fa714c8752e",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=0/rr": "c2cff89df6ebf0f7",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=0/random": "869b33e4462cc3e1",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=1/run": "2029cf53fe845eeb",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=1/stepped": "be182278af35d268",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=1/rr": "fe149342592ec97a",
    "file-linear/dirty/wp=ok/sharers=2/modern/pins=1/random": "00d25aa5da199e1a",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=0/run": "b50c324a8fafcc01",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=0/stepped": "b50c324a8fafcc01",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=0/rr": "b3285783864ec456",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=0/random": "c7f0a4121463a7a1",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=1/run": "05c819a3c107a0b9",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=1/stepped": "05c819a3c107a0b9",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=1/rr": "f51675857cee3b19",
    "file-linear/dirty/wp=activate/sharers=1/modern/pins=1/random": "152ae38e1b88b5ad",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=0/run": "8f6a83217013a9b8",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=0/stepped": "8f6a83217013a9b8",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=0/rr": "f24fa4b61bdd9529",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=0/random": "488e02685579c33b",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=1/run": "7c4e2b0a78561280",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=1/stepped": "7c4e2b0a78561280",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=1/rr": "960634d49b8aebc3",
    "file-linear/dirty/wp=activate/sharers=2/modern/pins=1/random": "370a092f52847267",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=0/run": "0a3fa64bc1eccb68",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=0/stepped": "0a3fa64bc1eccb68",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=0/rr": "0a8209491d971951",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=0/random": "5e5638f359a94d33",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=1/run": "8601a9bf4c2b2408",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=1/stepped": "8601a9bf4c2b2408",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=1/rr": "58c6b780863e4680",
    "file-linear/dirty/wp=error/sharers=1/modern/pins=1/random": "57ced4f27c14cc18",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=0/run": "85c2487589399fe4",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=0/stepped": "85c2487589399fe4",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=0/rr": "dc12f976ab2d7bee",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=0/random": "ef5970d37a801076",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=1/run": "031010c255f0d448",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=1/stepped": "031010c255f0d448",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=1/rr": "dc72f4cd1e3b58e6",
    "file-linear/dirty/wp=error/sharers=2/modern/pins=1/random": "53626312363a3545",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=0/run": "5835d03b3ecc06e6",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=0/stepped": "5835d03b3ecc06e6",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=0/rr": "f14e01d6b0f0e68c",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=0/random": "c0ea7785a600bdb2",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=1/run": "b127e0b7169ae47f",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=1/stepped": "b127e0b7169ae47f",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=1/rr": "9faa6a38b83f6091",
    "file-linear/dirty/wp=None/sharers=1/modern/pins=1/random": "d39ccb15be4db047",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=0/run": "97674fe564515018",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=0/stepped": "97674fe564515018",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=0/rr": "4769048248644718",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=0/random": "835e5c69fbc84e75",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=1/run": "c5c450e8939b1cd6",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=1/stepped": "c5c450e8939b1cd6",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=1/rr": "5e6b38c0b56acd2c",
    "file-linear/dirty/wp=None/sharers=2/modern/pins=1/random": "b38645c5741dd67f",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=0/run": "098841cf70a06e85",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=0/stepped": "098841cf70a06e85",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=0/rr": "68626566c7eeca2c",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=0/random": "d117e221aa25451b",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=1/run": "0bfa4657c36fe0b3",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=1/stepped": "0bfa4657c36fe0b3",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=1/rr": "e0c42bd51c1b201c",
    "file-nonlinear/clean/wp=ok/sharers=1/modern/pins=1/random": "c81d00df9ee14bcf",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=0/run": "0ab2271f1d2365ee",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=0/stepped": "0ab2271f1d2365ee",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=0/rr": "743c07726758bd96",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=0/random": "d13ee09f74e4e744",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=1/run": "d94fd62d3fb1e849",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=1/stepped": "d94fd62d3fb1e849",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=1/rr": "41d27ec8b3b8170b",
    "file-nonlinear/clean/wp=ok/sharers=2/modern/pins=1/random": "32c9c1ebb88af4ca",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=0/run": "3093071777fbfef7",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=0/stepped": "eee746eb85ef76f7",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=0/rr": "39f9c1c285533ffe",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=0/random": "ff5be1b843c0c8d1",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=1/run": "5c9cbd56b34854f7",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=1/stepped": "28d1f2d10c5e686f",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=1/rr": "8cf5964476d14fae",
    "file-nonlinear/dirty/wp=ok/sharers=1/modern/pins=1/random": "7f45f0dd5935c539",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=0/run": "dbceb5ece04b01e7",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=0/stepped": "f1916abfbb7560ea",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=0/rr": "51c5ccbc972c3871",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=0/random": "285f3f0b7cbf5423",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=1/run": "66d83dcee39585bf",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=1/stepped": "e71cd44cdeebe8cd",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=1/rr": "3905339a1c7ea1ad",
    "file-nonlinear/dirty/wp=ok/sharers=2/modern/pins=1/random": "5575c8a42c88dbbe",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=0/run": "b935463031bff8b3",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=0/stepped": "b935463031bff8b3",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=0/rr": "b79b87b7b759415b",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=0/random": "70e33f8d4e6800fc",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=1/run": "8f94c2a5cba35a07",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=1/stepped": "8f94c2a5cba35a07",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=1/rr": "76482bc2f2dce78b",
    "file-nonlinear/dirty/wp=activate/sharers=1/modern/pins=1/random": "45e52fc873d7b429",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=0/run": "9741c76f776c1f78",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=0/stepped": "9741c76f776c1f78",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=0/rr": "fc70b9117a2039b4",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=0/random": "ca396d187cb774f7",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=1/run": "e39c245d25595cd5",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=1/stepped": "e39c245d25595cd5",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=1/rr": "a4232b1969dc85ee",
    "file-nonlinear/dirty/wp=activate/sharers=2/modern/pins=1/random": "d2c7af2a159c89ea",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=0/run": "d15c1e6297e03710",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=0/stepped": "d15c1e6297e03710",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=0/rr": "f05d78fb322be4ce",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=0/random": "8ba7d7749569760d",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=1/run": "86562acbdd875cb3",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=1/stepped": "86562acbdd875cb3",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=1/rr": "c2bb1eeed5b84c69",
    "file-nonlinear/dirty/wp=error/sharers=1/modern/pins=1/random": "6c35696143b72b56",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=0/run": "e728a7f47e4064ed",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=0/stepped": "e728a7f47e4064ed",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=0/rr": "1981c4b7ec133e67",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=0/random": "9c963f634ce74dc5",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=1/run": "b919235ed975bebe",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=1/stepped": "b919235ed975bebe",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=1/rr": "418acc9a3fe698cb",
    "file-nonlinear/dirty/wp=error/sharers=2/modern/pins=1/random": "87316e56062979a0",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=0/run": "10db2dfcc644411f",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=0/stepped": "10db2dfcc644411f",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=0/rr": "8b572c8dbc906601",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=0/random": "683a22a0b94e23a0",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=1/run": "5432f1ae870fb245",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=1/stepped": "5432f1ae870fb245",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=1/rr": "64f7c360f39bbd23",
    "file-nonlinear/dirty/wp=None/sharers=1/modern/pins=1/random": "bbf6001156fb4fc8",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=0/run": "87745e3a7eee3a05",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=0/stepped": "87745e3a7eee3a05",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=0/rr": "1dba690ea23fb034",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=0/random": "1209b673bbe9d1fb",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=1/run": "901c99b35970dd22",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=1/stepped": "901c99b35970dd22",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=1/rr": "8119140df88662be",
    "file-nonlinear/dirty/wp=None/sharers=2/modern/pins=1/random": "8f11994e34b827da",
    "writeback/modern/wp=ok/run": "62dff46ec01cfe78",
    "writeback/modern/wp=activate/run": "c34edcb3f39ae36b",
    "writeback/modern/wp=error/run": "4decb9f7995393c6",
    "debug_vm/modern/run": "6fd089de101cd967",
    "writeback/modern/wp=ok/stepped": "8befb3fa611efb57",
    "writeback/modern/wp=activate/stepped": "dca5320635461aea",
    "writeback/modern/wp=error/stepped": "4f7e2cc914179577",
    "debug_vm/modern/stepped": "297875cd825b3dec",
    "writeback/modern/wp=ok/rr": "62dff46ec01cfe78",
    "writeback/modern/wp=activate/rr": "c34edcb3f39ae36b",
    "writeback/modern/wp=error/rr": "4decb9f7995393c6",
    "debug_vm/modern/rr": "2794d059677f8d4a",
    "writeback/modern/wp=ok/random": "6c26e85076e2b396",
    "writeback/modern/wp=activate/random": "7e02a23bc7bef106",
    "writeback/modern/wp=error/random": "92d47e9d087ea606",
    "debug_vm/modern/random": "b2e9fe6f9f6d7497",
}
# fmt: on


def test_every_scenario_is_recorded():
    assert sorted(HASHES) == sorted(all_names())


def test_traces_unchanged():
    moved = [n for n in all_names() if scenario_hash(n) != HASHES.get(n)]
    assert not moved, f"{len(moved)} scenario trace(s) changed, e.g. {moved[:8]}"


def test_the_hash_sees_a_change():
    """The digest covers the event text and the results: one changed word changes it."""
    from pagemig.trace import Event

    sc = build_scenario("file linear", dirty=True, sharers=2)
    sc.kernel.run() if sc.start_migration() else None
    k = sc.kernel
    before = _digest(k, [])
    e = k.trace.events[5]
    k.trace.events[5] = Event(e.seq, e.task, e.func, e.what + " ", e.kind, e.data)
    assert _digest(k, []) != before
    k.trace.events[5] = e
    assert _digest(k, []) == before
    assert _digest(k, [1]) != before


@pytest.mark.parametrize("name", ["anonymous/clean/wp=ok/sharers=2/patched/pins=0/random"])
def test_same_seed_same_hash(name):
    assert scenario_hash(name) == scenario_hash(name)


if __name__ == "__main__":
    print("HASHES: dict[str, str] = {")
    for n in all_names():
        print(f'    "{n}": "{scenario_hash(n)}",')
    print("}")
