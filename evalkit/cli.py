"""The ``evalkit`` command.

Exit status: 0 success; 1 a run failed for a reason other than its input;
2 bad input (params, framework or data), with one message per problem.
``evalkit verify``: 0 verified, 1 differs, 2 could not verify, 3 only software versions differ,
4 the outputs are current but a signed-off project changed after its sign-off (复核后已修改).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evalkit import __version__
from evalkit.core import limits
from evalkit.core.errors import InputError, MissingDependency
from evalkit.core.kind import PluginError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _print_problems(exc: InputError) -> None:
    for line in exc.report():
        print(line, file=sys.stderr)


def _unwritable(target: Path, what: str = "-o 指定的位置", advice: str = "请换一个可以写入的位置") -> str:
    """Why no file can be written at ``target`` (``what`` names where it came from), or "" when one can.

    Tried, not asked: a file is created and removed in the nearest existing
    folder, because as root every permission check says yes, and neither a
    read-only mount nor /proc answers by its permissions. Done before any work,
    so that an unwritable -o is named as such, not met after a browser ran.
    """
    import os
    import tempfile

    from evalkit.core.errors import os_error_text

    if target.is_dir():
        return f"{target}: {what}是一个文件夹，应为文件名"
    if target.is_symlink() or (target.exists() and not target.is_file()):
        # written by renaming a new file into place: /dev/null, a FIFO or a link would be replaced by a plain file
        kind = "符号链接" if target.is_symlink() else "设备、管道或套接字等特殊文件"
        return f"{target}: {what}是{kind}，不是普通文件；写入会把它换成普通文件，{advice}"
    existing = next((p for p in (target.parent, *target.parent.parents) if p.exists() or p.is_symlink()), Path("."))
    if not existing.is_dir():
        return f"{target}: {what}无法写入：其上级 {existing} 是文件而不是文件夹；{advice}"
    try:
        handle, name = tempfile.mkstemp(dir=existing, prefix=".evalkit-write-test-")
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        return f"{target}: {what}无法写入（{os_error_text(exc)}）；{advice}"
    return ""


def _cmd_run(args: argparse.Namespace) -> int:
    from evalkit.runs.runner import RunError, run_project

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
        if _print_failed_checks(result.checks_failed, result.failure_lines) and args.strict:
            status = max(status, EXIT_FAILED) if status != EXIT_BAD_INPUT else status
        _refresh_round(Path(params), Path(args.outputs), result.seconds)
    return status


def _refresh_round(params: Path, outputs: Path, seconds: float = 0.0) -> None:
    """The round's index and summaries, where a batch wrote them, rewritten to show this project as it is now."""
    from evalkit.runs.batch import refresh_round

    index = refresh_round(params, outputs, seconds)
    if index is not None:
        print(f"  批次汇总已更新 → {index}")


def _print_failed_checks(count: int, lines: "tuple[str, ...] | list[str]") -> bool:
    """The failed checks under a project's result line; True if there were any."""
    if count:
        print(f"  核对未通过 {count} 项（差额 = 重算值 − 所述值）：")
        for line in lines:
            print(f"    {line}")
    return bool(count)


def _cmd_batch(args: argparse.Namespace) -> int:
    from evalkit.runs.batch import FAILED, run_round

    round_dir = Path(args.round)
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
        bar = tqdm(total=0, unit="项目", desc=round_dir.name, dynamic_ncols=True)
    failures = 0

    def report(outcome, done, total):  # type: ignore[no-untyped-def]
        nonlocal failures
        failures += outcome.status == FAILED
        name = Path(outcome.params).name
        detail = f"{outcome.total} {outcome.grade}" if outcome.total else outcome.error.splitlines()[0] if outcome.error else ""
        if outcome.checks_failed:
            detail += f"，核对未通过 {outcome.checks_failed} 项"
        line = f"[{done}/{total}] {name}：{outcome.status_text}{'，' + detail if detail else ''}（{outcome.seconds:.2f} 秒）"
        if bar is not None:  # each project's line stays, above the bar
            bar.total = total
            bar.set_postfix_str(f"失败 {failures}")
            bar.write(line)
            if outcome.status == FAILED and "\n" in outcome.error:
                bar.write("  " + outcome.error.replace("\n", "\n  "))
            bar.update(1)
        else:
            print(line, flush=True)

    from evalkit.runs.runner import RunError

    try:
        run = run_round(
            round_dir, outputs_root=Path(args.outputs), jobs=args.jobs, force=args.force,
            executor=args.executor, scheduler=args.scheduler, workbook=Path(args.workbook) if args.workbook else None,
            timeout=args.timeout or None, report=report,
        )
    except RunError as exc:  # the outputs folder cannot be written: found before any project ran
        if bar is not None:
            bar.close()
        print(f"批次未运行：{exc}", file=sys.stderr)
        return EXIT_FAILED
    if bar is not None:
        bar.close()
    counts = {s: sum(o.status == s for o in run.outcomes) for s in ("ok", "up_to_date", "failed")}
    not_run = run.projects - len(run.outcomes)
    print(
        f"{run.round}: 共 {run.projects} 个项目，运行 {counts['ok']}，未变更 {counts['up_to_date']}，"
        f"失败 {counts['failed']}{f'，未运行 {not_run}' if not_run else ''}；用时 {run.seconds:.1f} 秒"
        + ("" if run.unwritten else f" → {run.outputs / 'index.html'}")
        + ("（没有项目变更，批次汇总保持上次写出的内容）" if run.kept else "")
    )
    for outcome in run.failed:
        print(f"  失败：{outcome.params}\n    " + outcome.error.replace("\n", "\n    "), file=sys.stderr)
    if run.unwritten:
        print(f"批次汇总（index.html、summary.csv、summary.xlsx、round.json）未能写出：{run.unwritten}", file=sys.stderr)
        return EXIT_FAILED
    if run.aborted:
        print(f"批次提前结束：{run.aborted}", file=sys.stderr)
        return EXIT_FAILED
    if run.interrupted:
        print("已中断：已完成的项目保留其输出，再次运行会从未完成的项目继续。", file=sys.stderr)
        return 130
    return EXIT_FAILED if run.failed else EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from evalkit.runs.verify import verify

    result = verify(Path(args.output), Path(args.workbook) if args.workbook else None)
    stream = sys.stdout if result.status == 0 else sys.stderr
    for line in result.lines():
        print(line, file=stream)
    return result.status


