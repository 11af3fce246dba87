"""The shape of manifest.json, checked before `evalkit verify` or a batch trusts any of it.

A manifest is read from an output folder that may have been copied, edited or
handed over by someone else, so every field is validated: wrong types, missing
keys, unknown roles, malformed hashes and paths that could not have been
written by evalkit become messages naming manifest.json and the field, never
an exception. Recorded input paths are checked here for their form (relative,
no ``..``, no NUL); where they lead on disk is checked by ``manifest.locate``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from evalkit.core.errors import Problem, format_path, message_for, shown_text, shown_value

SCORES_FILE = "scores.docx"  # the 评分表 as a Word table (scoreexport)
WORKPAPER_FILE = "workpaper.xlsx"  # 评分表, figures, checks and findings as an Excel workbook (scoreexport)
OUTPUT_FILES = ("appendix.html", "executed.ipynb", "results.json", SCORES_FILE, WORKPAPER_FILE)

__all__ = ["BUILTIN_PREFIX", "ConstraintsRecord", "InputRecord", "ManifestModel", "PrintedRecord", "ProjectRecord", "parse",
           "path_problem", "printed_name_problem"]

BUILTIN_PREFIX = "evalkit:frameworks/"
_HEX64 = re.compile(r"[0-9a-f]{64}")
Role = Literal["params", "framework", "data", "signoff", "workbook"]


def _sha256(value: str) -> str:
    if not _HEX64.fullmatch(value):
        raise ValueError(f"应为 64 位小写十六进制的 sha256，实际为 {_shown(value)}")
    return value


Sha256 = Annotated[str, AfterValidator(_sha256)]


def _format(value: int) -> int:
    if value != 1:
        raise ValueError(f"不支持的 manifest 格式 {shown_value(value)}，本版 evalkit 只认识格式 1")
    return value


Format = Annotated[int, Field(strict=True), AfterValidator(_format)]  # strict: true is not 1


def _shown(value: Any) -> str:
    """A value from the manifest for a message, cut before it is rendered (a 5,000-digit number, a huge list)."""
    return shown_text(value) if isinstance(value, str) else shown_value(value)


def path_problem(path: str) -> str | None:
    """Why a recorded input path cannot lie inside the project folder (by its form alone); None if it may."""
    if not path or "\x00" in path:
        return "路径为空或含非法字符"
    if path.startswith(BUILTIN_PREFIX):
        path = path[len(BUILTIN_PREFIX):]
        if not path:
            return "路径超出项目目录：内置指标体系缺少文件名"
    elif ":" in path.split("/", 1)[0]:
        return "路径超出项目目录：只允许项目目录内的相对路径或 evalkit:frameworks/ 下的内置指标体系"
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute() or path.startswith(("/", "\\")):
        return "路径超出项目目录：应为相对路径，实际为绝对路径"
    if ".." in re.split(r"[/\\]", path):
        return "路径超出项目目录：不能含 .."
    return None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ProjectRecord(_Strict):
    id: str
    name: str
    round: str


class InputRecord(_Strict):
    role: Role
    path: str
    sha256: Sha256

    @field_validator("path")
    @classmethod
    def _confined_form(cls, value: str) -> str:
        problem = path_problem(value)
        if problem:
            raise ValueError(f"{problem}（{_shown(value)}）")
        return value


class ConstraintsRecord(_Strict):
    name: str
    sha256: Sha256
    differs: list[str]


class PrintedRecord(_Strict):
    """A PDF that ``evalkit print-pdf`` printed into the output folder: its hash and that of the appendix it shows."""

    sha256: Sha256
    appendix: Sha256


def printed_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a PDF print-pdf wrote beside the appendix (a plain visible .pdf file name); None if it can."""
    if not name or "\x00" in name or "/" in name or "\\" in name or name.startswith(".") or len(name) > 255:
        return f"应为输出目录中的 PDF 文件名，实际为 {_shown(name)}"
    if not name.lower().endswith(".pdf"):
        return f"应为 .pdf 文件名，实际为 {_shown(name)}"
    return None


class ManifestModel(_Strict):
    format: Format
    project: ProjectRecord
    params: str
    inputs: list[InputRecord]
    versions: dict[str, str]
    outputs: dict[str, Sha256]
    # the constraints file the environment was checked against ("none": run without one); None: an older manifest
    constraints: ConstraintsRecord | Literal["none"] | None = None
    # PDFs printed into the folder after the run (evalkit print-pdf), by file name; absent until one is
    printed: dict[str, PrintedRecord] = Field(default_factory=dict)

    @field_validator("printed")
    @classmethod
    def _printed_names(cls, value: dict[str, PrintedRecord]) -> dict[str, PrintedRecord]:
        for name in value:
            problem = printed_name_problem(name)
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("params")
    @classmethod
    def _params_file(cls, value: str) -> str:
        if not value or "\x00" in value:
            raise ValueError("应为从输出目录到参数文件的相对路径，实际为空或含非法字符")
        if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute():
            raise ValueError(f"应为从输出目录到参数文件的相对路径，实际为绝对路径 {_shown(value)}")
        if not value.lower().endswith((".yaml", ".yml")):
            raise ValueError(f"应为 .yaml 或 .yml 参数文件，实际为 {_shown(value)}")
        return value

    @field_validator("outputs")
    @classmethod
    def _exactly_the_outputs(cls, value: dict[str, str]) -> dict[str, str]:

        missing = [name for name in OUTPUT_FILES if name not in value]
        extra = [name for name in value if name not in OUTPUT_FILES]
        if missing or extra:
            parts = ([f"缺少 {'、'.join(missing)}"] if missing else []) + (
                [f"多出 {'、'.join(_shown(n) for n in extra)}"] if extra else [])
            raise ValueError(f"应恰好记录 {'、'.join(OUTPUT_FILES)} 的 sha256；{'，'.join(parts)}")
        return value


_WORDS = {  # a manifest is JSON: objects and lists, not YAML mappings
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "dict_type": "应为对象（{…}）",
    "model_type": "应为对象（{…}）",
    "model_attributes_type": "应为对象（{…}）",
    "list_type": "应为列表（[…]）",
}


def parse(data: Any, shown: str) -> tuple[ManifestModel | None, list[Problem]]:
    """The validated manifest, or None and one problem per bad field (file ``shown``, field path, expectation)."""
    try:
        return ManifestModel.model_validate(data), []
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            # dict keys appear in loc as strings: outputs.appendix.html reads fine; "[key]" labels are pydantic's
            where = format_path(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("[")))
            problem = Problem(shown, where or "（整个文件）", message_for(err, _WORDS))
            if problem not in problems:
                problems.append(problem)
        return None, problems
