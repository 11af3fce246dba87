"""Survey charts with Chinese labels, as PNG bytes for the appendix.

The CJK font comes from the ``noto-cjk-sans-otc`` package, a dependency of
evalkit, so charts render the same on every machine without a system font.
Bar lengths are drawn from the integer counts; every number printed on a
chart is formatted from the exact figures by ``numbers``.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Iterator, Sequence

import numpy as np

from evalkit.core import numbers

__all__ = ["FONT_FAMILY", "distribution_chart", "group_chart", "font_path"]

FONT_FAMILY = "Noto Sans CJK SC"  # the SC face of the collection; the JP face would draw some characters in Japanese forms
# best → worst: greens to reds, readable in greyscale print too
_COLOURS = {4: ["#1a7f37", "#7cc47f", "#f4a259", "#c0392b"],
            5: ["#1a7f37", "#7cc47f", "#d9d9d9", "#f4a259", "#c0392b"],
            7: ["#0b5d1e", "#1a7f37", "#7cc47f", "#d9d9d9", "#f6c28b", "#f4a259", "#c0392b"]}


def font_path() -> str:
    from noto_cjk_sans_otc import FONT_PATH

    return str(FONT_PATH)


@lru_cache(maxsize=1)
def _register_font() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    font_manager.fontManager.addfont(font_path())


@contextmanager
def _style() -> Iterator[None]:
    _register_font()
    import matplotlib.pyplot as plt

    rc = {
        "font.family": FONT_FAMILY,
        "axes.unicode_minus": False,
        "svg.hashsalt": "evalkit",
        "figure.dpi": 100,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with plt.rc_context(rc):
        yield


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    # No Software/creation metadata: the same data must give the same bytes.
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _colours(k: int) -> list[str]:
    if k in _COLOURS:
        return _COLOURS[k]
    import matplotlib

    cmap = matplotlib.colormaps["RdYlGn_r"]
    return [matplotlib.colors.to_hex(cmap(i / max(k - 1, 1))) for i in range(k)]


def distribution_chart(names: Sequence[str], labels: Sequence[str], counts: Sequence[Sequence[int]]) -> bytes:
    """One stacked bar per question: each option's share of the valid answers."""
    with _style():
        import matplotlib.pyplot as plt

        data = np.asarray(counts, dtype=np.int64)
        valid = data.sum(axis=1, keepdims=True)
        shares = np.divide(data * 100, valid, out=np.zeros(data.shape), where=valid > 0)
        height = 0.9 + 0.42 * len(names)
        fig, ax = plt.subplots(figsize=(8.8, height))
        left = np.zeros(len(names))
        y = np.arange(len(names))[::-1]
        for i, (label, colour) in enumerate(zip(labels, _colours(len(labels)), strict=True)):
            ax.barh(y, shares[:, i], left=left, color=colour, edgecolor="white", height=0.7, label=label)
            for row in range(len(names)):
                if shares[row, i] >= 6:
                    share = numbers.safe_divide(Decimal(int(data[row, i])) * 100, Decimal(int(valid[row, 0])))
                    pct = numbers.format_percent(share, 0)
                    ax.text(left[row] + shares[row, i] / 2, y[row], pct, ha="center", va="center", fontsize=8,
                            color="white" if i in (0, len(labels) - 1) else "#1f2328")
            left += shares[:, i]
        ax.set_yticks(y, list(names))
        ax.set_xlim(0, 100)
        ax.set_xlabel("占有效回答的百分比（%）")
        ax.set_title("各题回答分布", loc="left", fontsize=12, pad=26)
        ax.legend(ncols=len(labels), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=9,
                  handlelength=1.2, columnspacing=1.2, borderaxespad=0.2)
        return _png(fig)


def group_chart(column: str, groups: Sequence[str], sizes: Sequence[int], overall: Sequence[Decimal | None]) -> bytes:
    """Horizontal bars of each group's weighted satisfaction rate, labelled with the exact figure."""
    with _style():
        import matplotlib.pyplot as plt

        # Bar lengths are drawing coordinates only; the printed labels come from the exact decimals.
        lengths = np.array([v if v is not None else 0 for v in overall], dtype=np.float64)
        fig, ax = plt.subplots(figsize=(8.8, 0.8 + 0.45 * len(groups)))
        y = np.arange(len(groups))[::-1]
        ax.barh(y, lengths, color="#4c78a8", height=0.6)
        for yy, length, value in zip(y, lengths, overall, strict=True):
            text = "无有效回答" if value is None else numbers.format_percent(value)
            ax.text(length + 1, yy, text, va="center", fontsize=9)
        ax.set_yticks(y, [f"{g}（n={n}）" for g, n in zip(groups, sizes, strict=True)])
        ax.set_xlim(0, 112)
        ax.set_xlabel("加权满意率（%）")
        ax.set_title(f"按“{column}”分组的加权满意率", loc="left", fontsize=12)
        return _png(fig)
