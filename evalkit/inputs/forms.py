"""Reading a filled-in 项目支出绩效自评表 (财预〔2020〕10号 附件1, and the variants units send) as located values.

A finance bureau receives these forms by the hundred. They share the
form's blocks — a header (项目名称, 主管部门, 实施单位 …), 项目资金 with
年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分, 年度总体目标, and
the 绩效指标 rows under 一级 / 二级 / 三级指标 — but not their positions: a
province adds rows to the header, a unit moves a column, 一级 names carry
“（50分）”, parents are merged or repeated, the first sheet is 填表说明.
So the form is found by its labels, never by fixed cells, and every value
keeps the cell it was read from (``At``): the generated params say where
each number came from, and a reviewer can open the form at that cell.

Nothing here judges the values: a blank 偏差原因 or a score above its 分值
is read as written and becomes a failed check later, because listing those
is the point of reading the forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.utils import get_column_letter as column_letters

from evalkit.core.errors import InputError, Problem
from evalkit.core.numbers import NumberError, parse_decimal
from evalkit.inputs.importer import Grid, read_sheets

__all__ = ["At", "Form", "FormRow", "read_forms", "number"]


@dataclass(frozen=True)
class At:
    """A value as displayed in the form, and the cell it was read from (工作表“自评表”!F12)."""

    text: str
    sheet: str
    cell: str

    @property
    def where(self) -> str:
        return f"工作表“{self.sheet}”单元格 {self.cell}"


@dataclass(frozen=True)
class FormRow:
    level1: At | None
    level2: At | None
    name: At
    target: At | None
    actual: At | None
    unit: At | None
    weight: At | None
    score: At | None
    deviation: At | None
    nature: At | None = None  # 指标性质: ≥ / ≤ / 正向 / 反向 / 定性
    note: At | None = None  # 备注


@dataclass(frozen=True)
class Form:
    """One 自评表 as read: labelled header fields, the funds block, goals and indicator rows, each value located."""

    file: str
    sheet: str
    title: str
    year: At | None
    header: dict[str, At]
    funds_unit: str
    funds: dict[tuple[str, str], At]  # (total|fiscal|carryover|other, initial|budget|spent|weight|rate|score)
    goals: dict[str, At]  # expected, actual
    rows: tuple[FormRow, ...]
    labels: dict[str, At]  # 一级指标 name → its “（50分）”
    total_weight: At | None
    total_score: At | None
    grade: At | None
    notes: tuple[str, ...] = field(default=())

    def field(self, *names: str) -> At | None:
        return next((self.header[n] for n in names if n in self.header), None)


def _squeeze(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text).replace("(", "（").replace(")", "）").replace(":", "：")


# --- the labels a form is found by ------------------------------------------------------------------

HEADER_FIELDS = {
    "项目名称": "项目名称", "专项名称": "专项名称", "专项资金名称": "专项名称", "支出方向名称（子项）": "支出方向名称",
    "支出方向名称": "支出方向名称", "子项名称": "支出方向名称", "主管部门": "主管部门", "部门名称": "主管部门",
    "主管部门名称": "主管部门", "实施单位": "实施单位", "单位名称": "实施单位", "项目实施单位": "实施单位",
    "项目总投资": "项目总投资", "其中：财政拨款": "其中财政拨款", "项目总实施期": "项目总实施期", "实施期": "项目总实施期",
    "项目负责人": "项目负责人", "联系电话": "联系电话", "年度": "年度", "评价年度": "年度", "自评年度": "年度",
}
_FUNDS_COLUMNS = {
    "initial": ("年初预算数", "年初预算", "年初预算数（万元）", "年初预算金额"),
    "budget": ("全年预算数", "全年预算数（A）", "全年预算", "调整后预算数", "调整后预算", "全年预算数（调整后）"),
    "spent": ("全年执行数", "全年执行数（B）", "全年执行", "实际支出数", "实际执行数", "全年实际支出"),
    "weight": ("分值",),
    "rate": ("执行率", "执行率（B/A）", "预算执行率"),
    "score": ("得分", "自评得分"),
}
_FUNDS_ROWS = (
    ("fiscal", ("当年财政拨款", "财政拨款", "财政资金", "本级财政资金")),
    ("carryover", ("上年结转资金", "上年结转", "结转资金")),
    ("other", ("其他资金", "其他")),
    ("total", ("年度资金总额", "资金总额", "合计", "总额", "项目资金总额")),
)
_INDICATOR_COLUMNS = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "三级指标名称", "指标名称", "绩效指标名称"),
    "target": ("年度指标值", "指标值", "年度目标值", "目标值", "年度指标值（A）", "预期指标值"),
    "actual": ("实际完成值", "全年实际值", "实际值", "实际完成值（B）", "完成值", "全年实际完成值"),
    "unit": ("计量单位", "单位", "度量单位"),
    "weight": ("分值", "权重", "指标分值"),
    "score": ("得分", "自评得分", "评分"),
    "deviation": ("偏差原因分析及改进措施", "偏差原因分析及改进措施（未完成原因分析）", "偏差原因分析", "偏差原因",
                  "未完成原因分析", "原因分析及改进措施", "偏差原因及改进措施"),
    "nature": ("指标性质", "指标方向", "指标类型", "指标属性", "计算方向", "指标值类型"),
    "note": ("备注", "说明", "数据来源", "佐证材料", "备注说明"),
}
_TOTAL_ROW = ("总分", "合计", "总计", "自评总分", "合计得分")
_GRADE = ("自评等级", "评价等级", "等级", "自评结果")
_LABEL_WEIGHT = re.compile(r"^(.*?)（(\d+(?:\.\d+)?)分?）$")
_YEAR = re.compile(r"(20\d\d)\s*年")
_UNIT = re.compile(r"（(?:单位：)?(元|万元|亿元)）|单位：(元|万元|亿元)")


_LABEL_NOISE = re.compile(r"(及代码|（代码）|（编码）|（盖章）|（公章）|（签章）)$")
_CODE_PREFIX = re.compile(r"^[\[【（]\s*\d+\s*[\]】）]\s*")


def header_key(text: str) -> str | None:
    """The header field a label names: 主管部门及代码 and 实施单位（盖章） are 主管部门 and 实施单位."""
    label = _LABEL_NOISE.sub("", _squeeze(text).rstrip("："))
    return HEADER_FIELDS.get(label)


def _field_value(at: At) -> At:
    """A field's value without the code units put in front of a name ([317]某区卫生健康委员会)."""
    text = _CODE_PREFIX.sub("", at.text)
    return At(text, at.sheet, at.cell) if text and text != at.text else at


