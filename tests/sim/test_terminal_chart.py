"""On a terminal, ``simulate`` draws a compact chart before the table; piped, it does not."""

from __future__ import annotations

import shlex
import subprocess
import sys
import uuid

import pytest

from kubectl_hpa.render.timeline import sparkline
from tests.helpers import ROOT, require_binary, wait_for

pytestmark = pytest.mark.process  # every test here spawns a process


def test_sparkline_keeps_spikes_and_scales_to_a_ceiling() -> None:
    assert sparkline([0, 0, 8, 0], 4) == "  █ "
    assert sparkline([1.0] * 10, 5, top=2.0) == "▄▄▄▄▄"
    assert sparkline([0, 10, 0, 0, 0, 0], 3) == "█  "  # the spike survives the resampling


def test_the_chart_on_a_real_terminal_and_not_in_a_pipe() -> None:
    binary = require_binary("tmux", "apt-get install -y tmux", "KUBECTL_HPA_REQUIRE_TMUX")
    socket = f"kubectl-hpa-sim-{uuid.uuid4().hex[:8]}"
    command = (f"cd {shlex.quote(str(ROOT))} && env -u NO_COLOR TERM=xterm-256color "
               f"{shlex.quote(sys.executable)} -m kubectl_hpa simulate; sleep 30")
    try:
        subprocess.run([binary, "-L", socket, "new-session", "-d", "-s", "s", "-x", "220", "-y", "60", command],
                       check=True, timeout=10)

        def screen() -> str:
            return subprocess.run([binary, "-L", socket, "capture-pane", "-p", "-t", "s", "-S", "-60"],
                                  capture_output=True, text=True, timeout=10).stdout

        wait_for(lambda: "Summary:" in screen(), timeout=20, what="the simulation to finish")
        text = screen()
        lines = text.splitlines()
        chart = [line for line in lines if line.startswith(("load ", "cpu ", "replicas "))]
        assert len(chart) == 3, text
        assert "█" in chart[2] and "max 10" in chart[2]
        assert lines.index(chart[0]) < next(i for i, line in enumerate(lines) if line.startswith("TIME"))
        assert lines.index("controller: Kubernetes 1.37") < lines.index(chart[0])  # the title comes first
    finally:
        subprocess.run([binary, "-L", socket, "kill-server"], capture_output=True, timeout=10)
    piped = subprocess.run([sys.executable, "-m", "kubectl_hpa", "simulate"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert piped.stdout.startswith("controller: Kubernetes 1.37\nTIME")
