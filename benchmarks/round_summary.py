"""Round summary speed: writing index.html, summary.xlsx/csv and round.json for N projects.

    .venv/bin/python benchmarks/round_summary.py [--projects 1000] [--from outputs/examples]

Builds a fake round of N project folders from the results.json and appendix.html
of an already-run round (default: run `evalkit batch params/examples` first), so
no kernel runs; then times ``roundreport.write_round`` once, which reads every
results.json and writes the four round files. The budget is reading the
results.json files: the summary never re-evaluates a project.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from evalkit.runs.batch import OK, Outcome, RoundRun
from evalkit.outputs.roundreport import write_round


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--from", dest="source", default="outputs/examples")
    args = parser.parse_args()
    sources = sorted(p for p in Path(args.source).iterdir() if (p / "results.json").is_file())
    if not sources:
        raise SystemExit(f"{args.source} 中没有项目输出；先运行 evalkit batch params/examples")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "outputs"
        round_out = root / "r"
        projects = []
        for i in range(args.projects):
            source = sources[i % len(sources)]
            folder = round_out / f"p{i:04d}_{source.name}"
            folder.mkdir(parents=True)
            shutil.copy(source / "results.json", folder / "results.json")
            (folder / "appendix.html").write_text("x", encoding="utf-8")
            projects.append(Path(tmp) / "params" / "r" / f"{folder.name}.yaml")
        size = sum((round_out / p.stem / "results.json").stat().st_size for p in projects)
        run = RoundRun("r", round_out, tuple(Outcome(str(p), OK, 1.0) for p in projects), 1.0, projects=len(projects))
        started = time.perf_counter()
        write_round(run, projects, root)
        seconds = time.perf_counter() - started
        reading = time.perf_counter()
        import json

        for p in projects:
            json.loads((round_out / p.stem / "results.json").read_text(encoding="utf-8"))
        read_only = time.perf_counter() - reading
        sizes = {name: (round_out / name).stat().st_size for name in ("index.html", "summary.xlsx", "summary.csv")}
        print(f"{args.projects} 个项目（results.json 共 {size / 1e6:.1f} MB）：汇总用时 {seconds:.2f} 秒，"
              f"其中仅读取 results.json 约 {read_only:.2f} 秒")
        print("  " + "，".join(f"{k} {v / 1e3:.0f} KB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
