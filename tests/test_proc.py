"""Tests of pagemig.proc: /proc/PID/maps and numa_maps in, a simulated copy, numa_maps
and vmstat out. Real files of this machine where the machine has them, fixtures of
other shapes (tests/fixtures/proc/) for the rest."""

from __future__ import annotations

import ctypes
import os
import pickle
import sys
from pathlib import Path

import pytest

from pagemig import PAGE_SIZE, Kernel
from pagemig.proc import (
    DEFAULT_MAX_PAGES_PER_VMA,
    MapsEntry,
    MapsFormatError,
    ProcAccessError,
    ProcSnapshot,
    describe_numa,
    format_maps,
    migrate_a_copy,
    parse_maps,
    parse_numa_maps,
    parse_vmstat,
    read_maps,
    read_node_distances,
    read_numa_maps,
    read_process,
    render_numa_maps,
    render_vmstat,
    simulate_process,
)

FIXTURES = Path(__file__).parent / "fixtures" / "proc"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def by_start(entries):
    return {e.start: e for e in entries}


# --------------------------------------------------------------------------------------
# This machine's /proc/self


def test_self_maps_has_the_python_binary_a_stack_and_our_objects():
    text = Path("/proc/self/maps").read_text()
    entries = parse_maps(text, source="/proc/self/maps")
    # The parser loses nothing: printing the records gives the kernel's text back.
    assert format_maps(entries) == text

    binary = os.path.realpath(sys.executable)
    mine = [e for e in entries if e.path == binary]
    assert mine, f"no mapping of {binary}"
    assert all(e.kind == "file" and e.inode > 0 for e in mine)
    assert any(e.executable for e in mine)  # its text segment
    assert any(e.offset == 0 for e in mine)  # and its ELF header
    assert [e.kind for e in entries].count("stack") == 1
    stack = next(e for e in entries if e.kind == "stack")
    assert stack.perms == "rw-p" and stack.anonymous

    # A live Python object lives in private anonymous (or heap) memory ...
    obj = bytearray(100)
    home = [e for e in entries if e.start <= id(obj) < e.end]
    assert len(home) == 1 and home[0].writable and not home[0].shared
    # ... and libc's code in an executable mapping of libc.
    fn = ctypes.cast(ctypes.CDLL(None).strlen, ctypes.c_void_p).value
    code = [e for e in entries if e.start <= fn < e.end]
    assert len(code) == 1 and code[0].executable and "libc" in code[0].path


def test_read_maps_self_and_snapshot():
    entries = read_maps("self")
    assert entries and entries == sorted(entries, key=lambda e: e.start)
    snap = read_process()
    assert isinstance(snap, ProcSnapshot)
    assert snap.pid == os.getpid()
    assert snap.comm  # e.g. "python" or "pytest"
    if snap.numa is None:
        pytest.skip("this kernel has no numa_maps (CONFIG_NUMA off)")
    starts = {e.start for e in snap.maps}
    paired = [snap.numa_for(e) for e in snap.maps]
    assert sum(n is not None for n in paired) >= len(snap.maps) - 2  # vsyscall, races
    for n in snap.numa:
        assert n.pages == sum(n.nodes.values())
        if n.start in starts and n.file is not None:
            e = by_start(snap.maps)[n.start]
            assert n.file == e.pathname.replace("\\012", "\n")


def test_read_numa_maps_self_matches_maps_order():
    numa = read_numa_maps("self")
    if numa is None:
        pytest.skip("no numa_maps on this kernel")
    assert [n.start for n in numa] == sorted(n.start for n in numa)


# --------------------------------------------------------------------------------------
# Fixtures of other shapes


@pytest.mark.parametrize(
    ("name", "pointer_bytes", "count"),
    [
        ("python3_x86_64.maps", 8, 39),
        ("deleted_and_spaces.maps", 8, 50),
        ("two_nodes.maps", 8, 13),
        ("i686_2.6.18.maps", 4, 14),
        ("kthread.maps", 8, 0),
    ],
)
def test_fixture_round_trips(name, pointer_bytes, count):
    text = fixture(name)
    entries = parse_maps(text)
    assert len(entries) == count
    assert format_maps(entries, pointer_bytes=pointer_bytes) == text


