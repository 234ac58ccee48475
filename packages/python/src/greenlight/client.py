"""The sync and the async client.

Every operation of the contract that an API key or OAuth token may call is a typed method (generated
in ``_generated/methods.py``); ``request()`` reaches any operation by its operationId. On top of them:
waiting for a decision, pagination as iterators, execution receipts and gating a function. Each is
written once, as a flow (``_conveniences``, ``_flows``), and bound to both clients (``_bind``): what
the two classes hold of their own is how they do I/O.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, Optional, TypeVar, Union

import httpx

from . import _conveniences as conveniences
from . import _flows as flows
from ._bind import agating, aguarding, apaging, astreaming, awaiting, blocking, gating, guarding, paging, streaming
from ._generated.methods import AsyncOperations, SyncOperations
from ._sse import EventStreamParser
from ._transport import Config, Flow, Received, Stream, call, httpx_timeout, read_body, route_of, run_async, run_sync, to_api_error, url_of, validate, credential

T = TypeVar("T")


def _env(name: str) -> Optional[str]:
    value = os.environ.get(name, "").strip()
    return value or None


def _config(
    base_url: Optional[str],
    api_key: Optional[str],
    access_token: Any,
    refresh_access_token: Any,
    max_retries: int,
    timeout: float,
    max_retry_after: float,
    user_agent: Optional[str],
) -> Config:
    url = base_url or _env("GREENLIGHT_URL")
    if not url:
        raise TypeError("base_url is required (or set GREENLIGHT_URL)")
    key = api_key or (None if access_token else _env("GREENLIGHT_API_KEY"))
    config = Config(
        base_url=url,
        api_key=key,
        access_token=access_token,
        refresh_access_token=refresh_access_token,
        max_retries=max_retries,
        timeout=timeout,
        max_retry_after=max_retry_after,
    )
    if user_agent:
        config.user_agent = user_agent
    return config


def _headers(config: Config, token: str) -> dict[str, str]:
    return {"accept": "text/event-stream", "authorization": f"Bearer {token}", "user-agent": config.user_agent}


class Greenlight(SyncOperations):
    """The Greenlight API, blocking.

    ``Greenlight("https://greenlight.example.com", api_key="gk_…")``; without arguments, the URL and
    key come from ``GREENLIGHT_URL`` and ``GREENLIGHT_API_KEY``. Use it as a context manager, or call
    ``close()``, to release its connections.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        api_key: Optional[str] = None,
        access_token: Union[None, str, Callable[[], str]] = None,
        refresh_access_token: Optional[Callable[[], str]] = None,
        max_retries: int = 3,
        timeout: float = 30.0,
        max_retry_after: float = 60.0,
        http_client: Optional[httpx.Client] = None,
        sleep: Optional[Callable[[float], None]] = None,
        user_agent: Optional[str] = None,
    ) -> None:
        self._config = _config(base_url, api_key, access_token, refresh_access_token, max_retries, timeout, max_retry_after, user_agent)
        self._own_http = http_client is None
        self._http = http_client or httpx.Client(follow_redirects=False)
        self._sleep = sleep or time.sleep

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> "Greenlight":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, flow: Flow[T]) -> T:
        return run_sync(flow, self._http, self._sleep)

    def _stream(self, stream: Stream[T]) -> Iterator[T]:
        route = route_of(stream.operation_id)
        headers = _headers(self._config, self._run(credential(self._config)))
        url = url_of(self._config, route, None, stream.query)
        # The server sends a keep-alive comment every 15 s: a read that waits much longer means the connection is gone.
        with self._http.stream(route.method, url, headers=headers, timeout=httpx_timeout(stream.request_timeout or 60.0)) as res:
            if res.status_code >= 300:
                received = Received(res.status_code, res.headers, res.read())
                raise to_api_error(received, read_body(received))
            parser = EventStreamParser()
            for line in res.iter_lines():
                for data in parser.feed(line):
                    yield validate(route, res.status_code, data)

    request = blocking(call, "request")
    wait_for_outcome = blocking(conveniences.wait_for_outcome)
    wait_for_decision = blocking(conveniences.wait_for_decision)
    approve = blocking(conveniences.approve)
    reject = blocking(conveniences.reject)
    revoke = blocking(conveniences.revoke)
    find_by_idempotency_key = blocking(conveniences.find_by_idempotency_key)
    find_by_external_id = blocking(conveniences.find_by_external_id)
    iter_approval_pages = paging(conveniences.iter_approval_pages)
    iter_approvals = paging(conveniences.iter_approvals)
    iter_deliveries = paging(conveniences.iter_deliveries)
    unsubscribe = blocking(conveniences.unsubscribe)
    events = streaming(conveniences.events)
    report_receipt = blocking(flows.report)
    approval = guarding(flows.approval)
    require_approval = gating(flows.require_approval)


class AsyncGreenlight(AsyncOperations):
    """The Greenlight API for asyncio: the same methods as ``Greenlight``, each a coroutine."""

    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        api_key: Optional[str] = None,
        access_token: Union[None, str, Callable[[], Union[str, Awaitable[str]]]] = None,
        refresh_access_token: Optional[Callable[[], Union[str, Awaitable[str]]]] = None,
        max_retries: int = 3,
        timeout: float = 30.0,
        max_retry_after: float = 60.0,
        http_client: Optional[httpx.AsyncClient] = None,
        sleep: Optional[Callable[[float], Awaitable[None]]] = None,
        user_agent: Optional[str] = None,
    ) -> None:
        self._config = _config(base_url, api_key, access_token, refresh_access_token, max_retries, timeout, max_retry_after, user_agent)
        self._own_http = http_client is None
        self._http = http_client or httpx.AsyncClient(follow_redirects=False)
        self._sleep = sleep or asyncio.sleep

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> "AsyncGreenlight":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _run(self, flow: Flow[T]) -> T:
        return await run_async(flow, self._http, self._sleep)

    async def _stream(self, stream: Stream[T]) -> AsyncIterator[T]:
        route = route_of(stream.operation_id)
        headers = _headers(self._config, await self._run(credential(self._config)))
        url = url_of(self._config, route, None, stream.query)
        async with self._http.stream(route.method, url, headers=headers, timeout=httpx_timeout(stream.request_timeout or 60.0)) as res:
            if res.status_code >= 300:
                received = Received(res.status_code, res.headers, await res.aread())
                raise to_api_error(received, read_body(received))
            parser = EventStreamParser()
            async for line in res.aiter_lines():
                for data in parser.feed(line):
                    yield validate(route, res.status_code, data)

    request = awaiting(call, "request")
    wait_for_outcome = awaiting(conveniences.wait_for_outcome)
    wait_for_decision = awaiting(conveniences.wait_for_decision)
    approve = awaiting(conveniences.approve)
    reject = awaiting(conveniences.reject)
    revoke = awaiting(conveniences.revoke)
    find_by_idempotency_key = awaiting(conveniences.find_by_idempotency_key)
    find_by_external_id = awaiting(conveniences.find_by_external_id)
    iter_approval_pages = apaging(conveniences.iter_approval_pages)
    iter_approvals = apaging(conveniences.iter_approvals)
    iter_deliveries = apaging(conveniences.iter_deliveries)
    unsubscribe = awaiting(conveniences.unsubscribe)
    events = astreaming(conveniences.events)
    report_receipt = awaiting(flows.report)
    approval = aguarding(flows.approval)
    require_approval = agating(flows.require_approval)
