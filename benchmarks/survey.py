"""Survey statistics at scale, and ``evalkit validate`` on a large export.

    .venv/bin/python benchmarks/survey.py [--respondents 100000] [--questions 20]
    .venv/bin/python benchmarks/survey.py --validate [--respondents 1000000] [--questions 30] [--workdir DIR]

The default mode prints the time to clean and analyse a text export already in
memory (the statistics), the time to read the same export from a GBK CSV file,
and peak memory. Target: statistics under 1 second on the 2-core evaluation
machine.

``--validate`` writes a GBK CSV export and a params file that scores from it
(into ``--workdir``, reused when it already holds an export of that size), then
runs ``evalkit validate`` on it in a fresh process and prints its wall seconds
and peak resident memory. Target for 1,000,000 × 30: under 20 s and under 1 GB.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import _tree_rss  # noqa: E402
from synth_survey import EXAMPLE, benchmark_frame, write_benchmark_export  # noqa: E402

from evalkit.core.survey import analyse
from evalkit.inputs.tables import read_export  # noqa: E402
from evalkit.core.survey.spec import SurveySpec  # noqa: E402
from evalkit.core.working import RefCounter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def spec_dict(q: int, file: str = "bench.csv") -> dict:
    return {
        "file": file, "title": "基准问卷", "id_column": "答卷编号",
        "speeding": {"column": "用时(秒)", "min_seconds": 30}, "group_columns": ["身份"],
        "population": 2_000_000, "questions": [{"column": f"Q{j + 1}"} for j in range(q)],
    }


def spec_for(q: int) -> SurveySpec:
    return SurveySpec.model_validate(spec_dict(q))


def write_params(directory: Path, export: str, q: int) -> Path:
    """The bundled survey example (010), scoring from the benchmark export instead."""
    import yaml

    data = yaml.safe_load((EXAMPLE.parent.parent / "010_hotline_survey_demo.yaml").read_text(encoding="utf-8"))
    data["surveys"] = {"callers": spec_dict(q, export)}
    path = directory / "bench_params.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def validate(args: argparse.Namespace) -> None:
    directory = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    name = f"survey_{args.respondents}x{args.questions}.csv"
    export = directory / name
    if not export.exists():
        start = time.perf_counter()
        write_benchmark_export(export, args.respondents, args.questions)
        print(f"wrote {export} ({export.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
    params = write_params(directory, name, args.questions)
    verb = "run" if args.run else "validate"
    command = [sys.executable, "-m", "evalkit.cli", verb, str(params)]
    if args.run:
        command += ["--outputs", str(directory.parent / f"{directory.name}-outputs")]  # outside the params folder
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    walls, cpus = [], []
    tree_peak = 0
    for _ in range(args.repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        while done.poll() is None:  # the tree: the command and, for run, its kernel
            tree_peak = max(tree_peak, _tree_rss(done.pid))
            time.sleep(0.2)
        done.stdout_text, done.stderr_text = done.communicate()
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            sys.exit(f"{verb} failed ({done.returncode}):\n{done.stdout_text}{done.stderr_text}")
    # ru_maxrss of RUSAGE_CHILDREN is the largest of the waited-for children, in KiB on Linux
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"export                  : {export} ({export.stat().st_size / 1e6:.0f} MB, GBK)")
    print(f"respondents × questions : {args.respondents:,} × {args.questions}")
    print(f"{verb} output            : {done.stdout_text.strip()}")
    print(f"{verb} wall seconds      : best {min(walls):.1f} s of {args.repeat} ({', '.join(f'{w:.1f}' for w in walls)})")
    print(f"{verb} CPU seconds       : best {min(cpus):.1f} s (user + system; wall exceeds it on a busy machine)")
    print(f"{verb} peak RSS          : {rss:.0f} MiB (largest single process)")
    print(f"{verb} peak RSS, all processes together: {tree_peak / 2**20:.0f} MiB")


def statistics(args: argparse.Namespace) -> None:
    frame = benchmark_frame(args.respondents, args.questions)
    spec = spec_for(args.questions)
    analyse("b", spec, frame, "bench.csv", RefCounter("Q"))  # warm-up: imports, scipy

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = analyse("b", spec, frame, "bench.csv", RefCounter("Q"))
        times.append(time.perf_counter() - start)

    tracemalloc.start()
    analyse("b", spec, frame, "bench.csv", RefCounter("Q"))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        path.write_bytes(buf.getvalue().encode("gbk"))
        start = time.perf_counter()
        read_export(path, spec, str(path))
        read_seconds = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6

    overall = result.stats.overall
    print(f"respondents × questions : {args.respondents:,} × {args.questions}")
    print(f"cleaned respondents     : {result.cleaned.n:,} of {result.cleaned.raw_n:,}")
    print(f"overall satisfaction    : {overall.shown() if overall else '—'}; alpha {result.stats.alpha.shown()}")
    print(f"statistics (clean + analyse), best of {args.repeat}: {min(times):.3f} s (median {sorted(times)[len(times) // 2]:.3f} s)")
    print(f"read GBK CSV ({size_mb:.1f} MB)  : {read_seconds:.3f} s")
    print(f"peak traced memory during statistics: {traced_peak / 2**20:.1f} MiB")
    print(f"process max RSS         : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=None, help="default 100,000 (1,000,000 with --validate)")
    parser.add_argument("--questions", type=int, default=None, help="default 20 (30 with --validate)")
    parser.add_argument("--repeat", type=int, default=None, help="default 5 (1 with --validate)")
    parser.add_argument("--validate", action="store_true", help="time `evalkit validate` on a GBK CSV export")
    parser.add_argument("--run", action="store_true", help="with --validate: time `evalkit run` (kernel, appendix) instead")
    parser.add_argument("--workdir", help="with --validate: where to write (and reuse) the export and params")
    args = parser.parse_args()
    if args.validate:
        args.respondents = args.respondents or 1_000_000
        args.questions = args.questions or 30
        args.repeat = args.repeat or 1
        validate(args)
    else:
        args.respondents = args.respondents or 100_000
        args.questions = args.questions or 20
        args.repeat = args.repeat or 5
        statistics(args)


if __name__ == "__main__":
    main()
