"""The shape of one operation in the generated operation table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Route:
    operation_id: str
    method: str
    #: OpenAPI path syntax: ``/api/v1/approvals/{id}``.
    path: str
    path_params: Tuple[str, ...]
    query_params: Tuple[str, ...]
    headers: Tuple[str, ...]
    #: The request body's schema name, if the operation takes one.
    body: Optional[str]
    #: The schema of each success status's body.
    responses: Dict[int, str]
    #: Answered as Server-Sent Events rather than one JSON body.
    stream: bool
    #: Whether an API key or OAuth token may call it (otherwise a dashboard session only).
    bearer: bool
