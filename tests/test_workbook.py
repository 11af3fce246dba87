"""The committed workbook: no outputs, thin cells, and it runs as JupyterLab would run it."""

import nbformat
from nbclient import NotebookClient

from conftest import ROOT

WORKBOOK = ROOT / "workbooks" / "project_evaluation.ipynb"


def test_committed_without_outputs_and_with_a_parameters_cell():
    nb = nbformat.read(WORKBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])][0]
    assert parameters.source.count(" = ") == 5  # params, results.json, scores.docx, workpaper.xlsx, manifest.json
    # thin: no cell longer than a few lines (the parameters cell is one line per output), no scoring logic
    assert all(len(c.source.splitlines()) <= 5 for c in code if c is not parameters)
    assert not any(word in c.source for c in code for word in ("def ", "for ", "Decimal", "quantize"))


def test_runs_unparameterized_from_the_workbooks_folder():
    nb = nbformat.read(WORKBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(WORKBOOK.parent)}}).execute()
    html = "".join(o["data"].get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs if o.get("output_type") in ("execute_result", "display_data"))
    assert "人工智能应用创新服务中心日常运营" in html and "97.20" in html
