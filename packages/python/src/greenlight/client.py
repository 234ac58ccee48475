"""The sync and the async client.

Every operation of the contract that an API key or OAuth token may call is a typed method (generated
in ``_generated/methods.py``); ``request()`` reaches any operation by its operationId. On top of them:
waiting for a decision, pagination as iterators, execution receipts and gating a function.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import os
import time
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterator,
    Literal,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
    cast,
)

import httpx

from ._flows import (
    GateRequest,
    Reconnecting,
    RevokeWindow,
    WaitOptions,
    ask_and_claim,
    json_safe,
    report,
    wait_for_outcome,
)
from ._generated.methods import AsyncOperations, SyncOperations
from ._generated.models import Approval, ApprovalList, DecideApprovalRequest, DecisionResult, Delivery, Priority, WebhookPayload
from ._sse import EventStreamParser
from ._transport import Config, Flow, Received, call, credential, httpx_timeout, read_body, route_of, run_async, run_sync, to_api_error, url_of, validate
from .errors import DecisionTimeoutError, NotFoundError
from .outcomes import Outcome

F = TypeVar("F", bound=Callable[..., Any])
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


def _wait_options(
    timeout: float,
    reconnect: bool,
    on_reconnect: Optional[Callable[[Reconnecting], Any]],
    on_reconnected: Optional[Callable[[], Any]],
    revoke_window: RevokeWindow,
    on_revoke_window: Optional[Callable[[str], Any]],
) -> WaitOptions:
    return WaitOptions(
        timeout=timeout,
        reconnect=reconnect,
        on_reconnect=on_reconnect,
        on_reconnected=on_reconnected,
        revoke_window=revoke_window,
        on_revoke_window=on_revoke_window,
    )


def _format(template: str, arguments: Mapping[str, Any]) -> str:
    try:
        return template.format(**arguments)
    except (KeyError, IndexError, ValueError):
        return template


def _gate(
    fn_name: Optional[str],
    arguments: Optional[Mapping[str, Any]],
    *,
    title: Optional[str],
    description: Optional[str],
    priority: Priority,
    timeout: float,
    idempotency_key: Optional[str],
    revoke_window: Literal["claim", "wait"],
    cancel_on_timeout: bool,
    on_created: Optional[Callable[[Approval], Any]],
    fields: Optional[Mapping[str, Any]],
) -> GateRequest:
    """The request a gated call makes: title and description formatted with the call's arguments."""
    args = arguments or {}
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
    body: Dict[str, Any] = {
        "title": _format(title, args) if title else f"Run {fn_name}" if fn_name else "Run a gated step",
        "description": _format(description, args) if description else f"{fn_name or 'A gated step'}({shown[:3000]})",
        "priority": priority,
    }
    if fn_name is not None:
        body["metadata"] = {"function": fn_name, "arguments": json_safe(dict(args))}
    body.update(fields or {})
    return GateRequest(
        body=body,
        idempotency_key=idempotency_key,
        timeout=timeout,
        revoke_window=revoke_window,
        cancel_on_timeout=cancel_on_timeout,
        on_created=on_created,
    )


def _decision(decision: Literal["approve", "reject"], comment: Optional[str]) -> DecideApprovalRequest:
    body: DecideApprovalRequest = {"decision": decision}
    if comment:
        body["comment"] = comment
    return body


