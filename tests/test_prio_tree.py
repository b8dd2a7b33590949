"""PrioTree.query (the file rmap's index): the same VMAs in the same order as a scan
of every VMA, whether it filters the few VMAs that start near the page (short VMAs)
or descends the tree (long ones, or many candidates)."""

import random

import pytest

from pagemig.prio_tree import PrioTree


class _Vma:
    pass


@pytest.mark.parametrize("seed", range(20))
def test_query_answers_as_the_scan_does_by_both_routes(seed):
    rng = random.Random(seed)
    tree = PrioTree()
    vmas = []
    for _ in range(rng.randrange(1, 300)):
        v = _Vma()
        first = rng.randrange(0, 500)
        span = rng.choice([0, 1, 3, 10, rng.randrange(0, 400)])
        tree.insert(v, first, first + span)
        vmas.append(v)
    for v in rng.sample(vmas, len(vmas) // 4):
        tree.remove(v)
    routes = set()
    for _ in range(100):
        a = rng.randrange(-5, 520)
        b = a + rng.choice([0, 0, 1, 5, 50])
        want = tree.scan(a, b)
        got = tree.query(a, b)
        few, tree._few = tree._few, -1  # force the descent
        assert tree.query(a, b) == got == want
        tree._few = few
        start = sum(1 for lo in tree._lo if lo < a - tree._span)
        stop = sum(1 for lo in tree._lo if lo <= b)
        routes.add(stop - start <= few)
    assert routes  # at least one route taken (both, for most seeds)


def test_one_long_vma_does_not_make_short_queries_scan():
    tree = PrioTree()
    for i in range(1000):
        tree.insert(_Vma(), 4 * i, 4 * i + 3)
    long = _Vma()
    tree.insert(long, 0, 10_000)
    assert tree.query(2000) == tree.scan(2000) and long in tree.query(2000)
