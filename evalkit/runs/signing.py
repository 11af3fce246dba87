"""Signing a review: ``evalkit signoff`` writes the sidecar a reviewer approves a project's figures with.

Reading and checking a sign-off (``signoff``) is an input every run needs;
signing is a command: it loads the project, compares what was run
(manifest.json, results.json) with the inputs as they are now, and writes
``<项目>.signoff.yaml`` atomically beside the params file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.core.errors import InputError
from evalkit.inputs.names import file_kind, is_sidecar, sidecar_path
from evalkit.inputs.signoff import (
    FORMAT,
    MAX_OPINION,
    SIGNED_ROLES,
    Note,
    ReviewFile,
    SignOff,
    compare,
    review_levels,
    signed_values,
    figures_sha256,
    input_label,
    signable_inputs,
    stated_total,
)

__all__ = ["Signed", "annotate", "check_review_date", "review_file_text", "sidecar_text", "sign", "stale_reasons"]


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML): names and opinions stay text."""
    return json.dumps(text, ensure_ascii=False)

def _signature_lines(sig: SignOff) -> list[str]:
    lines = [
        f"  - level: {_quoted(sig.level)}",
        f"    reviewer: {_quoted(sig.reviewer)}",
        f"    date: {_quoted(sig.date)}",
        f"    opinion: {_quoted(sig.opinion)}",
        f"    total_score: {_quoted(sig.total_score)}",
        f"    grade: {_quoted(sig.grade)}",
        "    inputs:",
        *(f"      - {{role: {role}, path: {_quoted(path)}, sha256: {digest}}}" for role, path, digest in sig.inputs),
        f"    figures_sha256: {sig.figures_sha256}",
    ]
    if sig.values:
        lines.append("    values:")
        lines += [f"      {_quoted(key)}: {_quoted(value)}" for key, value in sig.values]
    return lines


def _note_lines(note: Note) -> list[str]:
    lines = [f"  - id: {_quoted(note.id)}", f"    on: {_quoted(note.on)}", f"    by: {_quoted(note.by)}",
             f"    date: {_quoted(note.date)}", f"    text: {_quoted(note.text)}"]
    for key in ("reply", "replied_by", "replied", "cleared_by", "cleared"):
        value = getattr(note, key)
        if value:
            lines.append(f"    {key}: {_quoted(value)}")
    return lines


def review_file_text(signatures: tuple[SignOff, ...], notes: tuple[Note, ...] = ()) -> str:
    """The sidecar as written: fixed key order, every text quoted, so it reads the same back."""
    lines = [
        "# 复核记录：由 evalkit signoff（签署）与 evalkit note（复核意见）写出。哈希值记录各级签署时的输入与计算结果，",
        "# 请勿手工修改；输入或结果改变后，附件显示“复核后已修改”并列出变动的数值。重新签署请再运行 evalkit signoff。",
        f"format: {FORMAT}",
        "signatures:" if signatures else "signatures: []",
        *(line for sig in signatures for line in _signature_lines(sig)),
        "notes:" if notes else "notes: []",
        *(line for note in notes for line in _note_lines(note)),
    ]
    return "\n".join(lines) + "\n"


def sidecar_text(reviewer: str, date: str, opinion: str, inputs: list[dict[str, str]], figures: str,
                 total: str, grade: str, level: str = "复核", values: tuple[tuple[str, str], ...] = ()) -> str:
    """A sidecar holding one sign-off (tests and the first signature of a project)."""
    signature = SignOff(reviewer, date, opinion, tuple((e["role"], e["path"], e["sha256"]) for e in inputs), figures,
                        "", total, grade, level, values)
    return review_file_text((signature,))

def stale_reasons(recorded: Any, inputs: list[dict[str, str]], results_sha: str | None) -> list[str]:
    """Why the outputs do not belong to the inputs as they are now (a manifest model against hashes now)."""
    then = {(e.role, e.path): e.sha256 for e in recorded.inputs if e.role in SIGNED_ROLES}
    now = {(e["role"], e["path"]): e["sha256"] for e in inputs}
    reasons = [f"{input_label(*key)} 在上次运行之后已改变" for key in now if key in then and then[key] != now[key]]
    reasons += [f"{input_label(*key)} 上次运行时未用到" for key in now if key not in then]
    reasons += [f"{input_label(*key)} 现已不再使用" for key in then if key not in now]
    if results_sha is None:
        reasons.append("results.json 不存在或不是普通文件")
    elif results_sha != recorded.outputs.get("results.json"):
        reasons.append("results.json 与 manifest.json 的记录不一致（运行后被改动）")
    return reasons

