"""Differences between two versions of a plan's records: objectives added, removed, changed field by field.

Records are matched by id (stable across versions). Fields compared: every field of the record
except ``documento``, ``ente`` and ``fonte`` (where a record sits in the file is not its content);
indicator rows by position ('indicatori[2].target'), the status by its parts ('stato_attuazione.data').
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, Field

from ingest.types import Objective

IGNORED = frozenset({"documento", "ente", "fonte"})


class FieldChange(BaseModel):
    """One field of one objective that differs between the versions."""

    id: str
    titolo: str
    campo: str  # 'responsabile', 'indicatori[1].target', 'stato_attuazione.testo'
    prima: Any = None
    dopo: Any = None


class RecordDiff(BaseModel):
    """What changed from version A to version B."""

    added: list[Objective] = Field(default_factory=list)
    removed: list[Objective] = Field(default_factory=list)
    changed: list[FieldChange] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _flatten(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _flatten(inner, f"{path}[{i}]")
    else:
        yield path, value


def fields_of(obj: Objective) -> dict[str, Any]:
    """A record as flat ``campo -> value`` pairs (ignored fields left out)."""
    data = {k: v for k, v in obj.model_dump().items() if k not in IGNORED}
    return dict(_flatten(data, ""))


def diff_records(old: Sequence[Objective], new: Sequence[Objective]) -> RecordDiff:
    """Objectives added, removed and changed (field by field) from ``old`` to ``new``, in document order."""
    before = {o.id: o for o in old}
    after = {o.id: o for o in new}
    out = RecordDiff(added=[o for o in new if o.id not in before], removed=[o for o in old if o.id not in after])
    for obj in new:
        if obj.id not in before:
            continue
        a, b = fields_of(before[obj.id]), fields_of(obj)
        for campo in [*a, *(k for k in b if k not in a)]:
            if a.get(campo) != b.get(campo):
                out.changed.append(FieldChange(id=obj.id, titolo=obj.titolo, campo=campo,
                                               prima=a.get(campo), dopo=b.get(campo)))
    return out
