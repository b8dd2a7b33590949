"""``pagemig vm``: boot a real Linux kernel with two NUMA nodes under QEMU and run the
migration scenarios of :mod:`pagemig.realscenarios` inside it.

A command beside the engine, not part of it: the engine never imports this module.

What it does, each step cached under the user's cache directory
(``$XDG_CACHE_HOME/pagemig`` or ``~/.cache/pagemig``):

1. the kernel: Debian's ``linux-image-*-cloud-amd64`` fetched with ``apt-get download``
   and unpacked with ``dpkg -x`` (nothing is installed on the host), or any bzImage the
   caller names (it needs CONFIG_NUMA and CONFIG_MIGRATION);
2. the initramfs: Debian's static busybox, the guest program ``vmguest/pagemig-guest.c``
   built with ``gcc -static``, ``vmguest/init``, the virtio-blk and vfat modules of the
   kernel, and the scenario script; written as a newc cpio archive by Python;
3. two small disks, ext4 (mkfs.ext4) and vfat (mkfs.vfat), attached read-write with
   ``snapshot=on`` so every run starts from the same bytes;
4. the boot: ``qemu-system-x86_64`` with two nodes of 512 MiB, one CPU each, TCG
   (``-accel tcg,thread=multi -cpu max``; KVM only when ``accel="kvm"`` is asked for or a
   cached probe showed that it boots), ``numa_balancing=disable`` and
   ``transparent_hugepage=madvise``; the guest prints one ``PAGEMIG R`` line per scenario
   on its serial console and powers off. The runner stops its own QEMU by PID on every
   path out (end, timeout, error, Ctrl-C).

:func:`run_vm` returns a pandas DataFrame, one row per scenario. :func:`missing` says what
a machine lacks, with the Debian package to install.
"""

from __future__ import annotations

import errno as _errno
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

GUEST_DIR = Path(__file__).resolve().parent / "vmguest"
GUEST_SOURCE = GUEST_DIR / "pagemig-guest.c"
GUEST_INIT = GUEST_DIR / "init"
KERNEL_META = "linux-image-cloud-amd64"
# Modules the initramfs loads (virtio-blk disks, vfat and its charsets); the load order
# follows each module's "depends=".
MODULES = (
    "virtio",
    "virtio_ring",
    "virtio_pci_legacy_dev",
    "virtio_pci_modern_dev",
    "virtio_pci",
    "virtio_blk",
    "fat",
    "vfat",
    "nls_cp437",
    "nls_ascii",
    "nls_utf8",
)
NODE_MIB = 512
DISK_MIB = 32
UNSET = None  # a status slot the kernel never wrote (the guest pre-fills a sentinel)


class VMUnavailable(RuntimeError):
    """The VM cannot run on this machine; the message says what to install or pass."""


# -- progress ------------------------------------------------------------------------------
def _stderr_progress(msg: str) -> None:
    print(f"pagemig vm: {msg}", file=sys.stderr, flush=True)


def _quiet(msg: str) -> None:
    pass


