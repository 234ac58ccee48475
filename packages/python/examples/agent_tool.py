"""An agent's tool that runs only once a person approved the call.

Any framework that calls plain Python functions as tools (OpenAI Agents, LangGraph, CrewAI, Pydantic
AI…) can wrap them the same way: the decorator asks Greenlight with the call's arguments, waits, and
runs the function only on an approval. A refusal is answered to the model as text it can act on,
rather than as an error that ends the run. The framework's id for the tool call is the idempotency
key, so a retried step finds the request it already made instead of asking twice.

    GREENLIGHT_URL=... GREENLIGHT_API_KEY=gk_... python agent_tool.py
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any, Callable, Dict

from greenlight import Greenlight, NotApprovedError

gl = Greenlight()  # GREENLIGHT_URL and GREENLIGHT_API_KEY


@gl.require_approval(
    "Refund {amount} EUR to customer {customer_id}",
    "The support agent wants to refund order {order_id}.",
    priority="high",
    timeout=600,
    idempotency_key=lambda customer_id, order_id, amount, call_id: f"refund-tool:{call_id}",
    fields={"action_type": "tool.refund", "source": "support-agent"},
    on_created=lambda request: print(f"waiting for a decision on request {request['id']}", flush=True),
)
def refund(customer_id: str, order_id: str, amount: float, call_id: str) -> str:
    # The real refund would go here.
    return f"Refunded {amount} EUR for order {order_id}."


def as_tool(fn: Callable[..., str]) -> Callable[..., str]:
    """What the model sees: the tool's answer, or why it did not run."""

    def tool(**arguments: Any) -> str:
        try:
            return fn(**arguments)
        except NotApprovedError as refused:
            return f"Not done: {refused}"

    return tool


TOOLS: Dict[str, Callable[..., str]] = {"refund": as_tool(refund)}

if __name__ == "__main__":
    # One tool call, as a model would request it.
    name, call_id = "refund", str(uuid.uuid4())
    arguments: Dict[str, Any] = {"customer_id": "c_42", "order_id": "o_1001", "amount": 25.0}
    answer = TOOLS[name](**arguments, call_id=call_id)
    print(json.dumps({"tool_call_id": call_id, "output": answer}), flush=True)
    sys.exit(0 if answer.startswith("Refunded") else 1)
