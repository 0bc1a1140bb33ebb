# Task runner: every command of the project is here. `make help` lists them.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
PIAO    := .venv/bin/piao
SAMPLE  := samples/piao_casalgrande_2023_performance.docx
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: help setup thesaurus run serve test test-fast lint eval bench bench-scale fuzz load clean

help:           ## list the targets
	@grep -E '^[a-z-]+:.*##' Makefile | sed 's/:.*##/\t/'

.venv/.installed: pyproject.toml
	python3.11 -m venv .venv || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	# torch first, from the CPU wheel: a bare requirement would pull a multi-GB CUDA build
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[test]'
	@touch $@

# Bootstrap Italia (pages' CSS, JS and fonts), self-hosted from node_modules: no CDN at run time.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	@touch $@

# Italian thesaurus (Debian's mythes-it, LibreOffice's; GPL data read at run time, never copied here): best
# effort, as root with apt-get; without it the assistant works and leaves one check off (see README).
thesaurus:
	@test -e /usr/share/mythes/th_it_IT_v2.dat || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -qq mythes-it || { apt-get update -qq && apt-get install -y -qq mythes-it; }; } >/dev/null 2>&1; } || echo "note: Italian thesaurus (mythes-it) not installed"

setup: .venv/.installed node_modules/.installed thesaurus ## create/reuse .venv and node_modules, install everything

run: setup      ## main job: ingest the bundled sample and serve the chat on http://127.0.0.1:8000
	$(PIAO) ingest $(SAMPLE)
	$(PIAO) serve --host 127.0.0.1 --port 8000

test: setup     ## the whole test suite (no network)
	$(PY) -m pytest

test-fast: setup ## tests without the browser and integration markers
	$(PY) -m pytest -m "not browser and not integration"

lint: setup     ## ruff on the packages
	.venv/bin/ruff check ingest assistant api evals tests

eval: setup     ## dev eval set (no LLM), after ingesting the sample (a no-op when unchanged)
	$(PIAO) ingest $(SAMPLE)
	$(PIAO) eval --set evals/sets/dev.jsonl

bench: setup    ## ingest benchmark
	$(PY) -m evals.bench_ingest

bench-scale: setup ## scale benchmark: PLANS="1 10 50 200" distinct plans, figures as ratios to 1 plan (docs/SCALE.md)
	$(PY) -m evals.bench_scale --plans $(or $(PLANS),1 10 50 200) $(if $(FAST),--fast-embedder)

load: setup     ## load test: 50 clients x 60 s on 127.0.0.1, own server (CLIENTS, DURATION, WORKERS)
	$(PY) -m evals.load --clients $(or $(CLIENTS),50) --duration $(or $(DURATION),60) --workers $(or $(WORKERS),1)

fuzz: setup     ## longer fuzz + injection runs (20x the CI examples; SCALE=N to change)
	$(PY) -m evals.fuzz --scale $(or $(SCALE),20)

clean:          ## remove the data directory (store + index)
	rm -rf data
