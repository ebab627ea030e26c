"""A cache of what was made from each plan file, keyed by the file's content hash, so an
unchanged file is neither parsed nor validated nor built again (a warm query imports neither the
YAML parser nor pydantic).

Two kinds of entry. A *built* entry holds the records the loader built from a clean file (valid
as its kind, no hidden characters): the domain's records, and for a pillar its activity records
with their deadlines read, pickled (see "built entries" below). A *tree* entry holds the plain
tree `source.parse_text` built (values and positions) in `marshal`'s format, for content that is
not clean, which the loader then validates again and reports on, as if it had just been parsed.
A key is the SHA-256 of the file's bytes and of the parser's own code (a built entry's name adds
the kind and the code that validates and builds), so an edited file or upgraded code is never
served from an old entry. Entries live in `$XDG_CACHE_HOME/apcli` (else `~/.cache/apcli`);
`APCLI_CACHE=off` turns the cache off. A missing, unwritable or corrupt cache is only ever a
miss: each entry carries the SHA-256 of its payload and anything unexpected is ignored. An
entry is written the second time the same content is read (the first leaves a marker). The
cache trusts whoever can write its directory as far as Python trusts its own `__pycache__`
(which is marshal too): the directory is the user's, its files are created 0600, and unpickling
makes nothing but apcli's own records and dates.
"""

from __future__ import annotations

import _pickle  # the C unpickler itself: `pickle`'s Python half costs ~1.5 ms of every start
import hashlib
import io
import marshal
import os
import sys
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any

from . import source
from .diagnostics import Diagnostic
from .record import Record, restore
from .source import MAX_FILE_BYTES, SourceFile, YList, YMap, read_capped

HEADER = b"apcli-parse-cache 2 "  # then the payload's SHA-256, a newline, the payload
BUILT_HEADER = b"apcli-built 1 "  # the same, for a built entry
# Files (entries and the empty markers of content read once): the oldest go beyond this. A tree
# entry is ~1.4× its file.
MAX_ENTRIES = 16384


