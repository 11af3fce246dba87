"""The bad-input corpus: every case exits 2 with a Chinese message naming file, place and expectation.

Each file in tests/bad_inputs/ is one broken params file. Its header says what
the message must contain (``# expect: …``) and, when the problem is in a data
file, which file the message names (``# file: …``); otherwise it must name the
params file itself.
"""

from pathlib import Path

import pytest

from evalkit.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(CORPUS.glob("*.yaml"))


def header(path: Path, key: str) -> list[str]:
    prefix = f"# {key}: "
    return [line[len(prefix):].rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines(True)
            if line.startswith(prefix)]


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bad_input(case, tmp_path, capsys):
    expected = header(case, "expect")
    assert expected, f"{case.name} has no '# expect:' line"
    outputs = tmp_path / "outputs"
    status = main(["run", str(case), "--outputs", str(outputs)])
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert status == 2, text
    assert "Traceback" not in text and 'File "' not in text
    assert text.startswith("输入有误")
    named = header(case, "file")
    assert str(case.parent / named[0]) in text if named else str(case) in text, text
    for fragment in expected:
        assert fragment in text, f"{case.name}: missing {fragment!r} in:\n{text}"
    assert not outputs.exists()  # nothing was written


def test_a_case_through_the_installed_command(tmp_path):
    """The same through a real process: exit status 2 and no traceback on stderr."""
    import subprocess
    import sys

    case = CORPUS / "07_weight_as_text.yaml"
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "run", str(case), "--outputs", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "应为数字" in done.stderr
