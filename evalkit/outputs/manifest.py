"""manifest.json: what a project's outputs were made from, by content hash.

Each project's output folder records the sha256 of every input (params file,
data files, framework file, workbook), the versions of evalkit and of the
libraries that shape the output, and the sha256 of every output file. A batch
re-run compares the inputs with the recorded hashes and skips projects that
have not changed; a reviewer can check that an appendix belongs to exactly
these inputs.

A manifest read back is not trusted: ``load`` validates it (manifest_schema)
and ``locate`` only ever yields files inside the project folder (or evalkit's
own frameworks folder); ``file_sha256`` refuses anything but a regular file,
so a recorded path can never make evalkit read a FIFO, a device or a file
outside the project.
"""

from __future__ import annotations

import json
import os
import platform
import stat
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from evalkit import __version__
from evalkit.core.errors import InputError, Problem
from evalkit.inputs.manifest_schema import (  # noqa: F401 - the output file names are read from here too
    BUILTIN_PREFIX,
    OUTPUT_FILES,
    SCORES_FILE,
    WORKPAPER_FILE,
    InputRecord,
    ManifestModel,
    parse,
    path_problem,
)
from evalkit.inputs.inputfiles import (  # noqa: F401 - hashing an input is an input's job; named here as before
    NotRegularFile, _relative, file_kind, file_sha256, input_sha256, inputs_of, workbook_sha256)
from evalkit.inputs.names import sidecar_path

__all__ = ["CONSTRAINTS", "MANIFEST", "OUTPUT_FILES", "ManifestError", "NotRegularFile", "PathRefused", "build",
           "constraints", "constraints_file", "file_sha256",
           "file_kind", "frameworks_dir", "inputs_of", "load", "locate", "read", "record_printed", "up_to_date", "versions",
           "write"]

MANIFEST = "manifest.json"
CONSTRAINTS = "constraints.txt"  # the exact tested versions, inside the package: a wheel carries it (make constraints)
FORMAT = 1
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # a real one is about 3 KB
# Libraries whose versions can change an output byte: computation, rendering, execution.
LIBRARIES = (
    "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "pandas", "numpy", "scipy",
    "matplotlib", "pydantic", "PyYAML", "Jinja2", "openpyxl", "python-docx", "noto-cjk-sans-otc",
)


class PathRefused(ValueError):
    """A recorded input path that leads outside the project folder (or the built-in frameworks folder)."""


class ManifestError(Exception):
    """manifest.json is missing, unreadable or malformed; carries one problem per bad field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def input_matches(role: str, path: Path, recorded: str) -> bool:
    """Whether an input is unchanged; a workbook recorded by its file bytes (by an earlier evalkit) still matches."""
    if input_sha256(role, path) == recorded:
        return True
    return role == "workbook" and file_sha256(path) == recorded


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    found = {"evalkit": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "未安装"
    return found


def constraints_file() -> Path | None:
    """The constraints.txt evalkit was tested with, inside the package (a checkout and an installed wheel alike), or None.

    pip does not record which constraints an environment was installed with, so
    the manifest records this file and which installed versions differ from its
    pins: a reviewer sees whether the run used the tested set, wherever evalkit
    was installed from.
    """
    from importlib import resources

    candidate = Path(str(resources.files("evalkit") / CONSTRAINTS))
    try:
        return candidate if stat.S_ISREG(os.stat(candidate).st_mode) else None
    except OSError:
        return None


_BUILD_TOOLS = frozenset({"pip", "setuptools", "wheel"})


@lru_cache(maxsize=1)
def constraints() -> dict[str, Any] | str:
    """The constraints in use, for manifest.json: "none", or the file's name, sha256 and the pins not installed as pinned.

    ``differs`` lists each pinned package (whose marker applies here) that is
    installed at another version, as "name installed（约束 pinned）"; packages not
    installed at all (e.g. the test extra in a production install) are not listed.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    path = constraints_file()
    if path is None:
        return "none"
    installed: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            installed.setdefault(canonicalize_name(name), dist.version)
    differs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            pin = Requirement(line)
        except InvalidRequirement:
            continue
        if pin.marker is not None and not pin.marker.evaluate():
            continue
        have = installed.get(canonicalize_name(pin.name))
        if canonicalize_name(pin.name) in _BUILD_TOOLS:
            continue  # the venv's own installer and build tools: they compute nothing an appendix shows
        if have is not None and not pin.specifier.contains(have, prereleases=True):
            differs.append(f"{pin.name} {have}（约束 {pin.specifier}）")
    return {"name": path.name, "sha256": file_sha256(path), "differs": differs}


def frameworks_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("evalkit") / "frameworks")).resolve()


def _inside(candidate: Path, root: Path) -> bool:
    return candidate == root or root in candidate.parents


def locate(entry: InputRecord | dict[str, str], params_dir: Path, workbook: Path) -> Path:
    """Where a recorded input is now: paths are stored relative to the params file, so outputs can move.

    The path is resolved (following symlinks) and must stay inside the params
    file's folder, or for ``evalkit:frameworks/…`` inside evalkit's frameworks
    folder; otherwise ``PathRefused`` is raised and nothing is opened. The
    workbook is the one given for this run, whatever path was recorded.
    """
    role, shown = (entry.role, entry.path) if isinstance(entry, InputRecord) else (entry["role"], entry["path"])
    if role == "workbook":
        return workbook
    problem = path_problem(shown)
    if problem:
        raise PathRefused(problem)
    if shown.startswith(BUILTIN_PREFIX):
        if role != "framework":
            raise PathRefused("路径超出项目目录：只有指标体系可以是 evalkit:frameworks/ 下的内置文件")
        root = frameworks_dir()
        relative = shown[len(BUILTIN_PREFIX):]
        where = "evalkit 内置指标体系目录"
    else:
        root, relative, where = params_dir.resolve(), shown, "项目目录"
    try:
        candidate = (root / relative).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, an unrepresentable name
        raise PathRefused(f"路径无法解析（{where}内）") from None
    if not _inside(candidate, root):
        raise PathRefused(f"路径超出{where}（解析符号链接后位于{where}之外）")
    return candidate