# -- what the machine has ------------------------------------------------------------------
def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/pagemig``, else ``~/.cache/pagemig`` (created)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = Path(base) / "pagemig"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _static_busybox() -> str | None:
    """A statically linked busybox (Debian's busybox-static puts one at /bin/busybox)."""
    for cand in (shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"):
        if cand and os.path.isfile(cand) and not _has_interp(cand):
            return cand
    return None


def _has_interp(path: str) -> bool:
    """True if the ELF file asks for a dynamic loader (a PT_INTERP program header)."""
    import struct

    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return True
        phoff, phentsize, phnum = (
            struct.unpack_from("<Q", head, 32)[0],
            *struct.unpack_from("<HH", head, 54),
        )
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return any(
        struct.unpack_from("<I", table, i * phentsize)[0] == 3 for i in range(phnum)
    )  # PT_INTERP


def _static_libc() -> bool:
    out = subprocess.run(
        ["gcc", "-print-file-name=libc.a"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return os.path.isabs(out) and os.path.isfile(out)


def missing(kernel: str | None = None) -> list[str]:
    """What this machine lacks to run the VM, one line each with the Debian package to
    install (empty when everything is there). ``kernel`` is a bzImage path, if one is given
    (then apt is not needed)."""
    out = []
    if not shutil.which("qemu-system-x86_64"):
        out.append("qemu-system-x86_64 (Debian/Ubuntu: apt-get install qemu-system-x86)")
    if not shutil.which("gcc"):
        out.append("gcc with a static libc (apt-get install gcc libc6-dev)")
    elif not _static_libc():
        out.append("the static C library for gcc -static (apt-get install libc6-dev)")
    if not _static_busybox():
        out.append("a static busybox (apt-get install busybox-static)")
    if not shutil.which("mkfs.ext4"):
        out.append("mkfs.ext4 (apt-get install e2fsprogs)")
    if not shutil.which("mkfs.vfat"):
        out.append("mkfs.vfat (apt-get install dosfstools)")
    if kernel is None:
        if not (shutil.which("apt-get") and shutil.which("dpkg")):
            if not _cached_kernels():
                out.append(
                    "apt-get and dpkg to fetch Debian's kernel (a Debian or Ubuntu host), "
                    "or pass a bzImage with CONFIG_NUMA and CONFIG_MIGRATION (--kernel PATH)"
                )
    elif not os.path.isfile(kernel):
        out.append(f"the kernel image {kernel} (no such file)")
    return out


def require(kernel: str | None = None) -> None:
    """Raise VMUnavailable listing everything missing (nothing raised if all is there)."""
    lack = missing(kernel)
    if lack:
        raise VMUnavailable(
            "the real-kernel VM cannot run on this machine; missing:\n  - " + "\n  - ".join(lack)
        )


def _run(cmd, what: str, **kw) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    except FileNotFoundError as exc:
        raise VMUnavailable(f"{what}: {cmd[0]} not found") from exc
    if r.returncode != 0:
        raise VMUnavailable(f"{what} failed ({' '.join(map(str, cmd))}):\n{r.stderr.strip()}")
    return r


# -- the kernel -----------------------------------------------------------------------------
@dataclass
class KernelImage:
    """A bootable kernel: the bzImage, the modules it may need, a version name."""

    bzimage: Path
    modules: Path | None
    version: str
    source: str  # the Debian package, or the path given


def _cached_kernels() -> list[Path]:
    d = cache_dir() / "kernel"
    return sorted(p.parent for p in d.glob("*/done")) if d.is_dir() else []


def _kernel_from_tree(root: Path, package: str) -> KernelImage:
    boot = sorted((root / "boot").glob("vmlinuz-*"))
    if not boot:
        raise VMUnavailable(f"{package}: no /boot/vmlinuz-* in the package")
    version = boot[-1].name[len("vmlinuz-") :]
    mods = root / "lib" / "modules" / version
    return KernelImage(boot[-1], mods if mods.is_dir() else None, version, package)


def debian_kernel(progress=_stderr_progress, package: str | None = None) -> KernelImage:
    """Debian's cloud kernel, fetched once with ``apt-get download`` and unpacked with
    ``dpkg -x`` under the cache (reused offline when apt cannot answer)."""
    kdir = cache_dir() / "kernel"
    if package is None:
        r = subprocess.run(
            ["apt-cache", "depends", KERNEL_META], capture_output=True, text=True, check=False
        )
        m = re.search(r"Depends:\s*(linux-image-\S+-cloud-amd64)", r.stdout)
        if m:
            package = m.group(1)
        else:
            cached = _cached_kernels()
            if not cached:
                raise VMUnavailable(
                    f"apt-cache knows no {KERNEL_META} (is this a Debian host with "
                    "bookworm in sources.list?); pass a bzImage with --kernel PATH"
                )
            package = cached[-1].name
    dest = kdir / package
    if (dest / "done").is_file():
        progress(f"kernel {package} (cached in {dest})")
        return _kernel_from_tree(dest / "root", package)
    dest.mkdir(parents=True, exist_ok=True)
    progress(f"downloading {package} with apt-get download ...")
    try:
        _fetch(package, kdir, dest, progress)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)  # nothing half-made stays in the cache
        raise
    (dest / "done").write_text(package + "\n")
    return _kernel_from_tree(dest / "root", package)


def _fetch(package: str, kdir: Path, dest: Path, progress) -> None:
    """apt-get download the package and dpkg -x it into dest/root."""
    with tempfile.TemporaryDirectory(dir=kdir) as tmp:
        os.chmod(tmp, 0o777)  # apt's _apt user writes the .deb here
        _run(["apt-get", "download", "-q", package], "apt-get download", cwd=tmp)
        debs = list(Path(tmp).glob("*.deb"))
        if not debs:
            raise VMUnavailable(f"apt-get download {package} gave no .deb")
        progress(f"unpacking {debs[0].name} ({debs[0].stat().st_size / 1e6:.1f} MB) with dpkg -x")
        if (dest / "root").exists():
            shutil.rmtree(dest / "root")
        _run(["dpkg", "-x", str(debs[0]), str(dest / "root")], "dpkg -x")


def given_kernel(path: str, modules: str | None = None) -> KernelImage:
    """A bzImage the caller names (its modules directory optional)."""
    p = Path(path).expanduser().resolve()
    if not p.is_file():
        raise VMUnavailable(f"kernel image {p} does not exist")
    mods = Path(modules).expanduser().resolve() if modules else None
    return KernelImage(p, mods, p.name, str(p))


# -- the initramfs ---------------------------------------------------------------------------
def build_guest(progress=_stderr_progress) -> Path:
    """``gcc -static`` the guest program, cached by the hash of its source."""
    src = GUEST_SOURCE.read_bytes()
    h = hashlib.sha256(src).hexdigest()[:16]
    out = cache_dir() / "build" / f"pagemig-guest-{h}"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    progress("building the guest program (gcc -static) ...")
    tmp = out.with_suffix(".tmp")
    _run(
        ["gcc", "-static", "-O2", "-Wall", "-o", str(tmp), str(GUEST_SOURCE)],
        "gcc -static pagemig-guest.c",
    )
    tmp.rename(out)
    return out


def _module_files(mods: Path | None) -> list[tuple[str, bytes]]:
    """The MODULES found in the kernel's modules tree, in load order (missing ones are
    assumed built in)."""
    if mods is None:
        return []
    found = {}
    for p in mods.rglob("*.ko*"):
        name = p.name.split(".ko")[0]
        if name in MODULES:
            found[name] = p
    data = {}
    for name in MODULES:
        p = found.get(name)
        if p is None:
            continue
        raw = p.read_bytes()
        if p.name.endswith(".ko.xz"):
            import lzma

            raw = lzma.decompress(raw)
        elif not p.name.endswith(".ko"):
            continue  # zstd/gzip-compressed modules: not unpacked here (built in or absent)
        data[name] = raw
    # load order: each module after the modules its .modinfo "depends=" names
    out: list[tuple[str, bytes]] = []

    def visit(name, seen=()):
        if name in seen or any(n == name for n, _ in out) or name not in data:
            return
        m = re.search(rb"depends=([^\0]*)\0", data[name])
        for dep in m.group(1).decode().split(",") if m and m.group(1) else []:
            visit(dep, (*seen, name))
        out.append((name, data[name]))

    for name in MODULES:
        visit(name)
    return out


def cpio_newc(entries) -> bytes:
    """A newc ("070701") cpio archive from (path, mode, data, rdev) tuples, as the kernel's
    initramfs unpacker reads it. Directories have data None; rdev is (major, minor)."""
    out = bytearray()

    def header(ino, name, mode, size, rmaj=0, rmin=0, nlink=1):
        nb = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, len(nb), 0)
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + nb)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, mode, data, rdev) in enumerate(entries, start=1):
        body = data or b""
        header(ino, name, mode, len(body), *(rdev or (0, 0)), nlink=2 if data is None else 1)
        out.extend(body)
        out.extend(b"\0" * (-len(out) % 4))
    header(0, "TRAILER!!!", 0, 0)
    out.extend(b"\0" * (-len(out) % 512))
    return bytes(out)


