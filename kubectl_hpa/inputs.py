"""Reading the user's files, bounded: no input, however made, can take unbounded memory or time to read.

Every file the plugin reads (a snapshot for ``explain -f``, a ``--timeline`` recording, a scenario,
its ``hpa:`` and csv or stages ``load:`` files, ``--hpa`` and ``--compare-with``) goes through
:func:`read_text` (standard input through :func:`read_stream`), and every YAML document through
:func:`load_yaml` or :func:`load_yaml_all`. The limits:

* :data:`MAX_INPUT_BYTES` (64 MiB) per file. The largest real input, a snapshot of a busy cluster
  (``explain -A -f``), is a few MiB; 64 MiB leaves room for recordings of days of ``watch --record``
  while keeping the decoded objects in a few hundred MiB of memory. A FIFO, a character device
  (``/dev/zero``) or standard input is read as a stream *up to* the limit, then refused: process
  substitution (``-f <(kubectl get hpa,pods -o yaml)``) is a FIFO and keeps working.
* :data:`MAX_EXPANDED_SIZE` for a YAML document whose aliases (``*name``) repeat other nodes: the
  document as the program walks it, every alias expanded, counted in nodes plus scalar characters, may
  not be larger than the largest file it could have been written out as. A "billion laughs" of a few
  hundred bytes is refused after walking its few dozen distinct nodes, before anything is expanded.
  A document whose alias refers to a node containing it (a recursive document) is refused too: no
  Kubernetes object or scenario is one, and walking it would never end.

Errors are :class:`InputTooLarge`, a ``ValueError`` whose message does not name the file: each reader
words it into its own error with the file name (``FILE: larger than ...``).

The module sits in the lowest layer (next to timefmt): the readers of every layer above use it, and it
imports nothing of ours.
"""

from __future__ import annotations

import io
import re
import sys
from typing import IO, TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union

if TYPE_CHECKING:  # a type only: pathlib (and the urllib.parse it loads) is ~4 ms of an explain -f start
    from pathlib import Path

_T = TypeVar("_T")

MAX_INPUT_BYTES = 64 * 2**20
"""The largest file (or standard input, FIFO, device) read, in bytes."""

MAX_EXPANDED_SIZE = MAX_INPUT_BYTES
"""The largest YAML document with aliases, counted with every alias expanded (nodes plus scalar characters)."""


class InputTooLarge(ValueError):
    """An input beyond the limits above; the message is worded to follow ``FILE: ``."""


def _mib(size: int) -> str:
    return f"{size // 2**20} MiB" if size % 2**20 == 0 else f"{size} bytes"


def too_large(limit: int = MAX_INPUT_BYTES) -> InputTooLarge:
    return InputTooLarge(f"larger than {_mib(limit)}, the limit for an input file")


