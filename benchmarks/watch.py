"""Cost of `kubectl hpa watch -A` per refresh for 1, 100 and 1000 HPAs, against the test API server.

Run from the repository root: ``python benchmarks/watch.py [--refreshes N] [--json FILE]``.

The API server runs in this process; the watch runs as a subprocess (``--stats`` prints the cost of
each refresh as a JSON line on stderr), so its peak memory (``ru_maxrss`` from ``wait4``) is its own.
Each HPA scales a Deployment of 3 pods; HPAs are spread over one namespace per 100 HPAs; half of
them use CPU, half a shared custom Pods metric (``http_requests``). Reported per size:

- requests/refresh: metric GETs per refresh in steady state (HPAs, pods, events and Deployments
  come from watches, opened once);
- CPU/refresh: process CPU time (all threads) spent in one refresh, median;
- peak memory: the watcher's maximum resident set size;
- start-up: wall time from launch to the first frame (initial lists, imports).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from pytest_httpserver import HTTPServer  # noqa: E402

from tests.apiserver import FakeAPIServer  # noqa: E402
from tests.watch.objects import app, listing  # noqa: E402

PODS_METRIC = [{"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                         "target": {"type": "AverageValue", "averageValue": "10"}}}]
TARGET_PEAK_MB = 150.0


def cluster(count: int, now: float) -> dict:
    namespaces = max(1, count // 100)
    objects: list[dict] = []
    custom: dict[str, list[str]] = {}
    for index in range(count):
        namespace = f"team-{(index // 2) % namespaces:02d}"  # both kinds of HPA in every namespace
        name = f"app-{index:04d}"
        if index % 2:
            objects += app(name, namespace, 3, "120m", now, metrics=PODS_METRIC)
            custom.setdefault(namespace, []).extend(f"{name}-5d9f8c7b6-{pod:05d}" for pod in range(3))
        else:
            objects += app(name, namespace, 3, "120m", now)
    from kubectl_hpa.timefmt import format_time

    for namespace, pods in custom.items():
        objects.append({"apiVersion": "custom.metrics.k8s.io/v1beta1", "kind": "MetricValueList", "metadata": {},
                        "items": [{"describedObject": {"kind": "Pod", "namespace": namespace, "name": pod,
                                                       "apiVersion": "/v1"},
                                   "metricName": "http_requests", "timestamp": format_time(now), "value": "12",
                                   "selector": None} for pod in pods]})
    return listing(objects)


def measure(api: FakeAPIServer, kubeconfig: Path, count: int, refreshes: int, interval: float) -> dict:
    api.load(cluster(count, time.time()))
    command = [sys.executable, "-m", "kubectl_hpa", "watch", "-A", "--interval", str(interval), "--max-refreshes",
               str(refreshes), "--stats"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "KUBECONFIG": str(kubeconfig), "NO_COLOR": "1"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stats, first_frame = [], None
    for line in process.stderr:
        if line.startswith("{"):
            stats.append(json.loads(line))
            if first_frame is None:
                first_frame = time.perf_counter() - started
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or len(stats) != refreshes:
        raise SystemExit(f"watch failed for {count} HPAs (exit {status}, {len(stats)} refreshes)")
    steady = stats[1:] or stats  # the first refresh also starts the Deployment watch
    assert all(s["hpas"] == count for s in stats)
    return {"hpas": count, "namespaces": max(1, count // 100), "pods": 3 * count,
            "requests_per_refresh": statistics.median(s["requests"] for s in steady),
            "cpu_ms_per_refresh": round(1000 * statistics.median(s["cpu"] for s in steady), 1),
            "wall_ms_per_refresh": round(1000 * statistics.median(s["wall"] for s in steady), 1),
            "peak_memory_mb": round(usage.ru_maxrss / 1024, 1),
            "startup_s": round(first_frame or 0.0, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=6)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--json", metavar="FILE")
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    results = []
    try:
        api = FakeAPIServer(server)
        with tempfile.TemporaryDirectory() as directory:
            kubeconfig = api.kubeconfig(Path(directory) / "kubeconfig")
            for count in (int(size) for size in options.sizes.split(",")):
                results.append(measure(api, kubeconfig, count, options.refreshes, options.interval))
                print(json.dumps(results[-1]), flush=True)
    finally:
        server.clear()
        server.stop()
    print(f"\n{'HPAs':>6} {'ns':>4} {'pods':>6} {'req/refresh':>12} {'CPU ms/refresh':>15} {'peak MB':>8} {'start s':>8}")
    for r in results:
        print(f"{r['hpas']:>6} {r['namespaces']:>4} {r['pods']:>6} {r['requests_per_refresh']:>12g} "
              f"{r['cpu_ms_per_refresh']:>15} {r['peak_memory_mb']:>8} {r['startup_s']:>8}")
    worst = max(r["peak_memory_mb"] for r in results)
    print(f"\npeak memory target {TARGET_PEAK_MB:g} MB: {'met' if worst <= TARGET_PEAK_MB else 'MISSED'}")
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
