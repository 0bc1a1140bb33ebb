"""Questions naming no body while more bodies are loaded than one page: bounded answers.

Lists, counts, sums, maxima and rankings are answered body by body, a page of bodies at a time:
each body's total, the first ``page_items`` objectives, and how to get the rest (ask «altri», send
the next ``page``, or name the body). A question about one objective is searched across the bodies
with the dense index (one global top k) and answered within the scope of the nearest bodies.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.answering.compose import Cites
from assistant.partition import scope_key
from assistant.querying.evidence import LIST_INTENTS, Evidence, gather
from assistant.scope import _config
from assistant.types import Answer, Mode, Plan
from assistant.understanding.plan import understand
from ingest.text import norm, tokens

if TYPE_CHECKING:
    from assistant.engine import Assistant, ScopeState, _Directory

DENSE_K = 30  # nearest index entries over all bodies for a question about one objective
NEAREST_BODIES = 3  # the bodies of the nearest entries a question about one objective is answered from
NAMES_SHOWN = 10  # bodies named when asking which one is meant


def more_requests(questions: Sequence[str]) -> int:
    """How many of the last messages only ask for more of the answer before ('altri', 'e i successivi?')."""
    config = _config()
    cues, words = set(config["more_cues"]), set(config["more_words"]) | set(config["more_cues"])
    n = 0
    for question in reversed(questions[1:]):
        found = tokens(norm(question))
        if not found or not (set(found) & cues) or not set(found) <= words:
            break
        n += 1
    return n


def answer_across(assistant: Assistant, directory: _Directory, question: str, mode: Mode, page: int) -> Answer:
    """The answer to a question naming no body: paged per body (lists and aggregates) or from the
    nearest bodies (one objective)."""
    bodies = directory.index.bodies
    pages = max(1, math.ceil(len(bodies) / assistant.page_bodies))
    page = min(max(page, 1), pages)
    chunk = bodies[(page - 1) * assistant.page_bodies:page * assistant.page_bodies]
    probe = directory.cache.get(scope_key(chunk[:1]))
    plan = understand(question, probe.catalog, probe.catalog.lexicon, mode, None, None, assistant.default_ente)
    if plan.intent in LIST_INTENTS:
        return _paged(assistant, directory, question, mode, chunk, page, pages)
    return _nearest(assistant, directory, question, mode, probe, plan)


def _in_scope(assistant: Assistant, state: ScopeState, question: str, mode: Mode) -> tuple[Plan, Evidence]:
    """Plan and evidence of a question within one body's scope, its answer never labelled per body."""
    plan = understand(question, state.catalog, state.catalog.lexicon, mode, None, None, assistant.default_ente)
    plan = plan.model_copy(update={"scope_all": False, "scope_ambiguous": []})
    return plan, gather(plan, state.catalog, state.retriever, state.catalog.lexicon)


def _paged(assistant: Assistant, directory: _Directory, question: str, mode: Mode, chunk: Sequence[str | None],
           page: int, pages: int) -> Answer:
    cites = Cites()
    blocks: list[str] = []
    totals: list[str] = []
    ids: list[str] = []
    budget = assistant.page_items
    language = "it"
    for ente in chunk:
        state = directory.cache.get(scope_key([ente]))
        plan, ev = _in_scope(assistant, state, question, mode)
        language = plan.language
        found = [] if ev.kind == "refusal" else ev.objectives
        totals.append(f"{ente or '-'}: {len(found)}")
        if not found or budget <= 0:
            continue
        cites.limit = budget
        blocks.append(state.composer.compose(plan, ev, cites).answer)
        shown = cites.shown(found) if ev.kind in ("list", "count", "sum", "max") else found
        ids += [o.key for o in shown]
        if len(shown) < len(found):
            blocks.append(_texts(language)["cut"].format(n=len(found) - len(shown)))
        budget -= len(shown)
    t = _texts(language)
    first = (page - 1) * assistant.page_bodies + 1
    where = {"first": first, "last": first + len(chunk) - 1, "total": len(directory.index)}
    head = t["head"].format(totals="; ".join(totals), **where) if ids else t["none"].format(**where)
    tail = t["next"].format(next=page + 1, pages=pages) if page < pages else t["last"].format(page=page, pages=pages)
    return Answer(answer="\n".join([head, *blocks, tail]), citations=cites.items, objective_ids=ids,
                  refused=False, language=language)


def _nearest(assistant: Assistant, directory: _Directory, question: str, mode: Mode, probe: ScopeState,
             plan: Plan) -> Answer:
    """A question about one objective: answered from the bodies of the nearest index entries."""
    hits = assistant.dense.search(question, k=DENSE_K) if assistant.dense is not None else []
    entes: list[str | None] = []
    for hit in hits:
        doc = directory.index.docs.get(_documento(hit))
        if doc is not None and doc.ente not in entes:
            entes.append(doc.ente)
    if not entes:  # no dense index to search the bodies with: ask which body
        names = [e or "-" for e in directory.index.bodies]
        detail = ", ".join(names) if len(names) <= NAMES_SHOWN else _texts(plan.language)["bodies"].format(
            names=", ".join(names[:NAMES_SHOWN]), n=len(names) - NAMES_SHOWN)
        ev = Evidence(kind="refusal", refusal="scope", detail=detail)
        return probe.composer.compose(plan, ev)
    state = directory.cache.get(scope_key(entes[:NEAREST_BODIES]))
    plan, ev = assistant._step(state, question, mode, None, None)
    draft = state.composer.compose(plan, ev)
    if assistant.llm is not None and not draft.refused:
        return assistant.llm.rewrite(plan.question, plan, draft, mode)
    return draft


def _documento(hit: Any) -> str:
    documento = (getattr(hit, "metadata", None) or {}).get("documento")
    return str(documento) if documento else str(hit.key).split("/", 1)[0]


def _texts(language: str) -> dict[str, str]:
    pages = _config()["pages"]
    return pages.get(language, pages["it"])
