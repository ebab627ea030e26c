"""A cache of parsed plan files, keyed by each file's content hash, so unchanged files skip the
YAML parser (and the parser's import).

An entry holds the plain tree `source.parse_text` built (values and positions) in `marshal`'s
format (nested lists of strings and numbers; it loads in ~60% of the time JSON takes, the
largest share of a warm `check` of a big plan); the loader validates it with pydantic exactly
as if it had just been parsed, unless a validity marker (below) says this content validated
as the same kind of file before. The key is the SHA-256
of the file's bytes and of the parser's own code, so an edited file or an upgraded parser is
never served from an old entry. Entries live in `$XDG_CACHE_HOME/apcli` (else `~/.cache/apcli`);
`APCLI_CACHE=off` turns the cache off. A missing, unwritable or corrupt cache is only ever a
miss: each entry carries the SHA-256 of its payload and anything unexpected is ignored. An
entry is written the second time the same content is read (the first leaves a marker). The
cache trusts whoever can write its directory, as Python trusts its own `__pycache__` (which is
marshal too): the directory is the user's, its files are created 0600.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from contextlib import suppress
from pathlib import Path
from typing import Any

from . import source
from .diagnostics import Diagnostic
from .source import MAX_FILE_BYTES, SourceFile, YList, YMap, read_capped

HEADER = b"apcli-parse-cache 2 "  # then the payload's SHA-256, a newline, the payload
# Files (entries and markers; a plan file has at most an entry and a validity marker, which is
# empty): the oldest go beyond this. An entry is ~1.4× its file.
MAX_ENTRIES = 16384


def cache_dir() -> Path | None:
    if os.environ.get("APCLI_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apcli"


def read_file(path: Path | str, display: str | None = None) -> tuple[SourceFile | None, list[Diagnostic]]:
    """`source.read_file`, served from the cache when this exact content was parsed before."""
    parsed, problems, _ = read(path, display)
    return parsed, problems


def read(path: Path | str, display: str | None = None) -> tuple[SourceFile | None, list[Diagnostic], str | None]:
    """`read_file`, and the content's key (None when the cache is off): what `known_valid` and
    `mark_valid` take."""
    directory = cache_dir()
    try:
        raw = read_capped(path) if directory is not None else None
    except (OSError, ValueError):
        raw = None
    if directory is None or raw is None or len(raw) > MAX_FILE_BYTES:  # no cache, or a problem the source reports
        parsed, problems = source.read_file(path, display)
        return parsed, problems, None
    name = display or str(path)
    key = hashlib.sha256(_fingerprint() + raw).hexdigest()
    data = _lookup(directory, key)
    if data is not _MISS:
        text = (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")
        return SourceFile(name, text, data), [], key
    parsed, problems = source.read_bytes(raw, name)
    if parsed is not None and isinstance(parsed.data, (YMap, YList)):
        _remember(directory, key, parsed.data)
    return parsed, problems, key


# ----------------------------------------------------------------------------- validity
#
# A marker `<hash>.ok` records that the tree of one content validated without a problem as one
# kind of file: the hash covers the content's key and the code validation depends on (model.py,
# the vocabularies and year limits it imports, pydantic's own version), so a changed model or
# pydantic never trusts an old marker. With it, a warm run builds the plan without pydantic.


def known_valid(key: str | None, kind: str) -> bool:
    directory = cache_dir()
    if key is None or directory is None:
        return False
    return os.path.isfile(directory / f"{_valid_name(key, kind)}.ok")


def mark_valid(key: str | None, kind: str) -> None:
    directory = cache_dir()
    if key is None or directory is None:
        return
    with suppress(Exception):  # an unwritable cache only costs the next run a validation
        os.close(_create(directory, f"{_valid_name(key, kind)}.ok"))


def _create(directory: Path, name: str, flags: int = os.O_WRONLY | os.O_CREAT) -> int:
    """`os.open` of a 0600 file in the cache, making the directory on first use."""
    try:
        return os.open(directory / name, flags, 0o600)
    except FileNotFoundError:
        directory.mkdir(parents=True, exist_ok=True)
        return os.open(directory / name, flags, 0o600)


def _valid_name(key: str, kind: str) -> str:
    return hashlib.sha256(_model_fingerprint() + f"{key}:{kind}".encode()).hexdigest()


_MODEL_FINGERPRINT: list[bytes] = []


def _model_fingerprint() -> bytes:
    """What validity depends on besides the tree: the model, its vocabularies and year limits,
    and pydantic (by the installed files' sizes and times, as the parser's)."""
    if not _MODEL_FINGERPRINT:
        here = Path(__file__).parent
        parts = [b"valid", *((here / name).read_bytes() for name in ("model.py", "domain.py", "periods.py"))]
        parts += [_installed("pydantic"), _installed("pydantic_core")]
        _MODEL_FINGERPRINT.append(hashlib.sha256(b"\0".join(parts)).digest())
    return _MODEL_FINGERPRINT[0]


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


def _remember(directory: Path, key: str, data: YMap | YList) -> None:
    """Store the entry the second time this content is read. Encoding costs half a parse, and
    content read once (a fresh CI runner, a file being edited) would never be read back."""
    seen = directory / f"{key}.seen"
    try:
        if seen.exists():
            _store(directory, key, data)
            seen.unlink()
            return
        os.close(_create(directory, seen.name))
        if key[0] == "0":  # one write in 16 looks at the directory's size
            _prune(directory)
    except Exception:  # an unwritable cache only costs the next run a parse
        pass


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
    temp = directory / f".{key}.{os.getpid()}.tmp"
    try:
        payload = marshal.dumps(_encode(data))
        blob = HEADER + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload
        fd = _create(directory, temp.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(temp, directory / f"{key}.entry")  # readers see the old entry or the new one
        if key[0] == "0":  # one store in 16 looks at the directory's size
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