def test_python_fixture_fields_and_kinds():
    entries = parse_maps(fixture("python3_x86_64.maps"))
    kinds = [e.kind for e in entries]
    assert kinds.count("heap") == 1 and kinds.count("stack") == 1
    special = [e.pathname for e in entries if e.kind == "special"]
    assert special == ["[vvar]", "[vvar_vclock]", "[vdso]", "[vsyscall]"]
    text = next(e for e in entries if e.path and e.path.endswith("libc.so.6") and e.executable)
    assert (text.start, text.end) == (0x7F09DF044000, 0x7F09DF19A000)
    assert text.perms == "r-xp" and text.offset == 0x26000 and text.pgoff == 0x26
    assert text.dev == "fe:00" and (text.major, text.minor) == (0xFE, 0)
    assert text.inode == 339380 and text.pages == 0x156
    gconv = next(e for e in entries if "gconv" in (e.pathname or ""))
    assert gconv.shared and not gconv.writable
    anon = entries[6]
    assert anon.pathname is None and anon.kind == "anon" and anon.path is None
    vsyscall = entries[-1]
    assert vsyscall.start == 0xFFFFFFFFFF600000 and vsyscall.perms == "--xp"


def test_deleted_files_and_paths_with_spaces():
    entries = parse_maps(fixture("deleted_and_spaces.maps"))
    names = {e.pathname: e for e in entries if e.pathname}

    scratch = names["/tmp/pagemig fixture/scratch.tmp (deleted)"]
    assert scratch.deleted and scratch.shared and scratch.kind == "file"
    assert scratch.path == "/tmp/pagemig fixture/scratch.tmp"

    data = [e for e in entries if e.pathname == "/tmp/pagemig fixture/data file.bin"]
    assert [(e.perms, e.offset) for e in data] == [("rw-s", 0x2000), ("rw-p", 0)]
    assert not data[0].deleted

    newline = names["/tmp/pagemig fixture/new\\012line"]
    assert newline.path == "/tmp/pagemig fixture/new\nline"

    memfd = names["/memfd:pagemig-buf (deleted)"]
    zero = names["/dev/zero (deleted)"]  # MAP_SHARED|MAP_ANONYMOUS is a shmem file
    assert memfd.deleted and zero.deleted and zero.shared and zero.kind == "file"

    # numa_maps escapes spaces as \040; unescaped, its file= is maps' name.
    numa = by_start(parse_numa_maps(fixture("deleted_and_spaces.numa_maps")))
    for e in entries:
        if e.kind == "file" and e.start in numa:
            assert numa[e.start].file == e.pathname.replace("\\012", "\n")
    assert numa[scratch.start].dirty == 4 and numa[scratch.start].pages == 4


def test_i686_2_6_18_shape():
    entries = parse_maps(fixture("i686_2.6.18.maps"))
    # 2.6.18 printed an anonymous VMA's vm_pgoff, which is its start page.
    anon = [e for e in entries if e.anonymous]
    assert [e.kind for e in anon] == ["anon", "heap", "anon", "stack"]
    assert all(e.offset == e.start for e in anon)
    assert entries[-1].pathname == "[vdso]" and entries[-1].kind == "special"
    assert entries[2].perms == "rwxp"  # no NX: READ_IMPLIES_EXEC
    # The same records in a 64-bit layout only pad differently.
    assert parse_maps(format_maps(entries)) == [
        MapsEntry(e.start, e.end, e.perms, e.offset, e.dev, e.inode, e.pathname, e.lineno)
        for e in entries
    ]


def test_numa_maps_fixture_two_nodes():
    numa = parse_numa_maps(fixture("two_nodes.numa_maps"))
    assert len(numa) == 12
    text, data, heap, bind, inter, shm, many, huge, local, libc, stack, vdso = numa
    assert text.file == "/usr/bin/stress-ng" and text.mapped == 12 and text.mapmax == 2
    assert text.nodes == {0: 8, 1: 4} and text.pages == 12 and text.active_pages == 12
    assert data.anon == 3 and data.mapped is None and data.pages == 3
    assert heap.label == "heap" and heap.active == 12 and heap.nodes == {0: 25, 1: 15}
    assert bind.policy == "bind:1" and bind.nodes == {1: 512}
    assert inter.policy == "interleave:0-1"
    assert shm.policy == "prefer:1" and shm.file == "/dev/shm/shared segment"
    assert (shm.dirty, shm.mapped, shm.swapcache, shm.writeback) == (10, 16, 2, 1)
    assert many.policy == "prefer (many):0-1" and many.active == 0
    assert huge.policy == "bind=static:0" and huge.huge and huge.kernelpagesize_kb == 2048
    assert huge.page_factor == 512
    assert local.policy == "local" and local.pages == 0 and local.kernelpagesize_kb is None
    assert stack.label == "stack" and libc.mapmax == 40
    assert vdso.file is None and vdso.label is None


