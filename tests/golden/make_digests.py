"""Write the digests of the tables of a fixed set of runs (``digests.json``).

The digests pin behaviour across refactors: ``test_golden.py`` re-runs the same cases and
compares. Regenerate only when a change is *meant* to change results, and say so in the
commit (``python tests/golden/make_digests.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from cases import CASES, run_digests  # noqa: E402


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    digests = {case.id: run_digests(case) for case in CASES}
    (HERE / "digests.json").write_text(json.dumps({"commit": commit, "runs": digests},
                                                  indent=1) + "\n")
    print(f"{len(digests)} runs from {commit}")


if __name__ == "__main__":
    main()
