"""Cost of `kubectl hpa watch` per refresh for 1, 100 and 1,000 HPAs, in one namespace and in ten, beside the floors.

Run from the repository root: ``python benchmarks/watch.py [--refreshes N] [--layouts 1x1,100x1,1000x1,1000x10]``.

The API server runs in this process; the watch runs as a subprocess (``--stats`` prints the cost of each refresh
as a JSON line on stderr) and is measured on its own process (benchmarks/measured.py: ``VmHWM``, since a child's
``ru_maxrss`` counts the parent it was forked from). Each HPA scales a Deployment of 3 pods; a layout ``NxM``
spreads N HPAs over M namespaces; half of them use CPU, half a shared custom Pods metric (``http_requests``).
Reported per layout:

- requests/refresh: metric GETs per refresh in steady state (HPAs, pods, events and Deployments
  come from watches, opened once);
- CPU/refresh: process CPU time (all threads) spent in one refresh, median; the target is 300 ms at 1,000 HPAs.
  The server answers the same metric values at every refresh, so this is the cost of a refresh where nothing
  changed (watch/reuse.py); "CPU ms max" is the costliest steady refresh: once per controller sync period
  (15 s) watch stores the controller's memory, a new input, and the next refresh decides every HPA anew
  (seen with ``--refreshes 40``: 20 s at the default 0.5 s interval);
- peak memory: the watcher's own peak resident set;
- start-up: wall time from launch to the first frame (initial lists, imports).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from measured import compile_package, costs, ratio_header, ratio_line, wrapped  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from tests.apiserver import FakeAPIServer  # noqa: E402
from tests.watch.objects import app, listing  # noqa: E402

PODS_METRIC = [{"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                         "target": {"type": "AverageValue", "averageValue": "10"}}}]
TARGET_PEAK_MB = 150.0
TARGET_CPU_MS = 300.0  # per refresh, 1,000 HPAs, in one namespace or in ten


def cluster(count: int, now: float, namespaces: int) -> dict:
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

    for version, obj in enumerate(objects, start=1):  # as a real server serves them: each with a resourceVersion
        obj.setdefault("metadata", {})["resourceVersion"] = str(version)
    for namespace, pods in custom.items():
        objects.append({"apiVersion": "custom.metrics.k8s.io/v1beta1", "kind": "MetricValueList", "metadata": {},
                        "items": [{"describedObject": {"kind": "Pod", "namespace": namespace, "name": pod,
                                                       "apiVersion": "/v1"},
                                   "metricName": "http_requests", "timestamp": format_time(now), "value": "12",
                                   "selector": None} for pod in pods]})
    return listing(objects)


def measure(api: FakeAPIServer, kubeconfig: Path, count: int, namespaces: int, refreshes: int,
            interval: float) -> dict:
    api.load(cluster(count, time.time(), namespaces))
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "report.json"
        command, env = wrapped(["watch", "-A", "--interval", str(interval), "--max-refreshes", str(refreshes),
                                "--stats"], report, {"KUBECONFIG": str(kubeconfig)})
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        stats, first_frame = [], None
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("{"):
                stats.append(json.loads(line))
                if first_frame is None:
                    first_frame = time.perf_counter() - started
        code = process.wait(timeout=120)
        _cpu, peak = costs(report)
    if code != 0 or len(stats) != refreshes:
        raise SystemExit(f"watch failed for {count} HPAs (exit {code}, {len(stats)} refreshes)")
    steady = stats[2:] or stats  # the first refresh also starts the Deployment watch; the second reads anew
    assert all(s["hpas"] == count for s in stats)
    return {"hpas": count, "namespaces": namespaces, "pods": 3 * count,
            "requests_per_refresh": statistics.median(s["requests"] for s in steady),
            "cpu_ms_first_refresh": round(1000 * stats[0]["cpu"], 1),
            "cpu_ms_per_refresh": round(1000 * statistics.median(s["cpu"] for s in steady), 1),
            "cpu_ms_max_refresh": round(1000 * max(s["cpu"] for s in steady), 1),
            "wall_ms_per_refresh": round(1000 * statistics.median(s["wall"] for s in steady), 1),
            "peak_memory_mb": round(peak, 1),
            "startup_s": round(first_frame or 0.0, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=8)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--layouts", default="1x1,100x1,1000x1,1000x10", help="HPAsxNAMESPACES, comma-separated")
    parser.add_argument("--json", metavar="FILE")
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    compile_package()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    results = []
    try:
        api = FakeAPIServer(server)
        with tempfile.TemporaryDirectory() as directory:
            kubeconfig = api.kubeconfig(Path(directory) / "kubeconfig")
            for layout in options.layouts.split(","):
                count, _, namespaces = layout.partition("x")
                results.append(measure(api, kubeconfig, int(count), int(namespaces or 1), options.refreshes,
                                       options.interval))
                print(json.dumps(results[-1]), flush=True)
    finally:
        server.clear()
        server.stop()
    print(f"\n{'HPAs':>6} {'ns':>4} {'pods':>6} {'req/refresh':>12} {'CPU ms first':>13} {'CPU ms/refresh':>15} "
          f"{'CPU ms max':>11} {'peak MiB':>9} {'start s':>8}")
    for r in results:
        print(f"{r['hpas']:>6} {r['namespaces']:>4} {r['pods']:>6} {r['requests_per_refresh']:>12g} "
              f"{r['cpu_ms_first_refresh']:>13} {r['cpu_ms_per_refresh']:>15} {r['cpu_ms_max_refresh']:>11} "
              f"{r['peak_memory_mb']:>9} {r['startup_s']:>8}")
    print()
    print(ratio_header())
    for r in results:
        if r["hpas"] >= 1000:
            where = f"{r['hpas']} HPAs in {r['namespaces']} namespace{'s' if r['namespaces'] > 1 else ''}"
            print(ratio_line(f"watch CPU per refresh, {where}", r["cpu_ms_per_refresh"], TARGET_CPU_MS, "ms"))
            print(ratio_line(f"watch peak memory, {where}", r["peak_memory_mb"], TARGET_PEAK_MB, "MiB"))
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
