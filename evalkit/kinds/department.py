"""The standard tables of a department-overall evaluation (部门整体支出绩效评价), with their checks built in.

A department's report rests on four tables from its final accounts (部门决算):
收入决算表, 支出决算表, “三公经费”支出表 and 结转结余表. Their rows and columns
must add up — 各项之和等于合计, 合计 = 基本支出 + 项目支出, 年初 + 收入 − 支出 =
年末 — and a report transcribed by hand seldom writes those checks. So a params
file names the tables under ``department:`` and gets the checks generated as the
same ``CheckSpec`` objects a params file would declare (compared at the stated
precision, read 所述值 / 重算值 / 差额), and the totals as quantities rules and
figures can cite (``department.three_public.actual``).

Layouts are fixed and documented (README “部门整体支出绩效评价”): a file whose
columns are named otherwise maps them with ``columns: {标准列名: 文件中的列名}``;
a missing, misspelt or unknown column is an error naming the file and the
column, with the nearest expected name.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import Field, model_validator

from evalkit.core.checks import IdentityCheck, SameCheck, SumCheck, column_precision
from evalkit.core.errors import InputError, Problem, did_you_mean, shown_text
from evalkit.core.fields import Flag, Int, Model, Text
from evalkit.core.kind import Kind
from evalkit.core.limits import MAX_HEADER_ROW
from evalkit.core.rules import Measure
from evalkit.core.rowlabels import breakdown_parents, total_word
from evalkit.core.table import Table
from evalkit.inputs.tables import read_frame
from evalkit.core.working import Quantity

__all__ = [
    "DEPARTMENT_TABLES",
    "DepartmentSpec",
    "DepartmentTable",
    "absent",
    "Layout",
    "StandardTable",
    "check_specs",
    "figure_keys",
    "given",
    "may_cite",
    "parse",
    "row_quantity",
    "quantities",
    "read",
    "table_key",
    "table_keys",
]

PREFIX = "department"


class DepartmentTable(Model):
    """One standard table: its file and how to read it."""

    file: str = Field(description="数据文件，相对于本 params 文件（.csv 或 .xlsx）")
    title: Text | None = Field(None, description="表名（不填则用标准表名，如“收入决算表”）")
    source: Text = Field("", description="来源，如“2023年度部门决算报表 财决01表”")
    unit: Literal["元", "万元", "亿元"] = Field("万元", description="各金额列的单位（默认万元）")
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="文件中的列名与标准列名不同时的对应：{标准列名: 文件中的列名}，如 {决算数: 本年收入}",
    )
    encoding: str | None = Field(None, description="编码（不填则自动识别 UTF-8 / GBK）")
    sheet: str | Int | None = Field(None, description="Excel 工作表名或序号")
    header_row: Int | None = Field(None, ge=1, le=MAX_HEADER_ROW, description="表头所在的行号；表头上方有表名、“单位：万元”等行时填写")
    header_rows: Literal[1, 2] = Field(
        1, description="表头行数：两行表头（如“基本支出”合并在“人员经费”“公用经费”之上）写 2；下一行是标准列名的按标准列名读取")
    note: Text = Field("", description="说明")


_KEYS_DOC = "income 收入决算表、expenditure 支出决算表、three_public “三公经费”支出表、carryover 结转结余表"


class DepartmentSpec(Model):
    """部门整体支出绩效评价的标准表：给出哪张表，就自动生成哪张表的核对。"""

    income: DepartmentTable | None = Field(
        None, description="收入决算表：列 项目、决算数（可选 预算数、上年决算数、备注）；各来源一行，另有合计行")
    expenditure: DepartmentTable | None = Field(
        None, description="支出决算表：列 科目名称、合计、基本支出、项目支出（可选 科目编码、人员经费、公用经费、"
                          "上缴上级支出、经营支出、对附属单位补助支出、备注）；各科目一行，另有合计行")
    three_public: DepartmentTable | None = Field(
        None, description="“三公经费”支出表：列 项目、预算数、决算数（可选 上年预算数、上年决算数、备注）；"
                          "行 因公出国（境）费、公务用车购置及运行费（可另列 公务用车购置费、公务用车运行维护费）、公务接待费、合计")
    carryover: DepartmentTable | None = Field(
        None, description="结转结余表：列 项目、年初结转结余、本年收入、本年支出、年末结转结余（可选 备注）；"
                          "各资金来源一行，另有合计行")
    reconcile: Flag = Field(
        True, description="是否核对各表之间的一致性：收入决算表合计 = 结转结余表本年收入合计，"
                          "支出决算表合计 = 结转结余表本年支出合计（两表口径不同时写 false）")

    @model_validator(mode="before")
    @classmethod
    def _known_tables(cls, data: Any) -> Any:
        """An unknown table key is named with the nearest standard one, rather than pydantic's bare 不认识的字段."""
        if isinstance(data, dict):
            known = [k for k in cls.model_fields if k != "reconcile"]
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                key = str(unknown[0])
                raise ValueError(f"不认识的标准表“{shown_text(key, quote=False)}”{did_you_mean(key, known)}"
                                 f"；可用：{_KEYS_DOC}")
        return data


