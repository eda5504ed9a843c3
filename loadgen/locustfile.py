"""Locust load for hello-actuator, driven by a stages file (the same file `kubectl hpa simulate` reads).

Standalone: needs only locust and PyYAML. Run it through `python -m loadgen` or directly:

    locust -f loadgen/locustfile.py --headless --host http://127.0.0.1:8080 \
        --stages loadgen/stages/tutorial.yaml --csv out/load --csv-full-history --json-file out/load

Without --stages it runs -u users (spawn rate -r) for -t, each paced at --per-user-rate requests/s
("max" = back-to-back requests, to saturate CPU).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from locust import HttpUser, LoadTestShape, events, task

try:
    from kubectl_hpa.pipeline.stages import LoadPlan, load_plan
except ImportError:  # not installed: use the repository checkout this file lives in
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kubectl_hpa.pipeline.stages import LoadPlan, load_plan


@events.init_command_line_parser.add_listener
def _add_arguments(parser) -> None:
    group = parser.add_argument_group("loadgen (hello-actuator)")
    group.add_argument("--stages", default="", env_var="LOADGEN_STAGES", help="stages YAML file (load plan)")
    group.add_argument(
        "--pacing",
        default="",
        choices=["", "constant", "poisson"],
        env_var="LOADGEN_PACING",
        help="override the stages file's pacing",
    )
    group.add_argument(
        "--per-user-rate", default="max", env_var="LOADGEN_PER_USER_RATE", help="without --stages: requests/s per user, or 'max'"
    )
    group.add_argument(
        "--close-connections",
        action="store_true",
        default=False,
        env_var="LOADGEN_CLOSE_CONNECTIONS",
        help="send Connection: close (a new connection per request, so a Service spreads the load over new pods)",
    )
    group.add_argument(
        "--path", default="/hello", env_var="LOADGEN_PATH", help="request path, e.g. '/hello?cpu_ms=20' (reported as /hello)"
    )


class StagesShape(LoadTestShape):
    """Follows the stages file second by second; --run-time (if given) cuts the plan short."""

    use_common_options = True  # we read -u/-r/-t ourselves, so locust must not warn that they are ignored

    def __init__(self) -> None:
        super().__init__()
        self._plan: LoadPlan | None = None
        self._loaded = False

    @property
    def options(self):
        return self.runner.environment.parsed_options

    @property
    def plan(self) -> LoadPlan | None:
        if not self._loaded:
            self._plan = load_plan(self.options.stages) if self.options.stages else None
            self._loaded = True
        return self._plan

    def pacing(self) -> str:
        return self.options.pacing or (self.plan.pacing if self.plan else "constant")

    def per_user_rate(self) -> float | None:
        """Requests/s each user should send right now (None = no pause)."""
        if self.plan is not None:
            return self.plan.per_user_rate_at(self.get_run_time())
        raw = self.options.per_user_rate
        return None if raw == "max" else float(raw)

    def tick(self) -> tuple[int, float] | None:
        run_time = self.get_run_time()
        limit = self.options.run_time
        if limit and run_time >= limit:
            return None
        if self.plan is None:
            return self.options.num_users or 1, self.options.spawn_rate or 1
        users = self.plan.users_at(run_time)
        return None if users is None else (users, self.plan.spawn_rate)


class HelloActuatorUser(HttpUser):
    """One client of hello-actuator: GET /hello at the pace the shape asks for."""

    def on_start(self) -> None:
        self._due = time.monotonic()

    def wait_time(self) -> float:
        shape = self.environment.shape_class
        rate = shape.per_user_rate() if isinstance(shape, StagesShape) else None
        if not rate:
            return 0.0
        if shape.pacing() == "poisson":
            return random.expovariate(rate)
        # Metronome: aim at a fixed schedule so response time does not lower the rate; never burst to catch up.
        now = time.monotonic()
        self._due = max(self._due + 1.0 / rate, now)
        return self._due - now

    @task
    def hello(self) -> None:
        options = self.environment.parsed_options
        headers = {"Connection": "close"} if getattr(options, "close_connections", False) else None
        self.client.get(options.path, name="/hello", headers=headers)
