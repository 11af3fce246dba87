"""A bureau's round of filled-in 自评表: N forms in five layouts with planted discrepancies, imported and run.

    .venv/bin/python benchmarks/forms_round.py [--forms 1000] [--keep DIR]

Writes N forms (tests/formmaker.py: standard 附件1, provincial header with
“（50分）” labels and “8分”, reordered columns with a two-row header, a
填表说明 sheet first, two forms per workbook, and the county layout — labels
and values in one cell, a 指标性质 column, goals one under the other, 自评等级
under 总分; a third of the standard ones with 预算执行率 as a row of the
indicator table), each with none, one or two
planted discrepancies of the kinds a bureau checks, and a key file
(key.json) naming, per form, the check categories that must fail. Then runs
``evalkit import-forms`` and ``evalkit batch`` as an operator would and
prints:

  recall        planted discrepancies found / planted (target 100%)
  false flags   failed checks the key does not name (target 0)
  refused       forms import-forms could not read (target 0)
  seconds/form  import, batch, and both, per form
  peak memory   all processes of the batch together

``run(folder, n)`` is what tests/test_forms_round.py runs on a 20-form slice.

Figures on the 2-core development machine (210e96c, otherwise quiet):
  1,000 forms in 6 layouts, 1,125 planted discrepancies: recall 1125/1125 = 100.0%, false flags 0, refused 0;
  import 0.005 s and batch 0.204 s per form (0.208 both); peak memory 1,532 MiB for all batch processes.
  (With two other jobs on the machine, 5 layouts: 0.326 s per form, 1,531 MiB.)
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from formmaker import LAYOUTS, FormSpec, sample, write_book  # noqa: E402

BIN = Path(sys.executable).parent


def _rows(**changes: dict[str, str]) -> list[Any]:
    rows = copy.deepcopy(sample().rows)
    for index, values in changes.items():
        for key, value in values.items():
            setattr(rows[int(index[1:])], key, value)
    return rows


_FUNDS_OFF = {"total": ("480", "520", "486.72"), "fiscal": ("450", "470", "440.72"), "carryover": ("30", "30", "30"),
              "other": ("0", "20", "15")}
_TRUNCATED = {"total": ("480", "520", "486.70"), "fiscal": ("450", "470", "441.70"), "carryover": ("30", "30", "30"),
              "other": ("0", "20", "15")}

# name → (changes to the consistent sample, the check categories that must fail)
PLANTS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "执行率写错": (dict(rate="93.50%"), {"报告数与重算数"}),
    "执行率截尾": (dict(funds=_TRUNCATED, rate="93.59%"), {"报告数与重算数"}),
    "执行率得分写错": (dict(funds_score="10", total_score="99.00"), {"报告得分与重算得分", "总分"}),
    "分项资金不符": (dict(funds=_FUNDS_OFF), {"分项资金之和"}),
    "得分超过分值": (dict(rows=_rows(r2=dict(score="12")), total_score="100.36"), {"报告得分与重算得分", "总分"}),
    "未完成记满分": (dict(rows=_rows(r1=dict(actual="6", deviation="选址调整，次年一季度建成"))), {"报告得分与重算得分", "总分"}),
    "总分加错": (dict(total_score="97.36"), {"得分加总", "总分"}),
    "等级不符": (dict(grade="良"), {"报告等级"}),
    "缺偏差说明": (dict(rows=_rows(r1=dict(actual="6", score="11.25")), total_score="94.61"), {"偏差说明"}),
    "完成情况与得分不符": (dict(rows=_rows(r3=dict(actual="部分完成", deviation="第四季度拨付延迟"))), {"完成情况与得分"}),
    "标注分值不符": (dict(labels={"产出指标": "45", "效益指标": "30", "满意度指标": "10"}), {"标注分值"}),
}
# two at once, where they do not touch the same figures
PAIRS = (("等级不符", "分项资金不符"), ("执行率写错", "缺偏差说明"), ("总分加错", "完成情况与得分不符"))


def _plan(i: int) -> list[str]:
    """Which plants form i gets: a quarter none, most one, some two."""
    names = list(PLANTS)
    if i % 4 == 0:
        return []
    if i % 7 == 0:
        return list(PAIRS[i % len(PAIRS)])
    return [names[i % len(names)]]


def write_forms(folder: Path, n: int) -> dict[str, list[str]]:
    """N forms under ``folder``; returns the key: project name (as import-forms names it) → expected categories."""
    folder.mkdir(parents=True, exist_ok=True)
    key: dict[str, list[str]] = {}
    i = 0
    book = 0
    while i < n:
        layout = LAYOUTS[book % len(LAYOUTS)]
        count = 2 if layout == "two_per_book" and n - i >= 2 else 1
        specs: list[FormSpec] = []
        for j in range(count):
            plan = _plan(i + j)
            if "标注分值不符" in plan and layout != "provincial":  # only that layout writes the labels
                plan = ["等级不符"]
            changes: dict[str, Any] = {}
            expected: set[str] = set()
            for name in plan:
                changes.update(copy.deepcopy(PLANTS[name][0]))
                expected |= PLANTS[name][1]
            spec = sample(**changes)
            spec.budget_in_table = layout in ("standard", "instructions") and (i + j) % 3 == 1  # 预算执行率 as a row
            spec.name = f"第{i + j + 1:04d}号项目"
            spec.unit = f"第{(i + j) % 37 + 1:02d}单位"
            specs.append(spec)
            stem = f"form{book:04d}"
            project = f"{stem}-自评表{j + 1}" if count == 2 else stem
            key[project] = sorted(expected)
        write_book(folder / f"form{book:04d}.xlsx", specs, layout)
        i += count
        book += 1
    return key


def _evalkit(*args: str) -> tuple[float, int, str]:
    from batch import measured  # benchmarks/batch.py: wall time and peak RSS of the whole process tree

    seconds, peak, output, status = measured([str(BIN / "evalkit"), *args])
    return seconds, peak, output if status == 0 or args[0] == "import-forms" else f"exit {status}: {output}"


def score(key: dict[str, list[str]], outputs: Path) -> dict[str, Any]:
    """Compare each project's failed checks (by category) with the key."""
    planted = found = false = 0
    missing: list[str] = []
    extra: list[str] = []
    for project, expected in key.items():
        path = outputs / project / "results.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError:
            missing.append(f"{project}: 没有结果")
            planted += len(expected)
            continue
        failed = {c.get("category") or c.get("kind") for c in data.get("checks", []) if c.get("status") == "failed"}
        planted += len(expected)
        found += len(set(expected) & failed)
        missing += [f"{project}: {k}" for k in sorted(set(expected) - failed)]
        wrong = sorted(failed - set(expected))
        false += len(wrong)
        extra += [f"{project}: {k}" for k in wrong]
    return {"planted": planted, "found": found, "false": false, "missing": missing, "extra": extra}


