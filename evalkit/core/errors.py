"""User-facing input errors: one message per problem, naming file, place and expectation.

Evaluators are not programmers; a pydantic traceback tells them nothing. Every
problem with a params file, a framework or a data file becomes a ``Problem``
with the file, the field path or row, and what was expected, in Chinese. The
CLI prints them and exits with status 2.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from pydantic import ValidationError

__all__ = ["InputError", "MissingDependency", "Problem", "did_you_mean", "from_validation_error", "format_path", "message_for", "shown_value",
           "shown_text", "os_error_text"]


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


class InputError(Exception):
    """Bad input; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, where: str, message: str) -> "InputError":
        return cls([Problem(file, where, message)])

    def report(self) -> list[str]:
        """The lines the command line prints: a count, then one line per problem (file: key: message)."""
        return [f"输入有误（{len(self.problems)} 处）：", *(f"  {p}" for p in self.problems)]

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows for this error: the command line's lines, not a traceback into evalkit.

        IPython calls this hook for an exception raised in a cell; a reviewer
        running the workbook in Lab then reads the same located message as
        ``evalkit validate`` prints.
        """
        return self.report()


class MissingDependency(RuntimeError):
    """An optional dependency the input needs is not installed: the environment, not the input (exit status 1).

    The message names what needs it and the extra to install, e.g. pip install 'evalkit[survey]'.
    """

    def _render_traceback_(self) -> list[str]:
        """In Jupyter, the message alone (as for InputError), not a traceback into evalkit."""
        return [str(self)]


def os_error_text(exc: OSError) -> str:
    """Why a file could not be read or written, in Chinese: the C library's words are English and often cryptic.

    ``No such file or directory`` for a file being created means the folder
    cannot take new files (/proc, a folder removed meanwhile), which the
    evaluator would never guess from the words.
    """
    import errno

    words = {
        errno.ENOSPC: "磁盘空间不足",
        errno.EDQUOT: "超出磁盘配额",
        errno.EROFS: "只读文件系统，不能写入",
        errno.EACCES: "没有权限",
        errno.EPERM: "没有权限",
        errno.ENOENT: "路径不存在，或该位置不能新建文件，如 /proc",
        errno.ENOTDIR: "路径中有同名的文件而不是文件夹",
        errno.EISDIR: "这是一个文件夹，不是文件",
        errno.EEXIST: "已有同名的文件或文件夹",
        errno.ENAMETOOLONG: "路径或文件名过长",
        errno.ELOOP: "路径中的符号链接层数过多（可能循环）",
        errno.EBUSY: "文件正被占用",
        errno.ETXTBSY: "文件正被占用",
        errno.EIO: "磁盘读写错误",
        errno.EMFILE: "打开的文件过多",
    }
    known = words.get(exc.errno) if exc.errno is not None else None
    if known:
        return known
    return f"{exc.strerror or type(exc).__name__}（错误码 {exc.errno}）" if exc.errno else str(exc) or type(exc).__name__


def did_you_mean(name: Any, known: Iterable[Any], limit: int = 3) -> str:
    """"；是否指：“甲”、“乙”？" for the closest known names, or "" when none is close.

    A misspelt indicator, figure, column or table name is the commonest slip
    in a hand-written params file; naming the near miss fixes it in one edit.
    """
    import difflib

    candidates = sorted({str(k) for k in known})
    text = str(name)
    if not text or not candidates or len(text) > 200:
        return ""
    close = difflib.get_close_matches(text, candidates, n=limit, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        close = [lowered[text.lower()]] if text.lower() in lowered else []
    return "；是否指：" + "、".join(f"“{shown_text(c, quote=False)}”" for c in close) + "？" if close else ""


def format_path(loc: Iterable[Any]) -> str:
    """('indicators', '资金到位率', 'rule', 'items', 1) -> indicators.资金到位率.rule.items[1]（第2项）."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]（第{part + 1}项）"
        else:
            out += ("." if out else "") + shown_text(str(part), quote=False)
    return out


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写错误？请对照 README 或 JSON Schema）",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "list_type": "应为列表（每项以 - 开头）",
    "string_too_short": "不能为空",
    "union_tag_not_found": "缺少类型字段",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
}


SHOWN_CHARS = 60  # a value quoted in a message is cut to about this many characters


