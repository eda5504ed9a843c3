"""The client modules a read uses are imported alone, and ReadClient sends what the official ApiClient sends.

Each case runs in a fresh interpreter: what is imported is the point, and the test process has imported the
whole client long before.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import ROOT


def fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON document."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_read_imports_neither_the_apis_nor_the_models() -> None:
    found = fresh("""
import json, sys
from kubectl_hpa.sources.kube_client import modules
client = modules()
loaded = sorted(name for name in sys.modules if name.startswith("kubernetes"))
print(json.dumps({"loaded": loaded, "configuration": client.configuration.__name__}))
""")
    assert found["configuration"] == "Configuration"
    assert "kubernetes.client.configuration" in found["loaded"] and "kubernetes.client.rest" in found["loaded"]
    assert not [name for name in found["loaded"] if name.startswith(("kubernetes.client.models",
                                                                    "kubernetes.client.api"))]


def test_the_rest_of_the_client_is_still_there_when_asked_for() -> None:
    found = fresh("""
import json
from kubectl_hpa.sources.kube_client import modules
early = modules().configuration
from kubernetes.client import CoreV1Api, ApiClient
import kubernetes
print(json.dumps({"api": CoreV1Api.__name__, "client": ApiClient.__module__,
                  "same": kubernetes.client.Configuration is early,
                  "loader": callable(kubernetes.config.load_kube_config)}))
""")
    assert found == {"api": "CoreV1Api", "client": "kubernetes.client.api_client", "same": True, "loader": True}


def test_read_client_serializes_a_get_as_api_client_does() -> None:
    found = fresh("""
import json
from kubectl_hpa.sources.kube_client import ReadClient, modules
configuration = modules().configuration(host="https://10.0.0.1:6443", api_key={"authorization": "t0ken"},
                                        api_key_prefix={"authorization": "Bearer"})
ours = ReadClient(configuration)
ours.set_default_header("Impersonate-User", "dev")
from kubernetes.client import ApiClient
theirs = ApiClient(configuration)
theirs.set_default_header("Impersonate-User", "dev")
args = ("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods")
kwargs = dict(query_params=[("labelSelector", "app=web,tier in (a,b)"), ("limit", "5")],
              header_params={"Accept": "application/json"}, auth_settings=["BearerToken"])
print(json.dumps({"ours": ours.param_serialize(*args, **dict(kwargs, header_params=dict(kwargs["header_params"]))),
                  "theirs": theirs.param_serialize(*args, **kwargs)}))
""")
    assert found["ours"] == found["theirs"]
    assert found["ours"][2]["authorization"] == "Bearer t0ken"


def test_the_oidc_libraries_wait_for_an_oidc_refresh() -> None:
    found = fresh("""
import json, sys
from kubectl_hpa.sources.kube_client import modules
client = modules()
before = sorted(name for name in ("requests", "oauthlib.oauth2.rfc6749") if name in sys.modules)
session = client.kube_config.OAuth2Session(client_id="kubectl-hpa")
import requests_oauthlib, oauthlib.oauth2
print(json.dumps({"before": before, "session": type(session).__name__,
                  "real": isinstance(session, requests_oauthlib.OAuth2Session),
                  "error": oauthlib.oauth2.rfc6749.errors.InvalidClientIdError.__name__}))
""")
    assert found == {"before": [], "session": "OAuth2Session", "real": True, "error": "InvalidClientIdError"}


def test_threads_refreshing_at_once_all_get_a_session() -> None:
    found = fresh("""
import json, threading
from kubectl_hpa.sources.kube_client import modules
client, made = modules(), []
def refresh():
    made.append(type(client.kube_config.OAuth2Session(client_id="kubectl-hpa")).__name__)
threads = [threading.Thread(target=refresh) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(30)
print(json.dumps({"made": made}))
""")
    assert found == {"made": ["OAuth2Session"] * 6}
