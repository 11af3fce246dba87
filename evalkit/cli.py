"""The ``evalkit`` command.

Exit status: 0 success; 1 a run failed for a reason other than its input;
2 bad input (params, framework or data), with one message per problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import InputError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _print_problems(exc: InputError) -> None:
    print(f"输入有误（{len(exc.problems)} 处）：", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import RunError, run_project

    status = EXIT_OK
    for params in args.params:
        try:
            result = run_project(
                params, outputs_root=args.outputs, workbook=args.workbook, show_code=args.show_code
            )
        except InputError as exc:
            _print_problems(exc)
            status = max(status, EXIT_BAD_INPUT)
            continue
        except RunError as exc:
            print(f"运行失败：{exc}", file=sys.stderr)
            status = max(status, EXIT_FAILED) if status != EXIT_BAD_INPUT else status
            continue
        print(
            f"{params}: 总分 {result.total}，等级 {result.grade}（{result.seconds:.1f} 秒）→ {result.appendix}"
        )
    return status


def _cmd_validate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate
    from .params import load_project

    status = EXIT_OK
    for params in args.params:
        try:
            ev = evaluate(load_project(params))
        except InputError as exc:
            _print_problems(exc)
            status = EXIT_BAD_INPUT
            continue
        print(f"{params}: 有效；总分 {ev.score_text(ev.total)}，等级 {ev.grade}")
    return status


def _cmd_schema(args: argparse.Namespace) -> int:
    from .params import json_schema_text

    text = json_schema_text()
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"JSON Schema 已写入 {out}")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalkit", description="预算绩效评价工作底稿：由 params 文件生成带计算过程的 HTML 附件"
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="出现内部错误时显示完整的 Python 调用栈")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    run = sub.add_parser("run", help="运行一个或多个项目，生成附件")
    run.add_argument("params", nargs="+", help="params/<批次>/<项目>.yaml")
    run.add_argument("--outputs", default="outputs", help="输出根目录（默认 outputs）")
    run.add_argument("--workbook", default=None, help="工作簿（默认 workbooks/project_evaluation.ipynb）")
    run.add_argument("--show-code", action="store_true", help="附件中保留代码单元格")
    run.set_defaults(func=_cmd_run)

    validate = sub.add_parser("validate", help="只校验 params 文件并计算得分，不生成附件")
    validate.add_argument("params", nargs="+")
    validate.set_defaults(func=_cmd_validate)

    schema = sub.add_parser("schema", help="输出 params 文件的 JSON Schema")
    schema.add_argument("-o", "--output", default=None, help="写入的文件（默认输出到终端）")
    schema.set_defaults(func=_cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        _print_problems(exc)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a bare traceback
        if args.debug:
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详情，并请报告此问题）", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
