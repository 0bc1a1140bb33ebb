"""The one text module of the project: normalisation for the readers, the label matcher, the record
builder and the assistant (case, accents, quotes, spacing, tokens, Italian stems, typo correction).

Records keep the document's wording: these helpers only normalise white space, decide when a
cell means "nothing" and fold text for *matching* (never for storing).
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import simplemma
import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

_WHITESPACE = re.compile(r"\s+")
_DASHES_ONLY = re.compile(r"^[-\u2013\u2014]+$")
_BRACKETED = re.compile(r"\([^()]*\)")
_SLASH_SPACES = re.compile(r"\s*/\s*")
_TRAILING_PUNCT = re.compile(r"[\s:.;*]+$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")


def normalize_space(text: str) -> str:
    """Runs of white space (NBSP, tabs, newlines included) become one space; ends stripped."""
    return _WHITESPACE.sub(" ", text).strip()


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Normalise each paragraph, drop the empty ones, join the rest with ``\\n``."""
    return "\n".join(p for p in (normalize_space(x) for x in paragraphs) if p)


def null_if_empty(text: str | None) -> str | None:
    """``None`` for a cell that is empty or only dashes (``-``, ``---``), else the text."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped or _DASHES_ONLY.match(stripped):
        return None
    return text


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=8192)
def _strip_char(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def strip_accents(text: str) -> str:
    """``Comunità`` -> ``Comunita`` (each character decomposed on its own: the marks that a whole-text
    decomposition would reorder are the ones dropped, so the result is the same, in a fraction of the time)."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(lambda m: _strip_char(m.group()), text)


def fold(text: str) -> str:
    """Matching key of a label: lower case, no accents, no (bracketed notes), tidy spaces.

    ``"Peso\\n(in %\\nmax 100)"`` -> ``"peso"``; ``"Stakeholder\\nfinali / destinatari"`` ->
    ``"stakeholder finali/destinatari"``.
    """
    folded = strip_accents(text).lower().replace("\u2019", "'")
    previous = None
    while previous != folded:  # nested brackets: remove innermost first
        previous = folded
        folded = _BRACKETED.sub(" ", folded)
    folded = _SLASH_SPACES.sub("/", normalize_space(folded))
    return _TRAILING_PUNCT.sub("", folded)


_ABSENCE_WORDS = frozenset({"no", "non", "nessun", "nessuna", "nessuno", "n/a", "na", "nd", "n.d."})


def stated(value: object) -> bool:
    """Whether a field's value states something: not empty, not only dashes, not a value saying the
    field is absent ('No', 'Non previsto', 'Nessuno', 'n/a')."""
    if value is None:
        return False
    text = strip_accents(str(value)).lower().strip()
    if not text or _DASHES_ONLY.match(text):
        return False
    first = text.split()[0].strip(".,;:–-")
    return first not in _ABSENCE_WORDS


def slugify(text: str) -> str:
    """``"VITA DELLA COMUNITÀ"`` -> ``"vita-della-comunita"``."""
    return _NON_ALNUM.sub("-", strip_accents(text).lower()).strip("-")


def drop_bookmarks(text: str) -> str:
    """Remove the ``[bookmark: NAME]`` markers that text exports leave for Word bookmarks."""
    return _BOOKMARK.sub("", text)


# --- matching questions against records (the assistant) -----------------------------------------
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"',
                         "„": '"', "–": "-", "—": "-", "\u00a0": " "})
_TOKEN = re.compile(r"[a-z0-9]+")
_STEMMER = Stemmer.Stemmer("italian")


def norm(text: str) -> str:
    """Lower case, no accents, plain quotes and dashes, single spaces (as the eval scorer does)."""
    return " ".join(strip_accents(str(text).translate(_QUOTES)).casefold().split())


def tokens(text: str) -> list[str]:
    """Word tokens of a text, normalised (letters and digits only)."""
    return _TOKEN.findall(norm(text))


