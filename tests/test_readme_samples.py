"""Command output quoted in the README is what the program prints."""

from __future__ import annotations

from conftest import ROOT
from evalkit.cli import main


def test_the_failed_checks_sample_is_what_validate_prints(capsys, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n```\n", readme.index("例如种子 001 中同一金额在两处写作")) + 5
    sample = readme[start:readme.index("\n```", start)]
    monkeypatch.chdir(ROOT)
    main(["validate", "params/examples/001_futian_ai_centre.yaml"])
    assert capsys.readouterr().out.rstrip("\n") == sample
