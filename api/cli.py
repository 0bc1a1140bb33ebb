"""The ``piao`` command: ingest documents, list records, quality report, status, serve.

Every ``IngestError`` (bad input, store failure) ends with an Italian message naming the file on
stderr and exit code 2; the store is then exactly as before. Output meant for programs
(``records --json``) goes to stdout alone; progress bars go to stderr.

Layout: one section per command. The ``ask`` and ``eval`` commands go in the marked sections at
the end of the file (``@app.command()`` functions; nothing else needs to change).
"""
from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.engine import make_url

from ingest.errors import IngestError
from ingest.settings import Settings, get_settings

if TYPE_CHECKING:
    from ingest.batch import Outcome
    from ingest.pipeline import Ingestor, IngestReport
    from ingest.types import Objective

app = typer.Typer(
    name="piao",
    help="Assistente per i PIAO: importa i documenti, mostra gli obiettivi, risponde alle domande.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,  # locals may hold secrets (API keys, tokens)
)

STATUS_LABELS = {"new": "nuovo", "updated": "aggiornato", "unchanged": "invariato"}
STAGE_LABELS = {"read": "lettura e estrazione", "embed": "calcolo degli embedding", "store": "salvataggio"}
EXIT_BAD_INPUT = 2


def _out() -> Console:
    return Console(highlight=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _fail(message: str) -> typer.Exit:
    _err().print(f"[bold red]Errore:[/] {message}", markup=True, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Mostra i messaggi di diagnostica.")] = False,
) -> None:
    """Assistente per i PIAO dei Comuni (sottosezione Performance)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


# -- ingest ---------------------------------------------------------------------------------------

@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="File .docx, .txt o .pdf da importare, o cartelle: di una "
                                                "cartella si importano tutti i file di questi formati, anche "
                                                "nelle sottocartelle.", metavar="FILE|CARTELLA",
                                                show_default=False)],
    ente: Annotated[str | None, typer.Option("--ente", help="Ente che ha emesso il documento, "
                                             "es. 'Comune di Casalgrande'.")] = None,
    documento: Annotated[str | None, typer.Option("--documento", help="Chiave del documento "
                                                  "(predefinita: il nome del file senza estensione).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rielabora il file anche se è identico a quello già "
                                        "importato.")] = False,
    periodo: Annotated[str | None, typer.Option("--periodo", help="Periodo del piano, es. '2023-2025' "
                                                "(predefinito: letto dal testo o dal nome del file).")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Mostra come è stata letta ogni tabella: ruolo, "
                                          "intestazioni e campi, righe lette.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", "-j", min=1, help="Documenti letti in parallelo "
                                                "(predefinito: uno per core).")] = None,
) -> None:
    """Importa documenti PIAO: estrae gli obiettivi, li salva e li indicizza.

    Ogni file è importato per intero o per niente: se un file non è valido, l'archivio resta com'era per
    quel documento e gli altri file sono importati comunque (codice di uscita 2 se qualcuno non lo è).
    """
    from ingest.batch import expand_paths
    from ingest.pipeline import Ingestor

    files, skipped = expand_paths(paths)
    several = len(paths) > 1 or any(p.is_dir() for p in paths)
    if documento is not None and several:
        raise _fail("--documento si può usare con un solo file alla volta.")
    if not files:
        raise _fail("nessun file da importare nelle cartelle indicate: i formati letti sono .docx, .pdf e .txt.")
    if periodo is not None:
        from ingest.plan import normalise_periodo

        periodo = normalise_periodo(periodo) or _bad_periodo(periodo)
    try:
        ingestor = Ingestor(get_settings())
    except IngestError as exc:
        raise _fail(exc.message) from exc
    try:
        if several:
            failed = _ingest_batch(ingestor, files, skipped, ente, force or explain, periodo, explain, workers)
        else:
            failed = not _ingest_single(ingestor, files[0], ente, documento, force or explain, periodo, explain)
    finally:
        ingestor.close()
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _ingest_single(ingestor: Ingestor, path: Path, ente: str | None, documento: str | None, force: bool,
                   periodo: str | None, explain: bool) -> bool:
    """Ingest one file with the detailed report; whether it was ingested."""
    try:
        report = _ingest_one(ingestor, path, ente, documento, force, periodo)
    except IngestError as exc:
        _err().print(f"[bold red]Errore:[/] {_naming_file(exc, path)}", soft_wrap=True)
        _err().print("Il documento non è stato importato; l'archivio è invariato.")
        return False
    _print_report(report)
    if explain:
        _print_explain(report)
    return True


def _ingest_batch(ingestor: Ingestor, files: list[Path], skipped: list[Path], ente: str | None, force: bool,
                  periodo: str | None, explain: bool, workers: int | None) -> bool:
    """Ingest many files, one line each and a total; whether any failed."""
    from ingest.batch import ingest_many

    if skipped:
        names = ", ".join(p.name for p in skipped[:5]) + (", …" if len(skipped) > 5 else "")
        _err().print(f"{len(skipped)} file delle cartelle non sono documenti da importare (formato diverso da "
                     f".docx, .pdf, .txt, o file nascosti e temporanei) e sono stati tralasciati: {names}",
                     markup=False, soft_wrap=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=_err(), transient=True, redirect_stdout=sys.stdout.isatty()) as bar:
        task: TaskID = bar.add_task("Documenti", total=len(files))

        def progress_of(path: Path) -> Callable[[str, int, int], None]:
            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=f"{path.name}: {STAGE_LABELS.get(stage, stage)}")
            return progress

        def on_done(outcome: Outcome) -> None:
            bar.advance(task)
            _print_outcome(outcome, explain)

        summary = ingest_many(ingestor, files, ente=ente, periodo=periodo, force=force, workers=workers,
                              on_done=on_done, progress=progress_of)
    failed = summary.count("failed")
    _out().print(f"\nTotale: {len(summary.outcomes)} documenti in {summary.seconds:.1f} s: "
                 f"{summary.count('new')} nuovi, {summary.count('updated')} aggiornati, "
                 f"{summary.count('unchanged')} invariati, {failed} non importati. Testi per l'indice: "
                 f"{summary.texts}, di cui {summary.embedded} calcolati dal modello e {summary.cache_hits} "
                 "già in cache.", markup=False, soft_wrap=True)
    if failed:
        _err().print(f"[bold red]{failed} file non importati[/]: vedere gli errori sopra; per quei documenti "
                     "l'archivio è invariato.", soft_wrap=True)
    return failed > 0


def _print_outcome(outcome: Outcome, explain: bool) -> None:
    """One line for a file of a batch (the details with ``--explain``)."""
    report = outcome.report
    if report is None:
        assert outcome.error is not None
        _err().print(f"[bold red]Errore:[/] {_naming_file(outcome.error, outcome.path)} Il documento non è stato "
                     "importato; l'archivio è invariato.", soft_wrap=True)
        return
    if explain:
        _print_report(report)
        _print_explain(report)
        return
    warnings = f", {len(report.warnings)} avvisi" if report.warnings else ""
    _out().print(f"{_summary_line(report)}{warnings} ({outcome.seconds:.1f} s)", soft_wrap=True)


def _summary_line(report: IngestReport) -> str:
    return (f"[bold]{report.documento}[/] ({report.file}): {STATUS_LABELS[report.status]}, "
            f"{report.n_objectives} obiettivi, {report.index_entries} voci nell'indice"
            + (f", ente: {report.ente}" if report.ente else "")
            + (f", piano {report.periodo}" if report.periodo else "")
            + (f", stato di attuazione al {report.data_monitoraggio}" if report.data_monitoraggio else ""))


# -- repair ---------------------------------------------------------------------------------------

@app.command()
def repair() -> None:
    """Controlla che l'indice di ricerca corrisponda all'archivio e lo ripara.

    Toglie dall'indice le voci di documenti non archiviati e di versioni superate (lasciate da un
    import interrotto) e ricostruisce, dalla cache degli embedding, le voci mancanti di un documento.
    L'archivio non cambia."""
    from ingest.pipeline import Ingestor

    try:
        ingestor = Ingestor(get_settings())
        try:
            report = ingestor.repair()
        finally:
            ingestor.close()
    except IngestError as exc:
        raise _fail(exc.message) from exc
    out = _out()
    if not report.fixed:
        out.print(f"Indice e archivio corrispondono: {report.checked} documenti controllati, nulla da riparare.")
        return
    out.print(f"Documenti controllati: {report.checked}.")
    for label, names in (("voci di documenti non archiviati rimosse", report.orphans),
                         ("voci di versioni superate rimosse", report.cleaned),
                         ("voci ricostruite dalla cache degli embedding", report.rebuilt)):
        if names:
            out.print(f"Documenti con {label}: {', '.join(names)}.", markup=False, soft_wrap=True)
    out.print(f"Voci rimosse dall'indice: {report.removed}. Ora indice e archivio corrispondono.")


