"""The version rule: saving from a form never overwrites someone else's save silently.

Every replicated row has a ``version`` that goes up by one each time the row is saved
(the ORM's ``version_id_col``; Core UPDATEs set ``version = version + 1`` themselves).
An editor remembers the version and the editable values it opened with, as an
:class:`Expected`, and hands it to the service that saves.  When the stored version is still that one, the form's
values are saved.  When it is newer, someone else saved in between, and

* fields changed by them (stored ≠ base) and by me (mine ≠ base) to different values
  are a conflict: :class:`~chapter_manager.errors.ConflictError` names them, nothing is
  saved;
* otherwise the fields only I changed are saved over what is stored now, and the fields
  only they changed keep their value: a field only you changed is kept without asking.

Values are compared in the shape of the service's ``*Data`` dataclass (what a form
holds), so every record kind follows the same rule with the same code.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select

from ..errors import ConflictError
from ..models import Base
from ..storage import Database

D = TypeVar("D")


@dataclass(frozen=True)
class Expected:
    """What a form was opened with: the record's ``version`` and the editable values."""

    version: int
    base: Mapping[str, Any]

    @classmethod
    def of(cls, version: int, data: Any) -> Expected:
        """From a record's version and its ``*Data`` (e.g. ``people.person_data(view)``)."""
        return cls(version, copy.deepcopy(values_of(data)))  # the form may change its lists


@dataclass(frozen=True)
class FieldConflict:
    """One field both sides changed: the value the form opened with, theirs and mine."""

    name: str
    label: str
    base: Any
    theirs: Any
    mine: Any


def values_of(data: Any) -> dict[str, Any]:
    """The fields of a ``*Data`` dataclass as a dict (nested dataclasses stay objects)."""
    if isinstance(data, Mapping):
        return dict(data)
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value))
    if isinstance(value, Mapping):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def same(a: Any, b: Any) -> bool:
    """Whether two form values mean the same: "" and None alike, enums by value, instants by time."""
    return bool(_plain(a) == _plain(b))


def reconcile(
    data: D,
    *,
    version: int,
    current: D,
    expected: Expected | None,
    what: str,
    labels: Mapping[str, str],
) -> D:
    """The ``*Data`` to save, by the version rule; raises ``ConflictError`` on overlap.

    ``current`` is the stored record in the same shape as ``data``; ``version`` its
    version.  Without ``expected`` (no form: a script or a test) ``data`` is saved as is.
    """
    if expected is None or version == expected.version:
        return data
    mine, theirs, base = values_of(data), values_of(current), dict(expected.base)
    conflicts: list[FieldConflict] = []
    merged: dict[str, Any] = {}
    for name, value in mine.items():
        known = name in base
        mine_changed = not known or not same(value, base[name])
        theirs_changed = not known or not same(theirs[name], base[name])
        if mine_changed and theirs_changed and not same(value, theirs[name]):
            conflicts.append(FieldConflict(name, labels.get(name, name), base.get(name),
                                           theirs[name], value))
        elif not mine_changed:
            merged[name] = theirs[name]
    if conflicts:
        raise ConflictError(what, conflicts, version=version, base=base, theirs=theirs, mine=mine,
                            labels=dict(labels))
    return dataclasses.replace(data, **merged) if merged else data  # type: ignore[type-var]


def resolve(error: ConflictError, keep_mine: Iterable[str] = ()) -> tuple[dict[str, Any], Expected]:
    """After a conflict: the values to put in the form's data, and what to save against.

    Conflicting fields named in ``keep_mine`` keep the form's value, the others take
    what is saved now; fields only one side changed keep that side's value.  Saving
    ``dataclasses.replace(data, **values)`` with the returned ``Expected`` writes it,
    unless someone saved yet again (then a new conflict is raised).
    """
    keep = set(keep_mine)
    conflicting = set(error.names)
    values: dict[str, Any] = {}
    for name, mine in error.mine.items():
        theirs = error.theirs[name]
        if name in conflicting:
            values[name] = mine if name in keep else theirs
        elif name in error.base and same(mine, error.base[name]):
            values[name] = theirs
        else:
            values[name] = mine
    return values, Expected(error.version, dict(error.theirs))


def version_of(db: Database, table: str, row_id: int) -> int | None:
    """The stored version of row ``row_id`` of ``table`` ("people", "events", …); None
    when it is gone.  One primary-key read: what an open form checks when data changes."""
    t = Base.metadata.tables[table]
    with db.read() as s:
        return s.execute(select(t.c.version).where(t.c.id == row_id)).scalar()
