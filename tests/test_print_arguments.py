"""`evalkit print-pdf` arguments: only an output folder or an .html appendix is printed; a Chromium named by
EVALKIT_CHROMIUM that is not there is named in the message. No Chromium is needed (nothing is printed)."""

from __future__ import annotations

from evalkit.cli import main


def _outputs(tmp_path):
    folder = tmp_path / "outputs" / "r" / "p"
    folder.mkdir(parents=True)
    (folder / "appendix.html").write_text("<html></html>", encoding="utf-8")
    (folder / "results.json").write_text("{}", encoding="utf-8")
    return folder


def test_a_file_that_is_not_an_appendix_is_refused(tmp_path, capsys, monkeypatch):
    folder = _outputs(tmp_path)
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "never-run"))  # refused before any browser is looked for
    assert main(["print-pdf", str(folder / "results.json")]) == 2
    err = capsys.readouterr().err
    assert f"{folder / 'results.json'}: 不是附件：应为项目的输出目录或其中的 appendix.html" in err
    assert "Chromium" not in err
    assert sorted(p.name for p in folder.iterdir()) == ["appendix.html", "results.json"]  # no results.pdf


def test_an_evalkit_chromium_that_leads_nowhere_is_named(tmp_path, capsys, monkeypatch):
    folder = _outputs(tmp_path)
    monkeypatch.setenv("EVALKIT_CHROMIUM", "/nonexistent/chrome")
    assert main(["print-pdf", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "环境变量 EVALKIT_CHROMIUM 设为“/nonexistent/chrome”，但该路径不存在" in err
