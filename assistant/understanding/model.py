"""The question model: intent, asked fields, refers-back, out-of-scope kind, filter polarity, ranking
group and direction, learned from the corpus that ``generate.py`` writes for the loaded records.

Features are character n-grams (robust to typos, abbreviations and inflection) and word n-grams of the
normalised question; each label is a linear SVM over them (scikit-learn), its margins squashed into
[0, 1] scores (a softmax for several classes, a logistic for two). Training takes about a second and is
cached per set of record values, so it runs at start-up for any plan.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from assistant.understanding.generate import Example, Values, generate
from assistant.understanding.injection import InjectionModel
from ingest.text import norm
from ingest.types import Objective

logger = logging.getLogger(__name__)

FIELD_THRESHOLD = 0.5  # a field is asked when its score reaches this; the best one is kept
FIELD_SECOND = 0.3  # beside a field asked for sure, another one with this score is asked too
MAX_SEGMENTS = 8  # clauses read apart at most
SEGMENT_THRESHOLD = 0.7  # a field read in one clause of several (a short clause is read less surely)
FIELD_KEEP_BEST = 0.3  # for a field/status question when it reaches this
SOFTMAX_SCALE = 3.0  # margins -> scores
TRAIN_THREADS = 4  # classifiers trained at once (at most the machine's cores)
UNKNOWN_MIN = 0.5  # out of scope only when the model is this sure; else the next intent
GENERATOR_VERSION = "4"
SEED = 13  # of the first member's corpus; the others take the next seeds
MEMBERS = 3  # models averaged: 3 halve the readings that move from one corpus to another (evals in docs)
# where a question's clauses meet: punctuation, or a conjunction between words
_SEGMENTS = re.compile(r"\s*[,;:?!]\s*|\s+(?:e|ed|and|oppure|o|or)\s+", re.IGNORECASE)
_PUNCTUATION = re.compile(r"\s*[,;:?!]\s*")
_HEADS = ("intent", "refers_back", "oos", "polarity", "group_by", "direction")


@dataclass(frozen=True)
class Prediction:
    """What the model reads in a question, with the probabilities behind it."""

    intent: str
    intent_p: float
    intent_scores: dict[str, float] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    field_p: dict[str, float] = field(default_factory=dict)
    refers_back: bool = False
    refers_back_p: float = 0.0
    oos: str = "none"
    oos_p: float = 0.0
    polarity: str = "none"
    group_by: str = "none"
    direction: str = "none"


def _features() -> FeatureUnion:
    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                  max_features=60000)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
    ])


def _classifier(c: float = 0.5) -> LinearSVC:
    return LinearSVC(C=c, class_weight="balanced")


def _fit_all(jobs: Sequence[tuple[Any, Any]]) -> list[LinearSVC | None]:
    """One classifier per (features, labels), ``None`` where the labels have one class only; trained on
    the machine's cores (liblinear leaves the interpreter lock while it fits)."""
    def fit(job: tuple[Any, Any]) -> LinearSVC | None:
        x, y = job
        return _classifier().fit(x, y) if len(set(np.asarray(y).tolist())) > 1 else None

    with ThreadPoolExecutor(max_workers=max(1, min(TRAIN_THREADS, os.cpu_count() or 1))) as pool:
        return list(pool.map(fit, jobs))


def _scores(clf: LinearSVC, x) -> np.ndarray:
    """Margins as scores in [0, 1] that sum to 1 (one per class). The margins are the linear function
    itself (``decision_function`` without its input checks, which cost most of a question's time)."""
    margin = np.atleast_1d(np.asarray(x @ clf.coef_.T).ravel() + clf.intercept_)
    if margin.shape[0] == 1:  # two classes: the margin of the second
        p1 = 1.0 / (1.0 + np.exp(-SOFTMAX_SCALE * margin[0]))
        return np.array([1.0 - p1, p1])
    e = np.exp(SOFTMAX_SCALE * (margin - margin.max()))
    return e / e.sum()


