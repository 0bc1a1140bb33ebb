"""The language a question is written in, read from the words themselves, and English words in Italian."""
from __future__ import annotations

import math
import re
from collections.abc import Collection
from functools import lru_cache

from rapidfuzz import fuzz, process

from assistant.lexicon import Lexicon
from ingest.text import (
    ITALIAN_MIN_COUNT,
    OTHER_LANGUAGES,
    has_thesaurus,
    is_verb,
    italian_words,
    tokens,
    words_of,
)

EN_MIN_EVIDENCE = 8.0  # summed log-frequency advantage of a language over Italian for a question to be in it
LANGUAGE_WORDS = 60  # the words a question's language is read from (a long text's first ones)
FOREIGN_MIN_UNKNOWN = 2  # words Italian lacks before another language than English is considered


def detect_language(text: str, lexicon: Lexicon) -> str:
    """The language a question is written in: 'it', or 'en', 'es', 'fr', 'de'. English when two or more
    English marker words occur and outnumber Italian stop words; else the language whose word list makes
    the words, all told, clearly more frequent than Italian's (the others' lists are read only when
    Italian lacks some of the words)."""
    words = [w for w in tokens(text) if not w.isdigit()][:LANGUAGE_WORDS]
    en = sum(1 for w in words if w in lexicon.english_markers)
    it = sum(1 for w in words if w in lexicon.stopwords and w not in lexicon.english_markers)
    if en >= 2 and en > it:
        return "en"
    candidates = OTHER_LANGUAGES if sum(w not in italian_words() for w in words) >= FOREIGN_MIN_UNKNOWN else ("en",)
    evidence = {lang: sum(_evidence(w, lang) for w in words) for lang in candidates}
    best = max(evidence, key=lambda lang: evidence[lang])
    return best if evidence[best] >= EN_MIN_EVIDENCE else "it"


@lru_cache(maxsize=16384)
def _evidence(word: str, language: str) -> float:
    """How much more frequent a word is in a language than in Italian (log10 of per-billion rates)."""
    total, total_it = _total(language), _total("it")
    rate = _count(word, language) / total * 1e9
    rate_it = italian_words().get(word, 0) / total_it * 1e9
    return math.log10(rate + 1) - math.log10(rate_it + 1)


PLURAL_ENDINGS = {"es": ("es", "s"), "fr": ("s", "x"), "en": ("es", "s"), "de": ("en", "n", "e", "s")}


def _count(word: str, language: str) -> int:
    """A word's frequency in a language's list; a plural the list lacks counts as its singular (some lists
    hold few inflected forms: 'objetivos', 'servicios', 'escolares')."""
    words = words_of(language)
    found = words.get(word, 0)
    for ending in PLURAL_ENDINGS.get(language, ()) if not found else ():
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            found = words.get(word[:-len(ending)], 0)
            if found:
                break
    return found


def warm_languages() -> None:
    """Load the other languages' word lists now (a server does it in the background at start-up), so that
    the first question that needs them does not wait seconds for them."""
    for language in OTHER_LANGUAGES:
        _total(language)
    has_thesaurus()  # and the thesaurus and the Italian dictionary forms
    is_verb("essere")


@lru_cache(maxsize=8)
def _total(language: str) -> int:
    return sum(words_of(language).values())


def translate(text: str, lexicon: Lexicon, language: str = "en") -> str:
    """The words and phrases of a language (English, Spanish, French, German) replaced by their Italian
    equivalents, phrases first: the glossary's names of two or more words first of all ('school canteen'
    is the concept's first name, 'mensa scolastica', not 'scuola canteen'), then the language's table."""
    if language not in lexicon.translations:
        return text
    table, pattern = lexicon.translations[language]
    if language == "de":
        text = decompound(text, table)

    def concept_name(m: re.Match[str]) -> str:
        if _italian(m.group(), lexicon):  # a name written in Italian inside the question stays as written
            return m.group()
        named = [lexicon.synonyms[i] for i in lexicon.synonym_index[m.group()] if lexicon.synonyms[i].concept]
        return named[0].variants[0] if named and " " in m.group() else m.group()

    # the glossary's names, as read above, are not translated again word by word ('all'estero')
    out, start = [], 0
    for m in lexicon.synonym_pattern.finditer(text):
        if " " not in m.group():
            continue
        out += [pattern.sub(lambda w: table[w.group()], text[start:m.start()]), concept_name(m)]
        start = m.end()
    return contract("".join([*out, pattern.sub(lambda w: table[w.group()], text[start:])]))


