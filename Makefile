# Two commands: `make run` (demo mail server + gateway) and `make test` (the whole suite).
.PHONY: run test lint openapi bootstrap

bootstrap:
	bash scripts/bootstrap.sh

run:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

lint: bootstrap
	.venv/bin/ruff check gateway tests bench

openapi: bootstrap
	.venv/bin/python -m gateway openapi > openapi/openapi.json
