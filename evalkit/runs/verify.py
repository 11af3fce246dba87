"""`evalkit verify`: establish that an appendix was made from exactly these inputs by this toolkit.

The manifest is validated first (manifest_schema) and every recorded input
path must lie inside the project folder (the params file's folder) or, for a
built-in framework, inside evalkit's frameworks folder; nothing else is ever
opened, hashed or shown. The recorded input hashes are then checked against
the files as they are now, the output files against the hashes recorded for
them, and the project is run again beside the original outputs (same relative
layout, so the same bytes are expected): every output is compared byte for
byte and the re-run's manifest with the recorded one, field by field. Where
something differs, the changed inputs and records are named and the figures
that moved are listed by reference id, name, old and new value.

Outcomes (``Verification.status``, also the exit status of ``evalkit verify``):

* 0 ``VERIFIED`` — inputs, records, versions and all outputs agree;
* 1 ``DIFFERS`` — an input, the manifest's record, an output file or a figure differs, or the output
  folder holds a file the manifest does not list (``evil.html`` beside the appendix is not evidence
  these inputs made; a PDF that ``evalkit print-pdf`` printed there is recorded in ``printed`` and
  checked against its hash and the appendix it shows);
* 2 ``UNVERIFIABLE`` — no usable manifest.json (missing, malformed, a path
  outside the project, a params file that is not a regular .yaml file) or the
  re-run failed (also when an input was changed into one that cannot run: the
  changed inputs are listed with the error);
* 3 ``VERSIONS_ONLY`` — inputs, records and every number in results.json
  (figures, scores, totals, check results) are the same and only software
  versions differ: the appendix states the versions it was made with, so its
  bytes differ; wording that a new version words differently (not a number)
  is listed but does not make it 1;
* 4 ``REVIEW_CHANGED`` — the outputs are what these inputs give (as for 0), but
  the project was signed off (``evalkit signoff``) and its inputs or figures
  have changed since: 复核后已修改, naming what changed. A project whose outputs
  also differ from their record is 1, with the same review lines.

The review status is read from the re-run's results.json (``review``), which
the kernel computed from the sign-off beside the params file (``signoff``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.outputs import manifest
from evalkit.core.errors import InputError, shown_text
from evalkit.inputs.manifest_schema import ManifestModel
from evalkit.inputs.signoff import FIGURES_CHANGED, FIGURES_SAME

__all__ = ["Verification", "verify", "moved_figures", "VERIFIED", "DIFFERS", "UNVERIFIABLE", "VERSIONS_ONLY",
           "REVIEW_CHANGED"]

VERIFIED, DIFFERS, UNVERIFIABLE, VERSIONS_ONLY, REVIEW_CHANGED = 0, 1, 2, 3, 4
COMPARED = ("appendix.html", "results.json", "executed.ipynb", "scores.docx", "workpaper.xlsx")
_ROLES = {"params": "参数文件", "framework": "指标体系", "data": "数据文件", "signoff": "复核签署", "workbook": "工作簿"}
_VERSION_KEYS = ("evalkit_version",)  # fields of results.json that state a version, not a figure
MAX_RESULTS_BYTES = 512 * 1024 * 1024


MOVED_SHOWN = 30  # values listed as moved since sign-off; the rest are counted


@dataclass
class Verification:
    out_dir: Path
    status: int = VERIFIED
    reason: str = ""
    problems: list[str] = field(default_factory=list)  # why it is unverifiable, one line each
    changed_inputs: list[str] = field(default_factory=list)
    manifest_changes: list[str] = field(default_factory=list)  # recorded manifest vs the re-run's
    tampered_outputs: list[str] = field(default_factory=list)  # output files vs their recorded hashes
    version_changes: list[str] = field(default_factory=list)
    constraints_change: str = ""  # the constraints file recorded vs the one in use now (never decides the status)
    text_changes: list[str] = field(default_factory=list)  # results.json wording that differs while no number does
    differing_outputs: list[str] = field(default_factory=list)  # original outputs vs the re-run's
    moved: list[str] = field(default_factory=list)
    review: dict[str, Any] | None = None  # the re-run's results.json "review": 复核状态 now
    unlisted: list[str] = field(default_factory=list)  # files in the output folder the manifest does not list
    notes: list[str] = field(default_factory=list)  # by-products named, never deciding the status

    def review_lines(self) -> list[str]:
        """The sign-off as it stands now: who signed, and whether the inputs and figures still match."""
        r = self.review
        if not isinstance(r, dict) or r.get("status") in (None, "未复核"):
            return []
        who = "，".join(str(x) for x in (r.get("reviewer"), r.get("date")) if x)
        signatures = [x for x in r.get("signatures") or [] if isinstance(x, dict)]
        if signatures:  # each level: 复核人 张三，2026-11-30；审定人 李四，2026-12-01
            who = "；".join(f"{x.get('level')}人 {x.get('reviewer')}，{x.get('date')}" for x in signatures)
        open_notes = r.get("open_notes") or 0
        notes = [f"  未解决的复核意见 {open_notes} 条（附件“复核意见”列出）"] if open_notes else []
        if r.get("status") == "复核后已修改":
            changes = [str(c) for c in r.get("changes") or []]
            if FIGURES_CHANGED not in changes:
                changes.append(FIGURES_SAME)
            moved = [str(m) for m in r.get("moved") or []]
            shown = [f"    {m}" for m in moved[:MOVED_SHOWN]]
            if len(moved) > MOVED_SHOWN:
                shown.append(f"    ……另有 {len(moved) - MOVED_SHOWN} 项")
            prefix = "" if self.status == REVIEW_CHANGED else "复核后已修改："
            return [f"  {prefix}复核签署（{who}）之后改变的（签署不再适用于现在的附件）："] + \
                [f"    {c}" for c in changes] + \
                (["  签署后变动的数值（签署时 → 现在）："] + shown if moved else []) + \
                ["  请复核人重新复核后再签署（evalkit signoff）"] + notes
        if r.get("source") != "signoff":  # written in workpaper: nothing was signed, so nothing can be compared
            return [f"  复核：已复核（{who}；写在参数文件中，未签署哈希，无法判断复核后是否修改）"] + notes
        return [f"  复核签署：{r.get('status')}（{who}），输入与计算结果与签署时一致"] + notes

    def lines(self) -> list[str]:
        out = self._lines()
        return out[:1] + self.review_lines() + out[1:] if self.status == REVIEW_CHANGED else out + self.review_lines()

    def _lines(self) -> list[str]:
        """The report, in Chinese; the first line states the outcome.

        0 ``verified：…``; 1 ``不一致：`` with what differs; 2 ``无法核验：…``;
        3 ``输入与全部数值、得分、核对结果均相同，仅软件版本不同：…``.
        """
        out = self._outcome_lines()
        if self.unlisted and self.status != DIFFERS:  # a re-run that failed: the folder was still checked
            out += self._unlisted_lines()
        if self.constraints_change:
            out.append(f"  约束文件（constraints.txt）：{self.constraints_change}")
        return out + [f"  另：{line}" for line in self.notes]

    def _unlisted_lines(self) -> list[str]:
        return (["  输出目录中有 manifest.json 未记录的文件（不是这些输入运行得到的，核验不能为它们作证；请移走后再核验）："]
                + [f"    {line}" for line in self.unlisted])

    def _outcome_lines(self) -> list[str]:
        if self.status == UNVERIFIABLE:
            return [f"无法核验：{self.reason}"] + [f"  {line}" for line in self.problems]
        if self.status == VERIFIED:
            return ["verified：输入文件与记录一致，重新运行的 " + "、".join(COMPARED) + " 与原输出逐字节相同"]
        if self.status == REVIEW_CHANGED:
            head = "复核后已修改：输出与现在的输入相符（重新运行的数值相同），但与复核人签署时的输入或计算结果不一致"
            return [head] + ([f"  另：软件版本与记录不同：{'；'.join(self.version_changes)}"] if self.version_changes else [])
        if self.status == VERSIONS_ONLY:
            head = "输入与全部数值、得分、核对结果均相同，仅软件版本不同："
            if len(self.version_changes) <= 3:
                out = [head + "；".join(self.version_changes)]
            else:
                out = [head] + [f"    {line}" for line in self.version_changes]
            if self.differing_outputs:
                out.append("  附件字节因所载版本说明不同：" + "、".join(self.differing_outputs)
                           + " 与原输出字节不同（results.json 中的各数值、得分与核对结果均相同）")
                if self.text_changes:
                    out.append("  results.json 中措辞不同（非数值）：" + "；".join(self.text_changes))
            else:  # the appendix states the versions it was made with: so they were today's
                out.append("  重新运行的 " + "、".join(COMPARED) + " 仍与原输出逐字节相同"
                           + "（附件所载版本即现在的版本，manifest.json 中的版本记录可能在运行后被改动）")
            return out
        out = ["不一致："]
        if self.changed_inputs:
            out.append("  变动的输入：")
            out += [f"    {line}" for line in self.changed_inputs]
        if self.manifest_changes:
            out.append("  manifest.json 的记录与重新运行不符：")
            out += [f"    {line}" for line in self.manifest_changes]
        if self.tampered_outputs:
            out.append("  输出文件与 manifest.json 记录的 sha256 不一致：")
            out += [f"    {line}" for line in self.tampered_outputs]
        if self.unlisted:
            out += self._unlisted_lines()
        if self.version_changes:
            out.append("  软件版本与记录不同：")
            out += [f"    {line}" for line in self.version_changes]
        if self.differing_outputs:
            out.append("  与原输出不同的文件：" + "、".join(self.differing_outputs))
        if self.moved:
            out.append("  变动的数值：")
            out += [f"    {line}" for line in self.moved]
        elif self.differing_outputs:
            out.append("  各数值与得分未变（差异不在计算结果中）")
        if self.reason:
            out.append(f"  {self.reason}")
        return out


def _unverifiable(out_dir: Path, reason: str, problems: list[str] | None = None) -> Verification:
    return Verification(out_dir, UNVERIFIABLE, reason, problems or [])


def _shown(entry: dict[str, Any]) -> str:
    value = entry.get("value")
    if value is None:
        value = entry.get("score")
    unit = entry.get("unit", "分" if "score" in entry else "")
    if value is None:
        return "—"
    return f"{value}%" if unit == "%" else f"{value} {unit}".rstrip()


def moved_figures(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Figures, scores and totals whose values differ between two results.json documents."""
    lines = []
    old_figures = {f["ref"]: f for f in old.get("figures", [])}
    for f in new.get("figures", []):
        before = old_figures.pop(f["ref"], None)
        if before is None:
            lines.append(f"{f['ref']} {f['name']} 新增：{_shown(f)}")
        elif (before["value"], before["unit"], before["name"]) != (f["value"], f["unit"], f["name"]):
            lines.append(f"{f['ref']} {f['name']} {_shown(before)} -> {_shown(f)}")
    lines += [f"{ref} {f['name']} 已不存在（原为 {_shown(f)}）" for ref, f in old_figures.items()]
    old_scores = {i["ref"]: i for i in old.get("indicators", [])}
    for i in new.get("indicators", []):
        before = old_scores.get(i["ref"])
        if before is not None and before["score"] != i["score"]:
            lines.append(f"{i['ref']} {'/'.join(i['path'])} 得分 {before['score']} -> {i['score']}")
    for key, label in (("total_score", "总分"), ("grade", "等级"), ("checks_failed", "核对未通过项数")):
        if old.get(key) != new.get(key):
            lines.append(f"{label} {old.get(key)} -> {new.get(key)}")
    # 已评分值 moves when an indicator becomes (or stops being) 未评分; older results.json files lack it.
    if "assessed_weight" in old and "assessed_weight" in new and old["assessed_weight"] != new["assessed_weight"]:
        lines.append(f"已评分值 {old['assessed_weight']} -> {new['assessed_weight']}")
    return lines


