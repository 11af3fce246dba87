"""The built wheel is a working evalkit: complete package data, run from anywhere, ``python -m evalkit``.

Only the editable install was ever exercised, and it reads templates and the
workbook from the checkout; a wheel missing them failed for every new user
(issue 15). So the wheel is built from a copy of the sources, installed into a
fresh virtual environment outside the repository, and run from another folder.

No network: the build uses the test environment's setuptools
(``--no-build-isolation``; the ``test`` extra requires setuptools>=77), and the
fresh environment borrows the dependencies by a .pth line naming this
environment's site-packages. .pth files inside a directory added that way are
not processed, so the editable evalkit's finder stays invisible; the installed
evalkit's ``__file__`` is checked anyway.
"""

from __future__ import annotations

import argparse
import os
import shutil
import site
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from conftest import ROOT
from evalkit import cli

PROJECT_NAME = "车站便民服务点改造"


def _setuptools_can_build() -> bool:
    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 77  # SPDX `license = "MIT"` in pyproject needs it


def _clean_env() -> dict[str, str]:
    """This environment minus whatever would put the repository's evalkit on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _run(args: list, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace")
    assert done.returncode == 0, f"{args}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not _setuptools_can_build():
        pytest.skip("构建 wheel 需要 setuptools>=77（pip install -e '.[test]' 会安装）")
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("evalkit", "workbooks"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", dist, source], cwd=source)
    (built,) = dist.glob("evalkit-*.whl")
    return built


def test_wheel_holds_every_package_file_and_the_workbook(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"evalkit/{p.relative_to(ROOT / 'evalkit').as_posix()}" for p in (ROOT / "evalkit").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    expected |= {f"evalkit/workbooks/{p.name}" for p in (ROOT / "workbooks").glob("*.ipynb")}
    assert "evalkit/templates/nbconvert/evalkit/appendix.css" in expected and "evalkit/workbooks/project_evaluation.ipynb" in expected
    assert sorted(expected - names) == []


def test_installed_wheel_makes_an_appendix_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = _clean_env()
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=tmp_path, env=env).stdout.strip())
    # The dependencies, borrowed without download; the editable evalkit's .pth there is not processed.
    borrowed = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (purelib / "evalkit_test_deps.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")
    # …and their data files (nbconvert's base templates live in <prefix>/share/jupyter, not in a package).
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
         cwd=tmp_path, env=env)

    work = tmp_path / "work"
    work.mkdir()
    where = _run([python, "-c", "import evalkit; print(evalkit.__file__)"], cwd=work, env=env).stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where
    assert not Path(where).resolve().is_relative_to(ROOT)

    _run([python, "-m", "evalkit", "new", "project", "params/r/p"], cwd=work, env=env)
    params = work / "params" / "r" / "p.yaml"
    text = params.read_text(encoding="utf-8")
    assert "name: （请填写项目名称）" in text
    params.write_text(text.replace("name: （请填写项目名称）", f"name: {PROJECT_NAME}", 1), encoding="utf-8")
    _run([python, "-m", "evalkit", "run", "params/r/p.yaml", "--debug"], cwd=work, env=env)

    out = work / "outputs" / "r" / "p"
    assert (out / "scores.docx").is_file() and (out / "results.json").is_file()
    appendix = (out / "appendix.html").read_text(encoding="utf-8")
    assert PROJECT_NAME in appendix
    import json

    recorded = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["constraints"]
    assert recorded["name"] == "constraints.txt" and recorded["differs"] == []  # the wheel's own pins, all met


def test_wheel_and_sdist_carry_the_licence_the_pins_and_their_metadata(wheel, tmp_path):
    """What a package index is given: the wheel and the sdist each hold LICENSE and the tested pins, and their
    metadata say MIT with the README as the description (so publishing is one command)."""
    import tarfile

    names = zipfile.ZipFile(wheel).namelist()
    info = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata_text = zipfile.ZipFile(wheel).read(info).decode("utf-8")
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names) and "evalkit/constraints.txt" in names
    assert "License-Expression: MIT" in metadata_text and "License-File: LICENSE" in metadata_text
    assert "Provides-Extra: all" in metadata_text and "## 安装与示例" in metadata_text  # the README, in full
    source = next(p for p in wheel.parents[1].iterdir() if p.name.startswith("source"))  # the wheel fixture's copy
    _run([sys.executable, "-c", "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))",
          tmp_path], cwd=source)
    (sdist,) = tmp_path.glob("evalkit-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
        pkg_info = archive.extractfile(next(m for m in archive.getmembers() if m.name.endswith("/PKG-INFO"))).read()
    assert {"LICENSE", "README.md", "pyproject.toml", "evalkit/constraints.txt",
            "workbooks/project_evaluation.ipynb"} <= members
    assert b"License-Expression: MIT" in pkg_info


def test_python_dash_m_evalkit_is_the_evalkit_command():
    done = subprocess.run([sys.executable, "-m", "evalkit", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == f"evalkit {cli.__version__}"
    done = subprocess.run([sys.executable, "-m", "evalkit", "validate"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "evalkit validate" in done.stderr


@pytest.mark.parametrize("argv, debug", [
    (["run", "p.yaml"], False),
    (["--debug", "run", "p.yaml"], True),
    (["run", "p.yaml", "--debug"], True),
    (["run", "--debug", "p.yaml"], True),
    (["batch", "params/r", "--debug"], True),
    (["schema", "--debug"], True),
])
def test_debug_before_or_after_the_subcommand(argv, debug):
    assert cli._parser().parse_args(argv).debug is debug


def test_debug_after_the_subcommand_shows_the_traceback(monkeypatch, capsys):
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_cmd_schema", broken)
    assert cli.main(["schema"]) == 1
    assert "内部错误：RuntimeError: boom" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["schema", "--debug"])
