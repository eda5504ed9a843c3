"""A read-only connection to a cluster through the official ``kubernetes`` client.

The only module (with ``cluster.py``) that imports ``kubernetes``, and only when a
command actually talks to a cluster. Kubeconfig handling follows kubectl: several
files in ``KUBECONFIG`` are merged (the first file to set a value wins), the
context comes from ``--context`` or ``current-context``, and ``--cluster`` /
``--user`` / ``--namespace`` override it. With no kubeconfig file, the in-cluster
service account is used. Every request is a GET; each one is recorded.

As kubectl: a kubeconfig that is not one (binary, or YAML of the wrong shape) is one line naming the
file; an exec credential plugin that fails stops the command before any request (the library would log
and read anonymously); ``--request-timeout`` bounds the whole request, body included; and a cluster with
``insecure-skip-tls-verify`` gets one warning line per command, not urllib3's warning per request.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote, urlencode

from .kube import Response


class ClusterError(Exception):
    """Connecting or reading failed in a way that stops the command; the message is one line."""


class CredentialError(ClusterError):
    """An exec credential plugin failed: kubectl stops ("getting credentials: ..."), it never reads anonymously."""


INSECURE_WARNING = "warning: TLS certificate verification is disabled for this cluster (insecure-skip-tls-verify)"


@dataclass(frozen=True)
class ConnectionOptions:
    """The connection flags kubectl takes (``--kubeconfig``, ``--context``, ``--as``...), as the commands pass them on."""

    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    cluster: Optional[str] = None
    user: Optional[str] = None
    namespace: Optional[str] = None
    request_timeout: Optional[float] = None  # seconds; None or 0: no timeout
    as_user: Optional[str] = None
    as_groups: tuple[str, ...] = ()


SERVICE_HOST_ENV, SERVICE_PORT_ENV = "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"


def _kubeconfig_paths(explicit: Optional[str]) -> list[str]:
    """The kubeconfig files to merge, as kubectl finds them: ``--kubeconfig``, else ``$KUBECONFIG``, else ~/.kube/config."""
    if explicit:
        return [os.path.expanduser(explicit)]
    env = os.environ.get("KUBECONFIG")  # read now, not at kubernetes' import time
    if env:
        return [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
    return [os.path.expanduser("~/.kube/config")]


_PATH_KEYS = {"clusters": ("certificate-authority",), "users": ("client-certificate", "client-key", "tokenFile")}
# The fields kubectl decodes as strings (or a bool), by section; a value of another type is an invalid kubeconfig.
_STRING_FIELDS = {
    "clusters": ("server", "certificate-authority", "certificate-authority-data", "tls-server-name", "proxy-url"),
    "contexts": ("cluster", "user", "namespace"),
    "users": ("token", "tokenFile", "client-certificate", "client-certificate-data", "client-key", "client-key-data",
              "username", "password", "as"),
}
_BOOL_FIELDS = {"clusters": ("insecure-skip-tls-verify", "disable-compression")}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "a mapping", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _check_shape(data: dict) -> Optional[str]:
    """Where ``data`` is not shaped as a kubeconfig (the first place, worded as kubectl's decoder would refuse it)."""
    current = data.get("current-context")
    if current is not None and not isinstance(current, str):
        return f"current-context: expected a string, got {_kind(current)}"
    for section in ("clusters", "contexts", "users"):
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            return f"{section}: expected a list of named {section[:-1]}s, got {_kind(entries)}"
        inner_key = section[:-1]
        for index, entry in enumerate(entries):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict):
                return f"{where}: expected a mapping with name and {inner_key}, got {_kind(entry)}"
            name = entry.get("name")
            if not isinstance(name, str):
                return f"{where}: name: expected a string, got {_kind(name)}"
            where = f'{where} ("{name}")'
            inner = entry.get(inner_key)
            if inner is None:
                continue
            if not isinstance(inner, dict):
                return f"{where}: {inner_key}: expected a mapping, got {_kind(inner)}"
            for key in _STRING_FIELDS[section]:
                if inner.get(key) is not None and not isinstance(inner[key], str):
                    return f"{where}: {inner_key}.{key}: expected a string, got {_kind(inner[key])}"
            for key in _BOOL_FIELDS.get(section, ()):
                if inner.get(key) is not None and not isinstance(inner[key], bool):
                    return f"{where}: {inner_key}.{key}: expected true or false, got {_kind(inner[key])}"
            plugin = inner.get("exec") if section == "users" else None
            if plugin is not None:
                problem = _check_exec(plugin)
                if problem:
                    return f"{where}: user.exec{problem}"
    return None