def test_python_numa_fixture_pairs_with_maps():
    maps = parse_maps(fixture("python3_x86_64.maps"))
    numa = parse_numa_maps(fixture("python3_x86_64.numa_maps"))
    # numa_maps has every VMA of the mm; [vsyscall] is not one (it is the gate area).
    assert [n.start for n in numa] == [e.start for e in maps if e.pathname != "[vsyscall]"]
    snap = ProcSnapshot(pid=1234, comm="python3", maps=maps, numa=numa)
    relro = snap.numa_for(maps[2])
    assert relro.pages == 0 and relro.kernelpagesize_kb is None  # nothing after the name
    libpython_rw = next(n for n in numa if n.start == 0x7F09DF615000)
    assert (libpython_rw.anon, libpython_rw.dirty, libpython_rw.mapped) == (21, 21, 24)
    assert libpython_rw.active == 3


def test_kthread_fixture_is_empty():
    assert parse_maps(fixture("kthread.maps")) == []


# --------------------------------------------------------------------------------------
# Malformed text


def test_malformed_fixture_names_the_line():
    with pytest.raises(MapsFormatError) as info:
        parse_maps(fixture("malformed.maps"), source="malformed.maps")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.lineno == 5
    assert str(err).startswith("malformed.maps, line 5: bad permissions 'r-zp'")
    assert "7f09df044000-7f09df19a000 r-zp" in str(err)
    assert pickle.loads(pickle.dumps(err)).lineno == 5


GOOD = "7f09df044000-7f09df19a000 r-xp 00026000 fe:00 339380                     /lib/libc.so.6"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("7f09df19a000 r-xp 00026000 fe:00 339380", "bad address range"),
        ("7f09df19a000-7f09df1ed000 rwx 00000000 fe:00 1", "bad permissions"),
        ("7f09df19a000-7f09df1ed000 r--p 0017c00g fe:00 1", "bad offset"),
        ("7f09df19a000-7f09df1ed000 r--p 0017c000 fe00 1", "bad device"),
        ("7f09df19a000-7f09df1ed000 r--p 0017c000 fe:00 x1", "bad inode"),
        ("7f09df19a000-7f09df1ed000 r--p 0017c000 fe:00", "too few fields (missing inode)"),
        ("7f09df1ed000-7f09df19a000 r--p 00000000 00:00 0", "empty or inverted"),
        ("7f09df19a000-7f09df19a800 r--p 00000000 00:00 0", "not page-aligned"),
        ("7f09df19a000-7f09df19b000 r--p 00000800 00:00 0", "offset is not page-aligned"),
        ("7f09df044000-7f09df045000 r--p 00000000 00:00 0", "starts before the previous"),
        ("", "empty line"),
    ],
)
def test_malformed_line_reason_and_number(bad, reason):
    text = GOOD + "\n" + bad + "\n" + GOOD.replace("7f09df0", "7f09ef0") + "\n"
    with pytest.raises(MapsFormatError, match=r"^line 2: ") as info:
        parse_maps(text)
    assert reason in info.value.reason
    assert info.value.line == bad and repr(bad) in str(info.value)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("7f2a10000000", "expected '<start> <policy>"),
        ("7g2a10000000 default", "bad start address"),
        ("7f2a10000000 default anon=x N0=1", "non-numeric"),
        ("7f2a10000000 default anon=1 anon=1 N0=1", "repeated"),
        ("7f2a10000000 default N0=1 N0=1", "repeated field N0"),
        ("00400000 default", "not increasing"),
    ],
)
def test_malformed_numa_maps_line(bad, reason):
    text = "00400000 default file=/bin/x mapped=1 N0=1 kernelpagesize_kB=4\n" + bad + "\n"
    with pytest.raises(MapsFormatError, match=r"^line 2: ") as info:
        parse_numa_maps(text)
    assert reason in str(info.value)


# --------------------------------------------------------------------------------------
# Unreadable processes


