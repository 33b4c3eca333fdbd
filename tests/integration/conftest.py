from __future__ import annotations

import sys
from pathlib import Path

# Integration helpers live beside the tests; tests/ is not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))
