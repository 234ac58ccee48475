"""Checks a response body against the contract's schema (generated): types, required keys, enums.

Lengths, patterns and formats are not checked (the server enforces them on what it stores), and
fields a newer server added are kept, not refused. A status or event type that is not in the
contract's enum is refused here, so nothing unknown can be read as a decision.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Tuple, Union

from ._generated.schemas import SCHEMAS
from .errors import Issue

Path = Tuple[Union[str, int], ...]

_TYPES: Dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def check(schema_name: str, value: Any) -> List[Issue]:
    """Where ``value`` differs from the named schema; empty when it matches."""
    issues: List[Issue] = []
    _check(SCHEMAS[schema_name], value, (), issues)
    return issues


def _check(schema: Mapping[str, Any], value: Any, path: Path, issues: List[Issue]) -> None:
    if "ref" in schema:
        _check(SCHEMAS[schema["ref"]], value, path, issues)
        return
    for part in schema.get("allOf", ()):
        _check(part, value, path, issues)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        if not any(_matches(part, value, path) for part in alternatives):
            issues.append((path, "matches none of the allowed shapes"))
        return
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_TYPES[name](value) for name in names):
            issues.append((path, f"expected {' or '.join(names)}, got {type(value).__name__}"))
            return
    if "const" in schema and value != schema["const"]:
        issues.append((path, f"expected {schema['const']!r}"))
    if "enum" in schema and not any(value == allowed and type(value) is type(allowed) for allowed in schema["enum"]):
        issues.append((path, f"{value!r} is not one of {schema['enum']!r}"))
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                issues.append((path + (key,), "required"))
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                _check(properties[key], item, path + (key,), issues)
            elif "additionalProperties" in schema:
                _check(schema["additionalProperties"], item, path + (key,), issues)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(schema["items"], item, path + (index,), issues)


def _matches(schema: Mapping[str, Any], value: Any, path: Path) -> bool:
    found: List[Issue] = []
    _check(schema, value, path, found)
    return not found
