"""The nbconvert adapter (issue 21, item 4): our exporter writes the page nbconvert's own would, faster.

``AppendixExporter`` repeats ``HTMLExporter.from_notebook_node`` without its
final BeautifulSoup pass, using two private members of nbconvert. If a new
nbconvert changes what that method does, the two pages differ here, loudly,
before any appendix does.
"""

import nbformat
from bs4 import BeautifulSoup

from evalkit import __version__
from evalkit.outputs import nbexport
from evalkit.outputs.html import appendix_css


def _executed() -> nbformat.NotebookNode:
    """A small executed workbook: markdown, a hidden cell, code with HTML, text and an image output."""
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 项目绩效评价计算过程附件"),
        nbformat.v4.new_code_cell("params_file = 'x.yaml'", metadata={"tags": [nbexport.REMOVE_TAG]}),
        nbformat.v4.new_code_cell("appendix.summary(ev)", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<section id='summary'><h2>评分汇总</h2><table><tr><td>97.20</td></tr>"
                                               "</table><img alt='图' src='data:image/png;base64,iVBORw0KGgo='></section>",
                                  "text/plain": "<评分汇总>"})]),
        nbformat.v4.new_code_cell("print('x')", outputs=[nbformat.v4.new_output("stream", name="stdout", text="x\n")]),
    ]
    return nb


def _resources() -> dict:
    return {"metadata": {"name": "测试"},
            "evalkit": {"title": "测试", "css": appendix_css(), "version": __version__, "show_code": False}}


def test_the_appendix_exporter_writes_what_nbconvert_s_own_exporter_writes():
    import copy

    notebook = _executed()
    for show_code in (False, True):
        ours, _ = nbexport.make_exporter(show_code).from_notebook_node(copy.deepcopy(notebook), resources=_resources())
        stock, _ = nbexport.make_exporter(show_code, stock=True).from_notebook_node(copy.deepcopy(notebook),
                                                                                    resources=_resources())
        # the stock exporter's page is ours after its BeautifulSoup pass, which finds nothing to add
        assert str(BeautifulSoup(ours, features="html.parser")) == stock
        assert "评分汇总" in ours and "params_file" not in ours


def test_export_html_is_the_cached_exporter():
    page = nbexport.export_html(_executed(), "测试")
    assert "<title>测试</title>" in page and "97.20" in page
    assert nbexport._exporter(False) is nbexport._exporter(False)


def test_the_template_works_on_its_own_as_jupyter_nbconvert_uses_it(tmp_path):
    """Used outside evalkit (jupyter nbconvert --to html --template evalkit, the template folder given as an
    extra base dir): a real title (not “<built-in method title of str object …>”, nbconvert's "" for the
    missing resources), evalkit's stylesheet, no code, the cells tagged evalkit-remove left out — the page
    evalkit writes, without evalkit's resources."""
    import subprocess
    import sys
    from importlib import resources

    notebook = _executed()
    notebook.metadata["title"] = "人工智能应用创新服务中心日常运营"
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, str(path))
    templates = resources.files("evalkit") / "templates" / "nbconvert"
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--template", "evalkit",
                           f"--TemplateExporter.extra_template_basedirs={templates}", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "executed.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.title.string == "人工智能应用创新服务中心日常运营" and "built-in method" not in page
    assert appendix_css().strip()[:200] in page  # the same stylesheet, read from the template's folder
    assert "params_file" not in page and "appendix.summary" not in page and "print('x')" not in page  # no code
    assert "97.20" in page and soup.find("meta", attrs={"name": "generator"})["content"] == "evalkit"
