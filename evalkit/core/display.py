"""How the core's objects show themselves in Jupyter, without the core importing the page that draws them.

A figure, a check or a whole evaluation typed at the end of a notebook cell
should look as the appendix shows it. The drawing lives in the presentation
modules (``html``, ``appendix``), which import the core; so the core asks this
registry, and the presentation registers its renderers when it is imported
(``evalkit.run`` imports it, as the workbook does). With nothing registered,
``_repr_html_`` returns None and Jupyter shows the plain ``repr``.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["html", "register"]

_RENDERERS: dict[str, Callable[[Any], str]] = {}


def register(kind: str, render: Callable[[Any], str]) -> None:
    """The HTML of every object of ``kind`` ("figure", "check", "evaluation") is ``render(obj)``."""
    _RENDERERS[kind] = render


def html(kind: str, obj: Any) -> str | None:
    render = _RENDERERS.get(kind)
    return None if render is None else render(obj)
