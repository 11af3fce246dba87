"""``evalkit new``: a project skeleton that validates and runs before the evaluator has typed a word.

Writing a params file from an empty editor meant reading the whole README
first and many edit–validate cycles before anything ran. A skeleton per
evaluation kind starts from a file that already runs to an appendix: every
section is present with a Chinese comment (what to fill in, where it shows,
which README section explains it), every value still to be replaced is an
obvious placeholder （请填写……） or marked 示例, and the data tables the params
read are written beside it as XLSX (what evaluators keep) and CSV, from one
description so the two never disagree.

The skeleton's text lives as package data in ``evalkit/skeletons/<kind>/``:
``params.yaml`` (a ``string.Template``: ``${data}`` the project's data folder,
``${year}``) and ``tables.yaml`` (columns, numeric columns, example rows).

Nothing is ever overwritten: every target is checked first, each file is
written to a temporary name and linked into place (which fails if the name
appeared meanwhile), the params file last, and on any failure the files and
folders this call created are removed again, so a failed ``new`` leaves no
half-written params file behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shlex
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Callable

from evalkit.inputs import names
from evalkit.core.errors import InputError, Problem, did_you_mean
from evalkit.kinds import KINDS, Kind, kind_names, kind_named
from evalkit.core.numbers import decimals, parse_decimal
from evalkit.outputs.ooxml import FIXED_TIME, without_clock
from evalkit.inputs.yamlio import parse_yaml

__all__ = ["SCHEMA_FILE", "Created", "DataTemplate", "create", "schema_beside", "data_templates", "kind_for", "render_params", "target"]

WHERE = "evalkit new"  # the "file" of a problem with the command line itself
PARAMS_DIR = "params"
_YEAR = re.compile(r"^(19|20)[0-9]{2}$")


@dataclass(frozen=True)
class DataTemplate:
    """One data table of a skeleton: written as <file>.xlsx and <file>.csv with the same cells."""

    file: str
    sheet: str
    columns: tuple[str, ...]
    numeric: frozenset[str]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Created:
    kind: Kind
    params: Path
    files: tuple[Path, ...]  # in the order written; the params file is last
    schema: Path | None = None  # params/params.schema.json, written or refreshed beside the rounds


def kind_for(text: str) -> Kind:
    """The kind named on the command line (Chinese name or English alias); an InputError listing them otherwise."""
    try:
        return kind_named(text.strip())
    except KeyError:
        listed = "；".join(f"{k.key}（{k.name}）" for k in KINDS)
        raise InputError.single(
            WHERE, "评价类型", f"不认识“{names.displayable(text)[:60]}”，应为以下之一：{listed}"
            f"{did_you_mean(text, kind_names())}") from None


def target(path_text: str) -> tuple[Path, str, str]:
    """(params file, round, project name) for ``params/<round>/<name>`` or ``…/<name>.yaml``.

    The round and project names become output folder names, so they must pass
    ``names.name_problem``. The file must sit directly in a round folder under
    a folder called ``params``: that is the layout ``evalkit batch params/<round>``
    reads and README describes, and it stops ``params/2024/a/b`` from silently
    making a round called ``a`` inside the round 2024.
    """
    shown = names.displayable(path_text)
    path = Path(path_text)
    raw = path.name
    if path_text.endswith(("/", os.sep)) or raw in ("", ".", ".."):
        problem = names.name_problem(raw if raw in (".", "..") else "", "项目")
        raise InputError.single(WHERE, shown, f"{problem}；应写成 params/<批次>/<项目名>，如 params/2024/某项目")
    suffix = Path(raw).suffix.lower()
    name = raw[: -len(suffix)] if suffix in (".yaml", ".yml") else raw
    problems = []
    problem = names.name_problem(name, "项目")
    if problem:
        problems.append(problem)
    parts = path.parts
    round_name = parts[-2] if len(parts) >= 2 else ""
    if len(parts) < 3 or parts[-3] != PARAMS_DIR:
        problems.append(f"参数文件应放在 {PARAMS_DIR}/<批次>/ 下，写成 {PARAMS_DIR}/<批次>/<项目名>（如 params/2024/某项目），"
                        f"这样 evalkit batch {PARAMS_DIR}/<批次> 能找到它")
    elif (problem := names.name_problem(round_name, "批次")):
        problems.append(problem)
    if problems:
        raise InputError(Problem(WHERE, shown, p) for p in problems)
    return path.with_name(name + (suffix if suffix in (".yaml", ".yml") else ".yaml")), round_name, name


def _package_text(kind: Kind, file: str) -> str:
    return (resources.files("evalkit") / "skeletons" / kind.key / file).read_text(encoding="utf-8")


def render_params(kind: Kind, round_name: str, name: str) -> str:
    """The params file of a new project: the kind's template with its data folder and year filled in."""
    year = round_name if _YEAR.match(round_name) else str(dt.date.today().year)
    return Template(_package_text(kind, "params.yaml")).substitute(data=f"data/{name}", year=year)