@dataclass(frozen=True)
class Row:
    """A fixed row of a layout (the “三公经费” items), with the other ways reports write its label."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Layout:
    """What a standard table must contain; the checks and quantities follow from it."""

    key: str
    title: str
    label: str  # the column that names each row
    required: tuple[str, ...]  # amount columns that must be present
    optional: tuple[str, ...] = ()  # amount columns that may be present
    text: tuple[str, ...] = ("备注",)  # other columns that may be present (not amounts)
    code: str | None = None  # an optional column of 科目编码: only the top level adds up to 合计
    rows: tuple[Row, ...] = ()  # fixed rows; empty: any rows plus one 合计 row
    totals: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (id, name) of its 合计 quantity

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.label, *((self.code,) if self.code else ()), *self.required, *self.optional, *self.text)

    def expected(self) -> str:
        """列 项目、决算数（可选：预算数、备注）."""
        optional = [*((self.code,) if self.code else ()), *self.optional, *self.text]
        text = "、".join((self.label, *self.required))
        return text + (f"（可选：{'、'.join(optional)}）" if optional else "")


_THREE_PUBLIC_ROWS = (
    Row("abroad", "因公出国（境）费", ("因公出国（境）经费", "因公出国（境）费用", "出国（境）费", "出国出境费",
                                    "因公出国出境费", "因公出国境费", "因公出国费", "出国费", "因公出国（境）支出")),
    Row("vehicle", "公务用车购置及运行费", ("公务用车购置及运行维护费", "公务车购置及运行费", "公务用车购置及运行维护经费")),
    Row("vehicle_purchase", "公务用车购置费", ("公务车购置费",), required=False),
    Row("vehicle_operation", "公务用车运行维护费", ("公务用车运行费", "公务车运行维护费", "公务用车运行维护经费"),
        required=False),
    Row("reception", "公务接待费", ("公务招待费", "公务接待费用", "公务接待支出", "国内公务接待费")),
)

DEPARTMENT_TABLES: dict[str, Layout] = {
    "income": Layout(
        "income", "收入决算表", "项目", ("决算数",), ("预算数", "上年决算数"),
        totals={"决算数": ("actual", "收入合计（决算数）"), "预算数": ("budget", "收入合计（预算数）"),
                "上年决算数": ("previous", "收入合计（上年决算数）")},
    ),
    "expenditure": Layout(
        "expenditure", "支出决算表", "科目名称", ("合计", "基本支出", "项目支出"),
        ("人员经费", "公用经费", "上缴上级支出", "经营支出", "对附属单位补助支出"), code="科目编码",
        totals={"合计": ("total", "支出合计"), "基本支出": ("basic", "基本支出合计"), "项目支出": ("project", "项目支出合计"),
                "人员经费": ("personnel", "人员经费合计"), "公用经费": ("public", "公用经费合计"),
                "上缴上级支出": ("remitted", "上缴上级支出合计"), "经营支出": ("business", "经营支出合计"),
                "对附属单位补助支出": ("subsidiary", "对附属单位补助支出合计")},
    ),
    "three_public": Layout(
        "three_public", "“三公经费”支出表", "项目", ("预算数", "决算数"), ("上年预算数", "上年决算数"),
        rows=_THREE_PUBLIC_ROWS,
        totals={"预算数": ("budget", "“三公经费”合计（预算数）"), "决算数": ("actual", "“三公经费”合计（决算数）"),
                "上年预算数": ("previous_budget", "“三公经费”合计（上年预算数）"),
                "上年决算数": ("previous_actual", "“三公经费”合计（上年决算数）")},
    ),
    "carryover": Layout(
        # Reports often list only the opening and closing balances: 本年收入 and 本年支出 may be left out.
        "carryover", "结转结余表", "项目", ("年初结转结余", "年末结转结余"), ("本年收入", "本年支出"),
        totals={"年初结转结余": ("opening", "年初结转结余合计"), "本年收入": ("income", "本年收入合计"),
                "本年支出": ("expenditure", "本年支出合计"), "年末结转结余": ("closing", "年末结转结余合计")},
    ),
}

# The same three rates' column roles in the “三公经费” items: department.three_public.reception.actual …
_ITEM_COLUMNS = {"预算数": "budget", "决算数": "actual", "上年预算数": "previous_budget", "上年决算数": "previous_actual"}

_SPACES = re.compile(r"[\s\u3000]+")
_LEAD = re.compile(r"^(其中[:：]?|[（(]\d+[)）]|\d+[.、．]|[一二三四五六七八九十]+[、.．])")


def _normal(label: str) -> str:
    """A row label as compared: no spaces, full-width parentheses, no 其中： or item number in front."""
    text = _SPACES.sub("", label).replace("(", "（").replace(")", "）")
    return _LEAD.sub("", text)


def table_key(key: str) -> str:
    """The id of a standard table among the project's tables: department.income."""
    return f"{PREFIX}.{key}"


