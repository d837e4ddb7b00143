"""A restarted server is back for the phones at once: it does not load what only the
report, the export and the draw need.

scipy, pandas, numpy, the sortition library and HiGHS cost seconds of start-up
between them; a venue restarting its laptop mid-session must not wait for them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.servers import env_for

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "pandas", "numpy", "pyreadstat", "sortition_algorithms", "highspy", "sklearn")


def test_the_serving_application_loads_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    program = (
        "import sys\n"
        "from server.app import create_app\n"
        "create_app()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    env = {"PATH": "/usr/bin:/bin", **env_for(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = [name for name in done.stdout.strip().split(",") if name]
    assert loaded == [], f"serving loads {loaded}; import them where they are used"