def _quoted(value: str) -> str:
    return f"“{value}”"


def _entry(role: str, path: str) -> str:
    return f"{_ROLES.get(role, role)} {path}"


def _read_output(path: Path) -> bytes | None:
    """An output file's bytes: a regular file (not a symlink, FIFO or device) of sane size, else None."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESULTS_BYTES:
            return None
        chunks = []
        for chunk in iter(lambda: os.read(fd, 1 << 22), b""):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _params_file(out_dir: Path, recorded: ManifestModel) -> Path | Verification:
    """The recorded params file, resolved: a regular .yaml/.yml file; else why verification cannot proceed."""
    where = f"{out_dir / manifest.MANIFEST}: params"
    candidate = out_dir / recorded.params
    try:
        info = os.stat(candidate)
        resolved = candidate.resolve()
    except (OSError, RuntimeError, ValueError):
        return _unverifiable(out_dir, f"找不到记录中的参数文件 {recorded.params}（相对于 {out_dir}）")
    if not stat.S_ISREG(info.st_mode):
        kind = manifest.file_kind(info.st_mode)
        return _unverifiable(out_dir, f"{where}: 记录的参数文件 {recorded.params} 是{kind}，不是普通的 .yaml/.yml 文件，未读取")
    if resolved.suffix.lower() not in (".yaml", ".yml"):
        return _unverifiable(out_dir, f"{where}: 记录的参数文件 {recorded.params} 指向的不是 .yaml/.yml 文件，未读取")
    return resolved


def _check_inputs(out_dir: Path, recorded: ManifestModel, params_dir: Path, book: Path,
                  result: Verification) -> set[tuple[str, str]] | None:
    """Compare each recorded input with the file now; the keys of those that changed.

    Every path is located (and confined) before any file is opened; if one
    leads outside the project, nothing is hashed and ``result`` becomes
    UNVERIFIABLE (None is returned).
    """
    located: list[tuple[Any, Path]] = []
    for index, entry in enumerate(recorded.inputs):
        try:
            located.append((entry, manifest.locate(entry, params_dir, book)))
        except manifest.PathRefused as exc:
            result.problems.append(f"{out_dir / manifest.MANIFEST}: inputs[{index}]（第{index + 1}项）.path: "
                                   f"{exc}：{_entry(entry.role, entry.path)}，未读取")
    if result.problems:
        result.status, result.reason = UNVERIFIABLE, "manifest.json 记录的输入路径超出项目目录，已拒绝："
        return None
    changed: set[tuple[str, str]] = set()
    for entry, where in located:
        label = _entry(entry.role, entry.path)
        try:
            now = manifest.input_sha256(entry.role, where)
        except manifest.NotRegularFile as exc:
            result.changed_inputs.append(f"{label}：不是普通文件（{exc.kind}），未读取")
        except FileNotFoundError:
            result.changed_inputs.append(f"{label}：文件已不存在")
        except OSError as exc:
            result.changed_inputs.append(f"{label}：无法读取（{exc.strerror or exc}）")
        else:
            if now == entry.sha256 or manifest.input_matches(entry.role, where, entry.sha256):
                continue
            result.changed_inputs.append(f"{label}：内容已改变（sha256 {entry.sha256[:12]}… -> {now[:12]}…）")
        changed.add((entry.role, entry.path))
    return changed


def _version_changes(recorded: dict[str, str]) -> list[str]:
    now = manifest.versions()
    names = list(now) + [name for name in recorded if name not in now]
    return [f"{name} {recorded.get(name, '（未记录）')} -> {now.get(name, '（未安装）')}"
            for name in names if recorded.get(name) != now.get(name)]


def _constraints_change(recorded: Any) -> str:
    """The constraints recorded in the manifest against those in use now; "" when the same or not recorded (older manifests)."""
    if recorded is None:
        return ""
    now = manifest.constraints()

    def shown(value: Any) -> str:
        if value == "none" or value is None:
            return "未使用约束文件"
        text = f"{value['name']} sha256 {value['sha256'][:12]}…"
        return text + (f"（未按约束安装：{'、'.join(value['differs'])}）" if value["differs"] else "")

    then = recorded if recorded == "none" else recorded.model_dump()
    return "" if then == now else f"{shown(then)} -> {shown(now)}"


def _manifest_changes(recorded: ManifestModel, again: ManifestModel, changed: set[tuple[str, str]]) -> list[str]:
    """The recorded manifest against the re-run's, field by field (versions and outputs are compared elsewhere)."""
    lines = []
    for name in ("id", "name", "round"):
        before, after = getattr(recorded.project, name), getattr(again.project, name)
        if before != after:
            lines.append(f"project.{name} 记录为 {_quoted(before)}，重新运行为 {_quoted(after)}")
    if recorded.params != again.params:
        lines.append(f"params 记录为 {_quoted(recorded.params)}，重新运行为 {_quoted(again.params)}")
    old = {(e.role, e.path): e.sha256 for e in recorded.inputs}
    new = {(e.role, e.path): e.sha256 for e in again.inputs}
    missing = [key for key in new if key not in old]
    extra = [key for key in old if key not in new]
    lines += [f"缺少输入记录：{_entry(*key)}（签署在上次运行之后写出，附件尚未显示签署；请重新运行 evalkit run）"
              if key[0] == "signoff" else f"缺少输入记录：{_entry(*key)}（重新运行时用到，manifest.json 的 inputs 中没有）"
              for key in missing]
    lines += [f"多出输入记录：{_entry(*key)}（manifest.json 的 inputs 中有，重新运行时未用到）" for key in extra]
    for key, digest in old.items():
        if key in new and new[key] != digest and key not in changed:
            lines.append(f"{_entry(*key)}：记录的 sha256 {digest[:12]}… 与重新运行时的 {new[key][:12]}… 不同")
    order = [(e.role, e.path) for e in recorded.inputs], [(e.role, e.path) for e in again.inputs]
    if not missing and not extra and order[0] != order[1]:
        lines.append("inputs 的顺序或重复项与重新运行不同")
    return lines


