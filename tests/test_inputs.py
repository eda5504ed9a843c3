"""Inputs that cannot hang: every user file is read bounded, YAML aliases cannot expand without bound,
and a quantity's exponent cannot make parsing slow (kubectl_hpa/inputs.py, core/quantity.py).

The CLI tests run the plugin in a subprocess with a timeout and an address-space limit, so a regression
fails here in seconds instead of hanging CI or eating the machine's memory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from kubectl_hpa.core.quantity import QuantityError, parse_quantity
from kubectl_hpa.inputs import (
    MAX_INPUT_BYTES,
    InputTooLarge,
    check_expansion,
    load_yaml,
    load_yaml_all,
    read_stream,
    read_text,
)
from tests.helpers import ROOT, SNAPSHOTS

LIMIT_LINE = "larger than 64 MiB, the limit for an input file"
ALIAS_LINE = "its YAML aliases expand it to more than 64 MiB, the limit for an input file"
MEMORY_LIMIT = 1024 * 2**20  # bytes of address space for the CLI under test
SECONDS = 20  # the CLI answers in well under a second or two; this only bounds a regression


# ----------------------------------------------------------------------------- the inputs


def _laughs(levels: int = 9, width: int = 10, indent: str = "") -> str:
    """A billion laughs: ``levels`` anchors, each a list of ``width`` aliases of the one before."""
    lines = [f'{indent}a0: &a0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"{indent}a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def bomb_in_list_annotations() -> str:
    return ("apiVersion: v1\nkind: List\nmetadata:\n  annotations:\n" + _laughs(indent="    ")
            + "items:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, namespace: default}\n")


def bomb_of_nested_lists() -> str:
    """Lists whose items are aliases of Lists: flattening them yields 10^9 objects."""
    lines = ["definitions:",
             "- &l0 {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Pod, metadata: {name: p}}]}"]
    for level in range(1, 10):
        lines.append(f"- &l{level} {{apiVersion: v1, kind: List, items: [{', '.join([f'*l{level - 1}'] * 10)}]}}")
    return "\n".join(lines).replace("definitions:\n- ", "apiVersion: v1\nkind: List\nitems:\n- ", 1) + "\n"


def bomb_in_event_message() -> str:
    return ("apiVersion: v1\nkind: Event\nmetadata: {name: e, namespace: default}\n"
            "reason: SuccessfulRescale\ninvolvedObject: {kind: HorizontalPodAutoscaler, name: web}\n"
            "laughs:\n" + _laughs(indent="  ") + "message: *a9\n")


def _run(*args: str, stdin: bytes = b"") -> tuple[int, str, str, float]:
    """The plugin in a subprocess, bounded in time and address space: (exit code, stdout, stderr, seconds)."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    environment = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "kubectl_hpa", *args], cwd=ROOT, input=stdin,
                            capture_output=True, timeout=SECONDS, preexec_fn=limit_memory, env=environment)
    return (result.returncode, result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace"),
            time.monotonic() - started)


def _refused(line: str, *args: str) -> None:
    code, out, err, seconds = _run(*args)
    assert (code, err) == (1, f"error: {line}\n"), out[-2000:] + err[-2000:]
    assert seconds < SECONDS / 2


# ----------------------------------------------------------------------------- the bounded reader


def test_a_file_within_the_limit_reads_as_read_text_does(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"a\r\nb\rc\n\xc3\xa9")
    assert read_text(path, encoding="utf-8") == path.read_text(encoding="utf-8")
    assert read_text(path, encoding="utf-8", newline="") == "a\r\nb\rc\né"
    assert read_text(path, limit=9) == path.read_text()  # exactly at the limit


def test_a_file_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 9)
    with pytest.raises(InputTooLarge, match="^larger than 8 bytes, the limit for an input file$"):
        read_text(path, limit=8)
    assert MAX_INPUT_BYTES == 64 * 2**20


def test_a_fifo_is_read_up_to_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write(data: bytes) -> None:
        with open(fifo, "wb") as handle:
            handle.write(data)

    for data, limit in ((b"kind: Pod\n", 64), (b"x" * 100, 64)):
        writer = threading.Thread(target=write, args=(data,))
        writer.start()
        try:
            if len(data) <= limit:
                assert read_text(fifo, limit=limit) == data.decode()
            else:
                with pytest.raises(InputTooLarge):
                    read_text(fifo, limit=limit)
        finally:
            _drain(fifo, writer)


def _drain(fifo: Path, writer: threading.Thread) -> None:
    """Let a writer the refused read left behind finish. A blocking open would wait for a writer that may
    already be gone (it wrote into the pipe's buffer and left): open without blocking, read what is there,
    for at most five seconds."""
    deadline = time.monotonic() + 5
    while writer.is_alive() and time.monotonic() < deadline:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            while os.read(fd, 4096):
                pass
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
        writer.join(0.05)
    writer.join(5)
    assert not writer.is_alive()


