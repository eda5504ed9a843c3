"""List + watch one kind of object, as client-go's reflector does, into an in-memory store.

An :class:`Informer` lists once (keeping the list's ``resourceVersion``), then
watches from that version in a background thread: ADDED/MODIFIED/DELETED update
the store, BOOKMARKs move the version, an ``ERROR`` event carrying a 410 Gone
``Status`` (or an HTTP 410) triggers a fresh list that *replaces* the store, so
no row is duplicated or lost. Nothing here imports ``kubernetes``: the stream goes
through the ``Connection``'s ApiClient.

Retries follow client-go's reflector, so a sick API server is not hammered:

- a watch that was healthy (it delivered an event, or stayed open a second) and
  then ended, by its timeout or a broken connection, is resumed at once from the
  last version; so is the first 410 after a healthy watch: relisted at once;
- everything else waits for :class:`Backoff` first (800 ms doubling to 30 s,
  jitter up to 100%, back to 800 ms after 2 minutes without a backoff): a failed
  LIST or WATCH request (refused, 5xx, 429, ...), a watch that ends at once with
  nothing, and a 410 again right after a relist (a 410 storm: LIST + WATCH per
  backoff step instead of hundreds per second).

What is wrong is said once per state change (``problem``, shown by the view and
printed once by the plain-lines mode), not per retry; it clears when a watch is
healthy again. ``clock`` and ``sleep`` are injectable (tests run on virtual time).
"""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any, Callable, Iterator, Optional
from urllib.parse import quote, urlencode

from ..sources.cluster_client import Connection, transport_error
from ..sources.kube import Response, metadata, name_of, namespace_of, status_for

Key = tuple[str, str]  # (namespace, name)
# client-go's reflector: wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0, clock)
BACKOFF_START, BACKOFF_MAX, BACKOFF_FACTOR, BACKOFF_JITTER, BACKOFF_RESET = 0.8, 30.0, 2.0, 1.0, 120.0
HEALTHY_WATCH = 1.0  # seconds open that make a watch without events healthy (client-go's "very short watch")
CONNECT_TIMEOUT = 10.0


def object_key(obj: dict) -> Key:
    """(namespace, name): the store's key, as client-go's MetaNamespaceKeyFunc ("" for cluster-scoped)."""
    return namespace_of(obj), name_of(obj)


class Backoff:
    """client-go's exponential backoff manager: each ``next`` delay is the step (``start``, times ``factor`` after
    each call, at most ``ceiling``) plus up to ``jitter`` times more, never over ``ceiling``; the step goes back to
    ``start`` when the last delay was asked for more than ``reset_after`` seconds ago (that long without trouble)."""

    def __init__(self, start: float = BACKOFF_START, ceiling: float = BACKOFF_MAX, factor: float = BACKOFF_FACTOR,
                 jitter: float = BACKOFF_JITTER, reset_after: float = BACKOFF_RESET,
                 clock: Callable[[], float] = time.monotonic, rand: Callable[[], float] = random.random):
        self.start, self.ceiling, self.factor, self.jitter = start, ceiling, factor, jitter
        self.reset_after, self.clock, self.rand = reset_after, clock, rand
        self.current = start
        self.last: Optional[float] = None  # when next() was last called

    def next(self) -> float:
        now = self.clock()
        if self.last is not None and now - self.last > self.reset_after:
            self.current = self.start
        self.last = now
        step = self.current
        self.current = min(self.ceiling, self.current * self.factor)
        return min(self.ceiling, step * (1.0 + self.jitter * self.rand()))

    def reset(self) -> None:
        self.current, self.last = self.start, None