def _check_outputs(out_dir: Path, recorded: ManifestModel, again: ManifestModel, result: Verification) -> None:
    for name in COMPARED:
        expected, rerun = recorded.outputs[name], again.outputs[name]
        try:
            present: str | None = manifest.file_sha256(out_dir / name, follow_symlinks=False)
        except manifest.NotRegularFile as exc:
            present = None
            result.tampered_outputs.append(f"{name}：不是普通文件（{exc.kind}），未读取")
        except FileNotFoundError:
            present = None
            result.tampered_outputs.append(f"{name}：文件已不存在")
        except OSError as exc:
            present = None
            result.tampered_outputs.append(f"{name}：无法读取（{exc.strerror or exc}）")
        if present is not None and present != expected:
            hint = ""
            if present == rerun:
                hint = "；文件与重新运行的结果相同，被改动的是 manifest.json 中的记录"
            elif expected == rerun:
                hint = "；记录与重新运行的结果相同，文件在记录之后被改动"
            result.tampered_outputs.append(
                f"{name}：sha256 与 manifest.json 记录的不一致（记录 {expected[:12]}…，文件 {present[:12]}…{hint}）")
        if present != rerun:
            result.differing_outputs.append(name)


# What print-pdf leaves when it is killed mid-print: its partial PDF and its half-written manifest (removed by the next print).
_LEFTOVER = re.compile(r"\.(?:[^/\\]+\.pdf|manifest\.json)\.tmp-\d{1,10}")


