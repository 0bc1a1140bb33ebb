"""Objective extraction against the gold records of the fixture, field by field."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ingest.errors import NoObjectiveTables
from ingest.objectives import Extraction, extract
from ingest.readers import read_document
from ingest.settings import Settings
from tests.conftest import GOLD_JSON, ROOT, SAMPLE_DOCUMENTO, SAMPLE_DOCX, SAMPLE_TXT
from tests.ingest import docx_builders as b

GOLD: list[dict[str, Any]] = json.loads(GOLD_JSON.read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "ingest" / "objective.schema.json").read_text(encoding="utf-8"))


def field_diff(expected: list[dict[str, Any]], got: list[dict[str, Any]], skip: tuple[str, ...] = ()) -> list[str]:
    """Every difference, as 'id.field: expected ... got ...' lines."""
    lines = []
    if len(expected) != len(got):
        lines.append(f"{len(got)} records instead of {len(expected)}")
    for want, have in zip(expected, got, strict=False):
        for key in sorted(set(want) | set(have)):
            if key in skip:
                continue
            if want.get(key) != have.get(key):
                lines.append(f"{want['id']}.{key}:\n  expected {json.dumps(want.get(key), ensure_ascii=False)}"
                             f"\n  got      {json.dumps(have.get(key), ensure_ascii=False)}")
    return lines


def extract_file(path: Path) -> Extraction:
    return extract(read_document(path, Settings()), SAMPLE_DOCUMENTO)


@pytest.fixture(scope="module")
def from_docx() -> Extraction:
    return extract_file(SAMPLE_DOCX)


@pytest.fixture(scope="module")
def from_txt() -> Extraction:
    return extract_file(SAMPLE_TXT)


def test_docx_equals_gold_field_for_field(from_docx: Extraction) -> None:
    got = [o.model_dump(mode="json") for o in from_docx.objectives]
    diff = field_diff(GOLD, got)
    assert not diff, "\n".join(diff)
    assert got == GOLD


def test_txt_equals_gold_but_fonte(from_txt: Extraction) -> None:
    got = [o.model_dump(mode="json") for o in from_txt.objectives]
    diff = field_diff(GOLD, got, skip=("fonte",))
    assert not diff, "\n".join(diff)
    assert [o["fonte"] for o in got] == [
        {**g["fonte"], "file": SAMPLE_TXT.name} for g in GOLD]  # same table numbering as the .docx


def test_records_are_valid_against_the_schema(from_docx: Extraction) -> None:
    for record in from_docx.objectives:
        jsonschema.validate(record.model_dump(mode="json"), SCHEMA)


def test_sector_headings_and_no_warnings(from_docx: Extraction, from_txt: Extraction) -> None:
    expected = [
        ("SETTORE FINANZIARIO", 4, 2, "finanziario"), ("SETTORE AFFARI GENERALI", 4, 6, "affari-generali"),
        ("SETTORE LAVORI PUBBLICI", 3, 10, "lavori-pubblici"),
        ("SETTORE PIANIFICAZIONE TERRITORIALE", 3, 13, "pianificazione-territoriale"),
        ("SETTORE SUAP", 3, 15, "suap"),
        ("SETTORE SERVIZI DEMOGRAFICI ED ELETTORALE", 3, 18, "servizi-demografici-ed-elettorale"),
        ("SETTORE VITA DELLA COMUNITÀ", 6, 21, "vita-della-comunita"), ("SETTORE ENTRATE", 4, 26, "entrate"),
        ("SETTORE SERVIZI SCOLASTICI", 5, 28, "servizi-scolastici"),
    ]
    for extraction in (from_docx, from_txt):
        assert [(s.name, s.declared_count, s.first_table, s.slug) for s in extraction.sectors] == expected
        assert extraction.warnings == []


def test_ente_and_documento_are_passed_through() -> None:
    doc = read_document(SAMPLE_DOCX, Settings())
    records = extract(doc, "piao-2023", ente="Comune di Casalgrande").objectives
    assert {(r.ente, r.documento) for r in records} == {("Comune di Casalgrande", "piao-2023")}
    assert len({r.id for r in records}) == 35


def test_tables_without_objective_labels_are_refused(tmp_path: Path) -> None:
    doc = b.new_document()
    b.paragraph(doc, "Elenco dei dipendenti")
    b.table(doc, [["Nome", "Qualifica"], ["Mario Rossi", "Istruttore"], ["Anna Bianchi", "Funzionario"]])
    path = b.save(doc, tmp_path / "dipendenti.docx")
    with pytest.raises(NoObjectiveTables) as info:
        extract(read_document(path, Settings()), "dipendenti")
    assert "dipendenti.docx" in info.value.message
    assert "non sembra una sottosezione Performance di un PIAO" in info.value.message
