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


def test_an_output_that_cannot_take_the_pdf_is_refused_before_printing(tmp_path, capsys, monkeypatch):
    folder = _outputs(tmp_path)
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "never-run"))
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for target, words in ((folder / "appendix.html", "不能把 PDF 写在附件本身上"), (tmp_path, "是一个目录"),
                          (tmp_path / "afile" / "x.pdf", "是文件而不是目录")):
        assert main(["print-pdf", str(folder), "-o", str(target)]) == 2
        assert words in capsys.readouterr().err
    assert (folder / "appendix.html").read_text(encoding="utf-8") == "<html></html>"


def test_a_failed_print_keeps_the_last_good_pdf(tmp_path, capsys, monkeypatch):
    """A browser that fails (here /bin/false) must not cost the PDF printed before."""
    folder = _outputs(tmp_path)
    good = tmp_path / "good.pdf"
    good.write_bytes(b"%PDF-1.4 good")
    monkeypatch.setenv("EVALKIT_CHROMIUM", "/bin/false")
    assert main(["print-pdf", str(folder), "-o", str(good)]) == 1
    assert "Chromium 未能打印" in capsys.readouterr().err
    assert good.read_bytes() == b"%PDF-1.4 good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.pdf", "outputs"]  # no partial file left
