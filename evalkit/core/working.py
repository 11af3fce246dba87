"""Working objects: a computed figure that carries its own audit trail.

An evaluation report is only as credible as the reader's ability to trace each
number back to its inputs. So a figure is never a bare Decimal: it is a
``Figure`` that knows its formula, the quantities substituted into it with
their units and source citations, the unrounded and the rounded result and the
rounding rule, and a reference id (C-01 …) the report can cite.

A sum over a data column of a million rows keeps its addends as a
``ColumnQuantities`` sequence that makes each ``Quantity`` when it is asked for,
and results.json lists a long list (addends, check rows, working lines) as its
count, its first and last items and a note, the way the appendix shows it:
the data file itself, whose SHA-256 manifest.json records, is the full list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any, TypeVar, overload

from evalkit.core import display, limits, numbers

__all__ = ["Quantity", "Figure", "RefCounter", "ColumnQuantities", "exact", "listed", "full_list_note"]

T = TypeVar("T")


def exact() -> AbstractContextManager[Any]:
    """A decimal context in which sums and differences of numbers within the limits are exact.

    Decimal's default context keeps 28 significant digits and rounds silently
    past them (and ``quantize`` raises InvalidOperation), while a number a user
    may give has up to 40 digits between 10^30 and 10^-30. Results that fit in
    28 digits are the same in either context. Division keeps its own precision
    (``numbers.safe_divide``).
    """
    return localcontext(prec=limits.EXACT_DIGITS)


def full_list_note(count: int, what: str, files: Sequence[str] = ()) -> str:
    """Why a list in results.json is not complete, and where the complete one is."""
    where = f"数据文件 {'、'.join(files)}" if files else "项目的数据文件"
    return (f"共 {count:,} {what}，超过 {limits.MAX_TABLE_ROWS_SHOWN} {what}，只列出前 {limits.EDGE_ROWS_SHOWN} "
            f"{what}与后 {limits.EDGE_ROWS_SHOWN} {what}；完整内容见{where}（其 SHA-256 记录在 manifest.json）")


def listed(items: Sequence[T], render: Callable[[T], Any], what: str = "项", files: Sequence[str] = (),
           **extra: Any) -> list[Any] | dict[str, Any]:
    """A list for results.json: whole up to ``limits.MAX_TABLE_ROWS_SHOWN`` items, else summarised.

    The summary keeps the count, the first and last ``limits.EDGE_ROWS_SHOWN``
    items (as the appendix shows a long table), ``extra`` facts such as the
    total, and a note naming the data file that holds the full list.
    """
    count = len(items)
    if count <= limits.MAX_TABLE_ROWS_SHOWN:
        return [render(x) for x in items]
    edge = limits.EDGE_ROWS_SHOWN
    return {
        "count": count,
        **extra,
        "first": [render(x) for x in items[:edge]],
        "last": [render(x) for x in items[count - edge:]],
        "omitted": count - 2 * edge,
        "note": full_list_note(count, what, files),
    }


@dataclass(frozen=True)
class Quantity:
    """One value that enters a formula, with where it came from."""

    name: str
    value: Decimal
    unit: str = ""
    source: str = ""
    ref: str = ""  # set when the value is itself a computed figure
    places: int | None = 2
    # (table key, line in the file) when the value was read from a data-table cell: the appendix links to the row
    row: tuple[str, int] | None = None

    def shown(self) -> str:
        return numbers.format_quantity(self.value, self.unit, self.places)

    def citation(self) -> str:
        """Where to find this value: a document, a voucher, or another figure."""
        if self.ref and self.source:
            return f"{self.ref}（{self.source}）"
        return self.ref or self.source or "未注明来源"

    def to_dict(self) -> dict[str, Any]:
        # at the places the working shows it (300.00 万元 is "300.00", as the data file wrote it), never fewer digits
        # than it has: one number reads the same in results.json and the appendix
        places = self.places if self.places is not None else numbers.decimals(self.value)
        return {
            "name": self.name,
            "value": numbers.format_number(self.value, max(places, min(numbers.significant_decimals(self.value), 8)),
                                           grouping=False),
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
    inputs: Sequence[Quantity]  # a tuple, or for a long table column a lazy ColumnQuantities
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
    # The data file the inputs were read from (a sum over a table column), named when results.json summarises them.
    data_file: str = ""

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

    def rounding_step(self) -> str:
        """"3.2（四舍五入保留一位小数，列示为 3.20）": the digits the rule kept, then how they are listed.

        A rounding note beside a number with more digits than it names reads as
        a contradiction (seed 001 rounds scores to one decimal, lists two).
        """
        rounded = numbers.format_quantity(self.value, self.unit, self.places)
        shown = self.shown()
        return f"{rounded}（{self.rounding}）" if shown == rounded else f"{rounded}（{self.rounding}，列示为 {shown}）"

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
        return [_source(q) for q in self.inputs]

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
            out.append(f"{pad}= {self.rounding_step()}")
        else:
            out.append(f"{pad}= {self.shown()}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """For results.json; more than ``limits.MAX_TABLE_ROWS_SHOWN`` inputs are summarised (see ``listed``)."""
        files = (self.data_file,) if self.data_file else ()
        total = {"total": numbers.format_plain(self.unrounded)} if self.kind == "sum" else {}
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
            "lines": listed(self.lines, str, "行"),
            "inputs": listed(self.inputs, Quantity.to_dict, "项", files, **total),
            "sources": listed(self.inputs, _source, "项", files),
            "note": self.note,
            "notices": list(self.notices),
        }

    def __str__(self) -> str:
        return "\n".join([*self.working_lines(), f"[{self.ref}] " + "; ".join(self.sources())])

    def _repr_html_(self) -> str | None:
        return display.html("figure", self)


def _source(q: Quantity) -> str:
    return f"{q.name}: {q.citation()}"


class ColumnQuantities(Sequence[Quantity]):
    """The non-blank cells of a table column as quantities, each made when it is asked for.

    Reads exactly as ``tables.Table.quantities`` does (a test keeps the two
    equal), but holds only the row numbers: the appendix and results.json show
    the first and last addends of a long column, and a million ``Quantity``
    objects kept for that cost seconds and hundreds of megabytes.
    """

    __slots__ = ("_table", "_column", "_rows", "_unit", "_places", "_label")

    def __init__(self, table: Any, column: int, rows: Sequence[int], *, unit: str, places: int | None,
                 label_column: int | None) -> None:
        self._table, self._column, self._rows = table, column, rows
        self._unit, self._places, self._label = unit, places, label_column

    def _make(self, k: int) -> Quantity:
        i, table = self._rows[k], self._table
        row = table.rows[i]
        return Quantity(name=row[self._label] if self._label is not None else f"第 {table.line(i)} 行",
                        value=table.decimal(i, self._column, self._unit), unit=self._unit,
                        source=f"{table.title}第 {table.line(i)} 行", places=self._places,
                        row=(table.key, table.line(i)))

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Quantity: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Quantity, ...]: ...

    def __getitem__(self, index: int | slice) -> Quantity | tuple[Quantity, ...]:
        if isinstance(index, slice):
            return tuple(self._make(k) for k in range(*index.indices(len(self._rows))))
        count = len(self._rows)
        if not -count <= index < count:
            raise IndexError("ColumnQuantities index out of range")
        return self._make(index % count)

    def __iter__(self) -> Iterator[Quantity]:
        return (self._make(k) for k in range(len(self._rows)))

    def __repr__(self) -> str:
        return f"<{getattr(self._table, 'title', '')}第 {self._column + 1} 列的 {len(self._rows)} 项>"


class RefCounter:
    """Hands out reference ids in a fixed order, so the same params give the same refs."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._next = 1

    def take(self) -> str:
        ref = f"{self.prefix}-{self._next:02d}"
        self._next += 1
        return ref
