"""The streamed ``-o json|yaml`` and the piped tables are byte for byte what the whole-document dumps and
tabulate give, on generated steps: every float form (1e+16, -0.0, NaN, the infinities), ints where floats
usually are, and strings that YAML must quote, escape or fold at any column."""

from __future__ import annotations

import io
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from kubectl_hpa.render.document import to_json, to_yaml
from kubectl_hpa.render.entries import json_scalar, placeholder, yaml_float
from kubectl_hpa.render.timeline import (
    documents_list,
    plain_cells,
    plain_table,
    result_document,
    run_document,
    spool_entries,
    write_documents,
)
from kubectl_hpa.sim.engine import MetricPoint, Result, Step
from kubectl_hpa.sim.load import build_load
from kubectl_hpa.sim.scenario import read_scenario
from tests.helpers import ROOT

SCENARIO = read_scenario(ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml")
LOAD = build_load(SCENARIO.load)

SPECIAL_FLOATS = [0.0, -0.0, 1e16, 1e17, 1e-5, 1e-7, 2.5e-5, 1.5e300, 123456789.123, 0.1, 1 / 3,
                  float("nan"), float("inf"), float("-inf")]
numbers = st.one_of(st.floats(), st.sampled_from(SPECIAL_FLOATS), st.integers(-10**6, 10**18))
YAML_HARD = ["null", "true", "No", "~", "1.5", "0x1F", "%", "@x", "a: b", "a #b", "- x", "'q'", '"dq"', "",
             " padded ", "tab\there", "line\nbreak", "ünïcödé", "…", "\x00\x07", "ends with colon:",
             "cpu resource utilization (percentage of request) above target " * 3]
texts = st.one_of(st.sampled_from(YAML_HARD), st.text(max_size=120))
points = st.builds(MetricPoint, name=texts, current=st.one_of(st.none(), numbers), target=numbers,
                   unit=st.one_of(st.sampled_from(["%", ""]), texts), ratio=st.one_of(st.none(), numbers),
                   error=st.one_of(st.none(), texts))
steps = st.builds(Step, t=numbers, load=numbers, replicas=st.integers(0, 10**6), ready=st.integers(0, 10**6),
                  desired=st.integers(0, 10**6), metrics=st.lists(points, max_size=3).map(tuple),
                  event=texts, limit=texts)


def _result(timeline: list[Step]) -> Result:
    return Result(scenario=SCENARIO, load=LOAD, duration=1200.0, steps=timeline)


def _streamed(results: list[Result], output: str) -> str:
    spools = spool_entries(results, output)
    out = io.StringIO()
    document = documents_list([run_document(result, placeholder(index)) for index, result in enumerate(results)])
    write_documents(document, spools, output, out)
    return out.getvalue()


def _whole(results: list[Result], output: str) -> str:
    document = documents_list([result_document(result) for result in results])
    return to_json(document) if output == "json" else to_yaml(document)


@pytest.mark.parametrize("output", ["json", "yaml"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=st.lists(st.lists(steps, max_size=6), min_size=1, max_size=3))
def test_streamed_documents_are_the_whole_documents_dumps(output: str, runs: list[list[Step]]) -> None:
    results = [_result(timeline) for timeline in runs]
    assert _streamed(results, output) == _whole(results, output)


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_a_real_run_streams_the_same_document(output: str) -> None:
    from kubectl_hpa.sim.engine import simulate

    scenario = read_scenario(ROOT / "fixtures" / "scenarios" / "hello-actuator-pods.yaml")
    results = [simulate(scenario, build_load(scenario.load), 3 * 3600)]
    assert _streamed(results, output) == _whole(results, output)
    assert _streamed(results * 2, output) == _whole(results * 2, output)  # a SimulationList


@given(st.one_of(st.floats(), st.sampled_from(SPECIAL_FLOATS)))
def test_scalars_as_the_encoders_write_them(value: float) -> None:
    import yaml

    assert json_scalar(value) == json.dumps(value)
    assert f"x: {yaml_float(value)}\n" == yaml.safe_dump({"x": value})


def test_the_document_ends_where_the_dump_ends(tmp_path: Path) -> None:
    """An empty timeline is ``[]`` in both formats, as the dumps write it."""
    for output in ("json", "yaml"):
        assert _streamed([_result([])], output) == _whole([_result([])], output)


plain_text = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " ", max_size=14)


@settings(max_examples=300, deadline=None)
@given(headers=st.lists(st.text(alphabet=string.ascii_uppercase + " /()", min_size=1, max_size=12)
                        .map(str.strip).filter(bool), min_size=1, max_size=7), data=st.data())
def test_the_plain_table_is_tabulates(headers: list[str], data: st.DataObject) -> None:
    rows = data.draw(st.lists(st.lists(plain_text.map(str.strip), min_size=len(headers), max_size=len(headers)),
                              max_size=8))
    assert all(plain_cells(row) for row in rows)
    widths = [max([0, *[len(row[index]) for row in rows]]) for index in range(len(headers))]
    expected = tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True)
    assert "\n".join(plain_table(headers, rows, widths)) == expected


def test_unusual_cells_are_left_to_tabulate() -> None:
    assert not plain_cells(["…"]) and not plain_cells(["a\tb"]) and not plain_cells([" x"])
    assert plain_cells(["1 -> 4: cpu resource utilization (percentage of request) above target", ""])


finite = st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
                   st.integers(0, 1000), st.sampled_from([0.0, 0.004, 0.005, 9.999, 10.0, 12.34]))
table_points = st.builds(MetricPoint, name=st.just("cpu"), current=st.one_of(st.none(), finite), target=finite,
                         unit=st.sampled_from(["%", ""]), ratio=st.one_of(st.none(), finite),
                         error=st.one_of(st.none(), st.just("no metrics")))