_PREPOSITIONS = {"di": "de", "a": "a", "da": "da", "in": "ne", "su": "su"}
_ARTICLES = {"il": "l", "lo": "llo", "la": "lla", "i": "i", "gli": "gli", "le": "lle"}
_JOINED = re.compile(r"\b(di|a|da|in|su) (il|lo|la|i|gli|le)\b")


def contract(text: str) -> str:
    """A preposition and an article translated word by word joined as Italian writes them ('su i rifiuti'
    -> 'sui rifiuti', 'di il' -> 'del'), so that names written with them are found ('tassa sui rifiuti')."""
    return _JOINED.sub(lambda m: _PREPOSITIONS[m.group(1)] + _ARTICLES[m.group(2)], text)


COMPOUND_MIN = 8  # letters of a word worth splitting
PART_MIN = 3  # letters of each part of a compound
LINKS = ("", "s", "es", "n", "en", "e")  # what joins a German compound's parts ('Verkehrs-amt')


def decompound(text: str, table: dict[str, str]) -> str:
    """German compounds the table lacks, read as their two parts the table has, head first as Italian
    writes it ('finanzabteilung' -> 'settore finanze', 'schulgarten' -> 'giardino scuola')."""

    def split(m: re.Match[str]) -> str:
        word = m.group()
        if len(word) < COMPOUND_MIN or word in table:
            return word
        for i in range(len(word) - PART_MIN, PART_MIN - 1, -1):  # the longest modifier first
            head, modifier = word[i:], word[:i]
            if head not in table:
                continue
            for link in LINKS:
                base = modifier[:len(modifier) - len(link)]
                if not modifier.endswith(link) or len(base) < PART_MIN:
                    continue
                found = next((table[b] for b in (base, f"{base}en", f"{base}e", f"{base}n") if b in table), None)
                if found:
                    return f"{table[head]} {found}"
        return word

    return re.sub(r"[a-z]+", split, text)


def _italian(phrase: str, lexicon: Lexicon) -> bool:
    """Whether every content word of a phrase is an Italian word ('nucleo di valutazione')."""
    words = [w for w in phrase.split() if w not in lexicon.stopwords]
    known = italian_words()
    return bool(words) and all(known.get(w, 0) >= ITALIAN_MIN_COUNT for w in words)


COGNATE_MIN_SCORE = 80  # character similarity (0-100) of a foreign word and a word of the records
COGNATE_MIN_LENGTH = 6  # shorter words look alike by chance ('camp' ~ 'campi', 'rent' ~ 'ente')


def cognates(text: str, vocabulary: Collection[str], language: str) -> str:
    """A question in another language with its words that are cognates of the records' own words written
    as the records write them ('technical area' -> 'tecnica area', 'accreditation' -> 'accreditamento'): the
    plan's words decide, no list is kept. Only words Italian lacks, long enough, starting alike."""
    choices: list[str] = []  # the records' words to compare with, gathered only when a word needs them

    def swap(m: re.Match[str]) -> str:
        word = m.group()
        if len(word) < COGNATE_MIN_LENGTH or word in vocabulary or word in italian_words() \
                or word not in words_of(language):
            return word
        if not choices:
            choices.extend(sorted(w for w in vocabulary if w.isalpha() and len(w) >= COGNATE_MIN_LENGTH - 1))
        found = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=COGNATE_MIN_SCORE)
        return found[0] if found and found[0][0] == word[0] else word

    return re.sub(r"[a-z]+", swap, text)
