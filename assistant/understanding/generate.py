"""A labelled question corpus generated from the loaded records: phrasings x record values x noise.

Every example carries the labels the question model learns: intent, asked fields, whether the turn
refers back to the previous answer, the kind of out-of-scope request, the polarity of a field filter
('obiettivi senza stato' / 'con PNRR'), what a ranking groups by and its direction. The values come
from the records (titles, people, sectors, classifications, years, words of the destinatari), so a new
plan needs no data-file edit: its own wording is in the training data.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from assistant.catalog import SECTOR_KINDS, sector_heads
from assistant.lexicon import load_lexicon
from assistant.understanding.phrasings import Phrasings, load_phrasings
from ingest.types import Objective

_STOP = frozenset("""a ad al alla alle allo agli ai con da dal dalla dei degli delle del della dello di e ed
    il in la le lo gli i nel nella nei nelle per su sul sulla tra fra un una uno che o ovvero anche non piu
    entro come""".split())
_UNIT = re.compile(r"(?:\bn\.|\bnr\.?|\bnumero)\s*(?:di\s+|dei\s+|delle\s+|degli\s+)?([A-Za-zÀ-ù]{4,})")
_YEAR_SLOT = re.compile(r"\s*(?:nel|per il|entro il|al|dal|in)?\s*\{y\}")


@dataclass
class Example:
    """One generated question and its labels."""

    text: str
    intent: str
    fields: list[str] = field(default_factory=list)
    refers_back: bool = False
    oos: str = "none"
    polarity: str = "none"  # none | present | missing
    group_by: str = "none"  # none | responsabile | settore | classificazione
    direction: str = "none"  # none | max | min
    lang: str = "it"


@dataclass
class Values:
    """What the records offer to fill the phrasings."""

    titles: list[str]
    people: list[str]
    sectors: list[str]
    classes: list[str]
    years: list[int]
    topics: list[str]
    units: list[str]
    addressees: list[str]
    kinds: list[str]  # what the plan calls its sectors ('settore', 'area'), and the usual words for one

    @classmethod
    def of(cls, records: Sequence[Objective]) -> Values:
        """The values of some records (never empty lists: placeholders stand in)."""
        people = sorted({line.strip() for o in records for line in (o.responsabile or "").split("\n")
                         if 2 <= len(line.split()) <= 5})
        sectors = sorted({o.settore for o in records} | {o.settore_cdr for o in records if o.settore_cdr})
        topics = sorted({_fragment(random.Random(i), text, 1, 3) for i, o in enumerate(records)
                         for text in (o.destinatari, o.titolo) if text})
        return cls(titles=[o.titolo for o in records] or ["servizio comunale"],
                   people=people or ["Mario Rossi"], sectors=sectors or ["Settore Affari generali"],
                   classes=sorted({o.classificazione for o in records if o.classificazione}) or ["Efficienza"],
                   years=sorted({y for o in records for y in o.anni}) or [2024, 2025],
                   topics=[t for t in topics if t] or ["servizi"],
                   units=sorted({m.group(1).lower() for o in records for i in o.indicatori
                                 for m in _UNIT.finditer(i.indicatore or "")}) or ["interventi"],
                   addressees=sorted({_fragment(random.Random(i), o.destinatari, 1, 2).lower()
                                      for i, o in enumerate(records) if o.destinatari}) or ["cittadini"],
                   # the usual Italian words for a sector, and the first words of this plan's sector names
                   kinds=sorted((load_lexicon().sector_cues & SECTOR_KINDS) | sector_heads(sectors)))


def _months() -> list[str]:
    """The month names of the lexicon (a need may name one: 'non ho trovato posto per settembre')."""
    return sorted(m for m in load_lexicon().months if m.isalpha() and len(m) > 3)


def _content(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w'’]+", text) if w.lower() not in _STOP and len(w) > 2]


def _fragment(rng: random.Random, text: str, lo: int = 2, hi: int = 5) -> str:
    """A few content words of a text, as people recall a title ('regolamento TARI')."""
    words = _content(text.split("\n")[0])
    if not words:
        return text[:40]
    n = min(len(words), rng.randint(lo, hi))
    start = rng.randint(0, len(words) - n)
    picked = words[start:start + n]
    if rng.random() < 0.3:
        picked = rng.sample(words, n)
    return " ".join(picked)


def _short_sector(rng: random.Random, name: str) -> str:
    words = re.sub(r"\(.*?\)", " ", name).split()
    if words and words[0].lower() in {"settore", "area", "servizio", "ufficio"} and rng.random() < 0.7:
        words = words[1:]
    return " ".join(words).lower() if rng.random() < 0.5 else " ".join(words)


class Generator:
    """Generates labelled questions for some records (seeded: the same records give the same corpus)."""

    def __init__(self, records: Sequence[Objective], phrasings: Phrasings | None = None, seed: int = 13,
                 scale: int = 2) -> None:
        self.p = phrasings or load_phrasings()
        self.scale = scale  # repetitions of each template family (the corpus grows linearly)
        self.seed = seed
        self.rng = random.Random(seed)
        self.v = Values.of(records)

    # --- slot values -------------------------------------------------------------------------
    def _objective(self, lang: str) -> str:
        title = self.rng.choice(self.v.titles)
        t = title if self.rng.random() < 0.15 else _fragment(self.rng, title)
        refs = self.p.objective_refs.en if lang == "en" else self.p.objective_refs.it
        return self.rng.choice(refs).format(t=t)

    def _fill(self, template: str, lang: str) -> str:
        rng, v = self.rng, self.v
        y = rng.choice(v.years)
        if "{y}" in template and "{y2}" not in template and rng.random() < 0.35:
            template = _YEAR_SLOT.sub("", template)
        values = {"o": self._objective(lang) if "{o}" in template else "", "y": y,
                  "y2": rng.choice([x for x in v.years if x != y] or [y + 1]),
                  "s": _short_sector(rng, rng.choice(v.sectors)), "p": rng.choice(v.people),
                  "c": rng.choice(v.classes).lower(), "n": rng.choice([2, 3, 5, "tre", "cinque"]),
                  "t": rng.choice(v.topics).lower(), "u": rng.choice(v.units), "w": rng.choice([10, 15, 20, 25, 30, 40, 50]),
                  "k": rng.choice(v.kinds) if "{k}" in template else "",
                  "m": rng.choice(_months()) if "{m}" in template else ""}
        if str(values["u"]).endswith("e"):  # 'quante verifiche', 'quante presenze'
            template = re.sub(r"\bquanti(?= \{u\})", "quante", template)
        return template.format(**values)

    def _filter(self, lang: str) -> tuple[str, str]:
        """A filter phrase and its kind."""
        kind = self.rng.choice(["settore", "settore", "responsabile", "classificazione", "anno", "topic", "none", "peso"])
        return self._fill(self.rng.choice(getattr(self.p.filters, kind)), lang), kind

    # --- families ----------------------------------------------------------------------------
    def fields(self, reps: int = 2) -> Iterator[Example]:
        """One field of one objective."""
        for name, ph in self.p.fields.items():
            intent = "status" if name == "stato_attuazione" else "field"
            for _ in range(2 * reps if name in ("stato_attuazione", "responsabile") else reps):
                for tpl in ph.questions:
                    yield Example(self._fill(tpl, "it"), intent, [name])
                for tpl in ph.en:
                    yield Example(self._fill(tpl, "en"), intent, [name], lang="en")
                for tpl in ph.other:
                    yield Example(self._fill(tpl, "it"), intent, [name])
                noun = self._bare(self.rng.choice(ph.nouns))
                tpl = self.rng.choice(["qual è {f} di {o}?", "mi dici {f} di {o}?", "{o}: {f}?", "vorrei sapere {f} di {o}",
                                       "{f} di {o}?", "mi serve {f} per {o}", "sapete {f} di {o}?"])
                yield Example(self._fill(tpl.replace("{f}", noun), "it"), intent, [name])

    def joined_questions(self, n: int) -> Iterator[Example]:
        """Two field questions in one ('quanto pesa X e chi lo segue?'): the second about the same objective."""
        names = [f for f in self.p.fields if f != "stato_attuazione"]
        refs = self.p.back_refs.it
        for _ in range(n):
            a, b = self.rng.sample(names, 2)
            first = self.rng.choice(self.p.fields[a].questions).rstrip("?")
            second = self.rng.choice(self.p.fields[b].questions).replace("{o}", self.rng.choice(refs))
            yield Example(self._fill(f"{first} e {second}", "it"), "field", [a, b])

    def multi_fields(self, n: int) -> Iterator[Example]:
        """Two or three fields of one objective at once."""
        names = list(self.p.fields)
        for _ in range(n):
            chosen = self.rng.sample(names, self.rng.choice([2, 2, 3]))
            nouns = [self._bare(self.rng.choice(self.p.fields[f].nouns)) for f in chosen]
            joined = ", ".join(nouns[:-1]) + " e " + nouns[-1]
            tpl = self.rng.choice(["qual è {f} di {o}?", "mi dici {f} di {o}?", "{o}: {f}?", "per {o} vorrei sapere {f}",
                                   "di {o} mi servono {f}", "{f} di {o}, grazie"])
            yield Example(self._fill(tpl.replace("{f}", joined), "it"), "field", chosen)

    def _bare(self, noun: str) -> str:
        """A field noun as it is often typed in a short question: without its article ('target e peso')."""
        if self.rng.random() < 0.5:
            return re.sub(r"^(?:il|lo|la|i|gli|le|l')\s*", "", noun)
        return noun

    def simple(self, family: str, intent: str, reps: int = 3) -> Iterator[Example]:
        """describe / compare_years / guidance: one template family, both languages."""
        ph = getattr(self.p, family)
        for _ in range(reps):
            for lang, tpls in (("it", ph.it), ("en", ph.en)):
                for tpl in tpls:
                    yield Example(self._fill(tpl, lang), intent, lang=lang)

    def lists(self, reps: int = 3) -> Iterator[Example]:
        """Lists, counts and sums with a filter; maxima with a direction."""
        for intent in ("list", "count", "sum"):
            ph = getattr(self.p, intent)
            for _ in range(reps):
                for lang, tpls in (("it", ph.it), ("en", ph.en), ("it", ph.other)):
                    for tpl in tpls:
                        phrase, kind = self._filter(lang)
                        fields = ["peso"] if intent == "sum" or kind == "peso" else []
                        yield Example(" ".join(self._fill(tpl.replace("{filter}", phrase), lang).split()), intent,
                                      fields, lang=lang)
        for direction in ("max", "min"):
            for _ in range(reps):
                for tpl in getattr(self.p.max, direction):
                    phrase, _ = self._filter("it")
                    text = " ".join(self._fill(tpl.replace("{filter}", phrase), "it").split())
                    yield Example(text, "max", ["peso"], direction=direction)

    def lists_for(self, reps: int = 4) -> Iterator[Example]:
        """Lists by addressee: the destinatari field is the filter."""
        for _ in range(reps):
            for tpl in self.p.list_for:
                intent = "count" if tpl.startswith("quanti") else "list"
                yield Example(self._fill(tpl.replace("{t}", self.rng.choice(self.v.addressees)), "it"), intent,
                              ["destinatari"])

    def sums_by(self, reps: int = 4) -> Iterator[Example]:
        """Weight sums per sector or person."""
        for by, tpls in self.p.sum_by.items():
            for _ in range(reps):
                for tpl in tpls:
                    yield Example(self._fill(tpl, "it"), "sum", ["peso"], group_by=by)

    def presence(self, reps: int = 2) -> Iterator[Example]:
        """'obiettivi senza stato di attuazione', 'quanti obiettivi collegati al PNRR'."""
        for polarity in ("missing", "present"):
            for _ in range(reps):
                for name, ph in self.p.fields.items():
                    tpl = self.rng.choice(getattr(self.p.presence, polarity))
                    phrase = tpl.replace("{f}", self.rng.choice(ph.nouns))
                    intent = self.rng.choice(["list", "list", "count"])
                    head = self.rng.choice(getattr(self.p, intent).it)
                    extra, _ = self._filter("it") if self.rng.random() < 0.3 else ("", "none")
                    text = head.replace("{filter}", f"{extra} {phrase}")
                    yield Example(" ".join(self._fill(text, "it").split()), intent, [name], polarity=polarity)
                    if ph.presence is not None:  # the field's own words ('che non hanno raggiunto il target')
                        own = self.rng.choice(getattr(ph.presence, polarity))
                        yield Example(" ".join(self._fill(head.replace("{filter}", f"{extra} {own}"), "it").split()),
                                      intent, [name], polarity=polarity)

    def ranks(self, reps: int = 3) -> Iterator[Example]:
        """Objectives counted per person, sector or classification."""
        for by, dirs in self.p.rank.items():
            for direction in ("max", "min"):
                for _ in range(reps):
                    for tpl in getattr(dirs, direction):
                        yield Example(self._fill(tpl, "it"), "rank", group_by=by, direction=direction)

    def unknown(self, reps: int = 3) -> Iterator[Example]:
        """Requests the records cannot answer."""
        for kind, tpls in self.p.unknown.items():
            for _ in range(reps):
                for tpl in tpls:
                    yield Example(self._fill(tpl, "it"), "unknown", oos=kind)

    def back_referring(self, reps: int = 2) -> Iterator[Example]:
        """Field questions about 'questo obiettivo', 'quello': the objective of the previous answer."""
        for name, ph in self.p.fields.items():
            intent = "status" if name == "stato_attuazione" else "field"
            for _ in range(reps):
                for lang, tpls in (("it", ph.questions), ("en", ph.en)):
                    refs = self.p.back_refs.en if lang == "en" else self.p.back_refs.it
                    tpl = self.rng.choice(tpls).replace("{o}", self.rng.choice(refs))
                    if self.rng.random() < 0.4:
                        tpl = self.rng.choice(["e ", "ok, e ", "e invece ", "and "[: 4 if lang == "en" else 0]]) + tpl
                    yield Example(self._fill(tpl, lang), intent, [name], refers_back=True, lang=lang)

    def followups(self, reps: int = 4) -> Iterator[Example]:
        """Turns that lean on the previous answer."""
        names = list(self.p.fields)
        for _ in range(reps):
            for lang, tpls in (("it", self.p.followup.it), ("en", self.p.followup.en)):
                for tpl in tpls:
                    fields: list[str] = []
                    intent = "describe"
                    if "{f}" in tpl:
                        name = self.rng.choice(names)
                        tpl = tpl.replace("{f}", self.rng.choice(self.p.fields[name].nouns))
                        fields = [name]
                        intent = "status" if name == "stato_attuazione" else "field"
                    if "{filter}" in tpl:
                        phrase, _ = self._filter(lang)
                        tpl = tpl.replace("{filter}", phrase)
                        intent = "count" if "quanti" in tpl else "list"
                    yield Example(" ".join(self._fill(tpl, lang).split()), intent, fields, refers_back=True, lang=lang)

    def corpus(self) -> list[Example]:
        """The whole corpus, noise applied."""
        r = self.scale
        families: list[tuple[str, Callable[[], Iterable[Example]]]] = [
            ("fields", lambda: self.fields(2 * r)), ("multi_fields", lambda: self.multi_fields(250 * r)),
            ("joined", lambda: self.joined_questions(120 * r)),
            ("describe", lambda: self.simple("describe", "describe", 6 * r)),
            ("compare_years", lambda: self.simple("compare_years", "compare_years", 6 * r)),
            ("guidance", lambda: self.simple("guidance", "guidance", 8 * r)), ("lists", lambda: self.lists(5 * r)),
            ("presence", lambda: self.presence(4 * r)), ("lists_for", lambda: self.lists_for(4 * r)),
            ("sums_by", lambda: self.sums_by(4 * r)), ("ranks", lambda: self.ranks(4 * r)),
            ("unknown", lambda: self.unknown(4 * r)), ("followups", lambda: self.followups(5 * r)),
            ("back_referring", lambda: self.back_referring(3 * r))]
        out: list[Example] = []
        for name, family in families:
            # each family draws from its own stream, and each example's noise from its text: editing the
            # phrasings of one family leaves every other example of the corpus as it was
            self.rng = random.Random(f"{self.seed}:{name}")
            examples = list(family())
            for i, e in enumerate(examples):
                self.rng = random.Random(f"{self.seed}:{name}:{i}:{e.text}")
                out.append(self.noisy(e))
        return out

    # --- noise -------------------------------------------------------------------------------
    def noisy(self, ex: Example) -> Example:
        """The example as people type it: preambles, politeness, abbreviations, typos, case, a leading 'e'."""
        rng, text = self.rng, ex.text
        pre = self.p.preambles.en if ex.lang == "en" else self.p.preambles.it
        close = self.p.closings.en if ex.lang == "en" else self.p.closings.it
        if not ex.refers_back and rng.random() < 0.1:
            text = rng.choice(["e ", "invece ", "ok, ", "e poi ", "ma "]) + text  # a new question after an answer
        if rng.random() < 0.25:
            text = f"{rng.choice(pre)} {text}"
        if rng.random() < 0.25:
            text = f"{text.rstrip('?')} {rng.choice(close)}".strip() + ("?" if text.endswith("?") else "")
        if rng.random() < 0.2:
            text = self._abbreviate(text)
        if rng.random() < 0.25:
            text = self._typo(text)
        if rng.random() < 0.3:
            text = text.lower()
        if rng.random() < 0.2:
            text = text.rstrip("?")
        ex.text = " ".join(text.split())
        return ex

    def _abbreviate(self, text: str) -> str:
        for word, short in self.p.abbreviations.items():
            if self.rng.random() < 0.6:
                text = re.sub(rf"\b{re.escape(word)}\b", self.rng.choice(short), text)
        return text

    def _typo(self, text: str) -> str:
        words = text.split()
        long = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
        if not long:
            return text
        i = self.rng.choice(long)
        w = words[i]
        j = self.rng.randrange(1, len(w) - 1)
        op = self.rng.random()
        words[i] = w[:j] + w[j + 1:] if op < 0.4 else (w[:j] + w[j + 1] + w[j] + w[j + 2:] if op < 0.8 else w[:j] + w[j] + w[j:])
        return " ".join(words)


def generate(records: Sequence[Objective], seed: int = 13) -> list[Example]:
    """The labelled corpus for these records."""
    return Generator(records, seed=seed).corpus()


__all__ = ["Example", "Generator", "generate"]