def _naming_file(exc: IngestError, path: Path) -> str:
    """The error message, with the file named even if the error did not name it."""
    if exc.file and (exc.file in exc.message):
        return exc.message
    return f"{path}: {exc.message}"


def _bad_periodo(periodo: str) -> str:
    raise _fail(f"--periodo «{periodo}» non valido: scrivere gli anni del piano, es. '2023-2025'.")


def _ingest_one(ingestor: Ingestor, path: Path, ente: str | None, documento: str | None,
                force: bool, periodo: str | None = None) -> IngestReport:
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                  console=_err(), transient=True) as bar:
        task: TaskID = bar.add_task(f"{path.name}: avvio", total=1)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"{path.name}: {STAGE_LABELS.get(stage, stage)}",
                       completed=done, total=max(total, 1))

        return ingestor.ingest(path, ente=ente, documento=documento, progress=progress, force=force,
                               periodo=periodo)


def _print_report(report: IngestReport) -> None:
    out = _out()
    out.print(f"\n{_summary_line(report)}")
    table = Table("Settore", "Obiettivi", "Dichiarati", title=None)
    for sector, found in report.objectives_per_sector.items():
        declared = report.declared_per_sector.get(sector)
        table.add_row(sector, str(found), "" if declared is None else str(declared))
    if report.ente_fonte:
        out.print(f"Ente letto dal documento ({report.ente_fonte}).", markup=False, soft_wrap=True)
    out.print(table)
    t = report.timings
    if report.status == "unchanged" and t.parse_s == 0:
        out.print("File identico a quello già importato: nulla da rielaborare (--force per rielaborarlo).")
    else:
        out.print(f"Tempi: lettura {t.parse_s:.2f} s, embedding {t.embed_s:.2f} s "
                  f"({report.embedded_texts} testi nuovi), salvataggio {t.store_s:.2f} s")
    for warning in report.warnings:
        out.print(f"[yellow]Avviso:[/] {warning}", soft_wrap=True)
    if report.quality_text:
        out.print(report.quality_text, markup=False, soft_wrap=True)


