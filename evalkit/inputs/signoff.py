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

__all__ = ["DEFAULT_LEVELS", "MODIFIED", "REVIEWED", "UNREVIEWED", "Note", "Review", "ReviewFile", "SignOff", "compare",
           "review_levels", "signed_values", "status_text", "value_changes",
           "consistency_problems", "figures_sha256", "future_date_problem", "is_sidecar", "read_sidecar", "review_of",
           "sidecar_path", "signable_inputs", "stated_total", "input_label"]

FORMAT = 2
UNREVIEWED, REVIEWED, MODIFIED = "未复核", "已复核", "复核后已修改"
DEFAULT_LEVELS = ("复核",)  # workpaper.review_levels: e.g. [复核, 审定]
MAX_VALUES = 20_000  # figures, scores and checks a signature records for the diff
MAX_NOTES = 2_000
MAX_MOVED_SHOWN = 20
_VALUE_KEY = re.compile(r"[A-Z]{1,3}-\d{1,6}|总分|等级")
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


class _Signed(_Strict):
    """What every sign-off records: who, when, with what opinion, and the hashes and total of what was approved."""

    reviewer: PersonName
    date: DateText
    opinion: str = Field("", max_length=MAX_OPINION)
    inputs: list[_SignedInput] = Field(min_length=1)
    figures_sha256: Sha256
    total_score: str = Field("", max_length=40)
    grade: str = Field("", max_length=20)


class _SignOffFile(_Signed):
    """Format 1: one reviewer's sign-off (one level, 复核); still read, written as format 2 when signed again."""

    format: Literal[1]


def _value_key(value: str) -> str:
    if not _VALUE_KEY.fullmatch(value):
        raise ValueError("应为编号（如 C-04、S-01、K-02）或“总分”“等级”")
    return value


class _Signature(_Signed):
    """One level's sign-off, with the figures as then shown (for the diff after a change)."""

    level: str = Field(min_length=1, max_length=10)
    values: dict[Annotated[str, AfterValidator(_value_key)], Annotated[str, Field(max_length=80)]] = Field(
        default_factory=dict, max_length=MAX_VALUES)


class _Note(_Strict):
    """A review note (复核意见) on one id or section, with the preparer's reply and whether it is cleared."""

    id: Annotated[str, Field(pattern=r"^N-\d{2,4}$")]
    on: Annotated[str, Field(pattern=r"^[A-Za-z0-9_:-]{1,40}$")]
    by: PersonName
    date: DateText
    text: str = Field(min_length=1, max_length=MAX_OPINION)
    reply: str = Field("", max_length=MAX_OPINION)
    replied_by: PersonName | None = None
    replied: DateText | None = None
    cleared_by: PersonName | None = None
    cleared: DateText | None = None


class _ReviewFile(_Strict):
    """Format 2: the sign-offs of each review level in order, and the review notes."""

    format: Literal[2]
    signatures: list[_Signature] = Field(default_factory=list, max_length=5)
    notes: list[_Note] = Field(default_factory=list, max_length=MAX_NOTES)


@dataclass(frozen=True)
class SignOff:
    """What a reviewer signed at one level: who, when, with what opinion, and the hashes of what they approved."""

    reviewer: str
    date: str
    opinion: str
    inputs: tuple[tuple[str, str, str], ...]  # (role, path, sha256), as manifest.json records them
    figures_sha256: str
    file: str  # the sidecar as the user would name it, for messages
    total_score: str = ""  # as results.json stated them when signed: they must agree with the figures signed
    grade: str = ""
    level: str = "复核"
    values: tuple[tuple[str, str], ...] = ()  # each figure, score and check as then shown (signed_values)


@dataclass(frozen=True)
class Note:
    """A review note: on which id, by whom and when, the text, the reply, and who cleared it when."""

    id: str
    on: str
    by: str
    date: str
    text: str
    reply: str = ""
    replied_by: str = ""
    replied: str = ""
    cleared_by: str = ""
    cleared: str = ""

    @property
    def open(self) -> bool:
        return not self.cleared

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "on": self.on, "by": self.by, "date": self.date, "text": self.text,
                "reply": self.reply or None, "replied_by": self.replied_by or None, "replied": self.replied or None,
                "cleared_by": self.cleared_by or None, "cleared": self.cleared or None,
                "status": "未解决" if self.open else "已解决"}


@dataclass(frozen=True)
class ReviewFile:
    """The sidecar: each level's sign-off in the order signed, and the review notes."""

    signatures: tuple[SignOff, ...]
    notes: tuple[Note, ...] = ()
    file: str = ""

    @property
    def open_notes(self) -> tuple[Note, ...]:
        return tuple(n for n in self.notes if n.open)

    @property
    def latest(self) -> SignOff | None:
        return self.signatures[-1] if self.signatures else None

    # The latest signature's fields, for what reads a sidecar as one sign-off (format 1 had one).
    @property
    def reviewer(self) -> str:
        return self.latest.reviewer if self.latest else ""

    @property
    def date(self) -> str:
        return self.latest.date if self.latest else ""

    @property
    def opinion(self) -> str:
        return self.latest.opinion if self.latest else ""

    @property
    def inputs(self) -> tuple[tuple[str, str, str], ...]:
        return self.latest.inputs if self.latest else ()

    @property
    def figures_sha256(self) -> str:
        return self.latest.figures_sha256 if self.latest else ""


