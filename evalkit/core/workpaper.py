"""Working-paper metadata (底稿索引号, 编制人/日期, 复核人/日期/意见) and evidence citations.

A printed appendix is filed as a working paper: it carries an index number and
the names and dates of who prepared and who reviewed it. These models are the
params side of that (``workpaper:``); the reviewer normally signs in a sidecar
file instead (``evalkit signoff``, see ``signoff``), so that signing does not
change the params file the reviewer approved.

An evidence citation (``evidence:`` on a checklist item) names the document
and page an evaluator relied on, so a reader can find it in the file.
"""

from __future__ import annotations

import unicodedata

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from evalkit.core.fields import Model, Text

__all__ = ["DateText", "Evidence", "PersonName", "Workpaper", "evidence_text", "parse_date"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_HINT = "应为日期，格式 YYYY-MM-DD（如 2026-11-30）"


def parse_date(value: Any) -> str:
    """A calendar date as ``YYYY-MM-DD``; YAML reads an unquoted 2026-11-30 as a date, a quoted one as text."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"{DATE_HINT}，不含时刻；实际为 {value.isoformat(sep=' ')}")
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        shown = ("true" if value else "false") if isinstance(value, bool) else str(value)[:40]
        raise ValueError(f"{DATE_HINT}；实际为 {shown}")
    text = value.strip()
    if not _DATE.fullmatch(text):
        raise ValueError(f"{DATE_HINT}；实际为“{text[:40]}”")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{DATE_HINT}；“{text}”不是存在的日期") from None


DateText = Annotated[
    str,
    BeforeValidator(parse_date),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "日期，格式 YYYY-MM-DD"}),
]
"""A date written YYYY-MM-DD (quoted or not), kept as that text."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def person_name(value: Any) -> Any:
    """A name on one line: a newline or control character in a signature would forge another field."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("应写姓名，不能为空")
        if _CONTROL.search(value):
            raise ValueError("姓名不能含换行或控制字符")
        # a name of zero-width or direction marks (U+200B, U+202E …) reads as nobody, or as another name
        invisible = [c for c in value if unicodedata.category(c) in ("Cf", "Zl", "Zp", "Co", "Cn")]
        if invisible:
            raise ValueError(f"姓名含不可见或改变文字方向的字符 U+{ord(invisible[0]):04X}；请写出复核人的姓名")
    return value


PersonName = Annotated[str, BeforeValidator(person_name), Field(max_length=50)]


class Workpaper(Model):
    """底稿信息：列示于附件页首，并记入 results.json。"""

    index: Text = Field("", max_length=100, description="底稿索引号，如 ZB-2024-001（附件页眉与打印页眉列示）")
    preparer: PersonName | None = Field(None, description="编制人")
    prepared: DateText | None = Field(None, description="编制日期，格式 YYYY-MM-DD")
    reviewer: PersonName | None = Field(
        None, description="复核人；通常由复核人用 evalkit signoff 写在签署文件中，不必写在参数文件里")
    reviewed: DateText | None = Field(None, description="复核日期，格式 YYYY-MM-DD（与 reviewer 一起写）")
    opinion: Text = Field("", max_length=500, description="复核意见（与 reviewer 一起写）")
    review_levels: list[Annotated[str, Field(min_length=1, max_length=10)]] = Field(
        default_factory=lambda: ["复核"], min_length=1, max_length=3,
        description="复核层级，编制之后依次签署（evalkit signoff --level），如 [复核, 审定] 或 [一级复核, 二级复核, 审定]；"
                    "默认只有“复核”一级。同一人不能签署两级，编制人不能签署任何一级；有未解决的复核意见时不能签署最后一级")

    @model_validator(mode="after")
    def _review_complete(self) -> "Workpaper":
        names = [" ".join(level.split()) for level in self.review_levels]
        if any(not name for name in names):
            raise ValueError("review_levels 中的层级名称不能为空")
        if len(set(names)) != len(names):
            raise ValueError(f"review_levels 中的层级名称重复：{'、'.join(names)}")
        if "编制" in names:
            raise ValueError("review_levels 列的是编制之后的复核层级，不含“编制”（编制人写在 preparer）")
        self.review_levels[:] = names
        if self.reviewer is None and (self.reviewed is not None or self.opinion):
            raise ValueError("写了复核日期或复核意见，但没有写复核人（reviewer）")
        if self.reviewer is not None and self.reviewed is None:
            raise ValueError("写了复核人，还应写复核日期（reviewed: YYYY-MM-DD）")
        if self.reviewed is not None and self.prepared is not None and self.reviewed < self.prepared:
            raise ValueError(f"复核日期 reviewed（{self.reviewed}）早于编制日期 prepared（{self.prepared}）："
                             "复核应在编制之后；请核对两个日期")
        return self


_PAGES = re.compile(r"\d+(\s*[-–~至]\s*\d+)?(\s*[、,，]\s*\d+(\s*[-–~至]\s*\d+)?)*")


def _page(value: Any) -> Any:
    """A page number (12), a range (12-13) or a list (12、15); refused otherwise, so 第 x 页 reads right."""
    if isinstance(value, bool):
        raise ValueError("应为页码（正整数，如 12，或范围，如 12-13）；实际为 " + ("true" if value else "false"))
    if isinstance(value, int) or (hasattr(value, "as_integer_ratio") and not isinstance(value, str)):
        if value != int(value) or int(value) < 1 or int(value) >= 10**6:
            raise ValueError(f"应为页码（正整数，如 12，或范围，如 12-13）；实际为 {value}")
        return str(int(value))
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("第") and text.endswith("页"):
            text = text[1:-1].strip()
        if any(len(n) > 6 for n in re.findall(r"\d+", text)):  # a document of a million pages is a typo
            raise ValueError(f"页码过大：应为不超过 6 位的正整数，如 12；实际为“{value[:40]}”")
        if _PAGES.fullmatch(text) and all(int(n) >= 1 for n in re.findall(r"\d+", text)):
            for start, end in re.findall(r"(\d+)\s*[-–~至]\s*(\d+)", text):
                if int(start) > int(end):
                    raise ValueError(f"页码范围 {start}-{end} 前大后小：范围应由小到大，如 {end}-{start}；实际为“{value[:40]}”")
            return text
        raise ValueError(f"应为页码（正整数，如 12，或范围，如 12-13）；实际为“{value[:40]}”")
    raise ValueError("应为页码（正整数，如 12，或范围，如 12-13）")


Page = Annotated[str, BeforeValidator(_page),
                 WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string"}],
                                 "description": "页码，如 12，或范围 12-13"})]


class Evidence(Model):
    """依据：评价要点所依据的文件名称与页码。"""

    document: Text = Field(min_length=1, max_length=200, description="依据的文件名称，如《项目实施方案》或文号")
    page: Page | None = Field(None, description="页码，如 12，或范围 12-13")


def _evidence(value: Any) -> Any:
    """The short form: ``evidence: 《项目实施方案》第 12 页`` is the document text as written."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("依据不能为空；写文件名称与页码，如 evidence: {document: 《项目实施方案》, page: 12}")
        return {"document": text}
    return value


EvidenceField = Annotated[Evidence, BeforeValidator(_evidence)]


def evidence_text(evidence: Evidence) -> str:
    """“依据：《项目实施方案》第 12 页” as the working shows it."""
    page = f"第 {evidence.page} 页" if evidence.page else ""
    return f"依据：{evidence.document}{page}"
