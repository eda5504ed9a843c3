"""Each verb's ``-o`` formats, in one table per verb: the choices click offers and what each one writes.

A format renders the verb's typed result (explain's :class:`Explanation`, simulate's :class:`Simulation`);
adding a format is one entry here, and the ``-o`` choices, its help and the dispatch follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

if TYPE_CHECKING:
    from ..usecases.explain import Explanation
    from ..usecases.simulate import Simulation
    from .common import OutputEnv

# ----------------------------------------------------------------------------- explain

TRACE = "trace"  # the default: no -o


@dataclass(frozen=True)
class ExplainFormat:
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

SimulateFormat = Callable[["Simulation", "OutputEnv"], str]


def _simulation_document(simulation: Simulation) -> dict[str, Any]:
    from ..render.document import API_VERSION
    from ..render.timeline import result_document

    documents = [result_document(result) for _, result in simulation.runs]
    if simulation.comparison is not None:
        documents[0]["comparison"] = simulation.comparison.document()
    if len(documents) == 1:
        return documents[0]
    return {"apiVersion": API_VERSION, "kind": "SimulationList", "items": documents}


def _csv(simulation: Simulation, env: OutputEnv) -> str:
    from ..render.timeline import render_csv
    from .common import UserError

    if len(simulation.runs) > 1:
        raise UserError("-o csv holds one run; use -o json with --compare")
    return render_csv(simulation.runs[0][1])


def _timeline(wide: bool) -> SimulateFormat:
    def render(simulation: Simulation, env: OutputEnv) -> str:
        import shutil

        from ..render import timeline

        # On a terminal, fit its width (as kubectl and k9s do); piped, every word stays (files, goldens).
        width = shutil.get_terminal_size().columns if env.is_tty else None
        out = [timeline.title(simulation.runs[0][1])]
        if len(simulation.runs) > 1:
            out.append(timeline.render_comparison(simulation.runs, width=width))
        else:
            result = simulation.runs[0][1]
            if width is not None:
                out.append(timeline.render_chart(result, columns=width) + "\n")
            out.append(timeline.render_table(result, wide=wide, width=width))
        comparison = simulation.comparison
        if comparison is not None:
            out.append(f"\nAgainst the recording ({comparison.samples} observations): mean absolute error "
                       f"{comparison.mean_absolute_error:.2f} replicas, RMSE {comparison.root_mean_square_error:.2f}, "
                       f"max {comparison.max_absolute_error}, equal {comparison.share_equal:.0%} of the time\n")
        return "".join(out)

    return render


SIMULATE_FORMATS: dict[str, SimulateFormat] = {
    "table": _timeline(wide=False),
    "wide": _timeline(wide=True),
    "csv": _csv,
    "json": lambda simulation, env: _json(_simulation_document(simulation)),
    "yaml": lambda simulation, env: _yaml(_simulation_document(simulation)),
}
SIMULATE_HELP = "table: the timeline (changes) and a summary; wide: every sync; csv|json|yaml: every sync."
