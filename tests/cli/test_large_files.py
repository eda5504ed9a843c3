"""A large YAML snapshot is slow to read (PyYAML builds every object in Python): the user is told why, and how
to make it fast, before the wait; JSON, standard input and small files say nothing."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from kubectl_hpa.cli.main import cli
from kubectl_hpa.usecases.explain import LARGE_YAML_BYTES
from tests.helpers import SNAPSHOTS

SNAPSHOT = SNAPSHOTS / "bootcamp-cpu-219.yaml"
PADDING = "#" + "x" * 99 + "\n"  # comments cost the reader nearly nothing: the file is large, the test stays fast


def _explain(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["explain", "-f", str(path), "-o", "table"])
    return result.exit_code, result.stderr


def test_a_large_yaml_snapshot_says_why_it_takes_a_while(tmp_path: Path) -> None:
    large = tmp_path / "large.yaml"
    large.write_text(SNAPSHOT.read_text() + PADDING * (LARGE_YAML_BYTES // len(PADDING) + 1))
    code, err = _explain(large)
    assert code == 0, err
    size = large.stat().st_size / 1e6
    assert f"note: {large} is {size:.0f} MB of YAML, which reads at about 2 MB a second; the same snapshot as " \
           "JSON (kubectl hpa snapshot -o json) reads in a fraction of that\n" in err


def test_json_and_small_yaml_say_nothing(tmp_path: Path) -> None:
    padded_json = tmp_path / "large.json"
    padded_json.write_text(json.dumps(yaml.safe_load(SNAPSHOT.read_text())) + " " * LARGE_YAML_BYTES)
    for path in (padded_json, SNAPSHOT):
        code, err = _explain(path)
        assert code == 0 and "MB of YAML" not in err, err
