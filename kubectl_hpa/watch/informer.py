"""List + watch one kind of object, as client-go's reflector does, into an in-memory store.

An :class:`Informer` lists once (keeping the list's ``resourceVersion``), then
watches from that version in a background thread: ADDED/MODIFIED/DELETED update
the store, BOOKMARKs move the version, an ``ERROR`` event carrying a 410 Gone
``Status`` (or an HTTP 410) triggers a fresh list that *replaces* the store, so
no row is duplicated or lost. A watch the server ends (its timeout) is resumed
from the last version; a broken connection or an unreachable server is retried
with a bounded exponential backoff. Nothing here imports ``kubernetes``: the
stream goes through the ``Connection``'s ApiClient.
"""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any, Callable, Iterator, Optional
from urllib.parse import quote, urlencode

from ..sources.cluster_client import Connection
from ..sources.kube import Response, metadata, name_of, namespace_of, status_for

Key = tuple[str, str]  # (namespace, name)
BACKOFF_START, BACKOFF_MAX = 0.2, 5.0
CONNECT_TIMEOUT = 10.0


def object_key(obj: dict) -> Key:
    """(namespace, name): the store's key, as client-go's MetaNamespaceKeyFunc ("" for cluster-scoped)."""
    return namespace_of(obj), name_of(obj)


class Backoff:
    """Exponential backoff with jitter, bounded by ``ceiling`` seconds."""

    def __init__(self, start: float = BACKOFF_START, ceiling: float = BACKOFF_MAX):
        self.start, self.ceiling, self.current = start, ceiling, start

    def next(self) -> float:
        delay = self.current
        self.current = min(self.ceiling, self.current * 2)
        return delay * (0.8 + 0.4 * random.random())

    def reset(self) -> None:
        self.current = self.start


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
            raise StreamFailed(_one_line(error)) from None
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
            raise StreamFailed(_one_line(error)) from None
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


def _one_line(error: BaseException) -> str:
    inner = getattr(error, "reason", None) or error
    return " ".join(str(inner).split())[:300] or error.__class__.__name__


class Informer:
    """The store of one resource (``path``: a list URL), kept current by list + watch."""

    def __init__(self, connection: Connection, path: str, query: Optional[dict] = None,
                 transform: Optional[Callable[[dict], Any]] = None, name: str = "",
                 watch_timeout: int = 300, on_change: Optional[Callable[[], None]] = None):
        self.connection = connection
        self.path = path
        self.query = dict(query or {})
        self.transform = transform or (lambda obj: obj)
        self.name = name or path.rsplit("/", 1)[-1]
        self.watch_timeout = watch_timeout
        self.on_change = on_change
        self.store: dict[Key, Any] = {}
        self.resource_version = ""
        self.synced = threading.Event()
        self.problem: Optional[str] = None  # why the store may be stale right now (shown by the view)
        self.last_error_code = 0
        self.lists = self.watches = self.relists = self.reconnects = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._stream: Optional[WatchStream] = None

    # ------------------------------------------------------------------ reading

    def items(self) -> list[Any]:
        with self._lock:
            return list(self.store.values())

    def snapshot(self) -> dict[Key, Any]:
        with self._lock:
            return dict(self.store)

    # ------------------------------------------------------------------ list

    def list(self) -> Response:
        """One LIST; on success the store is replaced (a relist drops what was deleted meanwhile)."""
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
                self.resource_version = str(metadata(response.body).get("resourceVersion") or "")
            self.problem = None
            self.synced.set()
            self._changed()
        else:
            self.last_error_code = response.status
            self.problem = f"list {self.name}: " + (response.error or str(status_for(response)["message"]))
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
        self._stop.wait(seconds)

    def _run(self) -> None:
        backoff = Backoff()
        need_list = not self.synced.is_set()
        while not self._stop.is_set():
            if need_list:
                response = self.list()
                if not response.ok:
                    self.reconnects += 1
                    self._sleep(backoff.next())
                    continue
                need_list = False
                backoff.reset()
            started = time.monotonic()
            outcome, received = self._watch_once()
            if self._stop.is_set():
                return
            if outcome == "gone":
                self.relists += 1
                need_list = True  # at once: the server told us our version is too old
            elif outcome == "closed":
                self.problem = None
                # A server that ends watches at once and says nothing would make this a hot loop.
                if not received and time.monotonic() - started < 1.0:
                    self._sleep(backoff.next())
                else:
                    backoff.reset()
            else:  # broken connection, refused, 5xx: retry from the same version after a pause
                self.reconnects += 1
                self._sleep(backoff.next())

    def _watch_once(self) -> tuple[str, int]:
        """One watch request; returns (closed | gone | error, events received)."""
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
            if failure.code == 410:
                self.problem = f"watch {self.name}: 410 Gone, re-listing"
                return "gone", 0
            self.problem = f"watch {self.name}: {failure}"
            return "error", 0
        self._stream = stream
        self.problem = None  # connected again
        try:
            if self._stop.is_set():
                return "closed", 0
            for event in stream.events():
                received += 1
                if self._stop.is_set():
                    return "closed", received
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    code = int(obj.get("code") or 0)
                    self.last_error_code = code
                    if code == 410:
                        self.problem = f"watch {self.name}: {obj.get('message') or '410 Gone'}; re-listing"
                        return "gone", received
                    self.problem = f"watch {self.name}: {obj.get('message') or obj.get('reason') or 'error event'}"
                    return "error", received
                version = str(metadata(obj).get("resourceVersion") or "")
                if kind == "BOOKMARK":
                    if version:
                        self.resource_version = version
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
                    if version:
                        self.resource_version = version
                self.problem = None
                self._changed()
        except StreamFailed as failure:
            self.problem = f"watch {self.name}: {failure}"
            return "error", received
        finally:
            self._stream = None
            stream.close()
        return "closed", received