def column_of(labels: dict[str, tuple[str, ...]], text: str) -> str | None:
    key = _squeeze(text)
    for role, names in labels.items():
        if key in names:
            return role
    return None


class _Sheet:
    """A grid read as a form: cells by (row, column), merged ranges showing their top-left value."""

    def __init__(self, grid: Grid, file: str) -> None:
        self.grid, self.file, self.sheet = grid, file, grid.sheet or ""
        self.cells = {(r, c): v for r, values in grid.rows for c, v in values.items()}
        self.numbers = [r for r, _ in grid.rows]
        self._rows = {r: sorted(values.items()) for r, values in grid.rows}  # each row once: reading stays linear

    def at(self, r: int, c: int) -> At | None:
        """The value shown at (r, c): a merged range shows its top-left cell's; None for a blank cell."""
        origin = self.grid.anchor.get((r, c), (r, c))
        text = self.cells.get(origin)
        if text is None or not text.strip():
            return None
        return At(text.strip(), self.sheet, f"{column_letters(origin[1])}{origin[0]}")

    def own(self, r: int, c: int) -> At | None:
        """The value at (r, c) only if it is not the continuation of a merged range (a parent written once)."""
        if (r, c) in self.grid.anchor:
            return None
        return self.at(r, c)

    def row(self, r: int) -> list[tuple[int, str]]:
        return self._rows.get(r, [])

    def where(self, r: int) -> str:
        return f"工作表“{self.sheet}”第 {r} 行"


