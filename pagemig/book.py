"""The reader's own copy of the book: what ``pagemig lab`` and ``pagemig present`` open.

The stored book (``notebooks/`` in the repository) is never opened for reading: running a
chapter in JupyterLab saves it (autosave), and a saved chapter would no longer be the one the
tests check. So the first ``pagemig lab`` copies the chapters into a folder of the reader's
(:func:`default_copy`: ``$PAGEMIG_BOOK``, else ``$XDG_DATA_HOME/pagemig/book``, else
``~/.local/share/pagemig/book``), and every launch after that brings in what the stored book
gained since, without overwriting anything the reader changed. ``pagemig reset [CHAPTER]``
puts the stored version back.

A manifest (``.pagemig-book.json`` in the copy) records, for each chapter, the SHA-256 of the
stored version it was copied from. A copy whose bytes still have that hash is the reader's
untouched chapter and follows the stored book; any other is the reader's own work and stays
until they reset it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".pagemig-book.json"
LAB_MARKER = ".pagemig-lab.json"
PREVIOUS = ".pagemig-previous"


class BookError(Exception):
    """A copy that cannot be made or reset (unwritable folder, unknown chapter)."""


def data_dir() -> Path:
    """pagemig's folder for the reader's data: ``$XDG_DATA_HOME/pagemig`` (the XDG base
    directory rule: ``~/.local/share`` when the variable is unset or not absolute)."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "pagemig"


def default_copy() -> Path:
    """Where the reader's copy of the book lives unless ``--book`` says otherwise."""
    given = os.environ.get("PAGEMIG_BOOK")
    return Path(given).expanduser() if given else data_dir() / "book"


def stored_chapters(stored: Path) -> list[Path]:
    """The stored book's notebooks in reading order (``00-...`` first)."""
    return sorted(p for p in stored.glob("*.ipynb") if not p.name.startswith("."))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@dataclass
class Sync:
    """What :func:`sync` did to a copy."""

    copy: Path
    created: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed by the reader AND in the book

    def messages(self) -> list[str]:
        out = []
        if self.created:
            out.append(f"made your copy of the book in {self.copy} (pagemig reset restores it)")
        else:
            if self.added:
                out.append(f"added to your copy: {', '.join(self.added)}")
            if self.updated:
                out.append(
                    f"brought up to date (you had not changed them): {', '.join(self.updated)}"
                )
        for name in self.kept:
            out.append(
                f"the book's {name} changed since you copied it, and you changed yours: "
                f"yours is kept (`pagemig reset {name[:2]}` takes the book's)"
            )
        return out


def _read_manifest(copy: Path) -> dict[str, str]:
    try:
        data = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files", {}) if isinstance(data, dict) else {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def _write_manifest(copy: Path, stored: Path, files: dict[str, str]) -> None:
    tmp = copy / (MANIFEST + ".tmp")
    tmp.write_text(
        json.dumps({"stored": str(stored), "files": dict(sorted(files.items()))}, indent=1),
        encoding="utf-8",
    )
    tmp.replace(copy / MANIFEST)


def _copy_chapter(src: Path, dst: Path) -> None:
    """Copy bytes (not the stored file's mode: a read-only checkout still gives a writable
    copy) through a temporary file, so an interrupted copy leaves no half chapter. The copy
    is marked trusted, as the stored book is (its outputs are the book's own)."""
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)
    _trust(dst)


def _trust(path: Path) -> None:
    """Sign ``path`` in the reader's Jupyter trust database (what "Trust Notebook" does),
    so that JupyterLab and Voilà show its stored outputs without a "not trusted" warning."""
    try:
        import nbformat
        from nbformat.sign import NotebookNotary

        NotebookNotary().sign(nbformat.read(path, as_version=4))
    except Exception:  # noqa: BLE001 - trust is a convenience; the chapter still opens
        pass


