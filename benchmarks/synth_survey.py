"""Synthetic questionnaire exports: the bundled survey example and benchmark-sized files.

    python benchmarks/synth_survey.py --example   # rewrites params/examples/data/010_survey.csv (GBK)

The example plants known numbers of problem rows so that tests can check the
cleaning trail: 480 usable respondents, 12 blank answer sheets, 8 duplicates
(same 答卷编号), 6 completions under 60 seconds, 10 sheets with only 2 of 8
questions answered, and 15 answers off the 5-point scale (one per sheet, in
otherwise complete sheets). Everything is drawn from a seeded generator, so
the file is the same on every run.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "params" / "examples" / "data" / "010_survey.csv"

LABELS = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
QUESTIONS = [
    "Q1 热线接通及时性", "Q2 坐席服务态度", "Q3 诉求受理规范性", "Q4 办理时限", "Q5 办理结果",
    "Q6 回访及时性", "Q7 信息公开与告知", "Q8 总体评价",
]
IDENTITIES = (["个人", "企业", "机关事业单位"], [0.55, 0.35, 0.10])
STREETS = (["高塘岭街道", "月亮岛街道", "白沙洲街道", "大泽湖街道", "乌山街道"], [0.3, 0.25, 0.2, 0.15, 0.1])
ANSWER_P = [0.68, 0.27, 0.03, 0.015, 0.005]

PLANTED = {"usable": 480, "blank": 12, "duplicate": 8, "speeding": 6, "incomplete": 10, "out_of_scale": 15}


def _answers(rng: np.random.Generator, n: int, q: int, non_response: float) -> np.ndarray:
    """Answer texts; each respondent has a personal leaning so that questions correlate (alpha > 0)."""
    leaning = rng.normal(0, 0.5, size=(n, 1))
    base = rng.choice(5, size=(n, q), p=ANSWER_P)
    codes = np.clip(np.rint(base + leaning), 0, 4).astype(int)
    out = np.array(LABELS, dtype=object)[codes]
    out[rng.random((n, q)) < non_response] = "不了解"
    return out


def example_rows() -> list[list[str]]:
    rng = np.random.default_rng(20241018)
    q = len(QUESTIONS)
    good = _answers(rng, PLANTED["usable"], q, 0.03)
    # keep usable sheets comfortably complete: at most 2 non-responses each
    for i in range(len(good)):
        extra = np.flatnonzero(good[i] == "不了解")[2:]
        good[i, extra] = "满意"
    bad_rows = rng.choice(PLANTED["usable"], size=PLANTED["out_of_scale"], replace=False)
    for i in bad_rows:
        good[i, rng.integers(q)] = str(rng.choice(["6", "0", "9", "55"]))

    def person(i: int, answers: list[str], seconds: int) -> list[str]:
        identity = rng.choice(IDENTITIES[0], p=IDENTITIES[1])
        street = rng.choice(STREETS[0], p=STREETS[1])
        return [f"R{i:04d}", str(seconds), identity, street, *answers]

    rows = [person(i + 1, list(good[i]), int(rng.integers(90, 900))) for i in range(PLANTED["usable"])]
    n = PLANTED["usable"]
    for _ in range(PLANTED["blank"]):
        n += 1
        rows.append(person(n, [""] * q, int(rng.integers(20, 300))))
    for _ in range(PLANTED["speeding"]):
        n += 1
        rows.append(person(n, ["非常满意"] * q, int(rng.integers(12, 59))))
    for _ in range(PLANTED["incomplete"]):
        n += 1
        answers = [""] * q
        for j in rng.choice(q, size=2, replace=False):
            answers[j] = str(rng.choice(LABELS[:3]))
        rows.append(person(n, answers, int(rng.integers(90, 600))))
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    # duplicates: the same answer sheet submitted again, somewhere after the original
    for i in rng.choice(PLANTED["usable"], size=PLANTED["duplicate"], replace=False):
        original = next(pos for pos, row in enumerate(rows) if row[0] == f"R{i + 1:04d}")
        rows.insert(int(rng.integers(original + 1, len(rows) + 1)), list(rows[original]))
    return rows


def header() -> list[str]:
    return ["答卷编号", "用时(秒)", "身份", "所在街道", *QUESTIONS]


def write_example(path: Path = EXAMPLE) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header())
    writer.writerows(example_rows())
    path.write_bytes(buf.getvalue().encode("gbk"))


def benchmark_frame(n: int, q: int, seed: int = 7):
    """A large export as the survey tool would give it (text answers), as a DataFrame of str."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    answers = _answers(rng, n, q, 0.02)
    blank = rng.random(n) < 0.01
    answers[blank] = ""
    frame = pd.DataFrame(answers, columns=[f"Q{j + 1}" for j in range(q)])
    frame.insert(0, "答卷编号", [f"R{i:06d}" for i in range(n)])
    frame.insert(1, "用时(秒)", rng.integers(20, 900, size=n).astype(str))
    frame.insert(2, "身份", rng.choice(IDENTITIES[0], size=n, p=IDENTITIES[1]))
    return frame


def write_benchmark_export(path: Path, n: int, q: int, seed: int = 7) -> None:
    """``benchmark_frame`` written as a GBK CSV export (CRLF, as survey tools on Windows write)."""
    frame = benchmark_frame(n, q, seed)
    with open(path, "w", encoding="gbk", newline="") as out:
        frame.to_csv(out, index=False, lineterminator="\r\n", chunksize=100_000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--example", action="store_true", help="rewrite the bundled GBK example")
    args = parser.parse_args()
    if args.example:
        write_example()
        print(f"wrote {EXAMPLE}")
    else:
        parser.print_help()
