"""Entity linking: sector, people and classification named in a question, matched to stored values."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.catalog import Catalog, sector_heads
from assistant.lexicon import Lexicon
from ingest.text import (
    ITALIAN_MIN_COUNT,
    capitalised,
    inner_words,
    italian_words,
    norm,
    stem,
    strip_accents,
    tokens,
)

_WORD = re.compile(r"[a-z0-9]+")
_DETERMINERS = frozenset("il lo la l i gli le del dello della dell dei degli delle al allo alla all ai agli alle "
                         "nel nello nella nell nei negli nelle dal dallo dalla dall sul sullo sulla per".split())


@dataclass
class Links:
    """What a question names: stored values, and names that match nothing stored."""

    settore: str | None = None
    persons: list[str] = field(default_factory=list)
    classificazione: str | None = None
    unknown: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # character spans to mask
    by_subject: tuple[int, int] | None = None  # the span of a sector named by what its objectives are about
    sector_span: tuple[int, int] | None = None  # where the sector is named
    sector_excluded: bool = False  # named to be left out ('tranne quelli dei lavori pubblici')
    other_sectors: list[str] = field(default_factory=list)  # more sectors named ('l'area tecnica e quella finanziaria')
    other_spans: list[tuple[int, int]] = field(default_factory=list)  # where they are named
    class_span: tuple[int, int] | None = None  # where the classification is named
    class_excluded: bool = False  # the class left out ('che non rientrano nella classificazione Efficienza')
    exclusion: tuple[int, int] | None = None  # the words leaving it out ('non dell''): no negation of a field

    def filter_named(self) -> bool:
        """Whether a sector, a person, a classification or a name the records lack is named."""
        return bool(self.settore or self.persons or self.classificazione or self.unknown)


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _find_seq(words: list[tuple[str, int, int]], seq: tuple[str, ...], start: int = 0) -> int:
    """Where a name's words occur, any inflection of each ('ufficio tecnico' names 'Area Tecnica')."""
    n = len(seq)
    want = tuple(stem(w) for w in seq)
    for i in range(start, len(words) - n + 1):
        if tuple(stem(w) for w, _, _ in words[i:i + n]) == want:
            return i
    return -1


def _find_name(words: list[tuple[str, int, int]], name: tuple[str, ...], function_words: frozenset[str],
               start: int = 0) -> tuple[int, int]:
    """Where a name's words occur, as ``_find_seq``, its function words aside: the question may write
    others or none between its content words ('servizi ai cittadini' names 'Servizi al Cittadino').
    The (start, end) word positions, (-1, -1) when it does not occur."""
    want = [stem(w) for w in name if w not in function_words]
    if len(want) == len(name) or not want:
        i = _find_seq(words, name, start)
        return (i, i + len(name)) if i >= 0 else (-1, -1)
    for i in range(start, len(words)):
        j, k = i, 0
        while j < len(words) and k < len(want):
            if words[j][0] in function_words and j > i:
                j += 1
            elif stem(words[j][0]) == want[k]:
                j, k = j + 1, k + 1
            else:
                break
        if k == len(want):
            return i, j
    return -1, -1


