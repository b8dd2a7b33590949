"""Page-table entries: none, present, migration entry, swap entry, nonlinear file pte.

Models the pte encodings of include/asm-generic/pgtable.h and
include/linux/swapops.h in 2.6.18: ``make_migration_entry``,
``is_migration_entry``, ``is_write_migration_entry``,
``make_migration_entry_read``, ``pte_file``/``pgoff_to_pte``.

Simplification: an entry is an immutable value object instead of bits in a word;
a swap entry carries (type, offset) with the migration types 30 (read) and 31
(write) as in 2.6.18.
"""

from __future__ import annotations

from .constants import SWP_MIGRATION_READ, SWP_MIGRATION_WRITE, ZERO_PFN


class Pte:
    """One page-table entry. ``kind`` is "none", "present", "migration", "swap" or "file".

    present: ``pfn``, ``write``, ``young``, ``dirty``; ``pfn == ZERO_PFN`` is a read-only
    pte to the shared zero page (``is_zero_pfn``).
    migration: ``pfn`` (of the page being migrated), ``write``; ``swp_type`` is 31 for a
    write entry and 30 for a read entry. Under ``variant="modern"`` it also keeps the
    pte's ``young``/``dirty`` bits (6.1's SWP_MIG_YOUNG_BIT/SWP_MIG_DIRTY_BIT); in
    2.6.18 they are always False.
    swap: ``swp_type`` and ``offset`` (the slot on the swap device).
    file: ``pgoff`` (a nonlinear mapping's remembered file offset).
    """

    __slots__ = ("kind", "pfn", "write", "young", "dirty", "pgoff", "swp_type", "offset")

    def __init__(
        self,
        kind: str,
        pfn: int | None = None,
        write: bool = False,
        young: bool = False,
        dirty: bool = False,
        pgoff: int | None = None,
        swp_type: int | None = None,
        offset: int | None = None,
    ):
        self.kind = kind
        self.pfn = pfn
        self.write = write
        self.young = young
        self.dirty = dirty
        self.pgoff = pgoff
        self.swp_type = swp_type
        self.offset = offset

    @property
    def present(self) -> bool:
        return self.kind == "present"

    def _fields(self) -> tuple:
        return (
            self.kind,
            self.pfn,
            self.write,
            self.young,
            self.dirty,
            self.pgoff,
            self.swp_type,
            self.offset,
        )

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        if not isinstance(other, Pte):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        k = self.kind
        if k == "present":
            bits = "".join(
                c for c, on in (("w", self.write), ("y", self.young), ("d", self.dirty)) if on
            )
            if self.pfn == ZERO_PFN:
                return f"Pte(present zero page {bits or '-'})"
            return f"Pte(present pfn={self.pfn} {bits or '-'})"
        if k == "migration":
            return f"Pte(migration pfn={self.pfn} {'write' if self.write else 'read'})"
        if k == "swap":
            return f"Pte(swap type={self.swp_type} offset={self.offset})"
        if k == "file":
            return f"Pte(file pgoff={self.pgoff})"
        return "Pte(none)"

    def short(self) -> str:
        """A few characters for tables and plots: P12w, M12r, F5, S3, Z (zero page), -."""
        k = self.kind
        if k == "present":
            if self.pfn == ZERO_PFN:
                return "Z"
            return f"P{self.pfn}{'w' if self.write else 'r'}"
        if k == "migration":
            return f"M{self.pfn}{'w' if self.write else 'r'}"
        if k == "file":
            return f"F{self.pgoff}"
        if k == "swap":
            return f"S{self.offset}"
        return "-"


PTE_NONE = Pte("none")


def is_zero_pfn(pfn) -> bool:
    """is_zero_pfn(): the pte maps the shared ZERO_PAGE."""
    return pfn == ZERO_PFN


def mk_pte(pfn: int, write: bool, young: bool = False, dirty: bool = False) -> Pte:
    """mk_pte() (+ pte_mkwrite/pte_mkyoung/pte_mkdirty)."""
    return Pte("present", pfn, write, young, dirty)


def make_migration_entry(page, write: bool, young: bool = False, dirty: bool = False) -> Pte:
    """make_migration_entry(page, write): the kernel BUGs unless the page is locked.

    ``young``/``dirty``: 6.1's make_migration_entry_young()/_dirty() (only the
    modern variant passes them; 2.6.18's entries have no room for the bits)."""
    if not page.locked:
        raise AssertionError(f"make_migration_entry: pfn {page.pfn} is not locked")
    pfn = page.pfn
    swp_type = SWP_MIGRATION_WRITE if write else SWP_MIGRATION_READ
    return Pte("migration", pfn, write, young, dirty, None, swp_type, pfn)


def make_migration_entry_read(entry: Pte) -> Pte:
    """make_migration_entry_read(): a write entry becomes a read entry (fork, mprotect);
    the young/dirty bits (modern) stay."""
    return Pte(
        "migration",
        pfn=entry.pfn,
        write=False,
        young=entry.young,
        dirty=entry.dirty,
        swp_type=SWP_MIGRATION_READ,
        offset=entry.pfn,
    )


def swp_entry_pte(swp_type: int, offset: int) -> Pte:
    """swp_entry_to_pte(swp_entry(type, offset)) for an ordinary swap slot."""
    return Pte("swap", swp_type=swp_type, offset=offset)


def pgoff_to_pte(pgoff: int) -> Pte:
    """pgoff_to_pte(): a nonlinear file pte remembering the file offset."""
    return Pte("file", pgoff=pgoff)
