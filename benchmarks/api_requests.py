"""API requests and wall time of `kubectl hpa explain` against the test API server (real client, real HTTP).

Run from the repository root: ``python benchmarks/api_requests.py``. Prints, for one HPA with
10 and 1000 pods, and for `-A` over 1, 10 and 50 HPAs, the number of GET requests and the time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "fixtures" / "snapshots")]

try:
    from pytest_httpserver import HTTPServer  # noqa: E402
except ImportError:  # the fake API server is the tests': pip install . leaves it out
    sys.exit("error: benchmarks/api_requests.py serves a fake API server from the tests: pip install '.[test]'")

from tests.apiserver import FakeAPIServer, empty_cluster, run, scaled_hpa  # noqa: E402


def measure(api: FakeAPIServer, kubeconfig: Path, *args: str) -> tuple[int, float]:
    api.reset_log()
    started = time.perf_counter()
    code, _out, err = run(kubeconfig, *args, "--at", "2026-11-30T10:00:00Z")
    assert code in (0, 3), err
    return len(api.requests), time.perf_counter() - started


def main() -> None:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        api = FakeAPIServer(server)
        kubeconfig = api.kubeconfig(Path(tempfile.mkdtemp()) / "kubeconfig", namespace="shop")
        print(f"{'case':<34} {'requests':>8} {'per HPA':>8} {'seconds':>8}")
        for pods in (10, 1000):
            empty_cluster(api)
            scaled_hpa(api, pods)
            count, seconds = measure(api, kubeconfig, "explain", "web")
            print(f"{f'explain web ({pods} pods)':<34} {count:>8} {count:>8} {seconds:>8.2f}")
        for hpas in (1, 10, 50):
            empty_cluster(api)
            for index in range(hpas):
                scaled_hpa(api, 20, name=f"app{index}", ns=f"team{index % 5}")
            count, seconds = measure(api, kubeconfig, "explain", "-A")
            print(f"{f'explain -A ({hpas} HPAs, 20 pods each)':<34} {count:>8} {count / hpas:>8.2f} {seconds:>8.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
