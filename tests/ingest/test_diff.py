"""`piao diff`: objectives added, removed and changed field by field between two versions of a plan."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from ingest.diff import FieldChange, diff_records
from ingest.objectives import extract
from ingest.readers import read_document
from ingest.settings import Settings
from ingest.types import Objective
from tests.conftest import SAMPLE_DOCX
from tests.plan_versions import DECEMBER_SUFFIX, TESORIERE_DECEMBER, monitoring_version

runner = CliRunner()


def test_records_diff_is_exact(gold_records: list[Objective]) -> None:
    old = gold_records
    first, second, *rest = old
    indicators = [second.indicatori[0].model_copy(update={"target": "Nuovo target"}), *second.indicatori[1:]]
    changed = second.model_copy(update={"responsabile": "Mario Rossi", "indicatori": indicators,
                                        "fonte": second.fonte.model_copy(update={"tabella": 99})})
    added = first.model_copy(update={"id": "nuovo-1", "titolo": "Nuovo obiettivo"})
    new = [changed, *rest, added]
    diff = diff_records(old, new)
    assert [o.id for o in diff.added] == ["nuovo-1"] and [o.id for o in diff.removed] == [first.id]
    assert diff.changed == [  # the position in the file (fonte) is not content
        FieldChange(id=second.id, titolo=second.titolo, campo="responsabile", prima=second.responsabile,
                    dopo="Mario Rossi"),
        FieldChange(id=second.id, titolo=second.titolo, campo="indicatori[0].target",
                    prima=second.indicatori[0].target, dopo="Nuovo target"),
    ]
    assert diff_records(old, old).empty


def expected_monitoring_changes(records: list[Objective]) -> list[tuple[str, str, object, object]]:
    out: list[tuple[str, str, object, object]] = []
    for r in records:
        if not (r.stato_attuazione and r.stato_attuazione.testo):
            continue
        before = r.stato_attuazione.testo
        after = TESORIERE_DECEMBER if r.id == "finanziario-1" else f"{before} {DECEMBER_SUFFIX}"
        out += [(r.id, "stato_attuazione.data", "2023-06-30", "2023-12-31"),
                (r.id, "stato_attuazione.testo", before, after)]
    return out


def test_two_monitoring_versions_differ_only_in_their_status(tmp_path: Path, gold_records: list[Objective]) -> None:
    december = monitoring_version(tmp_path / "piao_casalgrande_2023_dicembre.docx")
    new = extract(read_document(december, Settings()), "dicembre").objectives
    diff = diff_records(gold_records, new)
    assert not diff.added and not diff.removed
    got = [(c.id, c.campo, c.prima, c.dopo) for c in diff.changed]
    assert got == expected_monitoring_changes(gold_records)


def test_piao_diff_on_files_and_on_stored_documents(tmp_path: Path, data_settings: Settings,
                                                    gold_records: list[Objective]) -> None:
    december = monitoring_version(tmp_path / "piao_casalgrande_2023_dicembre.docx")
    result = runner.invoke(app, ["diff", str(SAMPLE_DOCX), str(december), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["added"] == [] and data["removed"] == []
    assert [(c["id"], c["campo"], c["prima"], c["dopo"]) for c in data["changed"]] == \
        expected_monitoring_changes(gold_records)
    from ingest.pipeline import Ingestor
    from tests.conftest import FakeEmbedder

    ingestor = Ingestor(data_settings, embedder=FakeEmbedder())
    try:
        ingestor.ingest(SAMPLE_DOCX, documento="giugno")
        ingestor.ingest(december, documento="dicembre")
    finally:
        ingestor.close()
    text = runner.invoke(app, ["diff", "giugno", "dicembre"])
    assert text.exit_code == 0, text.output
    assert "Obiettivi aggiunti in dicembre: 0" in text.stdout and "Obiettivi rimossi da giugno: 0" in text.stdout
    assert f"Campi modificati: {len(expected_monitoring_changes(gold_records))}" in text.stdout
    assert "~ finanziario-1 stato_attuazione.data: «2023-06-30» → «2023-12-31»" in text.stdout
    missing = runner.invoke(app, ["diff", "giugno", "non-esiste"])
    assert missing.exit_code == 2 and "non-esiste" in missing.stderr