def _check_text(value: str, what: str, limit: int, multiline: bool = False) -> str:
    text = value.strip()
    # control characters (C0, DEL, C1) and unpaired surrogates (a name in another encoding) would not read back
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cs") and not (multiline and c == "\n")]
    if bad:
        raise InputError.single(f"--{what}", "", "不能含控制字符" + ("" if multiline else "或换行"))
    # direction overrides and isolates (U+202A–202E, U+2066–2069) make printed text read in another order
    turned = [c for c in text if 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]
    if turned:
        raise InputError.single(f"--{what}", "", f"含改变文字方向的字符 U+{ord(turned[0]):04X}；打印出来的文字顺序会与所写不同")
    if len(text) > limit:
        raise InputError.single(f"--{what}", "", f"过长：{len(text)} 个字，最多 {limit} 个")
    return text

def check_review_date(date: str, today: dt.date, prepared: str | None, where: str = "--date",
                      year: int | None = None) -> None:
    """A review date that can be true: not after today and not before the working paper was prepared.

    ``today`` is passed in (the command reads the local clock) so that the rule stays a pure function.
    """
    if dt.date.fromisoformat(date) > today:
        raise InputError.single(where, "", f"复核日期 {date} 晚于今天（{today.isoformat()}）：不能签署将来的日期；"
                                           "请写实际复核的日期，或不写 --date（默认今天）")
    if year is not None and date < f"{year:04d}-01-01":
        raise InputError.single(where, "", f"复核日期 {date} 早于评价年度 {year} 年：请写实际复核的日期")
    if prepared and date < prepared:
        raise InputError.single(where, "", f"复核日期 {date} 早于参数文件中的编制日期 {prepared}（workpaper.prepared）："
                                           "复核应在编制之后；请核对两个日期")

@dataclass(frozen=True)
class Signed:
    """What ``sign`` wrote: the sidecar, the new signature, the one it replaced, and the higher ones it cleared."""

    path: Path
    signature: SignOff
    replaced: SignOff | None
    dropped: tuple[SignOff, ...]
    levels: tuple[str, ...]


