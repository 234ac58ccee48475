"""How one call is made, written once for the sync and the async client.

Every multi-step behaviour (a call with its retries, a wait with its reconnections, a gated function's
receipts) is a generator that yields what it needs done (``Send`` an HTTP request, ``Sleep``, ``Invoke``
a caller's callback) and receives the result; ``run_sync`` and ``run_async`` carry those out with
httpx's ``Client`` or ``AsyncClient``. The logic of waiting and retrying therefore exists once.
"""

from __future__ import annotations

import inspect
import json
import random as _random
import time
import uuid
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable, Dict, Generator, Generic, Iterator, Mapping, Optional, Tuple, TypeVar, Union, cast
from urllib.parse import quote, urlencode

import httpx

from ._version import __version__
from ._check import check
from ._generated.operations import OPERATIONS
from ._route import Route
from .errors import ApiError, ContractMismatchError, NetworkError, api_error_for


@dataclass(frozen=True)
class Send:
    method: str
    url: str
    headers: Dict[str, str]
    content: Optional[bytes]
    timeout: float


@dataclass(frozen=True)
class Received:
    status: int
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Invoke:
    """Call a function of the caller's (a callback, a token provider); awaited when it returns an awaitable."""

    fn: Callable[..., Any]
    args: Tuple[Any, ...] = ()


class Unreachable(Exception):
    """Thrown into a flow when no response came (connection refused, reset, timeout)."""


T = TypeVar("T")
Flow = Generator[Union[Send, Sleep, Invoke], Any, T]

@dataclass(frozen=True)
class Stream(Generic[T]):
    """An operation answered with Server-Sent Events: the client opens it and checks each event as it comes."""

    operation_id: str
    query: Optional[Mapping[str, Any]] = None
    request_timeout: Optional[float] = None


TokenSource = Union[str, Callable[[], Union[str, Awaitable[str]]]]


@dataclass
class Config:
    base_url: str
    api_key: Optional[str] = None
    #: An OAuth access token, or a function answering the current one.
    access_token: Optional[TokenSource] = None
    #: Called once on a 401 with an access token; answers a new one and the call is sent again.
    refresh_access_token: Optional[Callable[[], Union[str, Awaitable[str]]]] = None
    #: Retries after the first attempt (429, 5xx; no response, for calls that are safe to repeat).
    max_retries: int = 3
    #: Backoff base in seconds: attempt n waits between base·2ⁿ⁻¹ and base·2ⁿ.
    retry_base_delay: float = 0.5
    retry_max_delay: float = 30.0
    #: A Retry-After longer than this is not waited for: the RateLimitError is raised at once.
    max_retry_after: float = 60.0
    #: Per attempt, in seconds.
    timeout: float = 30.0
    user_agent: str = f"greenlight-python/{__version__}"
    random: Callable[[], float] = field(default=_random.random)

    def __post_init__(self) -> None:
        if not self.api_key and not self.access_token:
            raise TypeError("an api_key or an access_token is required")
        self.base_url = self.base_url.rstrip("/")

    def backoff(self, attempt: int, max_delay: Optional[float] = None) -> float:
        """Exponential backoff with jitter: attempt n (from 0) waits in [d/2, d), d = min(max, base·2ⁿ)."""
        d = min(self.retry_max_delay if max_delay is None else max_delay, self.retry_base_delay * 2.0**attempt)
        return d / 2 + self.random() * d / 2


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def route_of(operation_id: str) -> Route:
    route = OPERATIONS.get(operation_id)
    if route is None:
        raise TypeError(f"unknown operation {operation_id!r}")
    return route


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_query_value(v) for v in value)
    return str(value)


