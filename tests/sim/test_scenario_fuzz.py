"""A mangled scenario is simulated or refused in one line naming the field, never a traceback."""

from __future__ import annotations

from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_hpa.cli.main import cli
from tests.helpers import ROOT, field_paths, replaced

BASES = [yaml.safe_load((ROOT / path).read_text()) for path in (
    "kubectl_hpa/sim/scenarios/bootcamp.yaml", "fixtures/scenarios/hello-actuator-pods.yaml")]
ODD = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=4), st.lists(st.integers(), max_size=2),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.booleans(),
                st.sampled_from(["-1", "1e400", "50Mi", "0s", "30d", "abc", "Max", "Percent"]))


PATHS = [(i, path) for i, base in enumerate(BASES) for path in field_paths(base, items=3)]


@given(st.sampled_from(PATHS), ODD)
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_a_mangled_scenario_runs_or_is_refused_in_one_line(tmp_path_factory, where: tuple, value: Any) -> None:
    index, path = where
    document = replaced(BASES[index], path, value)
    folder = tmp_path_factory.mktemp("scenario")
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(document))
    if index == 1:  # its stages file is relative to the fixture's folder
        (folder / "stages.yaml").write_text((ROOT / "loadgen" / "stages" / "tutorial.yaml").read_text())
        text = scenario.read_text().replace("../../loadgen/stages/tutorial.yaml", "stages.yaml")
        scenario.write_text(text)
    result = CliRunner().invoke(cli, ["simulate", str(scenario), "--duration", "3m", "-o", "json"],
                                prog_name="kubectl hpa")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{path} = {value!r} crashed") from result.exception
    assert result.exit_code in (0, 1), result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
