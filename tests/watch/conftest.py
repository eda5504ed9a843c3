"""The watch tests' API server: the session's HTTP server (tests/conftest.py), a fresh watch-aware fake per test.

Each test gets a fresh fake on it
(``FakeAPIServer.fresh``: new objects, faults, request log, resourceVersions and URL prefix,
so a client left from an earlier test is answered 404 and never shows in this test's requests),
and its open watch streams are ended when it ends.

Storms (``storm_gone``, ``storm_500``, ``calm``) make the server answer every watch with 410 Gone (an
HTTP 410, or a 200 whose only event is an ERROR 410 Status), or every request with 500, until calmed;
``stamps`` is the request log's arrival times, for requests-per-second counts.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from typing import Iterator
from urllib.parse import unquote

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.apiserver import FakeAPIServer

GONE = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Expired", "code": 410,
        "message": "too old resource version: 48300 (48999)"}
INTERNAL = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "InternalError",
            "code": 500, "message": "Internal error occurred: etcdserver: leader changed"}


class WatchAPIServer(FakeAPIServer):
    """The test API server, sending a watch's response headers at once as kube-apiserver does.

    kube-apiserver writes the 200 and flushes it before the first event; werkzeug sends headers
    with the first body chunk. On a quiet watch the client then sat waiting for headers, where
    closing the stream cannot reach it, and every informer stop waited out its join timeout (1 s).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stamps: list[tuple[float, str]] = []  # (time.monotonic(), path?query) of each request of this test
        self.gone_events = False  # a 410 storm answered as kube-apiserver does for a compacted version

    def handle(self, request: Request) -> Response:
        if request.path.startswith(self.prefix + "/"):  # what self.requests logs
            query = f"?{request.query_string.decode()}" if request.query_string else ""
            self.stamps.append((time.monotonic(), request.path[len(self.prefix):] + query))
        response = super().handle(request)
        watch = request.args.get("watch") in ("true", "1")
        if watch and self.gone_events and response.status_code == 200 and response.is_streamed:
            response.response = [b"", (json.dumps({"type": "ERROR", "object": GONE}) + "\n").encode()]
        elif watch and response.status_code == 200 and response.is_streamed:
            response.response = itertools.chain([b""], response.response)  # an empty chunk flushes the headers
        return response

    def reset_log(self) -> None:
        super().reset_log()
        self.stamps = []

    def storm_gone(self, http: bool = False) -> None:
        """Every watch answered 410 Gone: an HTTP 410 (``http``), or a 200 streaming one ERROR 410 event."""
        if http:
            self.fault(r"watch=true", 410, GONE)
        else:
            self.gone_events = True

    def storm_500(self) -> None:
        """Every request (LIST and WATCH) answered 500 Internal Server Error."""
        self.fault(r".", 500, INTERNAL)

    def calm(self) -> None:
        """The storm ends: no more faults, and watches stream events again."""
        self.faults.clear()
        self.gone_events = False

    def busiest_second(self, path_regex: str = "") -> int:
        """The most requests (whose path and query match) that arrived within any one second of this test."""
        pattern = re.compile(path_regex)
        stamps = sorted(t for t, path in self.stamps if pattern.search(unquote(path)))
        return max((sum(1 for t in stamps[i:] if t - start < 1.0) for i, start in enumerate(stamps)), default=0)


@pytest.fixture
def api(apiserver_http: HTTPServer) -> Iterator[FakeAPIServer]:
    fake = WatchAPIServer.fresh(apiserver_http)
    try:
        yield fake
    finally:
        fake.close()