def figure_keys(spec: DepartmentSpec | None) -> set[str]:
    """Every id the given tables can supply (an optional column's id only if the file has the column)."""
    if spec is None:
        return set()
    out: set[str] = set()
    for key, layout in DEPARTMENT_TABLES.items():
        if getattr(spec, key) is None:
            continue
        out.update(f"{table_key(key)}.{ident}" for ident, _ in layout.totals.values())
        for row in layout.rows:
            out.update(f"{table_key(key)}.{row.key}.{role}" for role in _ITEM_COLUMNS.values())
    return out


def may_cite(ident: str, spec: DepartmentSpec | None) -> bool:
    """``department.income.财政拨款收入`` (a row of a given table, optionally ``.<列>``): checked when the table is read."""
    if spec is None or not ident.startswith(PREFIX + "."):
        return False
    key, _, rest = ident[len(PREFIX) + 1:].partition(".")
    # a row is named as the table names it, in Chinese; an ASCII tail is a standard id (actual, budget …)
    # and a misspelt one (actul) is reported as such, with the nearest id
    return (bool(rest) and not rest.isascii() and key in DEPARTMENT_TABLES and getattr(spec, key) is not None)


# The column a row is cited in when the id names none: the table's one 决算 amount.
_ROW_COLUMN = {"income": "决算数", "expenditure": "合计", "three_public": "决算数"}


def row_quantity(project: Any, ident: str) -> Quantity | None:
    """A row of a standard table cited by its label: ``department.income.财政拨款收入`` (决算数),
    ``department.carryover.财政拨款.年末结转结余``; None when ``ident`` is not such a citation.

    InputError-free: an unknown row or column raises ValueError with the labels the table has.
    """
    spec = getattr(project.params, "department", None)
    if not may_cite(ident, spec):
        return None
    key, _, rest = ident[len(PREFIX) + 1:].partition(".")
    st = parse(project.tables[table_key(key)], DEPARTMENT_TABLES[key])
    labels = {_normal(st.label(i)): i for i in range(len(st.table.rows)) if _normal(st.label(i))}
    row_text, column = rest, _ROW_COLUMN.get(key)
    if _normal(rest) not in labels and "." in rest:
        row_text, _, column = rest.rpartition(".")
    row = labels.get(_normal(row_text))
    if row is None:
        raise ValueError(f"{st.table.title}中没有“{shown_text(row_text, quote=False)}”行{did_you_mean(_normal(row_text), labels)}")
    amounts = [c for c in (*st.layout.required, *st.layout.optional) if st.present(c)]
    if column is None:
        raise ValueError(f"引用{st.table.title}的“{st.label(row)}”行需写出列名，如 {PREFIX}.{key}.{row_text}.{amounts[0]}"
                         f"（可用：{'、'.join(amounts)}）")
    if column not in amounts:
        raise ValueError(f"{st.table.title}没有“{shown_text(column, quote=False)}”列{did_you_mean(column, amounts)}")
    if st.cell(column, row).value is None:
        raise ValueError(f"{st.table.title}“{st.label(row)}”行的“{column}”为空白")
    return _quantity(st, row, column, f"{st.label(row)}（{column}）")


def table_keys(spec: DepartmentSpec | None) -> set[str]:
    if spec is None:
        return set()
    return {table_key(k) for k in DEPARTMENT_TABLES if getattr(spec, k) is not None}


def given(spec: DepartmentSpec | None) -> list[tuple[str, DepartmentTable]]:
    """The standard tables a params file names, in the fixed order (income, expenditure, three_public, carryover)."""
    if spec is None:
        return []
    return [(k, t) for k in DEPARTMENT_TABLES if (t := getattr(spec, k)) is not None]


# ---------------------------------------------------------------------------------------------------------------
# Reading and validating


