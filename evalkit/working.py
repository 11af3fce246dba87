"""Working objects: a computed figure that carries its own audit trail.

An evaluation report is only as credible as the reader's ability to trace each
number back to its inputs. So a figure is never a bare Decimal: it is a
``Figure`` that knows its formula, the quantities substituted into it with
their units and source citations, the unrounded and the rounded result and the
rounding rule, and a reference id (C-01 …) the report can cite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import numbers

__all__ = ["Quantity", "Figure", "RefCounter"]


@dataclass(frozen=True)
class Quantity:
    """One value that enters a formula, with where it came from."""

    name: str
    value: Decimal
    unit: str = ""
    source: str = ""
    ref: str = ""  # set when the value is itself a computed figure
    places: int | None = 2

    def shown(self) -> str:
        return numbers.format_quantity(self.value, self.unit, self.places)

    def citation(self) -> str:
        """Where to find this value: a document, a voucher, or another figure."""
        if self.ref and self.source:
            return f"{self.ref}（{self.source}）"
        return self.ref or self.source or "未注明来源"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": numbers.format_plain(self.value),
            "unit": self.unit,
            "source": self.source,
            "ref": self.ref,
        }


@dataclass(frozen=True)
class Figure:
    """A computed figure with its full working.

    ``value`` is ``unrounded`` quantized half-up to ``places``; both are kept
    so a reviewer can see that the rounding, not the arithmetic, produced the
    last digit.
    """

    ref: str
    key: str
    name: str
    kind: str
    formula: str
    inputs: tuple[Quantity, ...]
    substitution: str
    unrounded: Decimal
    value: Decimal
    unit: str
    places: int
    lines: tuple[str, ...] = ()
    note: str = ""
    notices: tuple[str, ...] = field(default=())
    # Scores may be rounded to one decimal but listed with two (seed 001: 3.2 shown as 3.20).
    display_places: int | None = None
    # A rounding other than half-up to ``places`` (a sample size is rounded up), stated as text.
    rounding_rule: str = ""

    @classmethod
    def computed(cls, *, unrounded: Decimal, places: int, **fields: Any) -> "Figure":
        """A figure whose value is its unrounded result rounded half-up to ``places``."""
        return cls(unrounded=unrounded, value=numbers.quantize(unrounded, places), places=places, **fields)

    @property
    def rounding(self) -> str:
        return self.rounding_rule or numbers.rounding_rule(self.places)

    def shown(self) -> str:
        places = self.places if self.display_places is None else self.display_places
        return numbers.format_quantity(self.value, self.unit, places)

    def unrounded_shown(self) -> str:
        text = numbers.format_unrounded(self.unrounded)
        return f"{text}%" if self.unit == numbers.PERCENT else f"{text} {self.unit}".rstrip()

    @property
    def was_rounded(self) -> bool:
        return self.unrounded != self.value

    def as_quantity(self, name: str | None = None) -> Quantity:
        """Use this figure as an input to another, citing it by reference."""
        return Quantity(
            name=name or self.name, value=self.value, unit=self.unit, ref=self.ref, places=self.places
        )

    def sources(self) -> list[str]:
        return [f"{q.name}: {q.citation()}" for q in self.inputs]

    def working_lines(self) -> list[str]:
        """The working as plain text lines, the way it reads on paper."""
        head = f"{self.name} = {self.formula}"
        pad = " " * (len(self.name) * 2 + 1)  # CJK characters are two columns wide
        out = [head]
        if self.substitution:
            out.append(f"{pad}= {self.substitution}")
        out.extend(f"{pad}  {line}" for line in self.lines)
        if self.was_rounded:
            out.append(f"{pad}= {self.unrounded_shown()}")
            out.append(f"{pad}= {self.shown()}（{self.rounding}）")
        else:
            out.append(f"{pad}= {self.shown()}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "value": numbers.format_number(self.value, self.places, grouping=False),
            "unrounded": numbers.format_plain(self.unrounded),
            "unit": self.unit,
            "places": self.places,
            "rounding": self.rounding,
            "formula": self.formula,
            "substitution": self.substitution,
            "lines": list(self.lines),
            "inputs": [q.to_dict() for q in self.inputs],
            "sources": self.sources(),
            "note": self.note,
            "notices": list(self.notices),
        }

    def __str__(self) -> str:
        return "\n".join([*self.working_lines(), f"[{self.ref}] " + "; ".join(self.sources())])

    def _repr_html_(self) -> str:
        from .html import render_figure

        return render_figure(self)


class RefCounter:
    """Hands out reference ids in a fixed order, so the same params give the same refs."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._next = 1

    def take(self) -> str:
        ref = f"{self.prefix}-{self._next:02d}"
        self._next += 1
        return ref
