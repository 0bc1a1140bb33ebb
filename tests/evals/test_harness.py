"""The harness: conversations played as score.py plays them, the same figures in process and over HTTP."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.types import Answer, Citation, Message, Mode
from evals.harness import EvalReport, render, run_eval, run_eval_http, write_report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLD = ROOT / "samples" / "piao_casalgrande_2023_performance.gold.json"
DEV = ROOT / "evals" / "sets" / "dev.jsonl"
DOC = "piao_casalgrande_2023_performance"
TARI = "Predisposizione nuovo Regolamento Tari finalizzato al censimento superfici non dichiarate"


def cite(n: int, campo: str, quote: str, objective_id: str = "entrate-2") -> Citation:
    return Citation(n=n, objective_id=objective_id, titolo=TARI, settore="SETTORE ENTRATE", campo=campo,
                    citazione=quote, documento=DOC, tabella=26)


SCRIPT = {
    "Chi è responsabile del regolamento TARI?": Answer(
        answer="La responsabile è Natascia Giomo [1].", citations=[cite(1, "responsabile", "Natascia Giomo")],
        objective_ids=[f"{DOC}/entrate-2"]),
    "Parlami dell'obiettivo sulla TARI.": Answer(
        answer=f"L'obiettivo è «{TARI}» [1].", citations=[cite(1, "titolo", TARI)], objective_ids=["entrate-2"]),
    "E chi ne è responsabile?": Answer(
        answer="Natascia Giomo [1].", citations=[cite(1, "responsabile", "Natascia Giomo")],
        objective_ids=["entrate-2"]),
    "Dove pago la TARI?": Answer(
        answer="Il piano non lo dice; vedi l'obiettivo sulla TARI [1].",
        citations=[cite(1, "responsabile", "Mario Rossi")], objective_ids=["entrate-2"]),
    "Quanti dipendenti ha il Comune?": Answer(answer="Il piano non lo dice.", refused=True),
}
CASES = [
    {"id": "h1", "kind": "lookup_responsible", "persona": "staff", "question": "Chi è responsabile del regolamento TARI?",
     "gold_objective_ids": ["entrate-2"], "must_contain": ["Natascia Giomo"], "answerable": True},
    {"id": "h2", "kind": "multi_turn", "persona": "evaluator", "question": "E chi ne è responsabile?",
     "history": ["Parlami dell'obiettivo sulla TARI."],
     "gold_objective_ids": ["entrate-2"], "must_contain": ["natascia giomo"], "answerable": True},
    {"id": "h3", "kind": "citizen_guidance", "persona": "citizen", "question": "Dove pago la TARI?",
     "gold_objective_ids": ["entrate-2"], "must_contain": ["Ufficio Tributi"], "answerable": True},
    {"id": "h4", "kind": "unanswerable", "persona": "staff", "question": "Quanti dipendenti ha il Comune?",
     "gold_objective_ids": [], "must_contain": [], "answerable": False},
    {"id": "h5", "kind": "list_filter", "persona": "staff", "question": "Una domanda che fa fallire l'assistente",
     "gold_objective_ids": ["entrate-1"], "must_contain": ["Tributi Web"], "answerable": True},
]


class ScriptedAssistant:
    """A fake of the ``Assistant.answer`` interface: replies looked up by the last user message."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[dict[str, str]], Mode]] = []

    def answer(self, messages: list[Message], mode: Mode) -> Answer:
        self.calls.append(([m.model_dump() for m in messages], mode))
        return SCRIPT[messages[-1].content]  # an unknown question raises: a failing case


@pytest.fixture
def case_set(tmp_path: Path) -> Path:
    path = tmp_path / "mini.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES), encoding="utf-8")
    return path


EXPECTED = {
    "cases": 5, "accuracy": 0.5, "refusal": 1.0, "false_refusal": 0.0, "objective_recall": 0.75,
    "complete_lists": 0.0, "citations_grounded": 0.667, "errors": 1,
    "by_kind": {"citizen_guidance": "0/1", "list_filter": "0/1", "lookup_responsible": "1/1",
                "multi_turn": "1/1", "unanswerable": "1/1"},
    "wrong": ["h3", "h5"],
}


def _without_latency(report: dict) -> dict:
    return {k: v for k, v in report.items() if not k.startswith("latency")}


def test_run_eval_in_process(case_set: Path):
    fake = ScriptedAssistant()
    report = run_eval(case_set, fake, gold_path=GOLD, warmup=False)
    assert _without_latency(report.metrics) == EXPECTED
    assert report.metrics["latency_p50_s"] is not None
    # the multi-turn case was played as a conversation, the reply kept in the history
    history, mode = fake.calls[2]
    assert history == [
        {"role": "user", "content": "Parlami dell'obiettivo sulla TARI."},
        {"role": "assistant", "content": SCRIPT["Parlami dell'obiettivo sulla TARI."].answer},
        {"role": "user", "content": "E chi ne è responsabile?"},
    ]
    assert [m for _, m in fake.calls] == ["staff", "staff", "staff", "citizen", "staff", "staff"]
    assert report.rows[4].error == str(KeyError(CASES[4]["question"]))


def test_stored_records_ground_citations_like_the_gold_file(case_set: Path, gold_records):
    report = run_eval(case_set, ScriptedAssistant(), records=gold_records, warmup=False)
    assert report.metrics["citations_grounded"] == 0.667
    assert run_eval(case_set, ScriptedAssistant(), warmup=False).metrics["citations_grounded"] is None