class _Member:
    """One set of trained heads over its own feature space (one generated corpus)."""

    def __init__(self, examples: Sequence[Example]) -> None:
        texts = [norm(e.text) for e in examples]
        self.features = _features()
        x = self.features.fit_transform(texts)
        jobs: list[tuple[Any, Any]] = []  # (rows of x, labels) of each head, trained together below
        for head in _HEADS:
            labels = [str(getattr(e, head)) for e in examples]
            rows = np.arange(len(examples))
            if head == "oos":  # which request is out of scope: learned on the out-of-scope examples
                rows = np.array([i for i, e in enumerate(examples) if e.intent == "unknown"])
            elif head == "polarity":
                rows = np.array([i for i, e in enumerate(examples) if e.intent in ("list", "count")])
            elif head in ("group_by", "direction"):
                rows = np.array([i for i, e in enumerate(examples) if e.intent in ("rank", "max", "sum")])
            jobs.append((x[rows], [labels[i] for i in rows]))
        self.fields = MultiLabelBinarizer().fit([e.fields for e in examples])
        y_fields = self.fields.transform([e.fields for e in examples])
        jobs += [(x, y_fields[:, j]) for j in range(y_fields.shape[1])]
        trained = _fit_all(jobs)
        self.heads: dict[str, LinearSVC | None] = dict(zip(_HEADS, trained[:len(_HEADS)], strict=True))
        self.field_heads = trained[len(_HEADS):]

    def scores(self, text: str) -> dict[str, dict[str, float]]:
        """Each head's scores per label ('fields': each field's score of being asked)."""
        x = self.features.transform([text])
        out: dict[str, dict[str, float]] = {}
        for name, clf in self.heads.items():
            out[name] = dict(zip(map(str, clf.classes_), map(float, _scores(clf, x)), strict=True)) if clf else {}
        out["fields"] = {str(name): float(_scores(clf, x)[list(clf.classes_).index(1)])
                         for name, clf in zip(self.fields.classes_, self.field_heads, strict=True) if clf is not None}
        return out