def _cmd_signoff(args: argparse.Namespace) -> int:
    """Sign at a level, then (unless --no-run) run again so that the appendix and the round show the sign-off."""
    from evalkit.runs.signing import sign

    params = Path(args.params)
    signed = sign(params, Path(args.outputs), args.reviewer, args.date, args.opinion or "", level=args.level)
    record = signed.signature
    if signed.replaced is not None:
        print(f"已替换此前的{record.level}签署（{signed.replaced.reviewer}，{signed.replaced.date}）：每一级只保留最新一次签署")
    for dropped in signed.dropped:
        print(f"已撤销“{dropped.level}”签署（{dropped.reviewer}，{dropped.date}）：它所审定的是重新签署之前的结果，请重新签署")
    levels = signed.levels
    position = f"第 {levels.index(record.level) + 1} 级，共 {len(levels)} 级：{' → '.join(('编制', *levels))}"
    print(f"已签署“{record.level}”（{position}）：{record.reviewer}，{record.date} → {signed.path}")
    print(f"  记录了 {len(record.inputs)} 个输入文件与计算结果的 sha256 及 {len(record.values)} 个数值；此后输入或结果改变，"
          "附件与 evalkit verify 显示“复核后已修改”并列出变动的数值。")
    return _rerun_after_review(params, args)


def _rerun_after_review(params: Path, args: argparse.Namespace) -> int:
    from evalkit.runs.runner import RunError, run_project

    if args.no_run:
        print(f"  附件在下次运行（evalkit run {params} 或 evalkit batch）后显示。")
        return EXIT_OK
    try:
        result = run_project(params, outputs_root=args.outputs, workbook=args.workbook)
    except RunError as exc:
        print(f"复核记录已写出，但重新生成附件失败：{exc}；请稍后运行 evalkit run {params}", file=sys.stderr)
        return EXIT_FAILED
    print(f"  已重新生成附件 → {result.appendix}")
    _refresh_round(params, Path(args.outputs), result.seconds)
    return EXIT_OK


def _cmd_note(args: argparse.Namespace) -> int:
    """A review note added, replied to or cleared in the sidecar; the appendix is made again to list it."""
    from evalkit.runs.signing import annotate

    params = Path(args.params)
    chosen = [name for name, value in (("--on", args.on), ("--reply", args.reply), ("--clear", args.clear)) if value]
    if len(chosen) != 1:
        print("应恰好给出 --on（提出意见）、--reply（回复）或 --clear（确认解决）中的一项", file=sys.stderr)
        return EXIT_BAD_INPUT
    path, note, before = annotate(params, Path(args.outputs), args.by, on=args.on, text=args.text or "",
                                  reply=args.reply, clear=args.clear, date=args.date)
    if args.reply and before is not None and before.reply:
        print(f"已替换 {note.id} 此前的回复（{before.replied_by}，{before.replied}）：每条意见只保留最新的回复")
    done = "已确认解决" if note.cleared else "已回复" if args.reply else "已提出"
    print(f"{note.id}（{note.on}）{done}：{args.by}，{note.cleared or note.replied or note.date} → {path}")
    return _rerun_after_review(params, args)


def _cmd_audit(args: argparse.Namespace) -> int:
    """A report's stated quantities read, its contradictions listed: audit.json and audit.html in -o; a folder
    of reports gives one such page per report and a summary (index.html) beside them."""
    from evalkit.inputs.names import displayable

    source = Path(args.report)
    if source.is_dir():
        if args.params:
            print(f"{displayable(args.report)}：--params 只用于一份报告（为它写出参数文件草稿）；请逐份报告运行", file=sys.stderr)
            return EXIT_BAD_INPUT
        out = Path(args.output) if args.output else Path("outputs") / "audit" / _audit_folder_name(source.resolve().name)
        if (status := _audit_output_problem(out)) != EXIT_OK:
            return status
        return _audit_folder(source, out, args.strict)
    from evalkit.core.contradictions import audit
    from evalkit.inputs.reporttext import read_report
    from evalkit.outputs.audit import Places, write_audit

    folder = Path(args.output) if args.output else Path("outputs") / "audit" / _audit_folder_name(source.name)
    if (status := _audit_output_problem(folder)) != EXIT_OK:
        return status
    read = read_report(source, displayable(str(source)))
    quantities, found = audit(read.text, read.tables)
    draft = None
    if args.params:
        draft = _audit_draft(args.params, str(source), read, found)
        if isinstance(draft, int):
            return draft
    try:
        json_path, html_path = write_audit(folder, str(source), quantities, found, Places(read.page, read.where), read.text)
    except OSError as exc:
        print(f"{folder}: 无法写出核查结果（{exc.strerror or exc}）；请用 -o 换一个可以写入的位置", file=sys.stderr)
        return EXIT_FAILED
    print(f"{displayable(str(source))}: 读出带单位的数值与日期 {len(quantities)} 个，发现前后矛盾 {len(found)} 处 → {html_path}")
    for i, c in enumerate(found, start=1):
        print(f"  A-{i:02d}（可信度 {c.confidence}）{c.title}：{c.explanation}")
    print(f"  每个数值及其位置：{json_path}")
    if draft is not None:
        print(f"  参数文件草稿：{draft}（evalkit validate {draft} 即列出上述矛盾中能写成核对事项的各条；"
              "其中的资金表、指标评分仍是骨架的示例，须按报告改写）")
    return EXIT_FAILED if args.strict and found else EXIT_OK