table_steps = st.builds(Step, t=st.just(0.0), load=finite, replicas=st.integers(0, 3), ready=st.integers(0, 3),
                        desired=st.integers(0, 3), metrics=st.lists(table_points, min_size=1, max_size=1).map(tuple),
                        event=st.sampled_from(["", "1 -> 2: cpu above target", "a\tb …"]),
                        limit=st.sampled_from(["", "ScaleUpLimit", "within tolerance"]))


def _oracle_table(result: Result, wide: bool, long_rows: int) -> str:
    """The table as the views printed it when they held every step: the rule stated over the whole list."""
    from kubectl_hpa.render import timeline

    steps = result.steps
    names = [point.name for point in steps[0].metrics] if steps else []
    headers = ["TIME", "LOAD (req/s)", *[name.upper() for name in names], "READY/PODS", "DESIRED", "EVENT", "LIMIT"]
    shown, left_out = list(steps), ""
    if not wide:
        shown, previous, left_out = [], None, timeline.CHANGES_LEFT_OUT
        for index, step in enumerate(steps):
            cells = timeline._cells(step)
            if cells != previous or index == len(steps) - 1:
                shown.append(step)
                if len(shown) > long_rows:
                    decisions = [(s.ready, s.replicas, s.desired, s.event, s.limit) for s in steps]
                    shown = [s for i, s in enumerate(steps)
                             if i == 0 or decisions[i] != decisions[i - 1] or i == len(steps) - 1]
                    left_out = timeline.DECISIONS_LEFT_OUT
                    break
            previous = cells
    rows = [[timeline.clock(step.t), *timeline._cells(step)] for step in shown]
    table = tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True)
    skipped = len(steps) - len(rows)
    note = f"\n({skipped} {left_out} are not shown; -o wide shows every sync)" if skipped else ""
    return table + note + "\n\n" + timeline.render_summary(result.summary()) + "\n"


@pytest.mark.parametrize("wide", [False, True])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool=st.lists(table_steps, min_size=1, max_size=4), data=st.data())
def test_tables_streamed_are_the_tables_of_every_step(wide: bool, pool: list[Step], data: st.DataObject,
                                                      ) -> None:
    from kubectl_hpa.render import timeline

    picks = data.draw(st.lists(st.sampled_from(pool), max_size=30))  # repeats: rows left out, the long rule
    steps = [step._replace(t=15.0 * index) for index, step in enumerate(picks)]
    result = _result(steps)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timeline, "LONG_TABLE_ROWS", 4)
        assert timeline.render_table(result, wide=wide) == _oracle_table(result, wide, 4)


csv_points = st.builds(MetricPoint, name=texts, current=st.one_of(st.none(), numbers), target=numbers,
                       unit=st.just("%"), ratio=st.none())
csv_steps = st.builds(Step, t=numbers, load=numbers, replicas=st.integers(0, 5), ready=st.integers(0, 5),
                      desired=st.integers(0, 5), metrics=st.lists(csv_points, max_size=2).map(tuple),
                      event=st.sampled_from(["", "a, b", 'say "hi"', "two\nlines", "1 -> 2: x"]), limit=texts)


@settings(max_examples=150, deadline=None)
@given(pool=st.lists(csv_steps, min_size=1, max_size=3), data=st.data())
def test_csv_rows_are_the_csv_modules(pool: list[Step], data: st.DataObject) -> None:
    import csv

    from kubectl_hpa.render.timeline import render_csv

    metric_count = len(pool[0].metrics)
    pool = [step for step in pool if len(step.metrics) == metric_count]  # one run's steps share their metrics
    steps = data.draw(st.lists(st.sampled_from(pool), max_size=12))
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    names = [point.name for point in steps[0].metrics] if steps else []
    writer.writerow(["t", "load", *[f"{name}_current" for name in names], *[f"{name}_target" for name in names],
                     "replicas", "readyReplicas", "desiredReplicas", "event", "limit"])
    for step in steps:
        writer.writerow([f"{step.t:g}", f"{step.load:.6g}",
                         *["" if p.current is None else f"{p.current:g}" for p in step.metrics],
                         *[f"{p.target:g}" for p in step.metrics],
                         step.replicas, step.ready, step.desired, step.event, step.limit])
    assert render_csv(_result(steps)) == expected.getvalue()


@settings(max_examples=400, deadline=None)
@given(headers=st.lists(st.text(alphabet=string.ascii_uppercase + " /", min_size=1, max_size=12)
                        .map(str.strip).filter(bool), min_size=1, max_size=6),
       width=st.integers(10, 140), data=st.data())
def test_fitting_streamed_rows_to_a_terminal_is_fit_tables(headers: list[str], width: int,
                                                            data: st.DataObject) -> None:
    from kubectl_hpa.render.timeline import RowSpool, fit_lines, fit_table

    cell = st.one_of(st.just(""), plain_text.map(str.strip), st.text(alphabet="abc -", max_size=60).map(str.strip))
    rows = data.draw(st.lists(st.lists(cell, min_size=len(headers), max_size=len(headers)), max_size=8))
    shrinkable = tuple(data.draw(st.sets(st.integers(0, len(headers) - 1))))
    spooled = RowSpool()
    for row in rows:
        spooled.add(row)
    widths = spooled.widths or [0] * len(headers)
    last = spooled.last or [-1] * len(headers)
    fitted = "\n".join(fit_lines(headers, spooled.rows(), widths, last, width, tuple(sorted(shrinkable))))
    assert fitted == fit_table(headers, rows, width, shrinkable=tuple(sorted(shrinkable)))