def data_templates(kind: Kind) -> tuple[DataTemplate, ...]:
    """The kind's data tables as described in its ``tables.yaml`` (package data, so checked by the tests)."""
    spec = parse_yaml(_package_text(kind, "tables.yaml"), f"evalkit/skeletons/{kind.key}/tables.yaml")
    out = []
    for table in spec["tables"]:
        columns = tuple(str(c) for c in table["columns"])
        rows = tuple(tuple(str(v) for v in row) for row in table["rows"])
        assert all(len(r) == len(columns) for r in rows), table["file"]  # package data, fixed by its tests
        out.append(DataTemplate(str(table["file"]), str(table.get("sheet") or table["file"]), columns,
                                frozenset(str(c) for c in table.get("numeric", ())), rows))
    return tuple(out)


def csv_bytes(table: DataTemplate) -> bytes:
    """UTF-8 with BOM, so Excel and WPS on Chinese Windows open it without garbling the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8-sig")


_EXAMPLE_FILL = "FFF2CC"  # light yellow: the example rows to replace
_HEADER_FILL = "D9E1F2"


def xlsx_bytes(table: DataTemplate) -> bytes:
    """The same cells as a workbook: numbers stored as numbers with a format showing the places written.

    Amounts are real numeric cells with ``#,##0.00`` so that evaluators can
    type over them in Excel and evalkit reads them as displayed (300 shown
    as 300.00 reads 300.00). Example rows are filled yellow.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = table.sheet
    ws.append(list(table.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for r, row in enumerate(table.rows, start=2):
        for c, (column, text) in enumerate(zip(table.columns, row), start=1):
            cell = ws.cell(row=r, column=c)
            if column in table.numeric and text.strip():
                value = parse_decimal(text)
                places = decimals(value)
                cell.value = value
                cell.number_format = "#,##0" + ("." + "0" * places if places else "")
            else:
                cell.value = text
                cell.number_format = "@"  # text stays text (a 科目编码 such as 208 is not a number)
            cell.fill = PatternFill("solid", fgColor=_EXAMPLE_FILL)
    for c, column in enumerate(table.columns, start=1):
        longest = max(len(column), *(len(row[c - 1]) for row in table.rows))
        ws.column_dimensions[get_column_letter(c)].width = min(60, 4 + 2 * longest)
    ws.freeze_panes = "A2"
    fixed = FIXED_TIME  # no clock time in the file: two skeletons of a kind are the same workbook
    wb.properties.created = wb.properties.modified = fixed
    out = io.BytesIO()
    wb.save(out)
    return without_clock(out.getvalue(), fixed)


def plan(kind: Kind, params: Path, round_name: str, name: str,
         edit: Callable[[str], str] | None = None) -> list[tuple[Path, bytes]]:
    """Every file of the skeleton with its content, the params file last (its text passed through ``edit``:
    ``evalkit audit --params`` writes the report's figures into it)."""
    data = params.parent / "data" / name
    files: list[tuple[Path, bytes]] = []
    for table in data_templates(kind):
        files.append((data / f"{table.file}.xlsx", xlsx_bytes(table)))
        files.append((data / f"{table.file}.csv", csv_bytes(table)))
    text = render_params(kind, round_name, name)
    files.append((params, (edit(text) if edit else text).encode("utf-8")))
    return files


def _clashes(params: Path, name: str) -> list[Path]:
    """Existing files a new params file would clash with: itself, or one the batch would give the same output folder."""
    folder = params.parent
    if not folder.is_dir():
        return []
    key = names.collision_key(name)
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in (".yaml", ".yml") and names.collision_key(p.stem) == key)


def _write_exclusive(path: Path, content: bytes) -> None:
    """Write ``content`` as ``path``, never replacing an existing file, never leaving a partial one."""
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        with open(tmp, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails with FileExistsError if the name appeared since we checked
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            if os.path.lexists(path):
                raise FileExistsError(path) from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _exists_error(paths: list[Path]) -> InputError:
    return InputError(
        Problem(names.displayable(str(p)), "", "文件已存在，不会覆盖它；请换一个项目名，或先移走这个文件")
        for p in paths)


def create(kind_text: str, path_text: str, edit: Callable[[str], str] | None = None) -> Created:
    """Write the skeleton of a ``kind_text`` project at ``path_text``; InputError for a bad kind, name or clash."""
    problems: list[Problem] = []
    kind = None
    try:
        kind = kind_for(kind_text)
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        params, round_name, name = target(path_text)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems or kind is None:
        raise InputError(problems)
    files = plan(kind, params, round_name, name, edit)
    existing = _clashes(params, name) + [p for p, _ in files[:-1] if os.path.lexists(p)]
    if existing:
        raise _exists_error(existing)
    for folder in {p.parent for p, _ in files}:
        for ancestor in (folder, *folder.parents):
            if os.path.lexists(ancestor) and not ancestor.is_dir():
                raise InputError.single(names.displayable(str(ancestor)), "", "应为文件夹，实际是一个文件；请换一个路径")
    made_dirs: list[Path] = []
    written: list[Path] = []
    try:
        for path, content in files:
            missing = [d for d in (path.parent, *path.parent.parents) if not os.path.lexists(d)]
            for folder in reversed(missing):
                folder.mkdir()
                made_dirs.append(folder)
            try:
                _write_exclusive(path, content)
            except FileExistsError:
                raise _exists_error([path]) from None
            written.append(path)
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    schema = schema_beside(params)
    return Created(kind=kind, params=params, files=tuple(written), schema=schema)


SCHEMA_FILE = "params.schema.json"  # in params/, the folder above each round: the files' first line names ../params.schema.json


def schema_beside(params: Path) -> Path | None:
    """Write (or refresh) ``params/params.schema.json``, which a new params file's first line names, so an editor
    resolves it from where the file is — in a checkout or a wheel user's own folder alike. None when it could
    not be written (the params file works without it; an editor then only lacks completion)."""
    from evalkit.loader import json_schema_text
    from evalkit.outputs.atomic import write_file

    target = params.parent.parent / SCHEMA_FILE
    text = json_schema_text().encode("utf-8")
    try:
        if not (target.is_file() and target.read_bytes() == text):
            write_file(target, text)
    except OSError:
        return None
    return target


def describe(path: Path, params: Path) -> str:
    """What a written file is, for the list ``evalkit new`` prints."""
    if path == params:
        return "参数文件：先改其中“（请填写……）”的文字与标有“示例”的数值"
    if path.suffix == ".xlsx":
        return "数据表模板（参数文件读取这一份；标黄的示例行请替换）"
    return "同一数据表的 CSV 格式（用 CSV 时把参数文件中的 file 改为它）"


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_PLAIN_WORD = re.compile(r"[\w@%+=:,./-]+")


def shell_word(text: str) -> str:
    """``text`` as a shell word to copy: unquoted when nothing in it needs quoting (Chinese does not)."""
    return text if _PLAIN_WORD.fullmatch(text) else shlex.quote(text)