def link_sector(text: str, original: str, catalog: Catalog, lexicon: Lexicon, links: Links,
                language: str = "it") -> None:
    """Link 'settore Entrate', 'Vita della Comunità', 'SUAP' to a sector heading; remember
    'settore Polizia Locale' as unknown."""
    words = _words(text)
    best: tuple[int, str, int, int] | None = None  # (length, name, start word, end word)
    found: list[tuple[int, str, int, int]] = []
    heads: dict[str, int] = {}  # a one-word name -> how many sectors it names
    for sector in catalog.sectors:
        for variant in sector.variants:
            if len(variant) == 1:
                heads[variant[0]] = heads.get(variant[0], 0) + 1
    for sector in catalog.sectors:
        names = {w for v in sector.variants for w in v}
        for variant in sector.variants:
            i, end = _find_name(words, variant, lexicon.function_words)
            while i >= 0:
                # the next word goes on with the name only when nothing but a space parts them
                # ('area tecnica (ufficio tecnico)', 'settore Entrate, ufficio tributi': an aside)
                nxt = words[end][0] if end < len(words) and not text[words[end - 1][2]:words[end][1]].strip() else ""
                if len(variant) == 1 and (heads[variant[0]] > 1 or (
                        nxt and nxt not in lexicon.stopwords and nxt not in names and not nxt.isdigit())):
                    # one word shared by several sectors, or followed by a word of another name
                    # ('settore servizi sociali' is not 'Servizi scolastici')
                    i, end = _find_name(words, variant, lexicon.function_words, i + 1)
                    continue
                cued = i > 0 and words[i - 1][0] in lexicon.sector_cues
                acronym = len(variant) == 1 and re.search(rf"\b{re.escape(variant[0].upper())}\b", original)
                # 'i pesi del finanziario': a word only sector names use, after an article or preposition, as
                # the name writes it ('dei lavori'; 'il mondo del lavoro' is no sector's name)
                named = (len(variant) == 1 and variant[0] in catalog.sector_only_words and i > 0
                         and words[i - 1][0] in _DETERMINERS and words[i][0] == variant[0])
                if len(variant) >= 2 or cued or acronym or named:
                    found.append((len(variant), sector.name, i - (1 if cued else 0), end))
                    if best is None or len(variant) > best[0]:
                        best = found[-1]
                i, end = _find_name(words, variant, lexicon.function_words, i + 1)
    if best:
        _link(links, best[1], (words[best[2]][1], words[best[3] - 1][2]))
        _other_sectors(text, words, best, found, links)
        return
    _unknown_sector(words, catalog, lexicon, links, language)  # English names X before the cue: 'tax office'


_ANOTHER = re.compile(r"^[\s,]*(?:e|ed|o|od|oppure|ne|né|and|or|nor)?\b", re.I)


def _other_sectors(text: str, words: list[tuple[str, int, int]], best: tuple[int, str, int, int],
                   found: list[tuple[int, str, int, int]], links: Links) -> None:
    """Other sectors named beside the linked one, joined to it by 'e', 'o', 'né' or a comma ('l'area tecnica e
    quella economico-finanziaria', 'servizi demografici, entrate'): each is a sector of the set as well."""
    taken = [(best[2], best[3])]
    grown = True
    while grown:  # a chain of names ('entrate, SUAP e lavori pubblici'): each joined to one taken before
        grown = False
        for _, name, i, end in sorted(found, key=lambda f: (-f[0], f[2])):
            if name == best[1] or name in links.other_sectors or any(i < b and a < end for a, b in taken):
                continue
            near = min(taken, key=lambda t: t[0] - end if t[0] >= end else i - t[1])
            lo, hi = (words[end - 1][2], words[near[0]][1]) if near[0] >= end else (words[near[1] - 1][2], words[i][1])
            # only joining words and the words before a sector's name ('quella', 'dell'') stand between
            if len(_WORD.findall(_ANOTHER.sub("", text[lo:hi], count=1))) > 3:
                continue
            links.other_sectors.append(name)
            links.other_spans.append((words[i][1], words[end - 1][2]))
            links.spans.append(links.other_spans[-1])
            taken.append((i, end))
            grown = True


def _sector_synonym(after: list[str], lexicon: Lexicon) -> tuple[str, ...] | None:
    """The heading words an everyday sector name stands for ('scuola' -> 'scolastici')."""
    for n in range(len(after), 0, -1):  # in any inflection ('urbanistici' for 'urbanistica')
        target = lexicon.sector_synonyms.get(tuple(stem(w) for w in after[:n]))
        if target:
            return target
    return None


SUBJECT_SHARE = 0.6  # of the objectives about a word, the share one sector must hold to be named by it
OFFICE_CUES = frozenset({"settore", "settori", "ufficio", "uffici"})  # 'ufficio X' names a sector, whatever X