def _fake_proc(tmp_path, pid, *, maps="", state="S", flags=0, comm="worker"):
    d = tmp_path / str(pid)
    d.mkdir()
    (d / "maps").write_text(maps)
    (d / "comm").write_text(comm + "\n")
    fields = [state, "0", "0", "0", "0", "-1", str(flags)] + ["0"] * 10
    (d / "stat").write_text(f"{pid} ({comm}) " + " ".join(fields) + "\n")
    return str(tmp_path)


def test_missing_pid_is_a_clear_error():
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    with pytest.raises(ProcAccessError) as info:
        read_maps(pid_max + 1)
    err = info.value
    assert isinstance(err, OSError) and err.errno == 2
    assert str(err) == (
        f"cannot read /proc/{pid_max + 1}/maps: there is no process with pid "
        f"{pid_max + 1} (it may have exited)"
    )
    assert "\n" not in str(err)
    assert err.__cause__ is None and err.__suppress_context__  # no open() traceback


def test_kernel_thread_fake_and_zombie(tmp_path):
    root = _fake_proc(tmp_path, 77, flags=0x00208040, comm="kworker/0:1")
    with pytest.raises(ProcAccessError, match=r"pid 77 \(kworker/0:1\) is a kernel thread"):
        read_maps(77, proc_root=root)
    root = _fake_proc(tmp_path, 78, state="Z", comm="defunct")
    with pytest.raises(ProcAccessError, match=r"pid 78 \(defunct\) is a zombie"):
        read_maps(78, proc_root=root)


def test_real_kernel_thread():
    stat = Path("/proc/2/stat")
    try:
        flags = int(stat.read_text().rpartition(")")[2].split()[6])
    except (OSError, IndexError, ValueError):
        pytest.skip("no pid 2 here")
    if not flags & 0x00200000:
        pytest.skip("pid 2 is not a kernel thread here (a pid namespace)")
    with pytest.raises(ProcAccessError, match=r"^/proc/2/maps is empty: pid 2 \(.*kernel thread"):
        read_maps(2)


def test_fake_proc_reads_and_missing_numa_maps(tmp_path):
    root = _fake_proc(tmp_path, 90, maps=fixture("i686_2.6.18.maps"))
    snap = read_process(90, proc_root=root)
    assert snap.pid == 90 and snap.comm == "worker" and len(snap.maps) == 14
    assert snap.numa is None  # a kernel without CONFIG_NUMA has no numa_maps
    with pytest.raises(ProcAccessError, match="there is no process with pid 91"):
        read_maps(91, proc_root=root)
    with pytest.raises(ProcAccessError, match="is not mounted"):
        read_maps(1, proc_root=str(tmp_path / "nowhere"))


@pytest.mark.parametrize("pid", [0, -3, "x", 1.5, True, "../1"])
def test_bad_pid_values(pid):
    with pytest.raises(ValueError):
        read_maps(pid)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_another_users_process_is_refused():
    """A child that drops to uid 65534 may not read this (root) process's maps."""
    parent = os.getpid()
    r, w = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(r)
            os.setgid(65534)
            os.setuid(65534)
            try:
                read_maps(parent)
                msg = "read it"
            except ProcAccessError as err:
                msg = f"{err.errno}|{err}"
            except BaseException as err:  # noqa: BLE001
                msg = f"other|{type(err).__name__}: {err}"
            os.write(w, msg.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        msg = f.read().decode()
    os.waitpid(child, 0)
    errno_, _, text = msg.partition("|")
    assert errno_ == "13", msg
    assert text.startswith(f"cannot read /proc/{parent}/maps: permission denied: pid {parent}")
    assert "belongs to uid 0 and you are uid 65534" in text


def test_errors_pickle():
    err = ProcAccessError("cannot read x: y", pid="5", path="/proc/5/maps", errno_=13)
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.pid, back.path, back.errno) == (str(err), "5", "/proc/5/maps", 13)


# --------------------------------------------------------------------------------------
# The simulated copy


