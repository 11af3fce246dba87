"""argparse in Chinese: usage, headings, errors and choices, so that the command line speaks one language.

argparse takes every string it prints through ``gettext`` (its module-level ``_`` and ``ngettext``), the
hook it offers for translations. ``chinese()`` swaps those two for this table while evalkit builds its
parser and parses a command line (help and usage errors are printed during parsing), and puts them back
after, so that nothing else in the process (pytest, papermill) sees the change.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import unicodedata
from typing import Any, Iterator

__all__ = ["WORDS", "ChineseParser", "HelpFormatter", "chinese", "display_width"]

# argparse 3.11's messages, each with its Chinese; %-placeholders kept as argparse fills them.
WORDS: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "subcommands": "命令",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 %(value)r（可选：%(choices)s）",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的值（应为 %(type)s）",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多余的值 %r",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的命令 %(parser_name)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unexpected option string: %s": "意外的选项：%s",
    "%r is not callable": "%r 不可调用",
}


def _translated(message: str) -> str:
    return WORDS.get(message, message)


def _translated_plural(singular: str, plural: str, n: int) -> str:
    return WORDS.get(singular if n == 1 else plural, singular if n == 1 else plural)


@contextlib.contextmanager
def chinese() -> Iterator[None]:
    """argparse's own words in Chinese for the duration of the block (building a parser, parsing a line)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _translated, _translated_plural  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a Chinese character, one for a Latin letter."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help laid out by display width: Chinese metavars and help texts take two columns a
    character, so the help column lines up and a line of Chinese wraps at the terminal's width, not twice it;
    section headings end with a full-width colon (位置参数：)."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            get_invocation = self._format_action_invocation
            widths = [display_width(get_invocation(action))]
            for sub in self._iter_indented_subactions(action):
                widths.append(display_width(get_invocation(sub)))
            self._action_max_length = max(self._action_max_length, max(widths) + self._current_indent)

    def _format_one(self, action: argparse.Action) -> str:
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent_first = 0
        if not action.help:
            header = " " * self._current_indent + header + "\n"
        elif display_width(header) <= action_width:
            header = " " * self._current_indent + header + " " * (action_width - display_width(header) + 2)
        else:
            header = " " * self._current_indent + header + "\n"
            indent_first = help_position
        parts = [header]
        if action.help and action.help.strip():
            help_text = self._expand_help(action)
            if help_text:
                lines = self._split_lines(help_text, help_width)
                parts.append(" " * indent_first + lines[0] + "\n")
                parts.extend(" " * help_position + line + "\n" for line in lines[1:])
        elif not header.endswith("\n"):
            parts.append("\n")
        for sub in self._iter_indented_subactions(action):
            parts.append(self._format_one(sub))
        return self._join_parts(parts)

    def _split_lines(self, text: str, width: int) -> list[str]:
        """Wrap at ``width`` columns: between any two Chinese characters, or at a space."""
        text = self._whitespace_matcher.sub(" ", text).strip()
        lines, line, used = [], "", 0
        for token in re.findall(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+", text):
            wide = display_width(token)
            if token.isspace():
                if line and used + 1 <= width:
                    line, used = line + " ", used + 1
                continue
            if used + wide > width and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
            line, used = line + token, used + wide
        if line.strip():
            lines.append(line.rstrip())
        return lines or [""]

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any) -> str:
        """The usage lines, wrapped narrower until each fits the terminal by display width (argparse counts
        a Chinese metavar as half as wide as it is)."""
        width = self._width
        try:
            while True:
                text = super()._format_usage(usage, actions, groups, prefix)
                if self._width <= 40 or all(display_width(line) <= width for line in text.splitlines()):
                    return text
                self._width -= 4
        finally:
            self._width = width

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """A description or an example: each of its lines (an epilog's examples are one to a line) wrapped at the
        terminal's width by display width."""
        out = []
        for line in text.splitlines():
            lead = line[:len(line) - len(line.lstrip(" "))]  # an example's own indent stays
            out.extend(indent + lead + piece for piece in self._split_lines(line, width - len(indent) - len(lead)))
        return "\n".join(out)

    def _format_action(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._SubParsersAction):  # the commands, listed under their heading only
            self._dedent()
            try:
                return self._join_parts([self._format_one(sub) for sub in self._iter_indented_subactions(action)])
            finally:
                self._indent()
        return self._format_one(action)

    def format_help(self) -> str:
        return re.sub(r"(?m)^(\S[^\n]*?):$", r"\1：", super().format_help())


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser laid out by ``HelpFormatter``; its subcommands' parsers are of this class too. A
    mistyped choice is answered with the nearest one (“是否指：run？”), and a list of missing arguments is
    written with 、 as Chinese lists are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as exc:
            import difflib

            near = difflib.get_close_matches(str(value), [str(c) for c in action.choices or ()], n=1, cutoff=0.6)
            if not near:
                raise
            raise argparse.ArgumentError(action, f"{exc.message}；是否指：{near[0]}？") from None

    def error(self, message: str) -> Any:
        if message.startswith(WORDS["the following arguments are required: %s"][:-2]):
            message = message.replace(", ", "、")
        return super().error(message)

    def subcommand(self, name: str | None) -> argparse.ArgumentParser | None:
        """The parser of subcommand ``name`` (to report an argument it was given with its own usage)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                return action.choices[name]
        return None