def _unknown_sector(words: list[tuple[str, int, int]], catalog: Catalog, lexicon: Lexicon,
                    links: Links, language: str = "it") -> None:
    """'settore X' ('X office' in English) where X names no stored sector: a first word of some variant,
    the usual office name of a heading, or the sector whose objectives are about X."""
    # in English the name comes before its head, and the head may be the plan's own word ('technical area')
    heads = sector_heads([s.name for s in catalog.sectors])
    cues = OFFICE_CUES | heads
    for i, (w, _, _) in enumerate(words):
        if w not in cues:
            continue
        if language == "it" and w not in OFFICE_CUES:  # 'l'area finanziaria': part of a name
            _part_of_a_name(words, i, catalog, lexicon, links, language)
            if not links.settore:  # 'l'area personale': the one sector whose objectives are about it
                _by_subject(words, i, catalog, lexicon, links, language)
            if links.settore:
                return
            continue
        named = _named_near(words, i, lexicon, language)
        if not named:
            continue
        after = [x for x, _, _ in (named if language == "it" else named[::-1])]
        span = _span(words[i], named)
        target = _sector_synonym(after, lexicon)
        for sector in catalog.sectors:
            if any(v[:len(after)] == tuple(after) or (target and set(target) <= set(v)) for v in sector.variants):
                _link(links, sector.name, span)
                return
        _part_of_a_name(words, i, catalog, lexicon, links, language)
        if links.settore:
            return
        # 'ufficio tributi', 'settore urbanistica': the sector whose objectives are about those words
        if _by_subject(words, i, catalog, lexicon, links, language):
            return
        if w in ("settore", "settori") and language == "it":  # 'settore polizia locale': none in the plan
            links.unknown.append("settore " + " ".join(after))
            links.spans.append(span)
        return


def _by_subject(words: list[tuple[str, int, int]], i: int, catalog: Catalog, lexicon: Lexicon, links: Links,
                language: str) -> bool:
    """The sector whose objectives are about the words the sector word at ``i`` heads ('ufficio tributi',
    'l'area personale'), linked; whether one was."""
    named = _named_near(words, i, lexicon, language)
    after = [x for x, _, _ in (named if language == "it" else named[::-1])]
    for n in range(len(after), 0, -1):
        found = catalog.sector_of_words(after[:n] if language == "it" else after[-n:], SUBJECT_SHARE)
        if found is not None:
            span = _span(words[i], named)
            _link(links, found, span)
            links.by_subject = span
            return True
    return False


def _named_near(words: list[tuple[str, int, int]], i: int, lexicon: Lexicon, language: str
                ) -> list[tuple[str, int, int]]:
    """The words naming what the sector word at ``i`` heads: up to two after it ('settore tributi'), before
    it in English ('tax office', nearest first), up to a function word."""
    near = words[i + 1:i + 3] if language == "it" else words[max(0, i - 2):i][::-1]
    named: list[tuple[str, int, int]] = []
    for x in near:
        if x[0] in lexicon.stopwords:
            break
        named.append(x)
    return named


NAME_KEY = 5  # letters a word of a sector's name and a word of the question share ('finanziaria', 'finanze')


def _key(word: str) -> str:
    return word[:NAME_KEY]


def _part_of_a_name(words: list[tuple[str, int, int]], i: int, catalog: Catalog, lexicon: Lexicon, links: Links,
                    language: str) -> None:
    """'l'area finanziaria', 'the finance area': the plan's word for its sectors with some words of one
    sector's name (in any order, in other forms), when they are in one sector's name only ('Area
    Economico-Finanziaria')."""
    named = _named_near(words, i, lexicon, language)[::1 if language == "it" else -1]
    # after 'settore'/'ufficio' every word named must be in the name ('settore politiche sociali' names
    # no sector, it is reported unknown); after the plan's own word ('area') its first words may be
    runs = [named] if words[i][0] in OFFICE_CUES else [
        named[:n] if language == "it" else named[-n:] for n in range(len(named), 0, -1)]
    for part in runs:
        keys = [_key(x[0]) for x in part]
        found = [s for s in catalog.sectors if any(_in_name(keys, [_key(w) for w in v]) for v in s.variants)]
        if part and len(found) == 1:
            _link(links, found[0].name, _span(words[i], part))
            return


def _span(cue: tuple[str, int, int], named: list[tuple[str, int, int]]) -> tuple[int, int]:
    """The characters a sector word and the words it heads cover."""
    ends = [cue, *named]
    return min(e[1] for e in ends), max(e[2] for e in ends)


def _link(links: Links, name: str, span: tuple[int, int]) -> None:
    links.settore, links.sector_span = name, span
    links.spans.append(span)


