"""The examples, run as a user runs them, against the real server; a second principal decides."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
from conftest import World

from greenlight import Greenlight

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run_example(world: World, approver: Greenlight, name: str, decision: str, comment: str, *args: str) -> Tuple[int, str]:
    env = {**os.environ, "GREENLIGHT_URL": world.url, "GREENLIGHT_API_KEY": world.requester_key}
    child = subprocess.Popen([sys.executable, str(EXAMPLES / name), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    seen: List[str] = []
    for line in child.stdout:
        seen.append(line)
        found = re.search(r"waiting for a decision on request ([0-9a-f-]{36})", line)
        if found:
            approver.decide_approval(found.group(1), {"decision": decision, "comment": comment})  # type: ignore[typeddict-item]
            break
    else:
        child.wait(timeout=10)
        raise AssertionError(f"{name} never said which request it waits on:\n{''.join(seen)}")
    rest, _ = child.communicate(timeout=120)
    return child.returncode, "".join(seen) + rest


def test_the_script_runs_its_work_on_approval(world: World, approver: Greenlight) -> None:
    code, out = _run_example(world, approver, "script.py", "approve", "go")
    assert code == 0, out
    assert "approved: go" in out and "migrating the billing database" in out


def test_the_script_does_not_run_on_rejection(world: World, approver: Greenlight) -> None:
    code, out = _run_example(world, approver, "script.py", "reject", "not during the sale")
    assert code == 1, out
    assert "migrating" not in out and "not during the sale" in out


@pytest.mark.parametrize("decision,code,said", [("approve", 0, "Refunded 25.0 EUR"), ("reject", 1, "Not done: Rejected by a reviewer")])
def test_the_agent_tool_answers_the_model(world: World, approver: Greenlight, decision: str, code: int, said: str) -> None:
    exit_code, out = _run_example(world, approver, "agent_tool.py", decision, "checked the order")
    assert exit_code == code, out
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer["output"].startswith(said)


def test_the_webhook_receiver_gets_its_decision_by_callback(world: World, approver: Greenlight) -> None:
    code, out = _run_example(world, approver, "webhook_receiver.py", "approve", "publish it")
    assert code == 0, out
    assert re.search(r"request [0-9a-f-]{36} was approved", out)