def _audit_folder_name(name: str) -> str:
    """The output folder of a report or a folder of reports: its name with the extension (X.docx and X.pdf
    keep their results apart), characters a folder name cannot hold replaced."""
    import re

    from evalkit.inputs.names import name_problem

    cleaned = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]', "_", name).strip(" .") or "报告"
    return cleaned if name_problem(cleaned, "报告") is None else "报告"


def _audit_output_problem(folder: Path) -> int:
    """EXIT_OK when results can be written in ``folder``; else the message printed and the exit status (a
    file where the folder should be is the user's input, 2; a folder that cannot be written, 1)."""
    if folder.exists() and not folder.is_dir():
        print(f"{folder}: 输出目录是一个文件，应为文件夹；请用 -o 指定一个文件夹", file=sys.stderr)
        return EXIT_BAD_INPUT
    if problem := _unwritable(folder / "audit.json", "输出目录"):
        print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT if "是文件而不是文件夹" in problem else EXIT_FAILED
    return EXIT_OK


def _audit_draft(path_text: str, report: str, read: Any, found: list[Any]) -> Path | int:
    """Write the draft params file for ``--params``; its path, or the exit status when it cannot be written."""
    from evalkit.inputs.names import displayable
    from evalkit.outputs.auditparams import draft_params, report_facts
    from evalkit.runs.skeleton import create

    from evalkit.core.errors import Problem
    from evalkit.runs.skeleton import WHERE

    facts = report_facts(read.text)
    try:
        created = create("project", path_text, lambda text: draft_params(text, report, facts, found, read.where))
    except InputError as exc:  # the path as --params gave it, not as evalkit new would have
        raise InputError(Problem("--params" if p.file == WHERE else p.file, p.where, p.message)
                         for p in exc.problems) from None
    except OSError as exc:
        where = displayable(str(exc.filename)) if exc.filename else path_text
        print(f"写入失败：{where}：{exc.strerror or exc}（已写入的文件已删除）", file=sys.stderr)
        return EXIT_FAILED
    return created.params


def _audit_folder(folder: Path, out: Path, strict: bool = False) -> int:
    """Every report in ``folder`` (not its subfolders) audited into ``out/<报告名>/``, then ``out/index.html``
    listing them; an unreadable report is listed with its message and makes the exit status 2."""
    from evalkit.core.contradictions import audit
    from evalkit.inputs.names import collision_key, displayable, name_problem
    from evalkit.inputs.reporttext import SUPPORTED, read_report
    from evalkit.outputs.audit import AuditRow, Places, write_audit, write_audit_index

    inside = folder.resolve()
    reports = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED + (".doc",)
                     and not p.name.startswith((".", "~$")))
    if not reports:
        print(f"{displayable(str(folder))}：文件夹中没有报告（{'、'.join(SUPPORTED)}）", file=sys.stderr)
        return EXIT_BAD_INPUT
    rows: list[AuditRow] = []
    taken: set[str] = set()
    status = EXIT_OK
    bar = None
    if len(reports) > 1 and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(reports), unit="份", desc="核查报告", dynamic_ncols=True)
    say = bar.write if bar is not None else print  # each report's line stays above the bar
    for number, report in enumerate(reports, start=1):
        if bar is not None:
            bar.update(1)
        shown = displayable(report.name)
        stem = report.name if name_problem(report.name, "报告") is None else f"报告{number:03d}{report.suffix.lower()}"
        if collision_key(stem) in taken:  # 报告.DOCX beside 报告.docx on a file system that tells them apart
            stem = f"{stem}_{number:03d}"
        taken.add(collision_key(stem))
        try:
            if inside not in report.resolve().parents:  # a link to a file elsewhere: not this folder's report
                raise InputError.single(displayable(str(report)), "", "是指向文件夹之外的链接，不读取")
            if not report.is_file():
                raise InputError.single(displayable(str(report)), "", "不是普通文件（文件夹、管道或设备），不读取")
            read = read_report(report, displayable(str(report)))
        except InputError as exc:
            message = "；".join(p.message for p in exc.problems)
            rows.append(AuditRow(shown, stem, None, None, message))
            say(f"  {shown}：无法读取：{message}")
            status = EXIT_BAD_INPUT
            continue
        quantities, found = audit(read.text, read.tables)
        try:
            write_audit(out / stem, str(report), quantities, found, Places(read.page, read.where), read.text)
        except OSError as exc:
            print(f"{out / stem}: 无法写出核查结果（{exc.strerror or exc}）", file=sys.stderr)
            return EXIT_FAILED
        rows.append(AuditRow(shown, stem, len(quantities), found, ""))
        say(f"  {shown}：数值 {len(quantities)} 个，矛盾 {len(found)} 处"
                         + (f"（最高可信度 {max(c.confidence for c in found)}）" if found else ""))
    if bar is not None:
        bar.close()
    index = write_audit_index(out, str(folder), rows)
    total = sum(len(r.found or ()) for r in rows)
    unread = sum(1 for r in rows if r.found is None)
    print(f"{displayable(str(folder))}：核查报告 {len(rows)} 份，发现前后矛盾 {total} 处"
          + (f"，{unread} 份无法读取" if unread else "") + f" → {index}")
    return EXIT_FAILED if strict and total and status == EXIT_OK else status


