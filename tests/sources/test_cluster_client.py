"""The client side of a live read, against real HTTP(S): credentials from exec plugins, a whole-request
deadline, TLS without verification, and kubeconfig files that are not kubeconfigs. Each failure is one
line on stderr and exit 1, as kubectl's are, and no request leaves before the credentials are known."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_hpa.sources.cluster_client import ConnectionOptions, _Alarms, connect
from tests.apiserver import FakeAPIServer, run, serve
from tests.helpers import ROOT, SNAPSHOTS

AT_MAX = SNAPSHOTS / "diagnostics" / "F21-at-max.yaml"
EXEC_API = "client.authentication.k8s.io/v1beta1"
INSECURE = "warning: TLS certificate verification is disabled for this cluster (insecure-skip-tls-verify)"


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err and "ERROR:root" not in err, err
    return lines[0]


def _plugin(path: Path, source: str) -> str:
    """An executable exec credential plugin: a Python script run by this interpreter."""
    path.write_text(f"#!{sys.executable}\nimport sys\n{source}\n")
    path.chmod(0o755)
    return str(path)


# ---------------------------------------------------------------------------------------------- exec plugins


def _exec_case(tmp_path: Path, case: str) -> tuple[str, str]:
    """(command, what the one line must say) for each way a plugin fails."""
    if case == "missing":
        return "kubectl-hpa-no-such-plugin", "error: getting credentials: exec: executable kubectl-hpa-no-such-plugin not found"
    if case == "fails":
        command = _plugin(tmp_path / "login-plugin", "sys.stderr.write('token expired: run `corp login`\\nsecond line\\n')\n"
                                                     "sys.exit(1)")
        return command, (f"error: getting credentials: exec: executable {command} failed with exit code 1: "
                         "token expired: run `corp login`")
    command = _plugin(tmp_path / "garbled-plugin", "print('this is not JSON')")
    return command, f"error: getting credentials: exec: executable {command} printed invalid JSON"


@pytest.mark.parametrize("case", ["missing", "fails", "invalid-json"])
def test_a_failed_exec_plugin_stops_before_any_request(api, tmp_path, case: str) -> None:
    api.load(AT_MAX)  # and the server takes anonymous reads: a read without credentials would succeed
    command, expect = _exec_case(tmp_path, case)
    config = api.kubeconfig(tmp_path / "kubeconfig", namespace="shop",
                            user={"exec": {"apiVersion": EXEC_API, "command": command}})
    code, out, err = run(config, "explain", "web")
    assert code == 1, (out, err)
    line = _one_line(err)
    assert line.startswith(expect), line
    assert out == ""
    assert api.requests == [], api.paths()


def test_a_working_exec_plugin_sends_its_token(api, tmp_path) -> None:
    api.load(AT_MAX)
    api.tokens = {"from-the-plugin"}
    credential = {"apiVersion": EXEC_API, "kind": "ExecCredential", "status": {"token": "from-the-plugin"}}
    command = _plugin(tmp_path / "good-plugin", f"print({json.dumps(json.dumps(credential))})")
    config = api.kubeconfig(tmp_path / "kubeconfig", namespace="shop",
                            user={"exec": {"apiVersion": EXEC_API, "command": command}})
    code, out, err = run(config, "explain", "web", "-o", "json")
    assert code in (0, 3), err
    assert json.loads(out)["currentReplicas"] >= 1
    assert {headers.get("Authorization") for _method, _path, headers in api.requests} == {"Bearer from-the-plugin"}


# ---------------------------------------------------------------------------------------------- deadline


def test_request_timeout_bounds_a_dripping_answer(api, kubeconfig) -> None:
    """kubectl's --request-timeout is a deadline for the whole request, not for each read of the body."""
    api.load(AT_MAX)
    api.drip(r"horizontalpodautoscalers", interval=1.0)  # one byte a second: minutes for the whole list
    started = time.monotonic()
    code, out, err = run(kubeconfig, "explain", "web", "--request-timeout", "2s")
    elapsed = time.monotonic() - started
    assert code == 1, (out, err)
    line = _one_line(err)
    assert line.startswith("error: cannot reach the API server: Get ") and "context deadline exceeded" in line, line
    assert elapsed < 4.0, elapsed


