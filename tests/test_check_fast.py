"""check() walks the ptes that exist, not the address space: the same violations, in
the same order, as a walk over every address of every VMA (the old walk, kept here as
the reference), at every step of migrations that break rules on purpose and of ones
that do not."""

import pytest

from pagemig import invariants
from pagemig.constants import PAGE_SHIFT
from pagemig.scenarios import build_scenario


def _address_walk(k):
    """The page-table part of check() the slow way: every address of every VMA."""
    out = []
    for pid in sorted(k.processes):
        proc = k.processes[pid]
        for vma in proc.vmas:
            for addr in vma.addresses():
                pte = proc.ptes.get(addr >> PAGE_SHIFT)
                if pte is not None and pte.kind in ("present", "migration"):
                    out.append((pid, addr, pte.kind, pte.pfn))
    return out


@pytest.mark.parametrize("mapping", ["anonymous", "file linear", "file nonlinear"])
@pytest.mark.parametrize("variant", ["patched", "before-patch", "unsafe-writeout"])
@pytest.mark.parametrize("dirty", [False, True])
def test_pte_walk_sees_what_the_address_walk_sees(mapping, variant, dirty):
    sc = build_scenario(mapping, dirty=dirty, sharers=2, variant=variant)
    k = sc.kernel
    t = sc.start_migration()
    other = sc.processes[1].start_access(sc.addrs[1], write=dirty, data=b"w")
    broken = 0
    for _ in range(500):
        if not k.tasks:
            break
        for task in list(k.tasks):
            k.step(task)
        present, _ = invariants._page_tables(k)
        walk = _address_walk(k)
        counted = {}
        for _pid, _addr, kind, pfn in walk:
            if kind == "present":
                counted[pfn] = counted.get(pfn, 0) + 1
        assert present == counted
        broken += bool(k.violations())
    assert t.done and other.done
    if variant == "unsafe-writeout" and dirty and mapping == "file linear":
        assert broken  # the matrix does reach broken states


def test_a_wide_sparse_mapping_costs_its_ptes_not_its_addresses():
    """A 4 GiB mapping with two pages touched: the walk looks at two ptes."""
    sc = build_scenario("anonymous")
    k = sc.kernel
    p = sc.processes[0]
    v = p.mmap(1 << 20)
    p.write(v.start, b"a")
    p.write(v.end - 1, b"z")
    assert k.violations() == []
    k.pfn_to_page(p.pte(v.end - 1).pfn)._mapcount += 1
    rules = [rule for rule, _ in k.violations()]
    assert invariants.MAPCOUNT in rules
