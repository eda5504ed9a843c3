"""Static checks of fixtures/: the shapes the e2e harness and the adapter depend on."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from pipeline_support import ADAPTER_CONFIG, LOCAL_PROMETHEUS_CONFIG, REPO_ROOT, ScrapeTarget, render_local_prometheus_config

MANIFESTS = REPO_ROOT / "fixtures" / "manifests"


def _objects(name: str) -> dict[str, dict]:
    docs = [doc for doc in yaml.safe_load_all((MANIFESTS / name).read_text()) if doc]
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc for doc in docs}


def test_app_deployment_matches_the_tutorial_and_is_scrapable() -> None:
    objects = _objects("hello-actuator.yaml")
    pod = objects["Deployment/hello-actuator"]["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["resources"]["requests"] == {"cpu": "50m", "memory": "50Mi"}
    assert container["readinessProbe"]["httpGet"]["path"] == "/actuator/health"
    assert container["livenessProbe"]["httpGet"]["path"] == "/actuator/health"
    assert pod["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8080",
        "prometheus.io/path": "/actuator/prometheus",
    }
    service = objects["Service/hello-actuator"]["spec"]
    assert service["type"] == "NodePort" and service["selector"] == pod["metadata"]["labels"]
    monitor = _objects("servicemonitor.yaml")["ServiceMonitor/hello-actuator"]["spec"]
    assert monitor["endpoints"][0]["path"] == "/actuator/prometheus"


def test_adapter_is_custom_metrics_only_and_uses_the_fixture_config() -> None:
    objects = _objects("prometheus-adapter.yaml")
    groups = {obj["spec"]["group"] for key, obj in objects.items() if key.startswith("APIService/")}
    assert groups == {"custom.metrics.k8s.io"}  # never metrics.k8s.io: metrics-server keeps CPU/memory
    embedded = yaml.safe_load(objects["ConfigMap/adapter-config"]["data"]["config.yaml"])
    assert embedded == yaml.safe_load(ADAPTER_CONFIG.read_text())
    assert "resourceRules" not in embedded and "externalRules" not in embedded
    args = objects["Deployment/prometheus-adapter"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--config=/etc/adapter/config.yaml" in args
    assert "--prometheus-url=http://prometheus.monitoring.svc:9090/" in args
    assert _objects("prometheus.yaml")["Service/prometheus"]["spec"]["ports"][0]["port"] == 9090


def test_cluster_scrape_config_writes_namespace_and_pod_labels() -> None:
    config = yaml.safe_load(_objects("prometheus.yaml")["ConfigMap/prometheus-config"]["data"]["prometheus.yml"])
    job = config["scrape_configs"][0]
    assert job["kubernetes_sd_configs"] == [{"role": "pod"}]
    targets = {rule.get("target_label") for rule in job["relabel_configs"]}
    assert {"namespace", "pod", "__metrics_path__", "__address__"} <= targets


@pytest.mark.process
def test_local_prometheus_configs_pass_promtool(promtool_binary: str, tmp_path: Path) -> None:
    rendered = tmp_path / "prometheus.yml"
    rendered.write_text(render_local_prometheus_config([ScrapeTarget("127.0.0.1:1", "default", "p")]))
    for path in (LOCAL_PROMETHEUS_CONFIG, rendered):
        result = subprocess.run([promtool_binary, "check", "config", str(path)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
    # Debian's prometheus is built without kubernetes_sd_configs, so the cluster config cannot be checked here.
