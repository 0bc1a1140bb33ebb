"""Guided questions for the citizen desk: questions as a citizen would ask them, grouped by need,
generated from the citizen-facing objectives of the plan.

Which objectives count as citizen-facing, the needs, their wording and how a title becomes the subject
of a question are data (``citizen.yaml``); this module only applies them to the records' fields
(``titolo``, ``destinatari``, ``settore``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from api.folding import fold
from api.schemas import GuidedGroup, GuidedQuestion
from ingest.types import Objective

CONFIG_PATH = Path(__file__).with_name("citizen.yaml")
_INFINITIVE = re.compile(r"^[A-Za-zÀ-ÿ]{3,}(?:are|ere|ire)\s+", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:il|lo|la|i|gli|le|l'|l’|un|una|uno|n\.)(?:\s|$)|^l['’]", re.IGNORECASE)
_SECOND_VERB = re.compile(r"\s+(?:e|ed)\s+[a-zà-ÿ]{2,}(?:are|ere|ire)\b")
_VOWEL = "aeiouàèéìòùhAEIOUH"


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    return yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))


def _words(text: str | None) -> list[str]:
    return re.findall(r"\w+", fold(text or ""))


def _has_term(words: list[str], term: str) -> bool:
    parts = _words(term)
    n = len(parts)
    return any(all(words[i + k] == p if k < n - 1 else words[i + k].startswith(p) for k, p in enumerate(parts))
               for i in range(len(words) - n + 1))


def is_citizen_facing(obj: Objective) -> bool:
    """Whether the objective's ``destinatari`` names citizens, users, families, ... (without that
    field: whether its title names a citizen's need)."""
    if not obj.destinatari:
        return need_of(obj) is not None
    words = _words(obj.destinatari)
    return any(w.startswith(term) for w in words for term in _config()["destinatari_terms"])


def need_of(obj: Objective) -> dict[str, Any] | None:
    """The first need whose terms are in the title, else in the addressees, else in the sector."""
    config = _config()
    for field in (obj.titolo, obj.destinatari, obj.settore):
        words = _words(field)
        for need in config["needs"]:
            if any(_has_term(words, term) for term in need["terms"]):
                return dict(need)
    return None


def topic(title: str) -> str | None:
    """The subject of the question: the title's head, without a leading verb, with an article."""
    config = _config()
    text = " ".join(title.split())
    marks = [text.find(m) for m in config["clause_marks"]]
    second_verb = _SECOND_VERB.search(text)
    marks.append(second_verb.start() if second_verb else -1)
    cut = min([i for i in marks if i > 0], default=len(text))
    text = text[:cut].strip(" ,.;")
    if _INFINITIVE.match(text):
        text = _INFINITIVE.sub("", text, count=1)
    if len(text) > config["max_topic_chars"]:
        text = text[: config["max_topic_chars"]].rsplit(" ", 1)[0]
        text = re.sub(r"\s+(?:di|del|della|dei|delle|per|con|e|a|al|alla|nel|nella|in)$", "", text)
    if len(text.split()) < config["min_topic_words"]:
        return None
    first = text.split()[0]
    if first.isupper() or first[0] in "\"“«'":
        return text
    text = text[0].lower() + text[1:]
    return text if _ARTICLE.match(text) else _article(text) + text


def _article(phrase: str) -> str:
    """The definite article an Italian noun phrase takes, from its first word (none when unsure)."""
    word = fold(phrase.split()[0])
    vowel = word[0] in _VOWEL
    s_impure = bool(re.match(r"^(?:s[^aeiou]|z|gn|ps|x|y)", word))
    if word.endswith(("zione", "sione", "ta", "tu")) or word.endswith("a"):
        return "l'" if vowel else "la "
    if word.endswith("o"):
        return "l'" if vowel else "lo " if s_impure else "il "
    if word.endswith("i"):
        return "gli " if vowel or s_impure else "i "
    return ""


def guided_groups(objectives: Sequence[Objective], limit: int) -> list[GuidedGroup]:
    """Up to ``limit`` questions, grouped by need in the data file's order, each group in document order."""
    config = _config()
    order = [n["label"] for n in config["needs"]]
    groups: dict[str, list[GuidedQuestion]] = {label: [] for label in order}
    for obj in objectives:
        subject = topic(obj.titolo) if is_citizen_facing(obj) else None
        if subject is None:
            continue
        need = need_of(obj)
        if need is not None and len(groups[need["label"]]) < config["per_group"]:
            plural = re.match(r"^(?:i|gli|le)\s", subject) and "question_plural" in need
            template = need["question_plural"] if plural else need["question"]
            groups[need["label"]].append(GuidedQuestion(
                question=template.format(topic=subject), objective_id=obj.key,
                settore=obj.settore, gruppo=need["label"]))
    picked: list[GuidedGroup] = []
    remaining = limit
    for rank in range(config["per_group"]):  # one question per need first, then a second, ...
        for label in order:
            if remaining and rank < len(groups[label]):
                group = next((g for g in picked if g.gruppo == label), None)
                if group is None:
                    group = GuidedGroup(gruppo=label, questions=[])
                    picked.append(group)
                group.questions.append(groups[label][rank])
                remaining -= 1
    return sorted(picked, key=lambda g: order.index(g.gruppo))
