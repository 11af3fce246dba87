"""Review sign-off: a reviewer approves a project's inputs and figures without editing its params file.

``evalkit signoff params/<批次>/<项目>.yaml --reviewer 张三`` writes the sidecar
``<项目>.signoff.yaml`` beside the params file. It records who signed, when,
their opinion, and the sha256 of what was approved:

* every input of the evaluation as manifest.json records it — the params file,
  a framework file, the data files — but not the sidecar itself and not the
  workbook (the toolkit, not the project; a workbook that moves a figure is
  caught by the next point);
* the figures: the sha256 of results.json in a canonical form (keys sorted,
  no whitespace) without ``evalkit_version`` and ``review``. results.json is
  the machine copy of every figure, score, check and finding; the review
  status it also carries is left out, so that the status does not hash itself.

The sidecar is an input of the next run: ``load_project`` reads it (in process
and in the kernel), manifest.json records it (role ``signoff``), and the
appendix and results.json state the review status computed here: 未复核,
已复核 (inputs and figures as signed) or 复核后已修改 (naming what changed).
The appendix hashes are not signed, because the appendix shows the sign-off:
re-running unchanged inputs after signing gives the same figures and counts
as matching, and two runs still give identical bytes.

A signature is refused while the outputs are missing or stale (an input
changed since the last run, or results.json differs from its manifest record):
the reviewer must approve figures that belong to the inputs as they are now.

The sidecar is plain text anyone can edit, and its hashes anyone can
recompute; what cannot be recomputed is a consistent record. So every read
(a run, the kernel, ``verify``'s re-run, signing again) holds it to what
``evalkit signoff`` could have written: a date that is not in the future nor
before the 编制日期, a reviewer, one params entry first and no input twice,
and a total and grade that are those of the figures it signed. Anything else
is refused, naming the sidecar and the field, rather than read as 已复核.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from evalkit.core.errors import InputError, Problem, from_validation_error
from evalkit.inputs.names import file_kind, is_sidecar, sidecar_path
from evalkit.core.workpaper import DateText, PersonName

__all__ = ["MODIFIED", "REVIEWED", "UNREVIEWED", "Review", "SignOff", "compare",
           "consistency_problems", "figures_sha256", "future_date_problem", "is_sidecar", "read_sidecar", "review_of",
           "sidecar_path", "signable_inputs", "stated_total", "input_label"]

FORMAT = 1
UNREVIEWED, REVIEWED, MODIFIED = "未复核", "已复核", "复核后已修改"
SIGNED_ROLES = ("params", "framework", "data")
UNSIGNED_KEYS = ("evalkit_version", "review")  # keys of results.json left out of the figures hash
ROLE_NAMES = {"params": "参数文件", "framework": "指标体系", "data": "数据文件"}
MAX_OPINION = 500
FIGURES_CHANGED = "计算结果（数值、得分、核对或问题清单）已改变"
FIGURES_SAME = "计算结果（数值、得分、核对与问题清单）未变"
# A sign-off read on a machine whose clock is a time zone behind the signer's can be dated "tomorrow".
CLOCK_SLACK = dt.timedelta(days=1)
_SCORE = re.compile(r"-?\d{1,6}(?:\.\d{1,6})?")
RESIGN = "；签署文件由 evalkit signoff 写出，请删除后重新签署"


def _sha256(value: str) -> str:
    if not (len(value) == 64 and all(c in "0123456789abcdef" for c in value)):
        raise ValueError("应为 64 位小写十六进制的 sha256（由 evalkit signoff 写出，请勿手工修改）")
    return value


Sha256 = Annotated[str, AfterValidator(_sha256)]


def _signed_path(value: str) -> str:
    from evalkit.inputs.manifest_schema import path_problem

    problem = path_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _SignedInput(_Strict):
    role: Literal["params", "framework", "data"]
    path: Annotated[str, AfterValidator(_signed_path)]
    sha256: Sha256


class _SignOffFile(_Strict):
    format: Literal[1]
    reviewer: PersonName
    date: DateText
    opinion: str = Field("", max_length=MAX_OPINION)
    inputs: list[_SignedInput] = Field(min_length=1)
    figures_sha256: Sha256
    total_score: str = Field("", max_length=40)
    grade: str = Field("", max_length=20)


@dataclass(frozen=True)
class SignOff:
    """What a reviewer signed: who, when, with what opinion, and the hashes of what they approved."""

    reviewer: str
    date: str
    opinion: str
    inputs: tuple[tuple[str, str, str], ...]  # (role, path, sha256), as manifest.json records them
    figures_sha256: str
    file: str  # the sidecar as the user would name it, for messages
    total_score: str = ""  # as results.json stated them when signed: they must agree with the figures signed
    grade: str = ""


@dataclass(frozen=True)
class Review:
    """The review status shown in the appendix, results.json, the round page and ``evalkit verify``."""

    status: str  # 未复核 / 已复核 / 复核后已修改
    reviewer: str = ""
    date: str = ""
    opinion: str = ""
    source: str = ""  # "signoff" (the sidecar), "params" (written in workpaper:), "" (none)
    changes: tuple[str, ...] = ()  # what no longer matches the sign-off

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reviewer": self.reviewer or None, "date": self.date or None,
                "opinion": self.opinion or None, "source": self.source or None, "changes": list(self.changes)}

    @property
    def modified(self) -> bool:
        return self.status == MODIFIED

    @property
    def figures_changed(self) -> bool:
        return FIGURES_CHANGED in self.changes

    @property
    def stated_changes(self) -> tuple[str, ...]:
        """What changed since the sign-off, ending with whether the figures did (as ``evalkit verify`` says it)."""
        return self.changes if self.figures_changed else (*self.changes, FIGURES_SAME)


def figures_sha256(document: dict[str, Any]) -> str:
    """The sha256 of results.json's figures: canonical JSON without the version and the review status.

    The same digest comes from the dict the kernel writes and from the file
    read back (tuples and lists serialise alike; keys are sorted).
    """
    kept = {k: v for k, v in document.items() if k not in UNSIGNED_KEYS}
    text = json.dumps(kept, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def signable_inputs(project: Any) -> list[dict[str, str]]:
    """The inputs a sign-off covers, hashed now: manifest.json's entries for params, framework and data."""
    from evalkit.inputs.inputfiles import inputs_of

    return [entry for entry in inputs_of(project, None) if entry["role"] in SIGNED_ROLES]