def build(project: Any, inputs: list[dict[str, str]], out_dir: Path) -> dict[str, Any]:
    """The manifest for ``out_dir``; written once before the run (for the appendix) and again after it."""
    return {
        "format": FORMAT,
        "project": {"id": project.params.project.id, "name": project.params.project.name, "round": project.round},
        # from the output folder to the params file: how `evalkit verify` finds the inputs again
        "params": os.path.relpath(project.path.resolve(), out_dir.resolve()),
        "inputs": inputs,
        "versions": versions(),
        "constraints": constraints(),
        "outputs": {name: file_sha256(out_dir / name) for name in OUTPUT_FILES if (out_dir / name).exists()},
    }


def write(manifest: dict[str, Any], out_dir: Path) -> None:
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def record_printed(out_dir: Path, name: str, pdf_sha256: str, appendix_sha256: str) -> bool:
    """Record a PDF printed into ``out_dir`` in its manifest (``printed``), so that ``verify`` knows it.

    Only a PDF of this folder's own appendix is recorded: the manifest must be
    valid and record ``appendix_sha256`` for appendix.html; otherwise nothing
    is written and False is returned (``verify`` then names the PDF as a file
    the manifest does not list). The manifest is replaced in one rename, after
    checking that no run swapped the folder's manifest while the PDF printed.
    """
    from evalkit.inputs.manifest_schema import printed_name_problem

    path = out_dir / MANIFEST
    try:
        before = _read_json(out_dir)
    except InputError:
        return False
    model, _ = parse(before, str(path))
    if model is None or model.outputs.get("appendix.html") != appendix_sha256 or printed_name_problem(name):
        return False
    data = dict(before)
    data["printed"] = {**before.get("printed", {}), name: {"sha256": pdf_sha256, "appendix": appendix_sha256}}
    tmp = out_dir / f".{MANIFEST}.tmp-{os.getpid()}"
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        try:
            if _read_json(out_dir) != before:
                return False  # a run replaced the outputs meanwhile: its manifest is not ours to change
        except InputError:
            return False
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _read_json(out_dir: Path) -> Any:
    """manifest.json parsed; InputError if it is missing, not a regular file, too large or not JSON."""
    from evalkit.core.limits import read_input_bytes

    shown = str(out_dir / MANIFEST)
    if (out_dir / MANIFEST).is_symlink():
        raise InputError.single(shown, "", "是指向别处的符号链接，不是 evalkit 写出的记录；无法作为核验依据")
    raw = read_input_bytes(out_dir / MANIFEST, shown, MAX_MANIFEST_BYTES, "manifest.json 文件")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError.single(shown, "", "不是 UTF-8 编码的文本") from None
    except json.JSONDecodeError as exc:
        raise InputError.single(shown, f"第 {exc.lineno} 行第 {exc.colno} 列",
                                "不是有效的 JSON（文件被改动或截断？）") from None
    except ValueError:  # e.g. an integer of thousands of digits
        raise InputError.single(shown, "", "不是有效的 JSON：含有超长的数字") from None
    except RecursionError:
        raise InputError.single(shown, "", "不是有效的 JSON：嵌套过深") from None


def read(out_dir: Path) -> dict[str, Any] | None:
    """The manifest as recorded (unvalidated), or None when there is none that can be read as a JSON object."""
    try:
        data = _read_json(out_dir)
    except InputError:
        return None
    return data if isinstance(data, dict) else None


def load(out_dir: Path) -> ManifestModel:
    """The validated manifest of ``out_dir``; ManifestError naming manifest.json and each bad field."""
    try:
        data = _read_json(out_dir)
    except InputError as exc:
        raise ManifestError(exc.problems) from None
    model, problems = parse(data, str(out_dir / MANIFEST))
    if model is None:
        raise ManifestError(problems)
    return model


def up_to_date(out_dir: Path, params: Path, workbook: Path, seen: dict[Any, Any] | None = None) -> bool:
    """True when the recorded inputs, versions and outputs all still match, without parsing the params.

    The params file's hash is checked first: unchanged params mean the same
    data files are referenced, so re-hashing the recorded files is enough. A
    malformed manifest, or one pointing outside the project, is never up to date.

    ``seen``: a dict kept across the projects of one round's check, so that an
    input they share (the workbook, a common data file or framework) is located
    and hashed once, not once per project. Outputs are always hashed.
    """
    try:
        recorded = load(out_dir)
    except ManifestError:
        return False
    if recorded.versions != versions():
        return False
    inputs = recorded.inputs
    if not inputs or inputs[0].role != "params" or inputs[0].path != params.name:
        return False

    if os.path.lexists(sidecar_path(params)) and not any(e.role == "signoff" for e in inputs):
        return False  # signed since the run: the appendix must be made again to show the sign-off
    memo: dict[Any, Any] = {} if seen is None else seen
    for entry in inputs:
        key = (entry.role, entry.path, params.parent, entry.sha256)
        if key not in memo:
            try:
                memo[key] = input_matches(entry.role, locate(entry, params.parent, workbook), entry.sha256)
            except (OSError, PathRefused):
                memo[key] = False
        if not memo[key]:
            return False
    for name, digest in recorded.outputs.items():
        try:
            if file_sha256(out_dir / name, follow_symlinks=False) != digest:
                return False
        except OSError:
            return False
    return True