_ROLE_LABELS = {"scheda": "scheda (etichette nella prima colonna)",
                "matrice": "matrice (intestazioni in alto, un obiettivo o un indicatore per riga)",
                "continuazione": "continuazione della tabella precedente",
                "legenda": "legenda delle colonne (non letta)", "non letta": "non letta"}


def _print_explain(report: IngestReport) -> None:
    """How each table was read: role, header -> field, rows and objectives."""
    out = _out()
    out.print("\n[bold]Come sono state lette le tabelle[/]")
    for reading in report.tables:
        role = _ROLE_LABELS.get(reading["ruolo"], reading["ruolo"])
        out.print(f"Tabella {reading['tabella']}: {role}; righe lette {reading['righe']}, "
                  f"obiettivi iniziati {reading['obiettivi']}", markup=False, soft_wrap=True)
        if reading["intestazioni"]:
            mapped = ", ".join(f"«{' '.join(h.split())}» → {f or 'nessun campo'}" for h, f in reading["intestazioni"])
            out.print(f"  intestazioni: {mapped}", markup=False, soft_wrap=True)
        for note in reading["note"]:
            out.print(f"  {note}", markup=False, soft_wrap=True)


# -- records --------------------------------------------------------------------------------------

@app.command()
def records(
    as_json: Annotated[bool, typer.Option("--json", help="Stampa un array JSON di record "
                                          "(formato objective.schema.json).")] = False,
    settore: Annotated[str | None, typer.Option("--settore", help="Solo questo settore "
                                                "(anche parte del nome).")] = None,
    pnrr: Annotated[bool, typer.Option("--pnrr", help="Solo gli obiettivi collegati al PNRR.")] = False,
    responsabile: Annotated[str | None, typer.Option("--responsabile", help="Solo questo responsabile "
                                                     "(anche parte del nome).")] = None,
    documento: Annotated[str | None, typer.Option("--documento", help="Solo questo documento.")] = None,
    anno: Annotated[int | None, typer.Option("--anno", help="Solo con indicatori di quest'anno.")] = None,
) -> None:
    """Mostra gli obiettivi archiviati, con filtri."""
    from ingest.store import Store

    try:
        store = Store(get_settings())
        found = store.objectives(documento, settore=settore, responsabile=responsabile,
                                 has_pnrr=True if pnrr else None, anno=anno)
        store.close()
    except IngestError as exc:
        raise _fail(exc.message) from exc
    if as_json:
        typer.echo(json.dumps([o.model_dump(mode="json") for o in found], ensure_ascii=False, indent=2))
        return
    one_document = len({o.documento for o in found}) <= 1
    table = Table("ID", "Settore", "Titolo", "Responsabile", "PNRR", "Anni", show_lines=False)
    for obj in found:
        table.add_row(obj.id if one_document else obj.key, obj.settore, obj.titolo,
                      obj.responsabile or "", "sì" if obj.pnrr else "", ", ".join(map(str, obj.anni)))
    out = _out()
    out.print(table)
    out.print(f"{len(found)} obiettivi")


