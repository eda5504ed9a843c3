"""A test Kubernetes API server over real HTTP, driven by the same snapshot files as ``explain -f``.

It serves real-shaped JSON for what kubectl-hpa reads (HPAs, /scale, pods by label
selector, PodMetrics, custom and external metric lists, discovery, Events,
APIServices, VPAs, ScaledObjects), answers like kube-apiserver and the aggregator
do when a metrics API is missing (``404 page not found``) or unavailable
(``service unavailable``, 503), replays the failed reads a snapshot records
(Status objects annotated with ``kubectl-hpa.io/request``), and injects faults
(403/404/410/500, slow answers, and answers dripped a byte at a time). Every request is recorded, with its method
and headers, so tests can assert read-only access and request counts. ``/version`` answers as kube-apiserver
does, for ``git_version`` (default :data:`GIT_VERSION`, or the ``kubectl-hpa.io/kubernetes-version`` a loaded
snapshot recorded); ``version_fails`` makes it fail instead.

One HTTP server serves every test of a module (``serve``; stopping one takes 0.5 s), and each
test gets a fresh ``FakeAPIServer`` on it (``FakeAPIServer.fresh``): new state, new request log,
and a new URL path prefix (the kubeconfig's server is ``http://127.0.0.1:PORT/t<N>``), so a
client left over from an earlier test (a slow read, a watch, an engine thread) is answered 404 and
never shows in this test's requests (paths without any such prefix are served: ``kubectl get
--raw`` drops the server URL's path). ``run`` and ``CUSTOM_API`` are the CLI runner and the custom
metrics APIService the tests share.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote

import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from kubectl_hpa.cli.main import cli
from kubectl_hpa.core.selector import parse_selector
from kubectl_hpa.sources.kube import CLIENT_SIDE, KUBERNETES_VERSION, REQUEST
from kubectl_hpa.sources.snapshot import load_text
from tests.helpers import snapshot_builders

BUILTIN = {("apps", "deployments"): "Deployment", ("apps", "statefulsets"): "StatefulSet",
           ("apps", "replicasets"): "ReplicaSet", ("", "replicationcontrollers"): "ReplicationController"}
MAX_DELAY = 5.0  # every injected delay is bounded
DRIP_CAP = 30.0  # every dripped answer ends within this many seconds, sent or not
WATCH_CAP = 30.0  # every watch stream is bounded in time
WATCHED = {"horizontalpodautoscalers": "HorizontalPodAutoscaler", "pods": "Pod", "events": "Event",
           **{plural: kind for (_group, plural), kind in BUILTIN.items()}}
CUSTOM_API = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
              "metadata": {"name": "v1beta1.custom.metrics.k8s.io"},
              "spec": {"group": "custom.metrics.k8s.io", "version": "v1beta1",
                       "service": {"namespace": "monitoring", "name": "prometheus-adapter", "port": 443}},
              "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                         "message": "all checks passed"}]}}
GIT_VERSION = "v1.37.2"
"""What the fake API server's ``/version`` reports unless a test or the loaded snapshot says otherwise."""
_PREFIXES = itertools.count(1)
_PREFIX = re.compile(r"^/t[0-9]+(/|$)")  # no Kubernetes API path looks like this


def serve(ssl_context: Any = None) -> HTTPServer:
    """A started HTTP server on a free local port, for ``FakeAPIServer.fresh`` to serve tests on.

    With an ``ssl.SSLContext`` it serves HTTPS (and the fake's ``url`` and kubeconfig say https://).
    """
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True, ssl_context=ssl_context)
    server.start()
    return server


def run(kubeconfig, *args: str, env: Optional[dict] = None) -> tuple[int, str, str]:
    """The CLI in process against ``kubeconfig``, as ``kubectl hpa`` without colour: (exit code, stdout, stderr)."""
    environment = {"NO_COLOR": "1", "KUBECONFIG": str(kubeconfig), **(env or {})}
    result = CliRunner().invoke(cli, list(args), env=environment, prog_name="kubectl hpa")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _ns(obj: dict) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def _name(obj: dict) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _strip_kind(obj: dict) -> dict:
    """List items as a real server sends them: no kind/apiVersion."""
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


