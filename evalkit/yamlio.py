"""Safe YAML reading that keeps numbers exact.

PyYAML's safe loader turns ``192.46`` into a binary float, losing the decimal
digits before any code sees them. This loader builds ``Decimal`` from the
scalar's text instead, refuses duplicate keys (a silently overwritten weight is
a wrong score), and reports syntax errors with file, line and column.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

__all__ = ["load_yaml", "ExactLoader"]


# libyaml's parser when PyYAML was built with it (it is in the wheels): same safe
# constructors, several times faster on a large params file.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ExactLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """A safe loader with Decimal floats and duplicate-key detection."""


def _construct_decimal(loader: ExactLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    lowered = text.lower()
    if lowered in (".inf", "+.inf", "-.inf", ".nan"):
        raise yaml.constructor.ConstructorError(
            None, None, f"不支持的数值 {text}（应为有限数字）", node.start_mark
        )
    return Decimal(text)


def _construct_mapping(loader: ExactLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "在此映射中", node.start_mark, f"键“{key}”重复出现", key_node.start_mark
            )
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
ExactLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, shown_as: str | None = None) -> Any:
    """Read a YAML file safely; any problem becomes an InputError naming the file and line."""
    shown = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(shown, "", "文件不存在") from None
    except UnicodeDecodeError as exc:
        raise InputError.single(shown, f"第 {exc.start} 字节", "文件不是 UTF-8 编码，请另存为 UTF-8") from None
    except OSError as exc:
        raise InputError.single(shown, "", f"无法读取：{exc.strerror}") from None
    try:
        return yaml.load(text, Loader=ExactLoader)  # noqa: S506 - ExactLoader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        hint = ""
        lines = text.splitlines()
        if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
            hint = "（YAML 不能用 Tab 缩进，请改用空格）"
        raise InputError.single(shown, where, f"YAML 格式错误{hint}：{what}") from None
    except yaml.YAMLError as exc:
        raise InputError.single(shown, "", f"YAML 格式错误：{exc}") from None
