"""The two sides of `apcli diff`: a plan directory, the working tree, or the plan as it was at
a git revision.

A revision is read with the `git` command line only (`rev-parse`, `ls-tree`, `cat-file`) and
materialised into a temporary directory that lives as long as the `open_plan` context;
nothing is checked out and the working tree is never touched.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

from .diagnostics import Diagnostic
from .errors import ApcliError, InvalidArgument, PlanInvalid
from .loader import PLAN_FILE
from .plan import Plan
from .source import MAX_FILE_BYTES


class SideError(InvalidArgument):
    """A side that names nothing comparable: no plan directory, no revision, no git."""


class RevisionUnreadable(ApcliError):
    """A revision git cannot give whole (a partial clone, a damaged repository)."""


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise SideError("git is not installed; pass plan directories instead of revisions") from None


def repo_root(start: Path) -> Path | None:
    while not start.is_dir():
        start = start.parent
    result = _git(["rev-parse", "--show-toplevel"], start)
    return Path(result.stdout.decode().strip()).resolve() if result.returncode == 0 else None


def resolve_commit(repo: Path, rev: str) -> str | None:
    """The commit a revision names, or None; options (`-x`) are never passed through."""
    if not rev or rev.startswith("-"):
        return None
    result = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo)
    return result.stdout.decode().strip() if result.returncode == 0 else None


def materialise(repo: Path, commit: str, subdir: str, dest: Path) -> int:
    """Write every file under `subdir` at `commit` into `dest`; returns how many."""
    prefix = f"{subdir}/" if subdir else ""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *([prefix] if prefix else [])], repo)
    if listing.returncode != 0:
        raise SideError(f"git ls-tree failed: {listing.stderr.decode(errors='replace').strip()}")
    blobs = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        rel = PurePosixPath(os.fsdecode(path))
        if kind != "blob" or mode == "120000" or (prefix and not str(rel).startswith(prefix)):
            continue  # symlinks and submodules are not plan data
        rel = rel.relative_to(subdir) if subdir else rel
        if ".." in rel.parts:
            continue
        blobs.append((sha, rel))
    if not blobs:
        return 0
    found = _sizes(repo, [sha for sha, _ in blobs])
    for sha, rel in blobs:
        if found.get(sha) is None:
            where = f"{subdir}/{rel.as_posix()}" if subdir else rel.as_posix()
            raise RevisionUnreadable(f"git object {sha} ({where} at {commit[:7]}) is missing from the repository "
                            "(a partial clone, or a damaged repository: `git fsck` tells); fetch it or compare "
                            "plan directories instead")
    sizes = {sha: size for sha, size in found.items() if size is not None}
    wanted = []
    for sha, rel in blobs:
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if sizes[sha] > MAX_FILE_BYTES:
            # Never materialised: a sparse file of the blob's size, which the loader refuses
            # (file-too-large) exactly as it refuses such a file in the working tree.
            with open(target, "wb") as handle:
                handle.truncate(sizes[sha])
        else:
            wanted.append((sha, target))
    _write_blobs(repo, wanted, sizes)
    return len(blobs)


def _sizes(repo: Path, shas: list[str]) -> dict[str, int | None]:
    """Each object's size from `git cat-file --batch-check` (None: missing from the repository)."""
    check = _git(["cat-file", "--batch-check"], repo, stdin="".join(f"{sha}\n" for sha in shas).encode())
    if check.returncode != 0:
        raise SideError(f"git cat-file failed: {check.stderr.decode(errors='replace').strip()}")
    sizes: dict[str, int | None] = {}
    for line in check.stdout.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            sizes[parts[0]] = int(parts[2])
        elif parts:
            sizes[parts[0]] = None
    return sizes