def _header_row(sheet: _Sheet, labels: dict[str, tuple[str, ...]], needed: tuple[str, ...],
                start: int = 0) -> tuple[int, dict[str, int]] | None:
    """The first row (from ``start``) naming every role in ``needed``, with the column of each role it names.

    A two-row header (绩效指标 over 一级指标 … or 评价结果 over 分值/得分) is read
    by letting the row below fill in roles the row itself does not name.
    """
    for i, r in enumerate(sheet.numbers):
        if r < start:
            continue
        columns: dict[str, int] = {}
        for c, text in sheet.row(r):
            role = column_of(labels, text)
            if role and role not in columns:
                columns[role] = c
        if all(n in columns for n in needed):
            below = sheet.numbers[i + 1] if i + 1 < len(sheet.numbers) else None
            if below is not None:
                for c, text in sheet.row(below):
                    role = column_of(labels, text)
                    if role and role not in columns:
                        columns[role] = c
                        columns["_two_rows"] = below
            return r, columns
    return None


def number(at: At | None) -> Decimal | None:
    """A number as units write one in a form: 8, 8.00, “8分”, “1,234.5”, “84.66%” (as 84.66); None for blank or —.

    ValueError says what the cell holds instead; the caller knows the file and names the cell.
    """
    if at is None:
        return None
    text = _squeeze(at.text).rstrip("分").rstrip("%").rstrip("％")
    if text in ("", "—", "——", "-", "--", "/", "／", "无"):
        return None
    try:
        return parse_decimal(text)
    except NumberError:
        raise ValueError(f"应为数字，实际为“{at.text}”") from None


def read_forms(raw: bytes, shown: str) -> tuple[list[Form], list[Problem]]:
    """Every 自评表 in a workbook (one per sheet that has the 绩效指标 header), and why other sheets were not forms.

    A sheet without the indicator header (填表说明, 附表) is not a form and is
    passed over silently unless the workbook has no form at all.
    """
    forms: list[Form] = []
    problems: list[Problem] = []
    skipped: list[str] = []
    for title, grid in read_sheets(raw, shown):
        if isinstance(grid, InputError):
            problems.extend(grid.problems)
            continue
        sheet = _Sheet(grid, shown)
        found = _header_row(sheet, _INDICATOR_COLUMNS, ("name", "target", "actual", "weight"))
        if found is None:
            skipped.append(title)
            continue
        try:
            forms.append(_read_form(sheet, *found))
        except InputError as exc:
            problems.extend(Problem(shown, p.where, p.message) for p in exc.problems)
    if not forms and not problems:
        listed = "、".join(f"“{t}”" for t in skipped) or "无"
        problems.append(Problem(shown, "", f"没有找到自评表：工作表（{listed}）中都没有“三级指标 / 年度指标值 / 实际完成值 / "
                                           "分值”表头"))
    return forms, problems


