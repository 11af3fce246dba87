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
import stat
import unicodedata
from pathlib import Path
from typing import Any

from evalkit.core.errors import InputError
from evalkit.inputs.names import file_kind, is_sidecar, sidecar_path
from evalkit.inputs.signoff import (
    FORMAT,
    MAX_OPINION,
    SIGNED_ROLES,
    SignOff,
    figures_sha256,
    input_label,
    signable_inputs,
    stated_total,
)

__all__ = ["check_review_date", "sidecar_text", "sign", "stale_reasons"]


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML): names and opinions stay text."""
    return json.dumps(text, ensure_ascii=False)

def sidecar_text(reviewer: str, date: str, opinion: str, inputs: list[dict[str, str]], figures: str,
                 total: str, grade: str) -> str:
    """The sidecar as written: fixed key order, every text quoted, so it reads the same back."""
    lines = [
        "# 复核签署：由 evalkit signoff 写出。哈希值记录复核时的输入与计算结果，请勿手工修改；",
        "# 输入或结果改变后，附件显示“复核后已修改”。重新复核请再运行 evalkit signoff。",
        f"format: {FORMAT}",
        f"reviewer: {_quoted(reviewer)}",
        f"date: {_quoted(date)}",
        f"opinion: {_quoted(opinion)}",
        f"total_score: {_quoted(total)}",
        f"grade: {_quoted(grade)}",
        "inputs:",
        *(f"  - {{role: {e['role']}, path: {_quoted(e['path'])}, sha256: {e['sha256']}}}" for e in inputs),
        f"figures_sha256: {figures}",
    ]
    return "\n".join(lines) + "\n"

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

def sign(params: Path, outputs_root: Path, reviewer: str, date: str | None, opinion: str,
         today: dt.date | None = None) -> tuple[Path, SignOff]:
    """Write the sidecar for ``params`` after checking its outputs are current; returns its path and record.

    The date may not be after ``today`` (default: the local clock's date) nor before the params' 编制日期.
    """
    from evalkit.outputs import manifest
    from evalkit.loader import load_project
    from evalkit.runs.runner import output_dir
    from evalkit.core.workpaper import parse_date, person_name

    shown = str(params)
    if is_sidecar(params):
        raise InputError.single(shown, "", "这是复核签署文件；请对参数文件签署：evalkit signoff params/<批次>/<项目>.yaml")
    if params.is_symlink():
        raise InputError.single(shown, "", "参数文件是符号链接；请对它指向的参数文件签署，签署文件写在参数文件所在的目录")
    reviewer = _check_text(reviewer, "reviewer", 50)
    if not reviewer:
        raise InputError.single("--reviewer", "", "应写复核人姓名")
    try:
        person_name(reviewer)  # the rule the sidecar is read with: what is signed can be read back
    except ValueError as exc:
        raise InputError.single("--reviewer", "", str(exc)) from None
    opinion = _check_text(opinion, "opinion", MAX_OPINION, multiline=True)
    today = today or dt.date.today()
    try:
        date = parse_date(date if date is not None else today.isoformat())
    except ValueError as exc:
        raise InputError.single("--date", "", str(exc)) from None
    project = load_project(params, read_data=False)
    wp = project.params.workpaper
    if wp is not None and wp.reviewer:
        raise InputError.single(shown, "workpaper.reviewer", "参数文件中已写复核人；复核信息只写一处：删去参数文件中的 "
                                "reviewer、reviewed、opinion 后再用 evalkit signoff 签署")
    check_review_date(date, today, wp.prepared if wp is not None else None, year=project.params.project.year)
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
    total, grade = stated_total(document)
    text = sidecar_text(reviewer, date, opinion, inputs, figures, total, grade)
    target = sidecar_path(params)
    _write_atomic(target, text)
    return target, SignOff(reviewer, date, opinion, tuple((e["role"], e["path"], e["sha256"]) for e in inputs),
                           figures, str(target), total, grade)

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
