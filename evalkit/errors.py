"""User-facing input errors: one message per problem, naming file, place and expectation.

Evaluators are not programmers; a pydantic traceback tells them nothing. Every
problem with a params file, a framework or a data file becomes a ``Problem``
with the file, the field path or row, and what was expected, in Chinese. The
CLI prints them and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import ValidationError

__all__ = ["InputError", "Problem", "from_validation_error", "format_path"]


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


def format_path(loc: Iterable[Any]) -> str:
    """('indicators', '资金到位率', 'rule', 'items', 1) -> indicators.资金到位率.rule.items[1]（第2项）."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]（第{part + 1}项）"
        else:
            out += ("." if out else "") + str(part)
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


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 60 else text[:57] + "…"


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        return f"应为以下之一：{ctx.get('expected', '')}；实际为 {_shown(err.get('input'))}"
    if kind == "union_tag_invalid":
        return f"未知的类型 {_shown(ctx.get('tag'))}，应为以下之一：{ctx.get('expected_tags', '')}"
    if kind == "union_tag_not_found":
        return f"缺少字段 {str(ctx.get('discriminator', 'type')).strip(chr(39))}（说明是哪一种）"
    if kind == "too_short":
        return f"至少应有 {ctx.get('min_length')} 项"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {"greater_than_equal": "不小于", "greater_than": "大于", "less_than_equal": "不大于", "less_than": "小于"}
        return f"应{words[kind]} {bound}，实际为 {_shown(err.get('input'))}"
    base = _MESSAGES.get(kind, err["msg"])
    if kind in ("missing", "extra_forbidden", "union_tag_not_found"):
        return base
    return f"{base}，实际为 {_shown(err.get('input'))}"


def from_validation_error(
    exc: ValidationError, file: str, prefix: tuple[Any, ...] = (), skip: frozenset[str] = frozenset()
) -> InputError:
    """Translate pydantic's errors; ``skip`` names union branch labels to drop from paths."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p in skip or "[" in p)))
        where, message = format_path(prefix + loc), _message(err)
        if (where, message) not in seen:
            seen.add((where, message))
            problems.append(Problem(file, where, message))
    return InputError(problems)
