"""What a request that waited for a person ended as.

The tables come from the one rule of ``@greenlight/triggers`` (generated): only the literal
``approved`` status or ``approval.approved`` event is an approval; anything else final maps to its
own outcome; anything not listed (pending, an unknown value, a missing one) maps to nothing, never to
approved. ``timed_out`` is a wait whose own limit passed, which no status or event produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, cast

from ._generated.constants import OUTCOME_BY_EVENT, OUTCOME_BY_STATUS
from ._generated.models import DecisionOutcome, Edit, WaitOutcome, WaitResult, WaitResultApprovedContent


def outcome_of_status(status: Any) -> Optional[DecisionOutcome]:
    """The final outcome a request's status stands for (``rejected`` → rejected), else None (pending too)."""
    return cast(Optional[DecisionOutcome], OUTCOME_BY_STATUS.get(status)) if isinstance(status, str) else None


def outcome_of_event(event_type: Any) -> Optional[DecisionOutcome]:
    """The final outcome an event type stands for (``approval.revoked`` → rejected), else None."""
    return cast(Optional[DecisionOutcome], OUTCOME_BY_EVENT.get(event_type)) if isinstance(event_type, str) else None


def outcome_of_delivery(payload: Mapping[str, Any]) -> Optional[DecisionOutcome]:
    """The outcome a callback or subscription delivery reports: its event type's, except that an
    approval also needs the request it carries to say ``approved``."""
    outcome = outcome_of_event(payload.get("type"))
    data = payload.get("data")
    approval = data.get("approval") if isinstance(data, Mapping) else None
    status = approval.get("status") if isinstance(approval, Mapping) else None
    if outcome == "approved" and outcome_of_status(status) != "approved":
        return None
    return outcome


@dataclass(frozen=True)
class Outcome:
    """How a wait ended, with the request as last seen."""

    outcome: WaitOutcome
    approval: WaitResult

    @property
    def approved(self) -> bool:
        """True only for an approval of the request waited on."""
        return self.outcome == "approved"

    @property
    def approval_id(self) -> str:
        return self.approval["id"]

    @property
    def response(self) -> Optional[Dict[str, Any]]:
        """The reviewer's answer to the request's ``response_schema`` (defaults filled in), once approved; else None."""
        return self.approval.get("response")

    @property
    def edits(self) -> List[Edit]:
        """The fields the approving reviewer changed, each with ``path``, ``before`` and ``after``; empty when none."""
        return self.approval.get("edits") or []

    @property
    def approved_content(self) -> Optional[WaitResultApprovedContent]:
        """What was approved: ``metadata`` and ``changes`` with the edits applied; None unless approved. Act on this, not on what was asked."""
        return self.approval.get("approved_content")

    @property
    def comment(self) -> Optional[str]:
        """The reviewer's words: a revocation's reason, or the decision's comment."""
        if self.approval.get("revoked_at"):
            return self.approval.get("revocation_reason") or self.approval.get("decision_comment")
        return self.approval.get("decision_comment")
