"""The indicator frameworks shipped with evalkit (``evalkit/frameworks/*.yaml``), found and read.

Reading a file is an input's job; the framework's model and its checks are the
core's (``framework``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evalkit.core.errors import InputError, shown_text
from evalkit.core.framework import Framework, parse_framework
from evalkit.inputs.yamlio import load_yaml

__all__ = ["BUILTIN_SHOWN", "builtin_frameworks", "load_builtin"]

BUILTIN_SHOWN = "evalkit/frameworks/"  # how messages name a built-in framework file


def builtin_frameworks() -> dict[str, Path]:
    """Frameworks shipped with evalkit, by id (file stem)."""
    folder = resources.files("evalkit") / "frameworks"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def load_builtin(name: str) -> tuple[Framework, Path]:
    known = builtin_frameworks()
    if name not in known:
        raise InputError.single(shown_text(name, quote=False), "framework",
                                f"没有名为“{shown_text(name, quote=False)}”的内置指标体系；可用：{'、'.join(sorted(known))}")
    path = known[name]
    shown = f"{BUILTIN_SHOWN}{path.name}"
    return parse_framework(load_yaml(path, shown_as=shown, what="指标体系文件"), shown), path
