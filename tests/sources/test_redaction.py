"""A live read keeps what the controller and the checks read, and nothing a secret can hide in.

The canary tests plant a marked string in every place of the served objects where a secret can
hide (env values and sources, args and command, init, sidecar and ephemeral containers, probes,
annotations, last-applied-configuration, managedFields, volume sources, the metrics-server flags'
values), then read the cluster through the real client over real HTTP: the marks must appear in no
output, while the checks that need some of those fields (F03, F20, F28) still fire with their evidence.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from kubectl_hpa.sources.cluster_client import ConnectionOptions
from kubectl_hpa.sources.kube import LAST_APPLIED, REDACTED
from kubectl_hpa.sources.redact import (
    REDACTED_NOTE,
    redact,
    redact_annotations,
    redact_args,
    redact_container,
    redact_last_applied,
    redact_managed_fields,
    redact_metrics_server,
    redact_pod_spec,
)
from kubectl_hpa.usecases.explain import read_cluster
from tests.apiserver import run
from tests.helpers import SNAPSHOTS

DIAGNOSTICS = SNAPSHOTS / "diagnostics"
AT = ("--at", "2026-11-30T10:00:00Z")
CANARY = "CANARY-7f3a"


# ----------------------------------------------------------------------------- planting


class Planted:
    """Numbered canaries: each place gets its own, so a leak names the place."""

    def __init__(self) -> None:
        self.places: list[str] = []

    def __call__(self, place: str) -> str:
        self.places.append(place)
        return f"{CANARY}-{len(self.places):02d}"

    def found(self, text: str) -> list[str]:
        return [place for i, place in enumerate(self.places, 1) if f"{CANARY}-{i:02d}" in text]


def _secret_container(mark: Planted, where: str, name: str) -> dict[str, Any]:
    """A container with a canary in every field of it a secret can be written into."""
    return {
        "name": name, "image": "app:1",
        "command": ["/bin/app", f"--password={mark(f'{where} command')}"],
        "args": ["--token", mark(f"{where} args")],
        "env": [{"name": "DB_PASSWORD", "value": mark(f"{where} env value")},
                {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": mark(f"{where} env secretKeyRef name"),
                                                                   "key": mark(f"{where} env secretKeyRef key")}}}],
        "envFrom": [{"secretRef": {"name": mark(f"{where} envFrom secretRef")}, "prefix": mark(f"{where} envFrom prefix")},
                    {"configMapRef": {"name": mark(f"{where} envFrom configMapRef")}}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "httpHeaders": [
            {"name": "Authorization", "value": mark(f"{where} probe header")}]}},
        "livenessProbe": {"exec": {"command": ["check", mark(f"{where} probe exec")]}},
        "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", mark(f"{where} preStop")]}}},
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
    }


def _plant_pod_spec(spec: dict[str, Any], mark: Planted, where: str) -> None:
    for container in spec.get("containers") or ():
        extra = _secret_container(mark, f"{where} container", container["name"])
        container.update({k: v for k, v in extra.items() if k not in ("name", "image", "resources")})
    sidecar = _secret_container(mark, f"{where} native sidecar", "vault-agent")
    sidecar["restartPolicy"] = "Always"
    spec["initContainers"] = [_secret_container(mark, f"{where} init container", "migrate"), sidecar]
    ephemeral = _secret_container(mark, f"{where} ephemeral container", "debugger")
    del ephemeral["resources"]
    spec["ephemeralContainers"] = [ephemeral]
    spec["volumes"] = [
        {"name": "creds", "secret": {"secretName": mark(f"{where} volume secretName"),
                                     "items": [{"key": mark(f"{where} volume secret key"), "path": "k"}]}},
        {"name": "conf", "configMap": {"name": "conf", "items": [{"key": mark(f"{where} volume configMap key"),
                                                                  "path": "c"}]}},
        {"name": "proj", "projected": {"sources": [{"secret": {"name": mark(f"{where} projected secret")}}]}},
        {"name": "csi", "csi": {"driver": "secrets-store", "volumeAttributes": {"token": mark(f"{where} csi attr")}}},
    ]


def _plant_metadata(obj: dict[str, Any], mark: Planted, where: str) -> None:
    meta = obj.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations["vault.hashicorp.com/agent-inject-secret-db"] = mark(f"{where} annotation value")
    applied = json.loads(annotations[LAST_APPLIED]) if LAST_APPLIED in annotations else {
        "apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "metadata": {"name": meta.get("name")}}
    applied.setdefault("metadata", {})["annotations"] = {"secret": mark(f"{where} last-applied annotation")}
    applied.setdefault("spec", {})["env"] = [{"name": "X", "value": mark(f"{where} last-applied spec")}]
    annotations[LAST_APPLIED] = json.dumps(applied)
    meta["annotations"] = annotations
    meta["managedFields"] = list(meta.get("managedFields") or ()) + [
        {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
         "time": "2026-11-30T09:00:00Z",
         "fieldsV1": {"f:metadata": {"f:annotations": {f"f:{mark(f'{where} managedFields key')}": {}}}}}]


def plant(objects: list[dict[str, Any]], mark: Planted, metrics_server_flags: tuple[str, ...] = ()) -> list[dict]:
    """The served objects with canaries everywhere (the fixtures share containers through YAML anchors: copy)."""
    out = [copy.deepcopy(o) for o in objects]
    for obj in out:
        kind, name = obj.get("kind"), (obj.get("metadata") or {}).get("name")
        where = f"{kind}/{name}"
        if kind in ("HorizontalPodAutoscaler", "Pod", "Deployment"):
            _plant_metadata(obj, mark, where)
        if kind == "Pod":
            _plant_pod_spec(obj["spec"], mark, where)
            for status in obj.get("status", {}).get("containerStatuses") or ():
                status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error",
                                                      "message": mark(f"{where} termination message")}}
        if kind == "Deployment" and name == "metrics-server":
            container = obj["spec"]["template"]["spec"]["containers"][0]
            container["command"] = ["/metrics-server", f"--authentication-token={mark('metrics-server command')}"]
            container["args"] = [*container.get("args", ()), f"--kubelet-preferred-address-types={mark('ms flag value')}",
                                 "--requestheader-username-headers", mark("metrics-server positional arg"),
                                 *metrics_server_flags]
            container["env"] = [{"name": "TOKEN", "value": mark("metrics-server env")}]
        elif kind == "Deployment":
            _plant_pod_spec(obj["spec"]["template"]["spec"], mark, where)
    return out


def _outputs(kubeconfig: Path, tmp_path: Path) -> Iterator[tuple[str, int, str, str]]:
    """Every way a live read reaches the user: the bundle (yaml, json), explain of one HPA and of the namespace."""
    for args in (("snapshot", "web", "-n", "shop"), ("snapshot", "web", "-n", "shop", "-o", "json"),
                 ("explain", "web", "-n", "shop", *AT, "-o", "json"), ("explain", "web", "-n", "shop", *AT, "-o", "wide"),
                 ("explain", "-n", "shop", *AT, "-o", "json"), ("explain", "-n", "shop", *AT, "-o", "yaml")):
        code, out, err = run(kubeconfig, *args)
        yield " ".join(args), code, out, err
    # the document `explain -n shop` reads (not printed by any verb: it holds the workloads' pod templates)
    document = read_cluster(ConnectionOptions(kubeconfig=str(kubeconfig)), None, "shop").document
    yield "read_all -n shop", 0, json.dumps(document), ""


SCENARIOS = ["F03-metrics-server-kubelet-x509", "F20-gitops-resets-replicas", "F28-removed-api-version"]


@pytest.mark.parametrize("fixture", SCENARIOS)
def test_no_canary_reaches_any_output(api, kubeconfig, tmp_path, fixture: str) -> None:
    mark = Planted()
    api.load(DIAGNOSTICS / f"{fixture}.yaml")
    api.objects = plant(api.objects, mark)
    served = json.dumps(api.objects)
    assert len(mark.places) > 60 and mark.found(served) == mark.places  # every canary is in what the API serves
    for what, code, out, err in _outputs(kubeconfig, tmp_path):
        assert code in (0, 3), (what, err)
        assert CANARY not in out + err, (what, mark.found(out + err))


def _snapshot(kubeconfig: Path, *flags: str) -> dict[str, Any]:
    code, out, err = run(kubeconfig, "snapshot", "web", "-n", "shop", *flags)
    assert code == 0, err
    return json.loads(out) if "json" in flags else yaml.safe_load(out)


def test_the_bundle_says_what_it_removed(api, kubeconfig) -> None:
    api.load(DIAGNOSTICS / "F20-gitops-resets-replicas.yaml")
    for flags in ((), ("-o", "json")):
        document = _snapshot(kubeconfig, *flags)
        assert document["metadata"]["annotations"][REDACTED] == REDACTED_NOTE


def _findings(document: dict[str, Any], name: str = "web") -> list[dict[str, Any]]:
    items = document.get("items") or [document]
    return next(item["findings"] for item in items if item["metadata"]["name"] == name)


def test_f20_shows_the_replica_owners_and_the_applied_replicas_live(api, kubeconfig) -> None:
    """managedFields were dropped whole before: F20 fired on the events alone, without naming the writer."""
    mark = Planted()
    api.load(DIAGNOSTICS / "F20-gitops-resets-replicas.yaml")
    api.objects = plant(api.objects, mark)
    deployment = next(o for o in api.objects if o["kind"] == "Deployment")
    applied = json.loads(deployment["metadata"]["annotations"][LAST_APPLIED])
    applied["spec"]["replicas"] = 1
    deployment["metadata"]["annotations"][LAST_APPLIED] = json.dumps(applied)
    code, out, err = run(kubeconfig, "explain", "-n", "shop", *AT, "-o", "json")
    assert code == 3, err
    f20 = next(f for f in _findings(json.loads(out)) if f["id"] == "F20")
    assert "spec.replicas is owned by argocd-controller (Apply)" in f20["details"]
    assert f"{LAST_APPLIED} sets spec.replicas: 1" in f20["details"]
    assert not any("kube-controller-manager" in d or "kubectl-client-side-apply" in d for d in f20["details"])
    # offline, the same document says the same
    code, offline, err = run(kubeconfig, "explain", "-f", str(DIAGNOSTICS / "F20-gitops-resets-replicas.yaml"), *AT,
                             "-o", "json")
    assert "spec.replicas is owned by argocd-controller (Apply)" in next(
        f for f in json.loads(offline)["findings"] if f["id"] == "F20")["details"]


def test_f28_still_sees_the_applied_api_version(api, kubeconfig) -> None:
    mark = Planted()
    api.load(DIAGNOSTICS / "F28-removed-api-version.yaml")
    api.objects = plant(api.objects, mark)
    hpa = next(i for i in _snapshot(kubeconfig)["items"] if i["kind"] == "HorizontalPodAutoscaler")
    assert json.loads(hpa["metadata"]["annotations"][LAST_APPLIED]) == {
        "apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web",
                                                                                            "namespace": "shop"}}
    code, out, err = run(kubeconfig, "explain", "web", "-n", "shop", *AT, "-o", "json")
    f28 = [f for f in json.loads(out)["findings"] if f["id"] == "F28"]
    assert f28 and "autoscaling/v2beta2" in f28[0]["title"], err


@pytest.mark.parametrize("flags, title", [
    ((), "metrics-server is not Ready (0/1) and has no kubelet TLS setting"),
    (("--kubelet-insecure-tls",), "metrics-server is not Ready (0/1)"),
    (("--kubelet-certificate-authority=/etc/ca/ca.crt",), "metrics-server is not Ready (0/1)"),
])
def test_f03_still_reads_the_metrics_server_flags(api, kubeconfig, flags: tuple[str, ...], title: str) -> None:
    mark = Planted()
    api.load(DIAGNOSTICS / "F03-metrics-server-kubelet-x509.yaml")
    api.objects = plant(api.objects, mark, metrics_server_flags=flags)
    server = next(i for i in _snapshot(kubeconfig)["items"] if i["kind"] == "Deployment")
    container = server["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["--cert-dir", "--secure-port", "--kubelet-preferred-address-types",
                                 "--kubelet-use-node-status-port", "--metric-resolution",
                                 "--kubelet-preferred-address-types", "--requestheader-username-headers",
                                 *(f.split("=")[0] for f in flags)]
    assert container["command"] == ["--authentication-token"]
    assert container["env"] == [{"name": "TOKEN"}]
    code, out, err = run(kubeconfig, "explain", "web", "-n", "shop", *AT, "-o", "json")
    f03 = [f for f in json.loads(out)["findings"] if f["id"] == "F03"]
    assert [f["title"] for f in f03] == [title], err


@pytest.mark.parametrize("fixture", SCENARIOS)
def test_the_redacted_bundle_replays_the_live_answer(api, kubeconfig, tmp_path, fixture: str) -> None:
    mark = Planted()
    api.load(DIAGNOSTICS / f"{fixture}.yaml")
    api.objects = plant(api.objects, mark)
    code, live, err = run(kubeconfig, "explain", "web", "-n", "shop", *AT, "-o", "json")
    assert code in (0, 3), err
    code, snap, err = run(kubeconfig, "snapshot", "web", "-n", "shop")
    path = tmp_path / "snap.yaml"
    path.write_text(snap)
    code, offline, err = run(kubeconfig, "explain", "-f", str(path), *AT, "-o", "json")
    assert json.loads(offline) == json.loads(live)


# ----------------------------------------------------------------------------- the pure functions


def test_env_keeps_names_and_the_kind_of_source_only() -> None:
    container = {"name": "app", "image": "app:1", "args": ["x"], "command": ["y"],
                 "env": [{"name": "A", "value": "s"}, {"name": "B", "valueFrom": {"secretKeyRef": {"name": "n", "key": "k"}}},
                         {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                 "envFrom": [{"secretRef": {"name": "s"}, "prefix": "P_"}, {"configMapRef": {"name": "c"}}],
                 "resources": {"requests": {"cpu": "1"}}, "restartPolicy": "Always", "readinessProbe": {"exec": {}}}
    assert redact_container(container) == {
        "name": "app", "image": "app:1", "resources": {"requests": {"cpu": "1"}}, "restartPolicy": "Always",
        "env": [{"name": "A"}, {"name": "B", "valueFrom": {"secretKeyRef": {}}},
                {"name": "C", "valueFrom": {"fieldRef": {}}}],
        "envFrom": [{"secretRef": {}}, {"configMapRef": {}}]}
    assert container["args"] == ["x"]  # a copy, not an edit


def test_pod_spec_keeps_what_the_replica_calculator_reads() -> None:
    spec = {"containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}, "args": ["s"]}],
            "initContainers": [{"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "1"}},
                                "command": ["s"]}],
            "ephemeralContainers": [{"name": "dbg", "command": ["s"], "targetContainerName": "a"}],
            "resources": {"requests": {"cpu": "2"}}, "nodeName": "n1",
            "volumes": [{"name": "v", "secret": {"secretName": "s", "items": [{"key": "k", "path": "p"}]}},
                        {"name": "e", "emptyDir": {}}]}
    assert redact_pod_spec(spec) == {
        "containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}],
        "initContainers": [{"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "1"}}}],
        "ephemeralContainers": [{"name": "dbg"}],
        "resources": {"requests": {"cpu": "2"}}, "nodeName": "n1",
        "volumes": [{"name": "v", "secret": {}}, {"name": "e", "emptyDir": {}}]}


def test_last_applied_keeps_what_f20_and_f28_read() -> None:
    raw = json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop",
                                                                                 "annotations": {"a": "s"}},
                      "spec": {"replicas": 1, "template": {"spec": {"containers": [{"env": [{"value": "s"}]}]}}}})
    assert json.loads(redact_last_applied(raw) or "") == {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 1}}
    assert json.loads(redact_last_applied('{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": []}}') or "") == {
        "apiVersion": "v1", "kind": "Pod"}
    assert redact_last_applied("not json") is None
    assert redact_last_applied('["a"]') is None


def test_annotations_keep_keys_and_only_the_values_checks_read() -> None:
    annotations = {"vault.hashicorp.com/token": "s", "sidecar.istio.io/status": "{...}",
                   "autoscaling.alpha.kubernetes.io/metrics": "[...]", "autoscaling.keda.sh/paused-replicas": "0",
                   "deployment.kubernetes.io/revision": "2", "kubectl-hpa.io/request": "GET /x",
                   LAST_APPLIED: '{"apiVersion": "autoscaling/v2beta2", "spec": {"x": "s"}}', "weird": 3}
    assert redact_annotations(annotations) == {
        "vault.hashicorp.com/token": "<redacted>", "sidecar.istio.io/status": "<redacted>",
        "autoscaling.alpha.kubernetes.io/metrics": "[...]", "autoscaling.keda.sh/paused-replicas": "0",
        "deployment.kubernetes.io/revision": "2", "kubectl-hpa.io/request": "GET /x",
        LAST_APPLIED: '{"apiVersion":"autoscaling/v2beta2"}', "weird": "<redacted>"}
    assert LAST_APPLIED not in redact_annotations({LAST_APPLIED: "{"})


def test_managed_fields_keep_the_owners_of_spec_replicas_only() -> None:
    entries = [{"manager": "argocd-controller", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
                "time": "t1", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {"f:x": {}}}}},
               {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale", "time": "t2",
                "fieldsV1": {"f:spec": {"f:replicas": {}}}},
               {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:metadata": {"f:annotations": {"f:s": {}}}}}]
    assert redact_managed_fields(entries) == [
        {"manager": "argocd-controller", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
         "time": "t1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
        {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale", "time": "t2",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]
    assert redact_managed_fields([entries[2]]) == []
    assert redact_managed_fields("odd") == []


@pytest.mark.parametrize("args, kept", [
    (["--kubelet-insecure-tls"], ["--kubelet-insecure-tls"]),
    (["--kubelet-certificate-authority=/ca.crt", "--token=s"], ["--kubelet-certificate-authority", "--token"]),
    (["/metrics-server", "--password", "s", "-v=2"], ["--password", "-v"]),
    ([3, None], []),
])
def test_metrics_server_flags_keep_their_names_only(args: list, kept: list) -> None:
    assert redact_args(args) == kept


def test_redact_dispatches_by_kind_and_copies() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "w"},
                                                             "annotations": {"x": "s"}, "managedFields": [{}]},
           "spec": {"containers": [{"name": "a", "env": [{"name": "E", "value": "s"}]}]},
           "status": {"phase": "Running", "containerStatuses": [
               {"name": "a", "ready": True, "state": {"terminated": {"exitCode": 1, "message": "s"}},
                "lastState": {"terminated": {"exitCode": 2, "message": "s", "reason": "Error"}}}]}}
    redacted = redact(pod)
    assert redacted == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "w"},
                                                                          "annotations": {"x": "<redacted>"}},
                        "spec": {"containers": [{"name": "a", "env": [{"name": "E"}]}]},
                        "status": {"phase": "Running", "containerStatuses": [
                            {"name": "a", "ready": True, "state": {"terminated": {"exitCode": 1}},
                             "lastState": {"terminated": {"exitCode": 2, "reason": "Error"}}}]}}
    assert pod["metadata"]["annotations"] == {"x": "s"}
    deployment = {"kind": "Deployment", "spec": {"replicas": 2, "template": {"spec": {"containers": [
        {"name": "ms", "args": ["--kubelet-insecure-tls", "--x=s"]}]}}}}
    assert redact(deployment)["spec"]["template"]["spec"]["containers"] == [{"name": "ms"}]
    assert redact_metrics_server(deployment)["spec"]["template"]["spec"]["containers"] == [
        {"name": "ms", "args": ["--kubelet-insecure-tls", "--x"]}]
    scaled_object = {"kind": "ScaledObject", "spec": {"scaleTargetRef": {"name": "web"}, "triggers": [
        {"type": "postgresql", "metadata": {"connectionString": "s", "query": "s"},
         "authenticationRef": {"name": "auth"}}]}}
    assert redact(scaled_object)["spec"] == {"scaleTargetRef": {"name": "web"}, "triggers": [
        {"type": "postgresql", "metadata": {"connectionString": "<redacted>", "query": "<redacted>"},
         "authenticationRef": {"name": "auth"}}]}
    for odd in ({"kind": "Pod", "metadata": "odd", "spec": "odd"}, {"kind": "Deployment", "spec": {"template": 3}}):
        assert redact(odd) == odd
