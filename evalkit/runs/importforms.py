"""``evalkit import-forms``: a folder of filled-in 自评表 workbooks becomes a round of params files, one per form.

The forms are copied into the round (``<round>/forms/``) so the round holds
what it was generated from, and each params file is written beside them,
named after its workbook (and sheet, when a workbook holds several forms).
A form that cannot be read is one located message; the others are written
and the round goes on. Re-importing replaces only files this command wrote
(their first line says so): a hand-written params file of the same name —
or of a name that would share its output folder (a.yml, A.yaml) — is never
overwritten, and a copy never replaces another workbook of this import nor
writes through a link.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.core.errors import InputError, Problem, os_error_text
from evalkit.inputs import names
from evalkit.inputs.forms import read_forms
from evalkit.kinds.self_evaluation.formparams import form_params

__all__ = ["MARK", "Imported", "import_forms"]

MARK = "# 由 evalkit import-forms 从自评表生成"
FORMS_FOLDER = "forms"
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\u2028\u2029]')
_NAME_BYTES = 150  # leaves room for ".yaml", the round's temporary names and output folders within 255 bytes


@dataclass
class Imported:
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the input's: exit 2
    failures: list[Problem] = field(default_factory=list)  # the environment's (a copy or write failed): exit 1
    books: int = 0
    forms: int = 0


def _workbooks(source: Path, problems: list[Problem]) -> list[Path]:
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise InputError.single(str(source), "", "找不到该文件或文件夹")
    books = []
    for p in sorted(source.iterdir()):
        if p.suffix.lower() not in (".xlsx", ".xlsm") or p.name.startswith(("~$", ".")):
            continue
        if p.is_file():
            books.append(p)
        else:  # a broken link, a folder or a pipe named .xlsx: said, not silently passed over
            problems.append(Problem(str(p), "", "不是普通文件（失效的快捷方式或链接、文件夹等），已跳过"))
    return books


def _cut(name: str) -> str:
    """At most ``_NAME_BYTES`` of UTF-8, cut between characters."""
    raw = name.encode("utf-8")
    if len(raw) <= _NAME_BYTES:
        return name
    return raw[:_NAME_BYTES].decode("utf-8", "ignore").rstrip(" .")


def project_name(stem: str, sheet: str, several: bool) -> str:
    """A name that is safe as a file and folder name everywhere: a hostile workbook name cannot reach out.

    Dots become ``_`` (``a.signoff`` would be read as a sign-off file); long names are cut by bytes, with a
    short hash of the whole so that two long names stay two.
    """
    whole = f"{stem}-{sheet}" if several else stem
    # bytes of a name from another system's encoding (surrogates) are no characters to keep
    name = "".join("_" if 0xD800 <= ord(c) <= 0xDFFF else c for c in _UNSAFE.sub("_", whole))
    name = name.replace(".", "_").strip(" ") or "form"
    if len(name.encode("utf-8")) > _NAME_BYTES:
        name = _cut(name[:90]) + "-" + hashlib.sha256(whole.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    if names.name_problem(name):
        name = "form-" + hashlib.sha256(whole.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return name


def _write(path: Path, data: bytes) -> None:
    """Written beside, then renamed over: a link at ``path`` is replaced, never written through."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as any file the user writes, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _same(a: Path, b: Path) -> bool:
    """Whether two spellings name one file (A.yaml and a.yaml on Windows and macOS)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().startswith(MARK)
    except (OSError, UnicodeDecodeError):
        return False


def _existing(round_dir: Path) -> dict[str, Path]:
    """The round's params files by output folder (a.yml and A.yaml would share one)."""
    out: dict[str, Path] = {}
    if round_dir.is_dir():
        for p in round_dir.iterdir():
            if p.suffix.lower() in (".yaml", ".yml") and not names.is_sidecar(p):
                out.setdefault(names.collision_key(names.project_name(p)), p)
    return out


def import_forms(source: Path, round_dir: Path) -> Imported:
    """Read every form under ``source`` and write the round; problems are collected, never raised per form."""
    result = Imported()
    books = _workbooks(source, result.problems)
    if not books and not result.problems:
        raise InputError.single(str(source), "", "文件夹中没有 .xlsx 自评表")
    problem = names.name_problem(round_dir.absolute().name, "批次目录")
    if problem:
        raise InputError.single(str(round_dir), "", problem)
    forms_dir = round_dir / FORMS_FOLDER
    forms_dir.mkdir(parents=True, exist_ok=True)
    result.books = len(books)
    sources = {b.resolve() for b in books}
    existing = _existing(round_dir)
    taken: set[str] = set()
    copies: set[str] = set()
    for book in books:
        shown = str(book)
        try:
            raw = book.read_bytes()
        except OSError as exc:
            result.problems.append(Problem(shown, "", f"无法读取：{os_error_text(exc)}"))
            continue
        try:
            forms, problems = read_forms(raw, shown)
        except InputError as exc:
            result.problems.extend(exc.problems)
            continue
        result.problems.extend(problems)
        if not forms:
            continue
        copy_name = project_name(book.stem, "", False) + book.suffix.lower()
        copy = forms_dir / copy_name
        if names.collision_key(copy_name) in copies or (copy.resolve() in sources and copy.resolve() != book.resolve()):
            result.problems.append(Problem(shown, "", f"复制到 {FORMS_FOLDER}/ 时与另一工作簿同名（{copy_name}）；"
                                                      "请给其中一个工作簿改名后重新导入"))
            continue
        copies.add(names.collision_key(copy_name))
        copied = copy.resolve() == book.resolve()
        for form in forms:
            result.forms += 1
            name = project_name(book.stem, form.sheet, len(forms) > 1)
            key = names.collision_key(name)
            if key in taken:
                result.problems.append(Problem(shown, f"工作表“{form.sheet}”",
                                               f"生成的项目名“{name}”与本次导入的另一份自评表相同；"
                                               + ("请给其中一个工作表改名" if len(forms) > 1 else "请给其中一个工作簿改名")
                                               + "后重新导入"))
                continue
            target = round_dir / f"{name}.yaml"
            other = existing.get(key)
            if other is not None and not _ours(other):
                clash = "同名的参数文件" if other.name == target.name else f"参数文件 {other.name}（与 {target.name} 用同一个输出目录）"
                result.problems.append(Problem(str(other), "", f"已有{clash}且不是 import-forms 生成的，未覆盖；"
                                               "请移走该文件或给工作簿改名"))
                continue
            try:
                text = form_params(form, name, f"{FORMS_FOLDER}/{copy_name}")
            except InputError as exc:
                result.problems.extend(exc.problems)
                continue
            writing = copy
            try:
                if not copied:
                    _write(copy, raw)  # the form the params cite, once one of its forms is written
                    copied = True
                writing = target
                _write(target, text.encode("utf-8"))
            except OSError as exc:
                result.failures.append(Problem(str(writing), "", f"无法写入：{os_error_text(exc)}"))
                continue
            if other is not None and other != target and not _same(other, target):
                other.unlink(missing_ok=True)  # our own earlier file under another spelling (A.yaml, now a.yaml)
            taken.add(key)
            result.written.append(target)
    return result
