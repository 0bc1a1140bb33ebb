"""Distinct generated plans for the scale benchmark (``evals.bench_scale``), cached as .docx files.

Plan ``i`` is the same at every size and on every run (drawn from seed ``i``): its own Comune, sectors,
people, objective titles, indicators and targets, laid out as one of ``tests.ingest.layouts.LAYOUTS``
in turn (so several layouts are read, as in a real corpus) with the ente named on the cover. The
plans of a size N are plans 0..N-1, so a corpus of N plans extends the corpus of N-1.

``ensure_plans(folder, n)`` writes the plans missing from ``folder`` and returns ``n`` ``PlanFile``s;
a folder written by another version of the generator is rewritten. The values the benchmark's
questions are built from (titles, people, sectors, indicators) are returned with each file.
"""
from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import docx

from tests.ingest import layouts as lay

VERSION = 1  # bump when the plans change: cached folders are then rewritten
YEAR_TEXT = "2025-2027"

PREFIXES = ["San", "Castel", "Monte", "Borgo", "Villa", "Rocca", "Torre", "Poggio", "Colle", "Santa", "Pieve",
            "Fonte", "Valle", "Campo", "Ponte", "Serra"]
ROOTS = ["fior", "arden", "lucan", "marin", "corv", "salv", "lev", "ross", "bel", "gran", "ver", "quar", "tolm",
         "brun", "cald", "pesc", "ferr", "olmet", "sorg", "cerv", "luz", "most", "nov", "ambr"]
SUFFIXES = ["ano", "ello", "ina", "ate", "ese", "ola", "ino", "eto", "iano", "one"]
FIRST = ["Anna", "Marco", "Luca", "Paolo", "Maria", "Elena", "Giulia", "Francesca", "Stefano", "Roberto",
         "Chiara", "Sara", "Davide", "Matteo", "Silvia", "Laura", "Andrea", "Giorgio", "Valentina", "Simone",
         "Federica", "Alessandro", "Cristina", "Fabio", "Monica", "Riccardo", "Daniela", "Emanuele"]
LAST = ["Ferrari", "Bianchi", "Gatti", "Conti", "Rinaldi", "Marchi", "Romano", "Colombo", "Ricci", "Greco",
        "Bruno", "Galli", "Costa", "Fontana", "Moretti", "Barbieri", "Lombardi", "Mancini", "Longo", "Villa",
        "Martini", "Leone", "Serra", "Vitale", "Pellegrini", "Caruso", "Ferri", "Fabbri", "Testa", "Sala",
        "Cattaneo", "Orlando", "Donati", "Bellini", "Guerra", "Basile", "Rizzi", "Grasso", "Palumbo", "Sanna"]
TITLES = ["Dott.ssa", "Dott.", "Ing.", "Arch.", "Geom.", "Rag.", ""]
SECTORS = lay.SECTORS + ["Settore Lavori Pubblici", "Area Servizi Demografici", "Servizio Personale",
                         "Settore Urbanistica", "Area Sviluppo Economico", "Servizio Protezione Civile"]
QUALIFIERS = ["", "", "per i cittadini anziani", "nelle frazioni", "con il nuovo gestionale",
              "in collaborazione con l'Unione dei Comuni", "entro il primo semestre", "per le imprese del territorio",
              "con risorse PNRR", "per le famiglie con figli"]
INDICATORS = lay.INDICATORS + ["Pratiche evase nei termini", "Incassi riscossi sul previsto",
                               "Interventi di manutenzione eseguiti", "Iscritti ai servizi online",
                               "Procedimenti digitalizzati", "Ore di formazione del personale"]


@dataclass(frozen=True)
class PlanObjective:
    """The values of one generated objective that questions are built from."""

    settore: str
    titolo: str
    responsabile: str
    indicatore: str
    anno: int
    target: str
    stato: str | None


@dataclass(frozen=True)
class PlanFile:
    """One generated plan on disk."""

    index: int
    ente: str
    documento: str
    path: Path
    layout: str
    objectives: tuple[PlanObjective, ...]

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "path": self.path.name, "objectives": [asdict(o) for o in self.objectives]}


