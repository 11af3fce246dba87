"""A round of many projects on an idle and on an oversubscribed machine: is any project lost?

    .venv/bin/python benchmarks/load.py [--projects 1000] [--loads 0,4,8] [-j N] [--timeout 900]

Generates a round of N projects from the bundled examples (as benchmarks/batch.py
does), then for each load level runs `evalkit batch --force` on it while CPU
hogs (busy-looping processes at normal priority) hold the machine at that
multiple of its cores: 4 means 4 × cores runnable hogs besides the batch. It
prints, per level, the projects that did not finish (failed or not run: the
target is 0), seconds per project, and the peak memory of the batch with all
its workers and kernels, sampled every 0.5 s. Memory is also measured for a
round a tenth of the size on the idle machine, to show it does not grow with
the number of projects.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import BIN, make_round, measured  # noqa: E402


def hogs(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run_batch(round_dir: Path, outputs: Path, jobs: int | None, timeout: int) -> dict:
    command = [str(BIN / "evalkit"), "batch", str(round_dir), "--outputs", str(outputs), "--force",
               "--timeout", str(timeout), *(["-j", str(jobs)] if jobs else [])]
    seconds, peak, output, status = measured(command, interval=0.5)
    document = json.loads((outputs / round_dir.name / "round.json").read_text(encoding="utf-8"))
    counts = document["counts"]
    failures = [p["params"] + ": " + p["error"].splitlines()[0] for p in document["projects"]
                if p["status"] == "failed"][:5]
    return {"exit": status, "seconds": seconds, "peak": peak, "counts": counts,
            "lost": counts["failed"] + counts["not_run"], "failures": failures,
            "last": output.strip().splitlines()[-1] if output.strip() else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--loads", default="0,4,8", help="oversubscription levels, multiples of the core count")
    parser.add_argument("-j", "--jobs", type=int, default=None)
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--no-small", action="store_true", help="skip the round of a tenth of the size")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    levels = [int(x) for x in args.loads.split(",") if x.strip()]
    print(f"machine: {cores} cores; round of {args.projects} projects generated from params/examples", flush=True)
    with tempfile.TemporaryDirectory(prefix="evalkit-load-") as tmp:
        base = Path(tmp)
        round_dir = make_round(base / "params" / "load", args.projects)[0].parent
        if not args.no_small:
            small = make_round(base / "params" / "small", max(1, args.projects // 10))[0].parent
            result = run_batch(small, base / "outputs-small", args.jobs, args.timeout)
            print(f"idle, {result['counts']['total']} projects: lost {result['lost']}, "
                  f"{result['seconds'] / result['counts']['total']:.3f} s per project, "
                  f"peak memory {result['peak'] / 2**20:.0f} MiB", flush=True)
        for level in levels:
            running = hogs(level * cores)
            try:
                result = run_batch(round_dir, base / f"outputs-{level}", args.jobs, args.timeout)
            finally:
                for hog in running:
                    hog.kill()
                for hog in running:
                    hog.wait()
            label = "idle" if level == 0 else f"{level}x oversubscribed ({level * cores} CPU hogs)"
            print(f"{label}, {result['counts']['total']} projects: lost {result['lost']} "
                  f"(failed {result['counts']['failed']}, not run {result['counts']['not_run']}), "
                  f"{result['seconds'] / result['counts']['total']:.3f} s per project ({result['seconds']:.0f} s), "
                  f"peak memory {result['peak'] / 2**20:.0f} MiB, exit {result['exit']}", flush=True)
            for line in result["failures"]:
                print(f"    {line}", flush=True)


if __name__ == "__main__":
    main()
