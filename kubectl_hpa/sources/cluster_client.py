"""A read-only connection to a cluster through the official ``kubernetes`` client.

What the commands hold on to: :class:`ConnectionOptions` (kubectl's connection flags, defined in ``options.py``,
which the CLI imports at start-up without this module; re-exported here), :func:`connect`
and the :class:`Connection` it returns. With no kubeconfig file, the in-cluster service account is used;
the kubeconfig side (finding, merging and checking the files, exec credential plugins) is ``kubeconfig.py``,
whose :class:`ClusterError` and :class:`CredentialError` are re-exported here. Every request is a GET; each
one is recorded and answered as a :class:`~.kube.Response`, never an exception.

As kubectl: the context comes from ``--context`` or ``current-context``, and ``--cluster`` / ``--user`` /
``--namespace`` override it; ``--request-timeout`` bounds the whole request, body included; and a cluster
with ``insecure-skip-tls-verify`` gets one warning line per command, not urllib3's warning per request.
Unlike kubectl, whose ``--request-timeout`` defaults to 0 (no deadline), a request without the flag ends after
:data:`DEFAULT_REQUEST_TIMEOUT`: a server that accepts the connection and never answers is an error, not a hang.
On a terminal, a request still unanswered after :data:`WAIT_NOTICE_AFTER` says on stderr what it waits for.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import sys
import threading
import time
import warnings
from typing import Any, Callable, Optional
from urllib.parse import quote, urlencode

from .kube import Response
from .kubeconfig import ClusterError, CredentialError, kubeconfig_paths, merge_kubeconfigs, strict_exec_loader
from .options import DEFAULT_REQUEST_TIMEOUT as DEFAULT_REQUEST_TIMEOUT  # re-exported: the light module defines them
from .options import ConnectionOptions as ConnectionOptions

WAIT_NOTICE_AFTER = 1.0
"""Seconds before a request still unanswered says what it waits for (on a terminal only)."""
INSECURE_WARNING = "warning: TLS certificate verification is disabled for this cluster (insecure-skip-tls-verify)"


SERVICE_HOST_ENV, SERVICE_PORT_ENV = "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"


class Connection:
    """An ApiClient plus the namespace to use; ``get`` records every request it sends."""

    def __init__(self, api_client: Any, namespace: str, host: str, timeout: Optional[float], context: str = ""):
        self.api = api_client
        self.namespace = namespace
        self.host = host
        self.timeout = timeout or None
        self.context = context
        self.requests: list[tuple[str, str]] = []
        self.impersonate_groups: tuple[str, ...] = ()
        self.announce_waits = True  # on a terminal; the watch view turns it off (it owns the screen)

    def get(self, path: str, query: Optional[dict] = None, previous: Optional[Response] = None) -> Response:
        """GET a raw API path through the client (auth, TLS, impersonation); never raises for HTTP errors.

        The timeout is a deadline for the whole request, as client-go's Client.Timeout: urllib3's timeouts bound
        each socket operation, and a watchdog ends, at the deadline, a status line and headers or a body still
        arriving (a server dripping a byte a second would otherwise never time out).

        ``previous`` is the answer to the same request at an earlier time (watch reads its metrics every refresh):
        when the new answer is the same text, its parsed body is ``previous.body`` (the same, unparsed again).
        """
        import urllib3

        full = path + ("?" + urlencode(query, quote_via=quote, safe="") if query else "")
        self.requests.append(("GET", full))
        watchdog = _Watchdog(self.timeout)
        notice = _WaitNotice(f"waiting for {self.host}: GET {full}"
                             + (f" (up to {_seconds(self.timeout)}; --request-timeout)" if self.timeout else ""),
                             self.announce_waits)
        try:
            method, url, headers, _body, _post = self.api.param_serialize(
                "GET", path, query_params=list((query or {}).items()),
                header_params={"Accept": "application/json"}, auth_settings=["BearerToken"])
            if self.impersonate_groups:  # one header line per group, as kubectl sends them
                headers = urllib3.HTTPHeaderDict(headers)
                for group in self.impersonate_groups:
                    headers.add("Impersonate-Group", group)
            _awaiting.watchdog = watchdog  # the pool's connection hands it its socket before awaiting the headers
            try:
                response = self.api.call_api(method, url, header_params=headers, _request_timeout=self.timeout)
            finally:
                _awaiting.watchdog = None
            raw = watchdog.read(response.response)
        except (urllib3.exceptions.TimeoutError, urllib3.exceptions.MaxRetryError,
                urllib3.exceptions.HTTPError, OSError) as error:
            if watchdog.fired:
                return Response("GET", full, 0, error=self._timed_out(_deadline_error(self.host + full,
                                                                                      watchdog.reading)))
            message = transport_error(error, self.host + full, self.timeout)
            if "context deadline exceeded" in message:
                message = self._timed_out(message)
            return Response("GET", full, 0, error=message)
        except Exception as error:  # the client's own ApiException (TLS, bad arguments), a failed credential refresh
            reason = getattr(error, "reason", None) or str(error)
            return Response("GET", full, 0, error=" ".join(str(reason).split()))
        finally:
            watchdog.cancel()
            notice.done()
        if watchdog.fired:  # the watchdog cut the body short (whatever urllib3 made of the cut)
            return Response("GET", full, 0, error=self._timed_out(_deadline_error(self.host + full, True)))
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        if previous is not None and previous.status == int(response.status) and previous.text == text:
            return Response("GET", full, previous.status, previous.body, text)
        try:
            body = json.loads(text) if text.strip().startswith(("{", "[")) else None
        except json.JSONDecodeError:
            body = None
        return Response("GET", full, int(response.status), body, text)

    def _timed_out(self, message: str) -> str:
        """A deadline's error, with the limit that struck and the flag that sets it."""
        return f"{message}: no answer within {_seconds(self.timeout)} (--request-timeout sets the limit; 0 waits forever)"