@dataclass(frozen=True)
class Review:
    """The review status shown in the appendix, results.json, the round page and ``evalkit verify``."""

    status: str  # 未复核 / 已复核 / 已复核，待审定 / 已审定 / 复核后已修改
    reviewer: str = ""  # the latest level's
    date: str = ""
    opinion: str = ""
    source: str = ""  # "signoff" (the sidecar), "params" (written in workpaper:), "" (none)
    changes: tuple[str, ...] = ()  # what no longer matches the sign-off
    levels: tuple[str, ...] = DEFAULT_LEVELS
    signatures: tuple[SignOff, ...] = ()
    notes: tuple[Note, ...] = ()
    moved: tuple[str, ...] = ()  # "C-04 96.54% → 97.14%": each value that differs from what was signed

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reviewer": self.reviewer or None, "date": self.date or None,
                "opinion": self.opinion or None, "source": self.source or None, "changes": list(self.changes),
                "levels": list(self.levels),
                "signatures": [{"level": s.level, "reviewer": s.reviewer, "date": s.date, "opinion": s.opinion or None}
                               for s in self.signatures],
                "moved": list(self.moved),
                "notes": [n.to_dict() for n in self.notes], "open_notes": len(self.open_notes)}

    @property
    def open_notes(self) -> tuple[Note, ...]:
        return tuple(n for n in self.notes if n.open)

    def signature(self, level: str) -> SignOff | None:
        return next((s for s in self.signatures if s.level == level), None)

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


def status_text(levels: tuple[str, ...], signed: int) -> str:
    """已复核 when every level has signed (the last level's name: 已审定), 已复核，待审定 part way, else 未复核."""
    if signed <= 0:
        return UNREVIEWED
    if signed >= len(levels):
        return f"已{levels[-1]}"
    return f"已{levels[signed - 1]}，待{levels[signed]}"


def review_levels(workpaper: Any) -> tuple[str, ...]:
    """The review levels after 编制, in signing order: the params' workpaper.review_levels, else 复核 alone."""
    levels = getattr(workpaper, "review_levels", None) if workpaper is not None else None
    return tuple(levels) if levels else DEFAULT_LEVELS


def _shown(value: Any, unit: Any, places: Any = None) -> str:
    """A figure as the appendix writes it (48,270,614.46 元, 96.54%): the same digits, grouping and sign."""
    from decimal import Decimal, InvalidOperation

    from evalkit.core import numbers

    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return numbers.format_quantity(number, str(unit or ""), places if isinstance(places, int) else None)


def signed_values(document: dict[str, Any]) -> dict[str, str]:
    """Each figure, indicator score and check result of a results document as a sign-off records it."""
    values: dict[str, str] = {}
    for f in document.get("figures") or []:
        if isinstance(f, dict) and f.get("ref") and f.get("value") is not None:
            values[str(f["ref"])] = _shown(f["value"], f.get("unit"), f.get("places"))
    for s in document.get("indicators") or []:
        if isinstance(s, dict) and s.get("ref"):
            values[str(s["ref"])] = "未评分" if s.get("score") is None else _shown(s["score"], "分")
    for c in document.get("checks") or []:
        if isinstance(c, dict) and c.get("id"):
            values[str(c["id"])] = "通过" if c.get("status") == "passed" else "未通过"
    values["总分"] = str(document.get("total_score", ""))
    values["等级"] = str(document.get("grade", ""))
    return {k: v[:80] for k, v in list(values.items())[:MAX_VALUES] if _VALUE_KEY.fullmatch(k)}


def value_changes(then: dict[str, str], now: dict[str, str]) -> tuple[str, ...]:
    """“C-04 96.54% → 97.14%” for each value that moved, then what is new or gone (verify's way of saying it)."""
    lines = [f"{key} {then[key]} → {now[key]}" for key in then if key in now and then[key] != now[key]]
    lines += [f"{key} 新增（{now[key]}）" for key in now if key not in then]
    lines += [f"{key} 已不存在（原为 {then[key]}）" for key in then if key not in now]
    return tuple(lines)


def stated_total(document: dict[str, Any]) -> tuple[str, str]:
    """The total and grade as a sidecar records them from a results document."""
    return str(document.get("total_score", "")), str(document.get("grade", ""))


