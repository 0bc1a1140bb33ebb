"""A citizen's need is served by what an objective does (title, indicators, status), not by whom or where
it serves: a need whose words an objective holds only in its card ('È pensata per: ipovedenti e non
udenti') is not answered with that objective; the same words in what an objective does are its need.

Roccafelice's records with addressees written into one card at a time (a fixed answer cannot pass).
"""
from __future__ import annotations

import pytest

from assistant import Assistant
from tests.assistant.plans import load

NEEDS = [("come faccio io che sono ipovedente e non udente?", "ipovedenti e non udenti", "Audioguide in Braille"),
         ("il comune mi aiuta? sono un apicoltore con le arnie in collina", "apicoltori con arnie in collina",
          "Nuovo regolamento del verde"),
         ("dove vado per i miei nipoti gemelli prematuri?", "gemelli prematuri", "Sportello per le famiglie")]


@pytest.mark.parametrize(("need", "who", "title"), NEEDS)
@pytest.mark.parametrize("at", [5, 10, 17])
def test_a_need_found_only_in_whom_an_objective_serves_is_not_its_need(need, who, title, at) -> None:
    records = load()
    records[at] = records[at].model_copy(update={"destinatari": who})
    answer = Assistant(records).ask(need, mode="citizen")
    assert answer.refused or records[at].id not in answer.objective_ids[:1], answer.answer
    records[at] = records[at].model_copy(update={"titolo": f"{title} per {who}"})
    answer = Assistant(records).ask(need, mode="citizen")
    assert not answer.refused and answer.objective_ids[:1] == [records[at].id], answer.answer
