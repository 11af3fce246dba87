"""Safe YAML reading that keeps numbers exact and bounds what a file can cost.

PyYAML's safe loader turns ``192.46`` into a binary float, losing the decimal
digits before any code sees them. This loader builds ``Decimal`` from the
scalar's text instead, refuses duplicate keys (a silently overwritten weight is
a wrong score), and reports syntax errors with file, line and column.

A params file is also someone else's input. Before anything is constructed the
event stream is scanned once (with libyaml, iteratively): nesting deeper than
``limits.MAX_YAML_DEPTH`` and aliases that expand to more than
``limits.MAX_YAML_NODES`` nodes (a "billion laughs" bomb is a few hundred bytes)
are refused with the line where the limit was crossed. Numbers beyond
``limits.MAX_NUMBER_DIGITS`` significant digits or an exponent beyond
``limits.MAX_NUMBER_EXPONENT`` are refused where they are written, and mapping
keys are names: a key written ``1`` or ``true`` is the text "1" or "true", and a
list or mapping used as a key is an error.

Plain scalars are typed as the YAML 1.2 core schema types them, which is how
current editors, linters and ruamel.yaml read the file: only ``true``/``false``
are booleans (``yes``, ``no``, ``on``, ``off`` are text), ``1_000`` and ``1:30``
are text, and there are no timestamps (``2024-05-03`` is text, read as a date
by the fields that expect one). PyYAML alone follows YAML 1.1, under which the
same file means something else than the evaluator sees in the editor: ``met:
yes`` would score a checklist item and ``4_8`` would be 48. Integers that 1.1
and 1.2 read differently (``0110``: octal 72 or 110) or that no evaluator
writes for an amount (``0o17``, ``0x5A``) are refused with the place and the fix.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from evalkit.core import limits, numbers
from evalkit.core.errors import InputError, shown_text

__all__ = ["load_yaml", "parse_yaml", "ExactLoader", "check_events"]


# libyaml's parser when PyYAML was built with it (it is in the wheels): several times faster
# on a large params file. Only the parser is libyaml's: tags are resolved in Python, by the
# resolver below, whichever parser is used.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
try:  # not in PyYAML's top-level names (yaml.CParser does not exist): it lives in yaml.cyaml
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None  # type: ignore[assignment,misc]


class _Error(yaml.constructor.ConstructorError):
    """A value this loader refuses (not a syntax error): reported without the "YAML 格式错误" prefix."""


class CoreResolver(yaml.resolver.BaseResolver):
    """Plain scalars typed by the YAML 1.2 core schema, not by PyYAML's YAML 1.1 rules.

    The regular expressions are those of the YAML 1.2.2 specification, section
    10.3.2. Order matters where two match (``12`` is both an int and a float):
    the first registered wins, as in the specification's table.
    """


_CORE_INT = r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
_CORE_FLOAT = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
for _tag, _pattern, _first in (
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    ("int", _CORE_INT, list("-+0123456789")),
    ("float", _CORE_FLOAT, list("-+.0123456789")),
):
    CoreResolver.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(rf"(?:{_pattern})\Z"), _first)
# `<<` merge keys are not in the 1.2 core schema, but every 1.2 library still honours them.
CoreResolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"<<\Z"), ["<"])

if _CParser is not None:
    _PARSING: tuple[type, ...] = (_CParser,)
else:  # pragma: no cover - PyYAML built without libyaml
    _PARSING = (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer)


class ExactLoader(*_PARSING, yaml.constructor.SafeConstructor, CoreResolver):  # type: ignore[misc]
    """A safe YAML 1.2 core loader with Decimal floats, bounded numbers, text keys and duplicate-key detection."""

    def __init__(self, stream: Any) -> None:
        if _CParser is not None:
            _CParser.__init__(self, stream)
        else:  # pragma: no cover
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        CoreResolver.__init__(self)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise _Error(None, None, f"应为映射，实际为 {node.id}", node.start_mark)
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:  # the keys as written here; merged (<<) keys may be overridden
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = _key(self, key_node, deep)
            if key in seen:
                raise _Error("在此映射中", node.start_mark, f"键“{shown_text(str(key), quote=False)}”重复出现",
                             key_node.start_mark)
            seen[key] = key_node
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            mapping[_key(self, key_node, deep)] = self.construct_object(value_node, deep=deep)
        return mapping


_KINDS = {"sequence": "列表", "mapping": "映射"}


def _key(loader: ExactLoader, node: yaml.Node, deep: bool) -> Any:
    """A mapping key: keys are names, so a scalar key is its text as written (``1:`` is "1")."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:binary"):
            key = loader.construct_object(node, deep=deep)
            return key if isinstance(key, str) else node.value
        return node.value  # 1, true, null, 2024-01-01, 1.5: the name as written, not a number or a date
    kind = _KINDS.get(node.id, node.id)
    raise _Error(None, None, f"映射的键应为名称（文本），实际为{kind}（“? [...]” 或 “{{[...]: ...}}” 的写法不支持）",
                 node.start_mark)