class _Bounded(reprlib.Repr):
    """``repr`` that never renders more than a few items, levels or digits of a value.

    A message must not cost more than the value it quotes: a YAML alias bomb
    is a list of ten lists of ten lists …, a 5,000-digit integer cannot even be
    converted to text under Python's default limit, and a ten-megabyte string
    is not a message. Every container is cut after a few items, every string
    and number is cut before it is converted in full.
    """

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxarray = self.maxset = self.maxfrozenset = self.maxdeque = 6
        self.maxdict = 4
        self.maxstring = self.maxother = SHOWN_CHARS
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * self.maxlong:  # more than about 48 digits: do not convert it whole
            return f"<{'负' if x < 0 else ''}整数，约 {x.bit_length() * 30103 // 100000} 位>"
        return super().repr_int(x, level)

    def repr_Decimal(self, x: Decimal, level: int) -> str:  # noqa: N802 - reprlib dispatches on the type name
        sign, digits, exponent = x.as_tuple()
        if not isinstance(exponent, int) or (len(digits) <= self.maxlong and abs(exponent) <= 1000):
            return str(x)
        head = "".join(map(str, digits[:20]))
        mantissa = f"{head[0]}.{head[1:]}" if len(head) > 1 else head
        more = f"…E{x.adjusted():+d}（共 {len(digits)} 位有效数字）" if len(digits) > 20 else f"E{x.adjusted():+d}"
        return f"{'-' if sign else ''}{mantissa}{more}"

    def repr_str(self, x: str, level: int) -> str:
        return super().repr_str(x[: self.maxstring + 2], level)

    def repr_bytes(self, x: bytes, level: int) -> str:
        return repr(x[: self.maxstring]) + ("…" if len(x) > self.maxstring else "")


_BOUNDED = _Bounded()


