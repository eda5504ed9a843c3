"""The scenario table and the driver that runs one scenario end to end (the impure part of the harness).

Shape of a run (after Kubernetes' HPA e2e: a scenario table, load aimed mid-bucket, the HPA explained on every
poll, two-sided time assertions):

1. apply the HPA; wait until it reads its metric (ScalingActive=True, a current value) and sits at minReplicas;
2. start ``kubectl hpa watch --record`` (if this build has it), then the load (locust, or the memory hold);
3. poll every ``poll_s``: scale target replicas, HPA status, ``kubectl hpa explain`` (printed and logged);
   give up early if the scale-out deadline passes without the expected replicas;
4. after the load: poll until back at minReplicas or the scale-in deadline passes;
   a poll that fails (after three tries) leaves a gap; six failed polls in a row fail the scenario;
5. write the results folder (timelines, locust CSVs, simulate prediction + chart + error) and the outcomes.
The caller (a pytest test) turns failed outcomes into assertion errors; clean-up always runs.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal, Optional

import yaml

from .assertions import (
    Outcome,
    Sample,
    check_at_min_before_load,
    check_load_delivered,
    check_no_scale_in_while_loaded,
    check_scale_in,
    check_scale_out,
)
from .budget import Budget, MetricPath, Pipeline, budget_for
from .cluster import Cluster
from .load import LocustLoad, MemoryHold, wait_reachable
from .manifests import APP_NAMESPACE, AppVariant, dump_documents, in_namespace, labelled
from .plugin import WatchRecorder, explain, simulate
from .results import observation, prediction_error, trim_timeline, write_json, write_simulation_inputs
from .versions import E2E_FIXTURES
from .wait import Waiter, retry

STAGES = E2E_FIXTURES / "stages"
SCENARIO_FILES = E2E_FIXTURES / "scenarios"


@dataclass(frozen=True)
class ScaleScenario:
    name: str
    hpa_file: Path
    sim_scenario: Path
    metric_path: MetricPath
    expect_at_least: int  # scale out to at least this many ready replicas
    deployment: str
    load: Literal["locust", "memory"]
    plan: Path  # locust stages file, or (memory) the simulate-only plan whose duration is the hold
    app: Optional[AppVariant] = None  # None: fixtures/manifests/hello-actuator.yaml unchanged
    namespace: str = APP_NAMESPACE  # owned by the harness (the fixtures say default; moved at apply time)
    request_path: str = "/hello"
    node_port: Optional[int] = None
    hold_mib: int = 0

    @property
    def hpa(self) -> dict:
        return next(doc for doc in yaml.safe_load_all(self.hpa_file.read_text()) if doc)

    @property
    def hpa_name(self) -> str:
        return self.hpa["metadata"]["name"]

    @property
    def hpa_in_namespace(self) -> dict:
        return in_namespace([self.hpa], self.namespace)[0]

    @property
    def min_replicas(self) -> int:
        return int(self.hpa["spec"].get("minReplicas", 1))

    def budget(self, pipeline: Pipeline = Pipeline()) -> Budget:
        return budget_for(self.hpa, self.metric_path, self.expect_at_least, pipeline)


SCENARIOS: tuple[ScaleScenario, ...] = (
    ScaleScenario(
        name="cpu", hpa_file=E2E_FIXTURES / "hpa-cpu.yaml", sim_scenario=SCENARIO_FILES / "cpu.yaml",
        metric_path="resource", expect_at_least=3, deployment="hello-cpu", load="locust", plan=STAGES / "cpu.yaml",
        app=AppVariant("hello-cpu", requests={"cpu": "50m", "memory": "50Mi"}, node_port=30081),
        request_path="/hello?cpu_ms=12", node_port=30081),
    ScaleScenario(
        name="memory", hpa_file=E2E_FIXTURES / "hpa-memory.yaml", sim_scenario=SCENARIO_FILES / "memory.yaml",
        metric_path="resource", expect_at_least=2, deployment="hello-memory", load="memory",
        plan=STAGES / "memory-held.yaml",
        app=AppVariant("hello-memory", requests={"memory": "128Mi"}, limits={"memory": "512Mi"}), hold_mib=90),
    ScaleScenario(
        name="custom", hpa_file=E2E_FIXTURES / "hpa-custom.yaml", sim_scenario=SCENARIO_FILES / "custom.yaml",
        metric_path="prometheus", expect_at_least=3, deployment="hello-actuator", load="locust",
        plan=STAGES / "custom.yaml", node_port=30080),
)


def scenario_named(name: str) -> ScaleScenario:
    return next(s for s in SCENARIOS if s.name == name)


@dataclass
class RunReport:
    scenario: str
    folder: Path
    outcomes: list[Outcome] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    last_explain: str = ""
    error: Optional[str] = None
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]


class RunStopped(KeyboardInterrupt):
    """The session is stopping (Ctrl-C, or another scenario's failure in parallel mode): no new step starts."""


@dataclass
class Runner:
    cluster: Cluster
    scenario: ScaleScenario
    folder: Path
    pipeline: Pipeline = Pipeline()
    poll_s: float = 10.0
    explain_every_s: float = 30.0  # explain is the heaviest poll; every third poll plus every phase change
    max_poll_failures: int = 6  # consecutive failed polls (each already retried) before the scenario gives up
    retry_delay_s: float = 2.0  # between the three tries of one read
    kubernetes_version: Optional[str] = None  # the cluster's release for simulate (kind: versions.yaml)
    echo: Callable[[str], None] = print
    stop_event: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.report = RunReport(self.scenario.name, self.folder)
        self._explain_log = (self.folder / "explain.log").open("a")
        self._poll_timeline = (self.folder / "poll-timeline.jsonl").open("a")
        self._poll_lines: list[str] = []
        self._last_explain_at = 0.0
        self._last_phase = ""
        self._poll_failures = 0

    # -- logging and polling

    def log(self, text: str) -> None:
        self.echo(f"[{self.scenario.name}] {text}")

    def _read(self, *args: str) -> dict:
        return retry(lambda: self.cluster.kubectl_json(*args), attempts=3, delay=self.retry_delay_s, sleep=self._pause,
                     on_error=lambda n, e: self.log(f"kubectl {' '.join(args)} failed (attempt {n}/3): {e}"))

    def sample(self, phase: str) -> Sample:
        s = self.scenario
        hpa = self._read("-n", s.namespace, "get", "hpa", s.hpa_name)
        deployment = self._read("-n", s.namespace, "get", "deployment", s.deployment)
        now = time.time()
        line = observation(hpa, deployment, now).to_json()
        self._poll_lines.append(line)
        self._poll_timeline.write(line + "\n")
        self._poll_timeline.flush()
        sample = Sample(now, int(deployment["spec"].get("replicas", 0)),
                        int(deployment.get("status", {}).get("readyReplicas", 0) or 0))
        self.report.samples.append(sample)
        self._last_hpa = hpa
        stamp = time.strftime("%H:%M:%S", time.gmtime(now))
        header = f"--- {stamp}Z {phase}: replicas {sample.replicas}, ready {sample.ready} ---"
        if phase != self._last_phase or now - self._last_explain_at >= self.explain_every_s - 0.5:
            text = explain(self.cluster, s.namespace, s.hpa_name)
            self.report.last_explain = text
            self._last_explain_at = now
            self._explain_log.write(f"{header}\n{text}\n")
            self._explain_log.flush()
            self.log(f"{header}\n{text}")
        else:
            self.log(header)
        self._last_phase = phase
        return sample

    def tolerant_sample(self, phase: str) -> Optional[Sample]:
        """A poll during the load: a failure (after retries) leaves a gap in the timeline, not a failed scenario;
        ``max_poll_failures`` in a row do fail it."""
        try:
            sample = self.sample(phase)
        except RunStopped:
            raise
        except Exception as error:  # noqa: BLE001 - counted, re-raised past the limit
            self._poll_failures += 1
            self.report.notes.append(f"poll failed ({phase}): {error}")
            self.log(f"poll failed ({self._poll_failures}/{self.max_poll_failures} in a row): {error}")
            if self._poll_failures >= self.max_poll_failures:
                raise
            return None
        self._poll_failures = 0
        return sample

    def _pause(self, seconds: float) -> None:
        if self.stop_event.wait(max(0.0, seconds)):
            raise RunStopped("run stopped")

    def _check_stop(self) -> None:
        if self.stop_event.is_set():
            raise RunStopped("run stopped")

    # -- the run

    def run(self) -> RunReport:
        s = self.scenario
        budget = s.budget(self.pipeline)
        record = self.folder / "timeline.jsonl"
        watch = WatchRecorder(self.cluster, s.namespace, s.hpa_name, record, max_s=1800)
        load_obj: Optional[LocustLoad | MemoryHold] = None
        load_start = load_stop = None
        stopped = False
        reraise: Optional[BaseException] = None
        try:
            self._check_stop()
            self.cluster.kubectl("apply", "-f", "-", input=dump_documents([labelled(s.hpa_in_namespace)]))
            self.log(f"HPA {s.namespace}/{s.hpa_name} applied; budget {budget.document()}")
            from .stack import hpa_has_metrics

            def ready_at_min() -> bool:
                sample = self.sample("waiting for metrics")
                return (hpa_has_metrics(self._last_hpa) and sample.replicas == s.min_replicas
                        and sample.ready == s.min_replicas)

            Waiter(sleep=self._pause).until(ready_at_min, bool, timeout=300, interval=self.poll_s,
                                            what=f"HPA {s.hpa_name} to read its metric at minReplicas")
            self._check_stop()
            if not watch.start():
                self.report.notes.append(watch.note)
                self.log(watch.note)
            if s.load == "locust":
                host = self.cluster.url_for_node_port(s.node_port or 0)
                self.log(wait_reachable(host + s.request_path, sleep=self._pause))
                self._check_stop()
                load_obj = LocustLoad(host, s.plan, self.folder / "locust", path=s.request_path)
                load_start = load_obj.start()
                self.log(f"locust started: {' '.join(load_obj.command())}")
            else:
                load_obj = MemoryHold(self.cluster, s.namespace, s.deployment, s.hold_mib)
                self.log(f"memory hold: {load_obj.start()}")
                load_start = load_obj.started_at
            planned = _planned_seconds(s.plan)
            assert load_start is not None
            reached = False
            while True:  # under load
                sample = self.tolerant_sample("under load")
                reached = reached or (sample is not None and sample.ready >= s.expect_at_least)
                elapsed = time.time() - load_start
                if not reached and elapsed > budget.scale_out_deadline_s:
                    self.log("scale-out deadline passed without the expected replicas; stopping the load early")
                    break
                if isinstance(load_obj, LocustLoad) and not load_obj.running:
                    break
                if isinstance(load_obj, MemoryHold) and elapsed >= planned:
                    break
                self._pause(min(self.poll_s, max(1.0, planned - elapsed + 1)))
            load_start, load_stop = self._end_load(load_obj)
            if reached:
                deadline = load_stop + budget.scale_in_deadline_s + self.poll_s
                while time.time() < deadline:  # after the load
                    sample = self.tolerant_sample("after load")
                    if sample is not None and sample.replicas <= s.min_replicas:
                        break
                    self._pause(self.poll_s)
            self._evaluate(budget, load_start, load_stop, load_obj)
        except KeyboardInterrupt as interrupt:  # RunStopped, or Ctrl-C itself when the runs are serial
            stopped = True
            self.stop_event.set()
            self.report.error = "interrupted (Ctrl-C or the session stopping): no verdict"
            self.log(self.report.error)
            if not isinstance(interrupt, RunStopped):
                reraise = interrupt
        except Exception as error:  # noqa: BLE001 - reported to the test, with the timeline
            self.report.error = f"{error.__class__.__name__}: {error}"
            self.log(traceback.format_exc())
        finally:
            if load_obj is not None and load_stop is None and load_start is not None:
                try:
                    load_start, load_stop = self._end_load(load_obj)
                except Exception as error:  # noqa: BLE001 - clean-up keeps going
                    self.log(f"stopping the load failed: {error}")
            self._cleanup(load_obj, watch)
            self._write_results(budget, load_start, load_stop, watch, load_obj, predict=not stopped)
        if reraise is not None:
            raise reraise
        return self.report

    def _end_load(self, load_obj) -> tuple[float, float]:
        if isinstance(load_obj, LocustLoad):
            load_obj.stop()
            load_start, load_stop = load_obj.window()
        else:
            self.log(f"memory released: {load_obj.stop()}")
            load_start, load_stop = load_obj.started_at, load_obj.stopped_at
        self.log(f"load window {time.strftime('%H:%M:%S', time.gmtime(load_start))}Z .. "
                 f"{time.strftime('%H:%M:%S', time.gmtime(load_stop))}Z ({load_stop - load_start:.0f}s)")
        return load_start, load_stop

    def _evaluate(self, budget: Budget, load_start: float, load_stop: float, load_obj=None) -> None:
        s = self.scenario
        samples = self.report.samples
        outcomes = []
        if isinstance(load_obj, LocustLoad):
            requests, failures = load_obj.totals() or (None, None)
            outcomes.append(check_load_delivered(requests, failures, load_obj.expected_requests(load_stop - load_start)))
        outcomes += [check_at_min_before_load(samples, load_start, s.min_replicas),
                     check_scale_out(samples, load_start, s.expect_at_least, budget.scale_out_deadline_s)]
        if outcomes[-1].passed:
            reached = load_start + (outcomes[-1].seconds or 0.0)
            outcomes.append(check_no_scale_in_while_loaded(samples, reached, load_stop, s.expect_at_least))
            outcomes.append(check_scale_in(samples, load_stop, s.min_replicas, budget.scale_in_not_before_s,
                                           budget.scale_in_deadline_s))
        self.report.outcomes = outcomes
        for outcome in outcomes:
            self.log(f"{'PASS' if outcome.passed else 'FAIL'} {outcome.check}: {outcome.message}")

    def _cleanup(self, load_obj, watch: WatchRecorder) -> None:
        s = self.scenario
        for action in (lambda: load_obj.stop() if load_obj is not None else None,
                       lambda: self.report.notes.append(watch.stop()),
                       lambda: self.cluster.kubectl("-n", s.namespace, "delete", "hpa", s.hpa_name,
                                                    "--ignore-not-found", check=False, timeout=60),
                       lambda: self.cluster.kubectl("-n", s.namespace, "scale", f"deployment/{s.deployment}",
                                                    f"--replicas={s.min_replicas}", check=False, timeout=60)):
            try:
                action()
            except Exception as error:  # noqa: BLE001 - clean-up keeps going
                self.log(f"clean-up step failed: {error}")
        self._explain_log.close()
        self._poll_timeline.close()

    def _write_results(self, budget: Budget, load_start, load_stop, watch: WatchRecorder, load_obj=None,
                       predict: bool = True) -> None:
        s = self.scenario
        summary: dict = {"scenario": s.name, "hpa": s.hpa_name, "namespace": s.namespace, "deployment": s.deployment,
                         "expectAtLeast": s.expect_at_least, "budget": budget.document(),
                         "pipeline": vars(self.pipeline), "notes": self.report.notes, "error": self.report.error,
                         "outcomes": [o.document() for o in self.report.outcomes]}
        if load_start is not None and load_stop is not None:
            seconds = load_stop - load_start
            planned = _planned_seconds(s.plan)
            summary["load"] = {"start": load_start, "stop": load_stop, "seconds": round(seconds, 1),
                               "plannedSeconds": planned, "cutShort": seconds < planned - 5}
            if isinstance(load_obj, LocustLoad):
                totals = load_obj.totals()
                expected = load_obj.expected_requests(seconds)
                if totals is not None:
                    summary["load"]["delivered"] = {"requests": totals[0], "failures": totals[1],
                                                    "expected": round(expected, 1),
                                                    "shareOfPlan": round(totals[0] / expected, 3) if expected else None}
            if predict:
                try:
                    summary["prediction"] = self._predict(load_start, load_stop, watch)
                except Exception as error:  # noqa: BLE001 - a missing prediction must not hide the verdict
                    summary["prediction"] = {"error": f"{error.__class__.__name__}: {error}"}
            else:
                summary["prediction"] = {"skipped": "the run was interrupted"}
        write_json(self.folder / "summary.json", summary)
        self.log(f"results in {self.folder}")

    def _predict(self, load_start: float, load_stop: float, watch: WatchRecorder) -> dict:
        source = self.folder / "timeline.jsonl"
        if watch.recorded():
            timeline_source = "kubectl hpa watch --record"
            lines = source.read_text().splitlines()
        else:
            timeline_source = "harness polls (watch --record unavailable or empty)"
            lines = list(self._poll_lines)
            source.write_text("\n".join(lines) + "\n")
        trimmed = trim_timeline(lines, load_start)
        compare_path = self.folder / "timeline-from-load-start.jsonl"
        compare_path.write_text("\n".join(trimmed) + "\n")
        recorded_s = (self.report.samples[-1].t - load_start) if self.report.samples else load_stop - load_start
        scenario_path = write_simulation_inputs(self.folder, self.scenario.sim_scenario, self.scenario.plan,
                                                load_stop - load_start, max(recorded_s, load_stop - load_start) + 15)
        prediction = simulate(scenario_path, compare_path, self.folder / "chart.png",
                              kubernetes_version=self.kubernetes_version)
        if prediction.ok:
            write_json(self.folder / "prediction.json", prediction.document)
        error = prediction_error(prediction.document)
        if error:
            self.log(f"simulate vs observed: mean absolute error {error.get('meanAbsoluteError')} replicas, "
                     f"max {error.get('maxAbsoluteError')}, equal {error.get('shareEqual')}")
        return {"timelineSource": timeline_source, "ok": prediction.ok, "message": prediction.message,
                "error": error, "chart": str(prediction.chart) if prediction.chart else None,
                "simulatedPlan": "the stages plan cut to the load that ran, then idle"}


def _planned_seconds(plan: Path) -> float:
    from kubectl_hpa.pipeline.stages import load_plan

    return load_plan(plan).total_duration_s