def _failure_message(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _bound_arguments(fn: Callable[..., Any], args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _key_for(idempotency_key: Union[None, str, Callable[..., str]], args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Optional[str]:
    return idempotency_key(*args, **kwargs) if callable(idempotency_key) else idempotency_key


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

    def _invoke(self, operation_id: str, **kwargs: Any) -> Any:
        return self._run(call(self._config, operation_id, **kwargs))

    def request(
        self,
        operation_id: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        headers: Optional[Mapping[str, Optional[str]]] = None,
        request_timeout: Optional[float] = None,
    ) -> Any:
        """Any operation of the contract by its operationId (``"getApproval"``), answering its checked body."""
        return self._invoke(operation_id, params=params, query=query, body=body, headers=headers, request_timeout=request_timeout)

    def _stream(self, operation_id: str, *, query: Optional[Mapping[str, Any]] = None, request_timeout: Optional[float] = None) -> Iterator[Any]:
        route = route_of(operation_id)
        token = self._run(credential(self._config))
        headers = {"accept": "text/event-stream", "authorization": f"Bearer {token}", "user-agent": self._config.user_agent}
        url = url_of(self._config, route, None, query)
        # The server sends a keep-alive comment every 15 s: a read that waits much longer means the connection is gone.
        with self._http.stream(route.method, url, headers=headers, timeout=httpx_timeout(request_timeout or 60.0)) as res:
            if res.status_code >= 300:
                received = Received(res.status_code, res.headers, res.read())
                raise to_api_error(received, read_body(received))
            parser = EventStreamParser()
            for line in res.iter_lines():
                for data in parser.feed(line):
                    yield validate(route, res.status_code, data)

    # -- waiting ------------------------------------------------------------------------------

    def wait_for_outcome(
        self,
        approval_id: str,
        *,
        timeout: float = 300.0,
        reconnect: bool = True,
        on_reconnect: Optional[Callable[[Reconnecting], Any]] = None,
        on_reconnected: Optional[Callable[[], Any]] = None,
        revoke_window: RevokeWindow = "return",
        on_revoke_window: Optional[Callable[[str], Any]] = None,
    ) -> Outcome:
        """Waits until the request is decided or ``timeout`` seconds pass, and answers which.

        ``Outcome.outcome`` is ``approved``, ``rejected``, ``cancelled``, ``expired``, or ``timed_out``
        (the wait ran out; the request is still pending). Long polls, reconnecting through server
        restarts and dropped connections (``reconnect``). Only an answer about ``approval_id`` counts:
        any other is a RequestMismatchError. See ``WaitOptions`` for ``revoke_window``.
        """
        options = _wait_options(timeout, reconnect, on_reconnect, on_reconnected, revoke_window, on_revoke_window)
        return self._run(wait_for_outcome(self._config, approval_id, options))

    def wait_for_decision(
        self,
        approval_id: str,
        *,
        timeout: float = 300.0,
        reconnect: bool = True,
        on_reconnect: Optional[Callable[[Reconnecting], Any]] = None,
        on_reconnected: Optional[Callable[[], Any]] = None,
        revoke_window: RevokeWindow = "return",
        on_revoke_window: Optional[Callable[[str], Any]] = None,
    ) -> Outcome:
        """As ``wait_for_outcome``, but a wait that runs out raises DecisionTimeoutError (outcome ``timed_out``)."""
        result = self.wait_for_outcome(
            approval_id,
            timeout=timeout,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            on_reconnected=on_reconnected,
            revoke_window=revoke_window,
            on_revoke_window=on_revoke_window,
        )
        if result.outcome == "timed_out":
            raise DecisionTimeoutError(approval_id, result.approval)
        return result

    # -- conveniences -------------------------------------------------------------------------

    def approve(self, approval_id: str, comment: Optional[str] = None) -> DecisionResult:
        return self.decide_approval(approval_id, _decision("approve", comment))

    def reject(self, approval_id: str, comment: Optional[str] = None) -> DecisionResult:
        return self.decide_approval(approval_id, _decision("reject", comment))

    def revoke(self, approval_id: str, reason: Optional[str] = None) -> Approval:
        """Rescinds an approval within its revoke window (as an approver who approved it, or an admin)."""
        return self.revoke_approval(approval_id, {"reason": reason} if reason is not None else {})

    def find_by_idempotency_key(self, key: str) -> Optional[Approval]:
        """The request created with this idempotency key, however old; None when none."""
        page = self.list_approvals(idempotency_key=key, page_size=1)
        return page["data"][0] if page["data"] else None

    def find_by_external_id(self, external_id: str) -> Optional[Approval]:
        page = self.list_approvals(external_id=external_id, page_size=1)
        return page["data"][0] if page["data"] else None

    def iter_approval_pages(self, **query: Any) -> Iterator[ApprovalList]:
        """Every page of ``list_approvals(**query)``, following ``next_page_token``."""
        token = query.pop("page_token", None)
        while True:
            page = self.list_approvals(**query, **({"page_token": token} if token else {}))
            yield page
            token = page.get("next_page_token")
            if not token:
                return

    def iter_approvals(self, **query: Any) -> Iterator[Approval]:
        """Every request matching the query, across all pages: ``for a in gl.iter_approvals(status="pending")``."""
        for page in self.iter_approval_pages(**query):
            yield from page["data"]

    def iter_deliveries(self, **query: Any) -> Iterator[Delivery]:
        """Every delivery matching the query, across all pages."""
        page_number = query.pop("page", None) or 1
        while True:
            page = self.list_deliveries(**query, page=page_number)
            yield from page["data"]
            if page_number >= page["pagination"]["total_pages"]:
                return
            page_number += 1

    def unsubscribe(self, webhook_id: str) -> bool:
        """Deletes a subscription; one already gone (404) counts as success. Answers whether it existed."""
        try:
            self.delete_webhook(webhook_id)
            return True
        except NotFoundError:
            return False

    def events(self, *, last_event_id: Optional[str] = None) -> Iterator[WebhookPayload]:
        """The organization's events, live (Server-Sent Events); resume after ``payload["data"]["event_id"]``."""
        return self.stream_events(last_event_id=last_event_id)

    def report_receipt(self, approval_id: str, status: Literal["started", "succeeded", "failed"], message: str, url: Optional[str] = None) -> Approval:
        """An execution receipt, retried while the server is away; repeating a final one that landed is not an error."""
        return self._run(report(self._config, approval_id, status, message, url))

    # -- gating -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def approval(
        self,
        title: str,
        description: Optional[str] = None,
        *,
        priority: Priority = "medium",
        timeout: float = 600.0,
        idempotency_key: Optional[str] = None,
        revoke_window: Literal["claim", "wait"] = "claim",
        cancel_on_timeout: bool = False,
        on_created: Optional[Callable[[Approval], Any]] = None,
        fields: Optional[Mapping[str, Any]] = None,
        receipt_url: Optional[str] = None,
    ) -> Iterator[Outcome]:
        """Asks, waits, and enters the block only on an approval; records the execution receipts.

        ``with gl.approval("Drop table users", "cleanup job") as approved: ...``. Raises
        NotApprovedError (with the reviewer's comment) for a rejection, a revoke, a cancellation, an
        expiry or a wait that ran out, before the block runs. ``started`` is recorded before the block;
        ``succeeded`` after it, or ``failed`` with the exception, which is raised on. ``fields`` adds to
        the request (``action_type``, ``tags``, ``expires_at``, ``revocable_for_seconds``…).
        """
        gate = _gate(
            None,
            None,
            title=title,
            description=description or title,
            priority=priority,
            timeout=timeout,
            idempotency_key=idempotency_key,
            revoke_window=revoke_window,
            cancel_on_timeout=cancel_on_timeout,
            on_created=on_created,
            fields=fields,
        )
        approved = self._run(ask_and_claim(self._config, gate, f"Running: {title}"))
        try:
            yield approved
        except BaseException as exc:
            self._receipt(approved.approval_id, "failed", _failure_message(exc), receipt_url)
            raise
        self._receipt(approved.approval_id, "succeeded", f"Done: {title}", receipt_url)

    def _receipt(self, approval_id: str, status: Literal["succeeded", "failed"], message: str, url: Optional[str]) -> None:
        try:
            self.report_receipt(approval_id, status, message, url)
        except Exception as exc:  # noqa: BLE001 - the work is done; a lost receipt must not undo it
            logging.getLogger("greenlight").warning("could not record the %s receipt of %s: %s", status, approval_id, exc)

    def require_approval(
        self,
        title: Optional[str] = None,
        description: Optional[str] = None,
        *,
        priority: Priority = "medium",
        timeout: float = 600.0,
        idempotency_key: Union[None, str, Callable[..., str]] = None,
        revoke_window: Literal["claim", "wait"] = "claim",
        cancel_on_timeout: bool = False,
        on_created: Optional[Callable[[Approval], Any]] = None,
        fields: Optional[Mapping[str, Any]] = None,
    ) -> Callable[[F], F]:
        """A decorator: each call asks, waits, and runs the function only on an approval.

        ``title`` and ``description`` are formatted with the call's arguments (``"Delete user {user_id}"``);
        the arguments go in the request's ``metadata``. ``idempotency_key`` (a string, or a function of
        the call's arguments) lets a retried task find the request it already made instead of asking
        again. Otherwise as ``approval()``: receipts recorded, NotApprovedError when not approved.
        """

        def decorate(fn: F) -> F:
            if inspect.iscoroutinefunction(fn):
                raise TypeError(f"{fn.__qualname__} is a coroutine function: gate it with AsyncGreenlight.require_approval")
            name = fn.__qualname__

            @functools.wraps(fn)
            def gated(*args: Any, **kwargs: Any) -> Any:
                arguments = _bound_arguments(fn, args, kwargs)
                gate = _gate(
                    name,
                    arguments,
                    title=title,
                    description=description,
                    priority=priority,
                    timeout=timeout,
                    idempotency_key=_key_for(idempotency_key, args, kwargs),
                    revoke_window=revoke_window,
                    cancel_on_timeout=cancel_on_timeout,
                    on_created=on_created,
                    fields=fields,
                )
                approved = self._run(ask_and_claim(self._config, gate, f"Running {name}"))
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    self._receipt(approved.approval_id, "failed", _failure_message(exc), None)
                    raise
                self._receipt(approved.approval_id, "succeeded", f"{name} returned", None)
                return result

            return cast(F, gated)

        return decorate


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

    async def _invoke(self, operation_id: str, **kwargs: Any) -> Any:
        return await self._run(call(self._config, operation_id, **kwargs))

    async def request(
        self,
        operation_id: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        headers: Optional[Mapping[str, Optional[str]]] = None,
        request_timeout: Optional[float] = None,
    ) -> Any:
        """Any operation of the contract by its operationId, answering its checked body."""
        return await self._invoke(operation_id, params=params, query=query, body=body, headers=headers, request_timeout=request_timeout)

    async def _stream(self, operation_id: str, *, query: Optional[Mapping[str, Any]] = None, request_timeout: Optional[float] = None) -> AsyncIterator[Any]:
        route = route_of(operation_id)
        token = await self._run(credential(self._config))
        headers = {"accept": "text/event-stream", "authorization": f"Bearer {token}", "user-agent": self._config.user_agent}
        url = url_of(self._config, route, None, query)
        async with self._http.stream(route.method, url, headers=headers, timeout=httpx_timeout(request_timeout or 60.0)) as res:
            if res.status_code >= 300:
                received = Received(res.status_code, res.headers, await res.aread())
                raise to_api_error(received, read_body(received))
            parser = EventStreamParser()
            async for line in res.aiter_lines():
                for data in parser.feed(line):
                    yield validate(route, res.status_code, data)

    async def wait_for_outcome(
        self,
        approval_id: str,
        *,
        timeout: float = 300.0,
        reconnect: bool = True,
        on_reconnect: Optional[Callable[[Reconnecting], Any]] = None,
        on_reconnected: Optional[Callable[[], Any]] = None,
        revoke_window: RevokeWindow = "return",
        on_revoke_window: Optional[Callable[[str], Any]] = None,
    ) -> Outcome:
        """See ``Greenlight.wait_for_outcome``."""
        options = _wait_options(timeout, reconnect, on_reconnect, on_reconnected, revoke_window, on_revoke_window)
        return await self._run(wait_for_outcome(self._config, approval_id, options))

    async def wait_for_decision(
        self,
        approval_id: str,
        *,
        timeout: float = 300.0,
        reconnect: bool = True,
        on_reconnect: Optional[Callable[[Reconnecting], Any]] = None,
        on_reconnected: Optional[Callable[[], Any]] = None,
        revoke_window: RevokeWindow = "return",
        on_revoke_window: Optional[Callable[[str], Any]] = None,
    ) -> Outcome:
        """See ``Greenlight.wait_for_decision``."""
        result = await self.wait_for_outcome(
            approval_id,
            timeout=timeout,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            on_reconnected=on_reconnected,
            revoke_window=revoke_window,
            on_revoke_window=on_revoke_window,
        )
        if result.outcome == "timed_out":
            raise DecisionTimeoutError(approval_id, result.approval)
        return result

    async def approve(self, approval_id: str, comment: Optional[str] = None) -> DecisionResult:
        return await self.decide_approval(approval_id, _decision("approve", comment))

    async def reject(self, approval_id: str, comment: Optional[str] = None) -> DecisionResult:
        return await self.decide_approval(approval_id, _decision("reject", comment))

    async def revoke(self, approval_id: str, reason: Optional[str] = None) -> Approval:
        return await self.revoke_approval(approval_id, {"reason": reason} if reason is not None else {})

    async def find_by_idempotency_key(self, key: str) -> Optional[Approval]:
        page = await self.list_approvals(idempotency_key=key, page_size=1)
        return page["data"][0] if page["data"] else None

    async def find_by_external_id(self, external_id: str) -> Optional[Approval]:
        page = await self.list_approvals(external_id=external_id, page_size=1)
        return page["data"][0] if page["data"] else None

    async def iter_approval_pages(self, **query: Any) -> AsyncIterator[ApprovalList]:
        token = query.pop("page_token", None)
        while True:
            page = await self.list_approvals(**query, **({"page_token": token} if token else {}))
            yield page
            token = page.get("next_page_token")
            if not token:
                return

    async def iter_approvals(self, **query: Any) -> AsyncIterator[Approval]:
        """``async for a in gl.iter_approvals(status="pending")``."""
        async for page in self.iter_approval_pages(**query):
            for item in page["data"]:
                yield item

    async def iter_deliveries(self, **query: Any) -> AsyncIterator[Delivery]:
        page_number = query.pop("page", None) or 1
        while True:
            page = await self.list_deliveries(**query, page=page_number)
            for item in page["data"]:
                yield item
            if page_number >= page["pagination"]["total_pages"]:
                return
            page_number += 1

    async def unsubscribe(self, webhook_id: str) -> bool:
        try:
            await self.delete_webhook(webhook_id)
            return True
        except NotFoundError:
            return False

    def events(self, *, last_event_id: Optional[str] = None) -> AsyncIterator[WebhookPayload]:
        return self.stream_events(last_event_id=last_event_id)

    async def report_receipt(self, approval_id: str, status: Literal["started", "succeeded", "failed"], message: str, url: Optional[str] = None) -> Approval:
        return await self._run(report(self._config, approval_id, status, message, url))

    async def _receipt(self, approval_id: str, status: Literal["succeeded", "failed"], message: str, url: Optional[str]) -> None:
        try:
            await self.report_receipt(approval_id, status, message, url)
        except Exception as exc:  # noqa: BLE001 - the work is done; a lost receipt must not undo it
            logging.getLogger("greenlight").warning("could not record the %s receipt of %s: %s", status, approval_id, exc)

    @contextlib.asynccontextmanager
    async def approval(
        self,
        title: str,
        description: Optional[str] = None,
        *,
        priority: Priority = "medium",
        timeout: float = 600.0,
        idempotency_key: Optional[str] = None,
        revoke_window: Literal["claim", "wait"] = "claim",
        cancel_on_timeout: bool = False,
        on_created: Optional[Callable[[Approval], Any]] = None,
        fields: Optional[Mapping[str, Any]] = None,
        receipt_url: Optional[str] = None,
    ) -> AsyncIterator[Outcome]:
        """``async with gl.approval(...)``: see ``Greenlight.approval``."""
        gate = _gate(
            None,
            None,
            title=title,
            description=description or title,
            priority=priority,
            timeout=timeout,
            idempotency_key=idempotency_key,
            revoke_window=revoke_window,
            cancel_on_timeout=cancel_on_timeout,
            on_created=on_created,
            fields=fields,
        )
        approved = await self._run(ask_and_claim(self._config, gate, f"Running: {title}"))
        try:
            yield approved
        except BaseException as exc:
            await self._receipt(approved.approval_id, "failed", _failure_message(exc), receipt_url)
            raise
        await self._receipt(approved.approval_id, "succeeded", f"Done: {title}", receipt_url)

    def require_approval(
        self,
        title: Optional[str] = None,
        description: Optional[str] = None,
        *,
        priority: Priority = "medium",
        timeout: float = 600.0,
        idempotency_key: Union[None, str, Callable[..., str]] = None,
        revoke_window: Literal["claim", "wait"] = "claim",
        cancel_on_timeout: bool = False,
        on_created: Optional[Callable[[Approval], Any]] = None,
        fields: Optional[Mapping[str, Any]] = None,
    ) -> Callable[[F], F]:
        """A decorator for coroutine functions: see ``Greenlight.require_approval``."""

        def decorate(fn: F) -> F:
            if not inspect.iscoroutinefunction(fn):
                raise TypeError(f"{fn.__qualname__} is not a coroutine function: gate it with Greenlight.require_approval")
            name = fn.__qualname__

            @functools.wraps(fn)
            async def gated(*args: Any, **kwargs: Any) -> Any:
                gate = _gate(
                    name,
                    _bound_arguments(fn, args, kwargs),
                    title=title,
                    description=description,
                    priority=priority,
                    timeout=timeout,
                    idempotency_key=_key_for(idempotency_key, args, kwargs),
                    revoke_window=revoke_window,
                    cancel_on_timeout=cancel_on_timeout,
                    on_created=on_created,
                    fields=fields,
                )
                approved = await self._run(ask_and_claim(self._config, gate, f"Running {name}"))
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as exc:
                    await self._receipt(approved.approval_id, "failed", _failure_message(exc), None)
                    raise
                await self._receipt(approved.approval_id, "succeeded", f"{name} returned", None)
                return result

            return cast(F, gated)

        return decorate

