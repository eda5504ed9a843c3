"""The parts of the official ``kubernetes`` client a read uses, imported without the rest of the package.

``import kubernetes`` (or ``from kubernetes import client``) runs the package's ``__init__``, which imports every
API class and every generated model: about 0.3 s and 34 MiB, most of a live ``explain NAME``. A read needs four
modules of it: ``client.configuration`` (the settings the kubeconfig loader fills: host, token, TLS, proxy),
``client.rest`` (its urllib3 pool), and ``config.kube_config`` / ``config.incluster_config`` (the loaders,
exec plugins and auth providers). :func:`modules` imports just those, through package objects whose own
``__init__`` has not run yet (:func:`_deferred_package`); the first time anything asks a deferred package for a
name it does not hold yet (``from kubernetes.client import CoreV1Api``), the package's real ``__init__`` runs, so
the rest of the process still sees the whole client.

:class:`ReadClient` is what :class:`~kubectl_hpa.sources.cluster_client.Connection` sends GETs through: the
client's own ``Configuration`` (auth settings, refreshed tokens) and ``RESTClientObject`` (its connection pool),
with the two ``ApiClient`` methods a raw GET uses, ``param_serialize`` and ``call_api``, written for GETs only.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any, NamedTuple, Optional
from urllib.parse import quote

USER_AGENT = "OpenAPI-Generator/37.0.2/python"
"""What the official ``ApiClient`` sends as User-Agent (kept, so a server's audit log sees the same client)."""

_COMPLETING = threading.RLock()
"""Held while a deferred package's ``__init__`` runs."""
_STAND_INS: dict[str, dict[str, Any]] = {}
"""Per deferred package, the names :func:`modules` set on it before its ``__init__`` ran (dropped when it runs)."""
_OIDC_ONLY = ("oauthlib.oauth2", "requests_oauthlib")
"""What kube_config imports for the OIDC auth provider only (``requests_oauthlib`` imports ``requests``)."""
_DEFERRED = ("kubernetes", "kubernetes.client", "kubernetes.config", "kubernetes.utils")
"""The packages whose ``__init__`` imports far more than a read needs (``utils`` imports the client too)."""


class ClientModules(NamedTuple):
    """The client's modules a read uses."""

    configuration: Any  # kubernetes.client.configuration.Configuration
    rest: ModuleType  # kubernetes.client.rest
    kube_config: ModuleType  # kubernetes.config.kube_config
    incluster_config: ModuleType  # kubernetes.config.incluster_config
    config_exception: Any  # kubernetes.config.config_exception.ConfigException


def modules() -> ClientModules:
    """Import the client's configuration, REST and config-loader modules, and only those (once per process)."""
    if "kubernetes" not in sys.modules:
        for name in _DEFERRED:
            _deferred_package(name)
        configuration = importlib.import_module("kubernetes.client.configuration")
        names = vars(sys.modules["kubernetes.client"])
        # The loaders import these names from the package; ApiClient is only used by helpers we never call
        # (new_client_from_config): ReadClient stands in until the package's real __init__ runs.
        if "Configuration" not in names:
            names.update(Configuration=configuration.Configuration, ApiClient=ReadClient)
            _STAND_INS["kubernetes.client"] = {"ApiClient": ReadClient}
    rest = importlib.import_module("kubernetes.client.rest")
    if "kubernetes.config.kube_config" not in sys.modules:
        # kube_config imports the OAuth libraries (and through them requests) at its top, for one thing: refreshing
        # an OIDC token. They wait until then: ~40 ms of every live command's start-up.
        for name in _OIDC_ONLY:
            if name not in sys.modules:
                _deferred_package(name)
        if "__getattr__" in vars(sys.modules["requests_oauthlib"]):
            vars(sys.modules["requests_oauthlib"])["OAuth2Session"] = _OAuth2Session
            _STAND_INS["requests_oauthlib"] = {"OAuth2Session": _OAuth2Session}
    kube_config = importlib.import_module("kubernetes.config.kube_config")
    incluster_config = importlib.import_module("kubernetes.config.incluster_config")
    config_exception = importlib.import_module("kubernetes.config.config_exception")
    configuration_class = importlib.import_module("kubernetes.client.configuration").Configuration
    return ClientModules(configuration_class, rest, kube_config, incluster_config, config_exception.ConfigException)


def _deferred_package(name: str) -> None:
    """Put package ``name`` in ``sys.modules`` with its ``__path__`` (so submodules import) but without running its
    ``__init__`` until a name it lacks is asked for: then it runs, once, and the package is the real one."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - the package is a dependency
        raise ImportError(f"No module named {name!r}")
    package = importlib.util.module_from_spec(spec)

    names = vars(package)
    state: dict[str, Any] = {"runner": None, "done": False}  # runner: the thread running the __init__

    def complete(attribute: str) -> Any:
        # A dunder probe, or the __init__ asking for a name it has not defined yet: as for any module, none.
        if attribute.startswith("__") or state["runner"] == threading.get_ident():
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        with _COMPLETING:  # two threads (watch's) may ask at once: one runs the __init__, the other waits for it
            if not state["done"]:
                state["runner"] = threading.get_ident()
                try:
                    for stand_in, value in _STAND_INS.pop(name, {}).items():
                        if names.get(stand_in) is value:  # the real one comes with the package's __init__
                            del names[stand_in]
                    spec.loader.exec_module(package)  # type: ignore[union-attr]
                finally:
                    state["runner"] = None
                state["done"] = True
                if names.get("__getattr__") is complete:  # (the real __init__ may define its own)
                    del names["__getattr__"]
        return getattr(package, attribute)

    names["__getattr__"] = complete
    parent, _, child = name.rpartition(".")
    if parent and parent not in sys.modules:
        importlib.import_module(parent)
    sys.modules[name] = package
    if parent:
        setattr(sys.modules[parent], child, package)


class _OAuth2Session:
    """Stands for ``requests_oauthlib.OAuth2Session`` in kube_config until an OIDC token is refreshed: making one
    completes the deferred package and makes the real session."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        package = sys.modules["requests_oauthlib"]
        complete = vars(package).get("__getattr__")
        real = complete("OAuth2Session") if complete is not None else package.OAuth2Session
        if real is cls:  # pragma: no cover - the package's __init__ failed half-way
            raise ImportError("requests_oauthlib.OAuth2Session could not be imported")
        return real(*args, **kwargs)


class ReadClient:
    """``ApiClient``'s request path for GETs: the same URL, headers and authentication, without the models."""

    def __init__(self, configuration: Any):
        self.configuration = configuration
        self.rest_client = modules().rest.RESTClientObject(configuration)
        self.default_headers: dict[str, str] = {"User-Agent": USER_AGENT}

    def set_default_header(self, name: str, value: str) -> None:
        self.default_headers[name] = value

    def param_serialize(self, method: str, resource_path: str, query_params: Optional[list[tuple[str, Any]]] = None,
                        header_params: Optional[dict[str, Any]] = None,
                        auth_settings: Optional[list[str]] = None) -> tuple[str, str, dict[str, Any], None, None]:
        """(method, url, headers, body, post parameters), as ``ApiClient.param_serialize`` builds them for a GET."""
        headers = {**(header_params or {}), **self.default_headers}
        queries = list(query_params or ())
        settings = self.configuration.auth_settings()
        for auth in auth_settings or ():
            setting = settings.get(auth)
            if not setting:
                continue
            if setting["in"] == "header" and setting["type"] != "http-signature":
                headers[setting["key"]] = setting["value"]
            elif setting["in"] == "query":
                queries.append((setting["key"], setting["value"]))
        url = self.configuration.host + resource_path
        if queries:
            url += "?" + "&".join(f"{key}={quote(str(value))}" for key, value in queries)
        return method, url, headers, None, None

    def call_api(self, method: str, url: str, header_params: Optional[dict[str, Any]] = None, body: Any = None,
                 post_params: Any = None, _request_timeout: Any = None) -> Any:
        """The request through the client's pool (``RESTClientObject.request``), as ``ApiClient.call_api`` sends it."""
        return self.rest_client.request(method, url, headers=header_params, body=body, post_params=post_params,
                                        _request_timeout=_request_timeout)
