"""The demo companies, read from ``lms/demo/data``: an English manufacturer (``acme.json``) and a
Slovenian distributor (``globex.json``), each with its own courses, plus the platform's changelog.

The data is plain JSON so content can be edited without touching code; this module only gives it
types. Module, category and tag names are referenced by their exact text, and users by the keys
"owner", "hr", "mentor", "learner1".."learner5", "viewer" and "manager". Enum values are member names.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from lms.models.enums import Difficulty, ModuleStatus, QuestionType, SectionType, TenantPlan, TenantTheme

DATA = Path(__file__).resolve().parent / "data"
T = TypeVar("T")


@dataclass(frozen=True)
class DemoQuestion:
    type: QuestionType
    text: str
    # (option text, is correct); TRUE_FALSE has exactly two options, "True"/"False" in the tenant's language
    options: tuple[tuple[str, bool], ...]
    points: int = 1


@dataclass(frozen=True)
class DemoQuiz:
    title: str
    passing_score: int  # 1..100
    max_attempts: int | None  # None = unlimited
    time_limit: int | None  # minutes, None = no limit
    questions: tuple[DemoQuestion, ...]


@dataclass(frozen=True)
class DemoSection:
    title: str
    type: SectionType
    content: str  # safe HTML, 120-400 words
    video_url: str | None = None  # VIDEO and MIXED sections
    attachment_title: str | None = None  # ATTACHMENT and MIXED sections; the seeder makes a small PDF


@dataclass(frozen=True)
class DemoModule:
    title: str
    description: str
    difficulty: Difficulty
    status: ModuleStatus
    category: str  # one of the tenant's categories
    tags: tuple[str, ...]  # names from the tenant's tags
    sections: tuple[DemoSection, ...]
    quiz: DemoQuiz | None = None
    validity_months: int | None = None  # compliance modules expire and must be renewed
    prerequisites: tuple[str, ...] = ()  # titles of other modules of the same tenant
    mentored: bool = False  # the tenant's "mentor" user mentors it


@dataclass(frozen=True)
class DemoAssignment:
    module: str  # module title
    deadline_days: int | None  # None = no deadline
    mandatory: bool


@dataclass(frozen=True)
class DemoGroup:
    name: str
    color: str  # "#rrggbb"
    description: str
    members: tuple[str, ...]  # user keys: "mentor", "learner1".."learner5", "hr"
    assignments: tuple[DemoAssignment, ...]


@dataclass(frozen=True)
class DemoChangelog:
    version: str
    title: str
    summary: str


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    locale: str  # "en" or "sl"
    plan: TenantPlan
    theme: TenantTheme
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    modules: tuple[DemoModule, ...]
    groups: tuple[DemoGroup, ...]
    # the group whose progress the "manager" user follows (scoped grants); one of its
    # mandatory deadlines has passed, so the manager's screens show an overdue learner
    managed_group: str
    # user key ("owner", "hr", "mentor", "learner1".."learner5", "viewer", "manager") -> full name
    user_names: dict[str, str] = field(default_factory=dict)


def _typed(kind: Any, value: Any) -> Any:
    """``value`` from JSON as ``kind`` says: dataclasses, enums by name, tuples, optionals."""
    origin = get_origin(kind)
    if origin in (Union, UnionType):
        if value is None:
            return None
        (inner,) = [arg for arg in get_args(kind) if arg is not type(None)]
        return _typed(inner, value)
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], item) for item in value)
        return tuple(_typed(arg, item) for arg, item in zip(args, value, strict=True))
    if origin is dict:
        return dict(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind[value]
    if is_dataclass(kind):
        return _build(kind, value)
    return value


def _build(cls: type[T], data: dict[str, Any]) -> T:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    return cls(**{name: _typed(hints[name], value) for name, value in data.items()})


def _read(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


TENANTS: tuple[DemoTenant, ...] = tuple(_build(DemoTenant, _read(f"{slug}.json")) for slug in ("acme", "globex"))
ACME, GLOBEX = TENANTS
PLATFORM_CHANGELOG: tuple[DemoChangelog, ...] = tuple(
    _build(DemoChangelog, entry) for entry in _read("platform_changelog.json")
)
