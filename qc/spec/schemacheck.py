"""A quick "surely valid" pass over a spec before JSON Schema validation.

jsonschema and its dependencies take about a sixth of exoqc's start-up, and almost every
run loads a valid spec. `surely_valid` understands the few keywords the spec schema uses,
with jsonschema's meaning (Draft 2020-12). It returns True only when it is certain the
document is valid. For anything else it returns False and jsonschema decides, with its
own messages: an invalid document, a keyword it does not know, a `$ref` outside the
schema, a value whose type jsonschema might judge differently. So it can make a valid
spec load faster, but it can never accept an invalid one or change an error message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description",
                         "default", "examples"})
KNOWN = ANNOTATIONS | {"type", "properties", "additionalProperties", "required", "items",
                       "minItems", "maxItems", "minLength", "maxLength", "pattern", "enum",
                       "$ref", "anyOf", "propertyNames"}


def surely_valid(document: Any, schema: Mapping[str, Any]) -> bool:
    try:
        return _valid(document, schema, schema)
    except (KeyError, TypeError, ValueError, re.error, RecursionError):
        return False


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "number":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return False


def _valid(value: Any, schema: Any, root: Mapping[str, Any]) -> bool:
    if schema is True:
        return True
    if not isinstance(schema, Mapping) or not set(schema) <= KNOWN:
        return False
    if "$ref" in schema:
        ref = schema["$ref"]
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            return False
        if not _valid(value, root["$defs"][ref[len("#/$defs/"):]], root):
            return False
    if "anyOf" in schema:
        # Sound: a branch surely valid is valid, so anyOf is; if none is, decline.
        branches = schema["anyOf"]
        if not (isinstance(branches, list) and any(_valid(value, b, root) for b in branches)):
            return False
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, k) for k in kinds):
            return False
    if "enum" in schema and not (isinstance(value, str) and value in
                                 [v for v in schema["enum"] if isinstance(v, str)]):
        return False
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength",
                                                                               len(value)):
            return False
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            return False
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems",
                                                                              len(value)):
            return False
        if "items" in schema and not all(_valid(v, schema["items"], root) for v in value):
            return False
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return False
        if any(k not in value for k in schema.get("required", ())):
            return False
        if "propertyNames" in schema and not all(
                _valid(k, schema["propertyNames"], root) for k in value):
            return False
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                if not _valid(item, properties[key], root):
                    return False
            elif extra is False or not _valid(item, extra, root):
                return False
    return True
