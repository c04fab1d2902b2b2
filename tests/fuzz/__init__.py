"""Contract fuzzing: Schemathesis over the whole OpenAPI document against a real gateway.

``make fuzz`` runs every phase with a generous budget (``python -m tests.fuzz``); the
normal test run runs a bounded part of it (``tests/test_contract_fuzz.py``).
"""
