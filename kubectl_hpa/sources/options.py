"""kubectl's connection flags as the commands pass them on, in a module that imports nothing else of ours.

Why a module of its own: every verb's options, and the simulate and explain use cases' requests, name
:class:`ConnectionOptions` at import time, offline paths included. Defined in ``cluster_client.py`` it made
``explain -f`` and ``simulate`` load the client module and what it imports (``urllib.parse``, the kubeconfig
reader) for nothing: ~3-5 ms of each start (``python -X importtime``). ``cluster_client`` re-exports both
names, so ``from ..sources.cluster_client import ConnectionOptions`` still gives the same class.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

DEFAULT_REQUEST_TIMEOUT = 60.0
"""Seconds a request may take when ``--request-timeout`` is not given (kubectl's own client gives up after about 55)."""


class ConnectionOptions(NamedTuple):
    """The connection flags kubectl takes (``--kubeconfig``, ``--context``, ``--as``...), as the commands pass them on."""

    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    cluster: Optional[str] = None
    user: Optional[str] = None
    namespace: Optional[str] = None
    request_timeout: Optional[float] = None  # seconds; None: DEFAULT_REQUEST_TIMEOUT; 0: no timeout
    as_user: Optional[str] = None
    as_groups: tuple[str, ...] = ()
