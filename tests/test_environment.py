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


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    return found + [Requirement(r) for r in project["optional-dependencies"]["test"]]


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
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
    assert "pip install --quiet -c constraints.txt -e '.[test,dask]'" in makefile
    assert re.search(r"^constraints:", makefile, re.M)