def _cmd_lab(args: argparse.Namespace) -> int:
    import subprocess

    from evalkit.runs.lab import lab_command, lab_missing, lab_notebook
    from evalkit.runs.runner import default_workbook

    if args.open and (missing := lab_missing()):
        print(missing, file=sys.stderr)  # before anything is written: the environment, not the input
        return EXIT_FAILED
    try:
        notebook, written = lab_notebook(Path(args.params), Path(args.outputs),
                                         Path(args.workbook) if args.workbook else default_workbook(), force=args.force,
                                         folder=Path(args.lab) if args.lab else None)
    except InputError as exc:
        _print_problems(exc)
        return EXIT_BAD_INPUT
    except OSError as exc:
        from evalkit.core.errors import os_error_text

        print(f"无法写出项目笔记本：{exc.filename or args.outputs}：{os_error_text(exc)}；请用 --lab 指定可以写入的目录",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"{'已写出' if written else '已存在（保留其中的修改；要重新生成请加 --force）'}：{notebook}")
    print("这是该项目自己的笔记本，共用的工作簿不会被修改；在 JupyterLab 中打开后运行全部单元格即可查看计算过程。")
    command, root = lab_command(notebook, Path(args.params))
    if not args.open:
        import shlex

        needs = "" if not lab_missing() else "；需先安装可选依赖：pip install 'evalkit[lab]'"
        print(f"打开：{shlex.join(command)}（或加 --open{needs}）")
        return EXIT_OK
    return subprocess.call(command)


def _cmd_validate(args: argparse.Namespace) -> int:
    from evalkit.core.evaluation import evaluate
    from evalkit.loader import load_project
    from evalkit.outputs.summary import failed_check_lines

    status = EXIT_OK
    for params in args.params:
        try:
            ev = evaluate(load_project(params))
        except InputError as exc:
            _print_problems(exc)
            status = EXIT_BAD_INPUT
            continue
        print(f"{params}: 有效；总分 {ev.total_text()}，等级 {ev.grade_text()}")
        failed = [c.to_dict() for c in ev.failed_checks]
        if _print_failed_checks(len(failed), failed_check_lines(failed)) and args.strict:
            status = max(status, EXIT_FAILED) if status != EXIT_BAD_INPUT else status
    return status


def _cmd_new(args: argparse.Namespace) -> int:
    from evalkit.inputs.names import displayable
    from evalkit.runs.skeleton import create, describe, display_width, shell_word

    try:
        created = create(args.kind, args.path)
    except OSError as exc:
        where = displayable(str(exc.filename)) if exc.filename else args.path
        print(f"写入失败：{where}：{exc.strerror or exc}（已写入的文件已删除）", file=sys.stderr)
        return EXIT_FAILED
    print(f"已创建{created.kind.name}的项目骨架：")
    shown = [(displayable(str(p)), p) for p in (created.params, *created.files[:-1])]
    width = max(display_width(text) for text, _ in shown)
    for text, path in shown:
        print(f"  {text}{' ' * (width - display_width(text))}  {describe(path, created.params)}")
    if created.schema is not None:
        print(f"  {displayable(str(created.schema))}：JSON Schema，参数文件第一行引用它，编辑器据此补全与校验")
    params = shell_word(displayable(str(created.params)))
    print("下一步：")
    print(f"  evalkit validate {params}   # 校验并计算得分（不启动内核，几乎瞬时）")
    print(f"  evalkit run {params}        # 生成附件 outputs/{created.params.parent.name}/{created.params.stem}/appendix.html")
    return EXIT_OK


