"""Name -> object registries with did-you-mean lookups (ops, data sources, models, losses)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from augsynth.core.errors import SpecError, clip, did_you_mean, suggestion

T = TypeVar("T")


class UnknownName(KeyError):
    """A name that is not registered; carries the closest registered name."""

    def __init__(self, kind: str, name: str, suggestion: str | None, known: list[str]):
        self.kind, self.name, self.suggestion, self.known = kind, name, suggestion, known
        hint = f"; did you mean '{suggestion}'?" if suggestion else ""
        super().__init__(f"unknown {kind} '{name}'{hint}")

    def __str__(self) -> str:
        return self.args[0]


class Registry(Generic[T]):
    """A mapping from names to registered objects, for one kind of thing."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register ``obj`` under ``name``."""

        def add(obj: T) -> T:
            self.add(name, obj)
            return obj

        return add

    def add(self, name: str, obj: T) -> None:
        if name in self._items:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._items[name] = obj

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = sorted(self._items)
            raise UnknownName(self.kind, name, did_you_mean(name, known), known) from None

    def spec_get(self, name: str, path: str, fix: str) -> T:
        """``get`` for a name read from a spec: an unknown name is a SpecError at ``path`` listing the known names,
        with a did-you-mean before ``fix``."""
        try:
            return self.get(name)
        except UnknownName as err:
            hint = suggestion(name, err.known)
            raise SpecError(
                path, f"unknown {self.kind} '{clip(name)}'; expected one of: {', '.join(err.known)}", fix=f"{hint}{fix}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
