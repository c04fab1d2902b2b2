# Two commands: `make run` (demo mail server + gateway) and `make test` (the whole suite).
.PHONY: run test lint openapi clients bootstrap fuzz lock

bootstrap:
	bash scripts/bootstrap.sh

run:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

lint: bootstrap
	.venv/bin/ruff check gateway tests bench

# requirements.lock, the tested set of dependencies that bootstrap installs: resolved afresh
# within pyproject.toml's bounds. Run `make test` on a new lock before committing it.
lock:
	bash scripts/lock.sh

openapi: bootstrap
	.venv/bin/python -m gateway openapi > openapi/openapi.json

# The API clients in clients/ (Python, TypeScript), generated again from openapi/openapi.json
# by pinned generators: `make openapi clients` after an API change (the tests check both).
clients: bootstrap
	bash scripts/clients.sh generate

# Contract fuzzing: Schemathesis over the whole OpenAPI document against a real gateway and
# mail stack, every phase (`make test` runs a bounded part: tests/test_contract_fuzz.py).
fuzz: bootstrap
	.venv/bin/python -m tests.fuzz