def _out_of_range(text: str, node: yaml.Node) -> _Error:
    return _Error(None, None, f"数值超出范围：{numbers.shown_number_text(text)}（{numbers.RANGE_TEXT}）",
                  node.start_mark)


_FLOAT_TEXT = re.compile(rf"(?:{_CORE_FLOAT})\Z")
_DECIMAL_INT = re.compile(r"[-+]?[0-9]+\Z")
_OTHER_BASE = re.compile(r"(?:0o[0-7]+|0x[0-9a-fA-F]+)\Z")


def _construct_decimal(loader: ExactLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node))
    lowered = text.lower()
    if lowered in (".inf", "+.inf", "-.inf", ".nan"):
        raise _Error(None, None, f"不支持的数值 {text}（应为有限数字）", node.start_mark)
    if len(text) > numbers.MAX_NUMBER_TEXT:
        raise _out_of_range(text, node)
    if not _FLOAT_TEXT.match(text):  # "!!float 1_000": Decimal() would take the underscore, YAML 1.2 does not
        raise _Error(None, None, f"应为数字，实际为 {shown_text(text)}", node.start_mark)
    value = Decimal(text)
    if not value.is_finite():
        raise _Error(None, None, f"不支持的数值 {text}（应为有限数字）", node.start_mark)
    if not numbers.in_range(value):
        raise _out_of_range(text, node)
    return value


