"""How bad input is worded: one line that names the file, the object and the field.

Every reader in ``sources/`` raises :class:`SnapshotError` for what it checks itself. What it does not
check (a string where the API serves an object, a list where it serves a map) surfaces as one of
:data:`MALFORMED`; the public entry points catch those and turn them into a :class:`SnapshotError`
with :func:`malformed`, so that a mangled file is refused in one line, never with a traceback.
"""

from __future__ import annotations

from typing import Any

from .kube import describe


class SnapshotError(ValueError):
    """Input that is not a usable snapshot; the message is one line for the user."""


MALFORMED: tuple[type[Exception], ...] = (AttributeError, TypeError, KeyError, IndexError, ValueError)
"""What reading a field of the wrong shape raises (the entry points catch these and call :func:`malformed`)."""


def malformed(source: str, error: Exception) -> SnapshotError:
    """An object whose fields are not shaped as the API serves them, named from where the reading stopped.

    Rather than guarding every ``.get`` of every reader, the readers name what they are reading in
    their locals: a ``where`` string, or the object being read as ``item``, ``obj``, ``listing`` or
    ``document``. The innermost of our frames that holds one names the place in the message; keep
    those local names when moving or rewriting a reader.
    """
    if isinstance(error, SnapshotError):
        return error
    where = ""
    frame = error.__traceback__
    while frame is not None:  # the innermost of our frames that knows what it was reading wins
        names = frame.tb_frame.f_locals
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith("kubectl_hpa."):
            if isinstance(names.get("where"), str):
                where = names["where"]
            else:
                for key in ("item", "obj", "listing", "document"):
                    candidate: Any = names.get(key)
                    if isinstance(candidate, dict) and candidate.get("kind"):
                        where = describe(candidate)
                        break
        frame = frame.tb_next
    detail = f"{error.__class__.__name__}: {error}"
    return SnapshotError(f"{source}: {where or 'an object'}: not shaped as the API serves it ({detail})")