# -- quality --------------------------------------------------------------------------------------

@app.command()
def quality(
    documento: Annotated[str | None, typer.Option("--documento", help="Solo questo documento.")] = None,
) -> None:
    """Mostra il rapporto di qualità dei dati archiviati."""
    from ingest.store import Store

    try:
        store = Store(get_settings())
        docs = store.documents()
        store.close()
    except IngestError as exc:
        raise _fail(exc.message) from exc
    if documento is not None:
        docs = [d for d in docs if d.documento == documento]
        if not docs:
            raise _fail(f"il documento «{documento}» non è archiviato (vedere «piao status»).")
    out = _out()
    if not docs:
        out.print("Nessun documento archiviato: importarne uno con «piao ingest FILE».")
        return
    for doc in docs:
        out.print(f"[bold]{doc.documento}[/] ({doc.file})")
        out.print(doc.quality_text or "Rapporto di qualità non disponibile.", markup=False, soft_wrap=True)
        out.print()


# -- status ---------------------------------------------------------------------------------------

@app.command()
def status() -> None:
    """Mostra che cosa è archiviato e indicizzato, il modello di embedding e la cartella dei dati."""
    from api.routes.health import disagreements
    from ingest.embed import get_embedder
    from ingest.index import Index
    from ingest.store import Store

    settings = get_settings()
    try:
        store = Store(settings)
        docs = store.documents()
        n_records, n_cached = store.count_objectives(), store.count_embeddings()
        store.close()
        index = Index(settings, get_embedder(settings))
        per_doc = {d.documento: index.count(d.documento) for d in docs}
        n_entries = index.count()
        problems = disagreements(settings)
    except IngestError as exc:
        raise _fail(exc.message) from exc
    out = _out()
    out.print(f"Cartella dei dati: {settings.data_dir.resolve()}")
    out.print(f"Archivio: {_safe_url(settings)}")
    out.print(f"Indice: {_chroma_where(settings)}, collezione {index.name}")
    out.print(f"Modello di embedding: {settings.embedding_model}")
    table = Table("Documento", "Ente", "File", "Formato", "Obiettivi", "Voci indice", "Importato il")
    for d in docs:
        when = d.ingested_at.astimezone().strftime("%d/%m/%Y %H:%M") if d.ingested_at else ""
        table.add_row(d.documento, d.ente or "", d.file, d.format, str(d.n_objectives),
                      str(per_doc[d.documento]), when)
    out.print(table)
    out.print(f"Totale: {len(docs)} documenti, {n_records} obiettivi, {n_entries} voci nell'indice, "
              f"{n_cached} embedding in cache")
    for problem in problems:
        out.print(f"[yellow]Attenzione:[/] indice e archivio non corrispondono: {problem} "
                  "(«piao repair» lo ripara, e così l'avvio di «piao serve»).", soft_wrap=True)


def _safe_url(settings: Settings) -> str:
    return make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)


def _chroma_where(settings: Settings) -> str:
    if settings.chroma_host:
        return f"server Chroma {settings.chroma_host}:{settings.chroma_port}"
    return f"Chroma locale in {settings.chroma_path.resolve()}"


# -- serve ----------------------------------------------------------------------------------------