def _seconds(timeout: Optional[float]) -> str:
    """A timeout as the flag takes it: 1s, 1.5s, 60s."""
    return f"{timeout:g}s" if timeout else "0"


class _Alarms:
    """One daemon thread that runs each request's timed callbacks (its deadline, its wait notice) when they fall
    due, unless cancelled first. A ``threading.Timer`` per request started a thread each time, and
    ``Thread.start`` waits for the new thread to run: ~1.5 ms of wall time a GET, most of what a quick GET costs
    on top of the round trip. The thread starts with the first alarm, and again in a forked child (threads
    do not survive ``fork``: tune's workers)."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._wake = threading.Condition()
        self._due: list[list[Any]] = []  # heap of [when (monotonic), order, callback or None once cancelled]
        self._order = 0
        self._thread: Optional[threading.Thread] = None

    def after(self, seconds: float, callback: Callable[[], None]) -> list[Any]:
        """Run ``callback`` in the alarm thread ``seconds`` from now; the handle cancels it."""
        with self._wake:
            self._order += 1
            alarm = [time.monotonic() + seconds, self._order, callback]
            heapq.heappush(self._due, alarm)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kubectl-hpa-alarms", daemon=True)
                self._thread.start()
            self._wake.notify()
        return alarm

    def cancel(self, alarm: list[Any]) -> None:
        with self._wake:
            alarm[2] = None  # dropped when it reaches the top of the heap

    def _run(self) -> None:
        due = self._due
        while True:
            with self._wake:
                while True:
                    while due and due[0][2] is None:
                        heapq.heappop(due)
                    wait = due[0][0] - time.monotonic() if due else None
                    if wait is not None and wait <= 0:
                        callback = heapq.heappop(due)[2]
                        break
                    self._wake.wait(wait)
            try:
                callback()  # outside the lock: a callback takes its own (a deadline shuts a socket)
            except Exception:  # a callback's own bug: printed, as a Timer thread would, and the other alarms go on
                import traceback

                traceback.print_exc()


_ALARMS = _Alarms()


class _WaitNotice:
    """On a terminal, one line on stderr saying what a slow request waits for, erased when it ends.

    Shown only after :data:`WAIT_NOTICE_AFTER` (a quick answer shows nothing) and only when stderr is a terminal,
    so a redirected or captured stderr never gets it."""

    def __init__(self, text: str, enabled: bool):
        self.text = text
        self.shown = False
        self._lock = threading.Lock()
        self._done = False
        self._alarm: Optional[list[Any]] = None
        if enabled and _stderr_is_terminal():
            self._alarm = _ALARMS.after(WAIT_NOTICE_AFTER, self._show)

    def _show(self) -> None:
        with self._lock:
            if self._done:
                return
            self.shown = True
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"\r\x1b[K{self.text}")
                sys.stderr.flush()

    def done(self) -> None:
        with self._lock:
            self._done = True
            if self.shown:
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.write("\r\x1b[K")
                    sys.stderr.flush()
        if self._alarm is not None:
            _ALARMS.cancel(self._alarm)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


_awaiting = threading.local()
"""Per thread, the :class:`_Watchdog` of the request being sent (watch reads from several threads at once)."""


class _Watchdog:
    """A deadline for one request: at ``timeout`` seconds from now it shuts the socket, which ends a read blocked
    on a dripping status line or headers (the connection registered itself: :func:`deadline_pools`) or on a
    dripping body (urllib3's ``HTTPResponse.shutdown``), in the thread that reads."""

    def __init__(self, timeout: Optional[float]):
        self.deadline = time.monotonic() + timeout if timeout else None
        self.fired = False
        self._lock = threading.Lock()
        self._response: Any = None
        self.reading = False  # the headers came: the deadline struck while the body was arriving
        self._connection: Any = None  # the urllib3 connection awaiting the headers
        self._done = False
        self._alarm: Optional[list[Any]] = None
        if timeout:
            self._alarm = _ALARMS.after(timeout, self._fire)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            if self._response is not None:
                with contextlib.suppress(OSError, ValueError, RuntimeError, AttributeError):  # released, or closed
                    self._response.shutdown()
            elif self._connection is not None:
                _shut(self._connection)

    def awaiting_headers(self, connection: Any) -> None:
        """``connection`` sent the request and now blocks until the status line and headers have come."""
        with self._lock:
            if self.fired:
                _shut(connection)
            elif not self._done:
                self._connection = connection

    def read(self, response: Any) -> bytes:
        """The whole body of the urllib3 ``response``, or what the deadline left of it (``fired`` tells)."""
        with self._lock:
            if self.fired:  # the headers came after the deadline
                response.close()
                return b""
            self._response, self._connection = response, None
            self.reading = True
        try:
            return response.read()
        finally:
            with self._lock:
                self._done = True
                self._response = None
            if self.fired:
                response.close()  # the socket is shut: never back to the pool
            else:
                response.release_conn()

    def cancel(self) -> None:
        with self._lock:
            self._done = True
        if self._alarm is not None:
            _ALARMS.cancel(self._alarm)


def _shut(connection: Any) -> None:
    """Shut a urllib3 connection's socket: a ``recv`` blocked on it in another thread returns at once."""
    import socket

    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_POOLS: dict[str, Any] = {}  # scheme -> our pool class, made on first use (urllib3 is imported lazily)


def _deadline_pool_classes() -> dict[str, Any]:
    if not _POOLS:
        from urllib3.connection import HTTPConnection, HTTPSConnection
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

        class DeadlineHTTPConnection(HTTPConnection):
            def getresponse(self, *args: Any, **kwargs: Any) -> Any:
                _register(self)
                return super().getresponse(*args, **kwargs)

        class DeadlineHTTPSConnection(HTTPSConnection):
            def getresponse(self, *args: Any, **kwargs: Any) -> Any:
                _register(self)
                return super().getresponse(*args, **kwargs)

        class DeadlineHTTPConnectionPool(HTTPConnectionPool):
            ConnectionCls = DeadlineHTTPConnection

        class DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
            ConnectionCls = DeadlineHTTPSConnection

        _POOLS.update(http=DeadlineHTTPConnectionPool, https=DeadlineHTTPSConnectionPool)
    return _POOLS


def _register(connection: Any) -> None:
    """Hand the connection about to await its headers to the request's watchdog, if any."""
    watchdog = getattr(_awaiting, "watchdog", None)
    if watchdog is not None:
        watchdog.awaiting_headers(connection)


def deadline_pools(pool_manager: Any) -> None:
    """Make ``pool_manager``'s connections tell the request's :class:`_Watchdog` when they await the headers, so
    the deadline also ends a server that drips its status line (urllib3's read timeout restarts with each byte).
    Only urllib3's own pool classes are replaced: a SOCKS proxy's pools are left alone."""
    from urllib3.poolmanager import pool_classes_by_scheme as defaults

    ours = _deadline_pool_classes()
    classes = getattr(pool_manager, "pool_classes_by_scheme", None)
    if classes is not None and all(classes.get(scheme) in (defaults[scheme], ours[scheme]) for scheme in ours):
        pool_manager.pool_classes_by_scheme = dict(ours)


def _deadline_error(url: str, reading: bool) -> str:
    """Go's wording for a Client.Timeout, awaiting the headers or while the body was arriving."""
    if not reading:
        return f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    return f'Get "{url}": context deadline exceeded (Client.Timeout or context cancellation while reading body)'


def transport_error(error: BaseException, url: str, timeout: Optional[float] = None) -> str:
    """Word a transport failure as Go's net/http does, innermost cause last (every read and watch says it so)."""
    import urllib3

    inner = getattr(error, "reason", None) or error
    refused = isinstance(inner, urllib3.exceptions.NewConnectionError) or isinstance(
        error, urllib3.exceptions.NewConnectionError)
    if refused and "refused" in str(inner).lower():
        return f'Get "{url}": dial tcp: connect: connection refused'
    if not refused and (isinstance(inner, urllib3.exceptions.TimeoutError)
                        or isinstance(error, urllib3.exceptions.TimeoutError)):
        return f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    text = str(inner)
    if "refused" in text.lower():
        return f'Get "{url}": dial tcp: connect: connection refused'
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return f'Get "{url}": dial tcp: lookup: no such host'
    if "RemoteDisconnected" in text or "Remote end closed connection" in text:
        return f'Get "{url}": EOF'  # the server closed the connection without an answer
    if "Connection reset by peer" in text or "ConnectionResetError" in text:
        return f'Get "{url}": read: connection reset by peer'
    return f'Get "{url}": {" ".join(text.split())}'


def _insecure_tls(configuration: Any) -> None:
    """kubectl says nothing about insecure-skip-tls-verify; we say it once per command, not urllib3's warning
    (two lines) for every request."""
    import urllib3

    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    print(INSECURE_WARNING, file=sys.stderr)


def connect(options: ConnectionOptions) -> Connection:
    """Build a client from kubeconfig (or in-cluster config) without touching global client state."""
    try:
        from .kube_client import ReadClient, modules

        client = modules()  # the client's configuration, REST and loader modules, not its 700 models
        ConfigException, InClusterConfigLoader = client.config_exception, client.incluster_config.InClusterConfigLoader
    except ImportError:  # pragma: no cover - the package is a dependency
        raise ClusterError("the 'kubernetes' Python package is not installed (pip install kubernetes)") from None

    configuration = client.configuration()
    paths = kubeconfig_paths(options.kubeconfig)
    if options.kubeconfig and not os.path.exists(paths[0]):
        raise ClusterError(f"kubeconfig {options.kubeconfig}: no such file")
    merged, used = merge_kubeconfigs(paths)
    namespace = options.namespace
    context_name = ""
    if used:
        contexts = {c.get("name"): c.get("context") or {} for c in merged["contexts"]}
        context_name = options.context or merged.get("current-context") or ""
        if options.context and options.context not in contexts:
            raise ClusterError(f'context "{options.context}" does not exist in {", ".join(used)}')
        if not context_name and not (options.cluster and options.user):
            raise ClusterError(f"no current context in {', '.join(used)}: pass --context")
        chosen = dict(contexts.get(context_name) or {})
        if options.cluster:
            chosen["cluster"] = options.cluster
        if options.user:
            chosen["user"] = options.user
        for key, section in (("cluster", "clusters"), ("user", "users")):
            names = {entry.get("name") for entry in merged[section]}
            if chosen.get(key) not in names and not (key == "user" and not chosen.get(key)):
                raise ClusterError(f'{key} "{chosen.get(key)}" of context "{context_name}" does not exist '
                                   f"in {', '.join(used)}")
        effective = "kubectl-hpa/effective"
        merged["contexts"] = [{"name": effective, "context": chosen}, *merged["contexts"]]
        try:
            strict_exec_loader()(config_dict=merged, active_context=effective).load_and_set(configuration)
        except CredentialError:
            raise
        except ConfigException as error:
            raise ClusterError(f"invalid kubeconfig: {error}") from None
        except Exception as error:  # exec plugins and auth providers fail in many ways
            raise ClusterError(f"cannot load credentials of context \"{context_name}\": "
                               f"{' '.join(str(error).split())}") from None
        namespace = namespace or chosen.get("namespace") or "default"
    elif os.environ.get(SERVICE_HOST_ENV) and os.environ.get(SERVICE_PORT_ENV):
        try:
            InClusterConfigLoader(token_filename="/var/run/secrets/kubernetes.io/serviceaccount/token",
                                  cert_filename="/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
                                  ).load_and_set(configuration)
        except ConfigException as error:
            raise ClusterError(f"in-cluster configuration: {error}") from None
        if namespace is None:
            try:
                with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding="utf-8") as handle:
                    namespace = handle.read().strip() or "default"
            except OSError:
                namespace = "default"
        context_name = "in-cluster"
    else:
        raise ClusterError(f"no kubeconfig found ({os.pathsep.join(paths)}) and not running in a cluster: "
                           "pass --kubeconfig or set KUBECONFIG")
    # One attempt per request: a --request-timeout of 1s must take about 1s, not 4 (urllib3 retries).
    configuration.retries = False
    if configuration.host.startswith("https:") and configuration.verify_ssl is False:
        _insecure_tls(configuration)
    api = ReadClient(configuration)
    deadline_pools(api.rest_client.pool_manager)
    if options.as_user:
        api.set_default_header("Impersonate-User", options.as_user)
    timeout = DEFAULT_REQUEST_TIMEOUT if options.request_timeout is None else options.request_timeout
    connection = Connection(api, namespace or "default", configuration.host, timeout, context_name)
    connection.impersonate_groups = tuple(options.as_groups)
    return connection