def url_of(config: Config, route: Route, params: Optional[Mapping[str, Any]], query: Optional[Mapping[str, Any]]) -> str:
    def substitute(name: str) -> str:
        value = (params or {}).get(name)
        if value is None:
            raise TypeError(f"missing path parameter {name!r} of {route.operation_id}")
        return quote(str(value), safe="")

    path = route.path
    for name in route.path_params:
        path = path.replace("{" + name + "}", substitute(name))
    pairs = [(k, _query_value(v)) for k, v in (query or {}).items() if v is not None]
    return config.base_url + path + (f"?{urlencode(pairs)}" if pairs else "")


def credential(config: Config) -> Flow[str]:
    if config.api_key:
        return config.api_key
    token = config.access_token
    if callable(token):
        return str((yield Invoke(token)))
    return token or ""


def call(
    config: Config,
    operation_id: str,
    *,
    params: Optional[Mapping[str, Any]] = None,
    query: Optional[Mapping[str, Any]] = None,
    body: Any = None,
    headers: Optional[Mapping[str, Optional[str]]] = None,
    request_timeout: Optional[float] = None,
) -> Flow[Any]:
    """One operation of the contract, with retries; answers the body as received once it matches the contract."""
    route = route_of(operation_id)
    extra = {k: v for k, v in (headers or {}).items() if v is not None}
    if "idempotency-key" in route.headers and "idempotency-key" not in extra:
        # Without a key of the caller's, one is made, so this call's own retries never create a duplicate.
        own = body.get("idempotency_key") if isinstance(body, Mapping) else None
        extra["idempotency-key"] = own or str(uuid.uuid4())
    url = url_of(config, route, params, query)
    content = None if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
    # Safe to send twice: reads, deletes, and calls carrying an idempotency key.
    idempotent = route.method in ("GET", "DELETE") or "idempotency-key" in extra
    refreshed = False
    attempt = 0
    while True:
        request_headers = {
            "accept": "application/json",
            "authorization": f"Bearer {(yield from credential(config))}",
            "user-agent": config.user_agent,
            **extra,
        }
        if content is not None:
            request_headers["content-type"] = "application/json"
        try:
            res: Received = yield Send(route.method, url, request_headers, content, request_timeout or config.timeout)
        except Unreachable as failure:
            if idempotent and attempt < config.max_retries:
                yield Sleep(config.backoff(attempt))
                attempt += 1
                continue
            raise NetworkError(f"{route.method} {route.path}: {failure}") from failure.__cause__
        payload = read_body(res)
        if 200 <= res.status < 300:
            return validate(route, res.status, payload)
        error = to_api_error(res, payload)
        if error.status == 401 and config.refresh_access_token and not config.api_key and not refreshed:
            refreshed = True
            config.access_token = str((yield Invoke(config.refresh_access_token)))
            continue
        retryable = error.status == 429 or (error.status >= 500 and error.code != "EMERGENCY_STOP")
        if not retryable or attempt >= config.max_retries:
            raise error
        retry_after = parse_retry_after(res.headers.get("retry-after"))
        if retry_after is not None and retry_after > config.max_retry_after:
            raise error
        # Retry-After is when the window resets; a little jitter keeps clients refused together apart.
        delay = (
            retry_after + config.random() * min(1.0, config.retry_base_delay)
            if retry_after is not None
            else config.backoff(attempt)
        )
        yield Sleep(delay)
        attempt += 1


def read_body(res: Received) -> Any:
    if not res.content:
        return None
    text = res.content.decode("utf-8", errors="replace")
    if "json" not in res.headers.get("content-type", ""):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def validate(route: Route, status: int, body: Any) -> Any:
    schema = route.responses.get(status)
    if schema is None:
        listed = ", ".join(str(s) for s in route.responses)
        raise ContractMismatchError(
            f"{route.operation_id} answered {status}, which the contract does not list ({listed})",
            operation_id=route.operation_id,
            status=status,
            issues=[((), f"unexpected status {status}")],
            body=body,
        )
    issues = check(schema, body)
    if issues:
        where = ".".join(str(p) for p in issues[0][0]) or "body"
        raise ContractMismatchError(
            f"{route.operation_id} answered {status} with a body that does not match the contract ({where}: {issues[0][1]})",
            operation_id=route.operation_id,
            status=status,
            issues=issues,
            body=body,
        )
    # The body as received: fields a newer server added are kept.
    return body


