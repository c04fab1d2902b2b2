"""Alembic's script directory for mailgate's schema (run by gateway.store.migrate).

To change the schema: edit gateway/store/schema.py, then add a file to versions/ whose
``down_revision`` is the newest revision, with the ``op`` calls that make the change
(``render_as_batch`` is on for SQLite, so ``op.batch_alter_table`` works on both databases).
tests/store/test_migrations.py fails while the newest revision and schema.py differ, and
prints the ``op`` calls that are missing.
"""
