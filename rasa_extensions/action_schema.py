"""Validate action server answers against a schema compiled once, not on every call.

Rasa 3.6.21's `RemoteAction._validate_action_result` calls `jsonschema.validate`,
which first checks the (constant) response schema against its meta-schema and
builds a new validator, on every custom action call. Profiling `make bench`
showed that this took about a third of the Rasa server's CPU time. `install()`
replaces the method with one that validates against a validator built once. It
accepts and rejects exactly what Rasa's does and raises the same error with the
same message.
"""

from __future__ import annotations

import functools
from typing import Any, Dict

from jsonschema import validators
from rasa.core.actions.action import RemoteAction

ORIGINAL = RemoteAction._validate_action_result


@functools.lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of Rasa's action response schema, checked and built once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    if response_validator().is_valid(result):
        return True
    return ORIGINAL(self, result)  # an invalid answer: Rasa's own check raises its own error


def install() -> None:
    """Patches `RemoteAction._validate_action_result` (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def installed() -> bool:
    return RemoteAction._validate_action_result is validate_action_result
