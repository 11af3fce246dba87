"""The one place HTML is produced: a Jinja environment with autoescape on.

Params and data files are user text; they reach the page only as template
variables, so they are escaped by construction and cannot inject markup.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from evalkit.core import display, numbers
from evalkit.outputs.references import pattern

if TYPE_CHECKING:
    from evalkit.core.working import Figure

__all__ = ["environment", "macros", "render_figure", "appendix_css", "css_string", "link_refs"]


def link_refs(text: Any, links: Any = None) -> Markup:
    """User or computed text with every reference id it mentions made a link to that id's box.

    Escaped first, piece by piece; a link is inserted only for an id that is
    on this page (``links.ids``, from ``references.build``), so a document
    number that merely looks like an id (D-005) stays text and user text never
    becomes markup. Without ``links`` (a figure shown alone in Jupyter) the
    text is only escaped.
    """
    if isinstance(text, Markup):
        return text
    text = "" if text is None else str(text)
    rx = pattern(links.ids) if links is not None else None
    if rx is None:
        return escape(text)
    out, last = [], 0
    for m in rx.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<a class="ek-ref-link" href="#{0}">{0}</a>').format(m.group(0)))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; line breaks inside a paragraph are YAML wrapping."""
    return [_oneline(p) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _oneline(text: str) -> str:
    # Chinese needs no space where a line was wrapped; keep one between Latin words.
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    out = ""
    for line in lines:
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def _framework_citation(project: Any) -> str:
    """Where the framework came from, in words: 内置指标体系, 在参数文件中定义, or 指标体系文件 x.yaml (no folder)."""
    source = str(project.framework_source)
    if project.framework_path is None:
        return "在参数文件中定义"
    if source.startswith("内置："):
        return "内置指标体系"
    return "指标体系文件 " + re.split(r"[\\/]", source)[-1]


def _grade_text(grades: Any) -> str:
    parts = []
    for g in grades:
        parts.append(f"{g.name} ≥ {numbers.format_plain(g.min)} 分" if g.min is not None else f"{g.name}：其余")
    return "；".join(parts)


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a <style> element (for the printed running header).

    HTML escaping does not apply inside <style>, so the characters that could end
    the string, the rule or the element are written as CSS hex escapes instead.
    """
    out = []
    for ch in str(text):
        if ch in '\\"\'<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evalkit", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        # Templates are code: compiled once (in the kernel factory, for a batch) and never
        # re-read mid-round, so a round renders with the templates it started with.
        auto_reload=False,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["paragraphs"] = _paragraphs
    env.filters["oneline"] = _oneline
    env.filters["grade_text"] = _grade_text
    env.filters["refs"] = link_refs
    env.filters["framework_citation"] = _framework_citation
    env.filters["pct"] = lambda v: "—" if v is None else numbers.format_percent(v)
    env.filters["fixed"] = lambda v, places: numbers.format_number(v, places, grouping=False)
    return env


def macros() -> Any:
    """The appendix macros, callable from Python (``macros().working(figure)``)."""
    return environment().get_template("appendix.html.j2").module


def render_figure(figure: "Figure") -> str:
    return str(macros().working(figure))


@lru_cache(maxsize=1)
def appendix_css() -> str:
    """The appendix's stylesheet: kept in the nbconvert template's folder, so that the template used on its own
    (jupyter nbconvert --template evalkit) includes the same file."""
    return (resources.files("evalkit") / "templates" / "nbconvert" / "evalkit" / "appendix.css").read_text(encoding="utf-8")


# How figures and checks show in Jupyter (the core asks ``display``; it does not import this module).
display.register("figure", render_figure)
display.register("check", lambda check: str(macros().check(check)))
