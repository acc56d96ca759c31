"""Can the installed versions drift from what CI tested? (issue 11, item 8)

``pyproject.toml`` names ranges; ``requirements.txt`` and ``requirements-test.txt`` pin
what ``bin/demo``, ``bin/test`` and CI install (``bin/lock`` writes them). A range edited
without re-locking, or a pin outside its range, would install something nobody tested.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


def _requirements(*groups: list[str]) -> list[Requirement]:
    return [Requirement(line) for group in groups for line in group]


APP = _requirements(PROJECT["dependencies"])
TEST = _requirements(PROJECT["dependencies"], PROJECT["optional-dependencies"]["test"])


@pytest.mark.parametrize(("lock", "requirements"), [("requirements.txt", APP), ("requirements-test.txt", TEST)])
def test_every_dependency_is_pinned_inside_its_range(lock: str, requirements: list[Requirement]) -> None:
    pins = _pins(lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {lock}: run bin/lock"
        assert requirement.specifier.contains(pins[name]), f"{lock} pins {name}=={pins[name]}, outside {requirement}"


def test_every_dependency_has_an_upper_bound() -> None:
    for requirement in TEST:
        assert any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier), requirement


def test_the_app_and_its_tests_pin_the_same_versions() -> None:
    app, test = _pins("requirements.txt"), _pins("requirements-test.txt")

    assert {name: test.get(name) for name in app} == app


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-test.txt"])
def test_every_pin_is_hash_checked(lock: str) -> None:
    text = (ROOT / lock).read_text()
    hashed = re.findall(r"^\S+==\S+(?: ;[^\\]*)? \\\n\s+--hash=sha256:", text, re.MULTILINE)

    assert len(hashed) == len(PIN.findall(text))
