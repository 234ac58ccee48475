"""Get the decision back by callback instead of waiting: a receiver that trusts only its own request's answer.

It creates a request whose ``callback_url`` is this receiver, then serves until Greenlight POSTs the
decision. Every delivery is checked with ``parse_webhook``: the Standard Webhooks signature with the
organization's callback secret, the timestamp, the body's shape, and that it is about the request
this receiver is waiting for. A correctly signed callback for another request (many requests may
share one receiver URL) is answered 409 and changes nothing; anything else unverified gets 400.

    GREENLIGHT_URL=... GREENLIGHT_API_KEY=gk_... python webhook_receiver.py --public-url https://hooks.example.com

(the public URL is where Greenlight can reach this machine). The same check in a web framework:

    Flask:    delivery = parse_webhook_request(flask.request, secret=SECRET, approval_id=request_id)
    Django:   delivery = parse_webhook_request(request, secret=SECRET, approval_id=request_id)
    FastAPI:  delivery = await parse_webhook_request_async(request, secret=SECRET, approval_id=request_id)
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any, Callable, Dict, List, Optional
from wsgiref.simple_server import WSGIRequestHandler, make_server

from greenlight import ContractMismatchError, Delivery, Greenlight, WebhookVerificationError, parse_webhook, raw_wsgi


def receiver(secret: str, approval_id: str, on_decision: Callable[[Delivery], None]) -> Callable[..., List[bytes]]:
    """A WSGI app that accepts the decision of ``approval_id`` only."""

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            # Greenlight may probe a waiting receiver with HEAD: someone is here.
            start_response("204 No Content", [])
            return []
        raw = raw_wsgi(environ)
        try:
            delivery = parse_webhook(raw.body, raw.headers, secret=secret, approval_id=approval_id)
        except WebhookVerificationError as refused:
            # 409 for another request's (genuine) callback, so the sender stops retrying it here.
            start_response("409 Conflict" if refused.reason == "wrong_request" else "400 Bad Request", [("content-type", "text/plain")])
            return [str(refused).encode()]
        except ContractMismatchError as refused:
            start_response("400 Bad Request", [("content-type", "text/plain")])
            return [str(refused).encode()]
        if delivery.outcome is not None:
            on_decision(delivery)
        start_response("204 No Content", [])
        return []

    return app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--public-url", help="where Greenlight reaches this receiver (default: http://127.0.0.1:<port>)")
    args = parser.parse_args()

    decided: List[Delivery] = []
    done = threading.Event()
    with Greenlight() as gl:
        secret = gl.get_callback_secret()["secret"]
        pending: Dict[str, Optional[str]] = {"id": None}

        def on_decision(delivery: Delivery) -> None:
            decided.append(delivery)
            done.set()

        server = make_server("127.0.0.1", args.port, lambda e, s: receiver(secret, pending["id"] or "", on_decision)(e, s), handler_class=_Quiet)
        base = args.public_url or f"http://127.0.0.1:{server.server_port}"
        request = gl.create_approval(
            {"title": "Publish the quarterly report", "description": "Goes to every customer.", "priority": "medium", "callback_url": f"{base}/greenlight"}
        )
        pending["id"] = request["id"]
        print(f"waiting for a decision on request {request['id']}", flush=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        done.wait()
        server.shutdown()
    outcome = decided[0].outcome
    print(f"request {request['id']} was {outcome}", flush=True)
    return 0 if outcome == "approved" else 1


if __name__ == "__main__":
    sys.exit(main())