def shown_value(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value for a message, at most about ``limit`` characters, whatever its size or depth."""
    if isinstance(value, str):
        return shown_text(value, limit)
    try:
        text = _BOUNDED.repr(value)
    except Exception:  # noqa: BLE001 - a message must not fail because a value cannot be shown
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "…"


def shown_text(text: str, limit: int = SHOWN_CHARS, quote: bool = True) -> str:
    """User text for a message: cut to ``limit`` characters (cut before anything else is done to it)."""
    cut = text[:limit] if len(text) <= limit else text[: limit - 3] + "…"
    cut = cut.replace("\n", "↵")
    return f"“{cut}”" if quote else cut


def _shown(value: Any) -> str:
    if value is None:
        return "空值（null 或未填写）"
    if isinstance(value, bool):
        return "true" if value else "false"
    return shown_value(value)


def message_for(err: dict[str, Any], words: dict[str, str] | None = None, root: Any = None) -> str:
    """One pydantic error in Chinese; ``words`` overrides the wording per error type (a JSON file says 对象, not 映射).

    ``root`` is the model validated: an unknown key is then matched against the fields of the section it is in.
    """
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        return (f"应为以下之一：{ctx.get('expected', '')}；实际为 {_shown(err.get('input'))}"
                + did_you_mean(err.get("input"), _quoted_names(str(ctx.get("expected", "")))))
    if kind == "union_tag_invalid":
        return (f"未知的类型 {_shown(ctx.get('tag'))}，应为以下之一：{ctx.get('expected_tags', '')}"
                + did_you_mean(ctx.get("tag"), _quoted_names(str(ctx.get("expected_tags", "")))))
    if kind == "union_tag_not_found":
        return f"缺少字段 {str(ctx.get('discriminator', 'type')).strip(chr(39))}（说明是哪一种）"
    if kind == "too_short":
        return f"至少应有 {ctx.get('min_length')} 项"
    if kind == "too_long":
        # a str max_length validated after a BeforeValidator reports as too_long ("items"): it counts characters
        what = "个字" if isinstance(err.get("input"), str) else "项"
        return f"过长：最多 {ctx.get('max_length')} {what}，实际为 {ctx.get('actual_length')} {what}"
    if kind == "string_too_long":
        return f"过长：最多 {ctx.get('max_length')} 个字，实际为 {len(str(err.get('input', '')))} 个字"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {"greater_than_equal": "不小于", "greater_than": "大于", "less_than_equal": "不大于", "less_than": "小于"}
        return f"应{words[kind]} {bound}，实际为 {_shown(err.get('input'))}"
    base = (words or {}).get(kind) or _MESSAGES.get(kind, err["msg"])
    if kind == "extra_forbidden":
        return base + _field_hint(err.get("loc", ()), root)
    if kind in ("missing", "union_tag_not_found"):
        return base
    value = err.get("input")
    hint = ""
    if kind == "string_type" and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        hint = f"（YAML 把它读作数字；作为文字请加引号，如 \"{_shown(value)}\"）"
    elif kind == "string_type" and isinstance(value, bool):
        hint = "（YAML 把 true、false 读作真假值；作为文字请加引号）"
    return f"{base}，实际为 {_shown(value)}{hint}"


def _quoted_names(expected: str) -> list[str]:
    """"'sum', 'same' or 'range'" (pydantic's list of allowed values) -> the names."""
    import re

    return re.findall(r"'([^']*)'", expected)


def _field_hint(loc: Iterable[Any], root: Any = None) -> str:
    """For an unknown key: where a misplaced ``tolerance`` belongs, or the nearest key of the same section.

    The section's own fields are found by following ``loc`` through ``root``'s fields; only where that
    cannot be done (no root given) is the key matched against every key evalkit knows.
    """
    loc = tuple(loc)
    path = [p for p in loc if isinstance(p, str)]
    if not path:
        return ""
    key = path[-1]
    if key == "tolerance" and len(path) > 2:
        return "；tolerance 应写在核对事项本身，与 kind、name 同级"
    section = _section_fields(root, loc[:-1]) if root is not None else None
    return did_you_mean(key, _known_fields() if section is None else section)


def _expand(kind: Any) -> list[Any]:
    """A type annotation opened up: Optional, Union and Annotated give their members."""
    import types
    import typing

    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        return _expand(typing.get_args(kind)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [t for arg in typing.get_args(kind) for t in _expand(arg)]
    return [kind]


def _section_fields(root: Any, loc: tuple[Any, ...]) -> frozenset[str] | None:
    """The fields of the model(s) at ``loc`` under ``root`` (a union keeps every branch); None if none is found.

    A union's branch label keeps the branch it names; any other step no candidate knows (a validator's name)
    leaves the candidates as they are.
    """
    import typing

    from pydantic import BaseModel

    def is_model(t: Any) -> bool:
        return isinstance(t, type) and issubclass(t, BaseModel)

    kinds = _expand(root)
    for step in loc:
        following: list[Any] = []
        for kind in kinds:
            origin, args = typing.get_origin(kind), typing.get_args(kind)
            if is_model(kind) and isinstance(step, str) and step in kind.model_fields:
                following += _expand(kind.model_fields[step].annotation)
            elif origin in (list, tuple, set, frozenset) and isinstance(step, int) and args:
                following += [t for arg in args if arg is not Ellipsis for t in _expand(arg)]
            elif origin is dict and len(args) == 2:
                following += _expand(args[1])
        if not following and isinstance(step, str):  # a tagged union's branch label: keep the branch it names
            following = [k for k in kinds if is_model(k) and any(
                typing.get_origin(f.annotation) is typing.Literal and step in typing.get_args(f.annotation)
                for f in k.model_fields.values())]
        kinds = following or kinds
    models = [k for k in kinds if is_model(k)]
    if not models:
        return None
    return frozenset(name for m in models for name in m.model_fields)


def _model_named(title: str) -> Any:
    """The one pydantic model class with this name (a ValidationError's title), or None if none or several."""
    from pydantic import BaseModel

    found, todo, seen = [], list(BaseModel.__subclasses__()), set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if cls.__name__ == title:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found[0] if len(found) == 1 else None


def _known_fields() -> frozenset[str]:
    """Every key any of evalkit's pydantic models accepts (a typo such as totl is near total).

    Found by walking pydantic's subclasses rather than importing the params
    models' base: errors sit below every other module, and import none of them.
    """
    from pydantic import BaseModel

    names: set[str] = set()
    todo, seen = list(BaseModel.__subclasses__()), set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if cls.__module__.startswith("evalkit."):
            names.update(cls.model_fields)
        todo.extend(cls.__subclasses__())
    return frozenset(names)


def from_validation_error(
    exc: ValidationError, file: str, prefix: tuple[Any, ...] = (), skip: frozenset[str] = frozenset(),
    model: Any = None,
) -> InputError:
    """Translate pydantic's errors; ``skip`` names union branch labels to drop from paths.

    ``model`` is the model validated (found by the error's title when not given), so that an unknown key is
    matched against the fields of its own section.
    """
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    root = model if model is not None else _model_named(exc.title)
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p in skip or "[" in p)))
        where, message = format_path(prefix + loc), message_for(err, root=root)
        if (where, message) not in seen:
            seen.add((where, message))
            problems.append(Problem(file, where, message))
    return InputError(problems)