def town(index: int) -> str:
    """The Comune of plan ``index``: distinct for every index below 3,840 (prefix x root x suffix),
    neighbouring indexes far apart (an affine permutation of the combinations)."""
    combos = len(PREFIXES) * len(ROOTS) * len(SUFFIXES)
    k = (index * 7919 + 11) % combos  # 7919 is prime and does not divide 3,840: a permutation
    prefix, rest = PREFIXES[k % len(PREFIXES)], k // len(PREFIXES)
    root, suffix = ROOTS[rest % len(ROOTS)], SUFFIXES[(rest // len(ROOTS)) % len(SUFFIXES)]
    return f"{prefix} {root.capitalize()}{suffix}"


def _slug(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _person(rnd: random.Random) -> str:
    title = rnd.choice(TITLES)
    if title == "Dott." and rnd.random() < 0.5:
        title = "Dott.ssa"
    return f"{title} {rnd.choice(FIRST)} {rnd.choice(LAST)}".strip()


def _target(rnd: random.Random, year: int) -> str:
    return rnd.choice([f"almeno {rnd.randint(20, 95)}%", f"max {rnd.randint(5, 60)} giorni", f"{rnd.randint(3, 400)}",
                       f"Entro il {rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{year}",
                       f"€ {rnd.randint(2, 90)}.000", "100%"])


def generate_plan(index: int) -> lay.Plan:
    """Plan ``index``: 3-4 sectors of 2-3 objectives, 1-2 indicators each, values drawn from seed ``index``."""
    rnd = random.Random(1_000_003 * (index + 1))
    titles = [f"{a} {o} {q}".strip() for a in lay.ACTIONS for o in lay.OBJECTS for q in QUALIFIERS]
    titles = list(dict.fromkeys(titles))
    rnd.shuffle(titles)
    people = list(dict.fromkeys(_person(rnd) for _ in range(12)))
    sectors = []
    for name in rnd.sample(SECTORS, rnd.randint(3, 4)):
        sector = lay.GenSector(name)
        count = rnd.randint(2, 3)
        strategic = rnd.choice(lay.STRATEGIC)
        for weight in lay._weights(rnd, count):  # noqa: SLF001 - the layouts' own weight rule
            indicators = [lay.GenIndicator(i, {y: _target(rnd, y) for y in lay.YEARS})
                          for i in rnd.sample(INDICATORS, rnd.randint(1, 2))]
            sector.objectives.append(lay.GenObjective(
                title=titles.pop(), responsible=rnd.choice(people), strategic=strategic, weight=weight,
                pnrr=rnd.choice(lay.MEASURES), status=rnd.choice(lay.STATUS + [None]), indicators=indicators))
        sectors.append(sector)
    return lay.Plan(sectors)


def _values(plan: lay.Plan) -> tuple[PlanObjective, ...]:
    out = []
    for sector in plan.sectors:
        for obj in sector.objectives:
            ind = obj.indicators[0]
            year = next(y for y, t in ind.targets.items() if t is not None)
            out.append(PlanObjective(settore=sector.name, titolo=obj.title, responsabile=obj.responsible,
                                     indicatore=ind.name, anno=year, target=str(ind.targets[year]),
                                     stato=obj.status))
    return tuple(out)


def _name_the_ente(path: Path, ente: str) -> None:
    """A cover naming the Comune and the period, before the generated content."""
    document = docx.Document(str(path))
    first = document.paragraphs[0]
    first.insert_paragraph_before(f"Comune di {ente}").runs[0].bold = True
    first.insert_paragraph_before(f"Piano integrato di attività e organizzazione (PIAO) {YEAR_TEXT}")
    document.save(str(path))


def write_plan(index: int, folder: Path) -> PlanFile:
    """Generate plan ``index`` and write it into ``folder``."""
    plan = generate_plan(index)
    ente = f"Comune di {town(index)}"
    documento = f"piao_{_slug(town(index))}_2025"
    layout = lay.LAYOUTS[index % len(lay.LAYOUTS)]
    path = lay.write(plan, layout, folder / f"{index:05d}_{documento}.docx", seed=index)
    _name_the_ente(path, town(index))
    return PlanFile(index=index, ente=ente, documento=documento, path=path, layout=layout,
                    objectives=_values(plan))


def ensure_plans(folder: Path, count: int) -> list[PlanFile]:
    """Plans 0..count-1 in ``folder``: those already written (by this version) are reused."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.json"
    known: dict[int, dict[str, object]] = {}
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("version") == VERSION:
            known = {int(p["index"]): p for p in data["plans"]}
    plans: list[PlanFile] = []
    for index in range(count):
        item = known.get(index)
        if item is not None and (folder / str(item["path"])).is_file():
            plans.append(_from_json(item, folder))
        else:
            plans.append(write_plan(index, folder))
    merged = {**known, **{p.index: p.to_json() for p in plans}}
    manifest.write_text(json.dumps({"version": VERSION, "plans": [merged[k] for k in sorted(merged)]},
                                   ensure_ascii=False, indent=1), encoding="utf-8")
    return plans


def _from_json(item: dict[str, object], folder: Path) -> PlanFile:
    objectives = tuple(PlanObjective(**o) for o in item["objectives"])  # type: ignore[union-attr, arg-type]
    return PlanFile(index=int(item["index"]), ente=str(item["ente"]), documento=str(item["documento"]),  # type: ignore[arg-type]
                    path=folder / str(item["path"]), layout=str(item["layout"]), objectives=objectives)
