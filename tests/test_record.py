"""Reading recordings back: ``read_replica_counts`` (what ``simulate --compare-with`` reads) gives each line's
time, HPA and replicas exactly as ``read_observations`` does, chooses the same HPA, and refuses a line it
needs with the same words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_hpa.record import RecordError, read_observations, read_replica_counts
from kubectl_hpa.timefmt import format_time

lines = st.lists(st.fixed_dictionaries(
    {"time": st.integers(1_600_000_000, 1_900_000_000).map(format_time),
     "hpa": st.sampled_from([{"namespace": "shop", "name": "web"}, {"name": "web"}, {"namespace": "a", "name": "b"}]),
     "currentReplicas": st.integers(0, 500)},
    optional={"desiredReplicas": st.integers(0, 500), "verdict": st.text(max_size=10),
              "computedReplicas": st.integers(0, 500),
              "metrics": st.just([{"name": "cpu", "current": 61.0, "target": 60.0, "unit": "%"}]),
              "futureField": st.just({"kept": True})}), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=lines, hpa=st.sampled_from([None, "shop/web", "default/web", "a/b"]),
       prefer=st.sampled_from([None, "shop/web", "a/b"]))
def test_replica_counts_are_the_observations_fields(tmp_path: Path, lines: list[dict], hpa, prefer) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    try:
        full = [(o.time, o.key, o.current_replicas) for o in read_observations(path, hpa, prefer)]
    except RecordError as error:  # several HPAs and none named, or the named one absent: the same refusal
        with pytest.raises(RecordError) as refused:
            read_replica_counts(path, hpa, prefer)
        assert str(refused.value) == str(error)
        return
    assert [tuple(count) for count in read_replica_counts(path, hpa, prefer)] == full


@pytest.mark.parametrize("line", ['{"hpa": {"name": "web"}, "currentReplicas": 2}',
                                  '{"time": "2026-12-02T10:00:00Z", "currentReplicas": 2}',
                                  '{"time": "yesterday", "hpa": {"name": "web"}, "currentReplicas": 2}',
                                  '{"time": "2026-12-02T10:00:00Z", "hpa": {"name": "web"}, "currentReplicas": "x"}',
                                  "not json"])
def test_a_line_missing_what_is_compared_is_refused_in_the_same_words(tmp_path: Path, line: str) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text('{"time": "2026-12-02T09:59:00Z", "hpa": {"name": "web"}, "currentReplicas": 1}\n' + line + "\n")
    with pytest.raises(RecordError) as full:
        read_observations(path)
    with pytest.raises(RecordError) as lean:
        read_replica_counts(path)
    assert str(lean.value) == str(full.value) and ":2: not a timeline record" in str(lean.value)