def read(path: Path, key: str, spec: DepartmentTable, *, shown: str, owner: str) -> Table:
    """Read a standard table, map its column names, and validate its layout; InputError names file, row, column.

    ``shown`` is the data file as the user finds it, ``owner`` the params
    file (a wrong ``columns`` mapping is the params file's mistake).
    """
    layout = DEPARTMENT_TABLES[key]
    frame = read_frame(path, shown=shown, encoding=spec.encoding, sheet=spec.sheet, header_row=spec.header_row,
                       header_rows=spec.header_rows)
    # 基本支出/人员经费 under a two-row header is the standard 人员经费
    names = [c.rpartition("/")[2] if "/" in c and c.rpartition("/")[2] in layout.columns else c
             for c in (str(c) for c in frame.columns)]
    renamed = _mapped(names, spec, layout, owner, key)
    _check_columns(renamed, layout, shown, key)
    units = tuple((c, spec.unit) for c in renamed if c in layout.required or c in layout.optional)
    rows = tuple(tuple(str(v).strip() for v in row) for row in frame.itertuples(index=False, name=None))
    mapped_note = "；".join(f"文件中的“{spec.columns[c]}”列读作“{c}”" for c in layout.columns if c in spec.columns)
    note = "；".join(x for x in (spec.note, mapped_note) if x)
    table = Table(
        key=table_key(key), title=spec.title or layout.title, source=spec.source, file=shown,
        columns=tuple(renamed), rows=rows, units=units, note=note, written=spec.file,
        lines=tuple(int(n) for n in frame.index), sheet=str(frame.attrs.get("sheet", "")),
    )
    parse(table, layout)  # every amount cell and row label now, so the error comes before any kernel
    return table


def _mapped(names: list[str], spec: DepartmentTable, layout: Layout, owner: str, key: str) -> list[str]:
    problems = []
    for standard, written in spec.columns.items():
        where = f"department.{key}.columns.{shown_text(standard, quote=False)}"
        if standard not in layout.columns:
            problems.append(Problem(owner, where, f"“{shown_text(standard, quote=False)}”不是{layout.title}的标准列名"
                                    f"{did_you_mean(standard, layout.columns)}；标准列：{layout.expected()}"))
        elif written not in names:
            problems.append(Problem(owner, where, f"数据文件中没有“{shown_text(written, quote=False)}”列"
                                    f"{did_you_mean(written, names)}；文件中的列：{'、'.join(names[:30])}"))
    if problems:
        raise InputError(problems)
    back = {written: standard for standard, written in spec.columns.items()}
    return [back.get(n, n) for n in names]


def _check_columns(names: list[str], layout: Layout, shown: str, key: str) -> None:
    problems = []
    unknown = [n for n in names if n not in layout.columns]
    hint = f"；列名不同时可在 params 的 department.{key}.columns 中写 {{标准列名: 文件中的列名}}"
    for col in (layout.label, *layout.required):
        if col not in names:
            near = difflib.get_close_matches(col, unknown, n=1, cutoff=0.5)
            misspelt = f"（文件中的“{shown_text(near[0], quote=False)}”列是否就是“{col}”？）" if near else ""
            problems.append(Problem(shown, "表头", f"{layout.title}缺少“{col}”列{misspelt}；应有的列：{layout.expected()}"
                                    f"；文件中的列：{'、'.join(names[:30])}{hint}"))
    missing = [c for c in (layout.label, *layout.required) if c not in names]
    for col in unknown:
        if difflib.get_close_matches(col, missing, n=1, cutoff=0.5):
            continue  # already named as the missing column it is a misspelling of
        problems.append(Problem(shown, "表头", f"{layout.title}中不认识的列“{shown_text(col, quote=False)}”"
                                f"{did_you_mean(col, layout.columns)}；应有的列：{layout.expected()}{hint}"))
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class Cell:
    """An amount cell: its value (None when blank or “-”) and where it is."""

    value: Decimal | None
    row: int  # index into table.rows
    line: int  # as the user counts lines


@dataclass(frozen=True)
class StandardTable:
    """A standard table read and understood: its detail rows, its 合计 row, and its amounts by row and column."""

    table: Table
    layout: Layout
    detail: tuple[int, ...]  # rows that add up to the 合计 row
    total: int  # the 合计 row
    fixed: dict[str, int]  # row key -> row index, for a layout with fixed rows
    amounts: dict[str, tuple[Cell, ...]]  # column -> one cell per row

    def label(self, row: int) -> str:
        return self.table.rows[row][self.table.columns.index(self.layout.label)]

    def present(self, column: str) -> bool:
        """A column counts when the file has it and it is not blank throughout."""
        return column in self.amounts and any(c.value is not None for c in self.amounts[column])

    def cell(self, column: str, row: int) -> Cell:
        return self.amounts[column][row]

    def cite(self, row: int, column: str) -> str:
        """收入决算表第 3 行“决算数”（数据文件 income.csv）: rows by their line in the file, as every message and check numbers them."""
        return f"{self.table.title}第 {self.table.line(row)} 行“{column}”（数据文件 {self.table.file_name}）"


