"""Edits to plan files that touch only what they change, and atomic writes.

Progress entries are appended as text after the last byte of their file, so every existing
line stays byte for byte (`git diff` shows only added lines). Before anything is written the
new text is parsed back and must hold exactly the old entries followed by the new ones;
otherwise the edit is refused. Writes go to a temporary file in the same directory, are
flushed to disk, then renamed over the original, so a crash leaves the old file or the new
one, never half of either.

Every file apcli writes goes through `write_file`: only regular files are written (never a
device, FIFO or socket, never through or over a symbolic link; inside a plan, no directory on
the way may be a link either), each refusal and each OS error is one `WriteError` naming the
path and the reason. Commands that read, change and write plan files hold the plan's lock
(`plan_lock`, a `.apcli.lock` file in the plan directory) from the first read to the last write.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from .errors import ApcliError
from .source import MAX_FILE_BYTES, YamlProblem, YList, YMap, decode, parse_text, read_capped

MODELINE = "# yaml-language-server: $schema="
ENTRY_KEYS = ("ref", "date", "status", "completion", "evidence", "by", "note")  # what a form offers
FILE_KEYS = (*ENTRY_KEYS, "internal")  # what a progress file may hold; `internal` only when true

# Words YAML 1.1 readers (older editors and tools) take for booleans or null: always quoted.
_YAML11_WORDS = {"y", "yes", "n", "no", "on", "off", "true", "false", "null", "~"}
_PLAIN = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ0-9_.()/-]*")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


class EditError(ApcliError):
    """An edit that would not leave the file as intended; nothing was written."""


class WriteError(ApcliError):
    """A file that cannot or must not be written; nothing of it was written. `str()` is
    `path: reason`."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = str(path), reason


# ----------------------------------------------------------------------------- writing text


def scalar(value: str | None, plain: bool = True) -> str:
    """One YAML scalar: plain when it is a simple word that reads back as the same text,
    double-quoted otherwise (every character that could change meaning is escaped)."""
    if value is None:
        return "null"
    if plain and _PLAIN.fullmatch(value) and value.lower() not in _YAML11_WORDS:
        return value
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable() or ch in "\u2028\u2029\x85\ufeff":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render_entry(entry: dict[str, Any], indent: int = 0, newline: str = "\n") -> str:
    """A progress entry as a block-sequence item; keys in house order, null keys left out.

    Dates are quoted so that no YAML reader turns them into timestamps; free text is always
    quoted; ids and enum values are plain when they can be.
    """
    pad = " " * indent
    lines: list[str] = []
    for key in FILE_KEYS:
        value = entry.get(key)
        if value is None or value is False:
            continue
        text = "true" if value is True else scalar(value, plain=key in ("ref", "status", "completion", "by"))
        lines.append(f"{pad}{'- ' if not lines else '  '}{key}: {text}")
    return "".join(line + newline for line in lines)


def modeline(schema: str | None) -> str:
    return f"{MODELINE}{schema}\n" if schema else ""


def schema_ref(plan_root: Path, target_dir: Path) -> str | None:
    """The `$schema=` value for a new file in `target_dir`: the plan's own schema reference
    (read from plan.yaml's modeline) made relative to the new file's directory."""
    try:
        head = read_capped(plan_root / "plan.yaml")[:4096].decode("utf-8").splitlines()[:5]
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        head = []
    value = next((line.split("$schema=", 1)[1].strip() for line in head if MODELINE in line), None)
    if value is None:
        return None
    if re.match(r"[a-z][a-z0-9+.-]*://", value):
        return value
    try:
        schema = (plan_root / value).resolve()
        return Path(os.path.relpath(schema, target_dir.resolve())).as_posix()
    except (OSError, RuntimeError, ValueError):  # a symbolic link loop (RuntimeError before 3.13)
        return None


# ----------------------------------------------------------------------------- appending


def _parse(raw: bytes, name: str) -> Any:
    try:
        return parse_text(decode(raw, name))
    except YamlProblem as p:
        raise EditError(f"{name}:{p.line}:{p.col}: {p.message}; fix the file first (apcli check)") from None


