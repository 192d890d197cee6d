"""Fuzz the file policy: random hostile trees for input, template and output folders.

    python benchmarks/fuzz_files.py                 # 10,000 cases
    python benchmarks/fuzz_files.py --cases 500 --seed 7

Each case makes, in a fresh temporary folder, an input folder of `.scn` files, sometimes a
template folder and an output folder, then plants random trouble in them: symbolic links inside,
outside (into a sentinel folder), dangling, looping and self-referencing; FIFOs and sockets named
like scenarios, templates and pages; files replaced by folders and folders by files; unreadable
modes; hostile manifests; leftovers of killed builds; an output path that is a file, a loop, a
broken link or runs through a file. Then one command runs on it in this process:

- `check` and `fmt` (and `fmt --check`) through `scendsl.cli.main`;
- the build's file stage: `check_output_folder`, then `write_output` (or `out_of_date`) with
  pages rendered once at start-up (what `scendsl build` does after rendering);
- one case in 50: a whole `scendsl build` through `scendsl.cli.main`, with `--templates` half
  the time.

The contract: no internal error (a traceback or "internal error"), no hang (each case runs under
a 10 s alarm: opening a FIFO would block), no write outside the folders named on the command
line (the sentinel folder's files, modes and mtimes are hashed before and after every case, and
so is the template folder, which is only read; the case folder may gain nothing but the output) and
no temporary folder left beside the output. Prints `fuzz_fs_cases N`, `fuzz_fs_internal_errors
N`, `fuzz_fs_outside_writes N`, `fuzz_fs_hangs N`, `fuzz_fs_leftovers N` and the rate; the
first failures are described on stderr. Every case derives from (seed, index) alone.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import io
import os
import random
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SCENDSL_JOBS", "1")  # no worker processes: one case at a time
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from scendsl.cli import main as cli_main  # noqa: E402
from scendsl.errors import ScenarioError  # noqa: E402
from scendsl.files import check_output_folder, out_of_date, write_output  # noqa: E402

HEADER = (
    'scenario {name} {{\n  title "T"\n  year 2026\n  region US\n'
    "  cluster {{\n    accelerator H100\n    count 8\n  }}\n}}\n"
)
UNFORMATTED = (
    'scenario   {name} {{\n title "T"\n year 2026\n region US\n'
    " cluster {{ accelerator H100\n count 8 }}\n}}\n"
)
TIMEOUT = 10
PAGES = ("index.md", "index.html", "risk.md", "energy.html")


#: How each command ended ("build ok", "fmt refused", ...): a fuzzer that only ever meets
#: refusals would test little.
OUTCOMES: collections.Counter = collections.Counter()


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


# --------------------------------------------------------------------------- the sentinel
def make_sentinel(folder: Path) -> None:
    """Files outside every named folder, which links in the cases point at."""
    folder.mkdir()
    (folder / "victim.html").write_text("<p>victim</p>\n")
    (folder / "victim.sh").write_text("#!/bin/sh\n")
    os.chmod(folder / "victim.sh", 0o640)
    (folder / "secret.scn").write_text(UNFORMATTED.format(name="secret"))
    (folder / "secret.md.j2").write_text("secret {{ 1 }}\n")
    (folder / "dir").mkdir()
    (folder / "dir" / "inner.scn").write_text(UNFORMATTED.format(name="inner"))
    (folder / "dir" / "index.md").write_text("outside\n")


def fingerprint(folder: Path) -> dict[str, tuple]:
    state = {}
    for base, folders, names in os.walk(folder):
        for name in sorted(folders + names):
            path = os.path.join(base, name)
            info = os.lstat(path)
            digest = ""
            if stat.S_ISREG(info.st_mode):
                try:
                    with open(path, "rb") as handle:
                        digest = hashlib.sha256(handle.read()).hexdigest()
                except OSError:
                    digest = "unreadable"  # its mode and mtime still tell a write
            state[path] = (info.st_mode, info.st_mtime_ns, info.st_size, digest)
    return state


# ------------------------------------------------------------------------------ random trees
def _link(rng: random.Random, path: Path, sentinel: Path, inside: list[Path]) -> None:
    choice = rng.randrange(7)
    if choice == 0:
        target: str | Path = sentinel / rng.choice(
            ["victim.html", "secret.scn", "dir", "victim.sh"]
        )
    elif choice == 1:
        target = os.path.relpath(
            sentinel / rng.choice(["secret.scn", "dir", "victim.html"]), path.parent
        )
    elif choice == 2 and inside:
        target = os.path.relpath(rng.choice(inside), path.parent)
    elif choice == 3:
        target = path.name  # itself: a loop
    elif choice == 4:
        target = "missing-" + str(rng.randrange(100))
    elif choice == 5:
        target = ".."  # the parent folder
    else:
        target = "/dev/null" if rng.random() < 0.5 else "/proc/self/environ"
    with contextlib.suppress(OSError):
        os.symlink(target, path)


def _special(rng: random.Random, path: Path) -> None:
    with contextlib.suppress(OSError):
        if rng.random() < 0.7:
            os.mkfifo(path)
        elif len(os.fsencode(path)) < 100:
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(path))
            server.close()


def _put(path: Path, text: str) -> None:
    """A new file, never through a link nor into a FIFO (the fuzzer keeps its own rules)."""
    descriptor = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644
    )
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def trouble(rng: random.Random, folder: Path, names: list[str], sentinel: Path) -> None:
    """Plant 1-4 random problems in `folder`, with file names from `names`."""
    try:
        inside = [p for p in folder.rglob("*") if not p.is_symlink()] if folder.is_dir() else []
    except OSError:
        inside = []
    for _ in range(rng.randint(1, 4)):
        try:  # an earlier problem (a folder made unreadable) may stop the next: that is fine
            _one_trouble(rng, folder, names, sentinel, inside)
        except OSError:
            pass


def _one_trouble(
    rng: random.Random, folder: Path, names: list[str], sentinel: Path, inside: list[Path]
) -> None:
    if not folder.is_dir() or folder.is_symlink():
        return
    sub = folder
    if rng.random() < 0.3:
        sub = folder / rng.choice(["sub", "deep/er", "x.scn"])
        with contextlib.suppress(OSError):
            sub.mkdir(parents=True, exist_ok=True)
        if not sub.is_dir() or sub.is_symlink():
            sub = folder
    path = sub / rng.choice(names)
    if os.path.realpath(path.parent) != str(path.parent.absolute()):
        return  # a link in the way: the fuzzer itself must not write through it
    kind = rng.randrange(8)
    with contextlib.suppress(OSError):
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        if kind <= 2:
            _link(rng, path, sentinel, inside)
        elif kind == 3:
            _special(rng, path)
        elif kind == 4:
            path.mkdir()  # a folder where a file belongs
            _put(path / "a.scn", HEADER.format(name="in_folder"))
        elif kind == 5:
            _put(path, rng.choice(["", "\0\0", "scenario {", "index.md\n../x.md\n"]))
            os.chmod(path, rng.choice([0, 0o200, 0o444]))
        elif kind == 6:
            _link(rng, folder / rng.choice(["sub", "linked", "up"]), sentinel, inside)
        else:
            os.chmod(sub, rng.choice([0, 0o111, 0o333, 0o555]))


def make_case(rng: random.Random, case: Path, sentinel: Path, pages: dict[str, bytes]) -> dict:
    case.mkdir()
    scenarios = case / "in"
    scenarios.mkdir()
    for index in range(rng.randint(1, 3)):
        text = (HEADER if rng.random() < 0.5 else UNFORMATTED).format(name=f"s{index}")
        (scenarios / f"s{index}.scn").write_text(text)
    if rng.random() < 0.6:
        trouble(
            rng,
            scenarios,
            ["a.scn", "b.scn", "s0.scn", "pipe.scn", "link.scn", "notes.txt"],
            sentinel,
        )
    templates = None
    if rng.random() < 0.3:
        templates = case / "tpl"
        shutil.copytree(ROOT / "templates", templates)
        trouble(
            rng,
            templates,
            ["index.md.j2", "risk.md.j2", "page.html.j2", "_macros.md.j2", "extra.md.j2"],
            sentinel,
        )
    out = case / "out"
    shape = rng.randrange(10)
    if shape <= 5:  # an earlier build's folder
        out.mkdir()
        for name, content in pages.items():
            (out / name).write_bytes(content)
        (out / ".scendsl-manifest").write_text(
            "# earlier\n"
            + "".join(f"{n}\n" for n in pages)
            + rng.choice(["", "gone.md\n", "../x.md\n"])
        )
        (out / "README.md").write_text("the user's\n")
        trouble(rng, out, [*PAGES, ".scendsl-manifest", "gone.md", "README.md", "assets"], sentinel)
        if rng.random() < 0.2:
            (case / f".out.new-planted{rng.randrange(1000)}").mkdir()
    elif shape == 6:
        out.write_text("a file\n")
    elif shape == 7:
        _link(rng, out, sentinel, [])
        if out.is_symlink() and os.path.realpath(out).startswith(str(sentinel)):
            out.unlink()  # `-o` naming a folder outside is consent: keep the sentinel clean
            os.symlink("out", out)
    elif shape == 8:
        (case / "afile").write_text("x")
        out = case / "afile" / "out"
    # shape 9: no output folder yet
    return {"in": scenarios, "tpl": templates, "out": out}


# --------------------------------------------------------------------------------- running
def run_case(rng: random.Random, tree: dict, pages: dict[str, bytes]) -> str | None:
    """Run one command on the tree; a description of an internal error, else None."""
    command = (
        "build"
        if rng.random() < 0.02
        else rng.choice(["check", "fmt", "fmt-check", "write", "write", "out-of-date"])
    )
    if command in ("write", "out-of-date"):
        try:
            check_output_folder(str(tree["out"]), [str(tree["in"])])
            if command == "write":
                write_output(pages, Path(tree["out"]))
            else:
                out_of_date(pages, Path(tree["out"]))
        except ScenarioError as error:
            for diagnostic in error.diagnostics:
                diagnostic.render()
            OUTCOMES[f"{command} refused"] += 1
            return None
        except Hang:
            raise
        except BaseException:
            return f"{command}: {traceback.format_exc()}"
        OUTCOMES[f"{command} ok"] += 1
        return None
    argv = {
        "check": ["check", str(tree["in"])],
        "fmt": ["fmt", str(tree["in"])],
        "fmt-check": ["fmt", "--check", str(tree["in"])],
        "build": [
            "build",
            str(tree["in"]),
            "-o",
            str(tree["out"]),
            "--samples",
            "0",
            *(["--templates", str(tree["tpl"])] if tree["tpl"] else []),
        ],
    }[command]
    err, out = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = cli_main(argv)
    except Hang:
        raise
    except BaseException:
        return f"{' '.join(argv)}: {traceback.format_exc()}"
    text = err.getvalue()
    OUTCOMES[f"{command} {'ok' if code == 0 else 'refused'}"] += 1
    if "internal error" in text or "Traceback" in text or code not in (0, 1):
        return f"{' '.join(argv)} -> {code}: {text[-2000:]}"
    return None


def _beside(case: Path, tree: dict) -> tuple:
    """What no command may change in a case: the template folder (read only) and the case
    folder's other entries (the output folder and the build's temporary folders aside)."""
    names = sorted(
        n for n in os.listdir(case) if n != "out" and ".out.new-" not in n and ".out.old-" not in n
    )
    templates = fingerprint(tree["tpl"]) if tree["tpl"] is not None else {}
    return names, templates


def _unlock(folder: Path) -> None:
    """Make every folder of a case removable again (modes were made hostile on purpose)."""
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o755)
    for base, folders, _ in os.walk(folder):  # each folder is opened after its parent's chmod
        for name in folders:
            path = os.path.join(base, name)
            if not os.path.islink(path):  # never change a mode through a link
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o755)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o755)


def run(cases: int, seed: int) -> dict:
    """Run `cases` cases from `seed`; counts of cases, internal errors, outside writes, hangs."""
    from scendsl.app.build import render_files

    rendered = render_files(
        [str(ROOT / "tests" / "fixtures" / "sketch" / "language-sketch.scn")], samples=0
    )
    # The pages the cases name, and a few more: the policy is the same for 36 files or 6, and
    # every file written is synced to disk.
    pages = {name: rendered[name] for name in [*PAGES, *sorted(rendered)[:2]]}
    totals = {
        "cases": 0,
        "internal_errors": 0,
        "outside_writes": 0,
        "hangs": 0,
        "leftovers": 0,
        "failures": [],
    }
    previous = signal.signal(signal.SIGALRM, _alarm)
    cwd = os.getcwd()
    # In memory where the system offers it: the cases make and remove ~100 entries each.
    memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="scendsl-fuzz-fs-", dir=memory) as work:
        top = Path(work)
        sentinel = top / "sentinel"
        make_sentinel(sentinel)
        before = fingerprint(sentinel)
        os.chdir(top)
        try:
            for index in range(cases):
                rng = random.Random(f"{seed}:{index}")
                case = top / f"case{index}"
                signal.alarm(TIMEOUT)
                try:
                    tree = make_case(rng, case, sentinel, pages)
                    beside = _beside(case, tree)
                    problem = run_case(rng, tree, pages)
                except Hang:
                    totals["hangs"] += 1
                    problem = "hang"
                finally:
                    signal.alarm(0)
                totals["cases"] += 1
                if problem is not None and problem != "hang":
                    totals["internal_errors"] += 1
                if problem is not None:
                    totals["failures"].append((index, problem))
                changed_beside = _beside(case, tree) != beside
                if changed_beside:
                    totals["outside_writes"] += 1
                    totals["failures"].append((index, "written beside the named folders"))
                after = fingerprint(sentinel)
                if after != before:
                    totals["outside_writes"] += 1
                    changed = sorted(set(after.items()) ^ set(before.items()))
                    totals["failures"].append((index, f"outside write: {changed[:3]}"))
                    shutil.rmtree(sentinel)
                    make_sentinel(sentinel)
                    before = fingerprint(sentinel)
                stray = [
                    p.name
                    for p in case.iterdir()
                    if (".new-" in p.name or ".old-" in p.name) and "planted" not in p.name
                ]
                if stray and problem is None:
                    totals["leftovers"] += 1
                    totals["failures"].append((index, f"left beside the output: {stray}"))
                _unlock(case)
                shutil.rmtree(case, ignore_errors=True)
        finally:
            os.chdir(cwd)
            signal.signal(signal.SIGALRM, previous)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    totals = run(args.cases, args.seed)
    wall = time.perf_counter() - began
    print(f"fuzz_fs_cases {totals['cases']} count")
    print(f"fuzz_fs_internal_errors {totals['internal_errors']} count")
    print(f"fuzz_fs_outside_writes {totals['outside_writes']} count")
    print(f"fuzz_fs_hangs {totals['hangs']} count")
    print(f"fuzz_fs_leftovers {totals['leftovers']} count")
    print(f"fuzz_fs_rate {totals['cases'] / wall:.4g} cases/s")
    for index, problem in totals["failures"][:10]:
        print(f"# case {index}: {problem}", file=sys.stderr)
    print("# " + ", ".join(f"{key}: {n}" for key, n in sorted(OUTCOMES.items())), file=sys.stderr)
    print(f"# seed {args.seed}, {wall:.0f} s", file=sys.stderr)
    bad = totals["internal_errors"] + totals["outside_writes"] + totals["hangs"]
    return 1 if bad or totals["leftovers"] else 0


if __name__ == "__main__":
    sys.exit(main())
