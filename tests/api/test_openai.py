"""The official ``openai`` client against the running app (real uvicorn server), with and without streaming."""
from __future__ import annotations

import httpx
import openai
import pytest
from openai import OpenAI

from api.routes.openai import completion_text
from assistant.types import Answer, Citation

QUESTION = "Chi è responsabile dell'obiettivo \"Potenziare il servizio SOS Computer\"?"


@pytest.fixture(scope="module")
def openai_client(live_url: str) -> OpenAI:
    return OpenAI(base_url=f"{live_url}/v1", api_key="non-serve", max_retries=0, timeout=120)


def test_non_streaming_answer(openai_client: OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="piao-test", messages=[{"role": "user", "content": QUESTION}], temperature=0.2,
    )
    assert completion.model == "piao-test"
    text = completion.choices[0].message.content or ""
    assert "Jessica Curti" in text and "[1]" in text
    extra = completion.model_extra or {}
    assert extra["citations"] and extra["citations"][0]["n"] == 1
    assert completion.choices[0].finish_reason == "stop"


def test_streaming_answer(openai_client: OpenAI) -> None:
    stream = openai_client.chat.completions.create(
        model="piao-test", messages=[{"role": "user", "content": QUESTION}], stream=True,
        stream_options={"include_usage": True},
    )
    pieces, citations, usage = [], [], None
    for chunk in stream:
        assert chunk.model == "piao-test"
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
        citations += (chunk.model_extra or {}).get("citations", [])
    text = "".join(pieces)
    assert "Jessica Curti" in text
    assert citations and usage is not None and usage.total_tokens > 0


def test_system_messages_and_history_are_accepted(openai_client: OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="m",
        messages=[
            {"role": "system", "content": "Sei un assistente."},
            {"role": "user", "content": "Parlami dell'obiettivo sul servizio SOS Computer"},
            {"role": "assistant", "content": "È un obiettivo del Settore Affari generali."},
            {"role": "user", "content": [{"type": "text", "text": "Chi ne è responsabile?"}]},
        ],
    )
    assert "Jessica Curti" in (completion.choices[0].message.content or "")


def test_types_are_validated_and_unknown_parameters_ignored(live_url: str) -> None:
    base = {"model": "m", "messages": [{"role": "user", "content": QUESTION}]}
    bad = httpx.post(f"{live_url}/v1/chat/completions", json={**base, "stream": "true"}, timeout=60)
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"
    bad = httpx.post(f"{live_url}/v1/chat/completions", json={**base, "temperature": "hot"}, timeout=60)
    assert bad.status_code == 422
    ok = httpx.post(f"{live_url}/v1/chat/completions", json={**base, "logit_bias": {}, "tools": []}, timeout=120)
    assert ok.status_code == 200


def test_client_sees_api_errors(openai_client: OpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as info:
        openai_client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x" * 100_000}])
    assert info.value.status_code == 413


def test_sources_list_names_fields_and_prose_passages() -> None:
    answer = Answer(answer="Sì [1], vedi [2].", citations=[
        Citation(n=1, objective_id="entrate-2", titolo="Regolamento Tari", settore="SETTORE ENTRATE",
                 campo="responsabile", citazione="Natascia Giomo", documento="piano"),
        Citation(n=2, objective_id="passaggio-3", titolo="Lavoro agile", settore="", campo="testo",
                 citazione="due giorni a settimana", documento="piano", pagina=12,
                 sezione="Sezione 3 › Lavoro agile", passaggio="passaggio-3"),
    ])
    assert completion_text(answer).splitlines()[-2:] == [
        "[1] Regolamento Tari (SETTORE ENTRATE), responsabile: «Natascia Giomo»",
        "[2] piano › Sezione 3 › Lavoro agile, pagina 12: «due giorni a settimana»",
    ]