def parse(table: Table, layout: Layout) -> StandardTable:
    """Find the 合计 row (and the fixed rows) and parse every amount; InputError names the file, line and column."""
    shown = table.file
    label_col = table.columns.index(layout.label)
    problems: list[Problem] = []
    amounts: dict[str, tuple[Cell, ...]] = {}
    for col in (*layout.required, *layout.optional):
        if col not in table.columns:
            continue
        c = table.columns.index(col)
        cells = []
        for i, row in enumerate(table.rows):
            text = row[c]
            if text in ("", "-", "—", "－"):
                cells.append(Cell(None, i, table.line(i)))
                continue
            try:
                cells.append(Cell(table.decimal(i, c), i, table.line(i)))
            except InputError as exc:
                problems.extend(exc.problems)
                cells.append(Cell(None, i, table.line(i)))
        amounts[col] = tuple(cells)
    totals, blank, fixed, strangers, subtotals = [], [], {}, [], []
    seen: dict[str, int] = {}
    by_label = {_normal(alias): r for r in layout.rows for alias in (r.label, *r.aliases)}
    for i, row in enumerate(table.rows):
        label = _normal(row[label_col])
        if not label:
            if any(row[table.columns.index(c)] for c in amounts):
                blank.append(i)
            continue
        word = total_word(row[label_col])
        if word and word.endswith("小计") and not layout.rows:
            subtotals.append(i)  # a group's 小计: neither an item nor the table's 合计
            continue
        if word:
            totals.append(i)
            continue
        if layout.rows:
            found = by_label.get(label)
            if found is None:
                strangers.append(label)
                known = [r.label for r in layout.rows]
                problems.append(Problem(shown, _cell(table, i, layout.label),
                                        f"{layout.title}中不认识的行“{shown_text(row[label_col], quote=False)}”"
                                        f"{did_you_mean(label, known + list(by_label))}；应为：{'、'.join(known)}、合计"))
                continue
            if found.key in fixed:
                problems.append(Problem(shown, _cell(table, i, layout.label),
                                        f"“{found.label}”出现了两次（另见第 {table.line(fixed[found.key])} 行）"))
                continue
            fixed[found.key] = i
        elif label in seen:
            problems.append(Problem(shown, _cell(table, i, layout.label),
                                    f"“{shown_text(row[label_col], quote=False)}”出现了两次（另见第 {table.line(seen[label])} 行）"))
        seen.setdefault(label, i)
    for i in blank:
        problems.append(Problem(shown, _cell(table, i, layout.label), "有金额而没有名称，请填写该行的名称"))
    if not totals:
        problems.append(Problem(shown, f"“{layout.label}”列",
                                f"{layout.title}没有合计行：应有一行的“{layout.label}”写“合计”（也可写 总计、收入合计、合计：等）"))
    elif len(totals) > 1:
        problems.append(Problem(shown, f"“{layout.label}”列",
                                f"{layout.title}有 {len(totals)} 个合计行（第 {'、'.join(str(table.line(i)) for i in totals)} 行），应只有一个"))
    if layout.key == "three_public" and "vehicle" not in fixed and "vehicle_purchase" not in fixed \
            and "vehicle_operation" in fixed:
        # 公务用车运行费 as the table's only vehicle line: a unit that bought no vehicle writes its 购置及运行费 so
        fixed["vehicle"] = fixed.pop("vehicle_operation")
    for r in layout.rows:
        # a row already named as not recognised is most likely this one misspelt: one message, not two
        if r.required and r.key not in fixed and not any(
                difflib.get_close_matches(x, [_normal(a) for a in (r.label, *r.aliases)], n=1, cutoff=0.6)
                for x in strangers):
            problems.append(Problem(shown, f"“{layout.label}”列", f"{layout.title}缺少“{r.label}”行"))
    sub = [r for r in layout.rows if not r.required]
    if sub and 0 < sum(r.key in fixed for r in sub) < len(sub):
        have = next(r.label for r in sub if r.key in fixed)
        lack = next(r.label for r in sub if r.key not in fixed)
        problems.append(Problem(shown, f"“{layout.label}”列", f"列了“{have}”而没有“{lack}”：两者应同时列出（或都不列）"))
    detail: list[int] = []
    if not problems:
        detail = _detail_rows(table, layout, totals[0], fixed, problems, set(subtotals))
    if not problems:
        for col, cells in amounts.items():
            if cells[totals[0]].value is None and any(c.value is not None for c in cells):
                problems.append(Problem(shown, _cell(table, totals[0], col),
                                        "合计行的金额为空白，而该列其他行有金额；请填写合计数"))
        if "人员经费" in amounts or "公用经费" in amounts:
            if not ("人员经费" in amounts and "公用经费" in amounts):
                lack = "公用经费" if "人员经费" in amounts else "人员经费"
                problems.append(Problem(shown, "表头", f"有“{'人员经费' if lack == '公用经费' else '公用经费'}”列而没有“{lack}”列："
                                        "基本支出按人员经费与公用经费分列时两列都应给出"))
    if problems:
        raise InputError(problems)
    return StandardTable(table, layout, tuple(detail), totals[0], fixed, amounts)