def _construct_int(loader: ExactLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    plain = text.lstrip("+-")
    if len(plain) > numbers.MAX_NUMBER_TEXT:
        raise _out_of_range(text, node)  # not converted: a 5,000-digit integer is refused by int() itself
    if _OTHER_BASE.match(text):
        kind = "八进制" if text.startswith("0o") else "十六进制"
        raise _Error(None, None, f"数字写法 {shown_text(text)} 是{kind}整数（YAML 1.2 读作 {int(text, 0)}）；"
                     "评价数据不这样写，请写成十进制数，或作为文字加引号", node.start_mark)
    if not _DECIMAL_INT.match(text):  # "!!int abc", "!!int ''", "!!int 1_000"
        raise _Error(None, None, f"应为整数，实际为 {shown_text(text)}", node.start_mark)
    if len(plain) > 1 and plain.startswith("0"):
        # YAML 1.1 (PyYAML, older editors) reads 0110 as octal 72, YAML 1.2 as 110: never what an evaluator meant.
        sign = "-" if text.startswith("-") else ""
        old = f"八进制数 {sign}{int(plain, 8)}" if set(plain) <= set("01234567") else "文字"
        raise _Error(None, None, f"数字写法 {shown_text(text)} 以 0 开头：YAML 1.1 的程序把它读作{old}，"
                     f"YAML 1.2 读作 {sign}{int(plain)}；请去掉开头的 0，或作为文字（如编号）加引号", node.start_mark)
    value = int(text)
    if not numbers.in_range(Decimal(value)):
        raise _out_of_range(text, node)
    return value


def _construct_bool(loader: ExactLoader, node: yaml.ScalarNode) -> bool:
    """``!!bool yes`` included: YAML 1.2 has two truth values, spelt true and false."""
    text = str(loader.construct_scalar(node))
    if text.lower() not in ("true", "false"):
        raise _Error(None, None, f"应为 true 或 false，实际为 {shown_text(text)}", node.start_mark)
    return text.lower() == "true"


def _guarded(construct: Any, what: str) -> Any:
    """A scalar constructor whose Python errors ("!!bool maybe", 2024-13-01) become located YAML errors."""

    def guarded(loader: ExactLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError):
            shown = shown_text(str(node.value)) if isinstance(node, yaml.ScalarNode) else node.id
            raise _Error(None, None, f"应为{what}，实际为 {shown}", node.start_mark) from None

    return guarded


# A folded block (``situation: >-``) joins its lines with a space, which is right for Latin words
# and wrong for Chinese: “《实施方案》 （福府办函…” in the appendix and the 评分表. Where folding
# put a space between two wide characters (CJK, full-width punctuation), the lines are joined
# without one, as a Chinese writer wrapped them.
_FOLDED_SPACE = re.compile(r"(?<=[\u2E80-\uFFEF]) (?=[\u2E80-\uFFEF])")


# A double-quoted YAML string can spell any character ("\a", "\e[31m", "\0"). A control character
# is invisible in the appendix and cannot be written to Word or Excel at all (their XML forbids
# it), so it is refused here, where the line and column can still be named.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _construct_str(loader: ExactLoader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    bad = _CONTROL.search(text)
    if bad:
        raise _Error(None, None, f"文字中含控制字符 U+{ord(bad.group()):04X}（不可见，且无法写入 Word、Excel）；"
                     "请删去（双引号字符串中的 \\a、\\e、\\0 等转义会产生控制字符）", node.start_mark)
    return _FOLDED_SPACE.sub("", text) if node.style == ">" else text


ExactLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
ExactLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
ExactLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
# Only an explicit tag (!!timestamp, !!binary) reaches these two: plain scalars never resolve to them.
for _tag, _what in (("timestamp", "有效的日期或时间"), ("null", "空值"), ("binary", "base64 编码的内容")):
    _full = f"tag:yaml.org,2002:{_tag}"
    ExactLoader.add_constructor(_full, _guarded(yaml.constructor.SafeConstructor.yaml_constructors[_full], _what))


def _where(mark: Any) -> str:
    return f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else ""


def check_events(text: str, shown: str) -> None:
    """Refuse nesting deeper than MAX_YAML_DEPTH and alias expansion beyond MAX_YAML_NODES.

    One pass over libyaml's events, before any node is composed: the composer
    and the constructors recurse (deep nesting overflows the C stack) and an
    alias is a reference, so a file of a few hundred bytes can stand for 10⁹
    nodes that every later walk over the data (validation, messages,
    results.json) would expand. Each anchor's size and height are recorded when
    its node ends; an alias adds them where it is used.
    """
    max_nodes, max_depth = limits.MAX_YAML_NODES, limits.MAX_YAML_DEPTH
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, height) of the anchored node
    open_anchors: set[str] = set()
    stack: list[tuple[str | None, int, int]] = []  # open collections: (anchor, nodes before it, tallest child)
    total = 0

    def too_many(mark: Any, extra: str = "") -> InputError:
        if not anchors:
            return InputError.single(shown, _where(mark), f"YAML 内容超过 {max_nodes:,} 个节点（数值、文字、列表或映射），"
                                                          "请把大量明细放在数据文件（CSV/XLSX）中")
        return InputError.single(
            shown, _where(mark),
            f"YAML 内容展开后超过 {max_nodes:,} 个节点{extra}，上限为 {max_nodes:,}；"
            "请不要用锚点与别名（&、*）层层引用构造大量重复内容",
        )

    def too_deep(mark: Any, extra: str = "") -> InputError:
        return InputError.single(
            shown, _where(mark), f"YAML 嵌套过深{extra}：超过 {max_depth} 层（列表或映射层层嵌套），上限为 {max_depth} 层"
        )

    def child(height: int) -> None:
        if stack:
            anchor, before, tallest = stack[-1]
            if height > tallest:
                stack[-1] = (anchor, before, height)

    try:
        for event in yaml.parse(text, Loader=_SafeBase):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                total += 1
                if len(stack) >= max_depth:
                    raise too_deep(event.start_mark)
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                stack.append((event.anchor, total - 1, 0))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, before, tallest = stack.pop()
                if anchor is not None:
                    anchors[anchor] = (total - before, tallest + 1)
                    open_anchors.discard(anchor)
                child(tallest + 1)
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    anchors[event.anchor] = (1, 1)
                child(1)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise InputError.single(shown, _where(event.start_mark),
                                            f"别名 *{shown_text(event.anchor, 40, quote=False)} 引用了包含它自身的内容"
                                            "（循环引用），无法展开")
                nodes, height = anchors.get(event.anchor, (1, 1))  # an unknown anchor: the loader names it
                total += nodes
                if total > max_nodes:
                    raise too_many(event.start_mark, f"（别名 *{shown_text(event.anchor, 40, quote=False)} "
                                                     f"代表 {nodes:,} 个节点）")
                if len(stack) + height > max_depth:
                    raise too_deep(event.start_mark, f"（别名 *{shown_text(event.anchor, 40, quote=False)} 展开后）")
                child(height)
            if total > max_nodes:
                raise too_many(event.start_mark)
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):  # libyaml's own limit (1000), met while scanning ahead
            raise too_deep(exc.problem_mark) from None
        return  # a syntax error: the loader reports it with its place
    except yaml.YAMLError:
        return