def _mean(members: Sequence[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """The members' scores averaged label by label (a label a member lacks counts 0 for it)."""
    out: dict[str, dict[str, float]] = {}
    for scores in members:
        for head, labels in scores.items():
            mean = out.setdefault(head, {})
            for label, value in labels.items():
                mean[label] = mean.get(label, 0.0) + value / len(members)
    return out


class QuestionModel:
    """Trained heads, averaged over members each trained on a corpus generated with its own seed: one
    corpus's random fills move a single model's readings, the mean of several much less."""

    def __init__(self, corpora: Sequence[Sequence[Example]], values: Values | None = None) -> None:
        """``values``: the records' values, for the injection clause model (none without them)."""
        start = time.perf_counter()
        self.members = [_Member(examples) for examples in corpora]
        self.injection = InjectionModel.for_values(values, corpora[0]) if values is not None and corpora else None
        self._recent: dict[str, Prediction] = {}  # normalised question -> labels (read-only, shared)
        self.seconds = time.perf_counter() - start

    def predict(self, text: str) -> Prediction:
        """The labels of one question (normalised here); the last questions' labels are kept (a question
        answered across several bodies is read once per body)."""
        key = norm(text)
        found = self._recent.get(key)
        if found is None:
            found = self._predict(key)
            if len(self._recent) >= RECENT_QUESTIONS:
                self._recent.clear()
            self._recent[key] = found
        return found

    def segment_fields(self, text: str, conjunctions: bool = True) -> list[str]:
        """The fields asked clause by clause ('responsabile, peso e risultato 2025?'), in the order asked:
        in a question asking several things each field is read where it is asked, not drowned by the
        others. Empty for a question of one clause. ``text`` as written (accents kept: 'è' is no 'e'); a text
        whose accents are gone (a translation) is parted at punctuation only (``conjunctions=False``)."""
        parts = [norm(p) for p in (_SEGMENTS if conjunctions else _PUNCTUATION).split(text) if p.strip()]
        if not 2 <= len(parts) <= MAX_SEGMENTS:  # one clause; or a long text, which is no list of questions
            return []
        out: list[str] = []
        for part in parts:
            p = self.predict(part).field_p
            out += [f for f in sorted(p, key=lambda f: -p[f]) if p[f] >= SEGMENT_THRESHOLD and f not in out]
        return out

    def _predict(self, text: str) -> Prediction:
        raw = _mean([m.scores(text) for m in self.members])
        scores = raw.get("intent", {})
        ordered = sorted(scores, key=lambda k: -scores[k]) or ["describe"]
        intent = ordered[0]
        if intent == "unknown" and scores[intent] < UNKNOWN_MIN and len(ordered) > 1:
            intent = ordered[1]
        intent_p = scores.get(intent, 0.0)
        back, back_p = _best(raw, "refers_back")
        oos, oos_p = _best(raw, "oos")
        field_p = raw.get("fields", {})
        fields = sorted((f for f, p in field_p.items() if p >= FIELD_THRESHOLD), key=lambda f: -field_p[f])
        if fields and intent == "field":  # a weaker field too, unless a sibling of one asked ('target_raggiunto')
            family = {f.split("_")[0] for f in fields}
            fields += sorted((f for f, p in field_p.items() if FIELD_SECOND <= p < FIELD_THRESHOLD
                              and f.split("_")[0] not in family), key=lambda f: -field_p[f])
        if not fields and field_p:
            best = max(field_p, key=lambda f: field_p[f])
            fields = [best] if field_p[best] >= FIELD_KEEP_BEST and intent in ("field", "status") else []
        return Prediction(intent=intent, intent_p=intent_p, intent_scores=scores, fields=fields, field_p=field_p,
                          refers_back=back == "True", refers_back_p=back_p if back == "True" else 1 - back_p,
                          oos=oos if intent == "unknown" else "none", oos_p=oos_p,
                          polarity=_best(raw, "polarity")[0], group_by=_best(raw, "group_by")[0],
                          direction=_best(raw, "direction")[0])


def _best(raw: dict[str, dict[str, float]], head: str) -> tuple[str, float]:
    """A head's best label and its score ('none' / 'False' for a head trained on one class only)."""
    labels = raw.get(head) or {}
    if not labels:
        return ("none" if head != "refers_back" else "False"), 0.0
    label = max(labels, key=lambda k: labels[k])
    return label, labels[label]


RECENT_QUESTIONS = 1024  # labels kept for the last questions read

_CACHE: dict[str, QuestionModel] = {}
_LOCK = threading.Lock()
_CACHE_SIZE = 8


def _fingerprint(records: Sequence[Objective]) -> str:
    v = Values.of(records)
    h = hashlib.sha256(GENERATOR_VERSION.encode())
    for part in (v.titles, v.people, v.sectors, v.classes, v.years):
        h.update(repr(part).encode())
    return h.hexdigest()


MODEL_CACHE_ENV = "PIAO_MODEL_CACHE"  # a folder for trained models ('' for none); default <data dir>/models
MODEL_CACHE_FILES = 8  # trained models kept on disk, the most recently written


def model_cache_dir() -> Path | None:
    """Where trained models are kept between processes (a server restart, a second worker)."""
    value = os.environ.get(MODEL_CACHE_ENV)
    if value is not None:
        return Path(value) if value.strip() else None
    return Path(os.environ.get("PIAO_DATA_DIR", "data")) / "models"


@lru_cache(maxsize=1)
def _code_version() -> str:
    """What a trained model depends on besides the records: the assistant's code and data files and the
    libraries' versions (a change to any retrains)."""
    import sklearn  # noqa: PLC0415

    h = hashlib.sha256(f"{sklearn.__version__} {np.__version__}".encode())
    root = Path(__file__).resolve().parents[1]
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.yaml"), root.parent / "ingest" / "text.py"]):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _load(path: Path) -> QuestionModel | None:
    try:
        with open(path, "rb") as fh:
            found = pickle.load(fh)  # noqa: S301 - a file this code wrote into the data folder
        return found if isinstance(found, QuestionModel) else None
    except Exception:  # noqa: BLE001 - a damaged or old file: trained again
        logger.warning("question model cache %s unreadable: training again", path)
        return None


def _save(path: Path, found: QuestionModel) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(found, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # whole or not at all, for a reader in another process
        kept = sorted(path.parent.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[MODEL_CACHE_FILES:]:  # the newest few (each some tens of MB)
            old.unlink(missing_ok=True)
    except OSError as err:
        logger.warning("question model not cached in %s: %s", path.parent, err)


def model_for(records: Sequence[Objective]) -> QuestionModel:
    """The model trained on the corpus of these records: cached by their values in memory, and on disk
    (``model_cache_dir``) for other processes and restarts."""
    key = _fingerprint(records)
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            folder = model_cache_dir()
            path = folder / f"{key[:24]}-{_code_version()}.pkl" if folder is not None else None
            found = _load(path) if path is not None and path.exists() else None
            if found is None:
                found = QuestionModel([generate(records, seed=SEED + i) for i in range(MEMBERS)], Values.of(records))
                logger.info("question model trained in %.1f s", found.seconds)
                if path is not None:
                    _save(path, found)
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = found
        return found
