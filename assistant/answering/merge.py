"""One answer from the answers to the clauses of a question: texts in order, citations renumbered once."""
from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.types import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")


def merge_answers(answers: Sequence[Answer]) -> Answer:
    """The answers one after the other; a citation shared by two is listed once, markers follow it."""
    if len(answers) == 1:
        return answers[0]
    citations: list[Citation] = []
    number: dict[tuple[object, ...], int] = {}
    texts: list[str] = []
    for answer in answers:
        renumber: dict[int, int] = {}
        for c in answer.citations:
            key = (c.objective_id, c.campo, c.anno, c.citazione, c.documento)
            if key not in number:
                number[key] = len(citations) + 1
                citations.append(c.model_copy(update={"n": number[key]}))
            renumber[c.n] = number[key]
        texts.append(_MARKER.sub(lambda m, r=renumber: f"[{r.get(int(m.group(1)), int(m.group(1)))}]", answer.answer))
    return Answer(answer="\n\n".join(texts), citations=citations,
                  objective_ids=list(dict.fromkeys(i for a in answers for i in a.objective_ids)),
                  refused=all(a.refused for a in answers), language=answers[-1].language)
