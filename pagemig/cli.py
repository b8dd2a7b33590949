"""The ``pagemig`` command: ``pagemig demo`` and the other sections listed in COMMANDS."""

from __future__ import annotations

import argparse
import sys

from .bench import cmd_bench
from .homework import cmd_homework
from .launch import cmd_lab, cmd_present, cmd_reset
from .site import cmd_site
from .vm import cmd_vm


def cmd_demo(args) -> int:
    """Run the canned scenario headless and print the trace and the counters. (It has no
    --seed: the scenario is one fixed machine, and no seed changed what it printed.)"""
    from .scenarios import demo_scenario

    sc = demo_scenario()
    k = sc.kernel
    page = sc.page
    print(
        f"pagemig demo: {len(sc.processes)} processes share page {page.index} of "
        f"{sc.file.name} (pfn {page.pfn}, node {page.node}, dirty={page.dirty}); "
        f"the file has no migratepage, so the dirty page is written out first.\n"
        f"variant={k.variant}; migrating it to node {sc.target_node}...\n"
    )
    rc = k.migrate_pages([page], sc.target_node)
    k.run()  # let the write I/O finish
    print(k.trace.format())
    print()
    new = sc.page
    print(f"migrate_pages returned {rc}; the page is now pfn {new.pfn} on node {new.node}")
    for p, a in zip(sc.processes, sc.addrs):
        print(f"  pid {p.pid} {a:#x}: {p.pte(a)!r}")
    print("\nvmstat:")
    for name, value in k.vmstat.items():
        print(f"  {name} {value}")
    k.check()
    print("\nKernel.check(): every invariant holds")
    return 0


COMMANDS = {
    "demo": (cmd_demo, "run a canned migration headless and print the trace and counters"),
    "bench": (cmd_bench, "print the simulator's speed figures next to their targets"),
    "lab": (cmd_lab, "start JupyterLab on the book (127.0.0.1, a free port) and print its URL"),
    "present": (
        cmd_present,
        "show the lecture notebook, or [CHAPTER], under Voilà, code hidden (--slides: as slides)",
    ),
    "reset": (cmd_reset, "restore [CHAPTER] (default: every chapter) of your copy of the book"),
    "site": (cmd_site, "build the book as a static website in [DIR] (default: build/site)"),
    "vm": (cmd_vm, "boot a real Linux 6.1 with two NUMA nodes (QEMU) and check the simulator"),
    "homework": (cmd_homework, "print a chapter's problems for a seed (-c: with answers)"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="pagemig", description="Linux 2.6.18 page migration, simulated"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (func, help_) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_)
        sp.set_defaults(func=func)
        if hasattr(func, "add_arguments"):
            func.add_arguments(sp)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