def test_simulate_python_fixture():
    k = Kernel(nodes=2, frames_per_node=64)
    maps = parse_maps(fixture("python3_x86_64.maps"))
    numa = parse_numa_maps(fixture("python3_x86_64.numa_maps"))
    report = simulate_process(k, maps, numa=numa)
    p = report.process
    assert len(p.vmas) == len(maps) - 4 == len(report.created)
    assert [v.entry.pathname for v in report.skipped] == [
        "[vvar]",
        "[vvar_vclock]",
        "[vdso]",
        "[vsyscall]",
    ]
    assert all(v.skipped and v.vma is None for v in report.skipped)
    assert "vDSO" in report.skipped[2].skipped

    for sv in report.created:
        e, vma = sv.entry, sv.vma
        assert vma.pages == sv.pages == min(e.pages, DEFAULT_MAX_PAGES_PER_VMA)
        assert sv.scaled == (e.pages > DEFAULT_MAX_PAGES_PER_VMA)
        assert vma.write == e.writable
        assert vma.shared == e.shared
        if e.kind == "file":
            assert vma.file.name == e.pathname
            assert vma.pgoff * PAGE_SIZE == e.offset  # the real offset, kept
            assert vma.file.pages >= vma.pgoff + vma.pages
        else:
            assert vma.file is None

    libc = [sv.vma for sv in report.created if (sv.entry.path or "").endswith("libc.so.6")]
    assert len(libc) == 5 and len({id(v.file) for v in libc}) == 1
    assert report.files["/usr/lib/x86_64-linux-gnu/libc.so.6"] is libc[0].file
    # In order, as in the real address space.
    assert [v.start for v in p.vmas] == sorted(v.start for v in p.vmas)

    # numa_maps said the RELRO copy of the binary had no page: none is touched.
    relro = report.vmas[2]
    assert relro.numa.pages == 0 and relro.populated == 0
    # The .data of libc: 2 pages, both anonymous copies (COW) in the real process.
    libc_data = next(sv for sv in report.created if sv.entry.start == 0x7F09DF1F1000)
    assert libc_data.populated == 2
    assert all(p.page_at(libc_data.vma.start + i * PAGE_SIZE).anon for i in range(2))
    assert report.labels == {
        report.vma_for(0x55EED95CB000).start: "heap",
        report.vma_for(0x7FFD4A3A3000).start: "stack",
    }

    # The copy's maps: simulated addresses, real permissions, offsets and names.
    sim = parse_maps(report.render_maps())
    assert [(e.perms, e.offset, e.pathname) for e in sim] == [
        (sv.entry.perms, sv.entry.offset, sv.entry.pathname) for sv in report.created
    ]
    assert "scaled from 342 to 4 pages" in report.summary()
    k.check()


def test_simulate_deleted_files_and_shared_mappings():
    k = Kernel()
    report = simulate_process(k, fixture("deleted_and_spaces.maps"))
    names = {sv.entry.pathname: sv for sv in report.created}
    scratch = names["/tmp/pagemig fixture/scratch.tmp (deleted)"].vma
    assert scratch.shared and scratch.file.name.endswith("(deleted)")
    data = [
        sv.vma for sv in report.created if sv.entry.path == "/tmp/pagemig fixture/data file.bin"
    ]
    assert data[0].file is data[1].file and data[0].shared and not data[1].shared
    assert data[0].pgoff == 2 and data[1].pgoff == 0
    text = render_numa_maps(report.process)
    assert "file=/tmp/pagemig\\040fixture/scratch.tmp\\040(deleted)" in text
    assert "file=/tmp/pagemig\\040fixture/new\\012line" in text  # maps' own escape, kept


def test_simulate_places_pages_as_numa_maps_says():
    k = Kernel(nodes=2, frames_per_node=64)
    snap = ProcSnapshot(
        pid=4321,
        comm="stress-ng",
        maps=parse_maps(fixture("two_nodes.maps")),
        numa=parse_numa_maps(fixture("two_nodes.numa_maps")),
    )
    report = simulate_process(k, snap)
    assert all(sv.placed == sv.populated for sv in report.created)
    lines = {int(line.split()[0], 16): line for line in report.render_numa_maps().splitlines()}

    def line_of(real_start):
        return lines[report.vma_for(real_start).start].split(" ", 1)[1]

    assert line_of(0x7F2A10000000) == "default anon=4 dirty=4 active=0 N1=4 kernelpagesize_kB=4"
    assert line_of(0x7F2A20000000) == (
        "default anon=4 dirty=4 active=0 N0=2 N1=2 kernelpagesize_kB=4"
    )
    # 25:15 of 4 pages -> 2.5:1.5, the tie to the lower node.
    assert line_of(0x01A3F000) == (
        "default heap anon=4 dirty=4 active=0 N0=3 N1=1 kernelpagesize_kB=4"
    )
    # 9 of 33 stack pages were resident: ceil(4 * 9 / 33) = 2.
    assert (
        line_of(0x7FFD5C1E2000) == "default stack anon=2 dirty=2 active=0 N0=2 kernelpagesize_kB=4"
    )
    assert line_of(0x7F2A60000000) == "default"  # the guard page: never touched
    # The copy faulted everything in on node 0; each page wanted on node 1 was migrated.
    on_node1 = sum(
        line.count(" N1=") and int(line.split(" N1=")[1].split()[0]) for line in lines.values()
    )
    assert k.vmstat["pgmigrate_success"] == on_node1 and k.vmstat["pgmigrate_fail"] == 0
    k.check()