def cache_dir() -> Path | None:
    if os.environ.get("APCLI_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apcli"


class Content:
    """One plan file's bytes as the cache knows them: their key, what was built from them before
    (`built`), their parsed tree (`read`), and what to keep of this read (`remember`)."""

    __slots__ = ("directory", "key", "name", "path", "raw", "tree")

    def __init__(self, path: Path | str, display: str | None = None) -> None:
        self.path, self.name = path, display or str(path)
        self.directory = cache_dir()
        self.raw: bytes | None = None
        self.key: str | None = None
        self.tree: YMap | YList | None = None
        if self.directory is None:
            return
        try:
            self.raw = read_capped(path)
        except (OSError, ValueError):
            return  # a problem `source.read_file` reports
        if len(self.raw) <= MAX_FILE_BYTES:
            self.key = hashlib.sha256(_fingerprint() + self.raw).hexdigest()

    def built(self, kind: str) -> Any:
        """What was built from this content as `kind` when it was last read clean; None if nothing."""
        if self.key is None or self.directory is None:
            return None
        return _load_built(self.directory / f"{_built_name(self.key, kind)}.built")

    def read(self) -> tuple[SourceFile | None, list[Diagnostic]]:
        """`source.read_file`, served from a tree entry when this content was parsed before."""
        if self.key is None or self.directory is None or self.raw is None:
            return source.read_file(self.path, self.name)
        data = _lookup(self.directory, self.key)
        if data is not _MISS:
            raw = self.raw
            text = (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")
            self.tree = data
            return SourceFile(self.name, text, data), []
        parsed, problems = source.read_bytes(self.raw, self.name)
        if parsed is not None and isinstance(parsed.data, (YMap, YList)):
            self.tree = parsed.data
        return parsed, problems

    def remember(self, kind: str, built: object | None) -> None:
        """After a read (`read`): `built`, what the loader built when the content is clean (valid
        as `kind`, no hidden characters), else None. The second read of the same content keeps
        it, as a built entry, or else as a tree entry: keeping costs up to half a parse, and
        content read once (a fresh CI runner, a file being edited) would never be read back."""
        if self.key is None or self.directory is None or (built is None and self.tree is None):
            return
        directory, seen = self.directory, self.directory / f"{self.key}.seen"
        try:
            if not seen.exists():
                os.close(_create(directory, seen.name))
                if self.key[0] == "0":  # one content in 16 looks at the directory's size
                    _prune(directory)
                return
            if built is not None:
                _store_built(directory, _built_name(self.key, kind), built)
            elif self.tree is not None:
                _store(directory, self.key, self.tree)
            seen.unlink()
        except Exception:  # an unwritable cache only costs the next run a parse
            pass


# ----------------------------------------------------------------------------- built entries
#
# An entry `<hash>.built` holds what the loader built from one clean content as one kind of file
# (the domain's records; for a pillar its activity records too, deadlines read), pickled. Its
# name's hash covers the content's key, the kind (with what the records depend on besides the
# content: the file's name, the plan's period) and the code that validates and builds them
# (`_built_fingerprint`), so a changed model or builder never serves an old entry. Unpickling
# may make only apcli's records and dates (`_Unpickler`): an entry cannot name any other
# function or class to call.


def _built_name(key: str, kind: str) -> str:
    # a name may hold any bytes but NUL (surrogate escapes): kept as they are
    return hashlib.sha256(_built_fingerprint() + f"{key}\0{kind}".encode("utf-8", "surrogatepass")).hexdigest()


class _Unpickler(_pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name == "date":
            return date
        if module == "ap_cli.record" and name == "restore":
            return restore
        found = getattr(sys.modules.get(module), name, None) if module.startswith("ap_cli.") else None
        if isinstance(found, type) and issubclass(found, Record):
            return found
        raise _pickle.UnpicklingError(f"{module}.{name} is not one of apcli's records")


def _load_built(path: Path) -> Any:
    try:
        blob = path.read_bytes()
        header, _, payload = blob.partition(b"\n")
        if header != BUILT_HEADER + hashlib.sha256(payload).hexdigest().encode("ascii"):
            return None
        return _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # any damage at all is a miss, never an error
        return None


def _store_built(directory: Path, name: str, built: object) -> None:
    import pickle

    payload = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
    _write(directory, f"{name}.built", BUILT_HEADER + hashlib.sha256(payload).hexdigest().encode("ascii")
           + b"\n" + payload)


_BUILT_FINGERPRINT: list[bytes] = []
# The modules whose code decides what is built from a file: validation, the records, the
# builders, and what a record derives when it is made (deadlines, refs, bodies).
_BUILDERS = ("model.py", "domain.py", "record.py", "plan.py", "periods.py", "refs.py", "institutions.py",
             "loader.py", "cache.py")


def _built_fingerprint() -> bytes:
    """What a built entry depends on besides its content: the code that validated and built it,
    pydantic (by the installed files' sizes and times, as the parser's), and Python's version."""
    if not _BUILT_FINGERPRINT:
        here = Path(__file__).parent
        parts = [b"built", sys.version.encode(), *((here / name).read_bytes() for name in _BUILDERS)]
        parts += [_installed("pydantic"), _installed("pydantic_core")]
        _BUILT_FINGERPRINT.append(hashlib.sha256(b"\0".join(parts)).digest())
    return _BUILT_FINGERPRINT[0]


def _create(directory: Path, name: str, flags: int = os.O_WRONLY | os.O_CREAT) -> int:
    """`os.open` of a 0600 file in the cache, making the directory on first use."""
    try:
        return os.open(directory / name, flags, 0o600)
    except FileNotFoundError:
        directory.mkdir(parents=True, exist_ok=True)
        return os.open(directory / name, flags, 0o600)


def _installed(module: str) -> bytes:
    from importlib.util import find_spec

    try:
        spec = find_spec(module)
        origin = spec.origin if spec else None
        if origin is None:
            return module.encode()
        stat = os.stat(origin)
        return f"{origin}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    except Exception:
        return module.encode()


# ----------------------------------------------------------------------------- entries

_MISS = object()


def _lookup(directory: Path, key: str) -> Any:
    try:
        blob = (directory / f"{key}.entry").read_bytes()
        header, _, payload = blob.partition(b"\n")
        if header != HEADER + hashlib.sha256(payload).hexdigest().encode("ascii"):
            return _MISS
        tree = marshal.loads(payload)
        return _decode(tree) if type(tree) is tuple else _MISS
    except Exception:  # any damage at all is a miss, never an error
        return _MISS


def _store(directory: Path, key: str, data: YMap | YList) -> None:
    payload = marshal.dumps(_encode(data))
    _write(directory, f"{key}.entry", HEADER + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload)


def _write(directory: Path, name: str, blob: bytes) -> None:
    """Write a cache file whole: readers see the old one or the new one, never part of one."""
    temp = directory / f".{name}.{os.getpid()}.tmp"
    try:
        fd = _create(directory, temp.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(temp, directory / name)
        if name[0] == "0":  # one store in 16 looks at the directory's size
            _prune(directory)
    except Exception:  # an unwritable or full cache only costs the next run a parse
        with suppress(OSError):
            os.unlink(temp)


def _prune(directory: Path) -> None:
    entries = list(os.scandir(directory))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in entries[: len(entries) - MAX_ENTRIES * 3 // 4]:
        with suppress(OSError):
            os.unlink(entry.path)


# A mapping is (0, start, {key: value}, {key: key position}, {key: value position}, the keys
# whose values are containers); a sequence is (1, start, [items], [positions], the indexes of
# the items that are containers); a scalar stays itself. marshal builds the dicts, lists and
# position tuples in C, so decoding only wraps them and descends into the nested containers.


def _encode(node: YMap | YList) -> tuple[Any, ...]:
    if isinstance(node, YMap):
        nested = tuple(key for key, value in node.items() if type(value) in _CONTAINERS)
        values = {key: _encode(value) if type(value) in _CONTAINERS else value for key, value in node.items()}
        return (0, tuple(node.start), values, {k: tuple(p) for k, p in node.key_pos.items()},
                {k: tuple(p) for k, p in node.pos.items()}, nested)
    indexes = tuple(i for i, value in enumerate(node) if type(value) in _CONTAINERS)
    items = [_encode(value) if type(value) in _CONTAINERS else value for value in node]
    return (1, tuple(node.start), items, [tuple(p) for p in node.pos], indexes)


_CONTAINERS = (YMap, YList)


def _decode(node: tuple[Any, ...]) -> YMap | YList:
    if node[0] == 0:
        _, start, values, key_pos, pos, nested = node
        if not (type(values) is dict and type(key_pos) is dict and type(pos) is dict
                and len(values) == len(key_pos) == len(pos)):
            raise ValueError("not a mapping")
        out = YMap(values)
        for key in nested:
            out[key] = _decode(values[key])
        out.start, out.key_pos, out.pos = start, key_pos, pos
        return out
    kind, start, items, positions, indexes = node
    if not (kind == 1 and type(items) is list and type(positions) is list and len(items) == len(positions)):
        raise ValueError("not a sequence")
    seq = YList(items)
    for i in indexes:
        seq[i] = _decode(items[i])
    seq.start, seq.pos = start, positions
    return seq


_FINGERPRINT: list[bytes] = []


def _fingerprint() -> bytes:
    """What the parsed tree depends on besides the file: our parser's code and the YAML library's."""
    if not _FINGERPRINT:
        parts = [HEADER, Path(source.__file__).read_bytes(), Path(__file__).read_bytes()]
        parts += [_installed(module) for module in ("ruamel.yaml", "_ruamel_yaml")]
        _FINGERPRINT.append(hashlib.sha256(b"\0".join(parts)).digest())
    return _FINGERPRINT[0]
