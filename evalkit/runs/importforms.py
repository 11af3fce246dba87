"""``evalkit import-forms``: a folder of filled-in 自评表 workbooks becomes a round of params files, one per form.

The forms are copied into the round (``<round>/forms/``) so the round holds
what it was generated from, and each params file is written beside them,
named after its workbook (and sheet, when a workbook holds several forms).
A form that cannot be read is one located message; the others are written
and the round goes on. Re-importing replaces only files this command wrote
(their first line says so): a hand-written params file of the same name is
never overwritten.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.core.errors import InputError, Problem
from evalkit.inputs import names
from evalkit.inputs.forms import read_forms
from evalkit.kinds.self_evaluation.formparams import form_params

__all__ = ["Imported", "import_forms", "MARK"]

MARK = "# 由 evalkit import-forms 从自评表生成"
FORMS_FOLDER = "forms"
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


@dataclass
class Imported:
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    books: int = 0
    forms: int = 0


def _workbooks(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise InputError.single(str(source), "", "找不到该文件或文件夹")
    return sorted(p for p in source.iterdir()
                  if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file() and not p.name.startswith(("~$", ".")))


def _project_name(stem: str, sheet: str, several: bool) -> str:
    """A name that is safe as a file and folder name everywhere (a hostile workbook name cannot reach out)."""
    name = f"{stem}-{sheet}" if several else stem
    name = _UNSAFE.sub("_", name).strip(" .") or "form"
    if names.name_problem(name):
        name = "form-" + re.sub(r"[^0-9A-Za-z\u4e00-\u9fff_-]", "_", name)[:80]
    return name


def _write(path: Path, text: str) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().startswith(MARK)
    except (OSError, UnicodeDecodeError):
        return False


def import_forms(source: Path, round_dir: Path) -> Imported:
    """Read every form under ``source`` and write the round; problems are collected, never raised per form."""
    books = _workbooks(source)
    if not books:
        raise InputError.single(str(source), "", "文件夹中没有 .xlsx 自评表")
    problem = names.name_problem(round_dir.absolute().name, "批次目录")
    if problem:
        raise InputError.single(str(round_dir), "", problem)
    forms_dir = round_dir / FORMS_FOLDER
    forms_dir.mkdir(parents=True, exist_ok=True)
    result = Imported(books=len(books))
    taken: set[str] = set()
    for book in books:
        shown = str(book)
        try:
            raw = book.read_bytes()
        except OSError as exc:
            result.problems.append(Problem(shown, "", f"无法读取：{exc.strerror or exc}"))
            continue
        try:
            forms, problems = read_forms(raw, shown)
        except InputError as exc:
            result.problems.extend(exc.problems)
            continue
        result.problems.extend(problems)
        if not forms:
            continue
        copy_name = _project_name(book.stem, "", False) + book.suffix.lower()
        copy = forms_dir / copy_name
        copied = False
        for form in forms:
            result.forms += 1
            name = _project_name(book.stem, form.sheet, len(forms) > 1)
            key = names.collision_key(name)
            if key in taken:
                result.problems.append(Problem(shown, f"工作表“{form.sheet}”",
                                               f"与另一份自评表生成的项目名“{name}”相同；请给工作簿改名后重新导入"))
                continue
            target = round_dir / f"{name}.yaml"
            if target.exists() and not _ours(target):
                result.problems.append(Problem(str(target), "", "已有同名的参数文件且不是 import-forms 生成的，未覆盖；"
                                               "请移走该文件或给工作簿改名"))
                continue
            try:
                text = form_params(form, name, f"{FORMS_FOLDER}/{copy_name}")
            except InputError as exc:
                result.problems.extend(exc.problems)
                continue
            if not copied and copy.resolve() != book.resolve():
                shutil.copyfile(book, copy)  # the form the params cite, once one of its forms is written
            copied = True
            _write(target, text)
            taken.add(key)
            result.written.append(target)
    return result
