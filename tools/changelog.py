"""Release helpers over CHANGELOG.md and the one version source (src/ap_cli/__init__.py).

    python tools/changelog.py check-tag v0.1.0
        exit 1 unless the tag is `v` + the package version and CHANGELOG.md has a dated
        section `## [0.1.0] - YYYY-MM-DD` for it
    python tools/changelog.py notes v0.1.0
        print that section's body (the GitHub release notes)

Standard library only; the release workflow runs it before anything is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHANGELOG = ROOT / "CHANGELOG.md"
INIT = ROOT / "src" / "ap_cli" / "__init__.py"
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>.+?))?\s*$", re.M)


class ReleaseError(ValueError):
    pass


def package_version(init: Path = INIT) -> str:
    """`__version__` as hatchling reads it ([tool.hatch.version] path)."""
    m = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init.read_text(encoding="utf-8"), re.M)
    if not m:
        raise ReleaseError(f"{init}: no __version__ = \"X.Y.Z\" line")
    return m.group(1)


def sections(text: str) -> dict[str, tuple[str | None, str]]:
    """version → (date text, body) for each `## [version] - date` section."""
    heads = list(HEADING.finditer(text))
    found = {}
    for head, nxt in zip(heads, heads[1:] + [None]):
        body = text[head.end():nxt.start() if nxt else len(text)].strip("\n")
        found[head["version"]] = (head["date"], body + "\n")
    return found


def section(version: str, text: str, *, dated: bool) -> str:
    found = sections(text)
    if version not in found:
        raise ReleaseError(f"CHANGELOG.md has no section ## [{version}]")
    when, body = found[version]
    if dated and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", when or ""):
        raise ReleaseError(f"CHANGELOG.md: give ## [{version}] its release date (## [{version}] - YYYY-MM-DD), "
                           f"not {when or 'none'!r}")
    if not body.strip():
        raise ReleaseError(f"CHANGELOG.md: the section ## [{version}] is empty")
    return body


def version_of_tag(tag: str) -> str:
    if not re.fullmatch(r"v\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?", tag):
        raise ReleaseError(f"{tag!r} is not a release tag (vX.Y.Z)")
    return tag[1:]


def check_tag(tag: str, text: str, version: str) -> str:
    wanted = version_of_tag(tag)
    if wanted != version:
        raise ReleaseError(f"the tag {tag} does not match the package version {version} (src/ap_cli/__init__.py)")
    section(wanted, text, dated=True)
    return wanted


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("check-tag", "notes"):
        print(__doc__, file=sys.stderr)
        return 2
    command, tag = argv
    text = CHANGELOG.read_text(encoding="utf-8")
    try:
        if command == "check-tag":
            version = check_tag(tag, text, package_version())
            print(f"{tag}: version {version}, CHANGELOG.md section dated")
        else:
            sys.stdout.write(section(version_of_tag(tag), text, dated=True))
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
