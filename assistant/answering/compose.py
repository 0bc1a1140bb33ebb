"""Compose: a deterministic Italian (or English) answer from the evidence, every fact cited [n].

Each citation quotes text that occurs verbatim in the cited field of the record.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.answering.compose_lists import ListsMixin, _flat
from assistant.catalog import REPORTED_IN_STATUS, ROW_FIELDS, Catalog, deadline_text, field_text
from assistant.lexicon import Lexicon
from assistant.querying.evidence import Evidence, EvidenceKind
from assistant.querying.records import format_number
from assistant.querying.retrieve import sentences
from assistant.scope import date_matches
from assistant.types import Answer, Citation, Plan
from ingest.text import fold, norm
from ingest.types import Indicator, Objective, Passage

TEMPLATES_PATH = Path(__file__).with_name("templates.yaml")
Handler = Callable[[Plan, Evidence, dict[str, Any], "Cites"], list[str]]
BASELINE_IN_SUMMARY = 120  # a longer baseline (a description, not a value) stays out of a summary


@lru_cache(maxsize=1)
def templates() -> dict[str, dict[str, Any]]:
    """The answer sentences per language (``templates.yaml``)."""
    with open(TEMPLATES_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def of_the(name: str) -> str:
    """Italian 'di' with the article a name takes: 'dell'Area Tecnica', 'del SETTORE ENTRATE', 'della
    Polizia Locale', 'dello Sportello unico' (by its first word's sound and, for the gender, its ending)."""
    first = fold(name.split()[0]) if name.split() else ""
    if first[:1] in "aeiouh":
        return f"dell'{name}"
    if first.endswith("a"):
        return f"della {name}"
    return f"dello {name}" if re.match(r"(?:s[^aeiou]|z|gn|ps|x|y)", first) else f"del {name}"


def joined(items: Sequence[str], conjunction: str) -> str:
    """'A', 'A e B', 'A, B e C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + conjunction + items[-1]


def _date(iso: str | None) -> str | None:
    if not iso or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return iso
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"




class Cites:
    """Numbered citations, one per distinct (objective, field, year, quote), found again by a dict
    look-up (an answer over many objectives cites in time linear in its citations); ``limit`` bounds
    the objectives a list shows (None: all)."""

    def __init__(self, limit: int | None = None) -> None:
        self.items: list[Citation] = []
        self.limit = limit
        self._seen: dict[tuple[Any, ...], int] = {}

    def _cite(self, keys: tuple[tuple[Any, ...], ...], make: Callable[[int], Citation]) -> str:
        """The marker of the citation found under the first key, else of a new one filed under every key
        (an objective's quote is found again from its own version or from another one)."""
        n = self._seen.get(keys[0])
        if n is None:
            n = len(self.items) + 1
            self.items.append(make(n))
            for key in keys:
                self._seen.setdefault(key, n)
        return f"[{n}]"

    def add(self, obj: Objective, campo: str, quote: str, anno: int | None = None) -> str:
        """Cite ``quote`` from field ``campo`` of ``obj``; returns the marker '[n]'."""
        quote = quote.strip()
        keys = (("record", obj.documento, obj.id, campo, anno, quote), ("version", obj.documento, obj.id, campo, quote))
        return self._cite(keys, lambda n: Citation(
            n=n, objective_id=obj.id, titolo=obj.titolo, settore=obj.settore, campo=campo, anno=anno,
            citazione=quote, documento=obj.documento, tabella=obj.fonte.tabella, pagina=obj.fonte.pagina))

    def add_passage(self, passage: Passage, quote: str) -> str:
        """Cite ``quote`` from a prose passage (document › section › page)."""
        quote = quote.strip()
        return self._cite((("passage", passage.documento, passage.id, quote),), lambda n: Citation(
            n=n, objective_id=passage.id, titolo=passage.sezione.split(" › ")[-1], settore="", campo="testo",
            citazione=quote, documento=passage.documento, pagina=passage.pagina, sezione=passage.sezione,
            passaggio=passage.id))

    def add_from(self, obj: Objective, documento: str, campo: str, quote: str) -> str:
        """Cite ``quote`` from another version (``documento``) of the same objective, e.g. an earlier status."""
        if documento == obj.documento:
            return self.add(obj, campo, quote)
        quote = quote.strip()
        keys = (("version", documento, obj.id, campo, quote), ("record", documento, obj.id, campo, None, quote))
        return self._cite(keys, lambda n: Citation(
            n=n, objective_id=obj.id, titolo=obj.titolo, settore=obj.settore, campo=campo, citazione=quote,
            documento=documento))

    def shown(self, objectives: list[Objective]) -> list[Objective]:
        """The objectives a list shows (the first ``limit``)."""
        return objectives if self.limit is None else objectives[:self.limit]


