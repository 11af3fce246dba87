"""Hostile or absurd inputs end as input errors (exit 2), never a hang, a crash or an internal error.

The inputs are generated here at test time (nothing big is committed). The
dangerous ones run in a child process with a timeout, so that a regression
fails this test instead of hanging or killing the test run; none of the
assertions is about time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import MINI_FRAMEWORK
from evalkit.outputs import appendix
from evalkit.core import limits, numbers
from evalkit.core.errors import InputError, shown_value
from evalkit.core.evaluation import evaluate
from evalkit.outputs.html import macros
from evalkit.loader import load_project
from evalkit.inputs.yamlio import ExactLoader, parse_yaml

FRAMEWORK = 'project: {id: "B", name: 炸弹测试}\n' + MINI_FRAMEWORK
REST = """\
inputs:
  done: {name: 完成数, value: 90, unit: 个, source: 台账}
  plan: {name: 计划数, value: 100, unit: 个, source: 计划}
figures:
  - {id: rate, kind: completion_rate, numerator: done, denominator: plan}
findings:
  - {id: F-1, problem: 某问题, indicator: 合规性}
"""


def cli(*args: str, timeout: float = 60) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parent.parent)
    return done.returncode, done.stdout + done.stderr


def refused(path: Path, *fragments: str, named: Path | None = None) -> str:
    """Validate in a child process: exit 2, a message naming the file and each fragment, no traceback.

    ``named`` is the file the message must name when it is not the params file (a data file).
    """
    status, text = cli("validate", str(path))
    assert status == 2, text[:2000]
    assert "Traceback" not in text and "请报告此问题" not in text and "内部错误" not in text, text[:2000]
    assert text.startswith("输入有误") and f"  {named or path}: " in text, text[:2000]
    for fragment in fragments:
        assert fragment in text, f"missing {fragment!r} in:\n{text[:2000]}"
    assert len(text) < 5000, "the message itself must be bounded"
    return text


def write(tmp_path: Path, text: str, name: str = "project.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ["a0: &a0 [哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


# --- YAML: alias bombs, nesting, keys --------------------------------------------------------------


def test_alias_bomb_referenced_from_a_text_field(tmp_path):
    bomb = billion_laughs()  # 10^10 nodes when expanded, under 1 KB on disk
    path = write(tmp_path, "x-bomb:\n" + textwrap.indent(bomb, "  ") +
                 FRAMEWORK.replace("name: 炸弹测试", "name: *a9") + REST)
    text = refused(path, f"超过 {limits.MAX_YAML_NODES:,} 个节点", "锚点与别名")
    assert "第 " in text and " 行" in text


def test_alias_bomb_of_mappings_through_merge_keys(tmp_path):
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]
    for i in range(1, 10):
        lines.append(f"m{i}: &m{i} [" + ", ".join(f"{{<<: *m{i - 1}, k: {j}}}" for j in range(8)) + "]")
    path = write(tmp_path, "x-bomb:\n" + textwrap.indent("\n".join(lines) + "\n", "  ") + FRAMEWORK + REST)
    refused(path, f"超过 {limits.MAX_YAML_NODES:,} 个节点")


def test_alias_expansion_is_counted_before_anything_is_built():
    bomb = billion_laughs(levels=30, width=2)  # 2^30 leaves: the count is refused, nothing is expanded
    with pytest.raises(InputError, match="个节点"):
        parse_yaml(bomb, "bomb.yaml")


def test_moderate_aliases_are_still_allowed():
    data = parse_yaml(billion_laughs(levels=3, width=10), "ok.yaml")  # 10,000 leaves
    assert len(data["a3"]) == 10 and data["a3"][0] is data["a2"]


@pytest.mark.parametrize("shape", ["flow_lists", "flow_mappings", "block_lists", "block_mappings"])
def test_fifty_thousand_levels_of_nesting(tmp_path, shape):
    n = 50_000
    if shape == "flow_lists":
        deep = "summary: " + "[" * n + "]" * n + "\n"
    elif shape == "flow_mappings":
        deep = "summary: " + "{a: " * n + "1" + "}" * n + "\n"
    elif shape == "block_lists":
        deep = "summary:\n  " + "- " * n + "x\n"  # each "- " opens a nested list
    else:  # deep indentation: 50,000 levels would be over a gigabyte, so as deep as fits in 4 MB
        deep = "summary:\n" + "".join(" " * (i + 2) + f"k{i}:\n" for i in range(2_800))
    path = write(tmp_path, FRAMEWORK + REST + deep)
    refused(path, f"YAML 嵌套过深：超过 {limits.MAX_YAML_DEPTH} 层", "第 ")


def test_depth_through_an_alias_counts():
    depth = limits.MAX_YAML_DEPTH - 10
    text = "a: &a " + "[" * depth + "]" * depth + "\n" + "b: " + "[" * 20 + "*a" + "]" * 20 + "\n"
    with pytest.raises(InputError, match=r"别名 \*a 展开后"):
        parse_yaml(text, "deep.yaml")


def test_nesting_within_the_limit_loads():
    depth = limits.MAX_YAML_DEPTH - 1
    data = parse_yaml("[" * depth + "]" * depth, "ok.yaml")
    for _ in range(depth - 1):
        data = data[0]
    assert data == []


@pytest.mark.parametrize(("text", "message"), [
    ("? [a, b]\n: 1\n", "映射的键应为名称（文本），实际为列表"),
    ("{[1, 2]: x}\n", "映射的键应为名称（文本），实际为列表"),
    ("x: {{a: 1}: 2}\n", "映射的键应为名称（文本），实际为映射"),
    ("x: !!set {[1]: null}\n", "映射的键应为名称（文本），实际为列表"),
    ("a: 1\na: 2\n", "键“a”重复出现"),
    ("x: !!int abc\n", "应为整数"),
    ("x: !!int ''\n", "应为整数"),
    ("x: !!float ''\n", "应为数字"),
    ("x: !!timestamp soon\n", "应为有效的日期或时间"),
    ("x: !!timestamp 2024-02-30\n", "应为有效的日期或时间"),
    ("x: !!bool yes\n", "应为 true 或 false"),
    ("x: !!int 1_000\n", "应为整数"),
    ("x: !!float 1_000.5\n", "应为数字"),
    ("x: !!bool maybe\n", "应为 true 或 false"),
])
def test_bad_keys_and_tags_are_located_errors(text, message):
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "keys.yaml")
    shown = str(caught.value)
    assert shown.startswith("keys.yaml: 第 ") and message in shown, shown


def test_scalar_keys_are_names_as_written():
    data = yaml.load("1: a\ntrue: b\nnull: c\n1.50: d\n2024-01-01: e\n~: f\n", Loader=ExactLoader)
    assert data == {"1": "a", "true": "b", "null": "c", "1.50": "d", "2024-01-01": "e", "~": "f"}


def test_merge_keys_may_be_overridden():
    data = parse_yaml("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\n", "merge.yaml")
    assert data["use"] == {"x": 1, "y": 3}


# --- plain scalars as YAML 1.2 (core schema) reads them, as every current editor shows them -------


@pytest.mark.parametrize(("written", "read"), [
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("n", "n"), ("Yes", "Yes"), ("OFF", "OFF"),
    ("null", None), ("Null", None), ("NULL", None), ("~", None), ("", None), ("nULL", "nULL"),
    ("1_000.00", "1_000.00"), ("4_8", "4_8"), ("1:30", "1:30"), ("190:20:30", "190:20:30"), ("0b11", "0b11"),
    ("2024-05-03", "2024-05-03"), ("2024-05-03 10:00:00", "2024-05-03 10:00:00"), ("=", "="),
    ("12", 12), ("+12", 12), ("-7", -7), ("0", 0), ("-0", 0),
    ("192.46", Decimal("192.46")), ("1e3", Decimal("1E+3")), ("1.5E-2", Decimal("0.015")), (".5", Decimal("0.5")),
    ("5.", Decimal("5")), ("-.25", Decimal("-0.25")), ("0110.5", Decimal("110.5")),
])
def test_plain_scalars_resolve_as_yaml_12(written, read):
    value = parse_yaml(f"x: {written}\n", "t.yaml")["x"]
    assert value == read and type(value) is type(read), (written, value)


@pytest.mark.parametrize(("written", "message"), [
    ("0110", "以 0 开头：YAML 1.1 的程序把它读作八进制数 72，YAML 1.2 读作 110"),
    ("-017", "读作八进制数 -15，YAML 1.2 读作 -17"),
    ("0119", "YAML 1.1 的程序把它读作文字，YAML 1.2 读作 119"),
    ("0o17", "是八进制整数（YAML 1.2 读作 15）"),
    ("0x5A", "是十六进制整数（YAML 1.2 读作 90）"),
])
def test_integers_read_differently_by_yaml_versions_are_refused(written, message):
    with pytest.raises(InputError) as caught:
        parse_yaml(f"project:\n  code: {written}\n", "t.yaml")
    shown = str(caught.value)
    assert shown.startswith("t.yaml: 第 2 行第 9 列") and message in shown and "加引号" in shown, shown
    assert parse_yaml(f'code: "{written}"\n', "t.yaml") == {"code": written}


def test_the_same_words_quoted_and_as_keys_are_text():
    assert parse_yaml('a: "yes"\nb: "true"\nyes: 1\non: 2\n', "t.yaml") == {"a": "yes", "b": "true", "yes": 1, "on": 2}


# --- numbers at the limits ------------------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "1.0e+999999999", "1.0e-999999999", "-1.5e+31", "1.0e-31", "0.0e-999999", "9" * 5000,
    "1" * (limits.MAX_NUMBER_DIGITS + 1), "0x" + "f" * 200, "0." + "0" * 40 + "1",
])
def test_numbers_beyond_the_limits_are_refused_where_written(written):
    with pytest.raises(InputError) as caught:
        parse_yaml(f"project:\n  weight: {written}\n", "n.yaml")
    shown = str(caught.value)
    assert shown.startswith("n.yaml: 第 2 行") and "数值超出范围" in shown
    assert f"最多 {limits.MAX_NUMBER_DIGITS} 位有效数字" in shown and len(shown) < 300


@pytest.mark.parametrize("written", ["1.0e+30", "-9.99e30", "1.0e-30", "1" * (limits.MAX_NUMBER_DIGITS - 1) + ".1e-10",
                                     "1" * 31, "0.0", "12.50"])
def test_numbers_within_the_limits_load(written):
    value = parse_yaml(f"x: {written}\n", "n.yaml")["x"]
    assert Decimal(value) == Decimal(written.replace("e", "E"))


def test_five_thousand_digit_integer_through_the_cli(tmp_path):
    path = write(tmp_path, FRAMEWORK.replace("weight: 100\n      children", "weight: " + "9" * 5000 +
                                             "\n      children", 1) + REST)
    refused(path, "数值超出范围：99999999999999999999…（共 5,000 个字符）", "第 6 行")


def test_huge_data_cell(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("单位,金额\n甲,1\n乙," + "7" * 1_000_000 + "\n", encoding="utf-8")
    path = write(tmp_path, FRAMEWORK + REST.replace(
        "figures:\n", "figures:\n  - {id: total, kind: sum, table: t, column: 金额}\n")
        + "tables:\n  t: {file: data/t.csv, title: 明细表, units: {金额: 元}}\n")
    refused(path, "第 3 行“金额”列", "数值超出范围：77777777777777777777…（共 1,000,000 个字符）",
            named=tmp_path / "data" / "t.csv")


def test_largest_allowed_numbers_compute_without_internal_errors(tmp_path):
    """40 significant digits at 1e30 flow through sums, rates, scores and formatting."""
    big = "1234567890123456789012345678901.234567890"  # 40 digits, adjusted exponent 30
    assert numbers.in_range(Decimal(big))
    (tmp_path / "data").mkdir()
    rows = "".join(f"单位{i},{big}\n" for i in range(300))
    (tmp_path / "data" / "t.csv").write_text("单位,金额\n" + rows, encoding="utf-8")
    path = write(tmp_path, FRAMEWORK + textwrap.dedent(f"""\
        inputs:
          done: {{name: 完成数, value: {big}, unit: 元, source: 台账}}
          plan: {{name: 计划数, value: 0.000000000000000000000000000001, unit: 元, source: 计划}}
          stated: {{name: 所述合计, value: 9.99e+30, unit: 元, source: 报告}}
        figures:
          - {{id: rate, kind: completion_rate, numerator: done, denominator: plan, places: 8}}
          - {{id: total, kind: sum, table: t, column: 金额, places: 8}}
        findings:
          - {{id: F-1, problem: 某问题, indicator: 合规性}}
        checks:
          - {{kind: sum, name: 明细合计, column: {{table: t, column: 金额}}, total: {{figure: stated}}}}
        tables:
          t: {{file: data/t.csv, title: 明细表, units: {{金额: 元}}}}
        """))
    status, text = cli("validate", str(path))
    assert status == 0, text
    assert "有效" in text


# --- files that are not regular files or are too large --------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_params_file_that_is_a_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "project.yaml"
    os.mkfifo(fifo)
    refused(fifo, "应为普通参数文件")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_framework_file_that_is_a_fifo_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "framework.yaml")
    path = write(tmp_path, "project: {id: B, name: 测试}\nframework: framework.yaml\n")
    refused(path, "应为普通指标体系文件", named=tmp_path / "framework.yaml")


def test_params_file_too_large(tmp_path):
    path = tmp_path / "project.yaml"
    with path.open("wb") as handle:  # sparse: nothing is written, and nothing must be read
        handle.truncate(limits.MAX_YAML_BYTES + 1)
    refused(path, "参数文件过大", f"上限为 {limits.describe_size(limits.MAX_YAML_BYTES)}")


def test_params_path_is_a_directory(tmp_path):
    folder = tmp_path / "project.yaml"
    folder.mkdir()
    refused(folder, "实际为目录")


def test_params_file_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "project.yaml"
    path.write_bytes("project: {id: B}\nname: 测试\n".encode("gbk"))
    refused(path, "第 2 行", "不是 UTF-8 编码")


def test_params_file_with_bom(tmp_path):
    path = tmp_path / "project.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (FRAMEWORK + REST).encode("utf-8"))
    status, text = cli("validate", str(path))
    assert status == 0, text


# --- messages never render a whole value ----------------------------------------------------------


def test_messages_render_values_bounded():
    laughs: list = ["哈"] * 10
    for _ in range(9):
        laughs = [laughs] * 10  # 10^10 elements if rendered whole
    assert len(shown_value(laughs)) <= 60
    assert len(shown_value(10 ** 5000)) <= 60  # int -> str of 5,000 digits is refused by Python itself
    assert len(shown_value(Decimal("1e999999999"))) <= 60
    assert len(shown_value(Decimal("7" * 100_000))) <= 60
    assert len(shown_value("字" * 10_000_000)) <= 60
    assert len(shown_value({"k" * 1000: ["v" * 1000] * 1000})) <= 60


def test_a_long_text_value_in_a_message_is_cut(tmp_path):
    path = write(tmp_path, FRAMEWORK.replace("name: 炸弹测试", "name: [" + ", ".join(["很长的名字"] * 100_000) + "]")
                 + REST)
    text = refused(path, "project.name: 应为文本")
    assert len(text) < 1000


# --- long tables in the appendix ------------------------------------------------------------------


def test_template_listing_limit_is_the_table_limit():
    assert macros().LISTED == limits.MAX_TABLE_ROWS_SHOWN
    assert macros().EDGE == appendix.TABLE_EDGE_ROWS


@pytest.fixture(scope="module")
def long_table(tmp_path_factory):
    n = limits.MAX_TABLE_ROWS_SHOWN * 10
    folder = tmp_path_factory.mktemp("long")
    (folder / "data").mkdir()
    rows = "".join(f"单位{i},{i}.25,1,{i + 1}.25\n" for i in range(n - 1)) + f"单位{n - 1},{n - 1}.25,1,0\n"
    (folder / "data" / "t.csv").write_text("单位,金额,数量,合计\n" + rows, encoding="utf-8")
    path = folder / "project.yaml"
    rest = REST.replace("figures:\n", "figures:\n  - {id: total, kind: sum, table: t, column: 金额}\n")
    path.write_text(FRAMEWORK + rest + textwrap.dedent("""\
        checks:
          - {kind: sum, name: 明细合计, column: {table: t, column: 金额}, total: {value: 1, unit: 元, source: 报告}}
          - {kind: identity, name: 逐行, table: t, equation: "合计 = 金额 + 数量"}
        tables:
          t: {file: data/t.csv, title: 明细表, units: {金额: 元}}
        """), encoding="utf-8")
    return n, evaluate(load_project(path))


def test_long_table_is_summarised_in_the_appendix(long_table):
    n, ev = long_table
    html = appendix.base_data(ev).html
    edge = appendix.TABLE_EDGE_ROWS
    assert f"共 {n:,} 行、4 列" in html and "完整数据见数据文件 t.csv（" in html and "data/t.csv" not in html
    assert f"… 中间省略 {n - 2 * edge:,} 行（第 {edge + 2} 至第 {n - edge + 1} 行）…" in html  # file lines
    assert ">单位0<" in html and f">单位{edge - 1}<" in html and f">单位{n - 1}<" in html
    assert f">单位{edge}<" not in html and f">单位{n // 2}<" not in html
    assert html.count("ek-rownum") == 2 * edge


def test_sum_over_a_long_column_lists_first_and_last_addends(long_table):
    n, ev = long_table
    total = next(f for f in ev.figures if f.key == "total")
    assert total.value == sum((Decimal(i) + Decimal("0.25") for i in range(n)), Decimal(0))  # all rows count
    html = appendix.calculations(ev).html
    edge = appendix.TABLE_EDGE_ROWS
    assert f"数据来源（{n:,} 项，列示前 {edge} 项与后 {edge} 项" in html
    assert f"… 中间省略 {n - 2 * edge:,} 项 …" in html
    # each listed addend cites its row, and the rows listed are the ones 基础数据 shows (first and last), so each links to it
    cited = re.findall(r'；来源：<a href="#(row-[0-9a-f]+-(\d+))">明细表第 (\d+) 行</a>', html)
    assert len(cited) == 2 * edge and all(line == shown for _, line, shown in cited)
    rows = appendix.base_data(ev).html
    assert all(f'<tr id="{anchor}">' in rows for anchor, _, _ in cited)


def test_long_check_lists_only_the_rows_that_failed(long_table):
    n, ev = long_table
    html = appendix.checks(ev).html
    assert f"另有 {n - 1:,} 行通过核对，未逐行列示" in html
    assert f"第 {n + 1} 行（单位{n - 1}）" in html  # the one failing row is listed, by its line in the file
    assert html.count("ek-row-passed") == 0
    small = [c for c in ev.checks if c.kind == "identity"][0]
    assert len(small.rows) == n  # the check itself still has every row


def test_a_long_check_renders_alone_too(long_table):
    n, ev = long_table
    identity = [c for c in ev.checks if c.kind == "identity"][0]
    assert f"另有 {n - 1:,} 行通过核对" in identity._repr_html_()


def test_section_numbers_do_not_run_out():
    assert [appendix._numeral(i) for i in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]


def test_too_many_nodes_without_aliases_says_so(monkeypatch):
    monkeypatch.setattr(limits, "MAX_YAML_NODES", 1000)
    with pytest.raises(InputError, match="超过 1,000 个节点（数值、文字、列表或映射）") as caught:
        parse_yaml("x: [" + ", ".join(["1"] * 2000) + "]\n", "many.yaml")
    assert "锚点" not in str(caught.value)


def test_params_are_parsed_by_libyaml_where_pyyaml_has_it():
    """ExactLoader composes with libyaml's parser (yaml.cyaml.CParser), not PyYAML's pure-Python one.

    ``yaml.CParser`` is not a top-level name of PyYAML; looking it up there silently gave the
    pure-Python parser, several times slower on every params and framework file.
    """
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    from yaml.cyaml import CParser

    assert ExactLoader.__mro__[1] is CParser
    assert yaml.parser.Parser not in ExactLoader.__mro__
    assert parse_yaml("a: 1.50\nb: [x, 2]\n", "f") == {"a": Decimal("1.50"), "b": ["x", 2]}
