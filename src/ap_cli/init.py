"""`apcli init`: a ready working copy of the plan for an office's own repository: the plan files,
an empty progress log, the JSON Schema the files point to, a pre-commit configuration and the
CI workflow. Nothing that exists is overwritten.
"""

from __future__ import annotations

import os
from pathlib import Path

from .edit import EditError, write_atomic
from .loader import PLAN_FILE, PROGRESS_DIR, bundled_plan_dir
from .render import templates_dir


def schema_file() -> Path:
    """The committed JSON Schema: `ap_cli/schema/` in a wheel, `schema/` in a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "schema" / "apcli.schema.json"
    return packaged if packaged.is_file() else here.parent.parent / "schema" / "apcli.schema.json"


def workflow(template: Path) -> bytes:
    """The CI workflow, calling the apcli action at the tag of the apcli that writes it."""
    from . import __version__

    return template.read_bytes().replace(b"@vX.Y.Z", f"@v{__version__}".encode())


def scaffold(target: Path, pages: bool = False) -> dict[Path, bytes]:
    """Every file `init` writes, relative to `target`, with its bytes; `pages`: also the workflow
    that publishes the plan's website (`apcli site`) with GitHub Pages."""
    plan = bundled_plan_dir()
    files = {Path("plan") / p.name: p.read_bytes() for p in sorted(plan.glob("*.yaml"))}
    files[Path("plan") / PROGRESS_DIR / ".gitkeep"] = b""
    files[Path("schema") / "apcli.schema.json"] = schema_file().read_bytes()
    init = templates_dir() / "init"
    files[Path(".pre-commit-config.yaml")] = (init / "pre-commit-config.yaml").read_bytes()
    files[Path(".github") / "workflows" / "plan.yml"] = workflow(init / "plan.yml")
    if pages:
        files[Path(".github") / "workflows" / "pages.yml"] = workflow(init / "pages.yml")
    files[Path(".gitignore")] = (init / "gitignore").read_bytes()
    return files


def init_repository(target: Path, pages: bool = False) -> list[Path]:
    """Write the working copy into `target` (created if missing); refuse when any file exists."""
    files = scaffold(target, pages)
    # lexists: a link, even one to nothing, is never replaced
    clash = next((rel for rel in [Path("plan") / PLAN_FILE, *files] if os.path.lexists(target / rel)), None)
    if clash is not None:
        raise EditError(f"{target / clash}: already exists; `apcli init` writes only into a folder without a plan")
    if target.exists() and not target.is_dir():
        raise EditError(f"{target}: not a directory")
    written = []
    for rel, data in files.items():
        path = target / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EditError(f"{path.parent}: cannot create folder ({exc.strerror or exc})") from None
        write_atomic(path, data)
        written.append(path)
    return written


def read_only(plan_dir: Path, named: bool) -> bool:
    """Whether writing commands refuse `plan_dir`: the copy inside the installed package always
    (an upgrade replaces it); the source checkout's own plan only when nobody named it (found
    by the last fallback of the lookup, e.g. run from a folder without ./plan)."""
    try:
        bundled = plan_dir.resolve() == bundled_plan_dir().resolve()
    except (OSError, RuntimeError):
        return False
    return bundled and ((Path(__file__).resolve().parent / "plan").is_dir() or not named)


READ_ONLY = ("the plan bundled with apcli is read-only (an upgrade would replace it); make a working copy "
             "with `apcli init DIR`, then run this command inside DIR (or pass --plan DIR/plan)")

