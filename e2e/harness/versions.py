"""The pins of fixtures/e2e/versions.yaml: kind, node image, kubectl, metrics-server, images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "fixtures"
E2E_FIXTURES = FIXTURES / "e2e"
VERSIONS_FILE = E2E_FIXTURES / "versions.yaml"


@dataclass(frozen=True)
class Versions:
    kind: str
    node_image: str
    kubernetes: str
    kubectl: str
    metrics_server: str
    metrics_server_image: str
    app_image: str
    app_context: Path

    @property
    def node_image_tag(self) -> str:
        """``v1.36.1`` from ``kindest/node:v1.36.1@sha256:...``."""
        return self.node_image.split("@", 1)[0].rsplit(":", 1)[1]


def load_versions(path: Path = VERSIONS_FILE) -> Versions:
    raw = yaml.safe_load(path.read_text())
    return Versions(
        kind=raw["kind"]["version"],
        node_image=raw["kind"]["nodeImage"],
        kubernetes=str(raw["kind"]["kubernetes"]),
        kubectl=raw["kubectl"]["version"],
        metrics_server=raw["metricsServer"]["version"],
        metrics_server_image=raw["metricsServer"]["image"],
        app_image=raw["app"]["image"],
        app_context=REPO_ROOT / raw["app"]["context"],
    )
