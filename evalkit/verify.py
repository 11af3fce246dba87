"""`evalkit verify`: establish that an appendix was made from exactly these inputs by this toolkit.

The recorded input hashes are checked against the files as they are now, the
project is run again beside the original outputs (same relative layout, so
the same bytes are expected), and every output is compared byte for byte.
Where something differs, the changed inputs are named and the figures that
moved are listed by reference id, name, old and new value.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import manifest
from .errors import InputError

__all__ = ["Verification", "verify", "VERIFIED", "DIFFERS", "UNVERIFIABLE"]

VERIFIED, DIFFERS, UNVERIFIABLE = 0, 1, 2
COMPARED = ("appendix.html", "results.json", "executed.ipynb")
_ROLES = {"params": "参数文件", "framework": "指标体系", "data": "数据文件", "workbook": "工作簿"}


@dataclass
class Verification:
    out_dir: Path
    status: int = VERIFIED
    reason: str = ""
    changed_inputs: list[str] = field(default_factory=list)
    version_changes: list[str] = field(default_factory=list)
    differing_outputs: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.status == UNVERIFIABLE:
            return [f"无法核验：{self.reason}"]
        if self.status == VERIFIED:
            return ["verified：输入文件与记录一致，重新运行的 " + "、".join(COMPARED) + " 与原输出逐字节相同"]
        out = ["不一致："]
        if self.changed_inputs:
            out.append("  变动的输入：")
            out += [f"    {line}" for line in self.changed_inputs]
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
    return lines


def verify(out_dir: Path, workbook: Path | None = None) -> Verification:
    from .runner import RunError, default_workbook, run_project

    result = Verification(out_dir)
    recorded = manifest.read(out_dir)
    if recorded is None:
        return Verification(out_dir, UNVERIFIABLE, f"{out_dir / manifest.MANIFEST} 不存在或无法读取")
    params = (out_dir / recorded.get("params", "")).resolve()
    if not recorded.get("params") or not params.is_file():
        return Verification(out_dir, UNVERIFIABLE, f"找不到记录中的参数文件 {recorded.get('params')}（相对于 {out_dir}）")
    book = (workbook or default_workbook()).resolve()
    for entry in recorded.get("inputs", []):
        where = manifest.locate(entry, params.parent, book)
        role = _ROLES.get(entry["role"], entry["role"])
        if not where.is_file():
            result.changed_inputs.append(f"{role} {entry['path']}：文件已不存在")
        elif manifest.file_sha256(where) != entry["sha256"]:
            result.changed_inputs.append(
                f"{role} {entry['path']}：内容已改变（sha256 {entry['sha256'][:12]}… -> {manifest.file_sha256(where)[:12]}…）"
            )
    now = manifest.versions()
    for name, version in sorted(recorded.get("versions", {}).items()):
        if now.get(name) != version:
            result.version_changes.append(f"{name} {version} -> {now.get(name, '未安装')}")

    # Re-run beside the original, at the same depth, so relative paths (and so bytes) are the same.
    rerun_dir = out_dir.parent / f".{out_dir.name}.verify-{os.getpid()}"
    try:
        try:
            run_project(params, out_dir=rerun_dir, workbook=book)
        except (InputError, RunError) as exc:
            message = "\n".join(str(p) for p in exc.problems) if isinstance(exc, InputError) else str(exc)
            if result.changed_inputs:
                result.status, result.reason = DIFFERS, f"按现在的输入重新运行失败：{message}"
                return result
            return Verification(out_dir, UNVERIFIABLE, f"重新运行失败：{message}")
        for name in COMPARED:
            original, again = out_dir / name, rerun_dir / name
            if not original.is_file() or original.read_bytes() != again.read_bytes():
                result.differing_outputs.append(name)
        try:
            old = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
            new = json.loads((rerun_dir / "results.json").read_text(encoding="utf-8"))
            result.moved = moved_figures(old, new)
        except (OSError, ValueError):
            result.reason = "原 results.json 无法读取"
    finally:
        shutil.rmtree(rerun_dir, ignore_errors=True)
    if result.changed_inputs or result.differing_outputs:
        result.status = DIFFERS
    return result
