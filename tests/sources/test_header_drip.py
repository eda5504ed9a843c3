"""``--request-timeout`` is a deadline for the whole request, headers included (issue 12, item 7).

urllib3's read timeout restarts with every byte, so a server dripping its status line a byte at a time was
never cut off (kubectl stops at the deadline). A raw socket server on 127.0.0.1 drips the headers, bounded.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubectl_hpa.sources.cluster_client import ConnectionOptions, connect
from tests.apiserver import run

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
INTERVAL = 0.3  # seconds per byte: the headers alone would take about 20 s
DRIP_CAP = 15.0  # every connection is closed after this, sent or not


@pytest.fixture
def dripping_server(tmp_path: Path) -> Iterator[tuple[Path, list[float]]]:
    """A kubeconfig for a server that answers every request a byte every INTERVAL seconds; the list gets, per
    connection, how long the client stayed (until it hung up or the cap)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    stayed: list[float] = []

    def drip(conn: socket.socket) -> None:
        started = time.monotonic()
        with conn, contextlib.suppress(OSError):
            conn.settimeout(DRIP_CAP)
            conn.recv(65536)  # the request
            for byte in HEADERS:
                if stop.is_set() or time.monotonic() - started > DRIP_CAP:
                    break
                conn.sendall(bytes([byte]))
                time.sleep(INTERVAL)
        stayed.append(time.monotonic() - started)

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = listener.accept()
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    config = tmp_path / "drip-kubeconfig"
    config.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "drip",
        "clusters": [{"name": "drip", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "drip", "context": {"cluster": "drip", "user": "u", "namespace": "shop"}}]}))
    yield config, stayed
    stop.set()
    thread.join(2)
    listener.close()


def test_dripped_headers_end_at_the_deadline(dripping_server) -> None:
    config, stayed = dripping_server
    client = connect(ConnectionOptions(kubeconfig=str(config), request_timeout=1.0))
    started = time.monotonic()
    response = client.get("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers")
    took = time.monotonic() - started
    assert response.status == 0, response
    assert "Client.Timeout exceeded while awaiting headers" in str(response.error), response.error
    assert took < 2.5, f"the deadline was 1s, the request took {took:.1f}s"
    # The client hung up at the deadline: the server saw its connection end, not the cap.
    deadline = time.monotonic() + 5
    while not stayed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stayed and stayed[0] < 3.0, stayed


def test_explain_on_dripped_headers_is_one_line_within_the_deadline(dripping_server) -> None:
    config, _stayed = dripping_server
    started = time.monotonic()
    code, out, err = run(config, "explain", "web", "--request-timeout", "2s")
    took = time.monotonic() - started
    assert code == 1 and not out, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the API server:"), err
    assert "awaiting headers" in lines[0] and "no answer within 2s" in lines[0], lines[0]
    assert took < 6.0, f"--request-timeout 2s, explain took {took:.1f}s"  # start-up + the first request's 2 s