def _in_name(keys: list[str], name: list[str]) -> bool:
    """Whether the keys are all the name's, each once, in any order ('turismo, scuola e sport' for 'Scuola,
    Sport e Turismo'; others may stand between)."""
    return len(set(keys)) == len(keys) and set(keys) <= set(name)


def link_persons(text: str, original: str, catalog: Catalog, links: Links) -> None:
    """Link full names and capitalised surnames ('Giomo', 'Natascia Giomo') to stored people."""
    words = _words(text)
    capitalised_words = {catalog.speller.correct(t.lower()) for t in tokens_keep_case(original) if t[0].isupper()}
    for person in catalog.persons:
        i = _find_seq(words, person.tokens)
        if i >= 0:
            links.persons.append(person.name)
            links.spans.append((words[i][1], words[i + len(person.tokens) - 1][2]))
            continue
        surname = person.tokens[-1]
        if len(surname) < 4:
            continue
        j = _find_seq(words, (surname,))
        if j >= 0 and (surname in capitalised_words or _only_a_name(surname, catalog)):
            links.persons.append(person.name)
            links.spans.append((words[j][1], words[j][2]))


def _abbreviates(short: str, word: str) -> bool:
    """Whether a title is the word or its abbreviation: same first two letters, its letters in order
    ('ing' of 'ingegnere', 'dottssa' of 'dottoressa', 'geom' of 'geometra')."""
    if short[:2] != word[:2]:
        return False
    rest = iter(word)
    return all(ch in rest for ch in short)


def link_by_title(text: str, catalog: Catalog, lexicon: Lexicon, links: Links) -> None:
    """A person named by the title alone ('gli obiettivi dell'ingegnere', 'chi è il geometra?'): linked when
    exactly one stored person's name starts with that title (the most specific abbreviation of it) and no
    name follows the title (a name the plan lacks is not this person)."""
    titles = catalog.titled_persons
    if not titles:
        return
    words = _words(text)
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and words[j][0] in lexicon.honorifics:
            j += 1
        if j == i:
            i += 1
            continue
        said = "".join(w for w, _, _ in words[i:j])
        followed = j < len(words) and words[j][0] not in lexicon.stopwords
        fits = [t for t in titles if _abbreviates(t, said)]
        best = [t for t in fits if len(t) == max(map(len, fits))]
        if not followed and len(best) == 1 and len(titles[best[0]]) == 1:
            links.persons.append(titles[best[0]][0])
            links.spans.append((words[i][1], words[j - 1][2]))
            return
        i = j


def _only_a_name(word: str, catalog: Catalog) -> bool:
    """A surname that is no word of the language nor of the lexicon ('giomo', 'zanellati'): written in
    lower case it still names the person; 'barbieri', 'amico' or a word of the titles needs its capital."""
    return word not in catalog.known_words.shared and word not in catalog.title_words \
        and italian_words().get(word, 0) < ITALIAN_MIN_COUNT


def tokens_keep_case(text: str) -> list[str]:
    """Word tokens of a text with accents stripped but case kept."""
    return re.findall(r"[A-Za-z0-9]+", strip_accents(text))


def link_classification(text: str, catalog: Catalog, lexicon: Lexicon, links: Links) -> None:
    """Link a classification named in full or in part ('pari opportunità', 'accessibilità, fisica e
    digitale'); a one-word class needs a cue ('classificati come Efficienza')."""
    words = _words(text)
    cued = lexicon.classification_cues.search(text) is not None
    best: tuple[int, str, int, int] | None = None
    for value in catalog.classifications:
        vt = tokens(value)
        for i in range(len(words)):
            for j in range(len(vt)):
                k = 0
                while i + k < len(words) and j + k < len(vt) and words[i + k][0] == vt[j + k]:
                    k += 1
                content = sum(1 for w in vt[j:j + k] if w not in lexicon.stopwords)
                whole = k == len(vt)
                if (content >= 2 or (whole and (cued or len(vt) >= 2)) or (content == 1 and cued and j == 0)) \
                        and (best is None or k > best[0]):
                    best = (k, " ".join(vt[j:j + k]), i, i + k)
    if best:
        links.classificazione = best[1]
        links.class_span = (words[best[2]][1], words[best[3] - 1][2])
        links.spans.append(links.class_span)
        return
    named = _CLASSED_AS.search(text)
    if named and [w for w in tokens(named.group(1)) if w not in lexicon.stopwords]:
        # 'classificati come digitalizzazione': a class no record has (another plan's, or one of this plan's
        # table that no objective uses) is still the filter, and no objective meets it
        links.classificazione = " ".join(tokens(named.group(1)))
        links.class_span = named.span(1)
        links.spans.append(named.span(1))