def build_initramfs(
    kimg: KernelImage, script: str, progress=_stderr_progress, dest: Path | None = None
) -> Path:
    """The initramfs for one run (busybox, the guest program, /init, modules, the script),
    written to ``dest`` (default: a new file under the cache's build folder)."""
    guest = build_guest(progress)
    busybox = _static_busybox()
    if busybox is None:
        raise VMUnavailable("a static busybox is needed (apt-get install busybox-static)")
    mods = _module_files(kimg.modules)
    entries = [
        ("bin", 0o040755, None, None),
        ("dev", 0o040755, None, None),
        ("dev/console", 0o020600, b"", (5, 1)),
        ("lib", 0o040755, None, None),
        ("lib/modules", 0o040755, None, None),
        ("bin/busybox", 0o100755, Path(busybox).read_bytes(), None),
        ("init", 0o100755, GUEST_INIT.read_bytes(), None),
        ("pagemig-guest", 0o100755, guest.read_bytes(), None),
        ("scenarios.txt", 0o100644, script.encode(), None),
        ("modules.order", 0o100644, "".join(n + "\n" for n, _ in mods).encode(), None),
    ]
    entries += [(f"lib/modules/{n}.ko", 0o100644, data, None) for n, data in mods]
    if dest is None:
        (cache_dir() / "build").mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="initramfs-", suffix=".cpio", dir=cache_dir() / "build")
        os.close(fd)
        dest = Path(name)
    dest.write_bytes(cpio_newc(entries))
    return dest


