"""A read-only connection to a cluster through the official ``kubernetes`` client.

The only module (with ``cluster.py``) that imports ``kubernetes``, and only when a
command actually talks to a cluster. Kubeconfig handling follows kubectl: several
files in ``KUBECONFIG`` are merged (the first file to set a value wins), the
context comes from ``--context`` or ``current-context``, and ``--cluster`` /
``--user`` / ``--namespace`` override it. With no kubeconfig file, the in-cluster
service account is used. Every request is a GET; each one is recorded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote, urlencode

from .kube import Response


class ClusterError(Exception):
    """Connecting or reading failed in a way that stops the command; the message is one line."""


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
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as error:
            problem = getattr(error, "problem", None) or getattr(error, "strerror", None) or str(error).splitlines()[0]
            raise ClusterError(f"invalid kubeconfig {path}: {problem}") from None
        if not isinstance(data, dict):
            raise ClusterError(f"invalid kubeconfig {path}: not a mapping")
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
        """GET a raw API path through the client (auth, TLS, impersonation); never raises for HTTP errors."""
        import urllib3

        full = path + ("?" + urlencode(query, quote_via=quote, safe="") if query else "")
        self.requests.append(("GET", full))
        try:
            method, url, headers, _body, _post = self.api.param_serialize(
                "GET", path, query_params=list((query or {}).items()),
                header_params={"Accept": "application/json"}, auth_settings=["BearerToken"])
            if self.impersonate_groups:  # one header line per group, as kubectl sends them
                headers = urllib3.HTTPHeaderDict(headers)
                for group in self.impersonate_groups:
                    headers.add("Impersonate-Group", group)
            response = self.api.call_api(method, url, header_params=headers, _request_timeout=self.timeout)
            raw = response.read()
        except (urllib3.exceptions.TimeoutError, urllib3.exceptions.MaxRetryError,
                urllib3.exceptions.HTTPError, OSError) as error:
            return Response("GET", full, 0, error=_client_error(error, self.host + full, self.timeout))
        except Exception as error:  # the client's own ApiException (TLS, bad arguments)
            reason = getattr(error, "reason", None) or str(error)
            return Response("GET", full, 0, error=" ".join(str(reason).split()))
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        try:
            body = json.loads(text) if text.strip().startswith(("{", "[")) else None
        except json.JSONDecodeError:
            body = None
        return Response("GET", full, int(response.status), body, text)


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


def connect(options: ConnectionOptions) -> Connection:
    """Build a client from kubeconfig (or in-cluster config) without touching global client state."""
    try:
        from kubernetes import client
        from kubernetes.config.config_exception import ConfigException
        from kubernetes.config.incluster_config import InClusterConfigLoader
        from kubernetes.config.kube_config import KubeConfigLoader
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
            KubeConfigLoader(config_dict=merged, active_context=effective).load_and_set(configuration)
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
    api = client.ApiClient(configuration)
    if options.as_user:
        api.set_default_header("Impersonate-User", options.as_user)
    connection = Connection(api, namespace or "default", configuration.host, options.request_timeout, context_name)
    connection.impersonate_groups = tuple(options.as_groups)
    return connection