class StreamFailed(Exception):
    """The watch request failed before or during streaming (transport error or an HTTP error)."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code


class WatchStream:
    """One open watch request: iterate decoded events; ``close`` interrupts a blocked read."""

    def __init__(self, connection: Connection, path: str, query: dict, read_timeout: float):
        import urllib3

        full = path + "?" + urlencode(query, quote_via=quote, safe="")
        connection.requests.append(("GET", full))
        self._url = connection.host + full
        self._raw: Any = None
        try:
            method, url, headers, _body, _post = connection.api.param_serialize(
                "GET", path, query_params=list(query.items()), header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"])
            if connection.impersonate_groups:
                headers = urllib3.HTTPHeaderDict(headers)
                for group in connection.impersonate_groups:
                    headers.add("Impersonate-Group", group)
            response = connection.api.call_api(method, url, header_params=headers,
                                               _request_timeout=(CONNECT_TIMEOUT, read_timeout))
        except Exception as error:  # transport errors, TLS, the client's ApiException
            raise StreamFailed(transport_error(error, self._url)) from None
        self._raw = response.response
        self.status = int(response.status)
        if self.status != 200:
            text = self._raw.data.decode("utf-8", "replace") if self._raw.data else ""
            try:
                body = json.loads(text) if text.strip().startswith("{") else None
            except json.JSONDecodeError:
                body = None
            failure = Response("GET", full, self.status, body, text)
            raise StreamFailed(str(status_for(failure)["message"]), self.status)

    def events(self) -> Iterator[dict]:
        buffer = b""
        try:
            for chunk in self._raw.stream(65536, decode_content=True):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)
        except json.JSONDecodeError as error:
            raise StreamFailed(f"undecodable watch event: {error}") from None
        except Exception as error:  # ProtocolError, ReadTimeoutError, a socket closed under us
            raise StreamFailed(transport_error(error, self._url)) from None
        if buffer.strip():
            yield json.loads(buffer)

    def close(self) -> None:
        raw = self._raw
        if raw is None:
            return
        try:
            if hasattr(raw, "shutdown"):
                raw.shutdown()
            raw.release_conn()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


def _failure(response: Response) -> str:
    return response.error or str(status_for(response)["message"])


class Informer:
    """The store of one resource (``path``: a list URL), kept current by list + watch."""

    def __init__(self, connection: Connection, path: str, query: Optional[dict] = None,
                 transform: Optional[Callable[[dict], Any]] = None, name: str = "",
                 watch_timeout: int = 300, on_change: Optional[Callable[[], None]] = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Optional[Callable[[float], object]] = None,
                 backoff: Optional[Backoff] = None):
        self.connection = connection
        self.path = path
        self.query = dict(query or {})
        self.transform = transform or (lambda obj: obj)
        self.name = name or path.rsplit("/", 1)[-1]
        self.watch_timeout = watch_timeout
        self.on_change = on_change
        self.store: dict[Key, Any] = {}
        # Bumped (under the lock) at every change of the store: a refresh rebuilds what it derives from the store
        # (pod indexes, the newest rescales, the HPA order) only when this moved since it last looked.
        self.generation = 0
        self.resource_version = ""
        self.synced = threading.Event()
        self.last_error_code = 0
        self.lists = self.watches = self.relists = self.reconnects = 0
        self.clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sleeper: Callable[[float], object] = sleep or self._stop.wait  # default: a stop ends the wait
        self.backoff = backoff or Backoff(clock=clock)
        self._problem: Optional[str] = None
        self._trouble: Optional[tuple] = None  # the failure state backed off in (its problem is said once)
        self._connected_at: Optional[float] = None  # when the open watch got its 200 (None: no open watch)
        self._thread: Optional[threading.Thread] = None
        self._stream: Optional[WatchStream] = None

    # ------------------------------------------------------------------ reading

    @property
    def problem(self) -> Optional[str]:
        """Why the store may be stale right now (shown by the view), or None; a healthy open watch clears it."""
        problem, connected = self._problem, self._connected_at
        if problem is not None and connected is not None and self.clock() - connected >= HEALTHY_WATCH:
            return None
        return problem

    @problem.setter
    def problem(self, value: Optional[str]) -> None:
        self._problem = value

    def items(self) -> list[Any]:
        with self._lock:
            return list(self.store.values())

    def snapshot(self) -> dict[Key, Any]:
        with self._lock:
            return dict(self.store)

    def versioned(self) -> tuple[int, dict[Key, Any]]:
        """The store's :attr:`generation` and a copy of the store, taken together."""
        with self._lock:
            return self.generation, dict(self.store)

    # ------------------------------------------------------------------ list

    def list(self) -> Response:
        """One LIST; on success the store is replaced (a relist drops what was deleted meanwhile)."""
        response = self._list()
        if response.ok:
            self.problem = None
        else:
            self.problem = f"list {self.name}: " + _failure(response)
        return response

    def _list(self) -> Response:
        self.lists += 1
        response = self.connection.get(self.path, self.query or None)
        if response.ok:
            items = response.body.get("items") or []
            fresh = {}
            for item in items:
                value = self._convert(item)
                if value is not None:
                    fresh[object_key(item)] = value
            with self._lock:
                self.store = fresh
                self.generation += 1
                self.resource_version = str(metadata(response.body).get("resourceVersion") or "")
            self.synced.set()
            self._changed()
        else:
            self.last_error_code = response.status
        return response

    def _convert(self, item: dict) -> Any:
        meta = metadata(item)
        if "managedFields" in meta:  # large, and nothing here reads them
            item = {**item, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
        try:
            return self.transform(item)
        except (ValueError, KeyError, TypeError):
            return None  # an object we cannot read is left out, not fatal

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # ------------------------------------------------------------------ watch

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"watch-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            stream.close()
        if self._thread is not None:
            self._thread.join(timeout)

    def join(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the watch thread to end after :meth:`stop` (a daemon: it may outlive us)."""
        if self._thread is not None:
            self._thread.join(max(0.0, timeout))

    def _sleep(self, seconds: float) -> None:
        self._sleeper(seconds)

    def _back_off(self, trouble: tuple, message: str) -> None:
        """Wait for the next backoff step; say ``message`` (with that delay) if ``trouble`` is a new state."""
        delay = self.backoff.next()
        if trouble != self._trouble:
            self._trouble = trouble
            self.problem = f"watch: {self.name}: {message} (next in {delay:.1f}s)"
        self._sleep(delay)

    def _healthy(self) -> None:
        """A watch works again: whatever was wrong is over."""
        self._trouble = None
        self.problem = None

    def _run(self) -> None:
        need_list = not self.synced.is_set()
        gone_again = False  # a 410 since the last healthy watch: another one backs off before relisting
        while not self._stop.is_set():
            if need_list:
                response = self._list()
                if not response.ok:
                    self.reconnects += 1
                    self._back_off(("list", response.status), f"list failed: {_failure(response)}; "
                                                              "retrying with backoff")
                    continue
                need_list = False
                if self._trouble is not None and self._trouble[0] == "list":
                    self._healthy()  # listing works again (a 410 storm stays said until a watch works)
            outcome, healthy, detail = self._watch_once()
            if self._stop.is_set():
                return
            if healthy:
                gone_again = False
                self._healthy()
            if outcome == "gone":
                self.relists += 1
                need_list = True
                if gone_again:  # 410 again right after a relist: back off before the next one
                    self._back_off(("gone",), "the API server answered 410 Gone to every watch; "
                                              "relisting with backoff")
                gone_again = True  # the first 410 after a healthy watch relists at once
            elif healthy:
                continue  # resumed at once from the last version, as client-go does
            elif outcome == "closed":  # a server that ends every watch at once and says nothing
                self._back_off(("closed",), "the API server ended every watch at once; retrying with backoff")
            else:  # refused, 5xx, 429, a watch broken at once: retry from the same version after a pause
                self.reconnects += 1
                self._back_off(("error", self.last_error_code), f"{detail}; retrying with backoff")

    def _watch_once(self) -> tuple[str, bool, str]:
        """One watch request: (closed | gone | error, whether it was healthy, what went wrong).

        Healthy: it delivered an event, or stayed open :data:`HEALTHY_WATCH` seconds (client-go's very short watch)."""
        query = {**self.query, "watch": "true", "allowWatchBookmarks": "true",
                 "timeoutSeconds": str(self.watch_timeout)}
        if self.resource_version:
            query["resourceVersion"] = self.resource_version
        self.watches += 1
        received = 0
        try:
            stream = WatchStream(self.connection, self.path, query, read_timeout=self.watch_timeout + 30)
        except StreamFailed as failure:
            self.last_error_code = failure.code
            return ("gone" if failure.code == 410 else "error"), False, str(failure)
        self._stream = stream
        connected = self._connected_at = self.clock()

        def result(outcome: str, detail: str = "") -> tuple[str, bool, str]:
            return outcome, received > 0 or self.clock() - connected >= HEALTHY_WATCH, detail

        try:
            if self._stop.is_set():
                return result("closed")
            for event in stream.events():
                if self._stop.is_set():
                    return result("closed")
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    code = int(obj.get("code") or 0)
                    self.last_error_code = code
                    if code == 410:
                        return result("gone", str(obj.get("message") or "410 Gone"))
                    return result("error", str(obj.get("message") or obj.get("reason") or "error event"))
                received += 1
                version = str(metadata(obj).get("resourceVersion") or "")
                if kind == "BOOKMARK":
                    if version:
                        self.resource_version = version
                    self._healthy()
                    continue
                key = object_key(obj)
                with self._lock:
                    if kind in ("ADDED", "MODIFIED"):
                        value = self._convert(obj)
                        if value is None:
                            self.store.pop(key, None)
                        else:
                            self.store[key] = value
                    elif kind == "DELETED":
                        self.store.pop(key, None)
                    self.generation += 1
                    if version:
                        self.resource_version = version
                self._healthy()
                self._changed()
        except StreamFailed as failure:  # broken mid-stream: at once if it was healthy, else after a backoff
            self.last_error_code = failure.code
            return result("error", str(failure))
        finally:
            self._stream = None
            self._connected_at = None
            stream.close()
        return result("closed")