def build_disks(progress=_stderr_progress) -> dict[str, Path]:
    """Empty ext4 and vfat images of DISK_MIB MiB (made once; QEMU opens them snapshot=on)."""
    d = cache_dir() / "disks"
    d.mkdir(parents=True, exist_ok=True)
    disks = {}
    for fs, cmd in (
        ("ext4", ["mkfs.ext4", "-q", "-F", "-L", "pagemig"]),
        ("vfat", ["mkfs.vfat", "-n", "PAGEMIG"]),
    ):
        img = d / f"{fs}.img"
        if not img.is_file():
            progress(f"making the {fs} disk image ({DISK_MIB} MiB, {cmd[0]})")
            tmp = img.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                f.truncate(DISK_MIB << 20)
            _run([*cmd, str(tmp)], cmd[0])
            tmp.rename(img)
        disks[fs] = img
    return disks


# -- the boot ----------------------------------------------------------------------------------
def qemu_command(
    kimg: KernelImage, initrd: Path, disks: dict[str, Path], pidfile: Path, accel: str = "tcg"
) -> list[str]:
    """The QEMU command line (builds nothing, starts nothing)."""
    if accel == "kvm":
        acc = ["-accel", "kvm", "-cpu", "host"]
    else:
        acc = ["-accel", "tcg,thread=multi", "-cpu", "max"]
    cmd = [
        "qemu-system-x86_64",
        *acc,
        "-m",
        str(2 * NODE_MIB),
        "-smp",
        "2,sockets=2,cores=1,threads=1",
        "-object",
        f"memory-backend-ram,id=m0,size={NODE_MIB}M",
        "-object",
        f"memory-backend-ram,id=m1,size={NODE_MIB}M",
        "-numa",
        "node,nodeid=0,cpus=0,memdev=m0",
        "-numa",
        "node,nodeid=1,cpus=1,memdev=m1",
        "-kernel",
        str(kimg.bzimage),
        "-initrd",
        str(initrd),
        "-append",
        "console=ttyS0 quiet loglevel=3 numa_balancing=disable "
        "transparent_hugepage=madvise panic=-1",
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        "stdio",
        "-no-reboot",
        "-pidfile",
        str(pidfile),
    ]
    for fs in ("ext4", "vfat"):
        if fs in disks:
            cmd += ["-drive", f"file={disks[fs]},format=raw,if=virtio,snapshot=on"]
    return cmd


def _stop(proc: subprocess.Popen) -> None:
    """Stop our own QEMU by its PID: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def _interruptible():
    """While QEMU runs, SIGINT and SIGTERM raise KeyboardInterrupt in the main thread (even
    when the shell started us with SIGINT ignored, as ``cmd &`` does), so that the finally
    clause stops QEMU. Returns the function that puts the old handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    return lambda: [signal.signal(sig, h) for sig, h in old.items()]


@dataclass
class Boot:
    """What one boot printed: the result lines, the kernel version, the times."""

    lines: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    kernel: str = ""
    nodes: int = 0
    booted_s: float = 0.0
    done_s: float = 0.0
    finished: bool = False
    qemu_pid: int = 0