def _check_exec(plugin: Any) -> Optional[str]:
    if not isinstance(plugin, dict):
        return f": expected a mapping, got {_kind(plugin)}"
    for key in ("command", "apiVersion"):
        if not isinstance(plugin.get(key), str) or not plugin.get(key):
            return f".{key}: expected a string, got {_kind(plugin.get(key)) if key in plugin else 'nothing'}"
    args = plugin.get("args")
    if args is not None and not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
        return ".args: expected a list of strings"
    env = plugin.get("env")
    if env is not None and not (isinstance(env, list) and all(
            isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("value"), str) for e in env)):
        return ".env: expected a list of {name, value} strings"
    return None


def merge_kubeconfigs(paths: list[str]) -> tuple[dict, list[str]]:
    """kubectl's merge: the first file to define a named cluster/user/context or current-context wins.

    Relative file references are made absolute against the file that holds them.
    """
    import yaml

    merged: dict = {"clusters": [], "contexts": [], "users": []}
    used: list[str] = []
    for path in paths:
        if not os.path.exists(path):
            continue
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
            data = yaml.safe_load(text) or {}
        except UnicodeDecodeError:
            raise ClusterError(f"invalid kubeconfig {path}: not a text file (expected YAML)") from None
        except yaml.reader.ReaderError as error:  # control characters: a binary file that happens to be UTF-8
            raise ClusterError(f"invalid kubeconfig {path}: not a text file "
                               f"({' '.join(str(error.reason).split())})") from None
        except (OSError, yaml.YAMLError) as error:
            problem = getattr(error, "problem", None) or getattr(error, "strerror", None) or str(error).splitlines()[0]
            raise ClusterError(f"invalid kubeconfig {path}: {problem}") from None
        if not isinstance(data, dict):
            raise ClusterError(f"invalid kubeconfig {path}: not a mapping")
        problem = _check_shape(data)
        if problem:
            raise ClusterError(f"invalid kubeconfig {path}: {problem}")
        used.append(path)
        base = os.path.dirname(os.path.abspath(path))
        for section in ("clusters", "contexts", "users"):
            known = {entry.get("name") for entry in merged[section]}
            for entry in data.get(section) or ():
                if not isinstance(entry, dict) or entry.get("name") in known:
                    continue
                entry = json.loads(json.dumps(entry))
                inner_key = section[:-1]
                inner = entry.get(inner_key) or {}
                for key in _PATH_KEYS.get(section, ()):
                    value = inner.get(key)
                    if value and not os.path.isabs(os.path.expanduser(value)):
                        inner[key] = os.path.join(base, value)
                merged[section].append(entry)
        if data.get("current-context") and not merged.get("current-context"):
            merged["current-context"] = data["current-context"]
    return merged, used