def sign(params: Path, outputs_root: Path, reviewer: str, date: str | None, opinion: str,
         today: dt.date | None = None, level: str | None = None) -> Signed:
    """Sign ``params`` at ``level`` (default: the next level to sign) after checking its outputs are current.

    The date may not be after ``today`` (default: the local clock's date) nor before the params' 编制日期 or
    the level below's date. The levels below must be signed and still match; the preparer and anyone who
    signed another level may not sign; the last level is refused while review notes are open. Signing a
    level again replaces its signature and clears those above it (they approved what it approved).
    """
    from evalkit.outputs import manifest
    from evalkit.loader import load_project
    from evalkit.runs.runner import output_dir

    shown = str(params)
    if is_sidecar(params):
        raise InputError.single(shown, "", "这是复核签署文件；请对参数文件签署：evalkit signoff params/<批次>/<项目>.yaml")
    if params.is_symlink():
        raise InputError.single(shown, "", "参数文件是符号链接；请对它指向的参数文件签署，签署文件写在参数文件所在的目录")
    if not reviewer.strip():
        raise InputError.single("--reviewer", "", "应写复核人姓名")
    reviewer, opinion, date, today = _who_what_when(reviewer, "reviewer", opinion, "opinion", date, today)
    project = load_project(params, read_data=False)
    wp = project.params.workpaper
    if wp is not None and wp.reviewer:
        raise InputError.single(shown, "workpaper.reviewer", "参数文件中已写复核人；复核信息只写一处：删去参数文件中的 "
                                "reviewer、reviewed、opinion 后再用 evalkit signoff 签署")
    check_review_date(date, today, wp.prepared if wp is not None else None, year=project.params.project.year)
    levels = review_levels(wp)
    record: ReviewFile | None = project.signoff
    existing = record.signatures if record is not None else ()
    notes = record.notes if record is not None else ()
    if level is not None:
        level = " ".join(level.split())
        if level not in levels:
            raise InputError.single("--level", "", f"应为本项目的复核层级之一：{'、'.join(levels)}"
                                                   f"（参数文件 workpaper.review_levels）；实际为“{level}”")
        if levels.index(level) > len(existing):
            missing = levels[len(existing)]
            raise InputError.single("--level", "", f"“{missing}”尚未签署：各级依次签署，请先由{missing}人签署"
                                                   f"（evalkit signoff {shown} --level {missing}）")
    out = output_dir(outputs_root, params)
    run_first = f"请先运行 evalkit run {shown}（--outputs {outputs_root}），核对附件后再签署"
    try:
        recorded = manifest.load(out)
    except manifest.ManifestError:
        raise InputError.single(shown, "", f"找不到该项目的输出（{out / manifest.MANIFEST}）；{run_first}") from None
    if not recorded.inputs or recorded.inputs[0].role != "params" or recorded.inputs[0].path != params.name:
        raise InputError.single(shown, "", f"{out} 中的输出不是由此参数文件生成的；{run_first}")
    try:
        results_sha: str | None = manifest.file_sha256(out / "results.json", follow_symlinks=False)
        document = json.loads((out / "results.json").read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        results_sha, document = None, None
    inputs = signable_inputs(project)
    reasons = stale_reasons(recorded, inputs, results_sha)
    if reasons or not isinstance(document, dict):
        listed = "；".join(reasons) if reasons else "results.json 无法读取"
        raise InputError.single(shown, "", f"输出已过期，不能签署（{listed}）；{run_first}")
    figures = figures_sha256(document)
    if level is None:  # the first level whose signature is missing or no longer matches; else the last again
        level = next((levels[i] for i, signed in enumerate(existing) if compare(signed, inputs, figures)),
                     levels[min(len(existing), len(levels) - 1)])
    k = levels.index(level)
    _check_levels_below(shown, existing[:k], inputs, figures, date, reviewer, wp, level)
    if k == len(levels) - 1 and record is not None and record.open_notes:
        listed = "、".join(f"{n.id}（{n.on}）" for n in record.open_notes[:10])
        raise InputError.single(shown, "", f"还有 {len(record.open_notes)} 条未解决的复核意见（{listed}），不能签署最后一级"
                                           f"“{level}”：请编制人回复、提出人确认解决（evalkit note {shown} --clear N-01 --by 提出人）后再签署")
    total, grade = stated_total(document)
    target = sidecar_path(params)
    signature = SignOff(reviewer, date, opinion, tuple((e["role"], e["path"], e["sha256"]) for e in inputs),
                        figures, str(target), total, grade, level, tuple(signed_values(document).items()))
    _write_atomic(target, review_file_text((*existing[:k], signature), notes))
    return Signed(target, signature, existing[k] if k < len(existing) else None, existing[k + 1:], levels)


def _who_what_when(name: str, name_flag: str, text: str, text_flag: str, date: str | None,
                   today: dt.date | None) -> tuple[str, str, str, dt.date]:
    """A signer's or note author's name, their text and the date, checked by the rules the sidecar is read with
    (what is written can be read back); the date defaults to ``today`` (the local clock's unless given)."""
    from evalkit.core.workpaper import parse_date, person_name


    name = _check_text(name, name_flag, 50)
    try:
        person_name(name)
    except ValueError as exc:
        raise InputError.single(f"--{name_flag}", "", str(exc)) from None
    text = _check_text(text, text_flag, MAX_OPINION, multiline=True)
    today = today or dt.date.today()
    try:
        date = parse_date(date if date is not None else today.isoformat())
    except ValueError as exc:
        raise InputError.single("--date", "", str(exc)) from None
    return name, text, date, today


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _check_levels_below(shown: str, below: tuple[SignOff, ...], inputs: list[dict[str, str]], figures: str,
                        date: str, reviewer: str, wp: Any, level: str) -> None:
    """The levels under the one being signed: each still matching, each by someone else, none dated later."""
    if wp is not None and wp.preparer and _same_person(wp.preparer, reviewer):
        raise InputError.single("--reviewer", "", f"{reviewer} 是本项目的编制人（workpaper.preparer）：编制人不能复核自己的底稿")
    for signed in below:
        if _same_person(signed.reviewer, reviewer):
            raise InputError.single("--reviewer", "", f"{reviewer} 已签署“{signed.level}”：同一人不能签署同一项目的两级"
                                                       f"（“{level}”应由另一人签署）")
        changes = compare(signed, inputs, figures)
        if changes:
            raise InputError.single(shown, "", f"“{signed.level}”签署之后{'；'.join(changes)}：请先重新{signed.level}"
                                               f"（evalkit signoff {shown} --level {signed.level}），再签署“{level}”")
        if date < signed.date:
            raise InputError.single("--date", "", f"{level}日期 {date} 早于{signed.level}日期 {signed.date}：各级依次签署")


def _write_atomic(target: Path, text: str) -> None:
    """Write beside the target, then rename over it: a reader sees the old sign-off or the new one, whole.

    A symlink or directory in the sidecar's place is refused rather than replaced.
    """
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):

        raise InputError.single(str(target), "", f"已存在的复核签署文件是{file_kind(info.st_mode)}，不是普通文件；"
                                                 "请移走它后重新签署")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


