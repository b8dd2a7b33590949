"""The index of a file's linear VMAs by page offset (the kernel's ``i_mmap``).

Models the query side of lib/prio_tree.c and mm/prio_tree.c of 2.6.18
(``vma_prio_tree_insert``, ``vma_prio_tree_remove``, ``vma_prio_tree_foreach``):
find every VMA whose file range [vm_pgoff, vm_pgoff + pages) contains a page
offset, without looking at every VMA. Since 3.7 the kernel uses an augmented
rbtree interval tree (mm/interval_tree.c) for the same job.

Simplification: a static augmented interval tree over the VMAs sorted by
(first pgoff, insertion number), rebuilt lazily after an insert or remove.
Queries cost O(log n + k). mmap/munmap are rare next to rmap walks, so the
rebuild (O(n log n)) does not sit on the hot path. Results come in
(first pgoff, insertion) order, so every walk is deterministic. When the VMAs
are short (the longest spans ``_span`` pages), a query first bisects the sorted
starts: only a VMA starting in [first - _span, last] can overlap, and if few do
they are filtered directly (the same answer, in the same order, as the tree's
descent, without its stack of subtrees).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right


class PrioTree:
    __slots__ = ("_items", "_seq", "_next", "_dirty", "_lo", "_hi", "_val", "_max", "_span", "_few")

    def __init__(self) -> None:
        self._items: dict[int, tuple[int, int, object]] = {}  # id(vma) -> (lo, hi, vma)
        self._seq: dict[int, int] = {}
        self._next = 0
        self._dirty = False
        self._lo: list[int] = []
        self._hi: list[int] = []
        self._val: list[object] = []
        self._max: list[int] = []
        self._span = 0  # the longest VMA's hi - lo
        self._few = 0  # at most this many candidates: filter them rather than descend

    def __len__(self) -> int:
        return len(self._items)

    @property
    def inserted(self) -> int:
        """How many VMAs have entered the tree so far (a stamp: unchanged means no VMA
        joined since it was read)."""
        return self._next

    def insert(self, vma, first: int, last: int) -> None:
        """vma_prio_tree_insert(): index [first, last] (inclusive page offsets)."""
        key = id(vma)
        self._items[key] = (first, last, vma)
        if key not in self._seq:
            self._next += 1
            self._seq[key] = self._next
        self._dirty = True

    def remove(self, vma) -> None:
        """vma_prio_tree_remove()"""
        key = id(vma)
        self._items.pop(key, None)
        self._seq.pop(key, None)
        self._dirty = True

    def __iter__(self):
        self._build()
        return iter(list(self._val))

    def _build(self) -> None:
        if not self._dirty:
            return
        entries = sorted(self._items.items(), key=lambda kv: (kv[1][0], self._seq[kv[0]]))
        self._lo = [e[1][0] for e in entries]
        self._hi = [e[1][1] for e in entries]
        self._val = [e[1][2] for e in entries]
        n = len(entries)
        # _max[i]: the largest ``hi`` in the implicit subtree rooted at the middle of a range.
        self._max = [0] * n
        self._fill(0, n)
        self._span = max((h - lo for lo, h in zip(self._lo, self._hi)), default=0)
        self._few = 4 * n.bit_length() + 16  # about what a descent visits
        self._dirty = False

    def _fill(self, a: int, b: int) -> int:
        if a >= b:
            return -1
        m = (a + b) // 2
        best = max(self._hi[m], self._fill(a, m), self._fill(m + 1, b))
        self._max[m] = best
        return best

    def query(self, first: int, last: int | None = None) -> list:
        """vma_prio_tree_foreach(vma, iter, root, first, last): VMAs overlapping [first, last]."""
        if last is None:
            last = first
        if self._dirty:
            self._build()
        lo, hi = self._lo, self._hi
        start = bisect_left(lo, first - self._span)
        stop = bisect_right(lo, last, start)
        if stop - start <= self._few:
            val = self._val
            return [val[i] for i in range(start, stop) if hi[i] >= first]
        out: list[int] = []
        mx = self._max
        stack = [(0, len(lo))]
        while stack:
            a, b = stack.pop()
            if a >= b:
                continue
            m = (a + b) // 2
            if mx[m] < first:
                continue  # nothing in this subtree reaches first
            # left half can always overlap (its starts are smaller)
            stack.append((a, m))
            if lo[m] <= last:
                if hi[m] >= first:
                    out.append(m)
                stack.append((m + 1, b))
        out.sort()
        return [self._val[i] for i in out]

    def scan(self, first: int, last: int | None = None) -> list:
        """The same answer by looking at every VMA: for comparison in benchmarks."""
        if last is None:
            last = first
        self._build()
        return [v for lo, hi, v in zip(self._lo, self._hi, self._val) if lo <= last and hi >= first]
