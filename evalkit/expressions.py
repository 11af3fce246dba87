"""Arithmetic equations over named figures, parsed and evaluated without eval().

Identity checks are written as reviewers write them: ``收入合计 = 财政拨款 + 其他收入``.
Names may be Chinese, may start with digits (``2023年实际支付数``) or contain
dots (``callers.overall``); names with spaces or operator characters are
quoted in backticks. Only + − × ÷ ( ) and decimal numbers are understood, so
nothing in a params file can reach Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Union

from . import numbers

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
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"无法识别“{text[pos:pos + 10]}”（第 {pos + 1} 个字符）")
        quoted, op, word = m.groups()
        if quoted is not None:
            out.append(("name", quoted.strip()))
        elif op is not None:
            out.append(("op", _OPS[op]))
        elif _NUMBER.match(word):
            out.append(("num", word))
        else:
            out.append(("name", word))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"“{self.text}”在末尾不完整")
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
            return Num(numbers.parse_decimal(value), value)
        if kind == "name":
            if not value:
                raise ExpressionError("反引号中的名称为空")
            return Name(value)
        if value == "-":
            return Neg(self.factor())
        if value == "(":
            node = self.expression()
            if self.take() != ("op", ")"):
                raise ExpressionError(f"“{self.text}”中括号不配对")
            return node
        raise ExpressionError(f"“{self.text}”中“{value}”的位置不对")

    def done(self, node: Node) -> Node:
        if self.peek() is not None:
            raise ExpressionError(f"“{self.text}”中“{self.peek()[1]}”之后无法解析")  # type: ignore[index]
        return node


def parse_expression(text: str) -> Node:
    if not text.strip():
        raise ExpressionError("表达式为空")
    parser = _Parser(text)
    return parser.done(parser.expression())


def parse_equation(text: str) -> Equation:
    """``左边 = 右边``: exactly one equals sign."""
    parts = re.split(r"==|=", text)
    if len(parts) != 2:
        raise ExpressionError(f"等式应恰有一个“=”，实际为“{text}”")
    return Equation(parse_expression(parts[0]), parse_expression(parts[1]), text.strip())


def names(node: Node) -> list[str]:
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Neg):
        return names(node.operand)
    if isinstance(node, BinOp):
        return names(node.left) + [n for n in names(node.right) if n not in names(node.left)]
    return []


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