def input_label(role: str, path: str) -> str:
    return f"{ROLE_NAMES.get(role, role)} {path}"


def compare(signed: SignOff, inputs: list[dict[str, str]], figures: str) -> tuple[str, ...]:
    """What differs from the sign-off, one line each, in Chinese; empty when everything matches."""
    now = {(e["role"], e["path"]): e["sha256"] for e in inputs}
    then = {(role, path): digest for role, path, digest in signed.inputs}
    lines = []
    for key, digest in then.items():
        if key not in now:
            lines.append(f"{input_label(*key)} 已不再使用")
        elif now[key] != digest:
            lines.append(f"{input_label(*key)} 已改变")
    lines += [f"新增{input_label(*key)}" for key in now if key not in then]
    if figures != signed.figures_sha256:
        lines.append(FIGURES_CHANGED)
    return tuple(lines)


def stated_total(document: dict[str, Any]) -> tuple[str, str]:
    """The total and grade as a sidecar records them from a results document."""
    return str(document.get("total_score", "")), str(document.get("grade", ""))


def review_of(project: Any, figures: Callable[[], dict[str, Any]]) -> Review:
    """The project's review status now; ``figures`` gives results.json's figures (asked for only if signed).

    When the figures hash matches, the total and grade written in the sidecar
    must be those figures' own: a sidecar that says 优 over figures that say 良
    was edited after signing, and that is a change the reader must see.
    """
    signed: SignOff | None = project.signoff
    wp = project.params.workpaper
    if signed is not None:
        document = figures()
        changes = compare(signed, signable_inputs(project), figures_sha256(document))
        if not changes and (signed.total_score, signed.grade) != stated_total(document):
            total, grade = stated_total(document)
            changes = (f"签署文件所记总分 {signed.total_score}、等级 {signed.grade} 与所签署的计算结果（总分 {total}、"
                       f"等级 {grade}）不符：签署文件在签署之后被改动过",)
        return Review(MODIFIED if changes else REVIEWED, signed.reviewer, signed.date, signed.opinion,
                      "signoff", changes)
    if wp is not None and wp.reviewer:
        return Review(REVIEWED, wp.reviewer, wp.reviewed or "", wp.opinion, "params")
    return Review(UNREVIEWED)


