"""The stages-file loader shared by loadgen and `kubectl hpa simulate` (pure, no locust)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pipeline_support import STAGES_DIR

from kubectl_hpa.pipeline.stages import load_plan, parse_duration, parse_plan


@pytest.mark.parametrize("path", sorted(STAGES_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_committed_stages_files_are_valid(path: Path) -> None:
    plan = load_plan(path)
    assert plan.total_duration_s > 0


def test_tutorial_plan_is_one_then_two_requests_per_second() -> None:
    plan = load_plan(STAGES_DIR / "tutorial.yaml")
    assert plan.kind == "rate"
    assert [plan.offered_rate_at(t) for t in (0, 179, 180, 359, 360)] == [1, 1, 2, 2, 0]
    assert [plan.users_at(t) for t in (0, 200, 400)] == [1, 2, 0]
    assert plan.users_at(plan.total_duration_s) is None


def test_users_ramp_interpolates_from_previous_target() -> None:
    plan = parse_plan(
        {
            "stages": [
                {"duration": "10s", "users": 2},
                {"duration": "10s", "users": 12, "ramp": True},
                {"duration": "5s", "users": 0},
            ]
        }
    )
    assert [plan.users_at(t) for t in (0, 10, 15, 19.9, 20, 24)] == [2, 2, 7, 12, 0, 0]
    assert plan.offered_rate_at(15) == 7.0  # per_user_rate defaults to 1 req/s


def test_rate_stages_split_across_users() -> None:
    plan = parse_plan({"per_user_rate": 2, "stages": [{"duration": 30, "rate": 5}]})
    assert plan.users_at(0) == 3
    assert plan.per_user_rate_at(0) == pytest.approx(5 / 3)


def test_no_stray_locust_import() -> None:
    assert "locust" not in sys.modules


@pytest.mark.parametrize(("text", "seconds"), [("45s", 45), ("2m", 120), ("1m30s", 90), ("1h", 3600), (7, 7), ("0.5s", 0.5)])
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text, "d") == seconds


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "stages: expected a mapping"),
        ({"stages": []}, "stages: expected a non-empty list"),
        ({"stages": [{"users": 1}]}, "stages[0].duration: required field is missing"),
        ({"stages": [{"duration": "abc", "users": 1}]}, "stages[0].duration: expected a duration"),
        ({"stages": [{"duration": "0s", "users": 1}]}, "stages[0].duration: duration must be greater than 0"),
        ({"stages": [{"duration": "5s"}]}, "stages[0].users: give exactly one of 'users' or 'rate'"),
        ({"stages": [{"duration": "5s", "users": 1, "rate": 1}]}, "stages[0].users: give exactly one"),
        ({"stages": [{"duration": "5s", "users": 1.5}]}, "stages[0].users: expected an integer"),
        ({"stages": [{"duration": "5s", "rate": -1}]}, "stages[0].rate: must be >= 0"),
        ({"stages": [{"duration": "5s", "users": 1, "ramp": "yes"}]}, "stages[0].ramp: expected true or false"),
        ({"stages": [{"duration": "5s", "users": 1, "target": 3}]}, "stages[0].target: unknown field"),
        ({"stages": [{"duration": "5s", "users": 1}, {"duration": "5s", "rate": 1}]}, "stages[1].rate: cannot mix"),
        ({"pacing": "bursty", "stages": [{"duration": 1, "users": 1}]}, "pacing: expected 'constant' or 'poisson'"),
        ({"per_user_rate": 0, "stages": [{"duration": 1, "users": 1}]}, "per_user_rate: must be greater than 0"),
        ({"per_user_rate": "max", "stages": [{"duration": 1, "rate": 1}]}, "per_user_rate: 'max' cannot be used"),
        ({"version": 2, "stages": [{"duration": 1, "users": 1}]}, "version: only version 1"),
        ({"stage": []}, "stage: unknown field"),
    ],
)
def test_bad_input_is_a_one_line_error_naming_the_field(document: object, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_plan(document, source="plan.yaml")
    text = str(error.value)
    assert "\n" not in text
    assert text.startswith("plan.yaml: ")
    assert message in text


def test_invalid_yaml_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("stages: [\n")
    with pytest.raises(ValueError, match=r"broken.yaml: not valid YAML"):
        load_plan(path)


@given(st.lists(st.tuples(st.integers(1, 600), st.integers(0, 50), st.booleans()), min_size=1, max_size=6), st.floats(0, 4000))
def test_users_stay_within_stage_bounds(stages: list[tuple[int, int, bool]], t: float) -> None:
    plan = parse_plan({"stages": [{"duration": d, "users": u, "ramp": r} for d, u, r in stages]})
    users = plan.users_at(t)
    if t >= plan.total_duration_s:
        assert users is None
    else:
        assert 0 <= users <= max(u for _, u, _ in stages)