_ID_ATTRIBUTE = re.compile(r'\sid="([A-Za-z0-9_:-]{1,40})"')


def _appendix_ids(params: Path, outputs_root: Path, shown: str) -> set[str]:
    """The ids a note may be attached to: every anchor of the project's appendix as last run (C-/S-/K-/F-/Q-, sections)."""
    from evalkit.runs.runner import output_dir

    page = output_dir(outputs_root, params) / "appendix.html"
    try:
        return set(_ID_ATTRIBUTE.findall(page.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        raise InputError.single(shown, "", f"找不到该项目的附件（{page}）；请先运行 evalkit run {shown}，"
                                           "复核意见要指向附件中的编号") from None


def annotate(params: Path, outputs_root: Path, by: str, *, on: str | None = None, text: str = "",
             reply: str | None = None, clear: str | None = None, date: str | None = None,
             today: dt.date | None = None) -> tuple[Path, Note, Note | None]:
    """Add a review note on an id (``on``), reply to one (``reply``) or clear one (``clear``); returns the sidecar,
    the note as written and, for a reply or a clearing, the note as it was (a second reply replaces the first).

    Notes live in the sidecar with the signatures and are not signed: adding
    one does not change what was approved. Only the note's author clears it;
    a cleared note takes no more replies.
    """
    from evalkit.loader import load_project

    shown = str(params)
    if is_sidecar(params) or params.is_symlink():
        raise InputError.single(shown, "", "应为项目的参数文件（不是签署文件或符号链接）")
    by, text, date, today = _who_what_when(by, "by", text, "text", date, today)
    if dt.date.fromisoformat(date) > today:
        raise InputError.single("--date", "", f"日期 {date} 晚于今天（{today.isoformat()}）")
    project = load_project(params, read_data=False)
    wp = project.params.workpaper
    if wp is not None and wp.prepared and date < wp.prepared:
        raise InputError.single("--date", "", f"日期 {date} 早于参数文件中的编制日期 {wp.prepared}：复核意见在编制之后")
    record: ReviewFile | None = project.signoff
    signatures, notes = (record.signatures, list(record.notes)) if record is not None else ((), [])
    if on is not None:
        on = on.strip()
        if on not in _appendix_ids(params, outputs_root, shown):
            raise InputError.single("--on", "", f"附件中没有编号“{on}”：应为附件中的编号，如 C-04、S-03、K-06、F-01，"
                                                f"或部分名 summary、checks、scoring、findings")
        if not text:
            raise InputError.single("--text", "", "应写复核意见的内容")
        number = max((int(n.id[2:]) for n in notes), default=0) + 1
        note = Note(f"N-{number:02d}", on, by, date, text)
        notes.append(note)
        before = None
    else:
        wanted = (reply or clear or "").strip().upper()
        index = next((i for i, n in enumerate(notes) if n.id == wanted), None)
        if index is None:
            listed = "、".join(n.id for n in notes) or "没有复核意见"
            raise InputError.single("--reply" if reply else "--clear", "", f"没有编号为“{wanted}”的复核意见（现有：{listed}）")
        note = before = notes[index]
        if note.cleared:
            raise InputError.single("--reply" if reply else "--clear", "", f"{note.id} 已于 {note.cleared} 由 {note.cleared_by} 确认解决")
        after = note.replied or note.date
        if date < after:
            raise InputError.single("--date", "", f"日期 {date} 早于 {note.id} 的"
                                                   f"{'回复' if note.replied else '提出'}日期 {after}：应依次回复、确认")
        if reply:
            if not text:
                raise InputError.single("--text", "", "应写回复的内容")
            note = Note(**{**note.__dict__, "reply": text, "replied_by": by, "replied": date})
        else:
            if not _same_person(note.by, by):
                raise InputError.single("--by", "", f"{note.id} 由 {note.by} 提出，应由提出人确认解决（--by {note.by}）")
            note = Note(**{**note.__dict__, "cleared_by": by, "cleared": date})
        notes[index] = note
    target = sidecar_path(params)
    _write_atomic(target, review_file_text(signatures, tuple(notes)))
    return target, note, before
