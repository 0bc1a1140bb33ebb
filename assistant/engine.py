"""The Assistant: understand -> retrieve / query records -> compose, over one set of records."""
from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answering.compose import Composer
from assistant.answering.merge import merge_answers
from assistant.catalog import Catalog
from assistant.lexicon import Lexicon, load_lexicon
from assistant.querying.evidence import Evidence, gather
from assistant.querying.passages import PassageSearch
from assistant.querying.retrieve import DenseSearch, FallbackDense, Retriever
from assistant.scope import PlanDoc
from assistant.types import Answer, Message, Mode, Plan
from assistant.understanding.clauses import about_first, asks_apart, clauses
from assistant.understanding.plan import understand
from ingest.types import Objective, Passage

logger = logging.getLogger(__name__)

MAX_REPLAYED_TURNS = 6


@dataclass(frozen=True)
class _State:
    """Everything derived from one revision of the records (replaced whole on refresh)."""

    catalog: Catalog
    retriever: Retriever
    composer: Composer
    revision: str | None


class Assistant:
    """Grounded answers about the records; thread-safe for reads, one instance per process.

    ``Assistant(records)`` works on records in memory (tests, scripts); ``Assistant.from_settings``
    loads them from the store, searches the Chroma index and wires the optional LLM rewriter.
    """

    def __init__(self, records: Sequence[Objective], dense: DenseSearch | None = None,
                 llm: Any | None = None, *, lexicon: Lexicon | None = None, store: Any | None = None,
                 default_ente: str | None = None, passages: Sequence[Passage] = (), planner: Any | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.dense = dense
        self.llm = llm
        self.planner = planner  # an optional ``LLMPlanner``: a chat model proposing each question's plan
        self.default_ente = default_ente
        self._passages = tuple(passages)
        self._store = store
        self._lock = threading.Lock()
        self._state = self._build(records, store.revision() if store is not None else None)

    def _build(self, records: Sequence[Objective], revision: str | None) -> _State:
        docs, history, passages = None, None, self._passages
        if self._store is not None:
            docs = [PlanDoc(d.documento, d.ente, d.periodo, d.data_monitoraggio) for d in self._store.documents()]
            history = self._store.status_history()
            passages = tuple(self._store.passages())
        catalog = Catalog(records, self.lexicon, docs, history, passages)
        catalog.model  # noqa: B018 - the question model is trained here, at start-up, not on the first question
        retriever = Retriever(catalog, self.lexicon, self.dense, PassageSearch(catalog.passages, self.dense))
        return _State(catalog, retriever, Composer(catalog, self.lexicon), revision)

    @classmethod
    def from_settings(cls, settings: Any, store: Any = None) -> Assistant:
        """An assistant over the store's records (``store``, or one opened for ``settings``), with dense
        search on the index and the LLM if set."""
        from ingest.embed import get_embedder  # noqa: PLC0415 - heavy imports only when serving
        from ingest.index import Index  # noqa: PLC0415
        from ingest.store import Store  # noqa: PLC0415

        store = store if store is not None else Store(settings)
        dense = FallbackDense(Index(settings, get_embedder(settings)))
        llm = planner = None
        if importlib.util.find_spec("assistant.answering.llm") is not None:
            llm = importlib.import_module("assistant.answering.llm").build_rewriter(settings)
            planner = importlib.import_module("assistant.understanding.llm_plan").build_planner(settings)
        return cls(store.objectives(), dense=dense, llm=llm, store=store, default_ente=settings.ente, planner=planner)

    @property
    def records(self) -> tuple[Objective, ...]:
        """The records answered from."""
        return self._state.catalog.records

    def refresh(self) -> bool:
        """Reload the records when the store's revision changed; cheap when it did not."""
        if self._store is None:
            return False
        revision = self._store.revision()
        if revision == self._state.revision:
            return False
        with self._lock:
            if revision != self._state.revision:
                self._state = self._load(self._store)
                logger.info("assistant reloaded %d records (revision %s)", len(self._state.catalog.records),
                            self._state.revision)
                return True
        return False

    def _load(self, store: Any, attempts: int = 5) -> _State:
        """A state built from one version of the store: records, documents, history and passages are
        separate reads, so they are read again when an ingest committed in between (else an answer
        could mix two versions of a document)."""
        for _ in range(attempts):
            before = store.revision()
            state = self._build(store.objectives(), before)
            if store.revision() == before:
                return state
        logger.warning("the store kept changing while the assistant reloaded: reloading at the next request")
        return _State(state.catalog, state.retriever, state.composer, None)

    def plan(self, messages: Sequence[Message], mode: Mode = "staff") -> tuple[Plan, Evidence]:
        """The plan and evidence of the last user message, follow-ups resolved by replaying the
        earlier user turns (each turn's objectives are the context of the next)."""
        state = self._state
        questions = [m.content for m in messages if m.role == "user"]
        if not questions:
            raise ValueError("nessuna domanda nei messaggi")
        previous, context = self._replay(state, questions[:-1], mode)
        return self._step(state, questions[-1], mode, previous, context)

    def _replay(self, state: _State, earlier: Sequence[str], mode: Mode) -> tuple[Plan | None, list[str] | None]:
        """The plan and the objectives of the turn before, from the earlier user turns."""
        previous: Plan | None = None
        context: list[str] | None = None
        for question in earlier[-(MAX_REPLAYED_TURNS - 1):]:
            previous, ev = self._step(state, question, mode, previous, context)
            context = ev.keys or context
        return previous, context

    def _step(self, state: _State, question: str, mode: Mode, previous: Plan | None,
              context: list[str] | None) -> tuple[Plan, Evidence]:
        return self._parts(state, question, mode, previous, context)[-1]

    def _parts(self, state: _State, question: str, mode: Mode, previous: Plan | None,
               context: list[str] | None) -> list[tuple[Plan, Evidence]]:
        """The plan and evidence of a question, or of each of its two clauses when they ask different
        kinds of things ('di quanti obiettivi risponde e quanto pesano in totale?'); the second clause
        is about what the first found unless it names something of its own."""
        def step(text: str, before: Plan | None, keys: list[str] | None) -> tuple[Plan, Evidence]:
            plan = understand(text, state.catalog, self.lexicon, mode, before, keys, self.default_ente)
            if self.planner is not None:
                plan = self.planner.refine(plan, state.catalog)
            return plan, gather(plan, state.catalog, state.retriever, self.lexicon)

        parts = clauses(question)
        if len(parts) == 2:
            first, ev = step(parts[0], previous, context)
            second = understand(parts[1], state.catalog, self.lexicon, mode, first, ev.keys or context,
                                self.default_ente)
            if asks_apart(first, second):
                second = about_first(second, first, ev.keys, self.lexicon, state.catalog.vocabulary)
                return [(first, ev), (second, gather(second, state.catalog, state.retriever, self.lexicon))]
        return [step(question, previous, context)]

    def answer(self, messages: Sequence[Message], mode: Mode = "staff") -> Answer:
        """The answer to the last user message of a conversation."""
        state = self._state
        questions = [m.content for m in messages if m.role == "user"]
        if not questions:
            raise ValueError("nessuna domanda nei messaggi")
        previous, context = self._replay(state, questions[:-1], mode)
        parts = self._parts(state, questions[-1], mode, previous, context)
        draft = merge_answers([state.composer.compose(plan, evidence) for plan, evidence in parts])
        plan = parts[0][0]
        if self.llm is not None and not draft.refused:
            return self.llm.rewrite(questions[-1], plan, draft, mode)
        return draft

    def ask(self, question: str, mode: Mode = "staff") -> Answer:
        """One question, no conversation."""
        return self.answer([Message(role="user", content=question)], mode)
