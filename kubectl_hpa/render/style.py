"""Colour that carries meaning, only on a terminal and never with NO_COLOR."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    color: bool = False

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def good(self, text: str) -> str:
        return self._wrap("32", text)

    def warn(self, text: str) -> str:
        return self._wrap("33", text)

    def bad(self, text: str) -> str:
        return self._wrap("31", text)
