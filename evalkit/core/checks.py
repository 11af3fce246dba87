"""Declarative reconciliation checks and reported-versus-recomputed comparisons.

Published reports often do not add up (seed 001 states 192.46 and 192.47 for
the same spending). A reviewer declares in the params file what should tie
out; each check becomes a ``CheckResult`` with its working (expected, found,
difference, tolerance, sources), failures listed first in the appendix.

Checks run over every row of a table, however long; their arithmetic is exact
for every number within the limits (``working.exact``), and a column read by
several checks and figures is parsed once (``ColumnCache``). results.json lists
the rows of a long check as its failing rows (up to
``limits.MAX_FAILED_ROWS_LISTED``) and counts.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol, Union

from pydantic import Field, ValidationInfo, field_validator, model_validator

from evalkit.core import amounts, display, expressions, limits, numbers
from evalkit.core.errors import InputError, did_you_mean, shown_text
from evalkit.core.fields import Int, Level, Model, Num, Text
from evalkit.core.rules import Measure
from evalkit.core.table import Table, refuse_an_unnamed_total, refuse_undeclared_totals
from evalkit.core.working import ColumnQuantities, Quantity, exact, listed

__all__ = [
    "CheckResult",
    "CheckRow",
    "CheckSpec",
    "CheckError",
    "ColumnCache",
    "column_precision",
    "reported_figure",
    "reported_grade",
    "reported_score",
    "run_check",
    "stated_explanation",
    "stated_attainment",
]

PASSED, FAILED = "passed", "failed"
_FAILING_ROWS = {"group_sum": "不符的分组", "same": "不一致之处", "identity": "不符的行"}
STATUS_TEXT = {PASSED: "通过", FAILED: "未通过"}


class CheckError(ValueError):
    """A check that cannot be evaluated (unknown figure or column, malformed identity)."""


class _CheckBase(Model):
    name: Text = Field(min_length=1, description="核对事项名称")
    tolerance: Num | None = Field(
        None,
        description=(
            "允许的差额，与比较的数值同单位。不填（默认）时按所述值的精度比较，不设容差："
            "所述合计为两位小数时，重算值四舍五入到两位小数后须与之完全相同，差 0.01 即不通过"
        ),
    )
    note: Text = Field("", description="说明")
    category: Text = Field("", description="核对类别，如“分项资金之和”：批次汇总按类别统计不符的核对（不写时按核对类型）")

    @field_validator("tolerance")
    @classmethod
    def _non_negative(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError("tolerance 不能为负数")
        return value



class ColumnRef(Model):
    table: str = Field(description="数据表 id")
    column: str = Field(description="列名")
    label_column: str | None = Field(None, description="逐行列示时的名称列")


class SumCheck(_CheckBase):
    """各项之和等于所述合计。"""

    kind: Literal["sum"]
    items: list[Measure] | None = Field(
        None, description="相加的各项（数值 id 或直接给出的数值）；与 column 同时给出时，为该列之外另加的各项")
    column: ColumnRef | None = Field(None, description="或：数据表某列的全部行")
    total: Measure = Field(description="所述合计（数值 id 或直接给出的数值及其来源）")
    places: Int | None = Field(
        None, ge=0, le=8,
        description="比较的小数位数；不填时按所述合计的小数位数，数据表一列中各单元格小数位数不一时按其中最多的位数")

    @model_validator(mode="after")
    def _one_source(self) -> "SumCheck":
        if self.items is None and self.column is None:
            raise ValueError("应给出 items（各项）或 column（数据表某列），或两者（列合计另加各项）")
        return self


class SameCheck(_CheckBase):
    """同一数值在多处列示，应当一致。"""

    kind: Literal["same"]
    values: list[Measure] = Field(min_length=2, description="各处列示的该数值，各带来源")


class GroupSide(Model):
    table: str = Field(description="数据表 id")
    key: str = Field(description="分组（对应）列")
    column: str = Field(description="金额列")


class GroupSumCheck(_CheckBase):
    """明细表按某列分组汇总，应与汇总表逐行相符。"""

    kind: Literal["group_sum"]
    detail: GroupSide = Field(description="明细表")
    summary: GroupSide = Field(description="汇总表")
    key_aliases: dict[str, str] = Field(
        default_factory=dict, description="明细表中与汇总表写法不同的名称：{明细写法: 汇总写法}"
    )


class IdentityCheck(_CheckBase):
    """数值之间的等式，如“收入合计 = 财政拨款 + 其他收入”；给出 table 时对该表逐行核对（名称为列名）。"""

    kind: Literal["identity"]
    equation: Text = Field(description="等式；名称为数值 id（或 table 的列名），含空格的名称用反引号括起")
    table: str | None = Field(None, description="逐行核对的数据表 id")
    blank: Literal["zero", "skip"] = Field(
        "zero", description="逐行核对时等式中的空白单元格：zero 按 0 计（默认）；skip 视为未列示，该行不核对并在核对中列出"
                            "（只列示了部分数字的表）")

    @field_validator("equation")
    @classmethod
    def _parses(cls, value: str, info: ValidationInfo) -> str:
        try:
            expressions.parse_equation(value)
        except expressions.ExpressionError as exc:
            name = info.data.get("name")
            owner = f"（核对事项{shown_text(name)}）" if isinstance(name, str) else ""
            raise ValueError(f"等式无法解析{owner}：{exc}{expressions.quoting_hint(value)}") from None
        return value


class RangeCheck(_CheckBase):
    """数值应在范围之内（如完成率不超过 100%）。"""

    kind: Literal["range"]
    measure: Measure
    min: Level | None = Field(None, description="下限（含）")
    max: Level | None = Field(None, description="上限（含）")

    @model_validator(mode="after")
    def _bounds(self) -> "RangeCheck":
        if self.min is None and self.max is None:
            raise ValueError("应给出 min 或 max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min 不能大于 max")
        return self


CheckSpec = Annotated[
    Union[SumCheck, SameCheck, GroupSumCheck, IdentityCheck, RangeCheck], Field(discriminator="kind")
]
CHECK_KINDS = ("sum", "same", "group_sum", "identity", "range")
KIND_NAMES = {"sum": "合计", "same": "一致性", "group_sum": "分组汇总", "identity": "等式", "range": "范围",
              "reported_figure": "报告数与重算数", "reported_score": "报告得分与重算得分", "reported_grade": "报告等级",
              "explanation": "偏差说明", "attainment": "完成情况与得分"}


@dataclass(frozen=True, slots=True)  # slots: a check over a million rows holds a million of these
class CheckRow:
    label: str
    expected: Decimal | None
    found: Decimal | None
    difference: Decimal | None
    status: str
    note: str = ""


class TableRow:
    """A row of a row-by-row identity check: reads as a ``CheckRow``; label and difference are made when read.

    A check over a million rows holds a million of these; storing the row
    number instead of its label, and not the difference, saves about 40% of
    their memory and the time to format a million labels nobody reads.
    """

    __slots__ = ("_table", "_row", "expected", "found", "status")
    note = ""

    def __init__(self, table: Table, row: int, expected: Decimal, found: Decimal, status: str) -> None:
        self._table, self._row = table, row
        self.expected, self.found, self.status = expected, found, status

    @property
    def label(self) -> str:
        return f"第 {self._table.line(self._row)} 行（{self._table.rows[self._row][0]}）"

    @property
    def difference(self) -> Decimal:
        with exact():
            return self.found - self.expected

    def __repr__(self) -> str:
        return f"TableRow({self.label!r}, {self.expected!r}, {self.found!r}, {self.status!r})"


@dataclass(frozen=True)
class CheckResult:
    """A check with its working.

    Every kind reads the same way: ``expected`` is the stated value (所述值),
    ``found`` the recomputed one (重算值) and ``difference`` is found − expected
    (差额), so a positive difference always means the recomputation is larger.
    ``places`` is the precision the three are shown at: at least the stated
    precision, more where the recomputed value needs it (99.98% beside a
    stated 99%, not 100.00%). ``tolerance`` is None unless the params set one;
    ``basis`` says how the comparison was made, in words.
    """

    ref: str
    kind: str
    name: str
    status: str
    expected: Decimal | None
    found: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None
    unit: str
    formula: str
    lines: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    rows: tuple[CheckRow | TableRow, ...] = ()
    note: str = ""
    subject: str = field(default="")  # the figure or indicator a reported check is about
    data_files: tuple[str, ...] = ()  # the tables it reads, named when results.json summarises its rows
    places: int | None = None
    basis: str = ""
    compared: int | None = None  # the decimals the two values were compared at (no tolerance), for the headline
    remark: str = ""  # what else failed the check (a score above its weight), said in the headline too
    category: str = ""  # what a round counts it as (分项资金之和, 总分 …); "" counts it by its kind

    @property
    def category_text(self) -> str:
        return self.category or self.kind_name

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    def shown(self, value: Decimal | None) -> str:
        if value is None:
            return "—"
        return numbers.format_quantity(value, self.unit, self._places)

    def shown_difference(self, value: Decimal | None) -> str:
        return "—" if value is None else numbers.format_difference(value, self.unit, self._places)

    @property
    def _places(self) -> int | None:
        if self.places is not None:
            return self.places
        return 2 if numbers.is_money_unit(self.unit) else None

    @property
    def headline(self) -> str:
        """The one line that says what differs; the command line prints the same line (results.json "headline").

        所述值 …，重算值 …，差额 … — or, where the check has rows and they
        carry the story (a 合计 whose groups cancel out, a figure stated in
        three places, a table checked row by row), each failing row's.
        """
        if self.kind == "range":
            beyond = f"，超出界限 {self.shown_difference(self.difference)}" if self.difference else "，在范围之内"
            return f"数值 {self.shown(self.found)}{beyond}"
        if self.kind in ("reported_grade", "explanation", "attainment"):
            return self.lines[0] if self.lines else ""
        failing = [r for r in self.rows if r.status != PASSED]
        if self.kind == "identity" and self.rows and not failing:
            most = f"，最大差额 {self.shown_difference(self.difference)}" if self.difference else ""
            return f"逐行相符：共 {len(self.rows):,} 行{most}"
        if failing and (self.kind != "same" or len(failing) > 1):
            parts = [f"{r.label}：{self._comparison(r.expected, r.found, r.difference)}"
                     if r.expected is not None and r.found is not None else f"{r.label}：{r.note}" for r in failing[:3]]
            more = f"；另有 {len(failing) - 3:,} 项不符" if len(failing) > 3 else ""
            return f"{_FAILING_ROWS.get(self.kind, '不符之处')}——" + "；".join(parts) + more
        if self.expected is None and self.found is None:
            return self.remark
        return self._comparison(self.expected, self.found, self.difference) + (f"；{self.remark}" if self.remark else "")

    def shown_stated(self, value: Decimal | None) -> str:
        """A stated value exactly as it was written (99%, 29.5 分, 846.6, 10 万元/家): never more precise than the report."""
        return "—" if value is None else numbers.format_quantity(value, self.unit, numbers.written_places(value))

    @property
    def stated_places(self) -> int | None:
        """The decimals the stated value was written with (workpaper.xlsx writes it so)."""
        return None if self.expected is None else numbers.written_places(self.expected)

    def _comparison(self, expected: Decimal | None, found: Decimal | None, difference: Decimal | None) -> str:
        if expected is None or found is None:
            return f"所述值 {self.shown_stated(expected)}，重算值 {self.shown(found)}"
        basis = ""
        if self.compared is not None and (self.compared != self._places or self.compared != numbers.written_places(expected)):
            at = numbers.format_quantity(numbers.quantize(found, self.compared), self.unit, self.compared)
            basis = f"（按{numbers.places_text(self.compared)}比较：重算值为 {at}）"
        return (f"所述值 {self.shown_stated(expected)}，重算值 {self.shown(found)}，"
                f"差额 {self.shown_difference(difference)}{basis}")

    def to_dict(self) -> dict[str, Any]:
        """For results.json: up to ``limits.MAX_TABLE_ROWS_SHOWN`` rows in full, else the failing rows and counts."""
        return {
            "id": self.ref,
            "kind": self.kind,
            "category": self.category_text,
            "name": self.name,
            "status": self.status,
            "stated": _written(self.expected),
            "recomputed": self._at_places(self.found),
            "difference": self._at_places(self.difference),
            "places": self._places,
            "headline": self.headline,
            "tolerance": _plain(self.tolerance),
            "basis": self.basis,
            "unit": self.unit,
            "formula": self.formula,
            "lines": listed(self.lines, str, "行", self.data_files),
            "sources": listed(self.sources, str, "项", self.data_files),
            "rows": self._rows_dict(),
            "note": self.note,
        }

    def _at_places(self, value: Decimal | None) -> str | None:
        """A recomputed value or difference at the places the appendix shows it (1000.30, not 1000.3)."""
        if value is None:
            return None
        places = self._places
        return numbers.format_plain(value) if places is None else numbers.format_number(value, places, grouping=False)

    def _rows_dict(self) -> list[dict[str, Any]] | dict[str, Any]:
        count = len(self.rows)
        if count <= limits.MAX_TABLE_ROWS_SHOWN:
            return [_row_dict(r, self._at_places) for r in self.rows]
        bound = limits.MAX_FAILED_ROWS_LISTED
        failed_rows: list[dict[str, Any]] = []
        failed = 0
        for r in self.rows:
            if r.status != PASSED:
                failed += 1
                if failed <= bound:
                    failed_rows.append(_row_dict(r, self._at_places))
        where = f"数据文件 {'、'.join(self.data_files)}" if self.data_files else "项目的数据文件"
        more = f"，此处列出前 {bound} 行" if failed > bound else ""
        return {
            "count": count,
            "passed": count - failed,
            "failed": failed,
            "failed_rows": failed_rows,
            "failed_not_listed": max(failed - bound, 0),
            "note": (f"共 {count:,} 行，超过 {limits.MAX_TABLE_ROWS_SHOWN} 行，只列出未通过的 {failed:,} 行{more}；"
                     f"通过的 {count - failed:,} 行未逐行列出，完整数据见{where}（其 SHA-256 记录在 manifest.json）"),
        }

    def _repr_html_(self) -> str | None:
        return display.html("check", self)


def column_precision(cells: list[Measure], column: str, title: str = "") -> tuple[int | None, str]:
    """The finest precision written among a column's cells, and a notice naming the cells written to fewer places.

    A column of 万元 to the cent with one cell reading 10286.5 (Excel's General
    format drops the zero) is compared at two decimals, not at the total's one;
    None when every cell is written alike (the check's own rule applies).
    """
    places = [numbers.decimals(m.value) for m in cells if m.value is not None]
    if not places or len(set(places)) == 1:
        return None, ""
    finest = max(places)
    coarse = [m for m in cells if m.value is not None and numbers.decimals(m.value) < finest]
    named = "、".join(f"{m.source.removeprefix(title)}（{format(m.value, 'f')}）" for m in coarse[:5])
    more = f" 等 {len(coarse)} 格" if len(coarse) > 5 else ""
    return finest, (f"“{column}”列小数位数不一：{named}{more}少于{numbers.places_text(finest)}，"
                    f"按最多的{numbers.places_text(finest)}比较（请核对原表是否省略了末尾的 0）")


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else numbers.format_plain(value)


def _written(value: Decimal | None) -> str | None:
    """A stated value with the digits it was written with ("3.00" stays 3.00)."""
    return None if value is None else format(value, "f")


def _row_dict(r: CheckRow | TableRow, at: Any = _plain) -> dict[str, Any]:
    return {"label": r.label, "stated": _written(r.expected), "recomputed": at(r.found),
            "difference": at(r.difference), "status": r.status, "note": r.note}


class Resolver(Protocol):
    def quantity(self, key: str) -> Quantity: ...


_DISTINCT_REMEMBERED = 4096  # distinct cell texts remembered per column while it is parsed


class ColumnCache:
    """The numbers of table columns, each column parsed once per evaluation.

    A sum figure, a sum check and a row-by-row identity over the same column of
    a million rows would otherwise parse it three times. A column is kept as
    one value per row: None for a blank cell, and for "-" where the reader
    counts it as blank (an identity check counts both as 0; a sum refuses "-",
    with the message ``Table.decimal`` gives).
    """

    def __init__(self) -> None:
        self._columns: dict[tuple[int, int, str, bool], list[Decimal | None]] = {}
        self.blanks: dict[tuple[str, str], str] = {}  # (table, column) -> the blank cells a sum skipped, in words
        self._without_total: set[int] = set()  # tables already scanned for an undeclared 合计 row

    def values(self, table: Table, column: int, unit: str, dash_is_blank: bool = False) -> list[Decimal | None]:
        key = (id(table), column, unit, dash_is_blank)
        if key not in self._columns:
            out: list[Decimal | None] = []
            dash = False
            # Cells repeat (a 数量 column of 1s, the same amount on many rows): each distinct text is parsed
            # once and its Decimal shared, up to a bound that keeps a column of distinct values cheap.
            seen: dict[str, Decimal] = {}
            for i, row in enumerate(table.rows):
                text = row[column]
                if text == "" or (dash_is_blank and text == "-"):
                    dash = dash or text == "-"
                    out.append(None)
                    continue
                value = seen.get(text)
                if value is None:
                    value = table.decimal(i, column, unit)  # a "-" here raises, naming the cell
                    if len(seen) < _DISTINCT_REMEMBERED:
                        seen[text] = value
                out.append(value)
            self._columns[key] = out
            if not dash:  # no "-" in the column: the same values serve the other reading
                self._columns[(id(table), column, unit, not dash_is_blank)] = out
        return self._columns[key]

    def quantities(self, table: Table, column: str, *, label_column: str | None, where: str, owner: str,
                   unit: str | None = None, places: int | None = None) -> tuple[ColumnQuantities, list[Decimal]]:
        """As ``Table.quantities``, lazily, with the values of the non-blank cells."""
        col = table.column(column, where, owner)
        label_col = table.column(label_column, where, owner) if label_column else None
        unit = table.unit_of(column) if unit is None else unit
        if id(table) not in self._without_total:  # scanned once, not once per column
            refuse_undeclared_totals(table, where, owner)
            self._without_total.add(id(table))
        cells = self.values(table, col, unit)
        summed = table.summed
        rows = array("l", (i for i, v in enumerate(cells) if v is not None and summed(i)))
        self.blanks[(table.key, column)] = blank_notice(
            table, column, [i for i, v in enumerate(cells) if v is None and summed(i)])
        values = [v for i, v in enumerate(cells) if v is not None and summed(i)]
        if table.total_row is None:
            refuse_an_unnamed_total(table, list(rows), values, column, where, owner)
        return ColumnQuantities(table, col, rows, unit=unit, places=places, label_column=label_col), values


def blank_notice(table: Table, column: str, blank_rows: list[int]) -> str:
    """"“金额”列第 5、9 行为空白，未计入合计" — a sum that silently skipped a cell would hide a missing amount."""
    if not blank_rows:
        return ""
    shown = "、".join(str(table.line(i)) for i in blank_rows[:20])
    more = f" 等 {len(blank_rows):,} 行" if len(blank_rows) > 20 else " 行"
    return f"《{table.title}》“{column}”列第 {shown}{more}为空白，未计入合计；如应为 0 请填写 0"


def _status(difference: Decimal, tolerance: Decimal) -> str:
    return PASSED if abs(difference) <= tolerance else FAILED


# A computed side of an identity is compared at most this many decimals: a division (1 ÷ 3) never ends.
_MAX_COMPARED_PLACES = 8


def _judged(stated: Decimal, recomputed: Decimal, places: int, tolerance: Decimal | None) -> str:
    """At the stated precision unless the params set a tolerance.

    Reports state 万元 to the cent; a one-cent mismatch is exactly the error a
    reviewer looks for, so by default the recomputed value, rounded half up to
    the stated decimals, must be the stated value. A tolerance, where set,
    replaces that with |重算值 − 所述值| ≤ tolerance.
    """
    if tolerance is not None:
        with exact():
            return _status(recomputed - stated, tolerance)
    return PASSED if numbers.quantize(recomputed, places) == numbers.quantize(stated, places) else FAILED


def _shown_places(places: int, *recomputed: Decimal | None) -> int:
    """The stated precision, widened (by at most two places) where a recomputed value has more digits.

    A recomputed 99.98% shown as 100% beside a stated 99% hides what is wrong;
    shown as 99.98% the difference reads at once.
    """
    wanted = max((numbers.significant_decimals(v) for v in recomputed if v is not None), default=0)
    return max(places, min(wanted, places + 2))


def _at(value: Decimal, places: int) -> Decimal:
    """A recomputed value at the places it is shown at, so 所述值 + 差额 = 重算值 as printed."""
    return value if numbers.decimals(value) <= places else numbers.quantize(value, places)


def _in_full(value: Decimal, unit: str, places: int) -> str:
    """A recomputed value with every digit it has (up to eight places), never fewer than ``places``."""
    return numbers.format_quantity(value, unit, max(places, min(numbers.significant_decimals(value), 8)))


def _basis(places: int, tolerance: Decimal | None, unit: str) -> str:
    if tolerance is not None:
        return f"允许差额 {numbers.format_quantity(tolerance, unit, None)}（参数文件设定的 tolerance）"
    return f"按所述值的精度（{numbers.places_text(places)}）比较，不设容差"


def _quantity(measure: Measure, ctx: Resolver, default: str) -> Quantity:
    if measure.figure is not None:
        try:
            q = ctx.quantity(measure.figure)
        except Exception as exc:  # the ledger raises its own error type with a clear message
            raise CheckError(str(exc)) from None
        return Quantity(name=measure.name or q.name, value=q.value, unit=q.unit or measure.unit,
                        source=measure.source or q.source, ref=q.ref, places=q.places)
    assert measure.value is not None
    return Quantity(name=measure.name or default, value=measure.value, unit=measure.unit, source=measure.source,
                    places=None)


def _in_unit(q: Quantity, unit: str) -> tuple[Decimal, str]:
    """A value restated in ``unit`` (元 ↔ 万元 ↔ 亿元); other units must match exactly."""
    if q.unit == unit:
        return q.value, ""
    factors = amounts.UNIT_FACTORS
    if q.unit in factors and unit in factors:
        with exact():  # a power of ten: exact, where safe_divide would keep 34 of 40 digits
            value = q.value * factors[q.unit] / factors[unit]
        return value, f"{q.shown()} = {numbers.format_unrounded(value)} {unit}"
    raise CheckError(f"{shown_text(q.name)}的单位“{q.unit or '无'}”与“{unit or '无'}”不一致，无法比较")


def _cite(q: Quantity) -> str:
    return f"{q.name}：{q.citation()}"


def _sum(spec: SumCheck, ctx: Resolver, tables: dict[str, Table], ref: str, where: str, owner: str,
         columns: ColumnCache) -> CheckResult:
    total = _quantity(spec.total, ctx, "所述合计")
    extra = [_quantity(m, ctx, f"第 {i} 项") for i, m in enumerate(spec.items or [], start=1)]
    files: tuple[str, ...] = ()
    column_values: list[Decimal] | None = None
    items: Sequence[Quantity] = extra
    skipped, over, column_text = "", " + ".join(q.name for q in extra), ""
    if spec.column is not None:
        table = _table(tables, spec.column.table)
        cells, column_values = columns.quantities(table, spec.column.column, label_column=spec.column.label_column,
                                                  where=f"{where}.column", owner=owner)
        skipped = columns.blanks.get((table.key, spec.column.column), "")
        column_text = f"《{table.title}》“{spec.column.column}”列 {len(cells)} 行"
        over = column_text + "".join(f" + {q.name}" for q in extra)
        files = (table.written,)
        # A long column is added up once from its parsed values; a short one is listed cell by cell.
        items = cells if len(cells) > limits.MAX_TABLE_ROWS_SHOWN else [*cells, *extra]
    lines = []
    places = _decimals(total) if spec.places is None else spec.places
    basis = _basis(places, spec.tolerance, total.unit)
    if spec.places is not None and spec.tolerance is None:
        basis = f"按{numbers.places_text(places)}比较（各项与合计写到的最多位数），不设容差"
    if spec.places is None and column_values:
        # 10286.5 beside cells of two decimals is Excel dropping a zero, not a coarser statement: compared at
        # one decimal it would pass a 0.04 difference. The column is compared at the finest precision it is written in.
        finest = max(numbers.decimals(v) for v in column_values)
        if finest > places:
            lines.append(f"所述合计 {total.shown()} 为{numbers.places_text(places)}，而该列各行写到{numbers.places_text(finest)}："
                         f"按其中最多的{numbers.places_text(finest)}比较")
            places = finest
            basis = f"按{numbers.places_text(places)}比较（该列各行写到的最多位数），不设容差"
    with exact():
        if column_values is not None and len(column_values) > limits.MAX_TABLE_ROWS_SHOWN:
            # A long column has one unit: add it up, then restate the sum once (exact either way).
            found, conversion = _in_unit(_renamed(items[0], sum(column_values, Decimal(0)), over), total.unit)
            if conversion:
                lines.append(f"换算：{conversion}")
            for q in extra:
                value, conversion = _in_unit(q, total.unit)
                found += value
                if conversion:
                    lines.append(f"换算：{conversion}")
            shown_items = f"{column_text}之和" + "".join(f" + {q.shown()}" for q in extra)
        else:
            values = []
            for q in items:
                value, conversion = _in_unit(q, total.unit)
                values.append(value)
                if conversion:
                    lines.append(f"换算：{conversion}")
            found = sum(values, Decimal(0))
            shown_items = " + ".join(q.shown() for q in items) if len(items) <= 12 else f"{len(items)} 项之和"
        shown = _shown_places(places, found)
        found_shown = _at(found, shown)
        difference = found_shown - total.value
    cited = ((column_text,) if column_text else ()) + tuple(_cite(q) for q in extra)
    return CheckResult(
        ref=ref, kind="sum", name=spec.name, status=_judged(total.value, found, places, spec.tolerance),
        expected=total.value, found=found_shown, difference=difference, tolerance=spec.tolerance, unit=total.unit,
        places=shown, compared=None if spec.tolerance is not None else places, basis=basis,
        formula=f"{over} = {total.name}",
        lines=(f"各项之和 = {shown_items} = {_in_full(found, total.unit, shown)}",
               f"所述合计 = {numbers.format_quantity(total.value, total.unit, numbers.written_places(total.value))}", *lines, *((skipped,) if skipped else ())),
        sources=(_cite(total),) + cited, note=spec.note, data_files=files,
    )


def _renamed(q: Quantity, value: Decimal, name: str) -> Quantity:
    return Quantity(name=name, value=value, unit=q.unit, source=q.source, ref=q.ref, places=q.places)


def _decimals(q: Quantity) -> int:
    """The precision a value is stated at: an input's or figure's places, else as written."""
    return q.places if q.places is not None else numbers.stated_places(q.value, q.unit)


def _aligned(a: Quantity, b: Quantity) -> tuple[Decimal, Decimal, str, int, str]:
    """Both values in the unit and at the precision of the less precise statement.

    4,827.06 万元 and 48,270,614.46 元 agree: stated to the 100 元, the second
    reads 4,827.06 万元 too. Comparing at full precision would flag a rounding,
    not an inconsistency.
    """
    factors = amounts.UNIT_FACTORS
    if a.unit == b.unit:
        coarse = a if _decimals(a) <= _decimals(b) else b
    elif a.unit in factors and b.unit in factors:
        step = lambda q: factors[q.unit] * Decimal(1).scaleb(-_decimals(q))  # noqa: E731
        coarse = a if step(a) >= step(b) else b
    else:
        raise CheckError(f"“{b.name}”的单位“{b.unit or '无'}”与“{a.name}”的单位“{a.unit or '无'}”不一致，无法比较")
    places = _decimals(coarse)
    av, _ = _in_unit(a, coarse.unit)
    bv, _ = _in_unit(b, coarse.unit)
    ar, br = numbers.quantize(av, places), numbers.quantize(bv, places)
    note = ""
    if (av, bv) != (ar, br) or a.unit != b.unit:
        note = (f"按较粗的列示精度比较：{numbers.format_quantity(ar, coarse.unit, places)} 与 "
                f"{numbers.format_quantity(br, coarse.unit, places)}")
    # the values as stated (in one unit), not rounded: 259.96 beside a stated 259.9 reads 259.96, so the
    # difference the reader sees is the real one; the comparison itself is at ``places``
    # (a value restated from 元 into 万元 is shown at the coarser precision: its exact digits are not a statement)
    return (av if a.unit == coarse.unit else ar), (bv if b.unit == coarse.unit else br), coarse.unit, places, note


def _same(spec: SameCheck, ctx: Resolver, ref: str) -> CheckResult:
    quantities = [_quantity(m, ctx, f"第 {i} 处") for i, m in enumerate(spec.values, start=1)]
    first = quantities[0]
    rows = []
    worst: tuple[Decimal, Decimal, Decimal, str, int] | None = None
    tolerance = spec.tolerance if spec.tolerance is not None else Decimal(0)
    for q in quantities[1:]:
        expected, found, unit, places, note = _aligned(first, q)
        with exact():
            diff = found - expected
            if spec.tolerance is not None:
                status = _status(diff, tolerance)
            else:
                status = PASSED if numbers.quantize(found, places) == numbers.quantize(expected, places) else FAILED
        if worst is None or abs(diff) > abs(worst[2]):
            worst = (expected, found, diff, unit, places)
        rows.append(CheckRow(f"{q.name}（{q.citation()}）", expected, found, diff, status, note))
    assert worst is not None
    status = FAILED if any(r.status == FAILED for r in rows) else PASSED
    shown = _shown_places(worst[4], *(r.found for r in rows))
    return CheckResult(
        ref=ref, kind="same", name=spec.name, status=status, expected=worst[0], found=worst[1],
        difference=worst[2], tolerance=spec.tolerance, unit=worst[3], places=shown,
        compared=None if spec.tolerance is not None else worst[4],
        basis="所述值为第一处的列示，重算值为其他各处的列示；" + (
            _basis(worst[4], spec.tolerance, worst[3]) if spec.tolerance is not None
            else "两处按其中较粗的列示精度比较，不设容差"),
        formula=f"各处列示的数值应与“{first.name}”一致",
        lines=tuple(f"{q.name}：{q.shown()}（{q.citation()}）" for q in quantities),
        sources=tuple(_cite(q) for q in quantities), rows=tuple(rows), note=spec.note,
    )


def _table(tables: dict[str, Table], key: str) -> Table:
    if key not in tables:
        raise CheckError(f"数据表{shown_text(key)}未在 tables 中定义{did_you_mean(key, tables)}")
    return tables[key]


# A group's note names at most this many of its detail rows, then how many there are.
_ROWS_NAMED = limits.EDGE_ROWS_SHOWN


@dataclass
class _Group:
    total: Decimal
    count: int
    first_rows: list[int]  # the first _ROWS_NAMED row numbers, counted from 1

    def rows_text(self) -> str:
        text = "、".join(map(str, self.first_rows))
        return text if self.count <= len(self.first_rows) else f"{text} 等 {self.count:,}"


def _grouped(
    table: Table, side: GroupSide, aliases: dict[str, str], where: str, owner: str, columns: ColumnCache
) -> OrderedDict[str, _Group]:
    key_col, value_col = table.column(side.key, where, owner), table.column(side.column, where, owner)
    refuse_undeclared_totals(table, where, owner)
    values = columns.values(table, value_col, table.unit_of(side.column))
    groups: OrderedDict[str, _Group] = OrderedDict()
    with exact():
        for i, (row, value) in enumerate(zip(table.rows, values)):
            if value is None or not table.summed(i):  # the table's own 合计 row is not a group, 其中 rows are in theirs
                continue
            key = aliases.get(row[key_col].strip(), row[key_col].strip())
            group = groups.get(key)
            if group is None:
                groups[key] = _Group(Decimal(0) + value, 1, [table.line(i)])
            else:
                group.total += value
                group.count += 1
                if len(group.first_rows) < _ROWS_NAMED:
                    group.first_rows.append(table.line(i))
    return groups


def _group_sum(spec: GroupSumCheck, tables: dict[str, Table], ref: str, where: str, owner: str,
               columns: ColumnCache) -> CheckResult:
    detail_t, summary_t = _table(tables, spec.detail.table), _table(tables, spec.summary.table)
    detail = _grouped(detail_t, spec.detail, spec.key_aliases, f"{where}.detail", owner, columns)
    summary = _grouped(summary_t, spec.summary, {}, f"{where}.summary", owner, columns)
    rows = []
    shown = max((numbers.decimals(g.total) for g in summary.values()), default=0)
    with exact():
        for key in list(summary) + [k for k in detail if k not in summary]:
            d, s_ = detail.get(key), summary.get(key)
            if d is not None and s_ is not None:
                places = numbers.decimals(s_.total)
                status = _judged(s_.total, d.total, places, spec.tolerance)
                shown = max(shown, _shown_places(places, d.total))
                found = _at(d.total, _shown_places(places, d.total))
                note = f"明细第 {d.rows_text()} 行" if status == FAILED else ""
                rows.append(CheckRow(key, s_.total, found, found - s_.total, status, note))
            elif s_ is not None:
                rows.append(CheckRow(key, s_.total, None, None, FAILED, "仅见于汇总表，明细表中没有此项"))
            else:
                assert d is not None
                rows.append(CheckRow(key, None, d.total, None, FAILED,
                                     f"仅见于明细表（第 {d.rows_text()} 行），汇总表中没有此项"))
        expected = sum((g.total for g in summary.values()), Decimal(0))
        found = sum((g.total for g in detail.values()), Decimal(0))
        difference = found - expected
    failed = [r for r in rows if r.status == FAILED]
    unit = summary_t.unit_of(spec.summary.column) or detail_t.unit_of(spec.detail.column)
    return CheckResult(
        ref=ref, kind="group_sum", name=spec.name, status=FAILED if failed else PASSED,
        expected=expected, found=found, difference=difference, tolerance=spec.tolerance, unit=unit,
        places=shown, basis=_basis(shown, spec.tolerance, unit).replace("所述值", "汇总表各项"),
        formula=(f"《{detail_t.title}》按“{spec.detail.key}”汇总“{spec.detail.column}” = "
                 f"《{summary_t.title}》“{spec.summary.column}”（逐项）"),
        lines=(f"汇总表 {len(summary)} 项，明细表分组后 {len(detail)} 项；不符 {len(failed)} 项",),
        sources=(f"明细：{detail_t.citation()}", f"汇总：{summary_t.citation()}"),
        rows=tuple(rows), note=spec.note, data_files=(detail_t.written, summary_t.written),
    )


def _identity(
    spec: IdentityCheck, ctx: Resolver, tables: dict[str, Table], ref: str, where: str, owner: str,
    columns: ColumnCache,
) -> CheckResult:
    equation = expressions.parse_equation(spec.equation)
    if spec.table is not None:
        return _identity_rows(spec, equation, _table(tables, spec.table), ref, where, owner, columns)
    quantities: dict[str, Quantity] = {}
    for name in expressions.names(equation.left) + expressions.names(equation.right):
        if name not in quantities:
            try:
                quantities[name] = ctx.quantity(name)
            except Exception as exc:  # noqa: BLE001 - the ledger's message names the missing figure
                raise CheckError(f"等式中的{shown_text(name)}：{exc}{expressions.quoting_hint(spec.equation)}") from None
    value = lambda n: quantities[n].value  # noqa: E731
    with exact():
        left, right = expressions.evaluate(equation.left, value), expressions.evaluate(equation.right, value)
    places = min(_side_places(equation.left, left, lambda n: _decimals(quantities[n])),
                 _side_places(equation.right, right, lambda n: _decimals(quantities[n])))
    shown_places = _shown_places(places, right)
    found = _at(right, shown_places)
    with exact():
        difference = found - left
    shown = lambda n: quantities[n].shown()  # noqa: E731
    unit = _equation_unit(equation, lambda n: quantities[n].unit)
    return CheckResult(
        ref=ref, kind="identity", name=spec.name, status=_judged(left, right, places, spec.tolerance),
        expected=left, found=found, difference=difference, tolerance=spec.tolerance, unit=unit,
        places=shown_places, basis=_identity_basis(places, spec.tolerance, unit),
        compared=None if spec.tolerance is not None else places,
        # by the figures' names: the ids in params are for the file, the reader reads names
        formula=(f"{expressions.render(equation.left, lambda n: quantities[n].name)} = "
                 f"{expressions.render(equation.right, lambda n: quantities[n].name)}"),
        lines=(f"左边（所述值）= {expressions.render(equation.left, shown)} = {_in_full(left, unit, places)}",
               f"右边（重算值）= {expressions.render(equation.right, shown)} = {_in_full(right, unit, places)}"),
        sources=tuple(_cite(q) for q in quantities.values()), note=spec.note,
    )


def _equation_unit(equation: expressions.Equation, unit_of: Any) -> str:
    """The unit the two sides are in: the stated (left) side's, when its names share one, else the right's.

    Rates compared are in % and differ by 个百分点; an amount column elsewhere in
    the table is not what they are measured in.
    """
    for side in (equation.left, equation.right):
        units = {unit_of(n) for n in expressions.names(side)} - {""}
        if len(units) == 1:
            return units.pop()
        if units:
            return ""
    return ""


def _readable(equation: str) -> str:
    """The equation as a reader sees it: the backticks that quote names are for the parser only."""
    return equation.replace("`", "")


def _side_places(side: expressions.Node, value: Decimal, stated: Any) -> int:
    """A side that is one name is stated at that figure's precision; a computed side at the digits it has."""
    if isinstance(side, expressions.Name):
        return stated(side.name)
    if isinstance(side, expressions.Num):
        return numbers.decimals(side.value)
    return min(numbers.decimals(value), _MAX_COMPARED_PLACES)  # 100.00 + 200.00 is stated to the cent


def _identity_basis(places: int, tolerance: Decimal | None, unit: str) -> str:
    if tolerance is not None:
        return _basis(places, tolerance, unit)
    return f"两边按其中较粗的精度（{numbers.places_text(places)}）比较，不设容差"


def _identity_rows(spec: IdentityCheck, equation: expressions.Equation, table: Table, ref: str,
                   where: str, owner: str, cache: ColumnCache) -> CheckResult:
    columns = {n: table.column(n, f"{where}.equation", owner) for n in
               expressions.names(equation.left) + expressions.names(equation.right)}
    # Each column is read once (blank and "-" count as 0); with a bad cell, the first in row order is named.
    try:
        values = {n: cache.values(table, c, table.unit_of(table.columns[c]), dash_is_blank=True)
                  for n, c in columns.items()}
    except InputError:
        for i, row in enumerate(table.rows):
            for c in columns.values():
                if row[c] not in ("", "-"):
                    table.decimal(i, c)
        raise
    zero = Decimal(0)
    rows: list[TableRow] = []
    tolerance, failed = spec.tolerance, 0
    largest: Decimal | None = None
    worst: tuple[Decimal, Decimal, int] | None = None  # the row that differs most …
    worst_failed: tuple[Decimal, Decimal, int] | None = None  # … and the failing one that does (the headline's)
    shown = 0
    skipped: list[int] = []
    with exact():
        for i, row in enumerate(table.rows):
            if all(row[c] == "" for c in columns.values()):
                continue
            if spec.blank == "skip" and any(values[n][i] is None for n in columns):
                skipped.append(i)  # a cell not reported: the row cannot be checked, and says so
                continue

            def value(n: str) -> Decimal:
                v = values[n][i]  # noqa: B023 - called at once, in this iteration
                return zero if v is None else v

            left, right = expressions.evaluate(equation.left, value), expressions.evaluate(equation.right, value)
            diff = abs(right - left)
            if largest is None or diff > largest:
                largest, worst = diff, (left, right, i)
            if len(rows) < limits.MAX_TABLE_ROWS_SHOWN:
                shown = max(shown, numbers.decimals(left))
            if diff == 0:  # most rows: no precision to work out
                rows.append(TableRow(table, i, left, right, PASSED))
                continue
            places = min(_side_places(equation.left, left, lambda n: numbers.decimals(value(n))),
                         _side_places(equation.right, right, lambda n: numbers.decimals(value(n))))
            if _judged(left, right, places, tolerance) == PASSED:
                rows.append(TableRow(table, i, left, right, PASSED))
            else:
                if worst_failed is None or diff > abs(worst_failed[1] - worst_failed[0]):
                    worst_failed = (left, right, i)
                failed += 1
                shown = max(shown, _shown_places(places, right))
                rows.append(TableRow(table, i, left, right, FAILED))
    unit = _equation_unit(equation, lambda n: table.unit_of(table.columns[columns[n]]))
    basis = (_basis(shown, tolerance, unit) if tolerance is not None else
             "每行两边按其中较粗的列示精度比较，不设容差")
    # The check's own 所述值 / 重算值 / 差额 are the row that differs most, with its sign (−0.01 stays −0.01),
    # so results.json and workpaper.xlsx carry what the headline says, for a passing check too.
    expected = found = difference = None
    if spec.blank == "skip":
        lines = [f"共核对 {len(rows)} 行，不符 {failed} 行"
                 + (f"；第 {'、'.join(str(table.line(i)) for i in skipped[:10])} 行"
                    f"{' 等 ' + str(len(skipped)) + ' 行' if len(skipped) > 10 else ''}有未列示（空白）的数，未核对"
                    if skipped else "")]
    else:
        lines = [f"共核对 {len(rows)} 行，不符 {failed} 行（空白或“-”按 0 计）"]
    worst = worst_failed or worst
    if worst is not None:
        expected, found = worst[0], worst[1]
        with exact():
            difference = found - expected
        lines.append(f"差额最大的是第 {table.line(worst[2])} 行（{table.rows[worst[2]][0]}）：左边 "
                     f"{_in_full(expected, unit, shown)}，右边 {_in_full(found, unit, shown)}")
    return CheckResult(
        ref=ref, kind="identity", name=spec.name, status=FAILED if failed else PASSED, expected=expected, found=found,
        difference=difference, places=shown, basis=basis,
        tolerance=tolerance, unit=unit, formula=f"《{table.title}》逐行：{_readable(equation.text)}",
        lines=tuple(lines),
        sources=(table.citation(),), rows=tuple(rows), note=spec.note,
        data_files=(table.written,),
    )


def _range(spec: RangeCheck, ctx: Resolver, ref: str) -> CheckResult:
    q = _quantity(spec.measure, ctx, "数值")
    difference = Decimal(0)
    with exact():
        if spec.min is not None and q.value < spec.min:
            difference = q.value - spec.min
        if spec.max is not None and q.value > spec.max:
            difference = q.value - spec.max
    bounds = []
    if spec.min is not None:
        bounds.append(f"≥ {numbers.format_quantity(spec.min, q.unit, None)}")
    if spec.max is not None:
        bounds.append(f"≤ {numbers.format_quantity(spec.max, q.unit, None)}")
    return CheckResult(
        ref=ref, kind="range", name=spec.name, status=PASSED if difference == 0 else FAILED,
        expected=None, found=q.value, difference=difference, tolerance=None, unit=q.unit, places=q.places,
        formula=f"{q.name} {' 且 '.join(bounds)}",
        lines=(f"{q.name} = {q.shown()}",), sources=(_cite(q),), note=spec.note,
    )


def run_check(spec: Any, ctx: Resolver, tables: dict[str, Table], ref: str, where: str, owner: str,
              columns: ColumnCache | None = None) -> CheckResult:
    """Evaluate one declared check; CheckError or InputError (naming ``owner``, the params file) say what is wrong.

    ``columns`` shares parsed table columns between the checks and figures of one evaluation.
    """
    _, run = CHECKS[spec.kind]
    result = run(spec, ctx, tables, ref, where, owner, columns or ColumnCache())
    return replace(result, category=spec.category) if spec.category else result


def _run_same(spec: SameCheck, ctx: Resolver, tables: dict[str, Table], ref: str, where: str, owner: str,
              columns: ColumnCache) -> CheckResult:
    return _same(spec, ctx, ref)


def _run_group_sum(spec: GroupSumCheck, ctx: Resolver, tables: dict[str, Table], ref: str, where: str, owner: str,
                   columns: ColumnCache) -> CheckResult:
    return _group_sum(spec, tables, ref, where, owner, columns)


def _run_identity(spec: IdentityCheck, ctx: Resolver, tables: dict[str, Table], ref: str, where: str, owner: str,
                  columns: ColumnCache) -> CheckResult:
    try:
        return _identity(spec, ctx, tables, ref, where, owner, columns)
    except expressions.ExpressionError as exc:
        raise CheckError(str(exc)) from None


def _run_range(spec: RangeCheck, ctx: Resolver, tables: dict[str, Table], ref: str, where: str, owner: str,
               columns: ColumnCache) -> CheckResult:
    return _range(spec, ctx, ref)


# Each kind of check a params file can declare: its model and the function that runs it. A new kind is a model
# joined to CheckSpec and one entry here.
CHECKS: dict[str, tuple[type, Any]] = {
    "sum": (SumCheck, _sum), "same": (SameCheck, _run_same), "group_sum": (GroupSumCheck, _run_group_sum),
    "identity": (IdentityCheck, _run_identity), "range": (RangeCheck, _run_range),
}


def reported_figure(figure: Any, reported: Decimal, ref: str) -> CheckResult:
    """Compare a stated figure with the recomputation rounded to the stated precision.

    The recomputed value is shown at the figure's own precision (or the
    stated one, if finer): 99.98% beside a stated 99%, with the rounding to
    the stated precision (100%) on its own line.
    """
    places = numbers.decimals(reported)
    at_stated = numbers.quantize(figure.unrounded, places)
    shown = max(places, min(figure.places, _MAX_COMPARED_PLACES))
    found = numbers.quantize(figure.unrounded, shown)
    with exact():
        difference = found - reported
    unit = figure.unit
    status = PASSED if at_stated == reported else FAILED
    lines = [f"重算值 {numbers.format_quantity(found, unit, shown)}"
             f"{'（未舍入 ' + numbers.format_unrounded(figure.unrounded) + '）' if figure.unrounded != found else ''}"
             f"，按报告的精度（{numbers.places_text(places)}）四舍五入为 {numbers.format_quantity(at_stated, unit, places)}"
             f"，{'与报告值相同' if status == PASSED else '与报告值 ' + numbers.format_quantity(reported, unit, places) + ' 不同'}"]
    truncated = status == FAILED and numbers.truncate(figure.unrounded, places) == reported
    if truncated:
        lines.append("报告值与截尾（直接舍去）的结果一致，疑为未四舍五入")
    return CheckResult(
        ref=ref, kind="reported_figure", name=f"{figure.name}（{figure.ref}）", status=status,
        expected=reported, found=found, difference=difference, tolerance=None, unit=unit, places=shown,
        basis=f"按报告值的精度（{numbers.places_text(places)}）比较，不设容差", compared=places,
        formula="报告值 = 重算值（按报告值的小数位数四舍五入）", lines=tuple(lines),
        sources=(f"{figure.name}：{figure.ref}",), subject=figure.ref,
        remark="疑为截尾（直接舍去）而未四舍五入" if truncated else "",
    )


def reported_score(name: str, ref: str, weight: Decimal, score: Decimal, reported: Decimal,
                   check_ref: str, what: str = "得分", score_places: int = 2) -> CheckResult:
    """Compare a stated score with the recomputed one at the stated precision; a score above its weight fails too.

    A score written as a whole number (8) is taken at the framework's precision
    (8.00), as a whole amount of money is to the cent: a report that lists 8 for
    a recomputed 7.50 has a different score, not a rounded one.
    """
    places = numbers.decimals(reported) or score_places
    shown = max(places, score_places)
    found = numbers.quantize(score, shown)
    with exact():
        difference = found - reported
    at_stated = numbers.quantize(score, places)
    lines = [f"报告{what} {numbers.format_number(reported, places, grouping=False)} 分，"
             f"重算{what} {numbers.format_number(found, shown, grouping=False)} 分"
             + (f"（按报告的精度{numbers.places_text(places)}为 {numbers.format_number(at_stated, places, grouping=False)} 分）"
                if places < shown else "")]
    remarks = []
    if reported > weight:
        remarks.append(f"报告{what} {format(reported, 'f')} 分超过分值 {numbers.format_plain(weight)} 分")
    if reported < 0:
        remarks.append(f"报告{what}为负数")
    lines.extend(remarks)
    ok = at_stated == reported and Decimal(0) <= reported <= weight
    return CheckResult(
        ref=check_ref, kind="reported_score", name=f"{name}{what}（{ref}）", status=PASSED if ok else FAILED,
        expected=reported, found=found, difference=difference, tolerance=None, unit="分", places=shown,
        basis=f"按报告值的精度（{numbers.places_text(places)}）比较，不设容差", compared=places,
        formula=f"报告{what} = 重算{what}，且 0 ≤ {what} ≤ 分值", lines=tuple(lines),
        sources=(f"{name}：{ref}",), subject=ref, remark="；".join(remarks),
    )



def reported_grade(reported: str, grade: str, total_text: str, ref: str) -> CheckResult:
    ok = reported.strip() == grade
    return CheckResult(
        ref=ref, kind="reported_grade", name="评价等级", status=PASSED if ok else FAILED, expected=None, found=None,
        difference=None, tolerance=None, unit="", formula="报告等级 = 按重算总分确定的等级",
        lines=(f"报告等级“{reported}”，重算总分 {total_text} 分对应等级“{grade}”",), sources=("总分与等级划分",),
    )


def stated_explanation(name: str, ref: str, because: str, explained: bool, check_ref: str) -> CheckResult:
    """偏差原因分析及改进措施 present where the deviation (or a tier short of 达成) requires it.

    A blank one is a failed check, never a refusal: the 自评表 has a column for
    it, and a unit that leaves it empty is what a bureau reviewing the round
    wants listed, not a form it cannot read.
    """
    line = f"{because}，{'已写偏差原因分析及改进措施' if explained else '未写偏差原因分析及改进措施'}"
    return CheckResult(
        ref=check_ref, kind="explanation", name=f"{name}偏差原因分析（{ref}）", status=PASSED if explained else FAILED,
        expected=None, found=None, difference=None, tolerance=None, unit="",
        formula="偏差率超过门槛或定性指标未达成时，须写偏差原因分析及改进措施", lines=(line,),
        sources=(f"{name}：{ref}",), subject=ref,
    )


def stated_attainment(name: str, ref: str, actual: str, said: str, scored: str, score_text: str,
                      check_ref: str) -> CheckResult:
    """A qualitative row whose 实际完成值 names one tier (达成 / 部分达成 / 未达成) while its score lies in another.

    The unit's score is kept (a qualitative score is the unit's judgement within
    a tier), so the discrepancy is listed once, here, and not again in the total.
    """
    ok = said == scored
    line = (f"实际完成值“{actual}”为“{said}”，自评得分 {score_text} 分属于“{scored}”档"
            + ("，相符" if ok else "，不符"))
    return CheckResult(
        ref=check_ref, kind="attainment", name=f"{name}完成情况与得分（{ref}）", status=PASSED if ok else FAILED,
        expected=None, found=None, difference=None, tolerance=None, unit="",
        formula="定性指标的得分须在实际完成情况所属档次的分值区间内（财预〔2020〕10号 第十七条）", lines=(line,),
        sources=(f"{name}：{ref}",), subject=ref,
    )
