"""The simulator against a real Linux 6.1: the differential.

Every scenario of :mod:`pagemig.realscenarios` runs in ``Kernel(variant="modern")`` and
in Debian's 6.1 kernel booted under QEMU with two NUMA nodes (:mod:`pagemig.vm`). A
disagreement not listed, with its reason, in ``pagemig/data/known-divergences.toml``
fails. The VM boots once per test session (a module-scoped fixture, ~15 s under TCG).

Without qemu (or gcc, busybox-static, mkfs) the live part skips with a message naming
what to install; under CI (``CI=true``, or ``PAGEMIG_REQUIRE_VM=1`` as .ci/run sets) it
fails instead. The stored run (``pagemig/data/vm-run-6.1.json``) is checked against the
simulator everywhere, qemu or not.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pagemig import VARIANTS, vm
from pagemig.realscenarios import (
    NOBODY,
    SCENARIOS,
    Map,
    Scenario,
    by_name,
    compare,
    compared_fields,
    known_divergences,
    load_stored_run,
    side_by_side,
    simulate,
    stored_run_json,
    to_script,
)

VARIANT = "modern"
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("PAGEMIG_REQUIRE_VM") == "1"


def _unexplained(cmp):
    bad = cmp[~cmp.agree & (cmp.known == "")]
    return [
        f"{r.scenario}.{r.field}: real {r.real!r}, simulated {r.sim!r}" for r in bad.itertuples()
    ]


@pytest.fixture(scope="module")
def simulated():
    assert VARIANT in VARIANTS, f"the engine has no variant {VARIANT!r} yet (has {VARIANTS})"
    return simulate(variant=VARIANT)


# -- the scenario list ----------------------------------------------------------------------
def test_the_list_covers_what_the_differential_promises():
    names = [s.name for s in SCENARIOS]
    assert len(names) >= 30 and len(set(names)) == len(names)
    kinds = {(m.kind, m.touch) for s in SCENARIOS for m in s.maps if m.shared}
    for fs in ("tmpfs", "ext4", "vfat", "ramfs"):
        assert (fs, "read") in kinds and (fs, "write") in kinds, fs  # clean and dirty
    assert {s.call for s in SCENARIOS} == {"move_pages", "query", "migrate_pages", "mbind"}
    assert any(s.uid == NOBODY and s.caller == "child" for s in SCENARIOS)
    assert any(s.pins for s in SCENARIOS) and any(s.sharer for s in SCENARIOS)
    assert any(m.mlock for s in SCENARIOS for m in s.maps)
    assert {s.pid for s in SCENARIOS} >= {"self", "zero", "reaped"}
    assert sum(s.source.startswith("LTP") for s in SCENARIOS) >= 15
    assert all(s.about and s.source for s in SCENARIOS)


def test_a_scenario_refuses_a_page_outside_its_maps():
    with pytest.raises(ValueError, match="outside the maps"):
        Scenario("bad", "page 3 of a 2-page map", maps=(Map(pages=2),), targets=((0, 3, 1),))
    with pytest.raises(ValueError, match="kind"):
        Map(kind="btrfs")


def test_the_guest_script_says_each_scenario_once():
    text = to_script(SCENARIOS)
    lines = text.splitlines()
    assert sum(line.startswith("S ") for line in lines) == len(SCENARIOS)
    assert sum(line == "E" for line in lines) == len(SCENARIOS)
    assert sum(line.startswith("M ") for line in lines) == sum(len(s.maps) for s in SCENARIOS)
    assert sum(line.startswith("G ") for line in lines) == sum(len(s.targets) for s in SCENARIOS)
    one = to_script([s for s in SCENARIOS if s.name == "ltp-mp11-nobody-move-all"])
    assert one.splitlines()[1:] == [
        "M shanon 1 1 write 0",
        "F",
        "C self 65534",
        "T self",
        "X move_pages 4",
        "G 0 0 1",
        "E",
    ]


# -- the runner's pieces, without booting -------------------------------------------------------
def _read_cpio(data: bytes):
    out, pos = {}, 0
    while True:
        assert data[pos : pos + 6] == b"070701", pos
        f = [int(data[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        pos += 110
        name = data[pos : pos + namesize - 1].decode()
        pos += namesize + (-(110 + namesize) % 4)
        if name == "TRAILER!!!":
            return out
        out[name] = (mode, data[pos : pos + size], (rmaj, rmin))
        pos += size + (-size % 4)


def test_cpio_newc_archive_reads_back():
    entries = [
        ("bin", 0o040755, None, None),
        ("dev/console", 0o020600, b"", (5, 1)),
        ("init", 0o100755, b"#!/bin/sh\n", None),
        ("odd", 0o100644, b"x" * 5, None),
    ]
    got = _read_cpio(vm.cpio_newc(entries))
    assert got["init"] == (0o100755, b"#!/bin/sh\n", (0, 0))
    assert got["odd"][1] == b"xxxxx"
    assert got["dev/console"][0] == 0o020600 and got["dev/console"][2] == (5, 1)
    assert set(got) == {"bin", "dev/console", "init", "odd"}


def test_qemu_command_has_two_nodes_one_socket_each_and_a_pidfile(tmp_path):
    k = vm.KernelImage(tmp_path / "bz", None, "x", "x")
    disks = {"ext4": tmp_path / "e.img", "vfat": tmp_path / "v.img"}
    cmd = vm.qemu_command(k, tmp_path / "i", disks, tmp_path / "pid")
    line = " ".join(cmd)
    assert "-smp 2,sockets=2,cores=1,threads=1" in line
    assert "node,nodeid=0,cpus=0,memdev=m0" in line and "node,nodeid=1,cpus=1,memdev=m1" in line
    assert "-accel tcg,thread=multi -cpu max" in line
    assert "numa_balancing=disable" in line and "transparent_hugepage=madvise" in line
    assert cmd[cmd.index("-pidfile") + 1] == str(tmp_path / "pid")
    assert line.count("snapshot=on") == 2
    assert "-cpu host" in " ".join(vm.qemu_command(k, tmp_path / "i", {}, tmp_path / "p", "kvm"))


def test_a_machine_without_the_tools_is_told_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(vm, "_static_busybox", lambda: None)
    monkeypatch.setattr(vm, "_cached_kernels", lambda: [])
    lack = "\n".join(vm.missing())
    for pkg in ("qemu-system-x86", "gcc", "busybox-static", "e2fsprogs", "dosfstools", "apt-get"):
        assert pkg in lack
    with pytest.raises(vm.VMUnavailable, match="apt-get install qemu-system-x86"):
        vm.run_vm(progress=None)


def test_a_kernel_path_that_does_not_exist_is_named():
    assert any("/no/such/bzImage" in line for line in vm.missing("/no/such/bzImage"))
    with pytest.raises(vm.VMUnavailable, match="does not exist"):
        vm.given_kernel("/no/such/bzImage")


def test_the_cache_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert vm.cache_dir() == tmp_path / "pagemig" and vm.cache_dir().is_dir()


def test_result_lines_parse_with_unwritten_status_slots():
    row = vm.parse_result(
        "PAGEMIG R name=x ret=1 errno=0 status=unset,-14 nodes=0,-14 success=0 fail=1 "
        "set=10 remove=10 usec=900"
    )
    assert row["status"] == [None, -14] and row["nodes"] == [0, -14]
    assert row["errno"] == "" and row["ret"] == 1 and row["remove_migration_pte"] == 10
    assert (
        vm.parse_result(
            "PAGEMIG R name=y ret=-1 errno=19 status=unset nodes=0 success=0 "
            "fail=0 set=0 remove=0 usec=5"
        )["errno"]
        == "ENODEV"
    )


# -- the stored run, checked everywhere --------------------------------------------------------
def test_stored_run_names_its_kernel_and_covers_every_scenario():
    real = load_stored_run()
    assert real.attrs["kernel"].startswith("6.1.")
    assert list(real.scenario) == [s.name for s in SCENARIOS]


def test_stored_run_file_is_what_stored_run_json_writes():
    text = (Path(vm.__file__).parent / "data" / "vm-run-6.1.json").read_text()
    assert stored_run_json(load_stored_run()) == text


def test_stored_run_agrees_with_the_simulator_except_known_divergences(simulated):
    cmp = compare(load_stored_run(), simulated)
    bad = _unexplained(cmp)
    assert not bad, "disagreements not in known-divergences.toml:\n" + "\n".join(bad)


def test_every_known_divergence_is_real_and_explained(simulated):
    cmp = compare(load_stored_run(), simulated)
    names = {s.name: s for s in SCENARIOS}
    for (scenario, field_), why in known_divergences().items():
        assert scenario in names, f"known divergence for unknown scenario {scenario}"
        assert field_ == "*" or field_ in compared_fields(names[scenario]), (scenario, field_)
        assert len(why) > 30, f"{scenario}.{field_}: say why"
        rows = cmp[(cmp.scenario == scenario) & ((cmp.field == field_) | (field_ == "*"))]
        assert not rows.agree.all(), f"{scenario}.{field_} agrees now: drop it from the file"


def test_side_by_side_marks_known_and_unknown_disagreements(simulated):
    real = load_stored_run()
    t = side_by_side(real, simulated)
    assert list(t.columns) == ["scenario", "real 6.1", "simulated", "differs"]
    row = t[t.scenario == "anon-private-8"].iloc[0]
    assert row["real 6.1"] == "ret 0 status 1,1,1,1,1,1,1,1 nodes 1,1,1,1,1,1,1,1 +8/0 ptes 8/8"
    # a made-up real outcome disagrees, unexplained (no "*")
    fake = real.copy()
    fake.loc[fake.scenario == "anon-private-8", "ret"] = 3
    t2 = side_by_side(fake, simulated, known={})
    assert t2[t2.scenario == "anon-private-8"].iloc[0]["differs"] == "ret"


# -- the live VM ------------------------------------------------------------------------------------
def _vm_or_skip():
    lack = vm.missing()
    if lack:
        msg = (
            "the real-kernel differential needs: "
            + "; ".join(lack)
            + ". Install them (as root, .ci/run does it) to enable it."
        )
        if REQUIRED:
            pytest.fail("under CI the VM must run, but " + msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def live():
    _vm_or_skip()
    # the stored run's kernel package, while Debian still has it (else the newest)
    package = "linux-image-" + load_stored_run().attrs["kernel"].split()[0]
    return vm.run_vm(package=package, progress=None, timeout=900)


def _gone(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return True
    return b"qemu-system" not in cmd


def test_live_vm_agrees_with_the_simulator_except_known_divergences(live, simulated):
    assert live.attrs["kernel"] and len(live) == len(SCENARIOS)
    bad = _unexplained(compare(live, simulated))
    assert not bad, "disagreements not in known-divergences.toml:\n" + "\n".join(bad)


def test_live_vm_repeats_the_stored_run(live):
    """The stored run is what the VM gives today (same kernel: same answers), on the
    compared fields and the migration-pte tracepoint counts (migrate_pages moves the whole
    guest process, so its counters are left out, as in the differential)."""
    stored = load_stored_run()
    if live.attrs["kernel"] != stored.attrs["kernel"]:
        pytest.fail(
            f"the VM booted {live.attrs['kernel']}, the stored run is of "
            f"{stored.attrs['kernel']}: refresh it with "
            "`pagemig vm --save pagemig/data/vm-run-6.1.json`"
        )
    now = {r["scenario"]: r for r in live.to_dict("records")}
    diff = []
    for old in stored.to_dict("records"):
        s = by_name(old["scenario"])
        fields = list(compared_fields(s))
        if s.call != "migrate_pages":
            fields += ["set_migration_pte", "remove_migration_pte"]
        diff += [(s.name, f, old[f], now[s.name][f]) for f in fields if old[f] != now[s.name][f]]
    assert not diff, diff


def test_live_vm_stopped_its_qemu(live):
    assert live.attrs["qemu_pid"] > 0 and _gone(live.attrs["qemu_pid"])


def test_a_timeout_stops_qemu_by_pid(tmp_path):
    _vm_or_skip()
    kimg = vm.debian_kernel(
        vm._quiet, "linux-image-" + load_stored_run().attrs["kernel"].split()[0]
    )
    initrd = vm.build_initramfs(kimg, to_script(SCENARIOS[:1]), vm._quiet, tmp_path / "i.cpio")
    with pytest.raises(vm.VMUnavailable, match="did not finish within 2 s") as exc:
        vm.boot(kimg, initrd, vm.build_disks(vm._quiet), timeout=2, progress=vm._quiet)
    assert exc.value.qemu_pid > 0 and _gone(exc.value.qemu_pid)