# 'classificati come X', 'classificato nella categoria X': what follows, to the end of its clause, is a class
_CLASSED_AS = re.compile(r"\bclassificat[oaie]\s+(?:come|nella categoria|nella classe|tra|fra|in)\s+"
                         r"(.+?)(?=\s*[?.;,!:]|\s+(?:e|se|con|che|ma|and|or)\s|$)")


def unknown_name(original: str, catalog: Catalog) -> str | None:
    """A name the records never mention ('Mario Bianchi'): two or more capitalised words inside a
    sentence, none of them a word of the records, of the lexicon or of a stored person."""
    for words in inner_words(original):
        run: list[str] = []
        for w in [*words, ""]:
            if capitalised(w) and norm(w) not in catalog.known_words and norm(w) not in catalog.name_words:
                run.append(w)
                continue
            if len(run) >= 2:
                return " ".join(run)
            run = []
    return None


EXCLUSION_REACH = 3  # words between an exclusion ('tranne quelli') and the sector it leaves out


def _left_out(text: str, links: Links, lexicon: Lexicon) -> None:
    """A sector named after an exclusion ('tranne quelli dei lavori pubblici', 'fuori dall'area tecnica') is
    left out of the set; after 'anche' ('anche quelli fuori dai lavori pubblici') it filters nothing."""
    if links.sector_span is None:
        return
    before = text[:min([links.sector_span[0], *(a for a, _ in links.other_spans)])]  # before the first one named
    found = [m for m in lexicon.exclusions.finditer(before)
             if len(_WORD.findall(before[m.end():])) <= EXCLUSION_REACH]
    if not found:
        # a negation with one verb between ('che non riguardano l'area tecnica', 'non sono dell'area'), not a
        # field said empty ('senza PNRR dell'area tecnica')
        found = [m for m in lexicon.negations.finditer(before) if _a_verb_between(before[m.end():], lexicon)][-1:]
    if not found:
        return
    lead = _WORD.findall(before[:found[-1].start()])[-2:]
    if lexicon.inclusions.search(" ".join(lead)):
        links.settore, links.sector_span = None, None  # the others as well: no sector filter
    else:
        links.sector_excluded, links.exclusion = True, found[-1].span()


def _a_verb_between(gap: str, lexicon: Lexicon) -> bool:
    """Whether the words between a negation and a name are function words and at most one other word that
    names no field ('riguardano', 'appartengono all'')."""
    words = _WORD.findall(gap)
    others = [w for w in words if w not in lexicon.stopwords]
    return len(words) <= EXCLUSION_REACH + 1 and len(others) <= 1 and not set(words) & _field_nouns(lexicon)


_FIELD_NOUNS: dict[int, frozenset[str]] = {}


def _field_nouns(lexicon: Lexicon) -> frozenset[str]:
    """The words naming the records' fields: their labels' and the phrasings' nouns for them."""
    if id(lexicon) not in _FIELD_NOUNS:
        from assistant.understanding.phrasings import load_phrasings  # noqa: PLC0415

        labels = [w for label in lexicon.field_labels.get("it", {}).values() for w in tokens(label)]
        nouns = [w for f in load_phrasings().fields.values() for n in f.nouns for w in tokens(n)]
        _FIELD_NOUNS[id(lexicon)] = frozenset(w for w in [*labels, *nouns] if w not in lexicon.function_words)
    return _FIELD_NOUNS[id(lexicon)]


CLASS_NEGATION_GAP = 4  # words between a negation and the class it leaves out ('non rientrano nella classe X')


