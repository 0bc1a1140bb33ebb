"""The composer's answers about many objectives: lists, counts, rankings, sums and maxima.

A mixin of ``Composer`` (``compose.py``): it uses the composer's catalog, lexicon and helpers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.catalog import REPORTED_IN_STATUS, deadline_text, field_text, indicator_names
from assistant.querying.attainment import Assessment
from assistant.querying.evidence import Evidence
from assistant.querying.records import format_number, parse_weight, rows_with_weight, target_rows, weight_rows
from assistant.querying.retrieve import sentences
from assistant.types import Plan
from ingest.types import Indicator, Objective

if TYPE_CHECKING:
    from assistant.answering.compose import Cites
    from assistant.catalog import Catalog
    from assistant.lexicon import Lexicon

ECHO_MAX_WORDS = 8  # a refusal repeats the asked topic only up to this length
LIST_FIELD_CHARS = 300  # a longer text asked in a list is shown by its first sentence


def _flat(text: str) -> str:
    return " ".join(text.split())


class ListsMixin:
    """Answers over many records; every item and number cited."""

    catalog: Catalog
    lexicon: Lexicon

    if TYPE_CHECKING:  # defined by Composer
        def _desc(self, plan: Plan, ev: Evidence, t: dict[str, Any]) -> str: ...

        def _label(self, plan: Plan, name: str) -> str: ...

        def _suggestions(self, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]: ...

    def _field_extra(self, plan: Plan, obj: Objective, name: str, t: dict[str, Any], cites: Cites,
                     year: int | None = None) -> str:
        """'; peso 2023: 40% [3]': an asked field of a listed objective, cited (indicator fields for the year)."""
        label = self._label(plan, name)
        if name in Indicator.model_fields and not (name == "peso" and obj.peso):
            year = plan.filters.anno or year or (obj.anni[0] if obj.anni else None)
            rows = [r for r in obj.indicatori if getattr(r, name) and (year is None or r.anno == year)][:3]
            return "".join(t["item_extra"].format(label=f"{label} {r.anno}" if r.anno else label,
                                                  value=_flat(getattr(r, name)),
                                                  c=cites.add(obj, name, getattr(r, name), r.anno)) for r in rows)
        value = field_text(obj, name)
        if not value:
            return ""
        if len(value) > LIST_FIELD_CHARS:  # a long status: its first sentence
            value = sentences(value)[0]
        return t["item_extra"].format(label=label, value=_flat(value), c=cites.add(obj, name, value))

    def _items(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        shown = {"responsabile", "settore", "titolo"} | set(plan.filters.missing)
        if plan.filters.peso is not None:
            shown.add("peso")
        if ev.judged_year is not None:  # each judged target is shown with what the status reports
            shown |= {*REPORTED_IN_STATUS, "target", "stato_attuazione"}
        by_target = bool(plan.filters.target_forma or plan.filters.target_valore)
        if by_target:
            shown.add("target")
        extra = [f for f in plan.fields if f not in shown]
        lines = []
        for i, obj in enumerate(cites.shown(ev.objectives), 1):
            resp = obj.responsabile or t["none"]
            rc = cites.add(obj, "responsabile", obj.responsabile) if obj.responsabile else ""
            line = t["item"].format(i=i, titolo=_flat(obj.titolo), c=cites.add(obj, "titolo", obj.titolo),
                                    settore=obj.settore, responsabile=f"{_flat(resp)} {rc}".strip())
            if plan.scope_all and obj.ente:
                line += t["item_ente"].format(ente=obj.ente)
            for name in extra:
                line += self._field_extra(plan, obj, name, t, cites, ev.year)
            if plan.filters.peso is not None:  # the weight the list was filtered on, cited where stated
                line += self._weight_extra(plan, obj, t, cites)
            if obj.key in ev.assessed:
                line += self._assessed_extra(plan, obj, ev.assessed[obj.key], t, cites)
            if by_target:  # the targets the list was filtered on, each cited
                label = self._label(plan, "target")
                line += "".join(t["item_extra"].format(label=f"{label} {r.anno}" if r.anno else label,
                                                       value=_flat(r.target or ""),
                                                       c=cites.add(obj, "target", r.target, r.anno))
                                for r in target_rows(obj, plan.filters, self.lexicon)[:3])
            if plan.filters.scadenza_da:
                for r in obj.indicatori:  # the rows due in the range, whatever rows the list holds
                    due = deadline_text(r, self.lexicon)
                    if due and self._in_range(obj, r, plan):
                        line += t["item_extra"].format(label=self._label(plan, due[0]), value=_flat(due[1]),
                                                       c=cites.add(obj, due[0], due[1], r.anno))
            lines.append(line)
        return lines

    def _assessed_extra(self, plan: Plan, obj: Objective, assessed: list[Assessment], t: dict[str, Any],
                        cites: Cites) -> str:
        """'; «Incasso da riscossione coattiva» [4]: target € 250.000 [5], riportato «Incassati € 231.500» [6]':
        the targets the list is about (missed, or met), each with the status sentence it was judged on."""
        wanted = "met" if REPORTED_IN_STATUS & set(plan.filters.present) else "missed"
        out = ""
        for a in assessed:
            if a.verdict != wanted or a.reading is None or not a.row.target:
                continue
            ind = _flat(a.row.indicatore or "")
            out += t["item_assessed"].format(
                indicatore=ind, ic=cites.add(obj, "indicatore", a.row.indicatore or "", a.row.anno),
                target=_flat(a.row.target), tc=cites.add(obj, "target", a.row.target, a.row.anno),
                reported=_flat(a.reading.clause), rc=cites.add(obj, "stato_attuazione", a.reading.clause))
        return out

    def _unjudged(self, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        """The objectives a judged list leaves out because their status tells neither way."""
        if not ev.unjudged:
            return []
        items = "; ".join(f"«{_flat(o.titolo)}» {cites.add(o, 'titolo', o.titolo)}" for o in ev.unjudged)
        return [t["unjudged"].format(n=len(ev.unjudged), items=items)]

    def _weight_extra(self, plan: Plan, obj: Objective, t: dict[str, Any], cites: Cites) -> str:
        label = self._label(plan, "peso")
        if plan.filters.peso_op != "eq":
            return self._field_extra(plan, obj, "peso", t, cites)
        if parse_weight(obj.peso) == plan.filters.peso:
            return t["item_extra"].format(label=label, value=obj.peso, c=cites.add(obj, "peso", obj.peso))
        return "".join(t["item_extra"].format(label=f"{label} {r.anno}" if r.anno else label, value=r.peso,
                                              c=cites.add(obj, "peso", r.peso, r.anno))
                       for r in rows_with_weight(obj, plan.filters.peso, plan.filters.anno))

    def _in_range(self, obj: Objective, row: Indicator, plan: Plan) -> bool:
        for r, d in self.catalog.deadlines.get(obj.key, []):
            if r is row and d is not None:
                return plan.filters.scadenza_da <= d.isoformat() <= plan.filters.scadenza_a  # type: ignore[operator]
        return False

    def _list(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        desc = self._desc(plan, ev, t)
        if not ev.objectives and ev.judged_year is not None:
            return [t["list_none"].format(desc=desc), *self._unjudged(ev, t, cites)]
        if not ev.objectives:
            if ev.suggestions:
                topic = plan.filters.text or ""
                # echo the user's topic only when it is a short, plain one: never dictated text
                echo = t["desc_topic"].format(value=topic) if topic and not plan.injection and len(
                    topic.split()) <= ECHO_MAX_WORDS else ""
                return [t["refuse_list"].format(desc=desc or echo), *self._suggestions(ev, t, cites)]
            return [t["list_none"].format(desc=desc)]
        head = t["list_one"] if len(ev.objectives) == 1 else t["list_head"]
        return [head.format(n=len(ev.objectives), desc=desc) + self._per_ente(plan, ev, t),
                *self._items(plan, ev, t, cites), *self._unjudged(ev, t, cites)]

    def _count(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        desc = self._desc(plan, ev, t)
        if not ev.objectives:
            return [t["list_none"].format(desc=desc), *self._unjudged(ev, t, cites)]
        if plan.counts_indicators:
            return self._indicators(plan, ev, t, cites, desc)
        head = t["list_one"].format(desc=desc) if len(ev.objectives) == 1 else \
            t["count_head"].format(n=len(ev.objectives), desc=desc)
        return [head + self._per_ente(plan, ev, t),
                *self._items(plan, ev, t, cites), *self._unjudged(ev, t, cites)]

    def _indicators(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites, desc: str) -> list[str]:
        """'quanti indicatori in tutto?': the distinct indicators of each objective, counted and cited."""
        year = plan.filters.anno
        named = [(o, indicator_names(o, year)) for o in ev.objectives]
        lines = [t["indicators_head"].format(n=sum(len(n) for _, n in named), m=len(named), desc=desc)]
        for i, (o, names) in enumerate(named[:len(cites.shown([o for o, _ in named]))], 1):
            marks = " ".join(cites.add(o, "indicatore", name, _year_of(o, name, year)) for name in names)
            lines.append(t["indicators_item"].format(i=i, titolo=_flat(o.titolo), c=cites.add(o, "titolo", o.titolo),
                                                     k=len(names), ic=marks,
                                                     word=t["indicator_words"]["one" if len(names) == 1 else "many"]).rstrip())
        return lines

    def _rank(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        if not ev.groups:
            return [t["list_none"].format(desc=self._desc(plan, ev, t))]
        by = plan.group_by or "responsabile"
        groups = ev.groups[::-1] if plan.direction == "min" else ev.groups
        top = [g for g in groups if len(g[1]) == len(groups[0][1])]
        head = t["rank_head_min" if plan.direction == "min" else "rank_head"].format(
            desc=self._desc(plan, ev, t), by=t["rank_by"][by], n=len(ev.objectives), g=len(groups),
            groups=t["rank_groups"][by],
            top=", ".join(_flat(v or t["rank_none"]) for v, _ in top), count=len(groups[0][1]))
        lines = [head]
        for i, (value, objs) in enumerate(groups, 1):
            marks = " ".join(dict.fromkeys(cites.add(o, by, value) for o in objs)) if value else ""
            lines.append(t["rank_item"].format(i=i, value=_flat(value or t["rank_none"]), count=len(objs),
                                               c=marks).rstrip())
        return lines

    def _per_ente(self, plan: Plan, ev: Evidence, t: dict[str, Any]) -> str:
        """' (Comune di A: 4; Comune di B: 4)' when a list spans several entities (asked for)."""
        counts: dict[str, int] = {}
        for obj in ev.objectives:
            counts[obj.ente or "-"] = counts.get(obj.ente or "-", 0) + 1
        if not plan.scope_all or len(counts) < 2:
            return ""
        return t["per_ente"].format(value="; ".join(f"{e}: {n}" for e, n in counts.items()))

    def _each_ente(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        handler = self._sum if ev.kind == "sum" else self._max
        lines: list[str] = []
        for ente, sub in ev.per_ente:
            lines += [t["ente_head"].format(ente=ente), *handler(plan, sub, t, cites)]
        return lines

    def _sum(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        if ev.per_ente:
            return self._each_ente(plan, ev, t, cites)
        if ev.groups:
            return self._sum_groups(plan, ev, t, cites)
        desc = self._desc(plan, ev, t)
        weighed = [o for o in ev.objectives if weight_rows(o, ev.year)[0] is not None]
        if plan.average and weighed:  # the mean over the objectives that state a weight
            lines = [t["average"].format(anno=ev.year or "", desc=desc, total=format_number(ev.total or 0.0),
                                         n=len(weighed), mean=format_number(round((ev.total or 0.0) / len(weighed), 1)))]
            return lines + self._weight_items(ev, t, cites, "sum_item")
        n = len(ev.objectives)
        lines = [t["sum"].format(anno=ev.year or "", desc=desc, total=format_number(ev.total or 0.0), n=n,
                                 objectives=t["objectives"]["one" if n == 1 else "many"])]
        lines += self._weight_items(ev, t, cites, "sum_item")
        return lines

    def _max(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        if ev.per_ente:
            return self._each_ente(plan, ev, t, cites)
        if not ev.objectives:
            return [t["list_none"].format(desc=self._desc(plan, ev, t))]
        value, _ = weight_rows(ev.objectives[0], ev.year)
        head = t["max"].format(which=t["max_which"][plan.direction or "max"], anno=ev.year or "",
                               desc=self._desc(plan, ev, t), peso=format_number(value or 0.0))
        return [head, *self._weight_items(ev, t, cites, "sum_item")]

    def _weight_cites(self, obj: Objective, year: int | None, cites: Cites) -> tuple[float | None, str]:
        """An objective's weight for the year and the markers of the texts it comes from."""
        value, rows = weight_rows(obj, year)
        if obj.peso and parse_weight(obj.peso) is not None:
            return value, cites.add(obj, "peso", obj.peso)
        # rows repeating the same weight share one citation: list each marker once
        return value, " ".join(dict.fromkeys(cites.add(obj, "peso", r.peso, r.anno) for r in rows if r.peso))

    def _sum_groups(self, plan: Plan, ev: Evidence, t: dict[str, Any], cites: Cites) -> list[str]:
        """Weight sums per sector or person, those not adding up to 100 first."""
        by = plan.group_by or "settore"
        sums = []
        for value, objs in ev.groups:
            parts = [self._weight_cites(o, ev.year, cites) for o in objs]
            total = sum(v for v, _ in parts if v is not None)
            sums.append((value, total, len(objs), " ".join(m for _, m in parts if m)))
        sums.sort(key=lambda g: (g[1] == 100, str(g[0] or "")))
        off = [g for g in sums if g[1] != 100]
        lines = [t["sum_groups"].format(anno=ev.year or "", by=t["rank_by"][by], desc=self._desc(plan, ev, t),
                                        n=len(sums), off=len(off))]
        for i, (value, total, n, marks) in enumerate(sums, 1):
            flag = t["sum_off"] if total != 100 else t["sum_ok"]
            if plan.average and n:
                flag += t["group_mean"].format(mean=format_number(round(total / n, 1)))
            lines.append(t["sum_group"].format(i=i, value=value or t["rank_none"], total=format_number(total), n=n,
                                               flag=flag, c=marks))
        return lines

    def _weight_items(self, ev: Evidence, t: dict[str, Any], cites: Cites, key: str) -> list[str]:
        lines = []
        for i, obj in enumerate(cites.shown(ev.objectives), 1):
            value, pc = self._weight_cites(obj, ev.year, cites)
            lines.append(t[key].format(i=i, titolo=_flat(obj.titolo), c=cites.add(obj, "titolo", obj.titolo),
                                       peso=format_number(value) if value is not None else "-", pc=pc))
        return lines


def _year_of(obj: Objective, name: str, year: int | None) -> int | None:
    """The year of the first row writing an indicator (the year asked, when one is)."""
    return year if year is not None else next((r.anno for r in obj.indicatori if r.indicatore == name), None)
