"""Make Chromium's PDF of an appendix a binder's document: 目录 page numbers, bookmarks, stable bytes.

Chromium prints what the page lays out and nothing more: its PDF has no
outline, the printed 目录 cannot know on which page a section lands, and the
file carries the clock (CreationDate) so that two prints of one appendix
differ. This module does the three things a browser cannot, in two steps
around the printer:

- ``mark_copy`` prepares the copy Chromium prints (a BeautifulSoup tree):
  every box or row that should be bookmarked gets a link to itself (Chromium
  writes a named destination only for an anchor that some link targets), and
  every 目录 entry a fixed-width slot for its page number. ``number_contents``
  fills the slots from where the first print put each anchor; the slots do
  not change the layout, so the second print's pages are the first's.
- ``bind`` reads the printed PDF with pypdf, adds an outline (sections, then
  the indicators, checks and workings inside each, as the page shows them),
  opens with the outline shown, and writes it without dates or a random file
  identifier: identical appendices give identical PDFs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Mark", "anchor_pages", "bind", "contents_anchors", "mark_copy", "number_contents"]

# The items a reader looks for in a bound working paper, inside each section: indicators, checks, workings.
_ITEMS = "h3.ek-item[id], div.ek-check[id], div.ek-working[data-ek-anchor], div.ek-working[id], tr[id^='print-']"
_TITLE_LIMIT = 90


@dataclass
class Mark:
    """One bookmark: the anchor it points at, its title, and the bookmarks under it."""

    anchor: str
    title: str
    children: list[Mark] = field(default_factory=list)


def _text(node: Any) -> str:
    text = " ".join(node.get_text(" ", strip=True).split())
    return text if len(text) <= _TITLE_LIMIT else text[:_TITLE_LIMIT - 1] + "…"


def _item_title(node: Any) -> str:
    """The line a reader knows the item by: C-04 预算执行率, K-06 通过 …, S-03 项目决策 / … ."""
    if node.name == "tr":
        cells = node.find_all("td", limit=2)
        return _text(cells[0]) + " " + _text(cells[1]) if len(cells) == 2 else _text(node)
    if "ek-check" in (node.get("class") or []):
        head = node.find(class_="ek-check-head")
        return _text(head if head is not None else node)
    if "ek-working" in (node.get("class") or []):
        lhs = node.find(class_="lhs")
        return _text(lhs if lhs is not None else node)
    return _text(node)


def _hidden_on_paper(node: Any) -> bool:
    return any("ek-screen-only" in (parent.get("class") or []) for parent in node.parents if parent.name)


def mark_copy(soup: Any) -> list[Mark]:
    """Prepare the printed copy in place and return its bookmark tree (sections with their items).

    The ref badge of each bookmarked item becomes a link to the item itself, and
    each 目录 entry gets an empty page-number slot (``span.ek-toc-page``).
    Items inside parts that are not printed (``ek-screen-only``) are left out.
    """
    _anchor_first_lines(soup)
    marks: list[Mark] = []
    for section in soup.select("section.ek-section[data-ek-anchor]"):
        heading = section.find("h2")
        title = heading.find(string=True, recursive=False) or _text(heading)
        mark = Mark(section["data-ek-anchor"], " ".join(str(title).split()) or _text(heading))
        seen = set()
        for node in section.select(_ITEMS):
            anchor = node.get("data-ek-anchor") or node["id"]
            if anchor in seen or _hidden_on_paper(node):
                continue
            seen.add(anchor)
            badge = node.find(class_="ek-ref")
            if badge is not None and badge.name == "span" and not _hidden_on_paper(badge):
                badge.name = "a"
                badge["href"] = f"#{anchor}"
            mark.children.append(Mark(anchor, _item_title(node)))
        marks.append(mark)
    for link in soup.select("nav.ek-toc a[href^='#']"):
        slot = soup.new_tag("span", attrs={"class": "ek-toc-page"})
        link.insert(0, slot)
    return marks


def contents_anchors(soup: Any) -> list[str]:
    """The anchors the 目录 lists, in its order."""
    return [link["href"][1:] for link in soup.select("nav.ek-toc a[href^='#']")]


def _anchor_first_lines(soup: Any) -> None:
    """Move a section's id to its heading and a working's to its first line, in the printed copy.

    A box that runs onto the next page may begin with nothing but its top
    margin at the foot of the page before; Chromium places an anchor at the
    box's top edge, so the 目录 and the bookmark would name that page. The
    heading and the first line are never split from what follows them.
    """
    for holder, first in (("section.ek-section[id]", "h2"), ("div.ek-working[id]", "div.lhs")):
        for node in soup.select(holder):
            target = node.select_one(f":scope > {first}")
            if target is not None and not target.get("id"):
                target["id"] = node["id"]
                target["class"] = [*(target.get("class") or []), "ek-anchor"]
                del node["id"]
                node["data-ek-anchor"] = target["id"]


def number_contents(soup: Any, pages: dict[str, int]) -> None:
    """Write each 目录 entry's page number (1-based) into its slot; an anchor not printed keeps an empty slot."""
    for link in soup.select("nav.ek-toc a[href^='#']"):
        slot = link.find("span", class_="ek-toc-page")
        if slot is None:
            continue
        page = pages.get(link["href"][1:])
        slot.string = "" if page is None else str(page)


def anchor_pages(pdf: bytes) -> dict[str, int]:
    """Anchor → 1-based page number, from the named destinations Chromium wrote for linked anchors."""
    from pypdf import PdfReader

    return {anchor: index + 1 for anchor, (index, _, _) in _destinations(PdfReader(io.BytesIO(pdf))).items()}


def _destinations(reader: Any) -> dict[str, tuple[int, Any, Any]]:
    """Anchor → (page index, left, top) where Chromium put it."""
    found = {}
    for name, dest in reader.named_destinations.items():
        index = reader.get_destination_page_number(dest)
        if index is None or index < 0:
            continue
        found[str(name).lstrip("/")] = (index, getattr(dest, "left", None), getattr(dest, "top", None))
    return found


def bind(pdf: bytes, marks: list[Mark], title: str, creator: str) -> bytes:
    """The PDF with its outline, shown on opening, its title and creator, and no clock or random identifier."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    reader = PdfReader(io.BytesIO(pdf))
    places = _destinations(reader)
    writer = PdfWriter(clone_from=reader)

    def add(mark: Mark, parent: Any) -> None:
        place = places.get(mark.anchor)
        if place is None:
            return
        index, left, top = place
        fit = Fit.xyz(left=left, top=top) if top is not None else Fit.fit()
        item = writer.add_outline_item(title=mark.title, page_number=index, parent=parent, fit=fit)
        for child in mark.children:
            add(child, item)

    for mark in marks:
        add(mark, None)
    if marks:
        writer.page_mode = "/UseOutlines"
    writer.metadata = {"/Title": title, "/Creator": creator, "/Producer": str(reader.metadata.get("/Producer", ""))
                       if reader.metadata else ""}
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

