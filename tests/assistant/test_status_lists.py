"""A status sentence introducing a list by a colon is quoted with the list's items ('Gli eventi svolti al
30/06/2023 sono:' then '1) CARNEVALE ...', '2) RADIO STELLA LIVE ...'): the items are the answer, though they
repeat none of the question's words.

Generated: a copy of Roccafelice's records whose statuses are long (quoted in part) and list items named
with invented words, in three list styles.
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from ingest.types import StatoAttuazione
from tests.assistant.plans import load

FILLER = " ".join(f"Fase {n}: verifiche tecniche e autorizzazioni completate con esito regolare." for n in range(1, 9))
STYLES = [("1) ", "2) ", "3) "), ("- ", "- ", "- "), ("a) ", "b) ", "c) ")]
ITEMS = ["ZEFIRO PRIMAVERILE 12/03/2025", "MERIDIANA SONORA 18/05/2025", "ALBATROS NOTTURNO 21/06/2025"]


@pytest.mark.parametrize("style", STYLES)
def test_the_items_of_a_list_a_status_sentence_introduces_are_quoted(style) -> None:
    records = load()
    target = records[5]
    lines = [f"{mark}{item}" for mark, item in zip(style, ITEMS, strict=True)]
    text = "\n".join([FILLER, "Le iniziative realizzate al 31/12/2025 sono:", *lines,
                      "Le restanti iniziative sono rinviate al prossimo anno per ragioni di bilancio.", FILLER])
    records[5] = target.model_copy(update={"stato_attuazione": StatoAttuazione(data="2025-12-31", testo=text)})
    answer = Assistant(records).ask(f"Per l'obiettivo «{target.titolo}», quali iniziative risultano realizzate?")
    assert not answer.refused and all(item in answer.answer for item in ITEMS), answer.answer