# PyYAML's words for a syntax error, each with what it means to someone writing a params file.
_YAML_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("that cannot start any token", "此处的字符不能作为值的开头（多为 Tab 缩进，或以 @、` 开头的值未加引号）"),
    ("did not find expected node content", "列表或映射中缺少内容：可能多了一个逗号，或括号没有闭合"),
    ("expected ',' or ']'", "方括号 [ ] 没有闭合，或其中的两项之间缺逗号"),
    ("expected ',' or '}'", "花括号 { } 没有闭合，或其中的两个键值之间缺逗号"),
    ("mapping values are not allowed here", "此处不能出现“: ”：值中含冒号时请给整个值加引号，或检查这一行的缩进"),
    ("could not find expected ':'", "这一行缺少“键: 值”中的冒号（冒号后要有空格），或上一行的引号没有闭合"),
    ("found unexpected end of stream", "引号没有闭合：文件结束前没有找到配对的引号"),
    ("while scanning a quoted scalar", "引号没有闭合，或引号中有未转义的引号"),
    ("found undefined alias", "引用了没有定义的锚点（*名称）"),
    ("did not find expected key", "缩进不一致：同一层的键应左对齐，或某个值以引号开头却没有整体加引号"),
    ("did not find expected '-' indicator", "列表的“- ”缩进不一致：同一列表的各项应左对齐"),
    ("expected <block end>", "缩进不一致：这一行比上一层多缩进或少缩进了"),
    ("found unknown escape character", "双引号字符串中有不认识的转义（\\ 后的字符）：路径请用单引号或写作 /"),
    ("found a tab character", "不能用 Tab，请改用空格"),
)


def yaml_problem(context: str | None, problem: str | None) -> str:
    """A YAML syntax error in Chinese (PyYAML's own words kept after it, for a search engine)."""
    words = " ".join(x for x in (context, problem) if x)
    meaning = next((chinese for english, chinese in _YAML_PROBLEMS if english in words), "")
    return f"{meaning}（{words}）" if meaning else f"结构有误，请检查缩进、冒号、引号与括号（{words}）"


def parse_yaml(text: str, shown: str) -> Any:
    """YAML text to Python data, with every problem an InputError naming ``shown`` and the line."""
    check_events(text, shown)
    try:
        return yaml.load(text, Loader=ExactLoader)  # noqa: S506 - ExactLoader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if isinstance(exc, _Error):
            raise InputError.single(shown, _where(mark), str(exc.problem)) from None
        hint = ""
        lines = text.splitlines()
        if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
            hint = "（YAML 不能用 Tab 缩进，请改用空格）"
        raise InputError.single(shown, _where(mark), f"YAML 格式错误{hint}：{yaml_problem(exc.context, exc.problem)}") from None
    except yaml.YAMLError as exc:
        raise InputError.single(shown, "", f"YAML 格式错误：{shown_text(str(exc), 300, quote=False)}") from None
    except RecursionError:  # not reachable within MAX_YAML_DEPTH; kept so that it is never an internal error
        raise InputError.single(shown, "", f"YAML 嵌套过深，上限为 {limits.MAX_YAML_DEPTH} 层") from None


def load_yaml(path: Path, shown_as: str | None = None, what: str = "YAML 文件") -> Any:
    """Read a YAML file safely; any problem becomes an InputError naming the file and line.

    The file is read through ``limits.read_input_bytes``: a FIFO or a device is
    refused without blocking, and a file above ``limits.MAX_YAML_BYTES`` is
    refused before it is read.
    """
    shown = shown_as or str(path)
    raw = limits.read_input_bytes(Path(path), shown, limits.MAX_YAML_BYTES, what)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError.single(shown, f"第 {line} 行（第 {exc.start} 字节）",
                                "文件不是 UTF-8 编码，请另存为 UTF-8") from None
    return parse_yaml(text, shown)
