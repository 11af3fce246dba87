"""Survey statistics at scale: 100,000 respondents × 20 questions.

    .venv/bin/python benchmarks/survey.py [--respondents 100000] [--questions 20]

Prints the time to clean and analyse a text export already in memory (the
statistics), the time to read the same export from a GBK CSV file, and peak
memory. Target: statistics under 1 second on the 2-core evaluation machine.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_survey import benchmark_frame  # noqa: E402

from evalkit.survey import analyse, read_export  # noqa: E402
from evalkit.survey.spec import SurveySpec  # noqa: E402
from evalkit.working import RefCounter  # noqa: E402


def spec_for(q: int) -> SurveySpec:
    return SurveySpec.model_validate({
        "file": "bench.csv", "title": "基准问卷", "id_column": "答卷编号",
        "speeding": {"column": "用时(秒)", "min_seconds": 30}, "group_columns": ["身份"],
        "population": 2_000_000, "questions": [{"column": f"Q{j + 1}"} for j in range(q)],
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