def test_a_slow_answer_within_the_deadline_is_read_whole(api, kubeconfig) -> None:
    api.drip(r"/apis/autoscaling/", interval=0.1, body='{"items": []}')  # about 1.3 s
    client = connect(ConnectionOptions(kubeconfig=str(kubeconfig), request_timeout=5))
    response = client.get("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers")
    assert not response.error and response.status == 200 and response.body == {"items": []}
    # the same client, the next request: a fresh deadline, and a dripping answer past it is an error
    client.timeout = 1.0
    started = time.monotonic()
    response = client.get("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers")
    assert time.monotonic() - started < 2.0
    assert response.status == 0 and "context deadline exceeded" in str(response.error), response.error
    api.drips.clear()
    assert client.get("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers").status == 200


@pytest.fixture
def silent_server(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A kubeconfig whose API server on 127.0.0.1 accepts connections and never answers (nor closes them)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():  # ended by the fixture's teardown
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    config = tmp_path / "silent-kubeconfig"
    config.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "silent",
        "clusters": [{"name": "silent", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "silent", "context": {"cluster": "silent", "user": "u", "namespace": "shop"}}]}))
    yield config, port
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    listener.close()


@pytest.mark.parametrize("verb", ["explain", "snapshot"])
def test_a_server_that_never_answers_ends_in_one_line_naming_the_flag(silent_server, verb: str) -> None:
    config, port = silent_server
    started = time.monotonic()
    code, out, err = run(config, verb, "web", "--request-timeout", "1s")
    assert time.monotonic() - started < 3.0
    assert code == 1 and not out, (out, err)
    line = _one_line(err)  # not a terminal: no "waiting for" notice either
    assert line.startswith(f'error: cannot reach the API server: Get "http://127.0.0.1:{port}/apis/'), line
    assert "Client.Timeout exceeded while awaiting headers" in line, line  # no body ever started
    assert line.endswith("no answer within 1s (--request-timeout sets the limit; 0 waits forever)"), line


def test_the_default_request_timeout_is_a_minute(silent_server) -> None:
    """No --request-timeout: a deadline a user can live with, not kubectl's "0" (wait forever); 0 still is."""
    from kubectl_hpa.sources.cluster_client import DEFAULT_REQUEST_TIMEOUT

    config, _port = silent_server
    assert DEFAULT_REQUEST_TIMEOUT == 60.0
    assert connect(ConnectionOptions(kubeconfig=str(config))).timeout == 60.0
    assert connect(ConnectionOptions(kubeconfig=str(config), request_timeout=0)).timeout is None
    assert connect(ConnectionOptions(kubeconfig=str(config), request_timeout=2.5)).timeout == 2.5
    for verb in ("explain", "snapshot", "upgrade-check", "watch"):
        code, out, _err = run(config, verb, "--help")
        assert code == 0 and "--request-timeout" in out
        assert " ".join(out.split()).count("0 waits forever") == 1, out
    code, out, _err = run(config, "explain", "--help")
    assert "default: 60s" in " ".join(out.split()), out
    code, out, _err = run(config, "watch", "--help")  # watch's reads follow its interval instead
    assert "default: 3 x --interval, at least 5s" in " ".join(out.split()), out


@pytest.mark.process
def test_a_terminal_is_told_what_is_being_waited_for(silent_server) -> None:
    """On a terminal, a request that takes a while says which one it is; the notice is gone before the error."""
    import pty

    config, port = silent_server
    leader, follower = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "kubectl_hpa", "explain", "web", "--kubeconfig", str(config),
                                 "--request-timeout", "2s"], cwd=ROOT, stdout=subprocess.PIPE, stderr=follower,
                                env={"PATH": "/usr/bin:/bin", "HOME": str(config.parent), "NO_COLOR": "1"},
                                timeout=30)
        os.close(follower)
        follower = -1
        screen = b""
        with contextlib.suppress(OSError):  # EIO once the terminal's other side is closed
            while chunk := os.read(leader, 4096):
                screen += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    text = screen.decode()
    assert result.returncode == 1 and not result.stdout
    waiting = f"waiting for http://127.0.0.1:{port}: GET /apis/autoscaling/v2/namespaces/shop/"
    assert waiting in text and "(up to 2s; --request-timeout)" in text, text
    shown, _, last = text.rpartition("\r\x1b[K")  # the notice is erased before the error line
    assert waiting in shown and last.startswith("error: cannot reach the API server") and waiting not in last, text