def _selector_string(raw: Optional[dict]) -> str:
    from kubectl_hpa.sources.kube import label_selector, selector_query

    return selector_query(label_selector(raw))


class FakeAPIServer:
    """Wraps a pytest-httpserver; ``load`` swaps the served snapshot, ``faults`` injects failures."""

    def __init__(self, server: HTTPServer, prefix: str = ""):
        self.server = server
        self.prefix = prefix.rstrip("/")  # the kubeconfig server URL's path; another test's prefix gets 404
        self.objects: list[dict] = []
        self.annotations: dict = {}
        self.faults: list[tuple[re.Pattern, int, Any, float]] = []
        self.drips: list[tuple[re.Pattern, float, Optional[str]]] = []  # (path, seconds per byte, body)
        self.tokens: Optional[set[str]] = None  # accepted bearer tokens (None: any)
        self.git_version = GIT_VERSION  # what /version reports
        self.requests: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()
        # Watch support: every change made through upsert/remove is logged with a resourceVersion;
        # a watch replays the log after its resourceVersion, then waits for more (bounded).
        self.rv = 48300
        self.compacted = 48300  # watches from an older resourceVersion get an ERROR event with 410 Gone
        self.change_log: list[tuple[int, str, dict]] = []  # (resourceVersion, ADDED|MODIFIED|DELETED, object)
        self.watch_cap = WATCH_CAP  # seconds a watch stays open at most, whatever timeoutSeconds asks
        self.open_watches = 0
        self._changed = threading.Condition(self._lock)
        self._drops = 0  # drop_watches() generation
        self._abrupt = False
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @classmethod
    def fresh(cls, server: HTTPServer) -> FakeAPIServer:
        """A new fake on a shared server: the previous test's handler goes, a new URL prefix comes."""
        server.clear()  # handlers, log, recorded handler errors
        if not server.is_running():  # a test that failed half-way through restart()
            server.start()
        return cls(server, prefix=f"/t{next(_PREFIXES)}")

    def close(self) -> None:
        """End this fake's open watch streams (the server goes on serving the next test)."""
        self.drop_watches(abrupt=False)

    # ------------------------------------------------------------------ set-up

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/") + self.prefix

    def load(self, source: Any) -> None:
        if isinstance(source, (str, Path)) and Path(source).exists():
            text = Path(source).read_text()
        elif isinstance(source, dict):
            text = json.dumps(source)
        else:
            text = str(source)
        snapshot = load_text(text, "server")
        self.objects = [dict(o) for o in snapshot.objects]
        self.annotations = dict(snapshot.annotations)
        recorded = str(self.annotations.get(KUBERNETES_VERSION, GIT_VERSION))
        self.git_version = recorded if recorded.startswith("v") else f"v{recorded}"
        self.faults = []
        self.drips = []
        self.reset_log()

    def add(self, *objects: dict) -> None:
        self.objects.extend(objects)

    def fault(self, path_regex: str, code: int, body: Any = None, delay: float = 0.0) -> None:
        """Answer requests whose path (and query) match with ``code`` and ``body`` after ``delay`` seconds."""
        self.faults.append((re.compile(path_regex), code, body, min(delay, MAX_DELAY)))

    def version_fails(self, code: int = 403, delay: float = 0.0) -> None:
        """``/version`` answers ``code`` (403 forbidden, 404 on a server that hides it, 500...) after ``delay``."""
        reasons = {403: "Forbidden", 404: "NotFound", 500: "InternalError", 503: "ServiceUnavailable"}
        message = ('forbidden: User "dev" cannot get path "/version"' if code == 403
                   else "the server could not find the requested resource" if code == 404 else "an error on the server")
        self.fault(r"^/version$", code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                          "message": message, "reason": reasons.get(code, "Unknown"), "code": code},
                   delay=delay)

    def drip(self, path_regex: str, interval: float = 1.0, body: Optional[str] = None) -> None:
        """Send the answer to matching requests one byte every ``interval`` seconds (headers at once, with the
        full Content-Length), as a server stuck behind a slow link does: the normal answer, or ``body`` (200, JSON).

        Bounded: a drip stops after ``DRIP_CAP`` seconds, when the client goes away, or when the fake is closed.
        """
        self.drips.append((re.compile(path_regex), max(interval, 0.001), body))

    def reset_log(self) -> None:
        with self._lock:
            self.requests = []

    def kubeconfig(self, path: Path, token: str = "t0ken", namespace: str = "default", name: str = "test",
                   user: Optional[dict] = None, cluster: Optional[dict] = None) -> Path:
        """A kubeconfig for this fake; ``user`` replaces the token user (an exec plugin...), ``cluster`` adds
        keys to the cluster entry (``insecure-skip-tls-verify``, ``certificate-authority``...)."""
        config = {"apiVersion": "v1", "kind": "Config", "current-context": name,
                  "clusters": [{"name": name, "cluster": {"server": self.url, **(cluster or {})}}],
                  "users": [{"name": name, "user": user if user is not None else {"token": token}}],
                  "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}]}
        path.write_text(yaml.safe_dump(config))
        return path

    # ------------------------------------------------------------------ serving

    def handle(self, request: Request) -> Response:
        response = self._answer(request)
        path = request.path
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            path = path[len(self.prefix):] or "/"
        elif _PREFIX.match(path):  # another test's client: answered by _answer, never dripped
            return response
        full = path + (f"?{request.query_string.decode()}" if request.query_string else "")
        for pattern, interval, body in self.drips:
            if pattern.search(unquote(full)):
                if body is not None:
                    response = Response(body, status=200, content_type="application/json")
                return self._dripped(response, interval)
        return response

    def _dripped(self, response: Response, interval: float) -> Response:
        """``response`` with its body sent one byte per ``interval`` (bounded by DRIP_CAP and ``close``)."""
        data = response.get_data()
        with self._changed:
            drops = self._drops

        def stream():
            deadline = time.monotonic() + DRIP_CAP
            for index in range(len(data)):
                yield data[index:index + 1]
                with self._changed:
                    if self._drops == drops and time.monotonic() < deadline:
                        self._changed.wait(min(interval, max(0.0, deadline - time.monotonic())))
                    if self._drops != drops or time.monotonic() >= deadline:
                        return

        dripped = Response(stream(), status=response.status_code, headers=dict(response.headers))
        dripped.headers["Content-Length"] = str(len(data))
        return dripped

    def _answer(self, request: Request) -> Response:
        path = request.path
        if self.prefix and (path == self.prefix or path.startswith(self.prefix + "/")):
            path = path[len(self.prefix):] or "/"
        elif _PREFIX.match(path):  # another test's prefix: a client that outlived its test
            return Response("404 page not found (a client of an earlier test)\n", status=404,
                            content_type="text/plain; charset=utf-8")
        # else an API path without prefix: a client that drops the kubeconfig server's path (kubectl get --raw)
        full = path + (f"?{request.query_string.decode()}" if request.query_string else "")
        with self._lock:
            self.requests.append((request.method, full, dict(request.headers)))
        for pattern, code, body, delay in self.faults:
            if pattern.search(unquote(full)):
                if delay:
                    time.sleep(delay)
                if code == 200 and body is None:
                    break
                return self._reply(code, body)
        if self.tokens is not None:
            auth = request.headers.get("Authorization", "")
            if auth.removeprefix("Bearer ") not in self.tokens:
                return self._status(401, "Unauthorized", "Unauthorized")
        if request.method != "GET":
            return self._status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        recorded = self._recorded_failure(path)
        if recorded is not None:
            return recorded
        if request.args.get("watch") in ("true", "1"):
            return self._watch(path, request.args, request.environ.get("werkzeug.socket"))
        try:
            body = self.route(path, request.args)
        except LookupError as missing:
            return self._status(404, "NotFound", str(missing.args[0]) if missing.args else "not found")
        if isinstance(body, Response):
            return body
        return Response(json.dumps(body), status=200, content_type="application/json")

    def _reply(self, code: int, body: Any) -> Response:
        if isinstance(body, (dict, list)):
            return Response(json.dumps(body), status=code, content_type="application/json")
        return Response(str(body or ""), status=code, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _status(code: int, reason: str, message: str, details: Optional[dict] = None) -> Response:
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                  "reason": reason, "code": code}
        if details:
            status["details"] = details
        return Response(json.dumps(status), status=code, content_type="application/json")

    def _recorded_failure(self, path: str) -> Optional[Response]:
        """A Status recorded in the snapshot for this request: answer as the real component would."""
        for item in self.objects:
            if item.get("kind") != "Status":
                continue
            annotations = (item.get("metadata") or {}).get("annotations") or {}
            if annotations.get(CLIENT_SIDE) == "true":
                continue  # the client produced it; the served data reproduces its cause
            request = str(annotations.get(REQUEST, ""))
            if request.partition(" ")[2].split("?", 1)[0] != path:
                continue
            message, code = str(item.get("message", "")), int(item.get("code") or 500)
            if message.startswith("the server could not find the requested resource ("):
                return Response("404 page not found\n", status=404, content_type="text/plain; charset=utf-8")
            if message.startswith("the server is currently unable to handle the request ("):
                return Response("service unavailable\n", status=503, content_type="text/plain; charset=utf-8")
            if message.startswith("an error on the server ("):
                inner = re.search(r'\("(.*)"\)', message)
                return Response((inner.group(1) if inner else "") + "\n", status=code, content_type="text/plain")
            return self._status(code, str(item.get("reason", "")), message)
        return None

    def of_kind(self, kind: str, namespace: Optional[str] = None) -> list[dict]:
        return [o for o in self.objects if o.get("kind") == kind and (namespace is None or _ns(o) == namespace)]

    def _apiservice(self, group: str) -> Optional[dict]:
        for item in self.of_kind("APIService"):
            if _name(item).split(".", 1)[-1] == group:
                return item
        return None

    def _group_gate(self, group: str) -> Optional[Response]:
        """The aggregator: 404 when no APIService serves the group, 503 when it is not Available."""
        service = self._apiservice(group)
        if service is None:
            return Response("404 page not found\n", status=404, content_type="text/plain; charset=utf-8")
        available = [c for c in (service.get("status") or {}).get("conditions") or () if c.get("type") == "Available"]
        if available and available[0].get("status") != "True":
            return Response("service unavailable\n", status=503, content_type="text/plain; charset=utf-8")
        return None

    def _list(self, kind: str, api_version: str, items: list[dict]) -> dict:
        return {"kind": f"{kind}List", "apiVersion": api_version, "metadata": {"resourceVersion": str(self.rv)},
                "items": [_strip_kind(i) for i in items]}

    @staticmethod
    def _by_labels(items: list[dict], selector: Optional[str]) -> list[dict]:
        if not selector:
            return items
        matcher = parse_selector(selector)
        return [i for i in items if matcher.matches((i.get("metadata") or {}).get("labels") or {})]

    def route(self, path: str, args: Any) -> Any:
        parts = [p for p in path.split("/") if p]
        selector = args.get("labelSelector")
        if parts == ["version"]:
            return self._version()
        if parts[:2] == ["apis", "apiregistration.k8s.io"] and parts[-1] == "apiservices":
            return self._list("APIService", "apiregistration.k8s.io/v1", self.of_kind("APIService"))
        if len(parts) == 3 and parts[0] == "apis":  # group-version discovery
            group_version = f"{parts[1]}/{parts[2]}"
            for item in self.of_kind("APIResourceList"):
                if item.get("groupVersion") == group_version:
                    return _strip_kind(item) | {"kind": "APIResourceList", "apiVersion": "v1"}
            if parts[1] in ("custom.metrics.k8s.io", "external.metrics.k8s.io", "metrics.k8s.io"):
                gate = self._group_gate(parts[1])
                if gate is not None:
                    return gate
                return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": []}
            if parts[1] == "apps":
                return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": [
                    {"name": plural, "singularName": "", "namespaced": True, "kind": kind,
                     "verbs": ["get", "list", "watch"]} for (g, plural), kind in BUILTIN.items() if g == "apps"]
                    + [{"name": f"{plural}/scale", "singularName": "", "namespaced": True, "group": "autoscaling",
                        "version": "v1", "kind": "Scale", "verbs": ["get"]}
                       for (g, plural), _kind in BUILTIN.items() if g == "apps"]}
            return Response("404 page not found\n", status=404, content_type="text/plain; charset=utf-8")
        ns, rest, group, version = self._split(parts)
        if group == "autoscaling" and rest[:1] == ["horizontalpodautoscalers"]:
            items = self.of_kind("HorizontalPodAutoscaler", ns)
            if len(rest) == 2:
                return self._one(items, rest[1], "horizontalpodautoscalers.autoscaling")
            return self._list("HorizontalPodAutoscaler", f"autoscaling/{version}", items)
        if group == "" and rest[:1] == ["pods"]:
            return self._list("Pod", "v1", self._by_labels(self.of_kind("Pod", ns), selector))
        if group == "" and rest[:1] == ["events"]:
            events = self.of_kind("Event", ns)
            for clause in (args.get("fieldSelector") or "").split(","):
                key, _, value = clause.partition("=")
                if key.startswith("involvedObject."):
                    field = key.split(".", 1)[1]
                    events = [e for e in events if str((e.get("involvedObject") or {}).get(field)) == value]
            return self._list("Event", "v1", events)
        if group == "metrics.k8s.io":
            gate = self._group_gate(group)
            if gate is not None:
                return gate
            return self._list("PodMetrics", "metrics.k8s.io/v1beta1",
                              self._by_labels(self.of_kind("PodMetrics", ns), selector))
        if group == "custom.metrics.k8s.io":
            return self._custom(ns, rest, selector, version)
        if group == "external.metrics.k8s.io":
            gate = self._group_gate(group)
            if gate is not None:
                return gate
            metric = rest[0] if rest else ""
            wanted = {}
            for clause in (selector or "").split(","):
                if "=" in clause:
                    key, _, value = clause.partition("=")
                    wanted[key] = value
            items = [i for listing in self.of_kind("ExternalMetricValueList") for i in listing.get("items") or ()
                     if i.get("metricName") == metric
                     and all(str((i.get("metricLabels") or {}).get(k)) == v for k, v in wanted.items())]
            return {"kind": "ExternalMetricValueList", "apiVersion": f"external.metrics.k8s.io/{version}",
                    "metadata": {}, "items": items}
        if rest and (group, rest[0]) in BUILTIN or (rest and len(rest) >= 3 and rest[2] == "scale"):
            return self._workload(ns, rest, group, version)
        for kind, plural in (("VerticalPodAutoscaler", "verticalpodautoscalers"), ("ScaledObject", "scaledobjects")):
            if rest[:1] == [plural]:
                items = self.of_kind(kind, ns)
                if not items and self._apiservice(group) is None:
                    return Response("404 page not found\n", status=404, content_type="text/plain")
                return self._list(kind, f"{group}/{version}", items)
        return Response("404 page not found\n", status=404, content_type="text/plain; charset=utf-8")

    def _version(self) -> dict:
        """``/version`` as kube-apiserver serves it (version.Info) for ``git_version``."""
        match = re.match(r"^v(\d+)\.(\d+)", self.git_version)
        major, minor = match.groups() if match else ("", "")
        return {"major": major, "minor": minor, "emulationMajor": major, "emulationMinor": minor,
                "minCompatibilityMajor": major, "minCompatibilityMinor": str(max(0, int(minor or 1) - 1)),
                "gitVersion": self.git_version, "gitCommit": "0123456789abcdef0123456789abcdef01234567",
                "gitTreeState": "clean", "buildDate": "2026-11-12T10:00:00Z", "goVersion": "go1.25.4",
                "compiler": "gc", "platform": "linux/amd64"}

    @staticmethod
    def _split(parts: list[str]) -> tuple[Optional[str], list[str], str, str]:
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        else:
            group, version, rest = parts[1], parts[2], parts[3:]
        ns = None
        if rest[:1] == ["namespaces"] and len(rest) >= 2:
            ns, rest = rest[1], rest[2:]
        return ns, rest, group, version

    @staticmethod
    def _one(items: list[dict], name: str, resource: str) -> dict:
        for item in items:
            if _name(item) == name:
                return item
        raise LookupError(f'{resource} "{name}" not found')

    def _workload(self, ns: Optional[str], rest: list[str], group: str, version: str) -> Any:
        kind = BUILTIN.get((group, rest[0]))
        if kind is None:  # a custom resource: only a Scale object in the snapshot can answer
            if len(rest) >= 3 and rest[2] == "scale":
                for scale in self.of_kind("Scale", ns):
                    if _name(scale) == rest[1]:
                        return scale
            return Response("404 page not found\n", status=404, content_type="text/plain")
        resource = f"{rest[0]}.{group}" if group else rest[0]
        items = self.of_kind(kind, ns)
        if len(rest) == 1:
            return self._list(kind, f"{group}/{version}" if group else version, items)
        if len(rest) >= 3 and rest[2] == "scale":
            for scale in self.of_kind("Scale", ns):
                if _name(scale) == rest[1]:
                    return scale
            resource = f"{rest[0]}/scale.{group}" if group else f"{rest[0]}/scale"
            workload = self._one(items, rest[1], resource)
            spec, status = workload.get("spec") or {}, workload.get("status") or {}
            if kind == "ReplicationController":
                selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
            else:
                selector = _selector_string(spec.get("selector"))
            metadata = workload.get("metadata") or {}
            return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                    "metadata": {"name": metadata.get("name"), "namespace": metadata.get("namespace"),
                                 "uid": metadata.get("uid"), "resourceVersion": metadata.get("resourceVersion"),
                                 "creationTimestamp": metadata.get("creationTimestamp")},
                    "spec": {"replicas": spec.get("replicas", 1)},
                    "status": {"replicas": status.get("replicas", 0), "selector": selector}}
        return self._one(items, rest[1], resource)

    def _custom(self, ns: Optional[str], rest: list[str], selector: Optional[str], version: str) -> Any:
        gate = self._group_gate("custom.metrics.k8s.io")
        if gate is not None:
            return gate
        if len(rest) != 3:
            return Response("404 page not found\n", status=404, content_type="text/plain")
        plural, object_name, metric = rest
        discovery = next((i for i in self.of_kind("APIResourceList")
                          if str(i.get("groupVersion", "")).startswith("custom.metrics.k8s.io/")), None)
        if discovery is not None and f"{plural}/{metric}" not in {r.get("name") for r in discovery.get("resources") or ()}:
            return self._status(404, "NotFound", f"the server could not find the metric {metric} for {plural}")
        pods = {_name(p) for p in self._by_labels(self.of_kind("Pod", ns), selector)} if plural == "pods" else None
        items = []
        for listing in self.of_kind("MetricValueList"):
            listing_version = str(listing.get("apiVersion", ""))
            for item in listing.get("items") or ():
                name = item.get("metricName") if listing_version.endswith("v1beta1") else (item.get("metric") or {}).get("name")
                described = item.get("describedObject") or {}
                if name != metric or (described.get("namespace") or ns) != ns:
                    continue
                if plural == "pods" and (described.get("kind") != "Pod" or described.get("name") not in pods):
                    continue
                if plural != "pods" and described.get("name") != object_name:
                    continue
                items.append(self._as_version(item, listing_version, version))
        if not items and plural != "pods":
            return self._status(404, "NotFound", f"the server could not find the metric {metric} for {plural} "
                                                 f"{object_name}")
        return {"kind": "MetricValueList", "apiVersion": f"custom.metrics.k8s.io/{version}", "metadata": {},
                "items": items}

    @staticmethod
    def _as_version(item: dict, have: str, want: str) -> dict:
        if have.endswith(want):
            return item
        out = {k: v for k, v in item.items() if k not in ("metric", "metricName", "windowSeconds", "window")}
        if want == "v1beta1":
            out["metricName"] = (item.get("metric") or {}).get("name")
            if item.get("windowSeconds") is not None:
                out["window"] = item["windowSeconds"]
        else:
            out["metric"] = {"name": item.get("metricName"), "selector": None}
            if item.get("window") is not None:
                out["windowSeconds"] = item["window"]
        return out

    # ------------------------------------------------------------------ watch streams

    def upsert(self, obj: dict) -> dict:
        """Add or replace an object (by kind, namespace, name) as a write would: new resourceVersion, a watch event."""
        with self._changed:
            self.rv += 1
            obj = {**obj, "metadata": {**(obj.get("metadata") or {}), "resourceVersion": str(self.rv)}}
            key = (obj.get("kind"), _ns(obj), _name(obj))
            for index, item in enumerate(self.objects):
                if (item.get("kind"), _ns(item), _name(item)) == key:
                    self.objects[index] = obj
                    self.change_log.append((self.rv, "MODIFIED", obj))
                    break
            else:
                self.objects.append(obj)
                self.change_log.append((self.rv, "ADDED", obj))
            self._changed.notify_all()
            return obj

    def remove(self, kind: str, namespace: str, name: str) -> None:
        with self._changed:
            for index, item in enumerate(self.objects):
                if (item.get("kind"), _ns(item), _name(item)) == (kind, namespace, name):
                    self.rv += 1
                    gone = self.objects.pop(index)
                    gone = {**gone, "metadata": {**(gone.get("metadata") or {}), "resourceVersion": str(self.rv)}}
                    self.change_log.append((self.rv, "DELETED", gone))
                    self._changed.notify_all()
                    return
        raise LookupError(f"{kind} {namespace}/{name} not served")

    def compact(self) -> None:
        """etcd compaction: every resourceVersion handed out so far is too old; watches from one get 410 Gone."""
        with self._changed:
            self.rv += 1
            self.compacted = self.rv
            self.change_log = []
            self._changed.notify_all()

    def drop_watches(self, abrupt: bool = True) -> None:
        """End every open watch: abruptly (the connection breaks mid-stream) or as a server timeout does."""
        with self._changed:
            self._drops += 1
            self._abrupt = abrupt
            self._changed.notify_all()

    def restart(self, compact: bool = True) -> None:
        """An API server restart: open watches break, the port refuses connections, then serves again."""
        self.drop_watches(abrupt=True)
        self.server.stop()
        if compact:
            self.compact()
        self.server.start()

    def _watch(self, path: str, args: Any, sock: Any = None) -> Response:
        parts = [p for p in path.split("/") if p]
        ns, rest, _group, _version = self._split(parts)
        kind = WATCHED.get(rest[0] if rest else "")
        if kind is None:
            return self._status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        try:
            since = int(args.get("resourceVersion") or 0)
        except ValueError:
            return self._status(400, "BadRequest", f"invalid resource version: {args.get('resourceVersion')}")
        timeout = min(float(args.get("timeoutSeconds") or self.watch_cap), self.watch_cap)
        selector = args.get("labelSelector")
        matcher = parse_selector(selector) if selector else None
        fields = [clause.partition("=")[::2] for clause in (args.get("fieldSelector") or "").split(",") if clause]

        def wanted(obj: dict) -> bool:
            if obj.get("kind") != kind or (ns is not None and _ns(obj) != ns):
                return False
            if matcher is not None and not matcher.matches((obj.get("metadata") or {}).get("labels") or {}):
                return False
            for key, value in fields:
                source: Any = obj
                for step in key.split("."):
                    source = (source or {}).get(step) if isinstance(source, dict) else None
                if str(source) != value:
                    return False
            return True

        def stream():
            with self._changed:
                self.open_watches += 1
                drops = self._drops
                gone = since and since < self.compacted
            try:
                if gone:
                    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": f"too old resource version: {since} ({self.compacted})", "reason": "Expired",
                              "code": 410}
                    yield json.dumps({"type": "ERROR", "object": status}) + "\n"
                    return
                sent, deadline = since or self.rv, time.monotonic() + timeout
                while True:
                    with self._changed:
                        pending = [(rv, kind_, obj) for rv, kind_, obj in self.change_log if rv > sent]
                        if not pending and self._drops == drops and time.monotonic() < deadline:
                            self._changed.wait(min(0.5, max(0.0, deadline - time.monotonic())))
                            pending = [(rv, kind_, obj) for rv, kind_, obj in self.change_log if rv > sent]
                        dropped, abrupt = self._drops != drops, self._abrupt
                    for rv, event, obj in pending:
                        sent = rv
                        if wanted(obj):
                            yield json.dumps({"type": event, "object": obj}) + "\n"
                    if dropped:
                        if abrupt:  # break the TCP connection mid-stream, as a crashing server does
                            if sock is not None:
                                import contextlib
                                import socket

                                with contextlib.suppress(OSError):
                                    sock.shutdown(socket.SHUT_RDWR)
                            raise ConnectionAbortedError("watch dropped by the test")
                        return
                    if time.monotonic() >= deadline:
                        return
            finally:
                with self._changed:
                    self.open_watches -= 1

        return Response(stream(), status=200, content_type="application/json")

    # ------------------------------------------------------------------ assertions

    def methods(self) -> set[str]:
        return {method for method, _path, _headers in self.requests}

    def paths(self) -> list[str]:
        return [path for _method, path, _headers in self.requests]


