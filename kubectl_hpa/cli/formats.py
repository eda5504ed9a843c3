"""Each verb's ``-o`` formats, in one table per verb: the choices click offers and what each one writes.

A format renders the verb's typed result (explain's :class:`Explanation`, simulate's :class:`Simulation`);
adding a format is one entry here, and the ``-o`` choices, its help and the dispatch follow.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any, Callable, NamedTuple, Optional, Sequence

if TYPE_CHECKING:
    from ..usecases.explain import Explanation
    from ..usecases.simulate import Simulation
    from .common import OutputEnv

# ----------------------------------------------------------------------------- explain

TRACE = "trace"  # the default: no -o


class ExplainFormat(NamedTuple):
    """How ``explain -o NAME`` writes one explanation, and several (``-A``, or a file without NAME)."""

    one: Callable[[Explanation, OutputEnv], str]
    many: Callable[[Sequence[Explanation], OutputEnv], str]


def _document(explanation: Explanation) -> dict[str, Any]:
    from ..render.document import decision_document

    return decision_document(explanation.decision, history_known=explanation.history_known,
                             live_status=explanation.live_status, findings=list(explanation.findings),
                             controller=explanation.controller)


def _list_document(explanations: Sequence[Explanation]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": [_document(e) for e in explanations]}


def _json(document: dict[str, Any]) -> str:
    from ..render.document import to_json

    return to_json(document)


def _yaml(document: dict[str, Any]) -> str:
    from ..render.document import to_yaml

    return to_yaml(document)


def _summary(wide: bool) -> Callable[[Sequence[Explanation], OutputEnv], str]:
    """The summary rows; ``wide`` adds the CONTROLLER column (``-o table`` keeps its columns for scripts)."""

    def render(explanations: Sequence[Explanation], env: OutputEnv) -> str:
        from ..render.summary import render_summary

        controller = explanations[0].controller if wide and explanations else None
        return render_summary([(e.decision, e.problem_ids) for e in explanations], controller)

    return render


def _trace(wide: bool) -> Callable[[Explanation, OutputEnv], str]:
    def render(explanation: Explanation, env: OutputEnv) -> str:
        from ..render.trace import render_diagnosis, render_trace

        return (render_trace(explanation.decision, env.style, wide=wide, history_known=explanation.history_known,
                             live_status=explanation.live_status, controller=explanation.controller)
                + render_diagnosis(list(explanation.findings), env.style, wide=wide))

    return render


EXPLAIN_FORMATS: dict[str, ExplainFormat] = {
    "table": ExplainFormat(one=lambda e, env: _summary(wide=False)([e], env), many=_summary(wide=False)),
    "wide": ExplainFormat(one=_trace(wide=True), many=_summary(wide=True)),
    "json": ExplainFormat(one=lambda e, env: _json(_document(e)), many=lambda es, env: _json(_list_document(es))),
    "yaml": ExplainFormat(one=lambda e, env: _yaml(_document(e)), many=lambda es, env: _yaml(_list_document(es))),
    TRACE: ExplainFormat(one=_trace(wide=False), many=_summary(wide=False)),
}
EXPLAIN_CHOICES = tuple(name for name in EXPLAIN_FORMATS if name != TRACE)
EXPLAIN_HELP = ("table: one summary row per HPA; wide: the trace with every pod (several HPAs: the rows and the "
                "controller emulated); json|yaml: the document. Default: the step-by-step trace and the diagnosis.")


def explain_format(output: Optional[str]) -> ExplainFormat:
    return EXPLAIN_FORMATS[output or TRACE]


# ----------------------------------------------------------------------------- simulate

Writer = Callable[[IO[str]], None]


class SimulateFormat(NamedTuple):
    """How ``simulate -o NAME`` writes a simulation: ``stream`` runs it (streaming each run's steps into what
    the view keeps: a table's rows, the entries spooled to a temporary file) and returns the writer of the
    output, so that nothing is written unless every run got to its end; calling the format gives the text."""

    stream: Callable[[Simulation, OutputEnv], Writer]

    def __call__(self, simulation: Simulation, env: OutputEnv) -> str:
        import io

        out = io.StringIO()
        self.stream(simulation, env)(out)
        return out.getvalue()


def _documents(output: str) -> Callable[[Simulation, OutputEnv], Writer]:
    """``-o json|yaml``: the entries streamed one by one, the rest of the document dumped as always."""

    def stream(simulation: Simulation, env: OutputEnv) -> Writer:
        from ..render.entries import placeholder
        from ..render.timeline import documents_list, run_document, spool_entries, write_documents

        runs = [run for _, run in simulation.runs]
        spools = spool_entries(runs, output)

        def write(out: IO[str]) -> None:
            documents = [run_document(run, placeholder(index)) for index, run in enumerate(runs)]
            comparison = simulation.comparison
            if comparison is not None:
                documents[0]["comparison"] = comparison.document()
            write_documents(documents_list(documents), spools, output, out)

        return write

    return stream


def _csv(simulation: Simulation, env: OutputEnv) -> Writer:
    from ..render.entries import Spool
    from ..render.timeline import CsvRows
    from .common import UserError

    if len(simulation.runs) > 1:
        raise UserError("-o csv holds one run; use -o json with --compare")
    spool = Spool()
    rows = CsvRows(spool)
    rows.add_all(simulation.runs[0][1])
    rows.finish()

    def write(out: IO[str]) -> None:
        spool.copy_to(out)
        spool.close()

    return write


def _comparison_line(simulation: Simulation) -> str:
    comparison = simulation.comparison
    if comparison is None:
        return ""
    return (f"\nAgainst the recording ({comparison.samples} observations): mean absolute error "
            f"{comparison.mean_absolute_error:.2f} replicas, RMSE {comparison.root_mean_square_error:.2f}, "
            f"max {comparison.max_absolute_error}, equal {comparison.share_equal:.0%} of the time\n")


def _timeline(wide: bool) -> Callable[[Simulation, OutputEnv], Writer]:
    def stream(simulation: Simulation, env: OutputEnv) -> Writer:
        import shutil

        from ..render import timeline

        # On a terminal, fit its width (as kubectl and k9s do); piped, every word stays (files, goldens).
        width = shutil.get_terminal_size().columns if env.is_tty else None
        title = timeline.title(simulation.runs[0][1])
        if len(simulation.runs) > 1:
            summaries = []
            for _, run in simulation.runs:
                for _ in run:
                    pass
                summaries.append(run.summary())
            text = title + timeline.render_comparison(simulation.runs, width=width, summaries=summaries)

            def write_comparison(out: IO[str]) -> None:
                out.write(text + _comparison_line(simulation))

            return write_comparison
        run = simulation.runs[0][1]
        chart = timeline.ChartSeries() if width is not None else None
        table = timeline.table_of(run, wide=wide, also=chart.add if chart else None)

        def write(out: IO[str]) -> None:
            out.write(title)
            if chart is not None:
                out.write(timeline.chart_text(chart, run.scenario.hpa.max_replicas, run.duration,
                                              columns=width) + "\n")
            table.write(out, width)
            out.write(_comparison_line(simulation))

        return write

    return stream


SIMULATE_FORMATS: dict[str, SimulateFormat] = {
    "table": SimulateFormat(_timeline(wide=False)),
    "wide": SimulateFormat(_timeline(wide=True)),
    "csv": SimulateFormat(_csv),
    "json": SimulateFormat(_documents("json")),
    "yaml": SimulateFormat(_documents("yaml")),
}
SIMULATE_HELP = "table: the timeline (changes) and a summary; wide: every sync; csv|json|yaml: every sync."