# ---------------------------------------------------------------------------------------------- TLS


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (and its key), made with ``cryptography``, else ``openssl``."""
    cert, key = directory / "server.crt", directory / "server.key"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        openssl = __import__("shutil").which("openssl")
        if not openssl:
            pytest.skip("neither the cryptography package nor the openssl binary can make a test certificate")
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, key


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Iterator[tuple[Any, Path]]:
    """An HTTPS server for the module (a self-signed certificate for 127.0.0.1) and that certificate."""
    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server = serve(ssl_context=context)
    try:
        yield server, cert
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def tls_api(tls) -> Iterator[FakeAPIServer]:
    fake = FakeAPIServer.fresh(tls[0])
    assert fake.url.startswith("https://127.0.0.1:")
    fake.load(AT_MAX)
    try:
        yield fake
    finally:
        fake.close()


def test_insecure_skip_tls_verify_warns_once_per_command(tls_api, tmp_path) -> None:
    config = tls_api.kubeconfig(tmp_path / "kubeconfig", namespace="shop", cluster={"insecure-skip-tls-verify": True})
    for _ in range(2):  # once per command, every command
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code, out, err = run(config, "explain", "web", "-o", "json")
        assert code in (0, 3), err
        assert json.loads(out)["currentReplicas"] >= 1
        assert err.splitlines() == [INSECURE]
        assert not [w for w in caught if "Unverified HTTPS request" in str(w.message)], [str(w.message) for w in caught]
    assert len(tls_api.requests) == 14  # 7 per command: 6 reads for the HPA and one /version


@pytest.mark.process
def test_insecure_skip_tls_verify_prints_one_line_from_the_real_command(tls_api, tmp_path) -> None:
    config = tls_api.kubeconfig(tmp_path / "kubeconfig", namespace="shop", cluster={"insecure-skip-tls-verify": True})
    result = subprocess.run([sys.executable, "-m", "kubectl_hpa", "explain", "web", "--kubeconfig", str(config)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, env={"NO_COLOR": "1", "PATH": ""})
    assert result.returncode in (0, 3), result.stderr
    assert result.stderr.splitlines() == [INSECURE]


def test_a_verified_tls_connection_says_nothing(tls, tls_api, tmp_path) -> None:
    config = tls_api.kubeconfig(tmp_path / "kubeconfig", namespace="shop",
                                cluster={"certificate-authority": str(tls[1])})
    code, out, err = run(config, "explain", "web", "-o", "json")
    assert code in (0, 3) and err == "", err


def test_an_unverifiable_certificate_is_one_line(tls_api, tmp_path) -> None:
    config = tls_api.kubeconfig(tmp_path / "kubeconfig", namespace="shop")
    code, out, err = run(config, "explain", "web")
    assert code == 1
    assert "certificate verify failed" in _one_line(err)


# ---------------------------------------------------------------------------------------------- kubeconfig files

GOOD = {"apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "test", "user": {"token": "t"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}]}


def _with(section: str, value: Any) -> bytes:
    return yaml.safe_dump({**GOOD, section: value}).encode()


@pytest.mark.parametrize("content, expect", [
    (b"\x00\x01\xff\xfe\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", "not a text file"),
    (b"just a string\n", "not a mapping"),
    (_with("clusters", 5), "clusters: expected a list"),
    (_with("contexts", {"test": {"cluster": "test"}}), "contexts: expected a list"),
    (_with("users", [{"name": "test", "user": "oops"}]), 'users[0] ("test"): user: expected a mapping'),
    (_with("contexts", [{"name": "test", "context": "oops"}]), 'contexts[0] ("test"): context: expected a mapping'),
    (_with("contexts", [{"name": "test", "context": {"cluster": ["a"], "user": "test"}}]),
     'contexts[0] ("test"): context.cluster: expected a string'),
    (_with("clusters", [{"name": ["x"], "cluster": {"server": "http://127.0.0.1:9"}}]), "clusters[0]: name: expected a string"),
    (_with("clusters", [{"name": "test", "cluster": {"server": 5}}]), 'clusters[0] ("test"): cluster.server: expected a string'),
    (_with("current-context", ["test"]), "current-context: expected a string"),
], ids=["binary", "control-chars", "scalar", "clusters-number", "contexts-mapping", "user-string", "context-string",
        "context-cluster-list", "name-list", "server-number", "current-context-list"])
def test_a_kubeconfig_that_is_not_one_is_one_line_naming_the_file(tmp_path, content: bytes, expect: str) -> None:
    config = tmp_path / "kubeconfig"
    config.write_bytes(content)
    code, out, err = run(config, "explain", "web", "--request-timeout", "2s")
    assert code == 1, err
    line = _one_line(err)
    assert line.startswith(f"error: invalid kubeconfig {config}: "), line
    assert expect in line, line


def test_a_kubeconfig_whose_aliases_explode_is_refused_before_expanding(tmp_path) -> None:
    """A kubeconfig goes through the bounded YAML reader every input uses: nine levels of ten aliases (10^9
    nodes in a few hundred bytes) are one line naming the file, as client-go's decoder refuses excessive
    aliasing (kubernetes#83253)."""
    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 9)]
    config = tmp_path / "kubeconfig"
    config.write_text(yaml.safe_dump(GOOD) + "\n".join(levels) + "\n")
    started = time.monotonic()
    code, out, err = run(config, "explain", "web", "--request-timeout", "2s")
    assert code == 1, err
    line = _one_line(err)
    assert line.startswith(f"error: invalid kubeconfig {config}: its YAML aliases expand it to more than"), line
    assert time.monotonic() - started < 30