def _cmd_preview(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; a port in use is the environment (exit 1), a missing params file the input (exit 2)."""
    import errno
    import time

    from evalkit.runs.preview import start

    params = Path(args.params)
    if not params.is_file():
        raise InputError.single(args.params, "", "参数文件不存在" if not params.exists() else "不是文件")

    def log(render) -> None:  # type: ignore[no-untyped-def]
        stamp = time.strftime("%H:%M:%S")
        print(f"[{stamp}] {'已更新' if render.ok else '有误'}：{render.headline}（{render.seconds:.2f} 秒）", flush=True)
        for line in render.problems:
            print(f"  {line}", flush=True)

    try:
        running = start(args.params, host=args.host, port=args.port, charts=args.charts, log=log)
    except KeyboardInterrupt:
        print("\n预览已结束。", flush=True)
        return EXIT_OK
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        if exc.errno == errno.EADDRINUSE:
            print(f"无法启动预览：端口 {args.port} 已被占用（或刚结束的程序尚未释放它）；请换一个 --port，或不写 --port 自动选择空闲端口",
                  file=sys.stderr)
        elif exc.errno in (errno.EACCES, errno.EPERM):
            print(f"无法启动预览：没有权限在 {where} 上监听（1024 以下的端口需要管理员权限）；请换一个 --port",
                  file=sys.stderr)
        else:
            print(f"无法启动预览：不能在 {where} 上监听：{exc.strerror or exc}；请检查 --host 与 --port", file=sys.stderr)
        return EXIT_FAILED
    print(f"预览：{running.url}  （保存参数文件或其数据文件后页面自动刷新；按 Ctrl-C 结束）", flush=True)
    if not running.server.loopback:
        print("注意：预览监听的不是本机地址，同一网络中的其他人也能打开此页面。", flush=True)
    print(f"最终附件仍请用 evalkit run {args.params} 生成。", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(running.url)
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    print("\n预览已结束。", flush=True)
    return EXIT_OK


def _port(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"应为 0 到 65535 之间的端口号，实际为 {text[:40]!r}")
    return int(text)


def _cmd_import_framework(args: argparse.Namespace) -> int:
    from evalkit.core.errors import os_error_text
    from evalkit.inputs.importer import output_paths, run_import

    if args.output and (problem := _unwritable(output_paths(Path(args.file), args.output)[0])):
        print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        lines = run_import(args.file, sheet=args.sheet, header_row=args.header_row, output=args.output)
    except OSError as exc:
        print(f"写入失败：{exc.filename or ''}：{os_error_text(exc)}（已写出的文件已删除）", file=sys.stderr)
        return EXIT_FAILED
    for line in lines:
        print(line)
    return EXIT_OK


def _cmd_import_forms(args: argparse.Namespace) -> int:
    from evalkit.core.errors import os_error_text
    from evalkit.runs.importforms import import_forms

    round_dir = Path(args.round)
    try:
        result = import_forms(Path(args.source), round_dir)
    except OSError as exc:
        print(f"写入失败：{exc.filename or round_dir}：{os_error_text(exc)}", file=sys.stderr)
        return EXIT_FAILED
    for problem in result.problems + result.failures:
        print(problem, file=sys.stderr)
    trouble = len(result.problems) + len(result.failures)
    print(f"读取 {result.books} 个工作簿、{result.forms} 份自评表，写出 {len(result.written)} 个参数文件到 {round_dir}"
          + (f"；{trouble} 处不能导入（见上）" if trouble else ""))
    if result.written:
        print(f"下一步：evalkit batch {round_dir}")
    return EXIT_FAILED if result.failures else EXIT_BAD_INPUT if result.problems else EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from evalkit.loader import json_schema_text

    import os

    from evalkit.core.errors import os_error_text

    if args.output == "-" or args.output is None and not Path("params").is_dir():
        sys.stdout.write(json_schema_text())
        return EXIT_OK
    out = Path(args.output) if args.output else Path("params") / "params.schema.json"  # where the params files name it
    if problem := _unwritable(out):
        print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    partial = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:  # written beside and renamed into place: a full disk leaves the previous schema whole
        out.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json_schema_text(), encoding="utf-8")
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        print(f"写入失败：{out}：{os_error_text(exc)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"JSON Schema 已写入 {out}")
    return EXIT_OK


def _cmd_print_pdf(args: argparse.Namespace) -> int:
    """Each appendix printed to an A4 PDF beside it (or to -o), with the page's own print layout."""
    from evalkit.outputs.printing import PrintError, find_chromium, missing_message, print_pdf, target_problem

    if args.output and len(args.appendix) > 1:
        print("-o 只能用于一个附件；多个附件的 PDF 各自写在附件旁边", file=sys.stderr)
        return EXIT_BAD_INPUT
    status, pages = EXIT_OK, []
    given_pages = [page for given in args.appendix for page in _round_appendices(Path(given))]
    if args.output and len(given_pages) > 1:
        print(f"-o 只能用于一个附件；{args.appendix[0]} 是一个批次，其中各项目的 PDF 各自写在附件旁边", file=sys.stderr)
        return EXIT_BAD_INPUT
    for given in given_pages:  # arguments first: a wrong one is bad input (2) whether or not Chromium is there
        html = Path(given) / "appendix.html" if Path(given).is_dir() else Path(given)
        if Path(given).is_file() and html.suffix.lower() not in (".html", ".htm"):
            print(f"{given}: 不是附件：应为项目的输出目录或其中的 appendix.html（.html 文件），未打印", file=sys.stderr)
            status = EXIT_BAD_INPUT
        elif not html.is_file():
            print(f"找不到附件：{html}（应为 appendix.html 或其所在的输出目录）", file=sys.stderr)
            status = EXIT_BAD_INPUT
        elif problem := target_problem(html.resolve(), Path(args.output or html.with_suffix(".pdf")).resolve()):
            print(problem, file=sys.stderr)
            status = EXIT_BAD_INPUT
        elif problem := (_unwritable(Path(args.output)) if args.output else
                         _unwritable(html.with_suffix(".pdf").resolve(), "附件旁边", "请用 -o 指定可以写入的位置")):
            print(problem, file=sys.stderr)  # before Chromium starts: it would only print its own errors
            status = EXIT_BAD_INPUT
        else:
            pages.append(html)
    if not pages:
        return status
    chromium = find_chromium()
    if chromium is None:
        print(missing_message() + "；也可在浏览器中打开附件，打印 → A4 → 另存为 PDF", file=sys.stderr)
        return max(status, EXIT_FAILED)
    bar = None
    if len(pages) > 1 and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(pages), unit="份", desc="打印 PDF", dynamic_ncols=True)
    say = bar.write if bar is not None else print
    try:
        for html in pages:
            target = Path(args.output) if args.output else html.with_suffix(".pdf")
            try:
                written = print_pdf(html, target, chromium)
            except InputError as exc:  # an appendix too large to print, or not a regular file
                for line in exc.report():
                    say(line, file=sys.stderr)
                status = EXIT_BAD_INPUT
                continue
            except PrintError as exc:
                say(str(exc), file=sys.stderr)
                status = max(status, EXIT_FAILED) if status != EXIT_BAD_INPUT else status
                continue
            finally:
                if bar is not None:
                    bar.update(1)
            say(f"{html} → {written}")
    finally:
        if bar is not None:
            bar.close()
    return status


def _round_appendices(given: Path) -> list[Path]:
    """A round's output folder (round.json, or no appendix.html but projects that have one) → each project's appendix.

    Anything else is returned as given, for the checks that follow to judge.
    """
    if not given.is_dir() or (given / "appendix.html").exists():
        return [given]
    found = sorted(child / "appendix.html" for child in given.iterdir()
                   if not child.name.startswith(".") and (child / "appendix.html").is_file())
    return found or [given]


DEFAULT_TIMEOUT = limits.PROJECT_TIMEOUT


MAX_JOBS = 512  # -j: projects at once, each in a worker process with its kernel; far above any machine's cores


def _jobs(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text[:10]) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"应为 1 到 {MAX_JOBS} 之间的整数（不写则为 CPU 核数的 2 倍），实际为 {text[:40]!r}")
    return int(text)


def _row_number(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text[:10]) <= limits.MAX_HEADER_ROW:
        raise argparse.ArgumentTypeError(f"应为 1 到 {limits.MAX_HEADER_ROW:,} 之间的行号，实际为 {text[:40]!r}")
    return int(text)


