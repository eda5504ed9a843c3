"""``kubectl hpa watch``: a live view of HPA decisions, with history and an optional recorded timeline.

Exit codes: 0 done or interrupted (Ctrl-C), 1 error (cluster unreachable, forbidden HPA list, ...), 2 usage.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import time
from typing import IO, TYPE_CHECKING, Optional

import click

from ..sources.options import ConnectionOptions
from .common import OutputEnv, UserError, controller_options, duration_callback
from .connection import connection_options
from .versioning import check_version_flags, choose_version, version_options

if TYPE_CHECKING:
    from ..watch.engine import Engine
    from ..watch.rows import Frame


def _columns(stream: IO) -> int:
    """The terminal's width now (it may have been resized); $COLUMNS only when the terminal cannot say."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size((120, 40)).columns


def _terminate(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _refresh(engine: Engine) -> Frame:
    """One refresh; a --shadow candidate that turns out not to fit the live HPA is one error line."""
    from ..watch.shadow import ShadowError

    try:
        return engine.refresh()
    except ShadowError as error:
        raise UserError(str(error)) from None


@click.command()
@click.argument("name", required=False)
@click.option("-n", "--namespace", metavar="NS", help="The namespace (default: the kubeconfig context's).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Watch the HPAs of every namespace.")
@click.option("-l", "--selector", metavar="SELECTOR", help="Only HPAs with these labels (e.g. team=shop,tier!=batch).")
@click.option("--interval", callback=duration_callback(minimum=0.1, examples="2s or 1m"), default="2s",
              show_default=True, metavar="DURATION",
              help="How often the metrics are read and the decisions recomputed.")
@click.option("--once", is_flag=True, help="Print one frame and exit (for scripts).")
@click.option("--record", "record_path", metavar="FILE.jsonl", type=click.Path(dir_okay=False, writable=True),
              help="Append every observation to FILE as one JSON line (replay: kubectl hpa explain --timeline FILE; "
                   "compare: kubectl hpa simulate --compare-with FILE).")
@click.option("--shadow", "shadow_path", metavar="CANDIDATE.yaml", type=click.Path(dir_okay=False),
              help="Dry-run a candidate HPA spec beside NAME's: the same readings, its own controller memory; "
                   "shows (and --record keeps) what it would set and why. Nothing is written to the cluster.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour on a terminal; NO_COLOR turns it off (and, as for a pipe, switches to plain lines).")
@click.option("--max-refreshes", type=click.IntRange(min=1), hidden=True, help="Stop after N refreshes (tests).")
@click.option("--watch-timeout", type=click.IntRange(min=1), default=300, hidden=True,
              help="timeoutSeconds of each watch request.")
@click.option("--stats", is_flag=True, hidden=True, help="Per-refresh cost as JSON lines on stderr (benchmarks).")
@connection_options(timeout_default="3 x --interval, at least 5s, so that a hung read never freezes the view")
@controller_options
@version_options
def watch(name: Optional[str], namespace: Optional[str], all_namespaces: bool, selector: Optional[str],
          interval: float, once: bool, record_path: Optional[str], shadow_path: Optional[str], color: str,
          max_refreshes: Optional[int],
          watch_timeout: int, stats: bool, connection: ConnectionOptions, kubernetes_version: Optional[str],
          feature_gates: Optional[str], **controller: Optional[float]) -> None:
    """Watch HPAs decide, live: metrics with trends, replicas, the controller's verdict (scaling, holding,
    held by the scale-down window until when, limited by policy, metric failing), the last rescale and its
    reason, and a short history.

    \b
    On a terminal the view is redrawn in place; piped, or with NO_COLOR, it prints one
    timestamped line per change, so `kubectl hpa watch > log` is useful.

    \b
    Examples:
      kubectl hpa watch -n shop                      # every HPA of the namespace
      kubectl hpa watch web -n shop --record run.jsonl
      kubectl hpa watch -A -l team=payments --interval 5s
      kubectl hpa watch -A --once                    # one frame, then exit
      kubectl hpa explain --timeline run.jsonl       # why each rescale of the recording happened
      kubectl hpa watch web -n shop --shadow tuned.yaml --record run.jsonl   # a dry run of tuned.yaml

    \b
    The header names the controller emulated: the cluster's release (read once, at start), else
    --kubernetes-version's.

    \b
    Exit codes: 0 done or interrupted with Ctrl-C, 1 error, 2 usage error (a Kubernetes version
    or feature gate that cannot be emulated too).
    """
    from ..record import write_observations
    from ..sources.cluster import server_version
    from ..sources.cluster_client import ClusterError, connect
    from ..watch.engine import Engine
    from ..watch.view import PlainLog, Screen, frame_lines, plain_header

    if name and all_namespaces:
        raise click.UsageError("a resource cannot be retrieved by name across all namespaces")
    shadow = None
    if shadow_path is not None:
        from pathlib import Path

        from ..watch.shadow import Shadow, ShadowError, load_candidate

        if not name:
            raise click.UsageError("--shadow needs the NAME of the HPA the candidate shadows")
        try:
            shadow = Shadow(load_candidate(Path(shadow_path)), name)
        except ShadowError as error:
            raise UserError(str(error)) from None
    env = OutputEnv.detect(color)
    tty = env.is_tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    check_version_flags(kubernetes_version, feature_gates)
    record: Optional[IO] = None
    if record_path:
        try:
            record = open(record_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in finally
        except OSError as error:
            raise UserError(f"{record_path}: {error.strerror or error}") from None
    screen = Screen(env.stdout)
    engine = None
    previous = None
    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        try:
            client = connect(connection)
            client.announce_waits = False  # the view owns the terminal; a slow read shows in its rows
            if connection.request_timeout is None:  # a metrics API that hangs must not freeze the view
                client.timeout = max(5.0, 3 * interval)
            # The release is read once: a controller upgrade under a running watch is a new watch.
            reported = server_version(client) if kubernetes_version is None else None
            choice = choose_version(kubernetes_version, feature_gates, reported, None, "the cluster")
            choice.say()
            settings = choice.settings(controller)
            scope = None if all_namespaces else (namespace or client.namespace)
            engine = Engine(client, scope, name=name, selector=selector, settings=settings, watch=not once,
                            watch_timeout=watch_timeout, shadow=shadow)
            engine.start()
        except ClusterError as error:
            raise UserError(str(error)) from None
        log = PlainLog()
        if tty and not once:
            screen.open()
        count = 0
        while True:
            started, cpu = time.monotonic(), time.process_time()
            frame = _refresh(engine)
            if record is not None:
                write_observations(record, frame.observations())
            if once:
                env.write("\n".join(frame_lines(frame, env.style if tty else env.style.__class__(False))) + "\n")
                break
            if tty:
                width = _columns(env.stdout)
                screen.draw(frame_lines(frame, env.style, width=width, history=True, interval=interval))
            else:
                if count == 0:
                    env.write(plain_header(frame) + "\n")
                out, err = log.lines(frame)
                if out:
                    env.write("".join(line + "\n" for line in out))
                for line in err:
                    click.echo(line, err=True)
            count += 1
            if stats:
                click.echo(json.dumps({"refresh": count, "hpas": len(frame.rows), "requests": frame.requests,
                                       "cpu": round(time.process_time() - cpu, 6),
                                       "wall": round(time.monotonic() - started, 6)}), err=True)
            if max_refreshes and count >= max_refreshes:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # `kubectl hpa watch | head`
        with contextlib.suppress(OSError, ValueError):  # silence the interpreter's flush at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        screen.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if engine is not None:
            engine.stop()
        if record is not None:
            record.close()
