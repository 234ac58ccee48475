"""The world these tests run in: a real Greenlight server process, started by test/python-sdk.test.ts.

That file seeds an organization, starts the server (as the other end-to-end tests start it, on PGlite
or Postgres), and runs pytest with the server's URL, the organization's API keys and a control URL
that stops, kills and starts the server process on the same port and database. Nothing here stands
in for the server.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from greenlight import Greenlight


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run these tests through test/python-sdk.test.ts (pnpm vitest run test/python-sdk.test.ts)")
    return value


@dataclass(frozen=True)
class World:
    url: str
    requester_key: str
    approver_key: str
    reader_key: str
    limited_key: str
    control_url: str
    package_dir: str

    def control(self, action: str) -> Dict[str, Any]:
        """Stops (SIGTERM), kills (SIGKILL) or starts the server process; answers once it is done."""
        request = urllib.request.Request(f"{self.control_url}/server/{action}", method="POST")
        with urllib.request.urlopen(request, timeout=120) as res:
            return json.loads(res.read())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def world() -> World:
    return World(
        url=_env("GREENLIGHT_TEST_URL"),
        requester_key=_env("GREENLIGHT_TEST_REQUESTER_KEY"),
        approver_key=_env("GREENLIGHT_TEST_APPROVER_KEY"),
        reader_key=_env("GREENLIGHT_TEST_READER_KEY"),
        limited_key=_env("GREENLIGHT_TEST_LIMITED_KEY"),
        control_url=_env("GREENLIGHT_TEST_CONTROL_URL"),
        package_dir=_env("GREENLIGHT_TEST_PACKAGE_DIR"),
    )


@pytest.fixture()
def requester(world: World) -> Iterator[Greenlight]:
    with Greenlight(world.url, api_key=world.requester_key) as client:
        yield client


@pytest.fixture()
def approver(world: World) -> Iterator[Greenlight]:
    """A second principal: the requester's own key may not approve its requests."""
    with Greenlight(world.url, api_key=world.approver_key) as client:
        yield client


@pytest.fixture()
def run_tag() -> str:
    """A tag value unique to one test, so lists see only that test's requests."""
    return uuid.uuid4().hex[:16]


def body(title: str = "Deploy v2 to production", **extra: Any) -> Dict[str, Any]:
    return {"title": title, "description": "Friday deploy", "priority": "high", **extra}


@dataclass
class Received:
    path: str
    headers: Dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on loopback that records what Greenlight POSTs to it."""

    url: str
    received: List[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 20.0) -> List[Received]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(f"{len(self.received)} deliveries arrived, expected {count}")
            return list(self.received)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    from greenlight import raw_wsgi

    state = Receiver(url="")

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        raw = raw_wsgi(environ)
        with state.arrived:
            state.received.append(Received(environ.get("PATH_INFO", ""), dict(raw.headers), raw.body))
            state.arrived.notify_all()
        start_response("204 No Content", [])
        return []

    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def reply(handler: Any, status: int, content_type: Optional[str], data: bytes) -> None:
    """Answers from an http.server handler (the stand-ins some tests put in front of the server)."""
    handler.send_response(status)
    handler.send_header("content-type", content_type or "application/octet-stream")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def decide_soon(client: Greenlight, approval_id: str, decision: str, comment: str | None = None) -> Tuple[threading.Thread, List[BaseException]]:
    """Decides from another thread while the caller waits; errors are collected for the test to check."""
    errors: List[BaseException] = []

    def run() -> None:
        try:
            client.decide_approval(approval_id, {"decision": decision, **({"comment": comment} if comment else {})})  # type: ignore[typeddict-item]
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


# ---------------------------------------------------------------------------------------------
# Each test's result, written for test/python-sdk.test.ts, which reports every test as its own.

_results: Dict[str, Dict[str, Any]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _results.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if report.failed:
        entry["outcome"] = "failed"
        entry["message"] += f"[{report.when}] {report.longreprtext}\n"
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
        entry["message"] += str(report.longrepr) + "\n"
    entry["seconds"] = entry.get("seconds", 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("GREENLIGHT_TEST_REPORT")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump({"exit_status": int(exitstatus), "tests": _results}, out)