def _write_blobs(repo: Path, wanted: list[tuple[str, Path]], sizes: dict[str, int]) -> None:
    """Copy each blob to its file, one at a time (no more than one blob in memory)."""
    if not wanted:
        return
    try:
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        raise SideError("git is not installed; pass plan directories instead of revisions") from None
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None and stdout is not None  # both are pipes
    try:
        for sha, target in wanted:
            stdin.write(f"{sha}\n".encode())
            stdin.flush()
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob" or int(header[2]) != sizes[sha]:
                raise RevisionUnreadable(f"git cat-file gave no blob {sha} (a damaged repository? `git fsck` tells)")
            body = stdout.read(sizes[sha] + 1)
            if len(body) != sizes[sha] + 1:
                raise RevisionUnreadable(f"git cat-file stopped while reading blob {sha}")
            target.write_bytes(body[:-1])
    except (BrokenPipeError, ValueError):
        raise RevisionUnreadable("git cat-file stopped while reading the revision") from None
    finally:
        with suppress(OSError):
            stdin.close()
        stdout.close()
        proc.wait()


def _plan_in(directory: Path) -> Path | None:
    for candidate in (directory, directory / "plan"):
        if (candidate / PLAN_FILE).is_file():
            return candidate
    return None


@contextmanager
def open_plan(spec: str | None, plan_dir: Path) -> Iterator[tuple[Plan, str]]:
    """(plan, label) for a side: None → `plan_dir` as it is on disk; a directory holding a
    plan (or a checkout with `plan/`); else a git revision of the repository `plan_dir` is in,
    read at the same path inside it.
    """
    if spec is None:
        yield _load(plan_dir, "working tree"), "working tree"
        return
    directory = _plan_in(Path(spec)) if Path(spec).is_dir() else None
    if directory is not None:
        yield _load(directory, spec), spec
        return
    repo = repo_root(plan_dir.resolve()) or repo_root(Path.cwd())
    if repo is None:
        raise SideError(f"{spec!r} is not a plan directory, and {plan_dir} is not inside a git repository "
                        "to read a revision from")
    commit = resolve_commit(repo, spec)
    if commit is None:
        raise SideError(f"unknown revision {spec!r} (and no plan directory by that name); give a branch, "
                        "tag or commit such as main, origin/main or HEAD~1 (a shallow clone may lack it: "
                        "fetch the history, e.g. actions/checkout with fetch-depth: 0)")
    try:
        subdir = plan_dir.resolve().relative_to(repo).as_posix()
    except ValueError:
        raise SideError(f"the plan directory {plan_dir} is outside the git repository {repo}; "
                        "pass --plan with the plan's path inside the repository") from None
    subdir = "" if subdir == "." else subdir
    label = commit[:7] if commit.startswith(spec.lower()) else f"{spec} ({commit[:7]})"
    with tempfile.TemporaryDirectory(prefix="apcli-diff-") as tmp:
        if materialise(repo, commit, subdir, Path(tmp)) == 0 or not (Path(tmp) / PLAN_FILE).is_file():
            raise SideError(f"no plan at {subdir or '.'}/{PLAN_FILE} in revision {spec}")
        yield _load(Path(tmp), label, f"{spec}:{subdir}" if subdir else f"{spec}:"), label


def _load(directory: Path, name: str, git_prefix: str | None = None) -> Plan:
    """Load one side; schema errors make it unusable for a diff (cross-file findings do not)."""
    from .app import open_plan

    try:
        return open_plan(directory, require="valid")
    except PlanInvalid as exc:
        shown = [_relabel(d, directory, git_prefix) if git_prefix else d for d in exc.diagnostics]
        raise PlanInvalid(shown, f"the plan at {name} has errors; fix them (apcli check) before comparing") from None


def _relabel(d: Diagnostic, directory: Path, prefix: str) -> Diagnostic:
    """Temporary paths mean nothing to a reader: show `REV:plan/file.yaml` instead."""
    file = Path(d.file)
    try:
        rel = (file if file.is_absolute() else Path.cwd() / file).resolve().relative_to(directory.resolve())
    except ValueError:
        return d
    joined = f"{prefix}{rel.as_posix()}" if prefix.endswith(":") else f"{prefix}/{rel.as_posix()}"
    return Diagnostic(joined, d.line, d.col, d.severity, d.code, d.message)