@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Indirizzo su cui ascoltare.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Porta su cui ascoltare.")] = 8000,
) -> None:
    """Avvia il servizio web (chat, sportello, API).

    Le intestazioni X-Forwarded-For/-Proto sono credute solo dai proxy in PIAO_TRUSTED_PROXIES."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, **uvicorn_options(get_settings()))


def uvicorn_options(settings: Settings) -> dict[str, object]:
    """Proxy trust and shutdown options for uvicorn: forwarded headers only from the configured proxies
    (none by default, where uvicorn would believe 127.0.0.1); a stop signal ends running requests (and
    their ingest processes) after a few seconds."""
    proxies = settings.trusted_proxies.strip()
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or "", "timeout_graceful_shutdown": 5}


# -- ask ------------------------------------------------------------------------------------------

@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="La domanda, in italiano (o in inglese).")],
    json_out: Annotated[bool, typer.Option("--json", help="Stampa l'oggetto Answer in JSON.")] = False,
    mode: Annotated[str, typer.Option("--mode", help="staff (uffici) oppure citizen (sportello).")] = "staff",
) -> None:
    """Risponde a una domanda sugli obiettivi importati, con le citazioni."""
    from assistant import Assistant
    from assistant.types import Message

    if mode not in ("staff", "citizen"):
        raise _fail("--mode deve essere 'staff' oppure 'citizen'.")
    if not question.strip():
        raise _fail("La domanda è vuota.")
    assistant = Assistant.from_settings(get_settings())
    answer = assistant.answer([Message(role="user", content=question)], mode=mode)  # type: ignore[arg-type]
    if json_out:
        typer.echo(answer.model_dump_json(indent=2))
        return
    out = _out()
    out.print(answer.answer, markup=False, soft_wrap=True)
    if answer.citations:
        out.print("\nFonti:", style="bold")
        for c in answer.citations:
            year = f", {c.anno}" if c.anno else ""
            if c.passaggio:  # a prose passage: document › section › page
                where = " › ".join(x for x in (c.documento, c.sezione, f"pagina {c.pagina}" if c.pagina else "") if x)
                out.print(f"[{c.n}] {where}: «{c.citazione}»", markup=False, soft_wrap=True)
                continue
            out.print(f"[{c.n}] {c.objective_id} – {c.titolo} ({c.campo}{year}): «{c.citazione}»",
                      markup=False, soft_wrap=True)


# -- diff -----------------------------------------------------------------------------------------

def _version_records(which: str) -> list[Objective]:
    """The records of a stored document key, or of a file (read, not stored)."""
    from ingest.store import Store

    store = Store(get_settings())
    try:
        if store.document(which) is not None:
            return store.objectives(which)
    finally:
        store.close()
    path = Path(which)
    if not path.is_file():
        raise _fail(f"«{which}» non è né un documento archiviato (vedere «piao status») né un file.")
    from ingest.objectives import extract
    from ingest.readers import read_document

    try:
        return extract(read_document(path, get_settings()), path.stem).objectives
    except IngestError as exc:
        raise _fail(_naming_file(exc, path)) from exc


def _shown(value: object) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return f"«{text[:160]}{'…' if len(text) > 160 else ''}»" if text else "(vuoto)"


@app.command()
def diff(
    doc_a: Annotated[str, typer.Argument(help="Versione precedente: chiave di un documento archiviato o file.",
                                         metavar="DOC_A", show_default=False)],
    doc_b: Annotated[str, typer.Argument(help="Versione successiva: chiave di un documento archiviato o file.",
                                         metavar="DOC_B", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Stampa le differenze in JSON.")] = False,
) -> None:
    """Confronta due versioni di un piano: obiettivi aggiunti, rimossi e campi modificati."""
    from ingest.diff import diff_records

    result = diff_records(_version_records(doc_a), _version_records(doc_b))
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    out = _out()
    out.print(f"Obiettivi aggiunti in {doc_b}: {len(result.added)}", markup=False)
    for obj in result.added:
        out.print(f"+ {obj.id} – {obj.titolo}", markup=False, soft_wrap=True)
    out.print(f"Obiettivi rimossi da {doc_a}: {len(result.removed)}", markup=False)
    for obj in result.removed:
        out.print(f"- {obj.id} – {obj.titolo}", markup=False, soft_wrap=True)
    out.print(f"Campi modificati: {len(result.changed)}", markup=False)
    for change in result.changed:
        out.print(f"~ {change.id} {change.campo}: {_shown(change.prima)} → {_shown(change.dopo)}",
                  markup=False, soft_wrap=True)
    if result.empty:
        out.print("Le due versioni hanno gli stessi obiettivi con gli stessi contenuti.")


# -- eval -----------------------------------------------------------------------------------------

@app.command(name="eval")
def eval_(
    set_path: Annotated[Path, typer.Option("--set", help="Insieme di domande (JSON Lines).")],
    json_out: Annotated[bool, typer.Option("--json", help="Stampa il report in JSON.")] = False,
    baseline: Annotated[bool, typer.Option("--baseline/--no-baseline",
                                           help="Confronta con la pipeline RAG di base.")] = True,
    gold: Annotated[Path | None, typer.Option("--gold", help="Record di riferimento per le citazioni.")] = None,
) -> None:
    """Misura l'assistente su un insieme di domande con risposte di riferimento."""
    from evals.harness import main as run_harness

    raise typer.Exit(run_harness(set_path, json_out, baseline, gold_path=gold))


if __name__ == "__main__":
    app()
