# Entry points of the README. Every target installs what it needs first (idempotent, cached).
PY := .venv/bin/python

.PHONY: setup test lint demo bench

setup:
	bash tools/setup_env.sh

test: setup
	$(PY) -m pytest tests -q -p no:cacheprovider

lint: setup
	$(PY) -m flake8 projects tools tests benchmarks configs
	$(PY) -m isort --check-only --diff projects tools tests benchmarks

demo: setup
	$(PY) tools/demo.py

bench: setup
	$(PY) benchmarks/deform_conv.py
