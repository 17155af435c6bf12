"""Write docs/settings.md from the settings schema (run from anywhere in the repository).

    python scripts/gen_settings_doc.py

tests/test_settings_doc.py fails when the page is not what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from traysupport.settings_doc import write  # noqa: E402

if __name__ == "__main__":
    print(f"wrote {write(ROOT)}")