def _class_left_out(text: str, links: Links, lexicon: Lexicon) -> None:
    """A class named shortly after a negation or an exclusion, with only function words and the words for a
    class between ('che non rientrano nella classificazione Efficienza', 'tranne quelli classificati come
    Efficienza'; not 'senza PNRR classificati come Efficienza'), is left out of the set."""
    if links.class_span is None:
        return
    before = text[:links.class_span[0]]
    found = sorted([*lexicon.negations.finditer(before), *lexicon.exclusions.finditer(before)], key=lambda m: m.end())
    if not found:
        return
    gap = _WORD.findall(before[found[-1].end():])
    others = [w for w in gap if w not in lexicon.stopwords and not lexicon.classification_cues.fullmatch(w)]
    if len(gap) <= CLASS_NEGATION_GAP and not others:
        links.class_excluded = True
        links.exclusion = links.exclusion or found[-1].span()


_NAME_JOINERS = frozenset({"e", "ed", "and"})  # words that join a name's words ('sport, scuola e turismo')


def _grow_sector_span(text: str, catalog: Catalog, lexicon: Lexicon, links: Links, language: str) -> None:
    """The span of a sector linked by some words of its name, grown over the other words of that name
    beside it ('the school, sport and tourism area' linked by 'tourism area': all of it), so that none is
    left as a topic. Only spaces, commas and 'e' / 'and' may part them, and in English function words too:
    in Italian a name word after a preposition is a topic ('dell'area scuola sul turismo'). The spans of the
    other sectors named beside it grow alike, and over everyday names of the same sector beside the name
    ('l'ufficio entrate e tributi', 'ragioneria e bilancio')."""
    if links.settore is None or links.sector_span is None:
        return
    grown = _grown(text, catalog, lexicon, links.settore, links.sector_span, language)
    if grown != links.sector_span:
        links.spans = [grown if sp == links.sector_span else sp for sp in links.spans]
        if links.by_subject == links.sector_span:
            links.by_subject = grown
        links.sector_span = grown
    for k, (name, span) in enumerate(zip(links.other_sectors, links.other_spans, strict=True)):
        wider = _grown(text, catalog, lexicon, name, span, language)
        links.spans = [wider if sp == span else sp for sp in links.spans]
        links.other_spans[k] = wider


def _grown(text: str, catalog: Catalog, lexicon: Lexicon, name: str, span: tuple[int, int],
           language: str) -> tuple[int, int]:
    sector = next((s for s in catalog.sectors if s.name == name), None)
    if sector is None:
        return span
    keys = {_key(w) for v in sector.variants for w in v if w not in lexicon.function_words}
    joiners = _NAME_JOINERS | (lexicon.function_words if language == "en" else frozenset())
    words = _words(text)
    inside = [k for k, (_, a, b) in enumerate(words) if a >= span[0] and b <= span[1]]
    if not inside:
        return span
    named = {w for v in sector.variants for w in v}

    def _names_it(word: str) -> bool:  # an everyday name of the same sector ('entrate e tributi')
        target = _sector_synonym([word], lexicon)
        return target is not None and set(target) <= named

    def reach(pos: int, step: int) -> int:
        last, j = pos, pos + step
        while 0 <= j < len(words):
            gap = text[words[j][2]:words[j + 1][1]] if step < 0 else text[words[j - 1][2]:words[j][1]]
            if gap.strip(" ,"):
                break
            if _key(words[j][0]) in keys or _names_it(words[j][0]):
                last = j
            elif words[j][0] not in joiners:
                break
            j += step
        return last

    lo, hi = reach(inside[0], -1), reach(inside[-1], 1)
    return min(words[lo][1], span[0]), max(words[hi][2], span[1])


def link_all(text: str, original: str, catalog: Catalog, lexicon: Lexicon, language: str = "it") -> Links:
    """Every entity of a normalised question."""
    links = Links()
    link_persons(text, original, catalog, links)
    if not links.persons:
        link_by_title(text, catalog, lexicon, links)
    link_classification(text, catalog, lexicon, links)
    link_sector(text, original, catalog, lexicon, links, language)
    _grow_sector_span(text, catalog, lexicon, links, language)
    _left_out(text, links, lexicon)
    _class_left_out(text, links, lexicon)
    if not links.filter_named():
        name = unknown_name(original, catalog)
        if name:
            links.unknown.append(name)
    return links


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans blanked out (same length, so other spans stay valid)."""
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = " "
    return "".join(chars)


__all__ = ["Links", "link_all", "link_sector", "link_persons", "link_classification", "mask", "norm"]