def _detail_rows(table: Table, layout: Layout, total: int, fixed: dict[str, int], problems: list[Problem],
                 subtotals: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """The rows that add up to 合计: every other row, or with 科目编码 only the top level (类) of the codes."""
    if layout.rows:
        return [fixed[r.key] for r in layout.rows if r.required]
    labels = [row[table.columns.index(layout.label)] for row in table.rows]
    parts = breakdown_parents(labels)  # 其中：… is part of the row above, already in it
    rows = [i for i in range(len(table.rows))
            if i != total and i not in parts and i not in subtotals and _normal(labels[i])]
    if not layout.code or layout.code not in table.columns:
        return rows
    c = table.columns.index(layout.code)
    uncoded = [i for i in rows if not table.rows[i][c]]
    for i in uncoded:
        problems.append(Problem(table.file, _cell(table, i, layout.code),
                                "有“科目编码”列时每个科目行都应写编码（合计行除外），以便只把类级科目加总到合计"))
    if uncoded:
        return []
    top = min(len(table.rows[i][c]) for i in rows)
    return [i for i in rows if len(table.rows[i][c]) == top]


# ---------------------------------------------------------------------------------------------------------------
# Quantities and checks


def _standard(project: Any) -> list[tuple[str, StandardTable]]:
    spec = getattr(project.params, "department", None)
    return [(key, parse(project.tables[table_key(key)], DEPARTMENT_TABLES[key])) for key, _ in given(spec)]


def _quantity(st: StandardTable, row: int, column: str, name: str) -> Quantity:
    cell = st.cell(column, row)
    assert cell.value is not None
    return Quantity(name=name, value=cell.value, unit=st.table.unit_of(column), source=st.cite(row, column))


def quantities(project: Any) -> dict[str, Quantity]:
    """The tables' totals (and the “三公经费” items) as quantities by id, for rules and figures to cite."""
    out: dict[str, Quantity] = {}
    for key, st in _standard(project):
        for column, (ident, name) in st.layout.totals.items():
            if st.present(column):
                out[f"{table_key(key)}.{ident}"] = _quantity(st, st.total, column, name)
        for row in st.layout.rows:
            if row.key not in st.fixed:
                continue
            for column, role in _ITEM_COLUMNS.items():
                if st.present(column) and st.cell(column, st.fixed[row.key]).value is not None:
                    out[f"{table_key(key)}.{row.key}.{role}"] = _quantity(
                        st, st.fixed[row.key], column, f"{row.label}（{column}）")
    return out


def _subtotals(st: StandardTable) -> list[tuple[int, list[int]]]:
    """(parent row, its child rows) by 科目编码: 21101 and 21103 are the 款 of 类 211, one level down."""
    layout, table = st.layout, st.table
    if not layout.code or layout.code not in table.columns:
        return []
    c = table.columns.index(layout.code)
    coded = [i for i in range(len(table.rows)) if i != st.total and table.rows[i][c]]
    lengths = sorted({len(table.rows[i][c]) for i in coded})
    out = []
    for i in coded:
        code = table.rows[i][c]
        longer = [n for n in lengths if n > len(code)]
        if not longer:
            continue
        children = [j for j in coded if len(table.rows[j][c]) == longer[0] and table.rows[j][c].startswith(code)]
        if children:
            out.append((i, children))
    return out


def absent(project: Any, ident: str) -> str:
    """Why a standard id has no value (its column or row is missing or blank), or "" for any other id."""
    spec = getattr(project.params, "department", None)
    for key, table in given(spec):
        prefix = f"{table_key(key)}."
        if not ident.startswith(prefix):
            continue
        layout, rest = DEPARTMENT_TABLES[key], ident[len(prefix):]
        columns = {i: c for c, (i, _) in layout.totals.items()}
        rows = {r.key: r for r in layout.rows}
        head, _, role = rest.partition(".")
        if rest in columns:
            where = f"“{columns[rest]}”列"
        elif head in rows and role in _ITEM_COLUMNS.values():
            column = next(c for c, r in _ITEM_COLUMNS.items() if r == role)
            where = f"“{rows[head].label}”行的“{column}”"
        else:
            return ""
        title = table.title or layout.title
        return (f"引用的数值“{ident}”取自{title}（{table.file}）的{where}，而该表没有此列、此行或其金额为空白；"
                "请在表中补上，或改用 inputs 中的数值")
    return ""


def _measure(st: StandardTable, row: int, column: str, name: str) -> Measure:
    cell = st.cell(column, row)
    return Measure(value=cell.value, name=name, unit=st.table.unit_of(column), source=st.cite(row, column))


def _cell(table: Table, row: int, column: str) -> str:
    """Where a bad cell is, as the user finds it (工作表“三公经费”单元格 C6 in a workbook)."""
    if column in table.columns:
        return table.cell_name(row, table.columns.index(column))
    return f"第 {table.line(row)} 行“{column}”列"


def _sum_check(st: StandardTable, column: str, rows: list[int] | tuple[int, ...], total: int, name: str,
               total_name: str, extra: str = "") -> SumCheck | None:
    """Σ rows = total in one column; blank cells count as 0 and are named in the note."""
    names = {i: r.label for r in st.layout.rows if (i := st.fixed.get(r.key)) is not None}
    items = [_measure(st, i, column, names.get(i) or st.label(i)) for i in rows if st.cell(column, i).value is not None]
    blanks = [str(st.table.line(i)) for i in rows if st.cell(column, i).value is None]
    if not items or st.cell(column, total).value is None:
        return None
    note = f"第 {'、'.join(blanks)} 行“{column}”为空白，按 0 计" if blanks else ""
    total_measure = _measure(st, total, column, total_name)
    finest, mixed = column_precision([total_measure, *items], column)
    note = "；".join(x for x in (note, mixed, extra) if x)
    return SumCheck(kind="sum", name=name, items=items, total=total_measure, places=finest,
                    note=note + ("；" if note else "") + _GENERATED)


_GENERATED = "由部门决算标准表自动生成"


def _breakdown_note(st: StandardTable) -> str:
    """其中 rows are named where the sum leaves them out, so a reader sees why they are not added."""
    labels = [st.label(i) for i in range(len(st.table.rows))]
    if st.layout.rows:
        return ""
    parts = breakdown_parents(labels)
    subtotals = [i for i, label in enumerate(labels) if i != st.total and (total_word(label) or "").endswith("小计")]
    notes = []
    if parts:
        named = [f"第 {st.table.line(i)} 行“{shown_text(labels[i], 20, quote=False)}”为第 {st.table.line(p)} 行的其中数"
                 for i, p in list(parts.items())[:5]]
        notes.append("、".join(named) + (f" 等 {len(parts)} 行" if len(parts) > 5 else "") + "，不另行相加")
    if subtotals:
        lines = "、".join(str(st.table.line(i)) for i in subtotals[:10])
        notes.append(f"第 {lines} 行为小计行，不计入各项之和（小计本身未核对）")
    return "；".join(notes)


def check_specs(project: Any) -> list[tuple[str, Any]]:
    """(where, CheckSpec) for every standard table given: the same specs a params file could declare by hand."""
    out: list[tuple[str, Any]] = []
    standard = dict(_standard(project))
    for key, st in standard.items():
        where = f"department.{key}"
        title, layout = st.table.title, st.layout
        amount_columns = [c for c in (*layout.required, *layout.optional) if st.present(c)]
        if key == "three_public":
            for column in amount_columns:
                check = _sum_check(st, column, st.detail, st.total, f"{title}：因公出国（境）费 + 公务用车购置及运行费 + "
                                   f"公务接待费 = 合计（{column}）", f"合计（{column}）")
                if check:
                    out.append((where, check))
            if "vehicle_purchase" in st.fixed:
                for column in amount_columns:
                    check = _sum_check(st, column, [st.fixed["vehicle_purchase"], st.fixed["vehicle_operation"]],
                                       st.fixed["vehicle"], f"{title}：公务用车购置费 + 公务用车运行维护费 = "
                                       f"公务用车购置及运行费（{column}）", f"公务用车购置及运行费（{column}）")
                    if check:
                        out.append((where, check))
            continue
        for column in amount_columns:
            shown = "合计列" if column == "合计" else column  # 合计行（合计） would read as a stammer
            check = _sum_check(st, column, st.detail, st.total, f"{title}：各{'科目' if layout.code else '项'}之和 = "
                               f"合计行（{shown}）", f"合计行（{shown}）", _breakdown_note(st))
            if check:
                out.append((where, check))
        if key == "expenditure":
            for parent, children in _subtotals(st):
                for column in amount_columns:
                    shown = "合计列" if column == "合计" else column
                    check = _sum_check(st, column, children, parent, f"{title}：{st.label(parent)}的下级科目之和 = "
                                       f"{st.label(parent)}（{shown}）", f"{st.label(parent)}（{shown}）")
                    if check:
                        out.append((where, check))
            parts = [c for c in ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出") if c in amount_columns]
            out.append((where, IdentityCheck(kind="identity", name=f"{title}逐行：合计 = {' + '.join(parts)}",
                                             equation=f"合计 = {' + '.join(parts)}", table=st.table.key,
                                             note=_GENERATED)))
            if "人员经费" in amount_columns or "公用经费" in amount_columns:
                out.append((where, IdentityCheck(kind="identity", name=f"{title}逐行：基本支出 = 人员经费 + 公用经费",
                                                 equation="基本支出 = 人员经费 + 公用经费", table=st.table.key,
                                                 note=_GENERATED)))
        if key == "carryover" and st.present("本年收入") and st.present("本年支出"):
            # a blank cell in a 结转结余 row is a figure not reported, not a zero: that row is listed, not checked
            out.append((where, IdentityCheck(
                kind="identity", name=f"{title}逐行：年末结转结余 = 年初结转结余 + 本年收入 − 本年支出",
                equation="年末结转结余 = 年初结转结余 + 本年收入 - 本年支出", table=st.table.key, note=_GENERATED,
                blank="skip")))
    spec = getattr(project.params, "department", None)
    if spec is not None and spec.reconcile and "carryover" in standard:
        co = standard["carryover"]
        pairs = (("income", "决算数", "本年收入", "收入决算表合计（决算数）与结转结余表本年收入合计一致"),
                 ("expenditure", "合计", "本年支出", "支出决算表合计与结转结余表本年支出合计一致"))
        for key, column, other, name in pairs:
            st = standard.get(key)
            if st is None or not st.present(column) or not co.present(other):
                continue
            if st.cell(column, st.total).value is None or co.cell(other, co.total).value is None:
                continue
            out.append((f"department.{key}", SameCheck(
                kind="same", name=name, note=_GENERATED + "；两表口径不同时，可在参数文件的部门决算标准表设置中关闭本项核对",
                values=[_measure(st, st.total, column, f"{st.table.title}合计" + ("" if column == "合计" else f"（{column}）")),
                        _measure(co, co.total, other, f"{co.table.title}合计（{other}）")])))
    return out



# ---------------------------------------------------------------------------------------------------------------
# The kind: 部门整体支出绩效评价, with the 部门决算 standard tables as its own params section


def _cited_figures(params: Any) -> set[str]:
    return figure_keys(params.department)


def _cited_tables(params: Any) -> set[str]:
    return table_keys(params.department)


def _may_cite(ident: str, params: Any) -> bool:
    return may_cite(ident, params.department)


def _data_files(params: Any) -> list[tuple[str, str]]:
    return [(f"{PREFIX}.{key}.file", spec.file) for key, spec in given(params.department)]


def _read_data(params: Any, files: Iterator[Path], folder: Path, shown: str) -> tuple[dict[str, Table], list[Problem]]:
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    for key, spec in given(params.department):
        try:
            tables[table_key(key)] = read(next(files), key, spec, shown=str(folder / spec.file), owner=shown)
        except InputError as exc:
            problems.extend(exc.problems)
    return tables, problems


KIND = Kind(
    "部门整体支出绩效评价", "department", "department_overall", "单位", "部门概况", "单位名称", "单位编码", "部门整体支出",
    score_sheet_title="{name}部门整体支出绩效评价评分表", section=PREFIX, section_model=DepartmentSpec,
    section_doc="部门整体支出绩效评价的标准表（收入决算表、支出决算表、“三公经费”支出表、结转结余表）："
                "按标准列读取，自动生成各表的合计与等式核对，其合计数可被引用（如 department.three_public.actual）",
    cited_figures=_cited_figures, cited_tables=_cited_tables, may_cite=_may_cite, data_files=_data_files,
    read_data=_read_data, quantities=quantities, absent=absent, row_quantity=row_quantity, check_specs=check_specs,
)
