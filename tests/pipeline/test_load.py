"""locust (subprocess, via `python -m loadgen`) against the local app: exact totals and the planned users."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from itertools import groupby
from pathlib import Path

import pytest
from pipeline_support import REPO_ROOT, STAGES_DIR, AppProcess, locust_env, stop_process

from kubectl_hpa.pipeline.stages import load_plan

pytestmark = pytest.mark.process  # every test here spawns a process

SMOKE = STAGES_DIR / "smoke.yaml"


@pytest.mark.slow
def test_locust_counts_match_app_counter_and_plan(app: AppProcess, tmp_path: Path) -> None:
    plan = load_plan(SMOKE)
    prefix = tmp_path / "smoke"
    before = app.counter()
    command = [sys.executable, "-m", "loadgen", "--host", app.url, "--stages", str(SMOKE), "--csv", str(prefix)]
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=REPO_ROOT, env=locust_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = child.communicate(timeout=plan.total_duration_s + 30)
    finally:
        stop_process(child)
    elapsed = time.monotonic() - started
    assert child.returncode == 0, output
    print(f"\nloadgen smoke: {elapsed:.1f}s wall; {output.strip().splitlines()[-1]}")

    entries = json.loads(prefix.with_name("smoke.json").read_text())
    requests = sum(entry["num_requests"] for entry in entries)
    failures = sum(entry["num_failures"] for entry in entries)
    assert failures == 0
    # Every request locust recorded reached the app. A request still in flight when locust stops its users
    # is served and counted by the app but never recorded by locust: at most one per user (5 at the end).
    served = app.counter() - before
    assert requests <= served <= requests + max(plan.users_at(t) or 0 for t in range(int(plan.total_duration_s)))

    # Pacing: 10 req/s per user over the planned user-seconds (1*5 + 3*5 + 3,3,4,4,5 + 2*5 = 49).
    planned = sum(plan.offered_rate_at(t) for t in range(int(plan.total_duration_s)))
    assert planned == 490
    assert 0.9 * planned <= requests <= 1.1 * planned, requests

    with prefix.with_name("smoke_stats_history.csv").open() as history:
        rows = [row for row in csv.DictReader(history) if row["Name"] == "Aggregated"]
    counts = [int(row["User Count"]) for row in rows]
    plateaus = [count for count, _ in groupby(c for c in counts if c > 0)]
    assert plateaus == [1, 3, 4, 5, 2], counts
    start = next(int(row["Timestamp"]) for row in rows if int(row["User Count"]) > 0)
    for row in rows:
        t = int(row["Timestamp"]) - start
        if 0 <= t < plan.total_duration_s - 1:
            allowed = {plan.users_at(max(t + dt, 0)) for dt in (-1, 0, 1)}
            assert int(row["User Count"]) in allowed, (t, row["User Count"], allowed)
