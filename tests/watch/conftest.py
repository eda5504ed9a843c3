"""The watch tests' API server: one HTTP server for the whole watch suite, a fresh fake API server per test.

Stopping a werkzeug server costs up to half a second (its poll interval), which per test was
most of this suite's teardown time, so one server serves every watch test (session scope; the
tests/conftest.py default is one per module). Each test still gets a fresh fake on it
(``FakeAPIServer.fresh``: new objects, faults, request log, resourceVersions and URL prefix,
so a client left from an earlier test is answered 404 and never shows in this test's requests),
and its open watch streams are ended when it ends.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.apiserver import FakeAPIServer, serve


class WatchAPIServer(FakeAPIServer):
    """The test API server, sending a watch's response headers at once as kube-apiserver does.

    kube-apiserver writes the 200 and flushes it before the first event; werkzeug sends headers
    with the first body chunk. On a quiet watch the client then sat waiting for headers, where
    closing the stream cannot reach it, and every informer stop waited out its join timeout (1 s).
    """

    def handle(self, request: Request) -> Response:
        response = super().handle(request)
        if request.args.get("watch") in ("true", "1") and response.status_code == 200 and response.is_streamed:
            response.response = itertools.chain([b""], response.response)  # an empty chunk flushes the headers
        return response


@pytest.fixture(scope="session")
def apiserver_http() -> Iterator[HTTPServer]:
    server = serve()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def api(apiserver_http: HTTPServer) -> Iterator[FakeAPIServer]:
    fake = WatchAPIServer.fresh(apiserver_http)
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def kubeconfig(api: FakeAPIServer, tmp_path: Path) -> Path:
    return api.kubeconfig(tmp_path / "kubeconfig", namespace="shop")
