"""Test hygiene, checked on the source of every test module.

- None imports from another ``test_*`` module: shared helpers live in a conftest or a
  helpers module (e.g. tests/api/helpers.py), so that running, moving or deleting one test
  module never changes what another one tests.
- No fixed sleep hopes: a wait for something is a poll with a deadline
  (``tests.waiting.until`` or a loop), a wait to show that nothing more arrives is
  ``tests.waiting.quiet_for``, and a longer sleep left in a test is part of its scenario
  (trickled bytes, a lease running out) and says so in a ``# scenario:`` comment.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
ROOT = TESTS.parent


def _is_test_module(dotted: str) -> bool:
    return any(part.startswith("test_") for part in dotted.split("."))


def imports_of_test_modules(source: str, path: Path) -> list[str]:
    """Each import of a test module (line and module) in ``source``, the text of ``path``."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module or "").split("."))).strip(".")
            # ``from . import test_x`` names the module in the imported names.
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [f"line {node.lineno}: {t}" for t in targets if _is_test_module(t)][:1]
    return found


def test_no_test_module_imports_from_another_test_module() -> None:
    modules = sorted(TESTS.rglob("test_*.py"))
    assert len(modules) > 50, "the walk must find the test modules"
    offenders = {
        str(p.relative_to(ROOT)): hits
        for p in modules
        if (hits := imports_of_test_modules(p.read_text(), p))
    }
    assert offenders == {}, "move shared helpers to a conftest or a helpers module"


def test_the_check_sees_every_form_of_such_an_import() -> None:
    """The check itself catches absolute, relative and package-relative forms (and only them)."""
    inside = TESTS / "api" / "test_example.py"
    for source in (
        "from .test_auth import make_token",
        "from tests.api.test_auth import make_token",
        "from ..sync.test_imap_watch import message",
        "from . import test_auth",
        "import tests.api.test_auth",
    ):
        assert imports_of_test_modules(source, inside), source
    for source in (
        "from .helpers import make_token",
        "from tests.api.helpers import spec",
        "from tests.conftest import running_client",
        "import pytest",
    ):
        assert not imports_of_test_modules(source, inside), source


POLL_STEP = 0.25
"""A sleep this short or shorter is a poll loop's step (or yields to the loop)."""


def unexplained_sleeps(source: str) -> list[str]:
    """Each ``asyncio.sleep``/``time.sleep`` in ``source`` longer than ``POLL_STEP`` (or of a
    computed length) without a ``# scenario:`` comment on its lines or just above them."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "sleep"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"asyncio", "time"}
            and node.args
        ):
            continue
        arg = node.args[0]
        if (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, int | float)
            and arg.value <= POLL_STEP
        ):
            continue
        first = node.lineno - 1
        while first > 0 and lines[first - 1].strip().startswith("#"):
            first -= 1  # the comment block just above the call
        if not any("# scenario:" in line for line in lines[max(0, first - 1) : node.end_lineno]):
            found.append(f"line {node.lineno}: {lines[node.lineno - 1].strip()}")
    return found


def test_no_fixed_sleep_in_a_test_module_is_unexplained() -> None:
    offenders = {
        str(p.relative_to(ROOT)): hits
        for p in sorted(TESTS.rglob("test_*.py"))
        if (hits := unexplained_sleeps(p.read_text()))
    }
    assert offenders == {}, "poll with tests.waiting.until, show absence with quiet_for"


def test_the_sleep_check_tells_scenario_and_poll_steps_from_hopes() -> None:
    assert unexplained_sleeps("await asyncio.sleep(1.0)\n")
    assert unexplained_sleeps("time.sleep(0.5)  # wait for it\n")
    assert unexplained_sleeps("await asyncio.sleep(delay)\n")
    assert not unexplained_sleeps("await asyncio.sleep(0.05)\n")
    assert not unexplained_sleeps("await asyncio.sleep(6)  # scenario: a backoff grows\n")
    assert not unexplained_sleeps("# scenario: the lease runs out\ntime.sleep(3)\n")
    assert not unexplained_sleeps(
        "# scenario: idle past the deadline,\n# then more\ntime.sleep(3)\n"
    )
    assert not unexplained_sleeps("await quiet_for()\n")


def test_the_code_is_formatted_by_ruff() -> None:
    """`ruff format` was applied once and is kept: a change that is not formatted fails here
    (run `.venv/bin/ruff format gateway tests bench`)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "gateway", "tests", "bench"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