def writes_phrase(text: str, phrase: str) -> bool:
    """Whether a text writes a phrase word for word, in any inflection ('liste d'attesa' in 'lista
    d'attesa'), case, accents and punctuation aside."""
    words = " ".join(map(stem, tokens(phrase)))
    return bool(words) and f" {words} " in f" {' '.join(map(stem, tokens(text)))} "


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Italian Snowball stem, then a final vowel dropped so that 'orto'/'orti' meet, and the 'h' of a
    plural in -che/-ghe dropped so that 'buca'/'buche' and 'targa'/'targhe' meet."""
    s = _STEMMER.stemWord(token)
    if token.endswith("ere") and len(token) > 5:
        # a plural in -ere is no infinitive: 'delibere' meets 'delibera' ('deliber'), not 'delib'
        lemma = simplemma.lemmatize(token, lang="it")
        if lemma == token[:-1] + "a":
            s = _STEMMER.stemWord(lemma)
    if len(s) > 4 and s[-1] in "aeiou":
        s = s[:-1]
    if len(s) > 3 and s[-2:] in ("ch", "gh"):
        s = s[:-1]
    return s


_INFINITIVE = re.compile(r"(?:are|ere|ire|rre)$")


@lru_cache(maxsize=8192)
def is_verb(word: str) -> bool:
    """Whether an Italian word is a form of a verb, by its dictionary form (simplemma's lemma: 'ammontavano'
    -> 'ammontare', 'vanno' -> 'andare'; 'persone' -> 'persona' is none)."""
    return bool(_INFINITIVE.search(simplemma.lemmatize(word, lang="it")))


THESAURUS_PATHS = ("/usr/share/mythes/th_it_IT_v2.dat",)  # Debian's mythes-it (LibreOffice's thesaurus)


@lru_cache(maxsize=1)
def _thesaurus() -> dict[str, frozenset[str]]:
    """An Italian thesaurus in the MyThes format (LibreOffice's, Debian's ``mythes-it``), when installed:
    word -> its one-word synonyms as a noun (the noun meanings' lists joined, read both ways)."""
    chosen = os.environ.get("PIAO_THESAURUS")
    if chosen == "none":  # switched off
        return {}
    for path in (chosen, *THESAURUS_PATHS):
        if path and os.path.exists(path):
            break
    else:
        return {}
    out: dict[str, set[str]] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        fh.readline()
        head: str | None = None
        left = 0
        for line in fh:
            line = line.rstrip("\n")
            if left == 0:
                word, _, n = line.partition("|")
                head, left = norm(word), int(n) if n.isdigit() else 0
                continue
            left -= 1
            if not line.startswith("(s."):
                continue  # a noun's meanings only: an amount counts things
            for w in line.split("|")[1:]:
                w = norm(w)
                if head and w and " " not in w:
                    out.setdefault(head, set()).add(w)
    for head, alike in list(out.items()):  # both ways: 'richiesta' gives 'domanda', so 'domanda' gives 'richiesta'
        for w in list(alike):
            out.setdefault(w, set()).add(head)
    return {k: frozenset(v) for k, v in out.items()}


def has_thesaurus() -> bool:
    """Whether an Italian thesaurus is installed (``PIAO_THESAURUS`` or Debian's ``mythes-it``)."""
    return bool(_thesaurus())


def synonyms(word: str) -> frozenset[str]:
    """The thesaurus's one-word synonyms of a word's dictionary form (empty without a thesaurus)."""
    table = _thesaurus()
    return table.get(norm(simplemma.lemmatize(word, lang="it")), frozenset()) | table.get(norm(word), frozenset())


def stems(text: str) -> list[str]:
    """Stems of the word tokens of a text."""
    return [stem(t) for t in tokens(text)]


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of the (normalised) phrases at word boundaries, longest first."""
    items = sorted({norm(p) for p in phrases if norm(p)}, key=len, reverse=True)
    if not items:
        return None
    body = "|".join(re.escape(p) for p in items)
    return re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])")


ITALIAN_MIN_COUNT = 20  # a word seen this often in the Italian word list is a word, never a typo


@lru_cache(maxsize=1)
def italian_words() -> dict[str, int]:
    """Italian words and their frequency counts (pyspellchecker's word list, accents stripped)."""
    return _word_list("it")


@lru_cache(maxsize=1)
def english_words() -> dict[str, int]:
    """English words and their frequency counts (pyspellchecker's word list)."""
    return _word_list("en")


OTHER_LANGUAGES = ("en", "es", "fr", "de")  # languages a question may come in, besides Italian


@lru_cache(maxsize=len(OTHER_LANGUAGES) + 1)  # and Italian
def words_of(language: str) -> dict[str, int]:
    """A language's words and their frequency counts (loaded on first use: 25-110 MB each)."""
    return italian_words() if language == "it" else english_words() if language == "en" else _word_list(language)


def _word_list(language: str) -> dict[str, int]:
    from spellchecker import SpellChecker  # noqa: PLC0415 - loads a word list of some 100,000 words once

    out: dict[str, int] = {}
    for word, count in SpellChecker(language=language, distance=1).word_frequency.dictionary.items():
        key = norm(word)
        out[key] = max(out.get(key, 0), count)
    return out


PROTECTED_TARGET_MIN = 5  # letters a protected word (a stop word) needs to be a correction


_REPEATED = re.compile(r"(.)\1+")


def single_letters(word: str) -> str:
    """The word with each run of one letter written once ('palazzetto' -> 'palazeto')."""
    return _REPEATED.sub(r"\1", word)


class Speller:
    """Corrects typos against a known vocabulary.

    A word is corrected only when it is unknown (to the records, the lexicon and the Italian word
    list), has four letters or more, and a vocabulary word with the same first letter lies within
    Levenshtein distance 1 (2 for words of nine letters or more): 'fondi' stays 'fondi' though the
    records say 'fonti'. Double letters written single (or single ones doubled), the commonest Italian
    slip, cost nothing: 'palazeto' is 'palazzetto'.
    """

    def __init__(self, vocabulary: Iterable[str], protected: Iterable[str] = ()) -> None:
        protected = set(protected)
        by_letter: dict[str, list[str]] = {}
        # a long protected word is a fine correction ('qunti' -> 'quanti'); a short one too easily reached
        for w in sorted({w for w in (*vocabulary, *protected) if len(w) >= 3 and w.isalpha()
                         and (w not in protected or len(w) >= PROTECTED_TARGET_MIN)}):
            by_letter.setdefault(w[0], []).append(w)
        self._by_letter = by_letter
        self._known = set(vocabulary) | protected
        self._single: dict[str, str] = {}
        for words in by_letter.values():
            for w in words:
                self._single.setdefault(single_letters(w), w)

    def correct(self, token: str) -> str:
        """The closest known word, or the token itself when it is known or nothing is close."""
        if token in self._known or len(token) < 4 or not token.isalpha() or \
                italian_words().get(token, 0) >= ITALIAN_MIN_COUNT:
            return token
        doubled = self._single.get(single_letters(token))
        if doubled is not None:
            return doubled
        limit = 1 if len(token) < 9 else 2
        found = process.extractOne(token, self._by_letter.get(token[0], []), scorer=Levenshtein.distance,
                                   score_cutoff=limit)
        return found[0] if found else token

    def correct_text(self, text: str, keep: Iterable[str] = (), names: frozenset[str] = frozenset()) -> str:
        """A normalised text with each unknown word replaced by its correction; a word in ``keep`` (a
        proper name) is only corrected into one of ``names`` (the stored people's name words)."""
        kept = set(keep)

        def fix(word: str) -> str:
            fixed = self.correct(word)
            return fixed if word not in kept or fixed in names else word

        return re.sub(r"[a-z]+", lambda m: fix(m.group()), text)


def inner_words(question: str) -> Iterator[list[str]]:
    """The words of each sentence of a question after its first word (case kept)."""
    for sentence in re.split(r"[.?!:;\n]+", question):
        yield re.findall(r"[^\W\d_][\w'’]*", sentence)[1:]


def capitalised(word: str) -> bool:
    """'Mario' yes; 'mario' and the acronym 'PNRR' no."""
    return word[:1].isupper() and not word.isupper()


def proper_names(question: str) -> set[str]:
    """Normalised words written with a capital inside a sentence: names, never 'corrected' ('Mario')."""
    return {norm(w) for words in inner_words(question) for w in words if capitalised(w)}
