"""Batch speed: the naive papermill + nbconvert loop against `evalkit batch`.

    .venv/bin/python benchmarks/batch.py [--projects 100] [--naive 6] [--small 20]

Generates a round of N projects by copying the bundled examples (001, 003, the
survey, department and self-evaluation examples in turn), then prints, from one
run on this machine:

  (a) seconds per project for the loop a user writes today: `papermill` CLI,
      then `jupyter nbconvert --to html`, one project after another
      (measured on the first --naive projects);
  (b) seconds per project for `evalkit batch` with default settings;
  (c) the floor of starting a kernel and running one trivial cell;
  the ratio a/b, the time of an unchanged re-run of the round (whole command),
  which heavy libraries `evalkit --help` and that re-run import, and the peak
  memory (all processes of the batch together) for two round sizes.

Targets (issue 21): a/b >= 20 (about 0.2 s per project), an unchanged re-run of
100 projects under 0.5 s importing none of pandas, matplotlib, docx, openpyxl,
peak memory not growing with the number of projects.

Figures on the 2-core development machine, which is shared: the naive loop (one
process) and the batch (both cores) slow down differently when a neighbour
loads it, so compare only within one run.
  before (df80de4):   (a) 4.21 s, (b) 0.444 s per project: 9.5x; unchanged re-run 1.03 s
                      (imports openpyxl and numpy to rewrite summary.xlsx)
  after, quiet:       (a) 4.21 s, (b) 0.298 s per project: 14.1x; unchanged re-run 0.41 s
  after, loaded:      (a) 4.10 s, (b) 0.445 s per project:  9.2x; unchanged re-run 0.31 s
  --help and the unchanged re-run import none of the libraries listed above.
  Before and after interleaved on one 100-project round (--force, load 5 to 7):
  0.73 → 0.44 s per project (best of two), CPU of the whole process tree
  0.98 → 0.60 s per project. The 20x target is not reached.
Where a project's CPU goes now (one project at a time, measured with the
kernel factory): its kernel about 310 ms (start-up 40; the workbook's cells 270, of
which scores.docx and workpaper.xlsx ~65, the survey section's three charts
~300 ms for a survey project, i.e. ~60 on average here, evaluation ~25, the
other sections ~12, results.json ~5, and ~3 ms of Jupyter messaging per cell),
the batch worker about 80 ms (papermill and nbclient ~55, the appendix export 8,
reading the params 9), the kernel shim about 24 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "params" / "examples"
WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"
BIN = Path(sys.executable).parent


def make_round(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True)
    shutil.copytree(EXAMPLES / "data", folder / "data")
    shutil.copytree(EXAMPLES / "frameworks", folder / "frameworks")
    sources = sorted(EXAMPLES.glob("*.yaml"))
    made = []
    for i in range(n):
        source = sources[i % len(sources)]
        target = folder / f"p{i:04d}_{source.stem}.yaml"
        target.write_text(source.read_text(encoding="utf-8").replace(f'id: "{source.stem[:3]}"', f'id: "P{i:04d}"'),
                          encoding="utf-8")
        made.append(target)
    return made


def _tree_rss(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def measured(command: list[str], interval: float = 0.1) -> tuple[float, int, str, int]:
    """Run a command; its wall time, the peak memory of its whole process tree, its output and exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    stop.set()
    sampler.join()
    return time.perf_counter() - started, peak, output, process.returncode


def timed_batch(round_dir: Path, outputs: Path, extra: list[str] | None = None) -> tuple[float, int, str]:
    """Wall time and peak memory of one `evalkit batch` run."""
    command = [str(BIN / "evalkit"), "batch", str(round_dir), "--outputs", str(outputs), *(extra or [])]
    seconds, peak, output, status = measured(command)
    if status != 0:
        # A failed project is a figure to report, not a reason to lose the others' timings.
        failed = [line for line in output.splitlines() if "失败：" in line]
        print(f"evalkit batch exited {status}; {len(failed)} failed project(s):", file=sys.stderr)
        for line in failed[:10]:
            print(f"    {line.strip()}", file=sys.stderr)
    lines = output.strip().splitlines()
    return seconds, peak, lines[-1] if lines else f"(no output, exit {status})"


HEAVY = ("pandas", "numpy", "matplotlib", "docx", "openpyxl", "scipy", "jinja2", "nbformat", "papermill")
PROBE = """\
import sys
from evalkit.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(m for m in {heavy!r} if m in sys.modules)) or "none")
""".format(heavy=HEAVY)


def heavy_imports(*argv: str) -> str:
    """Which of HEAVY a fresh `evalkit …` process imported ("none" is the target for --help and a no-op batch)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else f"(failed: {done.stderr.strip()[-200:]})"


def naive(projects: list[Path], outputs: Path) -> float:
    outputs.mkdir(parents=True)
    started = time.perf_counter()
    for params in projects:
        executed = outputs / f"{params.stem}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(WORKBOOK), str(executed), "-p", "params_file", str(params),
                        "-p", "results_file", str(outputs / f"{params.stem}.json"), "--cwd", str(params.parent)],
                       check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, capture_output=True)
    return (time.perf_counter() - started) / len(projects)


def kernel_floor(repeat: int = 5) -> float:
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3")
        kc.execute_interactive("1", timeout=30, output_hook=lambda msg: None)
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--naive", type=int, default=6, help="projects timed for the naive loop")
    parser.add_argument("--small", type=int, default=20, help="the smaller round for the memory comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        base = Path(tmp)
        projects = make_round(base / "params" / "bench", args.projects)
        small = make_round(base / "params" / "small", args.small)

        a = naive(projects[: args.naive], base / "naive") if args.naive else float("nan")
        c = kernel_floor()
        seconds, peak_big, last = timed_batch(projects[0].parent, base / "outputs")
        b = seconds / len(projects)
        rerun, _, rerun_line = timed_batch(projects[0].parent, base / "outputs")
        imported = (heavy_imports("--help"),
                    heavy_imports("batch", str(projects[0].parent), "--outputs", str(base / "outputs")))
        _, peak_small, _ = timed_batch(small[0].parent, base / "outputs-small")

    print(f"machine: {os.cpu_count()} cores; round of {args.projects} projects generated from params/examples")
    print(f"(a) naive loop (papermill CLI + jupyter nbconvert), {args.naive} projects : {a:.3f} s per project")
    print(f"(b) evalkit batch, default settings, {args.projects} projects     : {b:.3f} s per project "
          f"({seconds:.1f} s in all)")
    print(f"(c) floor: start a kernel and run one trivial cell          : {c:.3f} s")
    print(f"ratio a/b                                                   : {a / b:.1f}")
    print(f"unchanged re-run of the {args.projects}-project round (whole command)  : {rerun:.3f} s")
    print(f"of {', '.join(HEAVY)} imported by: evalkit --help: {imported[0]}; the unchanged re-run: {imported[1]}")
    print(f"peak memory, all batch processes: {args.small} projects {peak_small / 2**20:.0f} MiB; "
          f"{args.projects} projects {peak_big / 2**20:.0f} MiB")
    print(f"last lines: {last}\n            {rerun_line}")


if __name__ == "__main__":
    main()