def to_api_error(res: Received, body: Any) -> ApiError:
    retry_after = parse_retry_after(res.headers.get("retry-after"))
    envelope = body.get("error") if isinstance(body, dict) else None
    if isinstance(envelope, dict) and not check("Error", body):
        return api_error_for(
            status=res.status,
            code=envelope["code"],
            message=envelope["message"],
            details=envelope.get("details"),
            request_id=envelope.get("request_id"),
            headers=res.headers,
            retry_after=retry_after,
        )
    # Not our envelope: a proxy or load balancer answered. The status still says what kind of failure.
    shown = f": {body[:200]}" if isinstance(body, str) and body else ""
    return api_error_for(
        status=res.status,
        code="RATE_LIMITED" if res.status == 429 else "UNKNOWN",
        message=f"HTTP {res.status}{shown}",
        request_id=res.headers.get("x-request-id"),
        headers=res.headers,
        retry_after=retry_after,
    )


def httpx_timeout(seconds: float) -> httpx.Timeout:
    # Connecting is quick or not at all; reading may take as long as the server holds a long poll.
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


class _Steps(Generic[T]):
    """Walks a flow: hands it each step's result (or the error the step raised) and reads its next step."""

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
        self._value: Any = None
        self._error: Optional[BaseException] = None
        self.result: Any = None

    def __iter__(self) -> Iterator[Union[Send, Sleep, Invoke]]:
        while True:
            try:
                step = self._flow.throw(self._error) if self._error is not None else self._flow.send(self._value)
            except StopIteration as done:
                self.result = done.value
                return
            self._value, self._error = None, None
            yield step

    def answer(self, value: Any) -> None:
        self._value = value

    def fail(self, exc: BaseException) -> None:
        # A transport failure reaches the flow as Unreachable; anything else as raised, for the flow to decide.
        self._error = _unreachable(exc) if isinstance(exc, httpx.TransportError) else exc


def run_sync(flow: Flow[T], http: httpx.Client, sleep: Callable[[float], None]) -> T:
    """Carries a flow out with a blocking httpx client."""
    steps = _Steps(flow)
    for step in steps:
        try:
            if isinstance(step, Send):
                res = http.request(step.method, step.url, headers=step.headers, content=step.content, timeout=httpx_timeout(step.timeout))
                steps.answer(Received(res.status_code, res.headers, res.content))
            elif isinstance(step, Sleep):
                sleep(step.seconds)
            elif inspect.isawaitable(value := step.fn(*step.args)):
                raise TypeError(f"{step.fn!r} returned an awaitable: use AsyncGreenlight for async callbacks")
            else:
                steps.answer(value)
        except Exception as exc:  # noqa: BLE001 - handed to the flow, which decides
            steps.fail(exc)
    return cast(T, steps.result)


async def run_async(flow: Flow[T], http: httpx.AsyncClient, sleep: Callable[[float], Awaitable[None]]) -> T:
    """Carries a flow out with an async httpx client."""
    steps = _Steps(flow)
    for step in steps:
        try:
            if isinstance(step, Send):
                res = await http.request(step.method, step.url, headers=step.headers, content=step.content, timeout=httpx_timeout(step.timeout))
                steps.answer(Received(res.status_code, res.headers, res.content))
            elif isinstance(step, Sleep):
                await sleep(step.seconds)
            else:
                value = step.fn(*step.args)
                steps.answer(await value if inspect.isawaitable(value) else value)
        except Exception as exc:  # noqa: BLE001 - handed to the flow, which decides
            steps.fail(exc)
    return cast(T, steps.result)


def _unreachable(exc: httpx.TransportError) -> Unreachable:
    failure = Unreachable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    failure.__cause__ = exc
    return failure