def test_transport_errors_are_worded_as_go_words_them() -> None:
    """One style for every read and watch: a server that closes the connection is Go's EOF, not Python's tuple."""
    import http.client

    import urllib3

    from kubectl_hpa.sources.cluster_client import transport_error

    url = "https://127.0.0.1:6443/api/v1/pods?watch=true"
    closed = urllib3.exceptions.ProtocolError("Connection aborted.",
                                              http.client.RemoteDisconnected("Remote end closed connection"))
    assert transport_error(closed, url) == f'Get "{url}": EOF'
    reset = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    assert transport_error(reset, url) == f'Get "{url}": read: connection reset by peer'


# ----------------------------------------------------------------------------- the alarm thread


def test_alarms_fire_in_time_order_and_a_cancelled_one_never_fires() -> None:
    alarms, fired, done = _Alarms(), [], threading.Event()
    alarms.after(0.15, lambda: (fired.append("late"), done.set()))
    cancelled = alarms.after(0.05, lambda: fired.append("cancelled"))
    alarms.after(0.1, lambda: fired.append("early"))
    alarms.cancel(cancelled)
    assert done.wait(5)
    assert fired == ["early", "late"]


def test_a_failing_alarm_does_not_stop_the_others(capsys) -> None:
    def broken() -> None:
        raise RuntimeError("broken alarm")

    alarms, done = _Alarms(), threading.Event()
    alarms.after(0.01, broken)
    alarms.after(0.05, done.set)
    assert done.wait(5)
    assert "broken alarm" in capsys.readouterr().err


def test_a_forked_child_gets_its_own_alarm_thread() -> None:
    import os
    alarms, done = _Alarms(), threading.Event()
    alarms.after(0.01, done.set)  # the parent's thread runs
    assert done.wait(5)
    child = os.fork()
    if child == 0:  # the child: the parent's thread is gone; a new alarm must still fire
        fired = threading.Event()
        alarms.after(0.01, fired.set)
        os._exit(0 if fired.wait(5) else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
