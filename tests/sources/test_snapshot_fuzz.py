"""Bad input is one line and exit 1, never a traceback: snapshots with one field replaced by something odd."""

from __future__ import annotations

from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_hpa.cli.main import cli
from tests.helpers import SNAPSHOTS, field_paths, replaced

BASES = [yaml.safe_load((SNAPSHOTS / name).read_text()) for name in (
    "web-scale-down-stabilized.yaml", "hello-actuator-pods-1833m.yaml", "bootcamp-no-requests.yaml")]
ODD = st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=5), st.lists(st.integers(), max_size=2),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.booleans(),
                st.sampled_from(["-1", "1e400", "50Mi", "abc", "2026-13-01T00:00:00Z", ""]))


PATHS = [(i, path) for i, base in enumerate(BASES) for path in field_paths(base, items=4)]


@given(st.sampled_from(PATHS), ODD)
@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_a_mangled_snapshot_is_explained_or_refused_in_one_line(where: tuple, value: Any) -> None:
    index, path = where
    document = replaced(BASES[index], path, value)
    result = CliRunner().invoke(cli, ["explain", "-f", "-", "-o", "json"], input=yaml.safe_dump(document),
                                prog_name="kubectl hpa")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{path} = {value!r} crashed") from result.exception
    assert result.exit_code in (0, 1, 2, 3), result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