def sync(stored: Path, copy: Path) -> Sync:
    """Make ``copy`` (first use) or bring it up to date with ``stored``; never overwrite a
    chapter the reader changed. Files of the reader's own in ``copy`` are left alone."""
    if same_folder(stored, copy):
        raise BookError(f"{copy} is the stored book itself, not a copy")
    chapters = stored_chapters(stored)
    if not chapters:
        raise BookError(f"no notebooks in {stored}")
    report = Sync(copy=copy, created=not (copy / MANIFEST).exists())
    try:
        copy.mkdir(parents=True, exist_ok=True)
        files = _read_manifest(copy)
        for src in chapters:
            dst = copy / src.name
            book_hash = sha256(src)
            if not dst.exists():
                _copy_chapter(src, dst)
                if not report.created:
                    report.added.append(src.name)
            elif files.get(src.name) == book_hash:
                continue  # copied from this very version
            elif src.name in files and sha256(dst) == files[src.name]:
                _copy_chapter(src, dst)  # untouched by the reader: follow the book
                report.updated.append(src.name)
            elif sha256(dst) == book_hash:
                pass  # the same bytes (a manifest lost or from an older pagemig)
            else:
                report.kept.append(src.name)
                continue  # keep the recorded hash: the reader's chapter stays theirs
            files[src.name] = book_hash
        _write_manifest(copy, stored, files)
    except OSError as e:
        raise BookError(f"cannot write your copy of the book in {copy}: {e.strerror}") from None
    return report


def reset(
    stored: Path, copy: Path, chapters: list[Path] | None = None
) -> list[tuple[str, Path | None]]:
    """Put the stored version of ``chapters`` (default: every chapter) back into ``copy``.
    A version the reader changed is first moved to ``copy/.pagemig-previous/`` (named with
    the time), so a reset loses nothing. Returns each name restored, with where the
    reader's version went (None: it was unchanged or missing)."""
    if same_folder(stored, copy):
        raise BookError(f"{copy} is the stored book itself: there is nothing to reset it from")
    chapters = stored_chapters(stored) if chapters is None else chapters
    if not chapters:
        raise BookError(f"no notebooks in {stored}")
    done = []
    try:
        copy.mkdir(parents=True, exist_ok=True)
        files = _read_manifest(copy)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for src in chapters:
            dst = copy / src.name
            kept = None
            if dst.exists() and sha256(dst) != sha256(src):
                kept = copy / PREVIOUS / f"{src.stem}.{stamp}{src.suffix}"
                kept.parent.mkdir(exist_ok=True)
                dst.replace(kept)
            _copy_chapter(src, dst)
            files[src.name] = sha256(src)
            # JupyterLab's checkpoint would offer the reader's version back ("revert").
            checkpoint = copy / ".ipynb_checkpoints" / f"{src.stem}-checkpoint{src.suffix}"
            checkpoint.unlink(missing_ok=True)
            done.append((src.name, kept))
        _write_manifest(copy, stored, files)
    except OSError as e:
        raise BookError(f"cannot write your copy of the book in {copy}: {e.strerror}") from None
    return done


# -- who has the copy open ------------------------------------------------------------------
def _alive(pid: int) -> bool:
    from .launch import pid_alive  # launch imports this module

    return pid_alive(pid)


def lab_holder(copy: Path) -> dict | None:
    """The running ``pagemig lab`` that serves ``copy`` (its pid and URL without the token),
    or None."""
    try:
        data = json.loads((copy / LAB_MARKER).read_text(encoding="utf-8"))
        pid = int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid() or not _alive(pid):
        return None
    return data


def claim_lab(copy: Path, url: str) -> None:
    """Note that this process serves ``copy`` at ``url`` (given without its token), unless
    another live ``pagemig lab`` already did (it keeps the note until it stops)."""
    if lab_holder(copy) is not None:
        return
    try:
        (copy / LAB_MARKER).write_text(json.dumps({"pid": os.getpid(), "url": url}))
    except OSError:
        pass  # only a courtesy to a second `pagemig lab`


def release_lab(copy: Path) -> None:
    try:
        data = json.loads((copy / LAB_MARKER).read_text(encoding="utf-8"))
        if data.get("pid") == os.getpid():
            (copy / LAB_MARKER).unlink()
    except (OSError, ValueError, AttributeError):
        pass
