"""The one place evalkit leans on nbconvert's internals: exporting an executed workbook as the appendix page.

``HTMLExporter.from_notebook_node`` ends with a BeautifulSoup pass over the
finished page that adds alt texts and tabindex attributes to JupyterLab's cell
markup. Our template produces none of that markup, so the pass changes nothing
but costs most of the export time; ``AppendixExporter`` repeats the method
without it, which needs two private members of nbconvert's exporters
(``_init_resources`` and ``_nb_metadata``). They are used here and nowhere
else, and ``tests/test_nbexport.py`` fails loudly when a new nbconvert makes
the page differ from what the stock exporter writes.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any

from evalkit import __version__

__all__ = ["REMOVE_TAG", "export_html", "make_exporter"]

REMOVE_TAG = "evalkit-remove"  # workbook cells tagged so are run but not shown in the appendix

_EXPORTERS = threading.local()


def _exporter(show_code: bool):  # type: ignore[no-untyped-def]
    """One exporter per setting and thread, reused: building one costs more than converting,
    and an exporter is not safe to share between threads (it registers filters per call)."""
    cache = getattr(_EXPORTERS, "cache", None)
    if cache is None:
        cache = _EXPORTERS.cache = {}
    if show_code not in cache:
        cache[show_code] = make_exporter(show_code)
    return cache[show_code]


def make_exporter(show_code: bool, stock: bool = False):  # type: ignore[no-untyped-def]
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    class AppendixExporter(HTMLExporter):
        """HTMLExporter without its BeautifulSoup pass over the finished page.

        That pass adds alt texts and tabindex attributes to JupyterLab's cell
        markup, which our template does not produce (our images carry alt
        texts), and it re-parses the whole page: most of the export time.
        """

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[no-untyped-def]
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter(
                "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            )
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    templates = resources.files("evalkit") / "templates" / "nbconvert"
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_TAG}
    config.TagRemovePreprocessor.enabled = True
    # ``stock``: nbconvert's own HTMLExporter with the same settings, for the test that holds this one to it
    exporter = (HTMLExporter if stock else AppendixExporter)(
        config=config,
        template_name="evalkit",
        extra_template_basedirs=[str(templates)],
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return exporter


def export_html(notebook: Any, title: str, show_code: bool = False) -> str:
    from evalkit.outputs.html import appendix_css

    resources_ = {
        "metadata": {"name": title},
        "evalkit": {"title": title, "css": appendix_css(), "version": __version__, "show_code": show_code},
    }
    body, _ = _exporter(show_code).from_notebook_node(notebook, resources=resources_)
    return body