def _read_form(sheet: _Sheet, header: int, columns: dict[str, int]) -> Form:
    first = header if "_two_rows" not in columns else columns["_two_rows"]
    title = next((v for r in sheet.numbers[:3] for _, v in sheet.row(r) if "自评表" in v or "绩效" in v), "")
    fields: dict[str, At] = {}
    year: At | None = None
    for r in sheet.numbers:
        if r >= header:
            break
        row = sheet.row(r)
        for i, (c, text) in enumerate(row):
            if year is None and (m := _YEAR.search(text)) and ("年度" in text or "自评表" in text):
                year = At(m.group(1), sheet.sheet, f"{column_letters(c)}{r}")
            key = header_key(text)
            if key is None:
                # 项目名称：城市道路桥梁日常养护 — label and value in one cell
                label, colon, rest = text.replace(":", "：").partition("：")
                key = header_key(label) if colon and rest.strip() else None
                if key is not None and key not in fields:
                    fields[key] = _field_value(At(rest.strip(), sheet.sheet, f"{column_letters(c)}{r}"))
                continue
            if key in fields:
                continue
            value = next((sheet.at(r, cc) for cc, t in row[i + 1:]
                          if header_key(t) is None and sheet.at(r, cc) is not None
                          and sheet.grid.anchor.get((r, cc)) != (r, c)), None)
            if value is not None:
                fields[key] = _field_value(value)
    if "年度" in fields and year is None:
        m = _YEAR.search(fields["年度"].text + "年") or re.search(r"(20\d\d)", fields["年度"].text)
        year = At(m.group(1), sheet.sheet, fields["年度"].cell) if m else None
    unit, funds = _funds(sheet, header)
    goals = _goals(sheet, header)
    rows, labels, total_weight, total_score, grade = _indicators(sheet, first, columns)
    return Form(file=sheet.file, sheet=sheet.sheet, title=title, year=year, header=fields, funds_unit=unit,
                funds=funds, goals=goals, rows=tuple(rows), labels=labels, total_weight=total_weight,
                total_score=total_score, grade=grade)


def _funds(sheet: _Sheet, before: int) -> tuple[str, dict[tuple[str, str], At]]:
    found = _header_row(sheet, _FUNDS_COLUMNS, ("budget", "spent"))
    if found is None or found[0] >= before:
        raise InputError.single(sheet.file, f"工作表“{sheet.sheet}”",
                                "找不到项目资金表头（年初预算数 / 全年预算数 / 全年执行数）")
    head, columns = found
    columns.pop("_two_rows", None)
    unit = "万元"
    for r in sheet.numbers:
        if r > head:
            break
        for _, text in sheet.row(r):
            m = _UNIT.search(_squeeze(text))
            if m and ("资金" in text or "单位" in text or r == head):
                unit = m.group(1) or m.group(2)
    first_value = min(columns.values())
    out: dict[tuple[str, str], At] = {}
    for r in sheet.numbers:
        if r <= head or r >= before:
            continue
        label = "".join(_squeeze(v) for c, v in sheet.row(r) if c < first_value and (r, c) not in sheet.grid.anchor)
        if not label:
            continue
        if "年度总体目标" in label or "预期目标" in label:
            break
        line = next((name for name, words in _FUNDS_ROWS if any(w in label for w in words)), None)
        if line is None or any((line, k) in out for k in columns):
            continue
        for role, c in columns.items():
            value = sheet.own(r, c)
            if value is not None:
                out[(line, role)] = value
    if ("total", "budget") not in out:
        raise InputError.single(sheet.file, f"工作表“{sheet.sheet}”第 {head} 行以下",
                                "项目资金中找不到“年度资金总额”行（或其全年预算数为空）")
    return unit, out


def _goals(sheet: _Sheet, before: int) -> dict[str, At]:
    for r in sheet.numbers:
        if r >= before:
            break
        row = sheet.row(r)
        texts = {_squeeze(t): c for c, t in row}
        expected = next((c for t, c in texts.items() if t.startswith("预期目标")), None)
        actual = next((c for t, c in texts.items() if t.startswith("实际完成情况")), None)
        if expected is None or actual is None:
            continue
        below = next((rr for rr in sheet.numbers if rr > r), None)
        out: dict[str, At] = {}
        for key, c in (("expected", expected), ("actual", actual)):
            value = sheet.at(below, c) if below is not None and below < before else None
            if value is not None:
                out[key] = value
        return out
    return _goals_by_label(sheet, before)


