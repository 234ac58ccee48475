"""Makes one definition of an operation into a method of each client.

An operation is written once, as a flow of its configuration (see ``_transport``): what to send, what
an answer means, when to retry. ``blocking`` makes it a method of ``Greenlight`` that carries the flow
out with a blocking HTTP client, ``awaiting`` a coroutine method of ``AsyncGreenlight``; the pairs below
do the same for iterators, streams, context managers and decorators. The method keeps the flow's
parameters and docstring (``ParamSpec``), so the clients' signatures are typed from the one definition.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import (
    Any,
    AsyncContextManager,
    AsyncIterator,
    Callable,
    Concatenate,
    ContextManager,
    Coroutine,
    Iterable,
    Iterator,
    Optional,
    ParamSpec,
    Tuple,
    TypeVar,
    cast,
)

from ._flows import GateCall, GateSpec
from ._transport import Config, Flow, Stream
from .outcomes import Outcome

P = ParamSpec("P")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: One page of a listing: the items to hand out, and the cursor of the next page (None after the last).
Page = Tuple[Iterable[T], Optional[Any]]


def _named(method: Any, definition: Callable[..., Any], skip: int = 1, returns: Optional[str] = None, name: Optional[str] = None) -> None:
    """The method shows the definition's name, docstring and parameters (less ``config`` and, for a
    listing, ``cursor``), and what it answers: ``Flow[X]`` becomes ``X`` and so on, as ``returns`` says."""
    method.__name__ = method.__qualname__ = name or definition.__name__
    method.__doc__ = definition.__doc__
    method.__module__ = definition.__module__
    signature = inspect.signature(definition)
    answer = signature.return_annotation
    if returns is not None and "_" not in returns:
        answer = returns
    elif returns is not None and isinstance(answer, str) and "[" in answer:
        inner = answer[answer.index("[") + 1 : -1]
        answer = returns.replace("_", inner[5:-1] if inner.startswith("Page[") else inner)
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    method.__signature__ = signature.replace(parameters=[self, *list(signature.parameters.values())[skip:]], return_annotation=answer)


def blocking(flow: Callable[Concatenate[Config, P], Flow[T]], name: Optional[str] = None) -> Callable[Concatenate[Any, P], T]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return cast(T, self._run(flow(self._config, *args, **kwargs)))

    _named(method, flow, returns="_", name=name)
    return method


def awaiting(flow: Callable[Concatenate[Config, P], Flow[T]], name: Optional[str] = None) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return cast(T, await self._run(flow(self._config, *args, **kwargs)))

    _named(method, flow, returns="_", name=name)
    return method


def paging(page: Callable[Concatenate[Config, Optional[Any], P], Flow[Page[T]]]) -> Callable[Concatenate[Any, P], Iterator[T]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        cursor: Optional[Any] = None
        while True:
            items, cursor = self._run(page(self._config, cursor, *args, **kwargs))
            yield from items
            if cursor is None:
                return

    _named(method, page, 2, "Iterator[_]")
    return method


def apaging(page: Callable[Concatenate[Config, Optional[Any], P], Flow[Page[T]]]) -> Callable[Concatenate[Any, P], AsyncIterator[T]]:
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
        cursor: Optional[Any] = None
        while True:
            items, cursor = await self._run(page(self._config, cursor, *args, **kwargs))
            for item in items:
                yield item
            if cursor is None:
                return

    _named(method, page, 2, "AsyncIterator[_]")
    return method


def streaming(opening: Callable[Concatenate[Config, P], Stream[T]]) -> Callable[Concatenate[Any, P], Iterator[T]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        return cast(Iterator[T], self._stream(opening(self._config, *args, **kwargs)))

    _named(method, opening, returns="Iterator[_]")
    return method


def astreaming(opening: Callable[Concatenate[Config, P], Stream[T]]) -> Callable[Concatenate[Any, P], AsyncIterator[T]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
        return cast(AsyncIterator[T], self._stream(opening(self._config, *args, **kwargs)))

    _named(method, opening, returns="AsyncIterator[_]")
    return method


@contextlib.contextmanager
def _guarded(client: Any, call: GateCall) -> Iterator[Outcome]:
    approved = client._run(call.ask(client._config))
    try:
        yield approved
    except BaseException as exc:
        client._run(call.finish(client._config, approved, exc))
        raise
    client._run(call.finish(client._config, approved, None))


@contextlib.asynccontextmanager
async def _aguarded(client: Any, call: GateCall) -> AsyncIterator[Outcome]:
    approved = await client._run(call.ask(client._config))
    try:
        yield approved
    except BaseException as exc:
        await client._run(call.finish(client._config, approved, exc))
        raise
    await client._run(call.finish(client._config, approved, None))


def guarding(gate: Callable[P, GateCall]) -> Callable[Concatenate[Any, P], ContextManager[Outcome]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> ContextManager[Outcome]:
        return _guarded(self, gate(*args, **kwargs))

    _named(method, gate, 0, "ContextManager[Outcome]")
    return method


def aguarding(gate: Callable[P, GateCall]) -> Callable[Concatenate[Any, P], AsyncContextManager[Outcome]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> AsyncContextManager[Outcome]:
        return _aguarded(self, gate(*args, **kwargs))

    _named(method, gate, 0, "AsyncContextManager[Outcome]")
    return method


def gating(spec: Callable[P, GateSpec]) -> Callable[Concatenate[Any, P], Callable[[F], F]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Callable[[F], F]:
        gates = spec(*args, **kwargs)

        def decorate(fn: F) -> F:
            if inspect.iscoroutinefunction(fn):
                raise TypeError(f"{fn.__qualname__} is a coroutine function: gate it with AsyncGreenlight.require_approval")

            @functools.wraps(fn)
            def gated(*call_args: Any, **call_kwargs: Any) -> Any:
                call = gates.call_of(fn, call_args, call_kwargs)
                approved = self._run(call.ask(self._config))
                try:
                    result = fn(*call_args, **call_kwargs)
                except BaseException as exc:
                    self._run(call.finish(self._config, approved, exc))
                    raise
                self._run(call.finish(self._config, approved, None))
                return result

            return cast(F, gated)

        return decorate

    _named(method, spec, 0, "Callable[[F], F]")
    return method


def agating(spec: Callable[P, GateSpec]) -> Callable[Concatenate[Any, P], Callable[[F], F]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Callable[[F], F]:
        gates = spec(*args, **kwargs)

        def decorate(fn: F) -> F:
            if not inspect.iscoroutinefunction(fn):
                raise TypeError(f"{fn.__qualname__} is not a coroutine function: gate it with Greenlight.require_approval")

            @functools.wraps(fn)
            async def gated(*call_args: Any, **call_kwargs: Any) -> Any:
                call = gates.call_of(fn, call_args, call_kwargs)
                approved = await self._run(call.ask(self._config))
                try:
                    result = await fn(*call_args, **call_kwargs)
                except BaseException as exc:
                    await self._run(call.finish(self._config, approved, exc))
                    raise
                await self._run(call.finish(self._config, approved, None))
                return result

            return cast(F, gated)

        return decorate

    _named(method, spec, 0, "Callable[[F], F]")
    return method


__all__ = ["Page", "agating", "aguarding", "apaging", "astreaming", "awaiting", "blocking", "gating", "guarding", "paging", "streaming"]