def run(folder: Path, n: int) -> dict[str, Any]:
    forms, round_dir, outputs = folder / "收到的自评表", folder / "params" / "forms", folder / "outputs"
    key = write_forms(forms, n)
    (folder / "key.json").write_text(json.dumps(key, ensure_ascii=False, indent=1), encoding="utf-8")
    t_import, _, out_import = _evalkit("import-forms", str(forms), str(round_dir))
    t_batch, peak, out_batch = _evalkit("batch", str(round_dir), "--outputs", str(outputs))
    result = score(key, outputs / "forms")
    written = len(list(round_dir.glob("*.yaml")))
    result.update(forms=len(key), refused=len(key) - written, import_seconds=t_import, batch_seconds=t_batch,
                  peak=peak, output=(out_import + out_batch)[-2000:])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--keep", default=None, help="write here instead of a temporary folder, and keep it")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="evalkit-forms-"))
    started = time.perf_counter()
    r = run(folder, args.forms)
    n = r["forms"]
    print(f"forms: {n} in {len(LAYOUTS)} layouts; planted discrepancies: {r['planted']}")
    print(f"recall        : {r['found']}/{r['planted']} = {100 * r['found'] / max(r['planted'], 1):.1f}%")
    print(f"false flags   : {r['false']}")
    print(f"refused forms : {r['refused']}")
    print(f"seconds/form  : import {r['import_seconds'] / n:.3f}, batch {r['batch_seconds'] / n:.3f}, "
          f"both {(r['import_seconds'] + r['batch_seconds']) / n:.3f}")
    print(f"peak memory   : {r['peak'] / 2**20:.0f} MiB (batch, all processes)")
    print(f"whole run     : {time.perf_counter() - started:.1f} s in {folder}")
    for line in (r["missing"] + r["extra"])[:20]:
        print("  ", line)
    if not args.keep:
        subprocess.run(["rm", "-rf", str(folder)], check=False)


if __name__ == "__main__":
    main()