def append_entries(path: Path, entries: list[dict[str, Any]], header: str = "") -> bytes:
    """The bytes of `path` with `entries` appended (the file is not written).

    A missing file starts with `header`. Raises EditError when the file is not a block list
    or when the result would not read back as the old entries followed by the new ones.
    """
    name = str(path)
    raw = read_existing(path)
    raw = header.encode("utf-8") if raw is None else raw
    old = _parse(raw, name)
    if old is not None and not isinstance(old, YList):
        raise EditError(f"{name}: expected a list of progress entries")
    if isinstance(old, YList) and _is_flow(raw, old):
        raise EditError(f"{name}: the entries are written as a flow list [...]; "
                        "write them as a block list (one `- ref: …` item each) first")
    newline = "\r\n" if b"\r\n" in raw else "\n"
    indent = old.start[1] - 1 if isinstance(old, YList) and old else 0
    text = "".join(render_entry(e, indent, newline) for e in entries)
    prefix = raw if not raw or raw.endswith(b"\n") else raw + newline.encode()
    new = prefix + text.encode("utf-8")
    _verify(new, name, list(old or []), entries)
    return new


def read_existing(path: Path) -> bytes | None:
    """The bytes of a plan file about to be changed (None: it does not exist yet), read as
    the loader reads: regular files only, at most the size cap."""
    try:
        raw = read_capped(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise EditError(f"{path}: cannot read: {os_reason(exc)}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise EditError(f"{path}: file is over the size limit ({MAX_FILE_BYTES:,} bytes)")
    return raw


def _is_flow(raw: bytes, seq: YList) -> bool:
    line, col = seq.start
    lines = raw.decode("utf-8-sig", errors="replace").splitlines()
    return lines[line - 1][col - 1:col] == "["


def _verify(new: bytes, name: str, old: list[Any], entries: list[dict[str, Any]]) -> None:
    try:
        data = parse_text(decode(new, name))
    except YamlProblem:
        data = None
    expected = [*old, *({k: v for k, v in e.items() if v is not None} for e in entries)]
    if not isinstance(data, YList) or [_plain(x) for x in data] != [_plain(x) for x in expected]:
        raise EditError(f"{name}: appending here would not read back as the old entries plus the new "
                        "ones; nothing written (write the entry by hand, or tidy the file with `apcli fmt`)")


def _plain(value: Any) -> Any:
    if isinstance(value, (YMap, dict)):
        return [(k, _plain(v)) for k, v in value.items()]
    if isinstance(value, (YList, list)):
        return [_plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- safe destinations


def os_reason(exc: BaseException) -> str:
    """The OS's words for an error ("No space left on device"), without errno or path."""
    if isinstance(exc, RuntimeError):  # Path.resolve on a symbolic link loop before Python 3.13
        return "symbolic link loop"
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_target(path: Path, root: Path | None = None) -> None:
    """Raise WriteError unless `path` may be written: absent or a regular file, and not a
    symbolic link. With `root` (a plan or progress directory that `path` lies in), no
    directory between `root` and `path` may be a link or anything but a directory, so a
    write never leaves the plan through a link. Nothing is opened: this runs before any write.
    """
    path = Path(path)
    steps = [path]
    if root is not None:
        try:
            os.stat(root)  # the root itself may be reached through a link (--plan LINK), not a loop
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            raise WriteError(root, os_reason(exc)) from None
        try:
            rel = path.relative_to(root)
        except ValueError:
            raise WriteError(path, f"is not inside {root}") from None
        if ".." in rel.parts or not rel.parts:
            raise WriteError(path, f"is not inside {root}")
        steps = [Path(root).joinpath(*rel.parts[:i]) for i in range(1, len(rel.parts) + 1)]
    for step in steps:
        try:
            mode = os.lstat(step).st_mode
        except FileNotFoundError:
            return  # it and everything below it will be created
        except (OSError, ValueError) as exc:
            raise WriteError(step, os_reason(exc)) from None
        if stat.S_ISLNK(mode):
            raise WriteError(step, "is a symbolic link; apcli never writes through a link or replaces one")
        if step != path and not stat.S_ISDIR(mode):
            raise WriteError(step, "is not a directory")
        if step == path and not stat.S_ISREG(mode):
            raise WriteError(step, f"is {_kind(mode)}; apcli writes only regular files")


def write_file(path: Path, data: bytes, root: Path | None = None) -> None:
    """Every write of apcli: `check_target`, then `write_atomic`; any failure is one WriteError
    naming the path and the reason, and leaves no part of the new file behind."""
    check_target(path, root)
    try:
        write_atomic(path, data)
    except (OSError, ValueError, RuntimeError) as exc:
        where = getattr(exc, "filename", None)
        where = where if isinstance(where, str) and where and not os.path.basename(where).endswith(".tmp") else path
        raise WriteError(where, f"cannot write: {os_reason(exc)}") from None


# ----------------------------------------------------------------------------- atomic writes

_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # what write_atomic names its temporary files


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: temp file in the same directory, fsync, rename."""
    path = Path(path)
    created = _make_parents(path.parent)
    try:
        try:
            old = path.stat()
            mode, owner = old.st_mode & 0o7777, (old.st_uid, old.st_gid)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode, owner = 0o666 & ~umask, None
        # Dot-prefixed and ending in .tmp, so no loader takes it for a plan file; the name is
        # clipped so the temporary name stays within the file system's limit when `path`'s does.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
            _keep_owner(tmp, owner)
            os.replace(tmp, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    except BaseException:
        for directory in reversed(created):  # folders made for the file go with it
            try:
                os.rmdir(directory)
            except OSError:
                break
        raise
    _fsync_dir(path.parent)


def _keep_owner(tmp: str, owner: tuple[int, int] | None) -> None:
    """Run as root (a CI job, sudo), a rewritten file keeps its owner instead of becoming root's."""
    if owner is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    try:
        if (os.stat(tmp).st_uid, os.stat(tmp).st_gid) != owner:
            os.chown(tmp, *owner)
    except OSError:
        pass


def _make_parents(directory: Path) -> list[Path]:
    """`mkdir -p directory`; returns the folders it made, outermost first."""
    missing = []
    while not os.path.isdir(directory) and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise
    return missing[::-1]


def sweep_temp_files(directory: Path) -> list[Path]:
    """Remove the temporary files an interrupted write (a kill, a power cut) left in
    `directory`. Call it only while holding the plan's lock: then no apcli is writing there."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if _TEMP.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- the plan's lock

LOCK_NAME = ".apcli.lock"
LOCK_TIMEOUT = 60.0  # seconds a writer waits for another to finish


def lock_root(path: Path) -> Path:
    """The directory whose lock guards `path`: the nearest directory holding plan.yaml (or an
    existing lock, as a progress directory outside a plan does), else the directory itself."""
    path = Path(path)
    start = path if os.path.isdir(path) else path.parent
    try:
        candidates = [start, *start.resolve().parents]
    except (OSError, RuntimeError):
        return start
    for directory in candidates:
        if os.path.isfile(directory / "plan.yaml") or os.path.lexists(directory / LOCK_NAME):
            return directory
    return start


@contextmanager
def plan_lock(roots: Iterable[Path], timeout: float | None = None,
              on_wait: Callable[[Path], None] | None = None) -> Iterator[None]:
    """Hold the lock of each directory in `roots` (the same lock every writing apcli takes)
    for the duration of the block. Raises WriteError when a lock cannot be had in `timeout`
    seconds or its file cannot be created; `on_wait(lock file)` is called before waiting."""
    from filelock import FileLock, Timeout

    timeout = LOCK_TIMEOUT if timeout is None else timeout
    unique: dict[str, Path] = {}
    for root in roots:
        if not os.path.isdir(root):
            continue  # nothing there to write to yet; the command reports it
        try:
            unique.setdefault(str(Path(root).resolve()), Path(root))
        except (OSError, RuntimeError) as exc:
            raise WriteError(root, os_reason(exc)) from None
    with ExitStack() as stack:
        for key in sorted(unique):  # one order for every process: no deadlock
            lock_file = unique[key] / LOCK_NAME
            try:
                mode = os.lstat(lock_file).st_mode
            except FileNotFoundError:
                mode = None
            except OSError as exc:
                raise WriteError(lock_file, f"cannot lock: {os_reason(exc)}") from None
            if mode is not None and not stat.S_ISREG(mode):
                raise WriteError(lock_file, f"is {'a symbolic link' if stat.S_ISLNK(mode) else _kind(mode)}; "
                                 "remove it (apcli keeps its lock in a regular file of that name)")
            lock = FileLock(str(Path(key) / LOCK_NAME))
            try:
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    if on_wait:
                        on_wait(lock_file)
                    lock.acquire(timeout=timeout)
            except Timeout:
                raise WriteError(lock_file, f"another apcli command is writing to {unique[key]}; "
                                 f"gave up after {timeout:g} s (try again when it has finished)") from None
            except OSError as exc:
                raise WriteError(lock_file, f"cannot lock: {os_reason(exc)}") from None
            stack.callback(lock.release)
        yield
