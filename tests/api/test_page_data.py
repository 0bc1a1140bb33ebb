"""Properties of what the pages show, over generated records: values-only search, synthetic status,
weight sums (table and export agree), guided questions."""
from __future__ import annotations

import io

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from api import export
from api.guided import guided_groups, topic
from api.search import pnrr_linked, search
from api.status import synthetic_status
from api.weights import weight_table
from ingest.types import Fonte, Indicator, Objective, StatoAttuazione

WORDS = ["bilancio", "scuola", "mensa", "strade", "verde", "archivio", "sportello", "cultura", "rete",
         "ufficio", "servizio", "bando", "piano", "sito", "portale", "tributi", "utenti", "anagrafe"]
FIELD_NAMES = ["responsabile", "settore", "titolo", "destinatari", "indicatori", "stato_attuazione", "peso",
               "target", "baseline", "fonte", "classificazione"]
NEUTRAL = ["sono state svolte riunioni con gli uffici", "predisposti gli atti", "raccolti i dati del primo semestre"]

phrase = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)


@st.composite
def objectives(draw: st.DrawFn) -> list[Objective]:
    n = draw(st.integers(1, 8))
    sectors = draw(st.lists(st.sampled_from(["Area Uno", "Area Due", "Area Tre"]), min_size=n, max_size=n))
    out = []
    for i, sector in enumerate(sectors):
        years = draw(st.lists(st.sampled_from([2024, 2025]), min_size=1, max_size=3))
        out.append(Objective(
            id=f"o-{i}", documento="doc", settore=sector, titolo=draw(phrase), responsabile=draw(phrase),
            destinatari=draw(st.none() | phrase),
            pnrr=draw(st.none() | st.just("No") | st.just("Misura 1.4.1 servizi digitali")),
            indicatori=[Indicator(anno=y, indicatore=draw(phrase), target=draw(phrase),
                                  peso=draw(st.none() | st.sampled_from(["10%", "20", "30 %", "12,5%"])))
                        for y in years],
            stato_attuazione=StatoAttuazione(data="2025-06-30", testo=draw(st.none() | phrase)),
            fonte=Fonte(file="doc.docx", tabella=i + 1)))
    return out


@settings(max_examples=60, deadline=None)
@given(objectives(), st.sampled_from(FIELD_NAMES))
def test_search_never_matches_field_names(records: list[Objective], name: str) -> None:
    assert search(records, name) == []


@settings(max_examples=60, deadline=None)
@given(objectives(), st.data())
def test_search_finds_any_run_of_words_of_a_value(records: list[Objective], data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(records))
    words = target.titolo.split()
    start = data.draw(st.integers(0, len(words) - 1))
    end = data.draw(st.integers(start + 1, len(words)))
    query = " ".join(words[start:end]).upper()
    assert target in search(records, query)


@settings(max_examples=60, deadline=None)
@given(objectives())
def test_pnrr_search_is_the_pnrr_link(records: list[Objective]) -> None:
    assert search(records, "PNRR") == [o for o in records if pnrr_linked(o)]
    assert all(not pnrr_linked(o) for o in records if (o.pnrr or "").startswith("No"))


def _with_status(text: str | None, reached: tuple[str, str] | None = None) -> Objective:
    indicators = [Indicator(anno=2025, target=reached[0], target_raggiunto=reached[1])] if reached else []
    return Objective(id="x-1", documento="d", settore="S", titolo="t", indicatori=indicators,
                     stato_attuazione=StatoAttuazione(data="2025-12-31", testo=text),
                     fonte=Fonte(file="d", tabella=1))


@settings(deadline=None)
@given(st.sampled_from(NEUTRAL), st.sampled_from(["non avviato", "ancora da avviare", "in previsione per il 2026"]))
def test_status_not_started(text: str, cue: str) -> None:
    assert synthetic_status(_with_status(f"{text}; {cue}")).stato == "non avviato"


@settings(deadline=None)
@given(st.sampled_from(NEUTRAL), st.sampled_from(["concluso", "completata", "ultimati i lavori"]))
def test_status_concluded_unless_negated_or_ongoing(text: str, cue: str) -> None:
    done = synthetic_status(_with_status(f"{text}, {cue}."))
    assert done.stato == "concluso" and cue.split()[0] in done.motivo
    assert synthetic_status(_with_status(f"{text}, non {cue}.")).stato == "in corso"
    assert synthetic_status(_with_status(f"{text}, {cue} la prima fase; il resto è in corso.")).stato == "in corso"


@settings(deadline=None)
@given(st.integers(1, 500), st.integers(0, 500), st.sampled_from(NEUTRAL))
def test_status_from_reached_values(target: int, reached: int, text: str) -> None:
    result = synthetic_status(_with_status(text, (str(target), str(reached))))
    assert result.stato == ("concluso" if reached >= target else "in corso")
    assert "Target raggiunti" in result.motivo


def test_status_without_text() -> None:
    assert synthetic_status(_with_status(None)).stato == "non indicato"
    assert synthetic_status(_with_status("   ")).stato == "non indicato"


@settings(max_examples=30, deadline=None)
@given(objectives())
def test_export_weights_sum_to_the_weight_table(records: list[Objective]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(records)))
    rows = list(book["Obiettivi"].iter_rows(values_only=True))
    header = list(rows[0])
    for line in weight_table(records).righe:
        col = header.index(f"Peso {line.anno}")
        cells = [r[col] for r in rows[1:] if r[header.index("Settore")] == line.settore and r[col] is not None]
        assert round(sum(cells) * 100, 4) == round(line.totale, 4)
        assert line.ok == (abs(line.totale - 100) < 0.01)
        assert line.ok or "invece di 100%" in line.spiegazione


@settings(deadline=None)
@given(st.sampled_from(["Potenziare", "Avviare", "Realizzare", "Gestire", "Definire"]),
       st.sampled_from(["il servizio", "lo sportello", "la rete"]), phrase)
def test_guided_subject_drops_the_leading_verb(verb: str, head: str, rest: str) -> None:
    subject = topic(f"{verb} {head} {rest}: dettagli tecnici per gli uffici")
    assert subject is not None and subject.startswith(head) and "dettagli" not in subject


@settings(max_examples=30, deadline=None)
@given(objectives())
def test_guided_questions_are_questions_about_citizen_facing_records(records: list[Objective]) -> None:
    groups = guided_groups(records, limit=12)
    questions = [q for g in groups for q in g.questions]
    assert len(questions) <= 12
    for q in questions:
        assert q.question.endswith("?") and q.gruppo
        obj = next(o for o in records if o.key == q.objective_id)
        assert obj.destinatari is None or "utenti" in obj.destinatari