def _name(name: str) -> str:
    """A file name as a line of the report: control characters and undecodable bytes escaped, never a new line."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)


def _check_folder(out_dir: Path, recorded: ManifestModel, result: Verification) -> None:
    """Every file in the output folder is one the manifest lists (or a known leftover); printed PDFs match their record.

    ``verify`` vouches for a folder, not only for the files it re-made: a
    page added beside the appendix would otherwise travel as verified.
    """
    listed = {manifest.MANIFEST, *recorded.outputs, *recorded.printed}
    for name, record in recorded.printed.items():
        try:
            present = manifest.file_sha256(out_dir / name, follow_symlinks=False)
        except FileNotFoundError:
            result.notes.append(f"{_name(name)}：manifest.json 记有 evalkit print-pdf 打印的此 PDF，现已不在输出目录中")
            continue
        except manifest.NotRegularFile as exc:
            result.tampered_outputs.append(f"{_name(name)}：不是普通文件（{exc.kind}），未读取")
            continue
        except OSError as exc:
            result.tampered_outputs.append(f"{_name(name)}：无法读取（{exc.strerror or exc}）")
            continue
        if present != record.sha256:
            result.tampered_outputs.append(f"{_name(name)}：sha256 与 manifest.json 中的打印记录不一致（记录 {record.sha256[:12]}…，"
                                           f"文件 {present[:12]}…；PDF 在打印之后被改动）")
        elif record.appendix != recorded.outputs["appendix.html"]:
            result.tampered_outputs.append(f"{_name(name)}：打印自另一份附件（sha256 {record.appendix[:12]}…），"
                                           "不是本目录记录的 appendix.html")
    try:
        entries = sorted(os.scandir(out_dir), key=lambda e: e.name)
    except OSError as exc:
        result.tampered_outputs.append(f"输出目录无法列出（{exc.strerror or exc}），未能检查其中是否有未记录的文件")
        return
    for entry in entries:
        if entry.name in listed:
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            mode = 0
        if stat.S_ISREG(mode) and _LEFTOVER.fullmatch(entry.name):
            result.notes.append(f"{_name(entry.name)}：被中断的 evalkit print-pdf 留下的临时文件（不是输出，可删除；下次打印时清理）")
        elif stat.S_ISREG(mode):
            result.unlisted.append(_name(entry.name))
        else:
            result.unlisted.append(f"{_name(entry.name)}（{manifest.file_kind(mode) if mode else '无法读取'}）")


def _carry(result: Verification, failed: Verification) -> Verification:
    """An unverifiable outcome that still names what was found in the folder before the re-run failed."""
    failed.unlisted, failed.notes = result.unlisted, result.notes
    return failed


def _shown_problem(problem: Any, params: Path, shown: Path) -> Any:
    """An input problem naming the params file (or a file beside it) as the user reaches it, not resolved."""
    from evalkit.core.errors import Problem

    file = problem.file
    if file == str(params):
        file = str(shown)
    elif shown.name == params.name and file.startswith(str(params.parent) + os.sep):
        file = str(shown.parent / file[len(str(params.parent)) + 1:])
    return Problem(file, problem.where, problem.message)


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?%?")
_OUTCOME_KEYS = {"status", "grade", "clamped", "rule", "kind", "unit", "money_unit", "ref", "id"}
MAX_TEXT_CHANGES = 5


def _leaves(document: Any, path: str = "") -> dict[str, Any]:
    """results.json flattened to {path: value}; list items are named by their ref or id, so paths read like C-04.value."""
    if isinstance(document, dict):
        out: dict[str, Any] = {}
        for key, value in document.items():
            out.update(_leaves(value, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(document, list):
        names = [(item.get("ref") or item.get("id")) if isinstance(item, dict) else None for item in document]
        if not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
            names = [str(index) for index in range(len(document))]  # unnamed or ambiguous: by position
        out = {}
        for name, item in zip(names, document):
            out.update(_leaves(item, f"{path}[{name}]"))
        return out
    return {path: document}


def _is_outcome(path: str, value: Any) -> bool:
    """A leaf that states a result (a number, a status, a grade, a unit), as opposed to wording."""
    if value is None or isinstance(value, (bool, int, float)):
        return True
    key = path.rsplit(".", 1)[-1]
    return key in _OUTCOME_KEYS or (isinstance(value, str) and _NUMBER.fullmatch(value.strip()) is not None)


def _compare_results(old: Any, new: Any) -> tuple[list[str], list[str]]:
    """The numbers, scores and check results that differ ("path old -> new"); and the wording that differs (paths).

    A new library version can word a working line differently (or a new
    evalkit add a field) without any figure moving; that is listed, not a
    difference in the evaluation. Any outcome leaf that moved, appeared or
    disappeared makes the results different.
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ([] if old == new else ["results.json 不是对象"]), []
    before, after = _leaves(_without_versions(old)), _leaves(_without_versions(new))
    outcomes, text = [], []
    for path in list(before) + [p for p in after if p not in before]:
        a, b = before.get(path, _MISSING), after.get(path, _MISSING)
        if a == b:
            continue
        if (a is not _MISSING and _is_outcome(path, a)) or (b is not _MISSING and _is_outcome(path, b)):
            outcomes.append(f"{path} {_leaf(a)} -> {_leaf(b)}")
        else:
            text.append(path)
    return outcomes, text