class Composer(ListsMixin):
    """Turns (plan, evidence) into an Answer."""

    def __init__(self, catalog: Catalog, lexicon: Lexicon) -> None:
        self.catalog, self.lexicon = catalog, lexicon

    def compose(self, plan: Plan, ev: Evidence, cites: Cites | None = None) -> Answer:
        """The answer text, its citations and the objectives it relies on; ``cites`` numbers the
        citations on from an answer composed before (answers about several bodies) and may bound lists."""
        t = templates()[plan.language]
        cites = cites if cites is not None else Cites()
        if ev.widened:
            plan = plan.model_copy(update={"followup": False})
        lines: list[str] = self._handlers()[ev.kind](plan, ev, t, cites)
        if ev.widened:
            lines.insert(0, t["widened"])
        refused = ev.kind == "refusal" or (ev.kind == "list" and not ev.objectives and ev.suggestions != [])
        if ev.kind in ("field", "status") and all(
                c.campo == "titolo" or (ev.status_fallback and c.campo == "stato_attuazione") for c in cites.items):
            refused = True  # every asked field is empty in the record: the plan does not say it (a status
            # quoted beside it is what the plan says instead, not the answer)
        multi = self.catalog.plans.multi
        if multi and not refused and ev.kind != "refusal":
            lines.insert(0, self._scope_note(plan, ev, t))
        if plan.intent == "count" and ev.kind == "describe" and len(ev.objectives) == 1:
            lines.insert(0, t["list_one"].format(desc=""))  # a count that found one objective: its summary
        if plan.injection:
            lines.insert(0, t["injection"])
        if plan.mode == "citizen":
            lines += self._glossary("\n".join(lines), t)
        return Answer(answer="\n".join(line for line in lines if line), citations=cites.items,
                      objective_ids=[o.key if multi else o.id for o in (ev.objectives or ev.suggestions)],
                      refused=refused, language=plan.language)

    def _handlers(self) -> dict[EvidenceKind, Handler]:
        """The composer of each kind of evidence (every kind has one: ``EvidenceKind``)."""
        return {"field": self._field, "status": self._status, "compare_years": self._compare_years,
                "describe": self._describe, "guidance": self._guidance, "unknown": self._describe,
                "list": self._list, "count": self._count, "sum": self._sum, "max": self._max, "rank": self._rank,
                "passage": self._passage, "refusal": self._refusal}

    def _scope_note(self, plan: Plan, ev: Evidence, t: dict[str, Any]) -> str:
        """'Secondo il PIAO 2023-2025 del Comune di X (stato di attuazione al 30/06/2023):'."""
        docs = list(dict.fromkeys([o.documento for o in ev.objectives] + [p.documento for p, _ in ev.prose])) \
            or list(plan.filters.documenti or [])
        parts = []
        for documento in docs:
            ente, periodo, data = self.catalog.plans.label(documento)
            which = t["scope_plan"].format(periodo=periodo) if periodo else t["scope_doc"].format(documento=documento)
            which += t["scope_ente"].format(ente=ente) if ente else ""
            which += t["scope_date"].format(data=_date(data)) if data else ""
            parts.append(which)
        return t["scope_note"].format(which="; ".join(parts)) if parts else ""

    # --- helpers -------------------------------------------------------------------------------
    def _label(self, plan: Plan, name: str) -> str:
        return self.lexicon.field_labels.get(plan.language, {}).get(name, name)

    def _head(self, obj: Objective, t: dict[str, Any], cites: Cites) -> str:
        return t["objective"].format(titolo=_flat(obj.titolo), c=cites.add(obj, "titolo", obj.titolo),
                                     settore=obj.settore)

    def _history_lines(self, plan: Plan, obj: Objective, t: dict[str, Any], cites: Cites) -> list[str]:
        """The objective's status at each monitoring date (those asked, else all), when there are several."""

        entries = self.catalog.plans.statuses(obj)
        if len(entries) < 2:
            return []
        asked = [e for e in entries if plan.asked_dates and date_matches(e.data, plan.asked_dates)]
        lines = []
        for entry in asked or entries:
            parts = [entry.testo] if len(entry.testo) <= 700 else sentences(entry.testo)[:3]
            quoted = " […] ".join(_flat(p) for p in parts)
            marks = " ".join(cites.add_from(obj, entry.documento, "stato_attuazione", p) for p in parts)
            lines.append(t["status"].format(data=_date(entry.data), text=quoted, c=marks))
        return lines

    def _status_line(self, obj: Objective, ev: Evidence, t: dict[str, Any], cites: Cites, key: str = "status",
                     plan: Plan | None = None) -> str:
        history = self._history_lines(plan, obj, t, cites) if plan is not None and key == "status" else []
        if history:
            return "\n".join(history)
        parts = ev.passages.get(obj.key, {}).get("stato_attuazione")
        if not parts:
            return t["no_status"]
        data = _date(obj.stato_attuazione.data if obj.stato_attuazione else None)
        quoted = " […] ".join(_flat(p) for p in parts)
        marks = " ".join(cites.add(obj, "stato_attuazione", p) for p in parts)
        if data:
            return t[key].format(data=data, text=quoted, c=marks)
        return t["status_nodate"].format(text=quoted, c=marks)

    def _desc(self, plan: Plan, ev: Evidence, t: dict[str, Any]) -> str:
        f = plan.filters
        out = ""
        if plan.followup:
            out += t["desc_context_one" if len(ev.objectives) == 1 and ev.kind in ("list", "count") else "desc_context"]
        if f.settore:
            names = (f.settore, *f.altri_settori)
            out += t["desc_not_settore" if f.settore_escluso else "desc_settore"].format(
                value=joined(names, t["and"]), of_value=joined([of_the(n) for n in names], t["and"]))
        if f.classificazione:
            value = next((c for c in self.catalog.classifications if norm(f.classificazione) in norm(c)),
                         f.classificazione)
            out += t["desc_not_class" if f.classificazione_esclusa else "desc_class"].format(value=value)
        if f.responsabile:
            out += t["desc_person"].format(value=t["and"].join((f.responsabile, *f.altri_responsabili)))
        if f.pnrr:
            out += t["desc_pnrr"]
        if f.destinatari:
            out += t["desc_dest"].format(value=f.destinatari)
        if f.peso is not None:
            key = {"ge": "desc_peso_min", "gt": "desc_peso_over", "le": "desc_peso_max", "lt": "desc_peso_under",
                   "ne": "desc_peso_not", "between": "desc_peso_between"}.get(f.peso_op, "desc_peso")
            out += t[key].format(value=format_number(f.peso), high=format_number(f.peso_max or f.peso))
        if f.indicatori is not None:
            if f.indicatori == 1 and f.indicatori_op == "eq":
                out += t["desc_indicator_one"]
            else:
                out += t["desc_indicators"].format(value=t["compare"][f.indicatori_op].format(value=f.indicatori))
        in_year = f.anno and ev.kind in ("list", "count")
        judged = REPORTED_IN_STATUS if ev.judged_year is not None else frozenset()
        present = [m for m in f.present if m not in judged]
        missing = [m for m in f.missing if m not in judged and not (ev.role_only and m == "responsabile")]
        if ev.role_only:  # every objective names a responsabile: those naming only a role
            out += t["desc_role"]
        if judged:  # 'target raggiunto' judged from what the statuses report
            out += t["desc_met" if judged & set(f.present) else "desc_missed"].format(anno=ev.judged_year)
            in_year = False
        if present:
            out += t["desc_present"].format(value=", ".join(self._label(plan, m) for m in present))
        if missing:
            out += t["desc_missing_some" if f.missing_in_some else "desc_missing"].format(
                value=", ".join(self._label(plan, m) for m in missing))
            if in_year and set(missing) & ROW_FIELDS:  # 'senza «target» per il 2027'
                out, in_year = out + t["desc_in_year"].format(value=f.anno), False
        if f.target_forma:
            out += t["desc_target_all" if f.target_tutti else "desc_target_form"].format(
                value=t["target_forms"][f.target_forma])
        if f.target_valore:
            out += t["desc_target_value"].format(value=f.target_valore)
        if f.quoted:
            out += t["desc_quoted"].format(value="» o «".join(f.quoted_any) if f.quoted_any else f.quoted)
        if f.scadenza_da and f.scadenza_a:
            out += t["desc_range"].format(da=_date(f.scadenza_da), a=_date(f.scadenza_a))
        if in_year:
            out += t["desc_year"].format(value=f.anno)
        return out

    def _glossary(self, text: str, t: dict[str, Any]) -> list[str]:
        found = [f"{k} = {v}" for k, v in self.lexicon.glossary.items()
                 if re.search(rf"(?<![A-Za-z]){re.escape(k)}(?![A-Za-z])", text)]
        return [t["glossary"].format(value="; ".join(found))] if found else []

    # --- one objective -----------------------------------------------------------------------
    def _field(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        lines: list[str] = []
        for obj in ev.objectives:
            lines.append(self._head(obj, t, cites))
            judged = self._judged_lines(plan, obj, t, cites) if REPORTED_IN_STATUS & set(ev.fields) else []
            lines += judged  # 'ha raggiunto il target?': each target beside what the status reports
            for name in ev.fields or ["responsabile"]:
                if judged and name in {*REPORTED_IN_STATUS, "target", "stato_attuazione"}:
                    continue
                lines += self._one_field(plan, ev, obj, name, t, cites)
            if "stato_attuazione" not in ev.fields and ev.passages.get(obj.key, {}).get("stato_attuazione"):
                lines.append(self._status_line(obj, ev, t, cites))  # what the status says instead
        if ev.missing_years:
            lines.append(t["missing_years"].format(years=", ".join(map(str, ev.missing_years))))
        return lines

    def _one_field(self, plan: Plan, ev: Evidence, obj: Objective, name: str, t: dict[str, Any],
                   cites: Cites) -> list[str]:
        label = self._label(plan, name)
        if name == "stato_attuazione":
            return [self._status_line(obj, ev, t, cites, plan=plan)]
        if name == "peso" and obj.peso:
            return [t["card_field"].format(label=label.capitalize(), value=obj.peso, c=cites.add(obj, "peso", obj.peso))]
        if name in self.lexicon.indicator_fields:
            return self._row_lines(plan, obj, ev.rows.get(obj.key, []), name, t, cites) or [
                t["missing_field"].format(label=label)]
        value = field_text(obj, name)
        if not value:
            return [t["missing_field"].format(label=label)]
        return [t["card_field"].format(label=label.capitalize(), value=_flat(value), c=cites.add(obj, name, value))]

    def _judged_lines(self, plan: Plan, obj: Objective, t: dict[str, Any], cites: Cites) -> list[str]:
        """The year's targets judged from the status (none when the rows state their outcome, or the status
        tells nothing of them)."""
        year = plan.years[0] if len(plan.years) == 1 else self.catalog.judged_year(None)
        assessed = self.catalog.assessments(obj, year) if year is not None else None
        if not assessed or all(a.reading is None for a in assessed):
            return []
        lines = []
        for a in assessed:
            target = t["row_field"].format(label=self._label(plan, "target").capitalize(), anno=a.row.anno or "",
                                           ind=t["row_indicator"].format(indicatore=_flat(a.row.indicatore or "")) + " "
                                           + cites.add(obj, "indicatore", a.row.indicatore or "", a.row.anno),
                                           value=_flat(a.row.target or ""), c=cites.add(obj, "target", a.row.target or "", a.row.anno))
            if a.reading is None:
                lines.append(target + " " + t["judged_none"])
                continue
            lines.append(target + " " + t["judged"].format(reported=_flat(a.reading.clause),
                                                             c=cites.add(obj, "stato_attuazione", a.reading.clause),
                                                             verdict=t["verdict"][a.verdict]))
        return lines

    def _row_lines(self, plan: Plan, obj: Objective, rows: list[Indicator], name: str, t: dict[str, Any],
                   cites: Cites) -> list[str]:
        out = []
        many = len({r.indicatore for r in rows}) > 1 or name != "indicatore"
        for r in rows:
            value, campo = getattr(r, name), name
            if not value and name == "scadenza":  # a deadline the plan writes as the row's target
                value, campo = ((deadline_text(r, self.lexicon) or ("", ""))[1], "target")
            if not value:
                continue
            ind = ""
            if many and r.indicatore and name != "indicatore":
                ind = t["row_indicator"].format(indicatore=_flat(r.indicatore))
                ind += " " + cites.add(obj, "indicatore", r.indicatore, r.anno)
            out.append(t["row_field"].format(label=self._label(plan, name).capitalize(), anno=r.anno or "",
                                             ind=ind, value=_flat(value), c=cites.add(obj, campo, value, r.anno)))
        return out

    def _status(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        return [line for obj in ev.objectives
                for line in (self._head(obj, t, cites), self._status_line(obj, ev, t, cites, plan=plan))]

    def _compare_years(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        lines: list[str] = []
        for obj in ev.objectives:
            for name in ev.fields or ["target"]:
                if name not in self.lexicon.indicator_fields:
                    lines += self._one_field(plan, ev, obj, name, t, cites)
                    continue
                lines.append(t["compare_head"].format(titolo=_flat(obj.titolo), c=cites.add(obj, "titolo", obj.titolo),
                                                      label=self._label(plan, name)))
                for r in ev.rows.get(obj.key, []):
                    value = getattr(r, name)
                    if not value:
                        continue
                    ind = ""
                    if r.indicatore:
                        ind = t["row_indicator"].format(indicatore=_flat(r.indicatore)) + " " + cites.add(
                            obj, "indicatore", r.indicatore, r.anno)
                    lines.append(t["compare_row"].format(anno=r.anno, ind=ind, value=_flat(value),
                                                         vc=cites.add(obj, name, value, r.anno)))
        if ev.missing_years:
            lines.append(t["missing_years"].format(years=", ".join(map(str, ev.missing_years))))
        return lines

    def _describe(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        lines: list[str] = []
        for obj in ev.objectives:
            lines.append(self._head(obj, t, cites))
            if obj.responsabile:
                lines.append(t["responsabile"].format(value=obj.responsabile,
                                                      c=cites.add(obj, "responsabile", obj.responsabile)))
            if obj.destinatari:
                lines.append(t["card_field"].format(label=self._label(plan, "destinatari").capitalize(),
                                                    value=_flat(obj.destinatari),
                                                    c=cites.add(obj, "destinatari", obj.destinatari)))
            if obj.peso:
                lines.append(t["card_field"].format(label=self._label(plan, "peso").capitalize(), value=obj.peso,
                                                    c=cites.add(obj, "peso", obj.peso)))
            rows = ev.rows.get(obj.key, [])
            if rows:
                lines.append(t["describe_rows"])
                lines += [self._describe_row(obj, r, t, cites) for r in rows if r.indicatore or r.target]
            lines.append(self._status_line(obj, ev, t, cites))
        return lines

    def _describe_row(self, obj: Objective, r: Indicator, t: dict[str, Any], cites: Cites) -> str:
        scad = t["describe_scad"].format(scadenza=r.scadenza, sc=cites.add(obj, "scadenza", r.scadenza, r.anno)) \
            if r.scadenza else ""
        peso = t["describe_peso"].format(peso=r.peso, pc=cites.add(obj, "peso", r.peso, r.anno)) if r.peso else ""
        base = t["describe_base"].format(baseline=_flat(r.baseline), bc=cites.add(obj, "baseline", r.baseline, r.anno)) \
            if r.baseline and len(r.baseline) <= BASELINE_IN_SUMMARY else ""
        return t["describe_row"].format(base=base,
            anno=r.anno or "", indicatore=_flat(r.indicatore or ""),
            ic=cites.add(obj, "indicatore", r.indicatore, r.anno) if r.indicatore else "",
            target=_flat(r.target or "-"), tc=cites.add(obj, "target", r.target, r.anno) if r.target else "",
            scad=scad, peso=peso)

    def _guidance(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        lines: list[str] = []
        for obj in ev.objectives:
            lines.append(t["guidance_intro"].format(titolo=_flat(obj.titolo), c=cites.add(obj, "titolo", obj.titolo)))
            if obj.destinatari:
                lines.append(t["guidance_for"].format(value=_flat(obj.destinatari),
                                                      c=cites.add(obj, "destinatari", obj.destinatari)))
            for r in ev.rows.get(obj.key, []):
                lines.append(t["guidance_row"].format(
                    anno=r.anno or "", indicatore=_flat(r.indicatore or ""), target=_flat(r.target or "-"),
                    tc=cites.add(obj, "target", r.target, r.anno) if r.target else "",
                    baseline=_flat(r.baseline or "-"),
                    bc=cites.add(obj, "baseline", r.baseline, r.anno) if r.baseline else ""))
            if ev.passages.get(obj.key, {}).get("stato_attuazione"):
                lines.append(self._status_line(obj, ev, t, cites, key="guidance_status"))
            lines += self._places(obj, ev, t, cites)
        return lines

    def _places(self, obj: Objective, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:

        status = field_text(obj, "stato_attuazione") or ""
        shown = set(ev.passages.get(obj.key, {}).get("stato_attuazione", []))
        for s in sentences(status):
            if s not in shown and re.search(r"\bpresso\b", norm(s)) and self.lexicon.place_cues.search(norm(s)):
                return [t["guidance_place"].format(text=_flat(s), c=cites.add(obj, "stato_attuazione", s))]
        return []

    # --- prose passages ----------------------------------------------------------------------
    def _passage(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        lines = []
        for passage, parts in ev.prose:
            where = t["passage_section"].format(sezione=passage.sezione) if passage.sezione else t["passage_doc"]
            if passage.pagina is not None:
                where += t["passage_page"].format(pagina=passage.pagina)
            marks = " ".join(cites.add_passage(passage, p) for p in parts)
            lines.append(t["passage"].format(where=where, text=" […] ".join(_flat(p) for p in parts), c=marks))
        return lines

    # --- refusals ----------------------------------------------------------------------------
    def _refusal(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        anni = ", ".join(map(str, self.catalog.years))
        lines = [t[f"refuse_{ev.refusal}"].format(detail=ev.detail, anni=anni)]
        if ev.refusal == "year":
            for obj in ev.suggestions:
                lines.append(t["refuse_year_have"].format(titolo=_flat(obj.titolo),
                                                          c=cites.add(obj, "titolo", obj.titolo),
                                                          anni=", ".join(map(str, obj.anni))))
            return lines
        if ev.refusal == "entity" and plan.unknown_entities and plan.unknown_entities[0].startswith("settore"):
            lines.append(t["sectors"].format(value=", ".join(sorted(s.name for s in self.catalog.sectors))))
        return lines + self._suggestions(ev, t, cites)

    def _suggestions(self, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        if not ev.suggestions:
            return []
        return [t["suggestions"], *(t["suggestion"].format(titolo=_flat(o.titolo), settore=o.settore,
                                                          c=cites.add(o, "titolo", o.titolo)) for o in ev.suggestions)]

