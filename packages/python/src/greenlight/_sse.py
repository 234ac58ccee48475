"""Server-Sent Events, as the WHATWG HTML standard's "Interpreting an event stream" reads them."""

from __future__ import annotations

import json
from typing import Any, List


class EventStreamParser:
    """Fed one line at a time (without its line ending); answers the JSON of each event that ends."""

    def __init__(self) -> None:
        self._data: List[str] = []
        #: The id of the last event received: what to resume after.
        self.last_event_id: str = ""

    def feed(self, line: str) -> List[Any]:
        # httpx before 0.24 hands lines over with their line ending; later versions without.
        line = line.rstrip("\r\n")
        if line == "":
            if not self._data:
                return []
            text = "\n".join(self._data)
            self._data = []
            return [json.loads(text)]
        if line.startswith(":"):
            return []  # a comment: the keep-alive
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        return []