def _seconds(text: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 7:
        raise argparse.ArgumentTypeError(f"应为不小于 0 的整数秒数，实际为 {text[:40]!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    from evalkit.clitext import ChineseParser

    parser = ChineseParser(
        prog="evalkit", description="预算绩效评价工作底稿：由 params 文件生成带计算过程的 HTML 附件"
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}", help="显示版本号并退出")
    parser.add_argument("--debug", action="store_true", help="出现内部错误时显示完整的 Python 调用栈")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令", title="命令")

    run = sub.add_parser("run", help="运行一个或多个项目，生成附件")
    run.add_argument("params", nargs="+", metavar="参数文件", help="params/<批次>/<项目>.yaml（可写多个）")
    run.add_argument("--outputs", default="outputs", metavar="输出目录", help="输出根目录（默认 outputs）")
    run.add_argument("--workbook", default=None, metavar="工作簿", help="工作簿（默认为随 evalkit 安装的 workbooks/project_evaluation.ipynb）")
    run.add_argument("--show-code", action="store_true", help="附件中保留代码单元格")
    run.add_argument("--strict", action="store_true", help="有核对未通过时以退出状态 1 结束")
    run.set_defaults(func=_cmd_run)

    batch = sub.add_parser("batch", help="运行一个评价批次（params/<批次>/ 下的全部项目）")
    batch.add_argument("round", metavar="批次目录", help="params/<批次> 目录")
    batch.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="个数",
                       help="同时运行的项目个数，每个在自己的工作进程中（默认为 CPU 核数的 2 倍：项目多半时间在等内核）")
    batch.add_argument("--force", action="store_true", help="全部重新运行，不跳过未变更的项目")
    batch.add_argument("--executor", choices=["local", "dask"], default="local", help="local：本机的工作进程（默认）；dask：Dask 集群（本机 LocalCluster，或 --scheduler 指定的集群）")
    batch.add_argument("--scheduler", default=None, metavar="地址", help="Dask 调度器地址（默认在本机启动 LocalCluster）")
    batch.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="秒",
                       help=f"每个项目的时限，超时的项目记为失败、批次继续（默认 {DEFAULT_TIMEOUT} 秒；0 为不限）")
    batch.add_argument("--outputs", default="outputs", metavar="输出目录", help="输出根目录（默认 outputs）")
    batch.add_argument("--workbook", default=None, metavar="工作簿", help="工作簿（默认为随 evalkit 安装的 workbooks/project_evaluation.ipynb）")
    batch.set_defaults(func=_cmd_batch)

    check = sub.add_parser("verify", help="核验一个项目的输出：输入是否与记录一致，重新运行是否逐字节相同；已签署的项目还核对是否复核后已修改",
                           epilog="退出状态：0 一致；1 不一致；2 无法核验；3 仅软件版本不同；4 复核后已修改（输出与输入一致，但与复核签署时不同）")
    check.add_argument("output", metavar="项目输出目录", help="outputs/<批次>/<项目> 目录")
    check.add_argument("--workbook", default=None, metavar="工作簿", help="工作簿（默认为随 evalkit 安装的 workbooks/project_evaluation.ipynb）")
    check.set_defaults(func=_cmd_verify)

    signoff = sub.add_parser(
        "signoff", help="复核签署：在参数文件旁写出 <项目>.signoff.yaml，记录复核人、日期、意见与所复核输入和结果的哈希",
        description="复核人不改动参数文件，在其旁写出签署文件 <项目>.signoff.yaml：复核人、复核日期、复核意见，以及参数文件、"
                    "指标体系、数据文件与计算结果（results.json）的 sha256。输出缺失或已过期（输入在上次运行后改变）时拒绝签署。"
                    "签署后重新生成附件，附件页首显示“已复核”；此后输入或结果改变，附件、批次汇总与 evalkit verify 显示“复核后已修改”。",
        epilog="例：evalkit signoff params/2024/某项目.yaml --reviewer 张三 --date 2026-11-30 --opinion 同意")
    signoff.add_argument("params", metavar="参数文件", help="params/<批次>/<项目>.yaml")
    signoff.add_argument("--level", default=None, metavar="层级",
                         help="签署的层级（默认为下一级未签署的层级；层级由参数文件 workpaper.review_levels 规定，默认只有“复核”）")
    signoff.add_argument("--reviewer", required=True, metavar="姓名", help="复核人")
    signoff.add_argument("--date", default=None, metavar="日期", help="复核日期，写作 YYYY-MM-DD（默认今天）")
    signoff.add_argument("--opinion", default="", metavar="意见", help="复核意见")
    signoff.add_argument("--outputs", default="outputs", metavar="输出目录", help="输出根目录（默认 outputs）")
    signoff.add_argument("--workbook", default=None, metavar="工作簿", help="工作簿（默认为随 evalkit 安装的 workbooks/project_evaluation.ipynb）")
    signoff.add_argument("--no-run", action="store_true", help="只写签署文件，不重新生成附件（附件在下次运行后显示签署）")
    signoff.set_defaults(func=_cmd_signoff)

    note = sub.add_parser(
        "note", help="复核意见：对附件中的编号提出意见、回复、确认解决（记在签署文件中，附件与批次汇总列示）",
        description="复核人对附件中的某个编号（C-04、S-03、K-06、F-01 或部分名）提出复核意见，编制人回复，提出人确认解决。"
                    "意见记在 <项目>.signoff.yaml 中，不改动参数文件，也不影响已签署的哈希；有未解决的意见时不能签署最后一级。",
        epilog="例：evalkit note params/2024/某项目.yaml --on C-04 --by 李四 --text 请核对分母口径\n"
               "    evalkit note params/2024/某项目.yaml --reply N-01 --by 张三 --text 已按批复数修正\n"
               "    evalkit note params/2024/某项目.yaml --clear N-01 --by 李四")
    note.add_argument("params", metavar="参数文件", help="params/<批次>/<项目>.yaml")
    note.add_argument("--on", default=None, metavar="编号", help="提出意见：所针对的附件编号")
    note.add_argument("--reply", default=None, metavar="意见编号", help="回复一条意见（如 N-01）")
    note.add_argument("--clear", default=None, metavar="意见编号", help="确认一条意见已解决（由提出人；如 N-01）")
    note.add_argument("--by", required=True, metavar="姓名", help="提出、回复或确认的人")
    note.add_argument("--text", default="", metavar="内容", help="意见或回复的内容")
    note.add_argument("--date", default=None, metavar="日期", help="日期，写作 YYYY-MM-DD（默认今天）")
    note.add_argument("--outputs", default="outputs", metavar="输出目录", help="输出根目录（默认 outputs）")
    note.add_argument("--workbook", default=None, metavar="工作簿", help="工作簿（默认为随 evalkit 安装的 workbooks/project_evaluation.ipynb）")
    note.add_argument("--no-run", action="store_true", help="只写复核记录，不重新生成附件")
    note.set_defaults(func=_cmd_note)

    validate = sub.add_parser("validate", help="只校验 params 文件并计算得分，不生成附件")
    validate.add_argument("params", nargs="+", metavar="参数文件", help="params/<批次>/<项目>.yaml（可写多个）")
    validate.add_argument("--strict", action="store_true", help="有核对未通过时以退出状态 1 结束")
    validate.set_defaults(func=_cmd_validate)

    new = sub.add_parser(
        "new", help="新建一个项目：写出带中文注释的参数文件骨架与数据表模板（XLSX 与 CSV），可直接校验与运行",
        description="按评价类型写出项目骨架：参数文件（每一节都有中文注释，占位内容写作“（请填写……）”或标明“示例”）、"
                    "data/<项目名>/ 下的数据表模板（同一张表的 .xlsx 与 .csv）。骨架引用该类型的内置指标体系，"
                    "写出后即可 evalkit validate、evalkit run。已存在的文件不会被覆盖。",
        epilog="评价类型：project（项目支出绩效评价）、department（部门整体支出绩效评价）、"
               "self_evaluation（项目支出绩效自评），中文名称与英文写法均可。"
               "例：evalkit new 项目支出绩效评价 params/2024/某项目")
    new.add_argument("kind", metavar="评价类型", help="project / department / self_evaluation，或其中文名称")
    new.add_argument("path", metavar="路径", help="params/<批次>/<项目名>（可带 .yaml）")
    new.set_defaults(func=_cmd_new)

    lab = sub.add_parser(
        "lab", help="为一个项目写出它自己的笔记本（lab/<批次>/<项目>.ipynb），在 JupyterLab 中查看，不改动共用的工作簿",
        description="复制工作簿并写入该项目的参数，存为输出目录旁的 lab/<批次>/<项目>.ipynb。已存在时保留（其中可能有你自己加的单元格），"
                    "加 --force 重新生成。附件仍由 evalkit run 生成。")
    lab.add_argument("params", metavar="参数文件", help="params/<批次>/<项目>.yaml")
    lab.add_argument("--outputs", default="outputs", metavar="输出目录", help="输出根目录（默认 outputs）")
    lab.add_argument("--workbook", default=None, metavar="工作簿", help="工作簿（默认为随 evalkit 安装的 workbooks/project_evaluation.ipynb）")
    lab.add_argument("--lab", default=None, metavar="目录", help="项目笔记本的目录（默认为输出目录旁的 lab/）")
    lab.add_argument("--force", action="store_true", help="覆盖已有的项目笔记本")
    lab.add_argument("--open", action="store_true", help="写出后用 evalkit 所在环境中的 JupyterLab 打开")
    lab.set_defaults(func=_cmd_lab)

    preview = sub.add_parser(
        "preview", help="在本机浏览器中预览附件，保存参数文件或数据文件后自动刷新（不启动内核）",
        description="在本机端口上提供附件的预览页面：每次保存参数文件、它引用的指标体系文件或数据文件，"
                    "都在进程内重新计算并刷新浏览器中的页面；输入有误时页面列出与命令行相同的提示（文件、位置、应当如何）。"
                    "最终附件仍由 evalkit run / batch 生成。",
        epilog="例：evalkit preview params/2024/某项目.yaml --open")
    preview.add_argument("params", metavar="参数文件", help="params/<批次>/<项目>.yaml")
    preview.add_argument("--port", type=_port, default=0, metavar="端口", help="端口（默认自动选择空闲端口）")
    preview.add_argument("--host", default="127.0.0.1", metavar="地址",
                         help="监听地址（默认 127.0.0.1，只有本机能打开；改为其他地址会让同一网络中的人也能看到）")
    preview.add_argument("--charts", action="store_true", help="绘制问卷图表（每次刷新约慢 1 秒；默认不绘制）")
    preview.add_argument("--open", action="store_true", help="启动后用默认浏览器打开页面")
    preview.set_defaults(func=_cmd_preview)

    imp = sub.add_parser(
        "import-framework", help="导入评分表（XLSX 或 CSV）：写出指标体系文件与 indicators 段（报告得分与扣分原因）",
        description="读取一级/二级/三级指标、分值、评分标准（及得分、扣分原因）格式的评分表，写出 <文件名>.framework.yaml"
                    "（指标体系：分值、评分标准，末级指标暂按酌情打分）与 <文件名>.indicators.yaml（各末级指标的报告得分 reported "
                    "与带扣分原因的 judgement 规则，可粘贴进参数文件）。表头上方的表名、合并单元格、上级指标只写一次、"
                    "合计行均可读取；分值不能相加、得分高于分值等问题按工作表、行、列指出。已存在的文件不会被覆盖。",
        epilog="例：evalkit import-framework 评分表.xlsx -o params/2024/frameworks/")
    imp.add_argument("file", metavar="评分表", help="评分表文件（.xlsx 或 .csv）")
    imp.add_argument("--sheet", default=None, metavar="工作表", help="读取的工作表名称（默认第一个工作表）")
    imp.add_argument("--header-row", type=_row_number, default=None, metavar="行号",
                     help="表头所在的行号（默认按列名“一级指标”“分值”自动查找）")
    imp.add_argument("-o", "--output", default=None, metavar="输出文件",
                     help="输出文件夹（以 / 结尾或已存在的文件夹），或输出文件名的前缀；默认与评分表同一文件夹、同名")
    imp.set_defaults(func=_cmd_import_framework)

    forms = sub.add_parser(
        "import-forms", help="导入单位填报的项目支出绩效自评表（.xlsx），每份写出一个参数文件，组成一个批次",
        description="读取一个文件夹（或一个工作簿）中的自评表：按“三级指标 / 年度指标值 / 实际完成值 / 分值”表头找到表格，"
                    "读出表头信息、项目资金、年度总体目标与各项指标（财预〔2020〕10号 附件1 及常见变体；填表说明工作表、"
                    "一个工作簿多张表均可），每份写出 <批次目录>/<工作簿名>.yaml（每个数值注明所在单元格），工作簿复制到 "
                    "<批次目录>/forms/。不能读取的表逐一指出，其余照常写出。之后用 evalkit batch 运行，核对结果列出每处不符。",
        epilog="例：evalkit import-forms 收到的自评表/ params/2024自评")
    forms.add_argument("source", metavar="自评表", help="自评表工作簿（.xlsx）或存放它们的文件夹")
    forms.add_argument("round", metavar="批次目录", help="写出参数文件的批次目录，如 params/2024自评")
    forms.set_defaults(func=_cmd_import_forms)

    audit = sub.add_parser(
        "audit", help="报告自洽性核查：读出报告中带单位的数值，列出前后矛盾之处（audit.html、audit.json）",
        description="读取一份评价报告（.txt、.md、.docx、.pdf），找出每个带单位的数值与日期（阿拉伯与中文数字、万/亿），"
                    "列出前后矛盾之处：所列各项之和与所述合计不符、同一数值前后所述不一致、表格各行之和与合计不符、"
                    "比率与其分子分母不符（含截尾）、评分表中得分高于分值、扣分与得分之和不等于分值、上级指标分值与下级之和不符、"
                    "正文总分与评分表不符、等级与分数不符、不存在的日期、支出超过预算。"
                    "每处注明所在行（PDF 为页）、原句与重算过程，可信度高的在前。",
        epilog="例：evalkit audit 报告/某项目绩效评价报告.docx -o outputs/audit/某项目 --params params/2024/某项目；"
               "evalkit audit 报告/（文件夹中每份报告一页，另有汇总页 index.html）")
    audit.add_argument("report", metavar="报告", help="评价报告：.txt、.md、.docx 或 .pdf；或存放报告的文件夹")
    audit.add_argument("-o", "--output", default=None, metavar="输出目录", help="写出 audit.html 与 audit.json 的目录"
                       "（默认 outputs/audit/<报告名或文件夹名>）")
    audit.add_argument("--params", default=None, metavar="参数文件",
                       help="另写出参数文件草稿 params/<批次>/<项目>.yaml：报告中的数值作为基础数值（注明所在行），"
                            "每处矛盾写成一条核对事项，evalkit run 即重现；已存在的文件不会被覆盖")
    audit.add_argument("--strict", action="store_true", help="发现矛盾时以退出状态 1 结束（供脚本与持续集成判断）")
    audit.set_defaults(func=_cmd_audit)

    pdf = sub.add_parser("print-pdf", help="用无界面 Chromium 把附件打印为 A4 PDF（页眉、页码、带页码的目录、书签）")
    pdf.add_argument("appendix", nargs="+", metavar="附件", help="appendix.html、项目的输出目录，或批次的输出目录（其中每个项目各打印一份）")
    pdf.add_argument("-o", "--output", default=None, metavar="PDF文件", help="PDF 文件（默认写在附件旁边：appendix.pdf）")
    pdf.set_defaults(func=_cmd_print_pdf)

    schema = sub.add_parser(
        "schema", help="写出 params 文件的 JSON Schema（默认写到 params/params.schema.json，参数文件第一行引用它）",
        description="参数文件第一行 # yaml-language-server: $schema=../params.schema.json 引用 params/ 下的这份 schema，"
                    "VS Code 等编辑器据此补全字段、显示中文说明并标出错误。不写 -o 时：当前目录下有 params/ 则写到 "
                    "params/params.schema.json，否则输出到终端；-o - 总是输出到终端。")
    schema.add_argument("-o", "--output", default=None, metavar="文件", help="写入的文件（- 为终端）")
    schema.set_defaults(func=_cmd_schema)
    for command in sub.choices.values():
        # Also after the subcommand (evalkit run p.yaml --debug). SUPPRESS: a subcommand
        # without it must not reset the --debug given before the subcommand.
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="出现内部错误时显示完整的 Python 调用栈")
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A file name in another encoding reaches us as surrogates: show its bytes, never crash on it.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    from evalkit.clitext import chinese

    with chinese():  # argparse's usage, headings and errors in Chinese, as the help texts are
        parser = _parser()
        args, extra = parser.parse_known_args(argv)
        if extra:  # reported by the subcommand that was given them, with its own usage (argparse: the top's)
            command = getattr(args, "command", None)
            (parser.subcommand(command) or parser).error(f"无法识别的参数：{' '.join(extra)}")
    try:
        return int(args.func(args))
    except InputError as exc:
        _print_problems(exc)
        return EXIT_BAD_INPUT
    except MissingDependency as exc:  # an optional library the input needs is not installed: the environment
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except PluginError as exc:  # an installed kind plug-in that cannot be loaded: the environment
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a file that could not be read or written where no command expected it: the environment
        from evalkit.core.errors import os_error_text

        if args.debug:
            raise
        print(f"无法读写文件：{exc.filename or ''}：{os_error_text(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a bare traceback
        if args.debug:
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详情，并请报告此问题）", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
