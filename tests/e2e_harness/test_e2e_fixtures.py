"""The vendored e2e fixtures: offline schema validation (kubernetes-validate) and the facts the harness relies on."""

from __future__ import annotations

import pytest
import yaml

from e2e.harness.budget import Pipeline
from e2e.harness.manifests import (
    ADAPTER_MANIFEST,
    APP_MANIFEST,
    KIND_CONFIG,
    METRICS_SERVER_MANIFEST,
    PROMETHEUS_MANIFEST,
    AppVariant,
    app_variant,
    by_kind,
    kind_host_ports,
    kind_node_image,
    read_documents,
)
from e2e.harness.scenario import SCENARIOS
from e2e.harness.versions import E2E_FIXTURES, load_versions
from kubectl_hpa.pipeline.stages import load_plan

VERSIONS = load_versions()


def _all_manifests() -> list[tuple[str, dict]]:
    base = read_documents(APP_MANIFEST)
    documents = [(path.name, doc) for path in (METRICS_SERVER_MANIFEST, PROMETHEUS_MANIFEST, ADAPTER_MANIFEST, APP_MANIFEST)
                 for doc in read_documents(path)]
    documents += [(s.hpa_file.name, s.hpa) for s in SCENARIOS]
    documents += [(f"variant {s.app.name}", doc) for s in SCENARIOS if s.app for doc in app_variant(base, s.app)]
    return documents


@pytest.mark.parametrize("source,document", _all_manifests(),
                         ids=[f"{src}:{doc['kind']}/{doc['metadata']['name']}" for src, doc in _all_manifests()])
def test_manifest_validates_against_the_pinned_kubernetes_schema(source: str, document: dict) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="pip install kubernetes-validate==1.37.0")
    try:
        kubernetes_validate.validate(document, VERSIONS.kubernetes, strict=True)
    except kubernetes_validate.ValidationError as error:
        pytest.fail(f"{source}: {document['kind']}/{document['metadata']['name']}: {'.'.join(map(str, error.path))}: "
                    f"{error.message}")


