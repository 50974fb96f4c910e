# The two commands a newcomer needs: `make demo` and `make test`. Both set up what is missing.
.PHONY: demo test setup setup-dev lint bench clean

demo: setup
	.venv/bin/preannotate demo

# lint first: a type error or an import slip fails the run before the slow tests start
test: lint
	cd js && npm test
	.venv/bin/python -m pytest -q -p no:cacheprovider tests notebooks --nbval-lax

setup:
	@bash scripts/setup.sh

setup-dev:
	@bash scripts/setup.sh --dev

lint: setup-dev
	.venv/bin/ruff check preannotate_lab tests benchmarks notebooks
	.venv/bin/mypy
	cd js && npm run lint

bench: setup-dev
	.venv/bin/python -m benchmarks.text_preannotation --json
	.venv/bin/python -m benchmarks.ocr --json
	.venv/bin/python -m benchmarks.task_grid --json
	.venv/bin/python -m benchmarks.zero_shot --json
	.venv/bin/python -m benchmarks.rule_studio --json
	.venv/bin/python -m benchmarks.scaleout --json

clean:
	rm -rf .venv demo-project labextension/node_modules labextension/lib js/node_modules preannotate_lab/labextension preannotate_lab/widgets/static dist