def test_warmup_and_load_are_reported_apart(case_set: Path):
    fake = ScriptedAssistant()
    report = run_eval(case_set, fake, gold_path=GOLD, load_s=1.25)
    assert len(fake.calls) == 7  # one warm-up call, then the six timed ones
    assert report.load_s == 1.25 and report.warmup_s is not None


class _Handler(BaseHTTPRequestHandler):
    assistant = ScriptedAssistant()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        try:
            answer = self.assistant.answer([Message(**m) for m in body["messages"]], body["mode"])
        except KeyError:
            self.send_error(500, "assistant failed")
            return
        data = json.dumps(answer.model_dump(mode="json")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_runner_and_score_py_agree(case_set: Path, api_url: str, tmp_path: Path):
    out = tmp_path / "score.json"
    subprocess.run(
        [sys.executable, str(HERE / "reference_score.py"), "--set", str(case_set), "--api", api_url,
         "--gold", str(GOLD), "--json", str(out)],
        check=True, capture_output=True, timeout=60,
    )
    reference = json.loads(out.read_text(encoding="utf-8"))
    http = run_eval_http(case_set, api_url, gold_path=GOLD)
    in_process = run_eval(case_set, ScriptedAssistant(), gold_path=GOLD, warmup=False)
    assert _without_latency(reference["report"]) == EXPECTED
    assert _without_latency(http.metrics) == _without_latency(reference["report"])
    assert _without_latency(in_process.metrics) == _without_latency(reference["report"])
    for mine, theirs in zip(http.rows, reference["rows"], strict=True):
        assert {k: v for k, v in mine.model_dump().items() if k not in ("error", "seconds")} == {
            k: v for k, v in theirs.items() if k != "error"}
        assert mine.seconds is not None
        assert bool(mine.error) == bool(theirs["error"])


def test_render_and_json_report(case_set: Path, tmp_path: Path):
    report = run_eval(case_set, ScriptedAssistant(), gold_path=GOLD, load_s=0.5)
    text = render(report)
    assert "accuracy" in text and "0.500" in text
    assert "wrong: h3, h5" in text
    assert "multi_turn" in text and "1/1" in text
    path = write_report(report, tmp_path / "r.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["report"] == report.metrics
    assert data["run"]["load_s"] == 0.5 and data["baseline"] is None
    assert EvalReport.model_validate({**report.model_dump()}).metrics == report.metrics


def test_command_line_over_http(case_set: Path, api_url: str, tmp_path: Path, capsys):
    from evals.harness import cli

    out = tmp_path / "http.json"
    code = cli(["--set", str(case_set), "--api", api_url, "--gold", str(GOLD), "--json", "--report", str(out)])
    assert code == 1  # h5 failed with an error
    printed = json.loads(capsys.readouterr().out)
    assert _without_latency(printed["report"]) == EXPECTED
    assert printed["run"]["target"] == api_url
    assert json.loads(out.read_text(encoding="utf-8"))["report"] == printed["report"]


@pytest.fixture(scope="module")
def dev_report_json(ingested_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``piao eval`` on the dev set with the real Assistant over the ingested fixture (no baseline)."""
    from evals.harness import main
    from ingest.settings import get_settings

    mp = pytest.MonkeyPatch()
    mp.setenv("PIAO_DATA_DIR", str(ingested_dir))
    mp.delenv("PIAO_LLM_PROVIDER", raising=False)
    get_settings.cache_clear()
    out = tmp_path_factory.mktemp("eval") / "dev.json"
    try:
        assert main(DEV, json_out=False, baseline=False, report_path=out) == 0
    finally:
        mp.undo()
        get_settings.cache_clear()
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.integration
def test_real_assistant_runs_the_dev_set(dev_report_json: dict):
    report, run = dev_report_json["report"], dev_report_json["run"]
    assert report["cases"] == 60 and report["errors"] == 0
    assert run["load_s"] > 0 and run["warmup_s"] is not None
    assert report["latency_p50_s"] <= report["latency_p95_s"]
    assert all(r["seconds"] is not None for r in dev_report_json["rows"])


@pytest.mark.integration
def test_stored_records_and_gold_file_ground_citations_alike(ingested_settings):
    from assistant import Assistant
    from ingest.store import Store

    assistant = Assistant.from_settings(ingested_settings)
    by_store = run_eval(DEV, assistant, records=Store(ingested_settings).objectives(), warmup=False)
    by_gold = run_eval(DEV, assistant, gold_path=GOLD, warmup=False)
    assert by_store.metrics["citations_grounded"] == by_gold.metrics["citations_grounded"] is not None
    assert _without_latency(by_store.metrics) == _without_latency(by_gold.metrics)


@pytest.mark.integration
def test_every_citation_on_the_dev_set_is_grounded(dev_report_json: dict):
    """Whatever the accuracy (a report, not a gate: evals/sets/README.md), each quote is in its record."""
    report = dev_report_json["report"]
    assert report["cases"] == 60 and report["citations_grounded"] == 1.0


def test_eval_on_an_empty_store_says_what_to_do(data_settings, capsys) -> None:
    from evals.harness import main

    assert main(DEV, baseline=False) == 2
    out = capsys.readouterr().out
    assert "Nessun documento importato" in out and "piao ingest" in out