def test_a_stream_is_read_up_to_the_limit() -> None:
    import io

    assert read_stream(io.StringIO("kind: Pod\n")) == "kind: Pod\n"
    with pytest.raises(InputTooLarge):
        read_stream(io.TextIOWrapper(io.BytesIO(b"x" * 10), encoding="utf-8"), limit=9)
    with pytest.raises(InputTooLarge):
        read_stream(io.StringIO("x" * 10), limit=9)


# ----------------------------------------------------------------------------- YAML aliases


@pytest.mark.parametrize("path", sorted(SNAPSHOTS.rglob("*.yaml")), ids=lambda p: p.name)
def test_yaml_loads_as_pyyaml_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert load_yaml_all(text, loader) == list(yaml.load_all(text, Loader=loader))
    assert load_yaml_all(text) == list(yaml.safe_load_all(text))


def _pure_error(text: str) -> str:
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.load(text, Loader=yaml.SafeLoader)  # the pure parser alone, as reference
    return str(pure.value)


@pytest.mark.parametrize("text", ["x: [a, b]: c", "a: b\n\t", "a: \x07b", "a: \ud83d\ude00", "key: [unclosed"],
                         ids=["libyaml-words-it-otherwise", "tab-line", "control-char", "lone-surrogate", "unclosed"])