def test_simulate_self_within_the_frame_budget():
    k = Kernel(nodes=2, frames_per_node=32)
    report = simulate_process(k, read_process())
    binary = os.path.realpath(sys.executable)
    assert binary in report.files or any("libpython" in name for name in report.files)
    used = sum(32 - k.free_frames(n) for n in range(2))
    assert used <= report.frame_budget == 32
    assert len(render_numa_maps(report.process).splitlines()) == len(report.created)
    # Every mapping of a file or anonymous memory got a VMA; only special ones did not.
    assert all((sv.vma is None) == (sv.entry.kind == "special") for sv in report.vmas)
    k.check()


def test_simulate_twice_shares_files_and_rejects_bad_cap():
    k = Kernel()
    maps = parse_maps(fixture("python3_x86_64.maps"))
    a = simulate_process(k, maps, populate=False)
    b = simulate_process(k, maps, populate=False)
    assert a.files.keys() == b.files.keys()
    assert all(a.files[name] is b.files[name] for name in a.files)
    assert all(sv.populated == 0 for sv in a.vmas)
    c = simulate_process(k, maps, max_pages_per_vma=1, populate=False)
    assert all(v.pages == 1 for v in c.process.vmas)
    with pytest.raises(ValueError):
        simulate_process(k, maps, max_pages_per_vma=0)


# --------------------------------------------------------------------------------------
# numa_maps and vmstat of the simulated kernel


def _two_processes():
    k = Kernel(nodes=2, frames_per_node=64)
    f = k.create_file("/data/a b=c", 8)
    p = k.spawn()
    v = p.mmap(4, file=f, offset=2 * PAGE_SIZE, shared=True)
    a = p.mmap(3)
    for i in range(4):
        p.read(v.start + i * PAGE_SIZE, 1)
    p.write(v.start, b"x")
    for i in range(3):
        p.write(a.start + i * PAGE_SIZE, b"y")
    q = k.spawn()
    w = q.mmap(2, file=f, offset=2 * PAGE_SIZE, write=False)
    q.read(w.start, 1)
    return k, p, v, a, q


def _active(proc, vma) -> str:
    """The active= field: PG_active pages among the present ones, printed only if fewer."""
    pages = [proc.page_at(addr) for addr in range(vma.start, vma.end, PAGE_SIZE)]
    pages = [pg for pg in pages if pg is not None]
    n = sum(pg.active for pg in pages)
    return "" if n == len(pages) else f" active={n}"


def test_render_numa_maps_after_migration():
    k, p, v, a, q = _two_processes()
    assert render_numa_maps(p) == (
        f"{v.start:08x} default file=/data/a\\040b\\075c dirty=1 mapped=4 mapmax=2"
        f"{_active(p, v)} N0=4 kernelpagesize_kB=4\n"
        f"{a.start:08x} default anon=3 dirty=3{_active(p, a)} N0=3 kernelpagesize_kB=4\n"
    )
    moved = [p.page_at(v.start), p.page_at(v.start + PAGE_SIZE), p.page_at(a.start)]
    assert k.migrate_pages(moved, 1) == 0
    assert render_numa_maps(p, labels={a.start: "heap"}) == (
        f"{v.start:08x} default file=/data/a\\040b\\075c dirty=1 mapped=4 mapmax=2"
        f"{_active(p, v)} N0=2 N1=2 kernelpagesize_kB=4\n"
        f"{a.start:08x} default heap anon=3 dirty=3{_active(p, a)} N0=2 N1=1 kernelpagesize_kB=4\n"
    )
    # q maps the page p dirtied: pages == dirty, so the kernel prints no mapped=.
    w = q.vmas[0]
    assert render_numa_maps(q, kernelpagesize=False) == (
        f"{w.start:08x} default file=/data/a\\040b\\075c dirty=1 mapmax=2{_active(q, w)} N1=1\n"
    )


