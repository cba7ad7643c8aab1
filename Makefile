# Two commands for a newcomer: `make run` and `make test`. Everything else serves them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed
# `make run PORT=5123`: where the development server listens (links in mail follow it).
PORT   ?= 5000
export PORT

.PHONY: run test bench bench-boards bench-tiers bench-portfolio bench-insight lint format translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d club/translations > /dev/null

run: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) club courses sync
	$(FLASK) club demo
	CLUB_SCHEDULER=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Tests run in TEST_WORKERS processes (pytest-xdist), each with databases of its own;
# TEST_WORKERS=0 runs them in this process. Bytecode is cached even where the environment
# says PYTHONDONTWRITEBYTECODE: otherwise every worker compiles the app and re-writes the
# asserts of ~300 test and plugin modules on every run (seconds of CPU each).
TEST_WORKERS ?= auto
test: $(STAMP) translations
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Not part of `make test`: imports a million invoice lines on SQLite and PostgreSQL and
# compares with each database's bulk loader, then the leaderboards at 100,000 people
# (tests/benchmarks/README.md). BENCH_ARGS, e.g. BENCH_ARGS="--rows 100000" for a quick
# import; BOARDS_ARGS, e.g. BOARDS_ARGS="--people 10000". `make bench-boards`: boards only.
bench: $(STAMP) translations
	$(BIN)/python tests/benchmarks/bench_import.py $(BENCH_ARGS)
	$(BIN)/python tests/benchmarks/bench_boards.py $(BOARDS_ARGS)
	$(BIN)/python tests/benchmarks/bench_tiers.py $(TIERS_ARGS)
	$(BIN)/python tests/benchmarks/bench_portfolio.py $(PORTFOLIO_ARGS)
	$(BIN)/python tests/benchmarks/bench_insight.py $(INSIGHT_ARGS)

bench-boards: $(STAMP) translations
	$(BIN)/python tests/benchmarks/bench_boards.py $(BOARDS_ARGS)

# Tier requalification of 10,000 companies; TIERS_ARGS, e.g. TIERS_ARGS="--companies 2000".
bench-tiers: $(STAMP) translations
	$(BIN)/python tests/benchmarks/bench_tiers.py $(TIERS_ARGS)

# The nightly health scores of 10,000 companies with three years of history, both
# databases; PORTFOLIO_ARGS, e.g. PORTFOLIO_ARGS="--companies 2000" for a quick run.
bench-portfolio: $(STAMP) translations
	$(BIN)/python tests/benchmarks/bench_portfolio.py $(PORTFOLIO_ARGS)

# The KPI dashboard on the benchmark club; INSIGHT_ARGS, e.g. INSIGHT_ARGS="--people 20000".
bench-insight: $(STAMP) translations
	$(BIN)/python tests/benchmarks/bench_insight.py $(INSIGHT_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After adding or changing user-facing text: extract, then translate the new entries
# in club/translations/{pl,ru}/LC_MESSAGES/messages.po.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* .venv' \
		--no-location --sort-output \
		-o club/translations/messages.pot .
	$(BIN)/pybabel update -N --no-fuzzy-matching -i club/translations/messages.pot -d club/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