def test_metrics_server_is_the_pinned_release_with_only_the_kind_tls_flag_added() -> None:
    documents = read_documents(METRICS_SERVER_MANIFEST)
    deployment = by_kind(documents, "Deployment")[0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == VERSIONS.metrics_server_image
    assert VERSIONS.metrics_server_image.endswith(":" + VERSIONS.metrics_server)
    assert container["args"] == [
        "--cert-dir=/tmp", "--secure-port=10250", "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
        "--kubelet-use-node-status-port", "--metric-resolution=15s", "--kubelet-insecure-tls"]
    assert f"--metric-resolution={int(Pipeline().metric_resolution_s)}s" in container["args"]
    [apiservice] = by_kind(documents, "APIService")
    assert (apiservice["metadata"]["name"], apiservice["spec"]["service"]) == (
        "v1beta1.metrics.k8s.io", {"name": "metrics-server", "namespace": "kube-system"})
    assert sorted(doc["kind"] for doc in documents) == sorted([
        "ServiceAccount", "ClusterRole", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ClusterRoleBinding",
        "Service", "Deployment", "APIService"])


def test_the_adapter_never_registers_the_resource_metrics_api() -> None:
    groups = {doc["spec"]["group"] for doc in by_kind(read_documents(ADAPTER_MANIFEST), "APIService")}
    assert groups == {"custom.metrics.k8s.io"}


def test_kind_config_pins_the_node_image_of_versions_yaml_and_publishes_the_node_ports() -> None:
    assert kind_node_image() == VERSIONS.node_image
    assert VERSIONS.node_image.startswith("kindest/node:v1.36.1@sha256:") and len(VERSIONS.node_image.split(":")[-1]) == 64
    assert VERSIONS.node_image_tag == "v1.36.1" and VERSIONS.kubectl == VERSIONS.node_image_tag
    assert yaml.safe_load(KIND_CONFIG.read_text())["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    ports = kind_host_ports()
    for scenario in SCENARIOS:
        if scenario.load == "locust":
            assert scenario.node_port in ports, f"{scenario.name}: NodePort {scenario.node_port} not published by kind"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_fixtures_agree_with_each_other(scenario) -> None:
    hpa = scenario.hpa
    assert hpa["spec"]["scaleTargetRef"]["name"] == scenario.deployment
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] <= 60, "keep the suite short"
    assert hpa["spec"]["maxReplicas"] > scenario.expect_at_least > hpa["spec"]["minReplicas"]
    sim = yaml.safe_load(scenario.sim_scenario.read_text())
    assert (scenario.sim_scenario.parent / sim["hpa"]).resolve() == scenario.hpa_file.resolve()
    assert (scenario.sim_scenario.parent / sim["load"]["file"]).resolve() == scenario.plan.resolve()
    deployments = by_kind(app_variant(read_documents(APP_MANIFEST), scenario.app) if scenario.app
                          else read_documents(APP_MANIFEST), "Deployment")
    assert deployments[0]["metadata"]["name"] == scenario.deployment


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_load_lasts_past_the_scale_out_deadline(scenario) -> None:
    """Otherwise "no scale-in while load holds" could be vacuous."""
    assert load_plan(scenario.plan).total_duration_s >= scenario.budget().scale_out_deadline_s


def test_the_simulator_predicts_the_expected_peak_for_each_scenario() -> None:
    from click.testing import CliRunner

    from kubectl_hpa.cli.simulate import simulate

    for scenario in SCENARIOS:
        result = CliRunner().invoke(simulate, [str(scenario.sim_scenario), "-o", "json"])
        assert result.exit_code == 0, result.output
        peak = max(step["replicas"] for step in yaml.safe_load(result.stdout)["timeline"])
        assert peak == scenario.expect_at_least, f"{scenario.name}: simulate peaks at {peak}"


def test_app_variant_renames_everything_and_leaves_the_fixture_alone() -> None:
    base = read_documents(APP_MANIFEST)
    before = yaml.safe_dump_all(base)
    deployment, service = app_variant(base, AppVariant("hello-x", requests={"memory": "128Mi"},
                                                       limits={"memory": "512Mi"}, env={"HELLO_CPU_MS": 3}))
    assert yaml.safe_dump_all(base) == before
    template = deployment["spec"]["template"]
    assert deployment["metadata"]["name"] == service["metadata"]["name"] == "hello-x"
    assert deployment["spec"]["selector"]["matchLabels"] == template["metadata"]["labels"] == {"app": "hello-x"}
    assert service["spec"]["selector"] == {"app": "hello-x"} and service["spec"]["type"] == "ClusterIP"
    assert "nodePort" not in service["spec"]["ports"][0]
    container = template["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env["HELLO_CPU_MS"] == "3" and env["HELLO_APP_LABEL"] == "hello-x"
    assert template["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    _, with_port = app_variant(base, AppVariant("hello-y", node_port=30081))
    assert with_port["spec"]["type"] == "NodePort" and with_port["spec"]["ports"][0]["nodePort"] == 30081


def test_versions_file_is_the_single_source_for_images() -> None:
    raw = yaml.safe_load((E2E_FIXTURES / "versions.yaml").read_text())
    prometheus = [c["image"] for d in by_kind(read_documents(PROMETHEUS_MANIFEST), "Deployment")
                  for c in d["spec"]["template"]["spec"]["containers"]]
    adapter = [c["image"] for d in by_kind(read_documents(ADAPTER_MANIFEST), "Deployment")
               for c in d["spec"]["template"]["spec"]["containers"]]
    app = [c["image"] for d in by_kind(read_documents(APP_MANIFEST), "Deployment")
           for c in d["spec"]["template"]["spec"]["containers"]]
    assert prometheus == [raw["prometheus"]["image"]]
    assert adapter == [raw["prometheusAdapter"]["image"]]
    assert app == [raw["app"]["image"]]
