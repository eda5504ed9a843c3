"""The registry keeps each check's ids, ranks and code together; these tests keep it complete and in order."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import kubectl_hpa.diagnose as package
from kubectl_hpa.diagnose import run
from kubectl_hpa.diagnose.registry import UNRANKED, RegistryError, checks, declare, rank_of, ranks

from .helpers import fixture_files, hpa_keys, load

# The run order of the catalogue's top-12 list before the split (checks.py's ORDER tuple), where F90
# covered the forbidden read, the failed read and the malformed object.
ORDER_BEFORE_SPLIT = ("F31", "F18", "F28", "F19", "F22", "F21", "F20", "F01", "F02", "F03", "F11", "F12", "F17",
                      "F08", "F09", "F07", "F10", "F06", "F13", "F14", "F15", "F16", "F25", "F27", "F24", "F23",
                      "F30", "F26", "F32", "F90", "F91")
F90_SPLIT = ("F90", "F92", "F93")  # forbidden read, failed read, malformed object: where F90 ranked

# The order the checks ran in before the split (checks.py's CHECKS tuple, then check_live). It decides
# which of two findings with the same id and title is kept, and which malformed object F93 names.
RUN_ORDER_BEFORE_SPLIT = (
    "check_keda", "check_scale", "check_api_version", "check_selector", "check_disabled", "check_bounds",
    "check_replicas_fight", "check_resource_api", "check_custom_api", "check_external", "check_foreign_pods",
    "check_ambiguous", "check_requests", "check_container", "check_no_resource_metrics", "check_custom_metrics",
    "check_failing_blocks", "check_pods_damping", "check_tolerance", "check_stabilization", "check_vpa",
    "check_memory", "check_failed_rescale", "check_reads", "check_live",
)


# The second round (F33-F40) slots in where a cause the user can fix comes before the symptom it explains:
# pods that never came right after the bounds, the metrics API's backend next to its availability, a target the
# limits make unreachable next to the requests, the rollout, the Value target, resizes and the spread by the pod
# findings, the time to react among the notes on the rate limit.
SECOND_ROUND = {"F37": "F21", "F34": "F12", "F36": "F07", "F33": "F16", "F35": "F33", "F38": "F27", "F39": "F38",
                "F40": "F23"}
"""Each new id and the id it comes right after."""
SECOND_ROUND_CHECKS = {"check_pods_never_came": "check_bounds", "check_backends": "check_external",
                       "check_reachable_target": "check_requests", "check_rollout": "check_custom_metrics",
                       "check_value_target": "check_rollout", "check_resize": "check_pods_damping",
                       "check_spread": "check_resize", "check_reaction": "check_stabilization"}


def _with_second_round(order: tuple[str, ...], after: dict[str, str]) -> list[str]:
    out = list(order)
    for new, previous in after.items():
        out.insert(out.index(previous) + 1, new)
    return out


def test_ranks_give_the_order_of_before_the_split() -> None:
    by_rank = sorted(ranks(), key=lambda finding_id: (rank_of(finding_id), finding_id))
    expected = [i for finding_id in ORDER_BEFORE_SPLIT for i in (F90_SPLIT if finding_id == "F90" else (finding_id,))]
    assert [i for i in by_rank if i not in SECOND_ROUND] == expected
    assert by_rank == _with_second_round(tuple(expected), SECOND_ROUND)


def test_only_the_split_f90_shares_a_rank() -> None:
    assert len({rank_of(i) for i in F90_SPLIT}) == 1
    others = [rank_of(i) for i in ranks() if i not in F90_SPLIT]
    assert len(others) == len(set(others))
    assert rank_of("F99") == UNRANKED > max(ranks().values())


def test_ids_are_unique_and_named_as_the_catalogue_names_them() -> None:
    declared = list(ranks())
    assert len(declared) == len(set(declared))
    assert all(re.fullmatch(r"F\d\d", i) for i in declared)
    for registered in checks():
        assert len(registered.ids) == len(set(registered.ids))
        assert all(ranks()[i] == r for i, r in registered.ranks.items())


def test_checks_run_in_the_order_of_before_the_split() -> None:
    names = tuple(c.name for c in checks())
    assert tuple(n for n in names if n not in SECOND_ROUND_CHECKS) == RUN_ORDER_BEFORE_SPLIT
    assert list(names) == _with_second_round(RUN_ORDER_BEFORE_SPLIT, SECOND_ROUND_CHECKS)


def test_every_check_is_registered() -> None:
    """Every ``check_*`` function of the package is registered, from a module the runner imports."""
    registered = {c.function for c in checks()}
    found = set()
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and function.__module__ == module.__name__:
                found.add(function)
    assert found == registered
    assert {c.function.__module__ for c in checks()} == {m.__name__ for m in run.SUBJECTS}


def test_every_id_in_the_code_is_declared() -> None:
    """A ``Finding("Fnn", ...)`` in the package has a rank: no finding falls to the end unranked."""
    source = "".join(path.read_text(encoding="utf-8") for path in Path(package.__file__).parent.glob("*.py"))
    written = set(re.findall(r'Finding\(\s*"(F\d\d)"', source))
    assert written == set(ranks())


def test_a_check_emits_only_the_ids_it_declares() -> None:
    from kubectl_hpa.core.decide import decide
    from kubectl_hpa.diagnose.context import Context
    from kubectl_hpa.sources.snapshot import choose_hpa, sync_input

    seen = set()
    for path in fixture_files():
        snapshot = load(path)
        for key in hpa_keys(snapshot):
            namespace, _, name = key.partition("/")
            hpa = choose_hpa(snapshot, name, namespace)
            inputs = sync_input(snapshot, hpa)
            ctx = Context(snapshot, hpa, inputs, decide(inputs), inputs.state is not None)
            for registered in checks():
                for finding in registered.function(ctx):
                    assert finding.id in registered.ids, (registered.name, finding.id)
                    seen.add(finding.id)
    assert seen  # the fixtures exercise the checks at all


def test_a_conflicting_rank_is_refused() -> None:
    with pytest.raises(RegistryError):
        declare("F12", rank_of("F12") + 1)
    assert rank_of("F12") == 120
