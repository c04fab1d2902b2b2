"""``python -m tests.fuzz``: see ``tests/fuzz/harness.py``."""

import sys

from .harness import main

sys.exit(main())