def boot(
    kimg: KernelImage,
    initrd: Path,
    disks: dict[str, Path],
    *,
    accel: str = "tcg",
    timeout: float = 600,
    expect: int = 0,
    progress=_stderr_progress,
) -> Boot:
    """Boot the VM, collect the PAGEMIG lines until it powers off; stop QEMU on any exit."""
    b = Boot()
    with tempfile.TemporaryDirectory(prefix="pagemig-vm-") as tmp:
        pidfile = Path(tmp) / "qemu.pid"
        cmd = qemu_command(kimg, initrd, disks, pidfile, accel)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us, and we stop QEMU ourselves
        )
        b.qemu_pid = proc.pid
        restore = _interruptible()
        lines: queue.Queue = queue.Queue()

        def reader():
            for raw in proc.stdout:
                lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
            lines.put(None)

        threading.Thread(target=reader, daemon=True).start()
        try:
            while True:
                left = timeout - (time.monotonic() - t0)
                if left <= 0:
                    raise VMUnavailable(
                        f"the VM did not finish within {timeout:.0f} s; last lines:\n"
                        + "\n".join(b.log[-15:])
                    )
                try:
                    line = lines.get(timeout=min(left, 1.0))
                except queue.Empty:
                    continue
                if line is None:
                    break
                b.log.append(line)
                i = line.find("PAGEMIG ")
                if i < 0:
                    continue
                line = line[i:]
                if line.startswith("PAGEMIG BOOTED"):
                    b.kernel = kernel_version(line[len("PAGEMIG BOOTED") :])
                    b.booted_s = time.monotonic() - t0
                    progress(f"Linux {b.kernel} booted in {b.booted_s:.1f} s; running scenarios")
                elif line.startswith("PAGEMIG NODES"):
                    b.nodes = int(line.split()[2])
                elif line.startswith("PAGEMIG R "):
                    b.lines.append(line)
                    n = len(b.lines)
                    if expect and (n % 5 == 0 or n == expect):
                        progress(f"  {n}/{expect} scenarios done")
                elif line.startswith("PAGEMIG NOTE") or line.startswith("PAGEMIG ERROR"):
                    progress(line[len("PAGEMIG ") :])
                elif line.startswith("PAGEMIG DONE"):
                    b.done_s = time.monotonic() - t0
                    b.finished = True
                elif line.startswith("PAGEMIG POWEROFF"):
                    break
        except VMUnavailable as exc:
            exc.qemu_pid = proc.pid  # stopped below; tests check that it is gone
            raise
        finally:
            _stop(proc)
            restore()
    if not b.finished:
        raise VMUnavailable(
            "the VM stopped before the scenarios finished; last lines:\n" + "\n".join(b.log[-20:])
        )
    return b


def kernel_version(uname: str) -> str:
    """``uname -r`` and ``uname -v`` as one name: "6.1.0-57-cloud-amd64 (Debian 6.1.192-3)"."""
    parts = uname.split()
    if not parts:
        return ""
    m = re.search(r"Debian (\S+)", uname)
    return f"{parts[0]} (Debian {m.group(1)})" if m else parts[0]


# -- KVM probe ---------------------------------------------------------------------------------
def _host_key() -> str:
    """The host CPU (vendor, model, flags of the first CPU) and kernel, hashed."""
    first = Path("/proc/cpuinfo").read_text(errors="replace").split("\n\n")[0]
    keep = [ln for ln in first.splitlines() if ln.split(":")[0].strip() in _CPU_KEYS]
    return hashlib.sha256(("\n".join(keep) + os.uname().release).encode()).hexdigest()[:16]


_CPU_KEYS = ("vendor_id", "model name", "flags")


