"""A project whose figures and checks run over a data table of a million rows.

    .venv/bin/python benchmarks/large_table.py [--rows 1000000] [--workdir DIR]

Writes a CSV table of ``--rows`` rows (单位, 金额, 数量, 合计) and a params file
that sums the 金额 column as a figure, checks that sum against a stated total
(a column-sum check) and checks 合计 = 金额 + 数量 on every row (an identity
check with one failing row), into ``--workdir`` (a temporary folder by
default). Then, each in a fresh process, it runs

* ``evalkit validate`` on it: wall seconds and peak resident memory;
* load, evaluate and serialise results.json in-process (what the workbook's
  last cell does): seconds per phase, peak memory and the size of results.json.

Measured for 1,000,000 rows on the 2-core evaluation machine (shared, so
seconds vary): validate 22 s with a peak of 0.95 GB, results.json 17 KB; before
long lists were summarised and columns parsed once: 56 s, 1.5 GB and 448 MB
(5.5 GB peak to write it). Most of what remains is parsing each cell
(``numbers.parse_decimal``, about 5 µs) and holding the table's cells as text.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARAMS = """\
project: {id: "L", name: 长表测试}
framework:
  name: 测试指标体系
  indicators:
    - name: 产出
      weight: 100
      children:
        - name: 数量
          weight: 100
          children:
            - {name: 完成率, weight: 60, rule: {type: threshold, measure: {figure: rate}, full_at: 95, deduct: 1}}
            - {name: 合规性, weight: 40, rule: {type: per_finding, deduct: 1, findings: [F-1]}}
inputs:
  done: {name: 完成数, value: 90, unit: 个, source: 台账}
  plan: {name: 计划数, value: 100, unit: 个, source: 计划}
figures:
  - {id: total, kind: sum, table: t, column: 金额}
  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
checks:
  - {kind: sum, name: 明细合计, column: {table: t, column: 金额}, total: {value: "%(total)s", unit: 元, source: 报告}}
  - {kind: identity, name: 逐行合计, table: t, equation: "合计 = 金额 + 数量"}
tables:
  t: {file: data/large.csv, title: 明细表, units: {金额: 元, 合计: 元}}
"""


def write_project(folder: Path, rows: int) -> Path:
    """The params file and its table; reused when the folder already holds a table of that size."""
    params = folder / f"large_{rows}.yaml"
    if params.exists():
        return params
    (folder / "data").mkdir(parents=True, exist_ok=True)
    total = 0
    with open(folder / "data" / "large.csv", "w", encoding="utf-8", newline="") as out:
        out.write("单位,金额,数量,合计\n")
        for i in range(rows):
            cents = (i * 7919) % 1_000_000 + 25  # amounts with cents, in 分
            total += cents
            amount = f"{cents // 100}.{cents % 100:02d}"
            whole = f"{(cents + 100) // 100}.{(cents + 100) % 100:02d}" if i != rows - 1 else "0"
            out.write(f"单位{i},{amount},1,{whole}\n")
    text = PARAMS % {"total": f"{total // 100}.{total % 100:02d}"}
    params.write_text(text, encoding="utf-8")
    return params


def child_results(params: str) -> None:
    """Runs in a fresh process: phase timings, peak memory and results.json size, as JSON on stdout."""
    sys.path.insert(0, str(ROOT))
    from evalkit.core.evaluation import evaluate
    from evalkit.loader import load_project
    from evalkit.outputs.results import results_json

    times = {}
    start = time.perf_counter()
    project = load_project(params)
    times["load"] = time.perf_counter() - start
    start = time.perf_counter()
    ev = evaluate(project)
    times["evaluate"] = time.perf_counter() - start
    start = time.perf_counter()
    text = results_json(ev)
    times["results_json"] = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"times": times, "peak": peak, "bytes": len(text.encode("utf-8"))}))


def run(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident memory (bytes) and output of one command in a fresh process."""
    wrapper = ("import resource, runpy, sys; sys.argv = sys.argv[1:]; "
               "status = 0\n"
               "try:\n    runpy.run_module(sys.argv[0], run_name='__main__')\n"
               "except SystemExit as exc:\n    status = exc.code or 0\n"
               "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, file=sys.stderr)\n"
               "sys.exit(status)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    peak = next((int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK ")), 0)
    output = done.stdout + "\n".join(line for line in done.stderr.splitlines() if not line.startswith("PEAK "))
    return seconds, peak, output.strip()


def mb(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the table (default: temporary)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_results(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="evalkit-large-") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        params = write_project(folder, args.rows)
        size = (folder / "data" / "large.csv").stat().st_size
        print(f"table: {args.rows:,} rows, {mb(size)} ({time.perf_counter() - started:.1f} s to write)", flush=True)

        seconds, peak, output = run(["evalkit.cli", "validate", str(params)])
        print(f"evalkit validate: {seconds:.1f} s, peak {mb(peak)}")
        print(f"    {output.splitlines()[0] if output else ''}", flush=True)  # the result line; failed checks follow it

        done = subprocess.run([sys.executable, __file__, "--child", str(params)], capture_output=True, text=True,
                              cwd=ROOT)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            sys.exit(1)
        report = json.loads(done.stdout.strip().splitlines()[-1])
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in report["times"].items())
        size = report["bytes"]
        shown = mb(size) if size >= 1 << 20 else f"{size / 1024:,.1f} KB"
        print(f"in-process: {phases}; peak {mb(report['peak'])}; results.json {shown}")


if __name__ == "__main__":
    main()
