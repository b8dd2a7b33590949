"""``pagemig homework``: a chapter's exercises as a problem sheet, as OSTEP's simulators print them.

Not a kernel file: a command beside the engine. The problems and their solvers
are the book's own (``widgets.exercises``, one module per chapter), which load
without ipywidgets or matplotlib::

    pagemig homework 3 -s 3          # chapter 3's problems for seed 3
    pagemig homework 3 -s 3 -c       # ... with the answers and why
    pagemig homework 3 -n 10         # ten problems (seeded ones again, next seeds)
    pagemig homework 3 --roster class.txt -o sheets/
        # one sheet per student (seed from the student's id) and one answer key

A roster is a text file with one student id a line (``id`` or ``id,name``;
blank lines and lines starting with ``#`` are skipped).
"""

from __future__ import annotations

import hashlib
import re
import sys
import textwrap
from pathlib import Path

WIDTH = 88


def student_seed(student_id: str) -> int:
    """A stable seed for a student: the same id always gets the same problems."""
    digest = hashlib.sha256(f"pagemig homework {student_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 100_000


def problems(chapter: int, seed: int, count: int | None = None) -> list:
    """The chapter's exercises for ``seed``; with ``count``, that many (after the
    chapter's own, its seeded exercises again for the next seeds)."""
    from widgets.exercises import chapter as chapter_exercises

    base = chapter_exercises(chapter)
    chosen = [ex.with_seed(seed) for ex in base]
    if count is None:
        return chosen
    if count < 1:
        raise ValueError("-n must be at least 1")
    seeded = [ex for ex in base if ex.seeded]
    extra = 1
    while len(chosen) < count and seeded:
        chosen += [ex.with_seed(seed + extra) for ex in seeded]
        extra += 1
    return chosen[:count]


def _wrap(text: str, indent: str = "   ") -> str:
    out = []
    for line in text.splitlines() or [""]:
        if line.startswith("  "):  # an event listing: keep it as it is
            out.append(indent + line)
        else:
            out.append(textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=indent))
    return "\n".join(out)


def format_sheet(chapter: int, exercises, seed: int, *, answers: bool, who: str = "") -> str:
    """The problems as text; with ``answers``, each followed by its answer and why."""
    head = f"pagemig homework: chapter {chapter}, seed {seed}"
    if who:
        head += f", for {who}"
    lines = [head, "=" * len(head), ""]
    for n, ex in enumerate(exercises, 1):
        tags = f"{ex.kind}, {ex.tier}" + (", capstone" if ex.capstone else "")
        lines.append(f"{n}. [{ex.key}, seed {ex.seed}; {tags}]")
        lines.append(_wrap(ex.text))
        fmt = ex.answer_format()
        if fmt:
            lines.append(_wrap("Answer with " + fmt))
        if answers:
            lines.append(_wrap(_answer_text(ex)))
        lines.append("")
    if not answers:
        lines.append(
            f"Answers: pagemig homework {chapter} -s {seed} -c (or check each answer in the "
            "notebook)."
        )
    return "\n".join(lines).rstrip() + "\n"


def _answer_text(ex) -> str:
    message = ex.reveal().message
    # "Exercise 3.2 (seed 3): the answer is ..." -> "Answer: the answer is ..."
    first, _, rest = message.partition("\n")
    first = re.sub(r"^.*?\(seed -?\d+\): ", "", first)
    text = "Answer: " + first
    return text + ("\n" + rest if rest else "")


def read_roster(path: Path) -> list[tuple[str, str]]:
    """[(student id, name)] from a roster file; clear errors for a bad one."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read the roster {path}: {exc.strerror}") from None
    students, seen = [], set()
    for n, line in enumerate(raw.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        sid, _, name = (part.strip() for part in line.partition(","))
        if not re.fullmatch(r"[A-Za-z0-9._@-]+", sid):
            raise ValueError(
                f"{path}:{n}: a student id is letters, digits and . _ @ - only, got {sid!r}"
            )
        if sid in seen:
            raise ValueError(f"{path}:{n}: student {sid} appears twice")
        seen.add(sid)
        students.append((sid, name))
    if not students:
        raise ValueError(f"the roster {path} lists no students")
    return students


def write_roster_sheets(chapter: int, roster: Path, out: Path, count: int | None = None):
    """One problem sheet per student and one answer key, in ``out``; their paths."""
    students = read_roster(roster)
    out.mkdir(parents=True, exist_ok=True)
    written, key = [], []
    for sid, name in students:
        seed = student_seed(sid)
        exs = problems(chapter, seed, count)
        who = f"{sid} ({name})" if name else sid
        sheet = out / f"ch{chapter:02d}-{sid}.txt"
        sheet.write_text(format_sheet(chapter, exs, seed, answers=False, who=who), "utf-8")
        written.append(sheet)
        key.append(format_sheet(chapter, exs, seed, answers=True, who=who))
    key_path = out / f"ch{chapter:02d}-answer-key.txt"
    key_path.write_text("\n\n".join(key), "utf-8")
    written.append(key_path)
    return written


def cmd_homework(args) -> int:
    """Print a chapter's problems (and answers), or write a class's sheets."""
    try:
        if args.roster is not None:
            out = Path(args.out or f"homework-ch{args.chapter:02d}")
            paths = write_roster_sheets(args.chapter, Path(args.roster), out, args.count)
            print(
                f"pagemig homework: wrote {len(paths) - 1} problem sheet(s) and the answer key "
                f"to {out}/ ({paths[-1].name})"
            )
            return 0
        exs = problems(args.chapter, args.seed, args.count)
        sys.stdout.write(format_sheet(args.chapter, exs, args.seed, answers=args.answers))
        return 0
    except (LookupError, ValueError) as exc:
        print(f"pagemig homework: {exc}", file=sys.stderr)
        return 2


def _add_arguments(sp) -> None:
    sp.add_argument("chapter", type=int, help="the chapter number (e.g. 3)")
    sp.add_argument("-s", "--seed", type=int, default=0, help="the problems' seed (default 0)")
    sp.add_argument("-n", "--count", type=int, default=None, help="how many problems")
    sp.add_argument("-c", "--answers", action="store_true", help="print the answers too")
    sp.add_argument("--roster", metavar="FILE", help="one student id a line: write sheets")
    sp.add_argument(
        "-o", "--out", metavar="DIR", help="where --roster writes (default homework-chNN/)"
    )


cmd_homework.add_arguments = _add_arguments
