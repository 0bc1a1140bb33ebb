"""The Assistant: scope -> understand -> retrieve / query records -> compose.

The scope (the body a question names, else the default one) is resolved first, from an index of the
bodies' names; the question is then answered within that scope's state only (``partition.py``).
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.across import answer_across, more_requests
from assistant.answering.compose import Composer
from assistant.answering.merge import merge_answers
from assistant.catalog import Catalog
from assistant.lexicon import Lexicon, load_lexicon
from assistant.partition import EntityIndex, ScopeCache, ScopedDense, ScopeKey, sample_documents, scope_key
from assistant.querying.evidence import Evidence, gather
from assistant.querying.passages import PassageSearch
from assistant.querying.retrieve import DenseSearch, FallbackDense, Retriever
from assistant.scope import PlanDoc, _docs_from_records
from assistant.types import Answer, Message, Mode, Plan
from assistant.understanding.clauses import about_first, asks_apart, clauses, joined_fields, joined_set
from assistant.understanding.language import warm_languages
from assistant.understanding.plan import understand
from ingest.errors import StoreError
from ingest.types import Objective, Passage

logger = logging.getLogger(__name__)

MAX_REPLAYED_TURNS = 6
SCOPE_CACHE_SIZE = 64  # per-scope states kept in memory (each about 1 MB for a body of 35 objectives)
MODEL_SAMPLE_RECORDS = 300  # records whose values the question model is trained on (the first bodies')
PAGE_BODIES = 10  # bodies answered together, and per page when a question names none of more bodies
PAGE_ITEMS = 20  # objectives listed per page of an answer about several bodies
ACROSS_ANSWERS_KEPT = 512  # answers across the bodies kept per store revision


@dataclass(frozen=True)
class ScopeState:
    """Everything derived from the records of one scope (one or a few bodies)."""

    key: ScopeKey
    catalog: Catalog
    retriever: Retriever
    composer: Composer


@dataclass(frozen=True)
class _Directory:
    """What one revision of the store holds, read once: the documents, the bodies' names, the shared
    question model, and the cache of per-scope states."""

    revision: str | None
    index: EntityIndex
    model: Any
    records: dict[str, tuple[Objective, ...]] | None  # per document, when answering from records in memory
    cache: ScopeCache[ScopeState]
    across: dict[tuple[str, str, int], Answer] = field(default_factory=dict)  # answers across bodies, this revision

    @property
    def everyone(self) -> ScopeKey:
        return scope_key(self.index.bodies)


@dataclass(frozen=True)
class Route:
    """Where a question is answered: one scope, or across the bodies (none named among many)."""

    key: ScopeKey | None  # None: across the bodies


class Assistant:
    """Grounded answers about the records; thread-safe for reads, one instance per process.

    ``Assistant(records)`` works on records in memory (tests, scripts); with a ``store`` the records
    are read from it one scope at a time (``records`` is then not needed). ``Assistant.from_settings``
    loads from the store, searches the Chroma index and wires the optional LLM rewriter.
    """

    def __init__(self, records: Sequence[Objective] | None = None, dense: DenseSearch | None = None,
                 llm: Any | None = None, *, lexicon: Lexicon | None = None, store: Any | None = None,
                 default_ente: str | None = None, passages: Sequence[Passage] = (),
                 cache_size: int = SCOPE_CACHE_SIZE, page_bodies: int = PAGE_BODIES,
                 page_items: int = PAGE_ITEMS, prefetch: bool = False, planner: Any | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.dense = dense
        self.llm = llm
        self.planner = planner  # an optional ``LLMPlanner``: a chat model proposing each question's plan
        self.default_ente = default_ente
        self.cache_size, self.page_bodies, self.page_items = cache_size, page_bodies, page_items
        self.prefetch = prefetch  # build the bodies' states in the background after each load
        self._records = tuple(records or ()) if store is None else None
        self._passages = tuple(passages)
        self._store = store
        self._lock = threading.Lock()
        self._dir = self._load()
        self._start_prefetch()

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
        # the word lists of foreign questions, read in the background: the first such question waits for none
        threading.Thread(target=warm_languages, name="piao-languages", daemon=True).start()
        return cls(dense=dense, llm=llm, store=store, default_ente=settings.ente,
                   cache_size=settings.scope_cache_size, prefetch=settings.scope_prefetch, planner=planner)

    # --- loading ----------------------------------------------------------------------------------
    def _load(self, attempts: int = 5) -> _Directory:
        """The directory of one store revision (read again when an ingest committed meanwhile), with the
        default scope's state built now, so that the first question finds it ready."""
        for _ in range(attempts):
            before = self._store.revision() if self._store is not None else None
            directory = self._directory(before)
            self._warm(directory)
            if self._store is None or self._store.revision() == before:
                return directory
        logger.warning("the store kept changing while the assistant reloaded: reloading at the next request")
        return _Directory(None, directory.index, directory.model, directory.records, directory.cache)

    def _directory(self, revision: str | None) -> _Directory:
        from assistant.understanding.model import model_for  # noqa: PLC0415 - sklearn only when serving

        if self._store is not None:
            docs = [PlanDoc(d.documento, d.ente, d.periodo, d.data_monitoraggio) for d in self._store.documents()]
            by_doc = None
        else:
            docs = _docs_from_records(self._records or ())
            grouped: dict[str, list[Objective]] = defaultdict(list)
            for o in self._records or ():
                grouped[o.documento].append(o)
            by_doc = {documento: tuple(objs) for documento, objs in grouped.items()}
        index = EntityIndex(docs)
        model = model_for(self._model_sample(index, by_doc))  # cached by the sample's values
        directory = _Directory(revision, index, model, by_doc, ScopeCache(lambda k: self._build(directory, k),
                                                                          self.cache_size))
        return directory

    def _model_sample(self, index: EntityIndex, by_doc: dict[str, tuple[Objective, ...]] | None) -> list[Objective]:
        """The records the question model learns from: all of them when few, else the default body's and
        the first bodies' up to ``MODEL_SAMPLE_RECORDS`` (start-up does not grow with the bodies)."""
        if by_doc is not None:
            if len(self._records or ()) <= MODEL_SAMPLE_RECORDS:
                return list(self._records or ())
            chosen = sample_documents(index, [index.known(self.default_ente)], lambda d: len(by_doc[d]),
                                      MODEL_SAMPLE_RECORDS)
            return [o for d in chosen for o in by_doc[d]]
        store = self._store
        if store.count_objectives() <= MODEL_SAMPLE_RECORDS:
            return store.objectives()
        chosen = sample_documents(index, [index.known(self.default_ente)], store.count_objectives,
                                  MODEL_SAMPLE_RECORDS)
        return [o for d in chosen for o in store.objectives(documento=d)]

    def _warm(self, directory: _Directory) -> None:
        route = self._default_route(directory)
        if route.key is not None and directory.index.bodies:
            directory.cache.get(route.key)

    def _start_prefetch(self) -> None:
        if self.prefetch and len(self._dir.index) > 1:
            threading.Thread(target=self._prefetch, args=(self._dir,), name="piao-scopes", daemon=True).start()

    def _prefetch(self, directory: _Directory) -> None:
        """The bodies' states, built in the background up to the cache's bound, so that questions find
        them ready while start-up waits for none of them; stops when the store's revision changes."""
        for ente in directory.index.bodies[:self.cache_size]:
            if self._dir is not directory:
                return
            try:
                directory.cache.get(scope_key([ente]))
            except StoreError as exc:
                logger.warning("the bodies' answers are prepared on demand: %s", exc.message)
                return

    def _build(self, directory: _Directory, key: ScopeKey) -> ScopeState:
        """The state of one scope, from its documents' records only."""
        documents = directory.index.documents(key)
        whole = key == directory.everyone
        history: list[Any] | None = None
        plan_docs: list[PlanDoc] | None = None
        if self._store is not None:
            store = self._store
            records = store.objectives() if whole else [o for d in documents for o in store.objectives(documento=d)]
            history = store.status_history() if whole else [h for e in key for h in _history_of(store, e)]
            passages = store.passages() if whole else [p for d in documents for p in store.passages(d)]
            plan_docs = [directory.index.docs[d] for d in documents]
        else:
            records = list(self._records or ()) if whole else [o for d in documents for o in directory.records[d]]
            wanted = set(documents)
            passages = [p for p in self._passages if whole or p.documento in wanted]
        catalog = Catalog(records, self.lexicon, plan_docs, history, passages, model=directory.model,
                          multi=len(directory.index.docs) > 1)
        dense = self.dense if whole or self.dense is None or not documents else ScopedDense(self.dense,
                                                                                              tuple(documents))
        retriever = Retriever(catalog, catalog.lexicon, dense, PassageSearch(catalog.passages, dense))
        logger.debug("scope %s built: %d records", key, len(records))
        return ScopeState(key, catalog, retriever, Composer(catalog, catalog.lexicon))

    @property
    def records(self) -> tuple[Objective, ...]:
        """Every record answered from (read from the store when there is one)."""
        if self._store is not None:
            return tuple(self._store.objectives())
        return self._records or ()

    def refresh(self) -> bool:
        """Reload the documents when the store's revision changed; cheap when it did not."""
        if self._store is None:
            return False
        revision = self._store.revision()
        if revision == self._dir.revision:
            return False
        with self._lock:
            if revision != self._dir.revision:
                self._dir = self._load()
                self._start_prefetch()
                logger.info("assistant reloaded %d documents of %d bodies (revision %s)",
                            len(self._dir.index.docs), len(self._dir.index), self._dir.revision)
                return True
        return False

    # --- routing ----------------------------------------------------------------------------------
    def _default_route(self, directory: _Directory) -> Route:
        """A question naming no body: the default one, else all of them when few, else across them."""
        default = directory.index.known(self.default_ente)
        if default is not None:
            return Route((default,))
        if len(directory.index) <= self.page_bodies:
            return Route(directory.everyone)
        return Route(None)

    def routes(self, questions: Sequence[str], directory: _Directory | None = None) -> list[Route]:
        """Each question's route: the body it names, else as the question before, else the default."""
        directory = directory or self._dir
        out: list[Route] = []
        for question in questions:
            ente, everyone = directory.index.find(question)
            if ente is not None:
                route = Route((ente,))
            elif everyone:
                route = Route(directory.everyone) if len(directory.index) <= self.page_bodies else Route(None)
            else:
                route = out[-1] if out else self._default_route(directory)
            out.append(route)
        return out

    @property
    def cached_scopes(self) -> int:
        """How many per-scope states are held in memory now (at most ``cache_size``)."""
        return len(self._dir.cache)

    def scope(self, key: ScopeKey) -> ScopeState:
        """The state of a scope (built on first use, kept in the bounded cache)."""
        return self._dir.cache.get(key)

    def default_scope(self) -> ScopeState:
        """The state of the scope a question naming no body is answered in (the first body's when the
        answer would go across the bodies)."""
        key = self._default_route(self._dir).key
        return self.scope(key if key is not None else scope_key(self._dir.index.bodies[:1]))

    # --- answering --------------------------------------------------------------------------------
    def plan(self, messages: Sequence[Message], mode: Mode = "staff") -> tuple[Plan, Evidence]:
        """The plan and evidence of the last user message, follow-ups resolved by replaying the
        earlier user turns (each turn's objectives are the context of the next)."""
        _, plan, evidence = self._plan(self._dir, _questions(messages), mode)
        return plan, evidence

    def _plan(self, directory: _Directory, questions: Sequence[str], mode: Mode,
              ) -> tuple[ScopeState, Plan, Evidence]:
        state, parts = self._plan_parts(directory, questions, mode)
        return (state, *parts[-1])

    def _plan_parts(self, directory: _Directory, questions: Sequence[str], mode: Mode,
                    ) -> tuple[ScopeState, list[tuple[Plan, Evidence]]]:
        """The scope of the last question and its plan(s) and evidence, earlier turns replayed."""
        questions = list(questions)[-MAX_REPLAYED_TURNS:]
        routes = self.routes(questions, directory)
        previous: Plan | None = None
        context: list[str] | None = None
        for question, route in zip(questions[:-1], routes[:-1], strict=True):
            if route.key is None:
                continue  # a turn across the bodies leaves no context
            previous, ev = self._step(directory.cache.get(route.key), question, mode, previous, context)
            context = ev.keys or context
        key = routes[-1].key if routes[-1].key is not None else scope_key(directory.index.bodies[:1])
        state = directory.cache.get(key)
        return state, self._parts(state, questions[-1], mode, previous, context)

    def _step(self, state: ScopeState, question: str, mode: Mode, previous: Plan | None,
              context: list[str] | None, default_ente: str | None = None) -> tuple[Plan, Evidence]:
        return self._parts(state, question, mode, previous, context, default_ente)[-1]

    def _parts(self, state: ScopeState, question: str, mode: Mode, previous: Plan | None,
               context: list[str] | None, default_ente: str | None = None) -> list[tuple[Plan, Evidence]]:
        """The plan and evidence of a question, or of each of its two clauses when they ask different
        kinds of things ('di quanti obiettivi risponde e quanto pesano in totale?'); the second clause
        is about what the first found unless it names something of its own."""
        default = self.default_ente if default_ente is None else default_ente

        def step(text: str, before: Plan | None, keys: list[str] | None,
                 joined: tuple[Plan, Plan] | None = None) -> tuple[Plan, Evidence]:
            plan = understand(text, state.catalog, state.catalog.lexicon, mode, before, keys, default)
            if joined is not None:
                plan = joined_fields(joined_set(plan, *joined), *joined)
            if self.planner is not None:
                plan = self.planner.refine(plan, state.catalog)
            return plan, gather(plan, state.catalog, state.retriever, state.catalog.lexicon)

        parts = clauses(question, state.catalog.value_names)
        if len(parts) == 2:
            first, ev = step(parts[0], previous, context)
            second = understand(parts[1], state.catalog, state.catalog.lexicon, mode, first, ev.keys or context,
                                default)
            if asks_apart(first, second):
                second = about_first(second, first, ev.keys, state.catalog.lexicon, state.catalog.vocabulary)
                return [(first, ev), (second, gather(second, state.catalog, state.retriever, state.catalog.lexicon))]
            return [step(question, previous, context, (first, second))]
        return [step(question, previous, context)]

    def answer(self, messages: Sequence[Message], mode: Mode = "staff", page: int | None = None) -> Answer:
        """The answer to the last user message of a conversation; ``page`` (from 1) pages an answer
        about many bodies, as does a last message asking for more ('altri')."""
        directory = self._dir
        questions = _questions(messages)
        more = more_requests(questions)
        if more and self.routes(questions[:-more][-MAX_REPLAYED_TURNS:], directory)[-1].key is None:
            questions, page = questions[:-more], (page or 1) + more  # 'altri': the next page of the answer before
        route = self.routes(questions[-MAX_REPLAYED_TURNS:], directory)[-1]
        if route.key is None:
            return self._across(directory, questions[-1], mode, page or 1)
        state, parts = self._plan_parts(directory, questions, mode)
        draft = merge_answers([state.composer.compose(plan, evidence) for plan, evidence in parts])
        plan = parts[0][0]
        if self.llm is not None and not draft.refused:
            return self.llm.rewrite(questions[-1], plan, draft, mode)
        return draft

    def _across(self, directory: _Directory, question: str, mode: Mode, page: int) -> Answer:
        """A question naming no body among many: answered once per store revision and kept (it reads a
        page of bodies, so a question asked again, as popular ones are, costs a look-up)."""
        key = (question, mode, page)
        found = directory.across.get(key)
        if found is None:
            found = answer_across(self, directory, question, mode, page)
            if len(directory.across) >= ACROSS_ANSWERS_KEPT:
                directory.across.clear()
            directory.across[key] = found
        return found.model_copy(deep=True)

    def ask(self, question: str, mode: Mode = "staff", page: int | None = None) -> Answer:
        """One question, no conversation."""
        return self.answer([Message(role="user", content=question)], mode, page)


def _questions(messages: Sequence[Message]) -> list[str]:
    questions = [m.content for m in messages if m.role == "user"]
    if not questions:
        raise ValueError("nessuna domanda nei messaggi")
    return questions


def _history_of(store: Any, ente: str | None) -> list[Any]:
    """The dated statuses of one body's plans (the store filters by body; checked here too)."""
    return [h for h in store.status_history(ente=ente) if (h.ente or "") == (ente or "")]