def scaled_hpa(api: FakeAPIServer, pods: int, name: str = "web", ns: str = "shop") -> None:
    """A Deployment of ``pods`` pods at 100m of 200m CPU and its HPA (50%, 1-2000): the request-count cases."""
    build = snapshot_builders()
    deploy = build.deployment(name, name, "nginx:1.27", pods, {"cpu": "200m"}, namespace=ns)
    items = [build.pod(deploy, i) for i in range(pods)]
    for i, item in enumerate(items):
        item["metadata"]["name"] = f"{name}-{i:05d}"
    api.add(build.hpa(name, name, 1, 2000, [build.cpu_metric(50)], {}, namespace=ns), deploy, *items,
            *[build.pod_metrics(p, {name: {"cpu": "100m"}}) for p in items])


def empty_cluster(api: FakeAPIServer) -> None:
    """A cluster with an Available metrics-server APIService and nothing else."""
    api.load({"apiVersion": "v1", "kind": "List", "metadata": {"annotations": {
        "kubectl-hpa.io/captured-at": "2026-11-30T10:00:00Z"}}, "items": [{
            "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": "v1beta1.metrics.k8s.io"},
            "spec": {"group": "metrics.k8s.io", "version": "v1beta1",
                     "service": {"namespace": "kube-system", "name": "metrics-server"}},
            "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed"}]}}]})
