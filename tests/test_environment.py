"""Reproducible environments: bounded dependencies and a constraints file that pins the tested set.

A fresh install once pulled a new pandas major version and every appendix
changed; these checks keep pyproject.toml, constraints.txt and the Makefile in
step without installing anything.
"""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT


MAKE_EXTRAS = ("test", "all")  # the extras `make test` and `make demo` install (and constraints.txt pins)
PINS = ROOT / "evalkit" / "constraints.txt"  # in the package, so the wheel carries it; constraints.txt includes it


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    extras = [r for extra in MAKE_EXTRAS for r in project["optional-dependencies"][extra]]
    for requirement in map(Requirement, extras):  # evalkit[lab,survey,…]: the extras `all` stands for
        found += ([Requirement(r) for extra in sorted(requirement.extras) for r in project["optional-dependencies"][extra]]
                  if canonicalize_name(requirement.name) == "evalkit" else [requirement])
    return found


def pins() -> dict[str, str]:
    found = {}
    for line in PINS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version and ";" not in version, f"应为 name==version：{line}"
            found[canonicalize_name(name)] = version
    return found


def test_every_dependency_has_an_upper_bound():
    unbounded = [str(r) for r in requirements() if not any(s.operator in ("<", "<=", "==", "~=") for s in r.specifier)]
    assert not unbounded


def test_constraints_pin_every_dependency_within_its_bounds():
    pinned = pins()
    assert "evalkit" not in pinned
    for requirement in requirements():
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} 未在 constraints.txt 中固定"
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement} 与约束 {version} 矛盾"


def test_make_installs_with_the_constraints():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(STAMP\):.*\bconstraints\.txt\b", makefile, re.M)
    assert f"pip install --quiet -c constraints.txt -e '.[{','.join(MAKE_EXTRAS)}]'" in makefile
    header = PINS.read_text(encoding="utf-8").splitlines()[1]
    assert header == f"# 安装：pip install -c constraints.txt -e '.[{','.join(MAKE_EXTRAS)}]'"  # as make constraints writes it
    assert f"echo \"{header}\"" in makefile
    assert re.search(r"^constraints:", makefile, re.M)


def test_scipy_is_the_survey_extra_not_a_core_dependency():
    """Only a survey's group chi-square tests use scipy (survey/stats.py): a core install leaves it out."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [r for r in project["dependencies"] if Requirement(r).name == "scipy"]
    assert [Requirement(r).name for r in project["optional-dependencies"]["survey"]] == ["scipy"]
    users = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "evalkit").rglob("*.py")
                   if re.search(r"^\s*(from|import) scipy", p.read_text(encoding="utf-8"), re.M))
    assert users == ["evalkit/core/survey/stats.py"]


def test_the_top_level_constraints_file_includes_the_packaged_one():
    """pip install -c constraints.txt from the checkout reads the pins the wheel carries: one file, no copy."""
    lines = [line for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-c evalkit/constraints.txt"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "constraints.txt" in project["tool"]["setuptools"]["package-data"]["evalkit"]