def _leaf(value: Any) -> str:
    return "（无）" if value is _MISSING else "null" if value is None else shown_text(str(value), quote=False)


_MISSING = object()


def _without_versions(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: v for k, v in document.items() if k not in _VERSION_KEYS}
    return document


def verify(out_dir: Path, workbook: Path | None = None) -> Verification:
    from evalkit.runs.runner import RunError, default_workbook, run_project

    result = Verification(out_dir)
    if (out_dir / "round.json").is_file() and not (out_dir / manifest.MANIFEST).exists():
        projects = sorted(p.name for p in out_dir.iterdir() if (p / manifest.MANIFEST).is_file())[:3]
        example = f"，如 evalkit verify {out_dir / projects[0]}" if projects else ""
        return _unverifiable(out_dir, f"{out_dir} 是批次的输出目录：verify 核验一个项目的输出目录{example}"
                                      f"（其中有 {manifest.MANIFEST}）")
    try:
        recorded = manifest.load(out_dir)
    except manifest.ManifestError as exc:
        problems = [str(p) for p in exc.problems]
        if len(problems) == 1:
            return _unverifiable(out_dir, problems[0])
        return _unverifiable(out_dir, f"{out_dir / manifest.MANIFEST} 有误（{len(problems)} 处）：", problems)
    _check_folder(out_dir, recorded, result)
    params = _params_file(out_dir, recorded)
    if isinstance(params, Verification):
        return _carry(result, params)
    book = (workbook or default_workbook()).resolve()
    changed = _check_inputs(out_dir, recorded, params.parent, book, result)
    if changed is None:
        return result
    result.version_changes = _version_changes(recorded.versions)
    result.constraints_change = _constraints_change(recorded.constraints)

    # Re-run beside the original, at the same depth, so relative paths (and so bytes) are the same.
    base = out_dir.resolve()
    rerun_dir = base.parent / f".{base.name}.verify-{os.getpid()}"
    figures_same = False
    try:
        try:
            run_project(params, out_dir=rerun_dir, workbook=book)
            again = manifest.load(rerun_dir)
        except (InputError, RunError, OSError, manifest.ManifestError) as exc:
            # A re-run that cannot run cannot verify (exit 2), also when an input was changed into a bad one:
            # the changed inputs are listed, and files are named as the user reaches them (not resolved).
            shown = Path(os.path.normpath(out_dir / recorded.params))
            if isinstance(exc, InputError):
                errors = [str(_shown_problem(p, params, shown)) for p in exc.problems]
            elif isinstance(exc, manifest.ManifestError):
                errors = [str(p) for p in exc.problems]
            else:
                errors = str(exc).replace(str(params.parent) + os.sep, str(shown.parent) + os.sep).splitlines()
            now = "按现在的输入" if result.changed_inputs else ""
            what = "（输入有误）" if isinstance(exc, InputError) else ""
            problems = list(errors)
            if result.changed_inputs:
                problems += ["变动的输入（与 manifest.json 的记录相比）："] + [f"  {x}" for x in result.changed_inputs]
            if len(errors) == 1 and not result.changed_inputs:
                return _carry(result, _unverifiable(out_dir, f"{now}重新运行失败{what}：{errors[0]}"))
            return _carry(result, _unverifiable(out_dir, f"{now}重新运行失败{what}：", problems))
        result.manifest_changes = _manifest_changes(recorded, again, changed)
        _check_outputs(out_dir, recorded, again, result)
        try:
            old_bytes, new_bytes = _read_output(out_dir / "results.json"), _read_output(rerun_dir / "results.json")
            if old_bytes is None or new_bytes is None:
                raise ValueError
            old, new = json.loads(old_bytes.decode("utf-8")), json.loads(new_bytes.decode("utf-8"))
            result.moved = moved_figures(old, new)
            outcomes, text = _compare_results(old, new)
            figures_same = not outcomes and not result.moved
            if outcomes and not result.moved:  # e.g. a check's status: name it rather than say no number moved
                result.moved = outcomes[:MAX_TEXT_CHANGES * 2] + (
                    [f"等 {len(outcomes)} 处"] if len(outcomes) > MAX_TEXT_CHANGES * 2 else [])
            result.text_changes = text[:MAX_TEXT_CHANGES] + (
                [f"等 {len(text)} 处"] if len(text) > MAX_TEXT_CHANGES else [])
            result.review = new.get("review") if isinstance(new.get("review"), dict) else None
        except (ValueError, RecursionError):
            result.reason = "原 results.json 无法读取"
        except (KeyError, TypeError, AttributeError):
            result.reason = "原 results.json 的内容不是 evalkit 写出的格式"
    finally:
        shutil.rmtree(rerun_dir, ignore_errors=True)
    evidence_changed = (result.changed_inputs or result.manifest_changes or result.tampered_outputs or result.unlisted
                        or result.reason)
    if evidence_changed or (result.differing_outputs and not result.version_changes):
        result.status = DIFFERS
    elif result.version_changes:
        result.status = VERSIONS_ONLY if figures_same else DIFFERS
    if result.status in (VERIFIED, VERSIONS_ONLY) and result.review and result.review.get("status") == "复核后已修改":
        result.status = REVIEW_CHANGED
    return result