def kvm_boots(kimg: KernelImage, disks, progress=_stderr_progress) -> bool:
    """Whether this host's /dev/kvm boots the guest: probed once with an empty scenario
    script (30 s at most), and the answer cached by host CPU and kernel. On nested
    hypervisors that emulate instructions it often does not (see realkernel-facts)."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    key = _host_key()
    f = cache_dir() / "kvm-probe.json"
    known = json.loads(f.read_text()) if f.is_file() else {}
    if key in known:
        return known[key]
    progress("probing KVM once (is /dev/kvm usable here?) ...")
    with tempfile.TemporaryDirectory(prefix="pagemig-probe-") as tmp:
        initrd = build_initramfs(kimg, "", _quiet, Path(tmp) / "probe.cpio")
        try:
            ok = boot(kimg, initrd, disks, accel="kvm", timeout=30, progress=_quiet).finished
        except VMUnavailable:
            ok = False
    known[key] = ok
    f.write_text(json.dumps(known))
    progress(f"KVM {'boots' if ok else 'does not boot'} here; using {'KVM' if ok else 'TCG'}")
    return ok


# -- results -------------------------------------------------------------------------------------
def errno_name(e: int) -> str:
    return _errno.errorcode.get(e, str(e)) if e else ""


def _ints(v: str) -> list:
    if not v:
        return []
    return [None if x == "unset" else int(x) for x in v.split(",")]


def parse_result(line: str) -> dict:
    """One ``PAGEMIG R`` line as a dict (status slots the kernel left unwritten are None)."""
    kv = dict(tok.split("=", 1) for tok in line.split()[2:] if "=" in tok)
    if "crashed" in kv:
        return {"scenario": kv["name"], "crashed": int(kv["crashed"])}
    return {
        "scenario": kv["name"],
        "ret": int(kv["ret"]),
        "errno": errno_name(int(kv["errno"])),
        "status": _ints(kv["status"]),
        "nodes": _ints(kv["nodes"]),
        "pgmigrate_success": int(kv["success"]),
        "pgmigrate_fail": int(kv["fail"]),
        "set_migration_pte": int(kv["set"]),
        "remove_migration_pte": int(kv["remove"]),
        "usec": int(kv["usec"]),
    }


def run_vm(
    scenarios=None,
    *,
    kernel: str | None = None,
    modules: str | None = None,
    package: str | None = None,
    accel: str = "auto",
    timeout: float = 600,
    progress=_stderr_progress,
):
    """Boot the real kernel and run ``scenarios`` (default: every one in
    :data:`pagemig.realscenarios.SCENARIOS`). Returns a pandas DataFrame, one row per
    scenario. ``kernel``: a bzImage to boot instead of Debian's (``modules``: its modules
    tree); ``package``: a particular Debian kernel package (e.g. the stored run's), else the
    one linux-image-cloud-amd64 depends on. The frame has the status list, return value,
    errno name, vmstat deltas, migration-pte
    tracepoint counts, the call's time in the guest, the kernel version); ``df.attrs`` holds
    ``kernel``, ``timings`` (seconds: kernel, build, kvm_probe, boot, scenarios, total),
    ``accel`` and ``qemu_pid``.
    Raises VMUnavailable with what to install when the machine cannot run it."""
    from .realscenarios import SCENARIOS, to_script

    if progress is None:
        progress = _quiet
    scenarios = list(SCENARIOS if scenarios is None else scenarios)
    require(kernel)
    t0 = time.monotonic()
    if kernel:
        kimg = given_kernel(kernel, modules)
    elif package:
        try:
            kimg = debian_kernel(progress, package)
        except VMUnavailable as exc:
            progress(f"{package} is not available ({str(exc).splitlines()[0]}); using the newest")
            kimg = debian_kernel(progress)
    else:
        kimg = debian_kernel(progress)
    t1 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pagemig-initramfs-") as tmp:
        initrd = build_initramfs(kimg, to_script(scenarios), progress, Path(tmp) / "initrd.cpio")
        disks = build_disks(progress)
        t2 = time.monotonic()
        if accel == "auto":
            accel = "kvm" if kvm_boots(kimg, disks, progress) else "tcg"
        probe = time.monotonic() - t2
        progress(
            f"booting {kimg.source} under QEMU ({accel.upper()}, 2 NUMA nodes of "
            f"{NODE_MIB} MiB), {len(scenarios)} scenarios"
        )
        b = boot(
            kimg,
            initrd,
            disks,
            accel=accel,
            timeout=timeout,
            expect=len(scenarios),
            progress=progress,
        )
    t3 = time.monotonic()
    return _frame(b, accel, (t0, t1, t2, t3), probe, progress)


def _frame(b: Boot, accel, times, probe, progress):
    """The boot's result lines as run_vm's DataFrame."""
    import pandas as pd

    if b.nodes != 2:
        raise VMUnavailable(f"the guest saw {b.nodes} NUMA node(s), not 2 (is CONFIG_NUMA set?)")
    rows = [parse_result(line) for line in b.lines]
    df = pd.DataFrame(rows)
    df["kernel"] = b.kernel
    df.attrs["kernel"] = b.kernel
    df.attrs["accel"] = accel
    df.attrs["qemu_pid"] = b.qemu_pid  # stopped by now (tests check that it is gone)
    t0, t1, t2, t3 = times
    df.attrs["timings"] = {
        "kernel": round(t1 - t0, 2),
        "build": round(t2 - t1, 2),
        "kvm_probe": round(probe, 2),
        "boot": round(b.booted_s, 2),
        "scenarios": round(b.done_s - b.booted_s, 2),
        "total": round(t3 - t0, 2),
    }
    progress(
        "done in {total:.1f} s (kernel {kernel:.1f} s, build {build:.1f} s, KVM probe "
        "{kvm_probe:.1f} s, boot {boot:.1f} s, scenarios {scenarios:.1f} s)".format(
            **df.attrs["timings"]
        )
    )
    return df


# -- the command ---------------------------------------------------------------------------------
def cmd_vm(args) -> int:
    """``pagemig vm``: run the scenarios in the real kernel and in the simulator, print the
    side-by-side table and the disagreements."""
    import pandas as pd

    from . import VARIANTS
    from .realscenarios import SCENARIOS, compare, side_by_side, simulate, stored_run_json

    if args.variant not in VARIANTS:
        print(
            f"pagemig vm: the simulator has no variant {args.variant!r} "
            f"(it has {', '.join(VARIANTS)})",
            file=sys.stderr,
        )
        return 2
    scenarios = SCENARIOS
    if args.scenario:
        scenarios = [s for s in SCENARIOS if any(w in s.name for w in args.scenario)]
        if not scenarios:
            print(f"pagemig vm: no scenario matches {args.scenario}", file=sys.stderr)
            return 2
    try:
        real = run_vm(
            scenarios,
            kernel=args.kernel,
            modules=args.modules,
            package=args.package,
            accel=args.accel,
            timeout=args.timeout,
        )
    except VMUnavailable as exc:
        print(f"pagemig vm: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pagemig vm: interrupted; QEMU stopped", file=sys.stderr)
        return 130
    if args.save:
        Path(args.save).write_text(stored_run_json(real))
        print(f"pagemig vm: run saved to {args.save}", file=sys.stderr)
    sim = simulate(scenarios, args.variant)
    table = side_by_side(real, sim)
    cmp = compare(real, sim)
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        print(
            f"real: Linux {real.attrs['kernel']} under QEMU ({real.attrs['accel'].upper()}), "
            f"simulated: Kernel(variant={args.variant!r})\n"
        )
        print(table.to_string(index=False))
    per = cmp.groupby("scenario", sort=False)["agree"].all()
    bad = cmp[~cmp.agree]
    unexplained = bad[bad.known == ""]
    print(
        f"\n{len(per)} scenarios: {int(per.sum())} agree on every compared field, "
        f"{len(per) - int(per.sum())} disagree; {len(bad)} field disagreements, "
        f"{len(bad) - len(unexplained)} of them known divergences (marked *), "
        f"{len(unexplained)} unexplained"
    )
    for row in unexplained.to_dict("records"):
        print(
            f"  UNEXPLAINED {row['scenario']}.{row['field']}: real {row['real']} sim {row['sim']}"
        )
    return 1 if len(unexplained) else 0


def _add_arguments(sp) -> None:
    sp.add_argument(
        "--kernel",
        metavar="BZIMAGE",
        help="boot this kernel (NUMA, MIGRATION) instead of Debian's linux-image-cloud-amd64",
    )
    sp.add_argument("--modules", metavar="DIR", help="its modules tree (for virtio_blk, vfat)")
    sp.add_argument(
        "--package",
        metavar="NAME",
        help="a Debian kernel package, e.g. linux-image-6.1.0-57-cloud-amd64 (default: the newest)",
    )
    sp.add_argument(
        "--accel",
        choices=("auto", "tcg", "kvm"),
        default="auto",
        help="auto: KVM only where a cached probe showed it boots, else TCG",
    )
    sp.add_argument("--timeout", type=float, default=600, help="seconds before QEMU is stopped")
    sp.add_argument("--variant", default="modern", help="the simulator's variant to compare")
    sp.add_argument("--save", metavar="JSON", help="also write the run as a stored-run file")
    sp.add_argument("scenario", nargs="*", help="only scenarios whose name contains one of these")


cmd_vm.add_arguments = _add_arguments