def test_render_numa_maps_active_field():
    k = Kernel()
    p = k.spawn()
    a = p.mmap(2)
    p.write(a.start, b"1")
    p.write(a.start + PAGE_SIZE, b"2")
    pages = [p.page_at(a.start), p.page_at(a.start + PAGE_SIZE)]
    pages[0].active, pages[1].active = True, False
    assert " active=1 " in render_numa_maps(p)
    pages[1].active = True  # all active: the kernel leaves the field out
    assert render_numa_maps(p) == f"{a.start:08x} default anon=2 dirty=2 N0=2 kernelpagesize_kB=4\n"


def test_render_numa_maps_skips_pages_behind_migration_entries():
    k, p, v, a, q = _two_processes()
    addr = v.start + 2 * PAGE_SIZE
    task = k.start_migrate_pages([p.page_at(addr)], 1)
    for _ in range(1000):
        if p.pte(addr).kind == "migration":
            break
        k.step(task)
    assert p.pte(addr).kind == "migration"
    first = render_numa_maps(p).splitlines()[0]
    assert " mapped=3 " in first and " N0=3 " in first  # not a present pte: not counted
    k.run()
    first = render_numa_maps(p).splitlines()[0]
    assert " mapped=4 " in first and " N0=3 N1=1 " in first


def test_render_numa_maps_round_trips_through_the_parser():
    k, p, v, a, q = _two_processes()
    k.migrate_pages([p.page_at(a.start + PAGE_SIZE)], 1)
    entries = parse_numa_maps(render_numa_maps(p, labels={a.start: "stack"}))
    assert entries[0].file == "/data/a b=c" and entries[0].mapmax == 2
    assert entries[1].label == "stack" and entries[1].nodes == {0: 2, 1: 1}
    assert [e.pages for e in entries] == [4, 3]


def test_render_vmstat_matches_the_counters():
    k, p, v, a, q = _two_processes()
    k.migrate_pages([p.page_at(v.start), p.page_at(a.start)], 1)
    text = render_vmstat(k)
    lines = text.splitlines()
    assert text.endswith("\n") and len(lines) == len(k.vmstat)
    assert [line.split(" ")[0] for line in lines] == list(k.vmstat)
    assert parse_vmstat(text) == dict(k.vmstat)
    assert f"pgmigrate_success {k.vmstat['pgmigrate_success']}" in lines
    assert k.vmstat["pgmigrate_success"] == 2
    assert f"pgfault {k.vmstat['pgfault']}" in lines and k.vmstat["pgfault"] >= 8


def test_parse_vmstat_reads_this_machines_vmstat():
    counters = parse_vmstat(Path("/proc/vmstat").read_text())
    assert "nr_free_pages" in counters and "pgfault" in counters
    with pytest.raises(MapsFormatError, match="line 2"):
        parse_vmstat("pgfault 1\npgfault two\n")


def test_one_file_per_inode_even_when_paths_repeat():
    entries = [
        MapsEntry(0x7F0000000000, 0x7F0000002000, "rw-s", 0, "00:01", 1026, "/dev/zero (deleted)"),
        MapsEntry(0x7F0000002000, 0x7F0000003000, "rw-s", 0, "00:01", 1027, "/dev/zero (deleted)"),
        MapsEntry(0x7F0000003000, 0x7F0000005000, "r--p", 0, "fe:00", 5, "/lib/x.so"),
        MapsEntry(0x7F0000005000, 0x7F0000006000, "rw-p", 0x2000, "fe:00", 5, "/lib/x.so"),
        MapsEntry(0x7F0000006000, 0x7F0000007000, "rw-s", 0, "00:01", 9, "[anon_shmem:ring]"),
    ]
    k = Kernel()
    report = simulate_process(k, format_maps(entries))
    vmas = [sv.vma for sv in report.created]
    # Two shared anonymous regions are two shmem inodes, not one file.
    assert vmas[0].file is not vmas[1].file
    assert {vmas[0].file.name, vmas[1].file.name} == {
        "/dev/zero (deleted) [inode 1026]",
        "/dev/zero (deleted) [inode 1027]",
    }
    assert vmas[2].file is vmas[3].file and vmas[2].file.name == "/lib/x.so"
    assert vmas[2].file.pages == 3  # covers offset 0x2000 + 1 page
    # [anon_shmem:...] is shmem: a file of its own, shared, written when touched.
    assert vmas[4].file is not None and vmas[4].shared
    assert report.created[4].entry.kind == "anon"
    assert p_dirty(report.process, vmas[4])


