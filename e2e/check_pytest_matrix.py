"""Load the e2e conftest under each pytest the extras allow, next to pytest-kind (collect-only, no cluster).

    python e2e/check_pytest_matrix.py                 # the default versions below, venvs under a temp folder
    python e2e/check_pytest_matrix.py 8.1.2 9.0.3     # other versions

setup.cfg allows ``pytest>=8,<10`` and pins ``pytest-kind==22.11.1``; pytest-kind registers --keep-cluster,
--kubeconfig and four more options in its own group, and registering one again from a conftest crashes argparse
at start-up ("conflicting option string") on every pytest that checks conflicts per group only. This script needs
PyPI (it installs pytest and pytest-kind into throwaway venvs that see this interpreter's other packages), so it
runs in the e2e workflow before the cluster, not in the offline tests (tests/e2e_harness checks the installed
pytest the same way). Exit status: the number of versions that failed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The oldest allowed, the newest 8.x, the newest allowed (as of the pin review; extend when setup.cfg changes).
DEFAULT_VERSIONS = ("8.0.0", "8.4.2", "9.0.3", "9.2.0")
PYTEST_KIND = "pytest-kind==22.11.1"


def check(version: str, workdir: Path, timeout: float = 300.0) -> tuple[bool, str]:
    venv = workdir / f"pytest-{version}"
    python = venv / "bin" / "python"
    steps = [
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"pytest=={version}", PYTEST_KIND],
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "e2e", "--keep-cluster",
         "--cluster-name", "matrix"],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            return False, f"{' '.join(step[:4])}… exit {result.returncode}: {' / '.join(tail)}"
    if "3 tests collected" not in result.stdout:
        return False, f"unexpected collection: {result.stdout.strip().splitlines()[-1:]}"
    return True, "3 tests collected"


def main(argv: list[str]) -> int:
    versions = argv or list(DEFAULT_VERSIONS)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kubectl-hpa-pytest-matrix-") as tmp:
        for version in versions:
            started = time.monotonic()
            ok, message = check(version, Path(tmp))
            failed += not ok
            print(f"pytest {version} + {PYTEST_KIND}: {'ok' if ok else 'FAILED'} ({message}; "
                  f"{time.monotonic() - started:.0f}s)", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