def review_of(project: Any, figures: Callable[[], dict[str, Any]]) -> Review:
    """The project's review status now; ``figures`` gives results.json's figures (asked for only if signed).

    Each level's signature is compared with the inputs and figures as they
    are now; the first that no longer matches makes the project 复核后已修改,
    naming what changed and, where the signature recorded them, each value
    that moved. When the figures hash matches, the total and grade written in
    the sidecar must be those figures' own: a sidecar that says 优 over
    figures that say 良 was edited after signing, a change the reader must see.
    """
    record: ReviewFile | None = project.signoff
    wp = project.params.workpaper
    levels = review_levels(wp)
    notes = record.notes if record is not None else ()
    if record is not None and record.signatures:
        document = figures()
        digest, now = figures_sha256(document), signable_inputs(project)
        changes: tuple[str, ...] = ()
        moved: tuple[str, ...] = ()
        for signed in record.signatures:
            changes = compare(signed, now, digest)
            if not changes and (signed.total_score, signed.grade) != stated_total(document):
                total, grade = stated_total(document)
                changes = (f"签署文件所记总分 {signed.total_score}、等级 {signed.grade} 与所签署的计算结果（总分 {total}、"
                           f"等级 {grade}）不符：签署文件在签署之后被改动过",)
            if changes:
                if signed.values and FIGURES_CHANGED in changes:
                    moved = value_changes(dict(signed.values), signed_values(document))
                break
        latest = record.signatures[-1]
        status = MODIFIED if changes else status_text(levels, len(record.signatures))
        return Review(status, latest.reviewer, latest.date, latest.opinion, "signoff", changes, levels,
                      record.signatures, notes, moved)
    if wp is not None and wp.reviewer:
        return Review(REVIEWED, wp.reviewer, wp.reviewed or "", wp.opinion, "params", levels=levels, notes=notes)
    return Review(UNREVIEWED, levels=levels, notes=notes)


def read_sidecar(params: Path, shown: str, prepared: str | None = None, today: dt.date | None = None,
                 year: int | None = None, levels: tuple[str, ...] | None = None) -> ReviewFile | None:
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
    levels = tuple(levels or DEFAULT_LEVELS)
    try:
        if data.get("format") == 1:
            one = _SignOffFile.model_validate(data)
            model = _ReviewFile(format=2, signatures=[_Signature(level=levels[0], **one.model_dump(exclude={"format"}))])
        else:
            model = _ReviewFile.model_validate(data)
    except ValidationError as exc:
        err = from_validation_error(exc, file)
        raise InputError(Problem(p.file, p.where, p.message + RESIGN) for p in err.problems) from None
    today = today or dt.date.today()
    problems = []
    for index, signature in enumerate(model.signatures):
        where = f"signatures[{index}]（第{index + 1}项）." if data.get("format") != 1 else ""
        problems += [Problem(p.file, where + p.where, p.message)
                     for p in consistency_problems(signature, file, prepared, today, year)]
    problems += _level_problems(model, file, levels)
    if problems:
        raise InputError(problems)
    signatures = tuple(SignOff(m.reviewer, m.date, m.opinion.strip(), tuple((i.role, i.path, i.sha256) for i in m.inputs),
                               m.figures_sha256, file, m.total_score, m.grade, m.level, tuple(m.values.items()))
                       for m in model.signatures)
    notes = tuple(Note(n.id, n.on, n.by, n.date, n.text.strip(), n.reply.strip(), n.replied_by or "", n.replied or "",
                       n.cleared_by or "", n.cleared or "") for n in model.notes)
    return ReviewFile(signatures, notes, file)


def _level_problems(model: _ReviewFile, file: str, levels: tuple[str, ...]) -> list[Problem]:
    """Signatures one per level in the configured order, each by another person; note ids each once."""
    problems = []
    for index, signature in enumerate(model.signatures):
        where = f"signatures[{index}]（第{index + 1}项）.level"
        if index >= len(levels) or signature.level != levels[index]:
            expected = f"“{levels[index]}”" if index < len(levels) else "（没有更多层级）"
            problems.append(Problem(file, where, f"第 {index + 1} 级签署应为{expected}（参数文件 workpaper.review_levels："
                                                 f"{'、'.join(levels)}），实际为“{signature.level}”" + RESIGN))
    people = [" ".join(s.reviewer.split()) for s in model.signatures]
    for index, person in enumerate(people):
        if person in people[:index]:
            problems.append(Problem(file, f"signatures[{index}]（第{index + 1}项）.reviewer",
                                    f"{person} 已签署前一级；同一人不能签署同一项目的两级复核" + RESIGN))
    ids = [n.id for n in model.notes]
    for index, note in enumerate(model.notes):
        if note.id in ids[:index]:
            problems.append(Problem(file, f"notes[{index}]（第{index + 1}项）.id", f"复核意见编号 {note.id} 重复" + RESIGN))
    return problems


def future_date_problem(date: str, today: dt.date) -> str:
    """Why a review date read from a file cannot be true because it is still to come, or ""."""
    if dt.date.fromisoformat(date) <= today + CLOCK_SLACK:
        return ""
    return f"复核日期 {date} 晚于今天（{today.isoformat()}，按本机时钟）：复核不能在将来"


def consistency_problems(model: _Signed, file: str, prepared: str | None, today: dt.date,
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


