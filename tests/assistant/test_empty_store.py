"""An assistant over an empty store answers (nothing is known) instead of crashing."""
from assistant import Assistant
from assistant.types import Message


def ask(assistant: Assistant, question: str):
    return assistant.answer([Message(role="user", content=question)])


def test_empty_store_refuses_lookups_and_counts_zero() -> None:
    assistant = Assistant([])
    lookup = ask(assistant, "Chi è responsabile del regolamento TARI?")
    assert lookup.refused and not lookup.citations and not lookup.objective_ids
    count = ask(assistant, "Quanti obiettivi ci sono in totale?")
    assert count.objective_ids == [] and count.citations == []
    assert "non ci sono obiettivi" in count.answer
