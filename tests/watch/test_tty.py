"""The terminal view in a real terminal: tmux runs `kubectl hpa watch`, we read the screen and press Ctrl-C."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import uuid

import pytest

from tests.helpers import ROOT, require_binary, wait_for
from tests.watch.objects import app, hpa, listing

pytestmark = pytest.mark.process  # every test here spawns a process


@pytest.fixture
def tmux():
    binary = require_binary("tmux", "apt-get install -y tmux", "KUBECTL_HPA_REQUIRE_TMUX")
    socket = f"kubectl-hpa-test-{uuid.uuid4().hex[:8]}"

    def call(*args: str) -> str:
        result = subprocess.run([binary, "-L", socket, *args], capture_output=True, text=True, timeout=10)
        return result.stdout

    yield call
    subprocess.run([binary, "-L", socket, "kill-server"], capture_output=True, timeout=10)


def test_tty_view_redraws_in_place_and_ctrl_c_restores_the_terminal(api, kubeconfig, tmux, tmp_path) -> None:
    api.load(listing(app("web", "shop", 3, "150m", time.time()), app("idle", "shop", 2, "20m", time.time())))
    status = tmp_path / "exit-code"
    command = (f"cd {shlex.quote(str(ROOT))} && env -u NO_COLOR KUBECONFIG={shlex.quote(str(kubeconfig))} "
               f"TERM=xterm-256color {shlex.quote(sys.executable)} -m kubectl_hpa watch --interval 0.3; "
               f"echo $? > {shlex.quote(str(status))}; echo shell-prompt-back; sleep 60")
    tmux("new-session", "-d", "-s", "w", "-x", "200", "-y", "20", command)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "w")

    wait_for(lambda: "kubectl hpa watch: namespace shop, 2 HPAs" in screen(), timeout=15, what="the first frame")
    text = screen()
    assert "HISTORY (REPLICAS | METRIC)" in text and "3 -> 5" in text and "scaling up" in text
    assert "held by the scale-down window until" in text
    assert tmux("display", "-p", "-t", "w", "#{alternate_on}").strip() == "1"
    coloured = tmux("capture-pane", "-p", "-e", "-t", "w")
    assert "\x1b[33mscaling up" in coloured or "\x1b[33m" in coloured  # meaning carries colour on a terminal
    wait_for(lambda: api.open_watches >= 4, what="the watches to open")
    api.upsert(hpa("web", "shop", "web", 3, max_replicas=4))
    wait_for(lambda: "3 -> 4" in screen() and "1/4" in screen(), timeout=10, what="the redrawn row")
    assert screen().count("kubectl hpa watch:") == 1  # redrawn in place, not appended
    tmux("send-keys", "-t", "w", "C-c")
    wait_for(lambda: status.exists() and status.read_text().strip(), timeout=10, what="watch to exit")
    assert status.read_text().strip() == "0"
    wait_for(lambda: "shell-prompt-back" in screen(), timeout=5, what="the normal screen")
    assert tmux("display", "-p", "-t", "w", "#{alternate_on}").strip() == "0"
    assert tmux("display", "-p", "-t", "w", "#{cursor_flag}").strip() == "1"
    assert "Traceback" not in screen()