def read_sidecar(params: Path, shown: str, prepared: str | None = None, today: dt.date | None = None,
                 year: int | None = None) -> SignOff | None:
    """The sign-off beside ``params``, validated; None when there is none. InputError names the sidecar.

    A symlink, directory or device in its place is refused, never followed
    or opened: the sign-off must be the file in the params folder. Beyond its
    shape, it must be a record ``evalkit signoff`` could have written
    (``consistency_problems``): ``prepared`` is the params' 编制日期 and
    ``today`` the local clock's date unless given.
    """
    from evalkit.inputs.yamlio import load_yaml

    path = sidecar_path(params)
    file = str(sidecar_path(Path(shown)))
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError.single(file, "", f"复核签署文件无法读取：{exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):

        raise InputError.single(file, "", f"复核签署文件应为普通文件，实际为{file_kind(info.st_mode)}，未读取；"
                                          "请删除它后用 evalkit signoff 重新签署")
    data = load_yaml(path, shown_as=file, what="复核签署文件")
    if not isinstance(data, dict):
        raise InputError.single(file, "", "复核签署文件应为映射（由 evalkit signoff 写出）；请删除它后重新签署")
    try:
        model = _SignOffFile.model_validate(data)
    except ValidationError as exc:
        err = from_validation_error(exc, file)
        raise InputError(Problem(p.file, p.where, p.message + RESIGN) for p in err.problems) from None
    problems = consistency_problems(model, file, prepared, today or dt.date.today(), year)
    if problems:
        raise InputError(problems)
    return SignOff(model.reviewer, model.date, model.opinion.strip(),
                   tuple((i.role, i.path, i.sha256) for i in model.inputs), model.figures_sha256, file,
                   model.total_score, model.grade)


def future_date_problem(date: str, today: dt.date) -> str:
    """Why a review date read from a file cannot be true because it is still to come, or ""."""
    if dt.date.fromisoformat(date) <= today + CLOCK_SLACK:
        return ""
    return f"复核日期 {date} 晚于今天（{today.isoformat()}，按本机时钟）：复核不能在将来"


def consistency_problems(model: _SignOffFile, file: str, prepared: str | None, today: dt.date,
                         year: int | None = None) -> list[Problem]:
    """What in a well-formed sidecar ``evalkit signoff`` would never have written, one problem per field.

    The date rules are those of signing (not after today, allowing a day for
    time zones; not before the 编制日期); the inputs are one params entry first
    and each file once, as ``signable_inputs`` lists them; the total is a number
    as results.json writes it.
    """
    problems = []
    future = future_date_problem(model.date, today)
    if future:
        problems.append(Problem(file, "date", future + "（evalkit signoff 不会写出这样的日期，签署文件被改动过）" + RESIGN))
    elif year is not None and model.date < f"{year:04d}-01-01":
        problems.append(Problem(file, "date", f"复核日期 {model.date} 早于评价年度 {year} 年：复核不能早于所评价的预算年度开始"
                                              "（evalkit signoff 不会写出这样的日期，签署文件被改动过）" + RESIGN))
    elif prepared and model.date < prepared:
        problems.append(Problem(file, "date", f"复核日期 {model.date} 早于参数文件中的编制日期 {prepared}（workpaper.prepared）："
                                              "复核应在编制之后；请核对编制日期，或删除签署文件后用 evalkit signoff 重新签署"))
    roles = [i.role for i in model.inputs]
    if roles[0] != "params" or roles.count("params") != 1:
        problems.append(Problem(file, "inputs", "应恰好记录一个参数文件（role: params），且为第一项" + RESIGN))
    if roles.count("framework") > 1:
        problems.append(Problem(file, "inputs", "最多记录一个指标体系（role: framework）" + RESIGN))
    seen: set[str] = set()
    for index, entry in enumerate(model.inputs):
        if entry.path in seen:
            problems.append(Problem(file, f"inputs[{index}]（第{index + 1}项）.path",
                                    f"文件 {entry.path} 已在前面记录过，同一文件只记录一次" + RESIGN))
        seen.add(entry.path)
    if model.total_score not in ("", "None") and not _SCORE.fullmatch(model.total_score):
        problems.append(Problem(file, "total_score", f"应为总分（如 81.00），实际为“{model.total_score[:40]}”" + RESIGN))
    return problems


