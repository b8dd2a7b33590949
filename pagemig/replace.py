"""Replacing one kernel function for one kernel object: the book's "break the kernel" labs.

Not a kernel file. A few kernel functions of the migration path are *replaceable*: at
each place the engine calls one of them it calls what the kernel's own table says
(``k.fn.writeout`` ...: the original unless a lab replaced it; the replacements
themselves are ``k._overrides``, empty unless a lab filled it). So there is still one
copy of each kernel path, and a replacement on kernel A changes nothing for kernel B
or for any kernel made later::

    from pagemig.labs import writeout_writepage_first      # a wrong order, for instance
    with k.replace(writeout=writeout_writepage_first):
        k.migrate_pages(pages, 1)                           # runs the reader's writeout
    # here k runs the kernel's writeout again

``k.replace(...)`` applies at once and also works without ``with`` (the kernel keeps
the replacement until ``.undo()``); nested replacements of the same name undo in
order. ``replacing(build, writeout=mine)`` wraps a ``build(kernel)`` for
``pagemig.explore.explore`` so that every kernel the explorer builds runs the
reader's version (the wrapper keeps the build's ``kernel_args``).

A replacement takes the original's parameters and is a generator of steps, as the
original is (it ``yield``s events as ``(func, what, data)`` triples and ``yield from``s
the kernel functions it calls; what it returns is the call's result). The originals
stay importable from their modules (``pagemig.migrate.writeout`` ...) so that a
replacement can call the parts it does not change. Refused before anything changes:
a name that is not replaceable, something that is not a generator function, a
function whose parameters do not fit the original's call.
"""

from __future__ import annotations

import inspect

#: name -> (module, what the kernel function does), the functions a lab may replace
REPLACEABLE = {
    "writeout": ("migrate", "clean a dirty page before migrating it (restore ptes, writepage)"),
    "remove_migration_ptes": ("migrate", "turn every migration entry to old into a pte to new"),
    "remove_anon_migration_ptes": ("migrate", "the anon_vma walk of remove_migration_ptes"),
    "remove_file_migration_ptes": ("migrate", "the prio-tree walk of remove_migration_ptes"),
    "remove_migration_pte": ("migrate", "restore one vma's migration entry (checks the pfn)"),
    "migrate_page_move_mapping": ("migrate", "the reference-count gate and the slot switch"),
    "try_to_unmap_one": ("rmap", "unmap one vma's pte into a migration entry"),
    "try_to_unmap_cluster": ("rmap", "clear the ptes of one cluster of a nonlinear vma"),
}


class KernelFunctions:
    """``k.fn``: the replaceable kernel functions as one kernel runs them, one slot
    each (the original, or the lab's replacement while one is applied). The call
    sites read ``k.fn.writeout`` ...: one attribute load, resolved when a replacement
    is applied or undone rather than looked up by name at every call."""

    __slots__ = tuple(REPLACEABLE)

    def __init__(self):
        for name, fn in _originals().items():
            setattr(self, name, fn)

    def __repr__(self) -> str:
        return (
            "<KernelFunctions "
            + ", ".join(
                f"{n}={getattr(self, n).__module__}.{getattr(self, n).__name__}"
                for n in REPLACEABLE
            )
            + ">"
        )


_ORIGINALS: dict = {}


def _originals() -> dict:
    """name -> the engine's own function, for every replaceable name (imported once)."""
    if not _ORIGINALS:
        import importlib

        for name, (module, _) in REPLACEABLE.items():
            _ORIGINALS[name] = getattr(importlib.import_module(f"pagemig.{module}"), name)
    return _ORIGINALS


def original(name: str):
    """The engine's own function for a replaceable ``name``."""
    _check_name(name)
    return _originals()[name]


def _check_name(name) -> None:
    if name not in REPLACEABLE:
        raise ValueError(
            f"{name!r} is not a replaceable kernel function; these are: " + ", ".join(REPLACEABLE)
        )


def _check(fns: dict) -> None:
    if not fns:
        raise ValueError("say which function to replace, e.g. replace(writeout=my_writeout)")
    for name, fn in fns.items():
        _check_name(name)
        if not callable(fn):
            raise TypeError(f"the replacement for {name} must be a function, got {fn!r}")
        if not inspect.isgeneratorfunction(fn):
            raise TypeError(
                f"{name} is a kernel path, a generator of steps: your version must be one "
                "too (use yield for its events and yield from for the kernel functions it "
                "calls)"
            )
        params = list(inspect.signature(original(name)).parameters)
        try:
            inspect.signature(fn).bind(*params)
        except TypeError:
            raise TypeError(
                f"the replacement for {name} must take the original's parameters "
                f"({', '.join(params)})"
            ) from None


def _resolve(kernel, names) -> None:
    """Bring ``kernel.fn`` in line with ``kernel._overrides`` for ``names``."""
    table, fns = kernel._overrides, kernel.fn
    for name in names:
        setattr(fns, name, table.get(name) or original(name))


class Replacement:
    """Replacements applied to one kernel; ``undo()`` (or leaving the ``with`` block)
    puts back what the kernel ran before."""

    def __init__(self, kernel, fns: dict):
        _check(fns)
        self.kernel = kernel
        self.fns = dict(fns)
        table = kernel._overrides
        self._before = {name: table.get(name) for name in self.fns}
        table.update(self.fns)
        _resolve(kernel, self.fns)
        self.active = True

    def undo(self) -> None:
        if not self.active:
            return
        table = self.kernel._overrides
        for name, fn in self._before.items():
            if fn is None:
                table.pop(name, None)
            else:
                table[name] = fn
        _resolve(self.kernel, self._before)
        self.active = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.undo()
        return False

    def __repr__(self) -> str:
        names = ", ".join(f"{n}={getattr(f, '__name__', f)}" for n, f in self.fns.items())
        return f"<Replacement {names} ({'active' if self.active else 'undone'})>"


def replace(kernel, **fns) -> Replacement:
    """Replace kernel functions for ``kernel`` only (see the module's docstring)."""
    from .kernel import Kernel

    if not isinstance(kernel, Kernel):
        raise TypeError(f"replace() takes a Kernel, got {type(kernel).__name__}")
    return Replacement(kernel, fns)


class replacing:
    """``build`` for ``explore``/``replay`` with kernel functions replaced in every
    kernel it builds: ``explore(replacing(race("file-fault"), writeout=mine))``."""

    def __init__(self, build, **fns):
        if not callable(build):
            raise TypeError("replacing() takes a build(kernel) function")
        _check(fns)
        self.build = build
        self.fns = fns
        self.kernel_args = dict(getattr(build, "kernel_args", None) or {})

    def __call__(self, k):
        Replacement(k, self.fns)
        return self.build(k)

    def __getattr__(self, name):  # title, scenario ... of the wrapped build
        if name == "build":
            raise AttributeError(name)
        return getattr(self.build, name)

    def __repr__(self) -> str:
        names = ", ".join(f"{n}={getattr(f, '__name__', f)}" for n, f in self.fns.items())
        return f"replacing({self.build!r}, {names})"


__all__ = ["REPLACEABLE", "KernelFunctions", "Replacement", "original", "replace", "replacing"]