def test_an_error_is_the_pure_parsers_whatever_parses_first(text: str) -> None:
    """libyaml parses first (speed); what it refuses is read again by the pure parser, whose words and line
    every reader already reports (libyaml words some errors otherwise, and cannot encode a lone surrogate)."""
    for load in (load_yaml, load_yaml_all):
        with pytest.raises(yaml.YAMLError) as ours:
            load(text)
        assert str(ours.value) == _pure_error(text)


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML without libyaml")
def test_libyaml_reads_what_the_pure_parser_reads_and_a_tab_after_a_key() -> None:
    text = (ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml").read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)
    assert load_yaml("k:\tv") == {"k": "v"}  # the pure parser alone refuses it


def test_modest_aliases_are_kept_and_shared() -> None:
    document = load_yaml("base: &b {cpu: 1}\nuses: [*b, *b]\nmerged: {<<: *b, memory: 2}\n")
    assert document == {"base": {"cpu": 1}, "uses": [{"cpu": 1}, {"cpu": 1}], "merged": {"cpu": 1, "memory": 2}}
    assert document["uses"][0] is document["base"]


@pytest.mark.parametrize("text", [_laughs(), bomb_in_list_annotations(), bomb_of_nested_lists(),
                                  bomb_in_event_message()], ids=["laughs", "annotations", "lists", "event"])
def test_alias_bombs_are_refused_before_expanding(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(InputTooLarge, match=f"^{ALIAS_LINE}$"):
        load_yaml_all(text)
    with pytest.raises(InputTooLarge, match=f"^{ALIAS_LINE}$"):
        load_yaml_all(text, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert time.monotonic() - started < 2


def test_merge_keys_count_as_expanded() -> None:
    """``<<: [*m, *m]`` copies the merged pairs when constructing: a chain of them doubles at each step."""
    lines = ["m0: &m0 {a: 1, b: 2}"] + [f"m{n}: &m{n} {{<<: [*m{n - 1}, *m{n - 1}], k{n}: 0}}" for n in range(1, 12)]
    with pytest.raises(InputTooLarge):
        check_expansion(yaml.compose("\n".join(lines)), limit=2**12)


def test_a_recursive_document_is_refused() -> None:
    with pytest.raises(InputTooLarge, match="^a YAML alias refers to a node that contains it"):
        load_yaml("a: &a [1, *a]\n")


def test_the_expanded_size_counts_nodes_and_characters() -> None:
    node = yaml.compose("a: &x [bc, bc]\nb: *x\n")
    # mapping 1 + key "a" 2 + key "b" 2 + the list (1 + 3 + 3) twice
    assert check_expansion(node) == 1 + 2 + 2 + 2 * 7
    with pytest.raises(InputTooLarge):
        check_expansion(node, limit=18)


# ----------------------------------------------------------------------------- quantities


QUANTITIES = {"1e999999999": "QuantityError", "1e309": "QuantityError", "-1e999999999": "QuantityError",
              "1e+99999999999999999999": "QuantityError", "1e-999999999": "1/1000000000",
              "-1e-999999999": "-1/1000000000", "0e999999999": "0", "1e308": str(10**308), "0.05e3": "50",
              "1.5e-9": "1/500000000", "12.5e2": "1250", "0." + "0" * 5000 + "1": "1/1000000000"}


@pytest.mark.process
def test_exponents_are_bounded_and_parse_at_once() -> None:
    """Huge exponents are refused, tiny ones round to 1n, in a subprocess: an unbounded parse would hang."""
    script = ("import json, sys\n"
              "from kubectl_hpa.core.quantity import QuantityError, parse_milli, parse_quantity\n"
              "out = {}\n"
              "for text in json.load(sys.stdin):\n"
              "    try:\n"
              "        out[text] = str(parse_quantity(text))\n"
              "    except QuantityError:\n"
              "        out[text] = 'QuantityError'\n"
              "        try:\n"
              "            parse_milli(text)\n"
              "            out[text] = 'parse_milli accepted it'\n"
              "        except QuantityError:\n"
              "            pass\n"
              "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(list(QUANTITIES)), capture_output=True,
                            text=True, timeout=SECONDS, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT)))
    assert json.loads(result.stdout) == QUANTITIES, result.stderr


def test_too_many_digits_is_a_quantity_error() -> None:
    with pytest.raises(QuantityError):
        parse_quantity("1" * 5000)


# ----------------------------------------------------------------------------- the CLI, end to end


@pytest.fixture
def bombs(tmp_path: Path) -> dict[str, Path]:
    files = {"annotations": bomb_in_list_annotations(), "lists": bomb_of_nested_lists(),
             "event": bomb_in_event_message()}
    out = {}
    for name, text in files.items():
        out[name] = tmp_path / f"{name}.yaml"
        out[name].write_text(text)
    return out


@pytest.mark.process
@pytest.mark.parametrize("name", ["annotations", "lists", "event"])
def test_explain_refuses_an_alias_bomb(bombs: dict[str, Path], name: str) -> None:
    _refused(f"{bombs[name]}: {ALIAS_LINE}", "explain", "-f", str(bombs[name]))


@pytest.mark.process
def test_simulate_refuses_an_alias_bomb(tmp_path: Path) -> None:
    scenario = tmp_path / "bomb.yaml"
    scenario.write_text("kind: Scenario\nmetadata:\n  annotations:\n" + _laughs(indent="    ")
                        + "hpa: {}\nload: {type: constant, rate: 1}\n")
    _refused(f"{scenario}: {ALIAS_LINE}", "simulate", str(scenario))


@pytest.mark.process
def test_explain_refuses_a_huge_quantity_in_a_pod_request(tmp_path: Path) -> None:
    snapshot = tmp_path / "quantity.yaml"
    snapshot.write_text((SNAPSHOTS / "bootcamp-cpu-219.yaml").read_text().replace("cpu: 50m", "cpu: 1e999999999"))
    _refused(f"{snapshot}: Pod/kubernetes-bootcamp-7clfsp6rk5-tkqgf: spec.containers[0].resources.requests.cpu: "
             f"invalid quantity '1e999999999'", "explain", "-f", str(snapshot))


def _scenario(tmp_path: Path, **overrides: str) -> Path:
    """The built-in bootcamp scenario, with some top-level sections replaced (YAML flow text)."""
    text = (ROOT / "kubectl_hpa" / "sim" / "scenarios" / "bootcamp.yaml").read_text()
    document = yaml.safe_load(text)
    for key, value in overrides.items():
        document[key] = yaml.safe_load(value)
    path = tmp_path / "scenario.yaml"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.process
def test_simulate_refuses_a_huge_quantity_in_a_scenario(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, workload="{replicas: 1, requests: {cpu: 1e999999999}}")
    _refused(f"{scenario}: workload.requests.cpu: invalid quantity '1e999999999'", "simulate", str(scenario))


@pytest.mark.process
@pytest.mark.parametrize("args", [["explain", "-f", "/dev/zero"], ["explain", "--timeline", "/dev/zero"],
                                  ["simulate", "/dev/zero"], ["simulate", "--hpa", "/dev/zero"],
                                  ["simulate", "--compare-with", "/dev/zero"]],
                         ids=["explain-f", "timeline", "scenario", "hpa", "compare-with"])
def test_an_endless_file_is_refused(args: list[str]) -> None:
    _refused(f"/dev/zero: {LIMIT_LINE}", *args)


@pytest.mark.process
def test_explain_refuses_endless_standard_input() -> None:
    code, _out, err, _seconds = _run("explain", "-f", "-", stdin=b"#" * (MAX_INPUT_BYTES + 1))
    assert (code, err) == (1, f"error: <stdin>: {LIMIT_LINE}\n")


@pytest.mark.process
@pytest.mark.parametrize("section", ["hpa", "load"])
def test_a_scenario_naming_an_endless_file_is_refused(tmp_path: Path, section: str) -> None:
    if section == "hpa":
        scenario = _scenario(tmp_path, hpa="/dev/zero")
        line = f"{scenario}: /dev/zero: {LIMIT_LINE}"
    else:
        scenario = _scenario(tmp_path, load="{type: csv, file: /dev/zero}")
        line = f"{scenario}: load.file: /dev/zero: {LIMIT_LINE}"
    _refused(line, "simulate", str(scenario))


@pytest.mark.process
def test_a_stages_load_naming_an_endless_file_is_refused(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, load="{type: stages, file: /dev/zero}")
    _refused(f"{scenario}: load.file: /dev/zero: {LIMIT_LINE}", "simulate", str(scenario))