class Connection:
    """An ApiClient plus the namespace to use; ``get`` records every request it sends."""

    def __init__(self, api_client: Any, namespace: str, host: str, timeout: Optional[float], context: str = ""):
        self.api = api_client
        self.namespace = namespace
        self.host = host
        self.timeout = timeout or None
        self.context = context
        self.requests: list[tuple[str, str]] = []
        self.impersonate_groups: tuple[str, ...] = ()

    def get(self, path: str, query: Optional[dict] = None) -> Response:
        """GET a raw API path through the client (auth, TLS, impersonation); never raises for HTTP errors.

        The timeout is a deadline for the whole request, as client-go's Client.Timeout: urllib3's timeouts bound
        each socket operation (so connecting and awaiting the headers), and a watchdog ends a body still arriving
        at the deadline (a server dripping a byte a second would otherwise never time out).
        """
        import urllib3

        full = path + ("?" + urlencode(query, quote_via=quote, safe="") if query else "")
        self.requests.append(("GET", full))
        watchdog = _Watchdog(self.timeout)
        try:
            method, url, headers, _body, _post = self.api.param_serialize(
                "GET", path, query_params=list((query or {}).items()),
                header_params={"Accept": "application/json"}, auth_settings=["BearerToken"])
            if self.impersonate_groups:  # one header line per group, as kubectl sends them
                headers = urllib3.HTTPHeaderDict(headers)
                for group in self.impersonate_groups:
                    headers.add("Impersonate-Group", group)
            response = self.api.call_api(method, url, header_params=headers, _request_timeout=self.timeout)
            raw = watchdog.read(response.response)
        except (urllib3.exceptions.TimeoutError, urllib3.exceptions.MaxRetryError,
                urllib3.exceptions.HTTPError, OSError) as error:
            if watchdog.fired:
                return Response("GET", full, 0, error=_deadline_error(self.host + full))
            return Response("GET", full, 0, error=_client_error(error, self.host + full, self.timeout))
        except Exception as error:  # the client's own ApiException (TLS, bad arguments), a failed credential refresh
            reason = getattr(error, "reason", None) or str(error)
            return Response("GET", full, 0, error=" ".join(str(reason).split()))
        finally:
            watchdog.cancel()
        if watchdog.fired:  # the watchdog cut the body short (whatever urllib3 made of the cut)
            return Response("GET", full, 0, error=_deadline_error(self.host + full))
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        try:
            body = json.loads(text) if text.strip().startswith(("{", "[")) else None
        except json.JSONDecodeError:
            body = None
        return Response("GET", full, int(response.status), body, text)


