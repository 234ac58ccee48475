"""Ask a person before a script acts, wait for the answer, and say what happened.

    GREENLIGHT_URL=https://greenlight.example.com GREENLIGHT_API_KEY=gk_... python script.py

Exit codes as the CLI's: 0 approved (and the work ran), 1 rejected, 2 expired or cancelled, 3 no
decision in time.
"""

from __future__ import annotations

import sys

from greenlight import Greenlight, NotApprovedError

EXIT = {"rejected": 1, "expired": 2, "cancelled": 2, "timed_out": 3}


def migrate() -> None:
    print("migrating the billing database…")


def main() -> int:
    with Greenlight() as gl:  # GREENLIGHT_URL and GREENLIGHT_API_KEY
        try:
            with gl.approval(
                "Migrate the billing database",
                "Adds the invoices.currency column; about 2 minutes of writes blocked.",
                priority="high",
                timeout=3600,
                # The request as soon as it exists: tell a person where to decide.
                on_created=lambda request: print(f"waiting for a decision on request {request['id']}", flush=True),
            ) as approved:
                print(f"approved{': ' + approved.comment if approved.comment else ''}", flush=True)
                migrate()
        except NotApprovedError as refused:
            print(refused, file=sys.stderr)
            return EXIT.get(refused.outcome, 1)
    # `started` was recorded before migrate(); `succeeded` after it (or `failed` had it raised).
    return 0


if __name__ == "__main__":
    sys.exit(main())
