"""The shared test API server: each test's fake starts empty and never sees an earlier test's clients."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.apiserver import FakeAPIServer
from tests.helpers import SNAPSHOTS

HPAS = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_fresh_fake_forgets_the_previous_one(apiserver_http) -> None:
    first = FakeAPIServer.fresh(apiserver_http)
    first.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    first.tokens = {"only-this-one"}
    first.fault("events", 500, "boom")
    second = FakeAPIServer.fresh(apiserver_http)
    assert second.url != first.url and second.url.startswith(apiserver_http.url_for("").rstrip("/"))
    # a client of the earlier test: answered 404, and not in this test's requests
    assert _get(first.url + HPAS)[0] == 404
    assert second.requests == []
    # this test's fake serves its own (empty) state: no token check, no fault, no objects
    code, body = _get(second.url + HPAS)
    assert code == 200 and json.loads(body)["items"] == []
    second.load(SNAPSHOTS / "diagnostics" / "F21-at-max.yaml")
    code, body = _get(second.url + HPAS)
    assert code == 200 and [i["metadata"]["name"] for i in json.loads(body)["items"]] == ["web"]
    assert second.paths() == [HPAS]  # load() restarts the log
    # a path without any test prefix is served too (kubectl get --raw drops the server URL's path)
    assert _get(apiserver_http.url_for(HPAS))[0] == 200


def test_the_api_fixture_is_fresh_and_running(api) -> None:
    assert api.objects == [] and api.requests == [] and api.faults == [] and api.tokens is None
    assert api.server.is_running()


def test_a_test_that_leaves_the_server_stopped_does_not_break_the_next(apiserver_http) -> None:
    fake = FakeAPIServer.fresh(apiserver_http)
    fake.server.stop()  # as a failure in the middle of FakeAPIServer.restart() would
    again = FakeAPIServer.fresh(apiserver_http)
    assert again.server.is_running() and _get(again.url + HPAS)[0] == 200
