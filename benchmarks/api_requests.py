"""`kubectl hpa explain` against the test API server: requests, CPU, peak memory and wall time, beside their floors.

Run from the repository root: ``python benchmarks/api_requests.py [--sizes 1,50,200,500,1000,5000] [--runs 5]``.

The API server (tests/apiserver.py: real HTTP, real-shaped JSON) runs in this process; the plugin runs as a
subprocess, measured on its own process (:mod:`measured`: CPU time of every thread, ``VmHWM``). Prints:

- live ``explain NAME`` (10 pods): median wall time beside ``kubectl get hpa NAME -o yaml`` against the same
  server (discovery cached, as on a workstation); target 3x;
- ``explain NAME`` with 10 and 1,000 pods: requests (they must not grow with the pods);
- ``explain -A`` over 1 to 5,000 HPAs of 20 pods each, in 5 namespaces (500 HPAs is 10,000 pods): requests
  (constant), CPU and peak memory, and CPU per HPA next to the 500-HPA run's (linear: about 1x). The target at
  500 HPAs is 5 s CPU and 150 MiB.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

try:
    from pytest_httpserver import HTTPServer  # noqa: E402
except ImportError:  # the fake API server is the tests': pip install . leaves it out
    sys.exit("error: benchmarks/api_requests.py serves a fake API server from the tests: pip install '.[test]'")

from measured import Measured, compile_package, plugin, ratio_header, ratio_line  # noqa: E402

from tests.apiserver import FakeAPIServer, empty_cluster, scaled_hpa  # noqa: E402

AT = "2026-11-30T10:00:00Z"
TARGET_A_CPU = 5.0  # seconds, explain -A over 500 HPAs / 10,000 pods
TARGET_A_MEMORY = 150.0  # MiB, same run
TARGET_LIVE_RATIO = 3.0  # live explain NAME, wall time, x kubectl get hpa NAME -o yaml
REFERENCE_HPAS = 500
NAMESPACES = 5
PODS_PER_HPA = 20

# kubectl starts with discovery (/api, /apis, then the group's resources), which the test API server does not
# serve: answered here, as kube-apiserver answers them, for kubectl's reference run only.
DISCOVERY = {
    r"^/api(\?|$)": {"kind": "APIVersions", "versions": ["v1"],
                     "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]},
    r"^/apis(\?|$)": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "autoscaling", "versions": [{"groupVersion": "autoscaling/v2", "version": "v2"}],
         "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"}}]},
    r"^/api/v1(\?|$)": {"kind": "APIResourceList", "groupVersion": "v1", "resources": []},
    r"^/apis/autoscaling/v2(\?|$)": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "autoscaling/v2",
                                     "resources": [{"name": "horizontalpodautoscalers", "singularName": "",
                                                    "namespaced": True, "kind": "HorizontalPodAutoscaler",
                                                    "shortNames": ["hpa"], "categories": ["all"],
                                                    "verbs": ["get", "list", "watch"]}]},
}


def explain(api: FakeAPIServer, kubeconfig: Path, *args: str) -> tuple[int, Measured]:
    api.reset_log()
    run = plugin(["explain", *args, "--at", AT], env={"KUBECONFIG": str(kubeconfig)},
                 stdout=subprocess.DEVNULL).check(0, 3)
    return len(api.requests), run


def kubectl_get(kubectl: str, kubeconfig: Path, cache: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([kubectl, "get", "hpa", "web", "-o", "yaml", "--kubeconfig", str(kubeconfig),
                           "--cache-dir", cache], capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"kubectl get hpa failed: {done.stderr.strip()[-300:]}")
    return time.perf_counter() - started


def live_name(api: FakeAPIServer, kubeconfig: Path, runs: int) -> None:
    """Live ``explain NAME`` beside ``kubectl get hpa NAME -o yaml``, wall time, paired runs."""
    empty_cluster(api)
    scaled_hpa(api, 10)
    kubectl = shutil.which("kubectl")
    ours = []
    theirs = []
    with tempfile.TemporaryDirectory() as cache:
        for pattern, body in DISCOVERY.items():
            api.fault(pattern, 200, body)
        if kubectl:
            kubectl_get(kubectl, kubeconfig, cache)  # fills the discovery cache, as a workstation's is
        explain(api, kubeconfig, "web")  # warms the page cache
        for _ in range(runs):
            if kubectl:
                theirs.append(kubectl_get(kubectl, kubeconfig, cache))
            ours.append(explain(api, kubeconfig, "web")[1])
    wall = statistics.median(r.wall for r in ours)
    print(f"live explain web (10 pods), median of {runs}: wall {wall:.3f} s, CPU "
          f"{statistics.median(r.cpu for r in ours):.3f} s, peak {statistics.median(r.peak_mib for r in ours):.0f} MiB")
    if theirs:
        floor = statistics.median(theirs)
        print(f"kubectl get hpa web -o yaml, median of {runs}: wall {floor:.3f} s")
        print(ratio_line("live explain NAME wall / (3 x kubectl get hpa)", wall, TARGET_LIVE_RATIO * floor, "s"))
    else:
        print("kubectl not found: no reference for the live explain NAME wall time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,50,200,500,1000,5000", help="HPA counts for explain -A")
    parser.add_argument("--runs", type=int, default=5, help="paired runs for the live explain NAME figure")
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    compile_package()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        api = FakeAPIServer(server)
        kubeconfig = api.kubeconfig(Path(tempfile.mkdtemp()) / "kubeconfig", namespace="shop")
        print(ratio_header())
        live_name(api, kubeconfig, options.runs)
        requests = {}
        for pods in (10, 1000):
            empty_cluster(api)
            scaled_hpa(api, pods)
            requests[pods], _run = explain(api, kubeconfig, "web")
            print(f"explain web ({pods} pods): {requests[pods]} requests")
        print(ratio_line("requests, explain web at 1,000 pods / at 10", requests[1000], requests[10], "req",
                         target=False))
        results: dict[int, tuple[int, Measured]] = {}
        for hpas in sorted(int(size) for size in options.sizes.split(",")):
            empty_cluster(api)
            for index in range(hpas):
                scaled_hpa(api, PODS_PER_HPA, name=f"app{index}", ns=f"team{index % NAMESPACES}")
            results[hpas] = explain(api, kubeconfig, "-A")
            count, run = results[hpas]
            print(f"explain -A, {hpas:>5} HPAs / {hpas * PODS_PER_HPA:>6} pods: {count} requests, CPU {run.cpu:7.2f} s, "
                  f"peak {run.peak_mib:6.0f} MiB, wall {run.wall:7.2f} s, {1000 * run.cpu / hpas:6.2f} ms CPU per HPA",
                  flush=True)
        if REFERENCE_HPAS in results:
            count, run = results[REFERENCE_HPAS]
            print(ratio_line(f"explain -A {REFERENCE_HPAS} HPAs: CPU", run.cpu, TARGET_A_CPU, "s"))
            print(ratio_line(f"explain -A {REFERENCE_HPAS} HPAs: peak memory", run.peak_mib, TARGET_A_MEMORY, "MiB"))
            per_hpa = run.cpu / REFERENCE_HPAS
            for hpas, (other, measured) in results.items():
                if hpas > REFERENCE_HPAS:
                    print(ratio_line(f"explain -A {hpas} HPAs: CPU per HPA / at {REFERENCE_HPAS}",
                                     1000 * measured.cpu / hpas, 1000 * per_hpa, "ms", target=False))
                    print(ratio_line(f"explain -A {hpas} HPAs: requests / at {REFERENCE_HPAS}", other, count, "req",
                                     target=False))
    finally:
        server.clear()
        server.stop()


if __name__ == "__main__":
    main()