class _Watchdog:
    """A deadline for one request: at ``timeout`` seconds from now it shuts the response's socket, which ends
    a read blocked on a dripping body in the reading thread (urllib3's ``HTTPResponse.shutdown``)."""

    def __init__(self, timeout: Optional[float]):
        self.deadline = time.monotonic() + timeout if timeout else None
        self.fired = False
        self._lock = threading.Lock()
        self._response: Any = None
        self._done = False
        self._timer: Optional[threading.Timer] = None
        if timeout:
            self._timer = threading.Timer(timeout, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            if self._response is not None:
                with contextlib.suppress(OSError, ValueError, RuntimeError, AttributeError):  # released, or closed
                    self._response.shutdown()

    def read(self, response: Any) -> bytes:
        """The whole body of the urllib3 ``response``, or what the deadline left of it (``fired`` tells)."""
        with self._lock:
            if self.fired:  # the headers came after the deadline
                response.close()
                return b""
            self._response = response
        try:
            return response.read()
        finally:
            with self._lock:
                self._done = True
                self._response = None
            if self.fired:
                response.close()  # the socket is shut: never back to the pool
            else:
                response.release_conn()

    def cancel(self) -> None:
        with self._lock:
            self._done = True
        if self._timer is not None:
            self._timer.cancel()


def _deadline_error(url: str) -> str:
    """Go's wording for a Client.Timeout that struck while the body was arriving."""
    return f'Get "{url}": context deadline exceeded (Client.Timeout or context cancellation while reading body)'


def _client_error(error: BaseException, url: str, timeout: Optional[float]) -> str:
    """Word a transport failure as Go's net/http does, innermost cause last."""
    import urllib3

    inner = getattr(error, "reason", None) or error
    refused = isinstance(inner, urllib3.exceptions.NewConnectionError) or isinstance(
        error, urllib3.exceptions.NewConnectionError)
    if refused and "refused" in str(inner).lower():
        return f'Get "{url}": dial tcp: connect: connection refused'
    if not refused and (isinstance(inner, urllib3.exceptions.TimeoutError)
                        or isinstance(error, urllib3.exceptions.TimeoutError)):
        return f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    text = str(inner)
    if "refused" in text.lower():
        return f'Get "{url}": dial tcp: connect: connection refused'
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return f'Get "{url}": dial tcp: lookup: no such host'
    return f'Get "{url}": {" ".join(text.split())}'


def _first_line(text: str) -> str:
    return next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")


def run_exec_plugin(exec_config: Any, base_path: str, cluster: Any) -> dict:
    """Run a kubeconfig ``exec`` credential plugin as client-go does and return its ExecCredential ``status``.

    Raises :class:`CredentialError` with client-go's wording ("getting credentials: exec: executable X not
    found", "... failed with exit code N", a bad answer): kubectl stops there, before any request. The plugin's
    stderr is captured for its first line, except when a person can answer its prompts (stdin and stdout are
    terminals): then it goes to the terminal, as kubectl lets it.
    """
    from kubernetes.config.exec_provider import ExecProvider

    provider = ExecProvider(exec_config, base_path, cluster)  # the library's parsing of command, args, env, cluster
    command = str(exec_config["command"])
    interactive = all(bool(getattr(stream, "isatty", lambda: False)()) for stream in (sys.stdin, sys.stdout))
    info: dict = {"apiVersion": provider.api_version, "kind": "ExecCredential", "spec": {"interactive": interactive}}
    if provider.cluster is not None:
        info["spec"]["cluster"] = dict(provider.cluster.value)
    env = dict(provider.env, KUBERNETES_EXEC_INFO=json.dumps(info))
    try:
        result = subprocess.run(provider.args, stdout=subprocess.PIPE, stderr=None if interactive else subprocess.PIPE,
                                stdin=None if interactive else subprocess.DEVNULL, cwd=provider.cwd, env=env,
                                text=True, errors="replace", check=False)
    except FileNotFoundError:
        raise CredentialError(f"getting credentials: exec: executable {command} not found") from None
    except OSError as error:
        raise CredentialError(f"getting credentials: exec: executable {command}: "
                              f"{(error.strerror or str(error)).lower()}") from None
    if result.returncode != 0:
        said = _first_line(result.stderr or "")
        code = f"exit code {result.returncode}" if result.returncode > 0 else f"signal {-result.returncode}"
        raise CredentialError(f"getting credentials: exec: executable {command} failed with {code}"
                              + (f": {said}" if said else ""))
    try:
        answer = json.loads(result.stdout)
    except ValueError as error:
        raise CredentialError(f"getting credentials: exec: executable {command} printed invalid JSON "
                              f"({error})") from None
    if not isinstance(answer, dict) or answer.get("kind") != "ExecCredential":
        raise CredentialError(f"getting credentials: exec: executable {command} printed no ExecCredential")
    if answer.get("apiVersion") != provider.api_version:
        raise CredentialError(f"getting credentials: exec: executable {command} answered apiVersion "
                              f"{answer.get('apiVersion')!r}, not {provider.api_version!r}")
    status = answer.get("status")
    if not isinstance(status, dict) or not (
            status.get("token") or (status.get("clientCertificateData") and status.get("clientKeyData"))):
        raise CredentialError(f"getting credentials: exec: executable {command} returned neither a token nor a "
                              "client certificate and key")
    return status


def _loader_class() -> Any:
    """The library's KubeConfigLoader, except that an exec plugin failure stops (it logs and goes on anonymously)."""
    from kubernetes.config.dateutil import parse_rfc3339
    from kubernetes.config.kube_config import FileOrData, KubeConfigLoader

    class StrictExecLoader(KubeConfigLoader):
        def _load_from_exec_plugin(self) -> Optional[bool]:
            user: Any = self._user
            cluster: Any = self._cluster
            if "exec" not in user:
                return None
            base_path = self._get_base_path(cluster.path)
            status = run_exec_plugin(user["exec"], base_path, cluster)
            if status.get("token"):
                self.token = f"Bearer {status['token']}"
            else:
                for attribute, key in (("cert_file", "clientCertificateData"), ("key_file", "clientKeyData")):
                    setattr(self, attribute, FileOrData(status, None, data_key_name=key, file_base_path=base_path,
                                                        base64_file_content=False,
                                                        temp_file_path=self._temp_file_path).as_file())
            if status.get("expirationTimestamp"):
                self.expiry = parse_rfc3339(status["expirationTimestamp"])
            return True

    return StrictExecLoader


def _insecure_tls(configuration: Any) -> None:
    """kubectl says nothing about insecure-skip-tls-verify; we say it once per command, not urllib3's warning
    (two lines) for every request."""
    import urllib3

    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    print(INSECURE_WARNING, file=sys.stderr)


def connect(options: ConnectionOptions) -> Connection:
    """Build a client from kubeconfig (or in-cluster config) without touching global client state."""
    try:
        from kubernetes import client
        from kubernetes.config.config_exception import ConfigException
        from kubernetes.config.incluster_config import InClusterConfigLoader
    except ImportError:  # pragma: no cover - the package is a dependency
        raise ClusterError("the 'kubernetes' Python package is not installed (pip install kubernetes)") from None

    configuration = client.Configuration()
    paths = _kubeconfig_paths(options.kubeconfig)
    if options.kubeconfig and not os.path.exists(paths[0]):
        raise ClusterError(f"kubeconfig {options.kubeconfig}: no such file")
    merged, used = merge_kubeconfigs(paths)
    namespace = options.namespace
    context_name = ""
    if used:
        contexts = {c.get("name"): c.get("context") or {} for c in merged["contexts"]}
        context_name = options.context or merged.get("current-context") or ""
        if options.context and options.context not in contexts:
            raise ClusterError(f'context "{options.context}" does not exist in {", ".join(used)}')
        if not context_name and not (options.cluster and options.user):
            raise ClusterError(f"no current context in {', '.join(used)}: pass --context")
        chosen = dict(contexts.get(context_name) or {})
        if options.cluster:
            chosen["cluster"] = options.cluster
        if options.user:
            chosen["user"] = options.user
        for key, section in (("cluster", "clusters"), ("user", "users")):
            names = {entry.get("name") for entry in merged[section]}
            if chosen.get(key) not in names and not (key == "user" and not chosen.get(key)):
                raise ClusterError(f'{key} "{chosen.get(key)}" of context "{context_name}" does not exist '
                                   f"in {', '.join(used)}")
        effective = "kubectl-hpa/effective"
        merged["contexts"] = [{"name": effective, "context": chosen}, *merged["contexts"]]
        try:
            _loader_class()(config_dict=merged, active_context=effective).load_and_set(configuration)
        except CredentialError:
            raise
        except ConfigException as error:
            raise ClusterError(f"invalid kubeconfig: {error}") from None
        except Exception as error:  # exec plugins and auth providers fail in many ways
            raise ClusterError(f"cannot load credentials of context \"{context_name}\": "
                               f"{' '.join(str(error).split())}") from None
        namespace = namespace or chosen.get("namespace") or "default"
    elif os.environ.get(SERVICE_HOST_ENV) and os.environ.get(SERVICE_PORT_ENV):
        try:
            InClusterConfigLoader(token_filename="/var/run/secrets/kubernetes.io/serviceaccount/token",
                                  cert_filename="/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
                                  ).load_and_set(configuration)
        except ConfigException as error:
            raise ClusterError(f"in-cluster configuration: {error}") from None
        if namespace is None:
            try:
                with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding="utf-8") as handle:
                    namespace = handle.read().strip() or "default"
            except OSError:
                namespace = "default"
        context_name = "in-cluster"
    else:
        raise ClusterError(f"no kubeconfig found ({os.pathsep.join(paths)}) and not running in a cluster: "
                           "pass --kubeconfig or set KUBECONFIG")
    # One attempt per request: a --request-timeout of 1s must take about 1s, not 4 (urllib3 retries).
    configuration.retries = False
    if configuration.host.startswith("https:") and configuration.verify_ssl is False:
        _insecure_tls(configuration)
    api = client.ApiClient(configuration)
    if options.as_user:
        api.set_default_header("Impersonate-User", options.as_user)
    connection = Connection(api, namespace or "default", configuration.host, options.request_timeout, context_name)
    connection.impersonate_groups = tuple(options.as_groups)
    return connection