def read_bytes(path: Union[str, Path], limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a file, at most ``limit`` of them: a FIFO or device is read up to the limit, then refused.

    Raises OSError as ``open`` does, and :class:`InputTooLarge`."""
    with open(path, "rb") as handle:
        return _bounded(handle, limit)


def _bounded(handle: IO[bytes], limit: int) -> bytes:
    data = handle.read(limit + 1)  # a buffered read returns fewer only at the end of the input
    if len(data) > limit:
        raise too_large(limit)
    return data


def decode(data: bytes, encoding: Optional[str] = None, errors: Optional[str] = None,
           newline: Optional[str] = None) -> str:
    """Bytes as ``open(path, encoding=..., errors=..., newline=...).read()`` would have decoded them
    (the locale's encoding by default, universal newlines unless ``newline`` says otherwise)."""
    with io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=errors, newline=newline) as text:
        return text.read()


def read_text(path: Union[str, Path], encoding: Optional[str] = None, newline: Optional[str] = None,
              limit: int = MAX_INPUT_BYTES) -> str:
    """``Path(path).read_text(encoding)`` (``open(path, newline=newline).read()``), bounded by ``limit`` bytes.

    Raises OSError, UnicodeDecodeError as reading the file did, and :class:`InputTooLarge`."""
    return decode(read_bytes(path, limit), encoding, newline=newline)


def read_stream(stream: IO[str], limit: int = MAX_INPUT_BYTES) -> str:
    """An open text stream (standard input) read to its end, bounded by ``limit`` bytes."""
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a text stream without bytes under it (io.StringIO): bound it in characters
        text = stream.read(limit + 1)
        if len(text) > limit:
            raise too_large(limit)
        return text
    return decode(_bounded(binary, limit), getattr(stream, "encoding", None), getattr(stream, "errors", None))


# ----------------------------------------------------------------------------- YAML

_PURE_READER_PATTERN = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
"""``yaml.reader.Reader.NON_PRINTABLE``'s pattern, as PyYAML 6.0 writes it (should another release change it, its
pattern is compiled at import as before)."""


class _CompiledOnFirstUse:
    """Stands for a compiled pattern: compiles it the first time one of its attributes (``search``) is used."""

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern

    def __getattr__(self, name: str) -> Any:
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self.__dict__["_compiled"] = re.compile(self._pattern)
        return getattr(compiled, name)


def import_yaml() -> None:
    """Import PyYAML (once), its pure-Python reader's character check compiled on first use, not at import.

    Why: importing ``yaml`` compiles ``Reader.NON_PRINTABLE``, a class of every printable Unicode range, which
    costs 6-7 ms: a tenth of ``kubectl version --client``, paid by every ``explain -f`` and ``simulate`` start,
    though the libyaml loader they read with never uses it. During this one import, ``re.compile`` of exactly
    that pattern returns a stand-in that compiles it when the pure reader first searches with it (a file libyaml
    refuses, whose error the pure reader words; PyYAML without libyaml), to the same pattern. Any other pattern,
    and a later ``import yaml``, are untouched; with yaml already imported this does nothing. Call it just before
    ``import yaml`` where a path may import yaml first."""
    if "yaml" in sys.modules:
        return
    compile_now = re.compile

    def compile_or_defer(pattern: Any, flags: Any = 0) -> Any:
        if flags == 0 and pattern == _PURE_READER_PATTERN:
            return _CompiledOnFirstUse(pattern)
        return compile_now(pattern, flags)

    setattr(re, "compile", compile_or_defer)  # noqa: B010 (mypy refuses assigning to a module's function)
    try:
        import yaml  # noqa: F401
    finally:
        setattr(re, "compile", compile_now)  # noqa: B010


def load_yaml_all(text: str, loader: Any = None) -> list[Any]:
    """``list(yaml.load_all(text, Loader=loader))``, refusing documents whose aliases expand too far.

    ``loader`` defaults to :func:`_read_quickly` (libyaml where PyYAML has it, errors worded by
    ``yaml.SafeLoader``). Raises ``yaml.YAMLError`` as ``yaml.load_all`` does, and :class:`InputTooLarge`."""
    if loader is None:
        return _read_quickly(_load_all, text)
    return _load_all(text, loader)


def _load_all(text: str, loader: Any) -> list[Any]:
    instance = loader(text)
    check = _may_alias(text)
    try:
        documents = []
        while instance.check_node():
            node = instance.get_node()
            if check:
                check_expansion(node)
            documents.append(instance.construct_document(node))
        return documents
    finally:
        instance.dispose()


def load_yaml(text: str, loader: Any = None) -> Any:
    """``yaml.load(text, Loader=loader)`` (one document, or None), refusing documents whose aliases expand too far.

    ``loader`` defaults as for :func:`load_yaml_all`."""
    if loader is None:
        return _read_quickly(_load_one, text)
    return _load_one(text, loader)


def _load_one(text: str, loader: Any) -> Any:
    instance = loader(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        if _may_alias(text):
            check_expansion(node)
        return instance.construct_document(node)
    finally:
        instance.dispose()


def _read_quickly(load: Callable[[str, Any], _T], text: str) -> _T:
    """``load`` with libyaml's parser (``yaml.CSafeLoader``, 5-10x the pure one: 2 ms of every ``simulate``), the
    text read again by the pure ``yaml.SafeLoader`` when libyaml refuses it, so that an error is worded and placed
    (line, column) as before. Both build the same objects (the constructor and resolver are the same Python code);
    libyaml also accepts a tab after ``key:``, which the pure one refuses.
    """
    import_yaml()
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return load(text, fast)
        except (yaml.YAMLError, UnicodeEncodeError):  # UnicodeEncodeError: a lone surrogate, which libyaml
            pass  # cannot even encode and the pure reader refuses with its own error
    return load(text, yaml.SafeLoader)


def _may_alias(text: str) -> bool:
    """Whether the text can hold an alias at all (an anchor ``&`` and an alias ``*``): most files cannot,
    and skip the walk."""
    return "*" in text and "&" in text


def check_expansion(root: Any, limit: int = MAX_EXPANDED_SIZE) -> int:
    """The size of a composed YAML node with every alias expanded (nodes plus scalar characters).

    Walks each distinct node once (aliases share their node), so the cost is that of the text, not of
    the expansion; raises :class:`InputTooLarge` as soon as the size passes ``limit``, or when an
    alias refers to a node that contains it."""
    import yaml

    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the current path: meeting one again is a cycle
    if isinstance(root, scalar):
        return 1 + len(root.value)
    stack: list[tuple[Any, Optional[list[Any]]]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:  # every child is measured: measure the node
            open_nodes.discard(key)
            size = 1
            for child in children:
                size += sizes[id(child)]
            if size > limit:
                raise InputTooLarge(f"its YAML aliases expand it to more than {_mib(limit)}, "
                                    f"the limit for an input file")
            sizes[key] = size
            continue
        if key in sizes:  # an alias met again after it was measured
            continue
        children = node.value if isinstance(node, sequence) else [part for pair in node.value for part in pair]
        open_nodes.add(key)
        stack.append((node, children))
        for child in children:
            child_key = id(child)
            if child_key in sizes:
                continue
            if isinstance(child, scalar):  # most nodes: measured here, without a trip through the stack
                sizes[child_key] = 1 + len(child.value)
            elif child_key in open_nodes:
                raise InputTooLarge("a YAML alias refers to a node that contains it (a recursive document)")
            else:
                stack.append((child, None))
    return sizes[id(root)]