def _goals_by_label(sheet: _Sheet, before: int) -> dict[str, At]:
    """Goals laid out one under the other: 预期目标 | text on one row, 实际完成情况 | text on the next (or in one cell)."""
    out: dict[str, At] = {}
    for r in sheet.numbers:
        if r >= before:
            break
        row = sheet.row(r)
        for i, (c, text) in enumerate(row):
            key = _squeeze(text).replace(":", "：")
            for name, role in (("预期目标", "expected"), ("实际完成情况", "actual")):
                if role in out or not key.startswith(name):
                    continue
                rest = key[len(name):].lstrip("：")
                if rest:
                    out[role] = At(text.replace(":", "：").partition("：")[2].strip(), sheet.sheet,
                                   f"{column_letters(c)}{r}")
                else:
                    value = next((sheet.at(r, cc) for cc, _ in row[i + 1:] if sheet.at(r, cc) is not None), None)
                    if value is not None:
                        out[role] = value
    return out


def _indicators(sheet: _Sheet, header: int, columns: dict[str, int]
                ) -> tuple[list[FormRow], dict[str, At], At | None, At | None, At | None]:
    rows: list[FormRow] = []
    labels: dict[str, At] = {}
    total_weight = total_score = grade = None
    parents: dict[str, At | None] = {"level1": None, "level2": None}
    name_column = columns["name"]
    ended = False  # after the 总分 row: a 自评等级 row, signatures, 填表人 — never indicators
    for r in sheet.numbers:
        if r <= header:
            continue
        cells = sheet.row(r)
        if ended:
            for c, t in cells:
                grade = grade or _grade_in(sheet, r, c, t)
            continue
        texts = [_squeeze(t) for c, t in cells if c <= name_column]
        if any(t in _TOTAL_ROW for t in texts):
            ended = True
            total_weight = sheet.own(r, columns["weight"]) if "weight" in columns else None
            total_score = sheet.own(r, columns["score"]) if "score" in columns else None
            for c, t in cells:  # a grade written in the total row (自评等级：优)
                grade = grade or _grade_in(sheet, r, c, t)
            continue
        for level in ("level1", "level2"):
            if level in columns:
                value = sheet.at(r, columns[level])
                if value is not None:
                    parents[level] = value
        name = sheet.at(r, name_column)
        own_level1 = sheet.own(r, columns["level1"]) if "level1" in columns else None
        if own_level1 is not None and _squeeze(own_level1.text).startswith("预算执行率"):
            name = own_level1  # 预算执行率 as a row of the table, written in the 一级 column (merged across or alone)
            parents["level2"] = None
        elif name is None or (r, name_column) in sheet.grid.anchor and not any(
                sheet.own(r, columns[k]) for k in ("target", "actual", "weight") if k in columns):
            continue
        level1 = parents["level1"]
        if level1 is not None and (m := _LABEL_WEIGHT.match(_squeeze(level1.text))):
            labels.setdefault(m.group(1), At(m.group(2), level1.sheet, level1.cell))
        rows.append(FormRow(
            level1=level1, level2=parents["level2"], name=name,
            **{k: (sheet.own(r, columns[k]) if k in columns else None)
               for k in ("target", "actual", "unit", "weight", "score", "deviation", "nature", "note")},
        ))
    if not rows:
        raise InputError.single(sheet.file, f"工作表“{sheet.sheet}”第 {header} 行以下", "绩效指标表头下没有指标行")
    return rows, labels, total_weight, total_score, grade


def _grade_in(sheet: _Sheet, r: int, c: int, text: str) -> At | None:
    key = _squeeze(text)
    for word in _GRADE:
        if key.startswith(word):
            rest = key[len(word):].lstrip("：")
            if rest:
                return At(rest, sheet.sheet, f"{column_letters(c)}{r}")
            return next((sheet.at(r, cc) for cc, _ in sheet.row(r) if cc > c and sheet.at(r, cc)), None)
    return None


def level_name(at: At | None) -> str:
    """一级/二级指标 as a name: “产出指标（50分）” is 产出指标."""
    if at is None:
        return ""
    text = _squeeze(at.text)
    m = _LABEL_WEIGHT.match(text)
    return m.group(1) if m else text
