"""The kubectl connection flags (``--kubeconfig``, ``--context``, ...) shared by the verbs that read a cluster.

Nothing here imports ``kubernetes``: the flags are parsed into a plain
``ConnectionOptions`` and the client is built only when a command connects.
"""

from __future__ import annotations

import functools
from typing import Callable, Optional

import click

from ..sources.options import DEFAULT_REQUEST_TIMEOUT, ConnectionOptions
from .common import duration_callback

CONNECTION_KEYS = ("kubeconfig", "context", "cluster", "user", "request_timeout", "as_user", "as_group")


def _timeout(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[float]:
    """kubectl's --request-timeout: "0" (none), a bare number of seconds, or a duration like 1s, 2m."""
    if value is None:
        return None  # not given: ConnectionOptions' default deadline
    seconds = duration_callback(examples="10s, 1m or 0 (no timeout)")(ctx, param, value)
    return seconds or 0.0


def connection_options(function: Optional[Callable] = None, *,
                       timeout_default: str = f"{DEFAULT_REQUEST_TIMEOUT:g}s; kubectl's is 0") -> Callable:
    """Add kubectl's connection flags; the command receives them as one ``connection`` argument.

    ``@connection_options`` or ``@connection_options(timeout_default=...)`` for a verb whose requests have
    another deadline when none is given (watch's follows its interval)."""
    if function is None:
        return functools.partial(connection_options, timeout_default=timeout_default)
    options = [
        click.option("--kubeconfig", metavar="PATH", help="Path to the kubeconfig file (default: $KUBECONFIG, "
                     "several files merged, else ~/.kube/config, else the in-cluster service account)."),
        click.option("--context", metavar="NAME", help="The kubeconfig context to use."),
        click.option("--cluster", metavar="NAME", help="The kubeconfig cluster to use."),
        click.option("--user", metavar="NAME", help="The kubeconfig user to use."),
        click.option("--request-timeout", callback=_timeout, metavar="DURATION",
                     help=f"Timeout of each API request, e.g. 10s, 1m; 0 waits forever (default: {timeout_default})."),
        click.option("--as", "as_user", metavar="USER", help="Username to impersonate for the reads."),
        click.option("--as-group", "as_group", metavar="GROUP", multiple=True,
                     help="Group to impersonate (repeatable)."),
    ]

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        values = {key: kwargs.pop(key, None) for key in CONNECTION_KEYS}
        kwargs["connection"] = ConnectionOptions(
            kubeconfig=values["kubeconfig"], context=values["context"], cluster=values["cluster"],
            user=values["user"], request_timeout=values["request_timeout"], as_user=values["as_user"],
            as_groups=tuple(values["as_group"] or ()))
        return function(*args, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper
