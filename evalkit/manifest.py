"""manifest.json: what a project's outputs were made from, by content hash.

Each project's output folder records the sha256 of every input (params file,
data files, framework file, workbook), the versions of evalkit and of the
libraries that shape the output, and the sha256 of every output file. A batch
re-run compares the inputs with the recorded hashes and skips projects that
have not changed; a reviewer can check that an appendix belongs to exactly
these inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__

__all__ = ["MANIFEST", "OUTPUT_FILES", "build", "file_sha256", "inputs_of", "locate", "read", "up_to_date", "versions",
           "write"]

MANIFEST = "manifest.json"
OUTPUT_FILES = ("appendix.html", "executed.ipynb", "results.json")
FORMAT = 1
# Libraries whose versions can change an output byte: computation, rendering, execution.
LIBRARIES = (
    "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "pandas", "numpy", "scipy",
    "matplotlib", "pydantic", "PyYAML", "Jinja2", "openpyxl", "noto-cjk-sans-otc",
)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    found = {"evalkit": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "未安装"
    return found


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


def inputs_of(project: Any, workbook: Path | None) -> list[dict[str, str]]:
    """Every file that determines the outputs, with its role, a portable path and its hash."""
    base = project.path.parent
    entries = [("params", project.path, project.path.name)]
    if project.framework_path is not None:
        builtin = "evalkit/frameworks/" in project.framework_path.as_posix()
        shown = f"evalkit:frameworks/{project.framework_path.name}" if builtin else _relative(project.framework_path, base)
        entries.append(("framework", project.framework_path, shown))
    entries += [("data", path, _relative(path, base)) for path in project.data_files]
    if workbook is not None:
        entries.append(("workbook", workbook, f"workbooks/{workbook.name}"))
    return [{"role": role, "path": shown, "sha256": file_sha256(path)} for role, path, shown in entries]


def locate(entry: dict[str, str], params_dir: Path, workbook: Path) -> Path:
    """Where a recorded input is now: paths are stored relative to the params file, so outputs can move."""
    role, shown = entry["role"], entry["path"]
    if role == "workbook":
        return workbook
    if shown.startswith("evalkit:"):
        from importlib import resources

        return Path(str(resources.files("evalkit") / shown.split(":", 1)[1]))
    return params_dir / shown


def build(project: Any, inputs: list[dict[str, str]], out_dir: Path) -> dict[str, Any]:
    """The manifest for ``out_dir``; written once before the run (for the appendix) and again after it."""
    return {
        "format": FORMAT,
        "project": {"id": project.params.project.id, "name": project.params.project.name, "round": project.round},
        # from the output folder to the params file: how `evalkit verify` finds the inputs again
        "params": os.path.relpath(project.path.resolve(), out_dir.resolve()),
        "inputs": inputs,
        "versions": versions(),
        "outputs": {name: file_sha256(out_dir / name) for name in OUTPUT_FILES if (out_dir / name).exists()},
    }


def write(manifest: dict[str, Any], out_dir: Path) -> None:
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read(out_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def up_to_date(out_dir: Path, params: Path, workbook: Path) -> bool:
    """True when the recorded inputs, versions and outputs all still match, without parsing the params.

    The params file's hash is checked first: unchanged params mean the same
    data files are referenced, so re-hashing the recorded files is enough.
    """
    recorded = read(out_dir)
    if recorded is None or recorded.get("format") != FORMAT or recorded.get("versions") != versions():
        return False
    inputs = recorded.get("inputs", [])
    if not inputs or inputs[0].get("role") != "params" or inputs[0].get("path") != params.name:
        return False
    for entry in inputs:
        try:
            if file_sha256(locate(entry, params.parent, workbook)) != entry["sha256"]:
                return False
        except (OSError, KeyError):
            return False
    for name, digest in recorded.get("outputs", {}).items():
        try:
            if file_sha256(out_dir / name) != digest:
                return False
        except OSError:
            return False
    return set(recorded.get("outputs", {})) == set(OUTPUT_FILES)