def p_dirty(proc, vma) -> bool:
    page = proc.page_at(vma.start)
    return page is not None and page.dirty


# --------------------------------------------------------------------------------------
# describe_numa / read_node_distances: what chapter 0 shows of the reader's machine


def _fake_sys(tmp_path, distances):
    base = tmp_path / "sys" / "devices" / "system" / "node"
    base.mkdir(parents=True)
    (base / "online").write_text(f"0-{len(distances) - 1}\n")
    for nid, row in enumerate(distances):
        (base / f"node{nid}").mkdir()
        (base / f"node{nid}" / "distance").write_text(" ".join(map(str, row)) + "\n")
    return str(tmp_path / "sys")


def test_node_distances_from_sysfs(tmp_path):
    root = _fake_sys(tmp_path, [[10, 21], [21, 10]])
    assert read_node_distances(root) == {0: [10, 21], 1: [21, 10]}
    assert read_node_distances(str(tmp_path / "nowhere")) is None


def test_describe_numa_on_two_nodes_with_numa_maps(tmp_path):
    sys_root = _fake_sys(tmp_path, [[10, 21], [21, 10]])
    proc_root = _fake_proc(tmp_path, 42, maps=fixture("two_nodes.maps"))
    (tmp_path / "42" / "numa_maps").write_text(fixture("two_nodes.numa_maps"))
    text = describe_numa(42, proc_root=proc_root, sys_root=sys_root, lines=2)
    assert "NUMA nodes: 2; distances (10 = local): node 0: 10 21; node 1: 21 10" in text
    assert "One node only" not in text
    n = len(parse_maps(fixture("two_nodes.maps")))
    assert f"pid 42 (worker): {n} VMAs; VMAs with pages:" in text
    assert "on node 0" in text and "on node 1" in text
    assert text.splitlines()[-1].startswith("  00612000 default file=/usr/bin/stress-ng")
    assert len(text.splitlines()) == 4


def test_describe_numa_degrades_with_a_message_never_a_traceback(tmp_path):
    one = _fake_sys(tmp_path, [[10]])
    proc_root = _fake_proc(tmp_path, 7, maps=fixture("i686_2.6.18.maps"))
    text = describe_numa(7, proc_root=proc_root, sys_root=one)
    assert "One node only" in text
    assert "no numa_maps (built without CONFIG_NUMA)" in text
    text = describe_numa(
        "self", proc_root=str(tmp_path / "noproc"), sys_root=str(tmp_path / "nosys")
    )
    assert "NUMA nodes: none reported" in text
    assert "Cannot read the process" in text and "no procfs" in text
    assert "Cannot read the process" in describe_numa(8, proc_root=proc_root, sys_root=one)


def test_describe_numa_of_this_process():
    text = describe_numa()
    if not os.path.isdir("/proc/self"):
        assert "Cannot read the process" in text
    else:
        assert f"pid {os.getpid()}" in text and "VMAs" in text


def test_migrate_a_copy_moves_every_page_of_the_copy_to_node_1(tmp_path):
    proc_root = _fake_proc(tmp_path, 42, maps=fixture("python3_x86_64.maps"))
    (tmp_path / "42" / "numa_maps").write_text(fixture("python3_x86_64.numa_maps"))
    text = migrate_a_copy(42, proc_root=proc_root, lines=2)
    first, second, *shown = text.splitlines()
    assert first.startswith("A copy of pid 42: ") and "on node 0" in first
    assert "on node 1" not in first  # place=False: the copy first-touched on node 0
    assert second.startswith("migrate_pages(2) from node 0 to node 1 returned 0; pages now: ")
    assert "on node 0" not in second and "on node 1" in second
    assert len(shown) == 2 and all(line.startswith("  ") for line in shown)
    assert "No copy: cannot read the process" in migrate_a_copy(
        "self", proc_root=str(tmp_path / "noproc")
    )
