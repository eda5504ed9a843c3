"""What the watch test modules share: a fixed clock, an engine on the test API server, the golden files.

Test modules import from here (or from :mod:`tests.watch.objects` for API objects, and
:mod:`tests.helpers` for what every suite shares), never from a conftest or another test module.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Optional

from kubectl_hpa.sources.cluster_client import ConnectionOptions, connect
from kubectl_hpa.watch.engine import Engine
from tests import helpers

T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z: a fixed clock for golden frames
GOLDEN = Path(__file__).parent / "golden"


def engine(kubeconfig: Path, namespace: Optional[str] = "shop", clock: Optional[Callable[[], float]] = None,
           watch: bool = False, **kwargs: Any) -> Engine:
    """A started engine on the test API server; without watch threads unless ``watch`` (faster, deterministic)."""
    made = Engine(connect(ConnectionOptions(kubeconfig=str(kubeconfig))), namespace, clock=clock or time.time,
                  watch=watch, **kwargs)
    made.start()
    return made


def relist(watcher: Engine) -> Engine:
    """Without watch threads the stores are re-listed by hand (the watch tests cover the streams)."""
    for informer in watcher.informers.values():
        informer.list()
    return watcher


def check_golden(name: str, text: str) -> None:
    """``text`` must be tests/watch/golden/NAME byte for byte (UPDATE_GOLDEN=1 rewrites it)."""
    helpers.check_golden(GOLDEN / name, text)
