"""Arithmetic equations over named figures, parsed and evaluated without eval().

Identity checks are written as reviewers write them: ``收入合计 = 财政拨款 + 其他收入``.
Names may be Chinese, may start with digits (``2023年实际支付数``) or contain
dots (``callers.overall``); names with spaces or operator characters are
quoted in backticks. Only + − × ÷ ( ) and decimal numbers are understood, so
nothing in a params file can reach Python.

An equation is bounded before it is parsed (``limits.MAX_EXPRESSION_CHARS``
characters, ``MAX_EXPRESSION_OPERATORS`` operators, ``MAX_EXPRESSION_DEPTH``
levels of parentheses and signs), so the recursive parser, evaluator and
renderer never come near Python's recursion limit, and a message quotes the
equation cut to a few dozen characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Union

from evalkit.core import limits, numbers
from evalkit.core.errors import shown_text

__all__ = ["Equation", "ExpressionError", "Node", "evaluate", "names", "parse_equation", "parse_expression", "render"]


class ExpressionError(ValueError):
    """A malformed expression; the message says where."""


@dataclass(frozen=True)
class Num:
    value: Decimal
    text: str


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Neg:
    operand: "Node"


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * /
    left: "Node"
    right: "Node"


Node = Union[Num, Name, Neg, BinOp]


@dataclass(frozen=True)
class Equation:
    left: Node
    right: Node
    text: str


_OPS = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "/": "/", "÷": "/", "(": "(", ")": ")",
        "（": "(", "）": ")"}
_TOKEN = re.compile(r"\s*(?:`([^`]*)`|([+\-−*×/÷()（）])|([^\s+\-−*×/÷()（）`=]+))")
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos, operators = [], 0, 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"无法识别{shown_text(text[pos:pos + 10])}")
        quoted, op, word = m.groups()
        if quoted is not None:
            out.append(("name", quoted.strip()))
        elif op is not None:
            out.append(("op", _OPS[op]))
            if op not in "()（）":
                operators += 1
                if operators > limits.MAX_EXPRESSION_OPERATORS:
                    raise ExpressionError(
                        f"{shown_text(text)}的运算符超过 {limits.MAX_EXPRESSION_OPERATORS} 个；"
                        "请把等式拆成几个核对，或先用 figures 计算其中的合计"
                    )
        elif _NUMBER.match(word):
            out.append(("num", word))
        else:
            out.append(("name", word))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, whole: str) -> None:
        self.text = text
        self.shown = shown_text(whole.strip())  # messages quote the whole equation, cut to a few dozen characters
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0  # parentheses and signs open around the factor being read

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"{self.shown}在末尾不完整")
        self.i += 1
        return token

    def expression(self) -> Node:
        node = self.term()
        while (t := self.peek()) and t[0] == "op" and t[1] in "+-":
            self.take()
            node = BinOp(t[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while (t := self.peek()) and t[0] == "op" and t[1] in "*/":
            self.take()
            node = BinOp(t[1], node, self.factor())
        return node

    def factor(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            try:
                return Num(numbers.parse_decimal(value), value)
            except numbers.NumberError as exc:
                raise ExpressionError(f"{self.shown}中：{exc}") from None
        if kind == "name":
            if not value:
                raise ExpressionError("反引号中的名称为空")
            return Name(value)
        if value in ("-", "("):
            self.depth += 1
            if self.depth > limits.MAX_EXPRESSION_DEPTH:
                raise ExpressionError(
                    f"{self.shown}的括号与正负号嵌套超过 {limits.MAX_EXPRESSION_DEPTH} 层；请化简等式"
                )
            if value == "-":
                node: Node = Neg(self.factor())
            else:
                node = self.expression()
                if self.take() != ("op", ")"):
                    raise ExpressionError(f"{self.shown}中括号不配对")
            self.depth -= 1
            return node
        raise ExpressionError(f"{self.shown}中“{value}”的位置不对")

    def done(self, node: Node) -> Node:
        if self.peek() is not None:
            raise ExpressionError(f"{self.shown}中{shown_text(self.peek()[1], 20)}之后无法解析")  # type: ignore[index]
        return node


def _bounded(text: str) -> None:
    if len(text) > limits.MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"{shown_text(text)}过长（{len(text):,} 个字符），上限为 {limits.MAX_EXPRESSION_CHARS:,} 个字符；"
            "请把等式拆成几个核对，或先用 figures 计算其中的合计"
        )


# Signs that a name was split by the operators: full-width brackets (common in Chinese names), an
# operator squeezed between two characters (支出/预算, 2023-2024), or two words side by side.
_SPLIT_NAME = re.compile(r"[（）]|[^\s][/÷×*\-−][^\s]|[^\s+\-−×÷*/=()（）`]\s+[^\s+\-−×÷*/=()（）`]")


def quoting_hint(equation: str) -> str:
    """The hint for a name that the operators split: "资金（万元）" reads as 资金 × (万元).

    Given only when the equation shows such a sign and has no backticks yet.
    """
    if "`" in equation or not _SPLIT_NAME.search(equation):
        return ""
    return ("；名称中含有括号、斜杠、加减号或空格时会被当作运算，请用反引号把整个名称括起来，"
            "如 `资金使用（万元）` = `支出/预算合计`")


def parse_expression(text: str, whole: str | None = None) -> Node:
    """One side of an equation (``whole``, quoted in messages) or a whole expression."""
    _bounded(text)
    if not text.strip():
        raise ExpressionError(f"{shown_text(whole.strip())}的一边为空" if whole else "表达式为空")
    parser = _Parser(text, text if whole is None else whole)
    return parser.done(parser.expression())


def parse_equation(text: str) -> Equation:
    """``左边 = 右边``: exactly one equals sign."""
    _bounded(text)
    parts = re.split(r"==|=", text)
    if len(parts) != 2:
        raise ExpressionError(f"等式应恰有一个“=”，实际为{shown_text(text)}")
    return Equation(parse_expression(parts[0], text), parse_expression(parts[1], text), text.strip())


def names(node: Node) -> list[str]:
    """The names in ``node``, each once, left to right (iterative: a long sum is not a deep recursion)."""
    out: list[str] = []
    seen: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            if n.name not in seen:
                seen.add(n.name)
                out.append(n.name)
        elif isinstance(n, Neg):
            stack.append(n.operand)
        elif isinstance(n, BinOp):
            stack.extend((n.right, n.left))
    return out


def evaluate(node: Node, value: Callable[[str], Decimal]) -> Decimal:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return value(node.name)
    if isinstance(node, Neg):
        return -evaluate(node.operand, value)
    left, right = evaluate(node.left, value), evaluate(node.right, value)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if right == 0:
        raise ExpressionError("除数为零")
    return numbers.safe_divide(left, right)


_SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "÷"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def render(node: Node, shown: Callable[[str], str], parent: int = 0) -> str:
    """The expression as a working line, names replaced by ``shown(name)``."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Name):
        return shown(node.name)
    if isinstance(node, Neg):
        return f"−{render(node.operand, shown, 3)}"
    level = _PRECEDENCE[node.op]
    text = f"{render(node.left, shown, level)} {_SYMBOL[node.op]} {render(node.right, shown, level + 1)}"
    return f"（{text}）" if level < parent else text
