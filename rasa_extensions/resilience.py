"""Apologise, instead of falling silent, when the action server is down or slow.

Rasa 3.6.21's `RemoteAction.run` raises `RasaException` when the action server
cannot be reached or answers with an error, and waits up to a hard-coded five
minutes for an answer. `MessageProcessor._run_action` catches the exception,
logs it, drops the action's events and carries on, so the user gets nothing
back (and a slow server holds the reply for minutes). No endpoints setting
changes that, so `install()` wraps `RemoteAction.run`, which serves custom
actions and form validation actions alike:

- the call is bounded by `action_endpoint.timeout` in endpoints.yml (seconds,
  default 10);
- any failure except a deliberate rejection becomes the domain's
  `utter_action_unavailable` response, at most once per user message.

The conversation itself is untouched: once the action server is back, the next
message works as before.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

APOLOGY_RESPONSE = "utter_action_unavailable"
DEFAULT_TIMEOUT_SECONDS = 10.0
_MARKER = "_runner_resilient"

RunMethod = Callable[..., Awaitable[List[Event]]]


def action_timeout(endpoint: EndpointConfig | None) -> float:
    """Seconds to wait for the action server: `action_endpoint.timeout` or the default."""
    value = endpoint.kwargs.get("timeout") if endpoint is not None else None
    try:
        seconds = float(value) if value is not None else DEFAULT_TIMEOUT_SECONDS
    except (TypeError, ValueError):
        logger.warning(f"action_endpoint.timeout {value!r} is not a number; using {DEFAULT_TIMEOUT_SECONDS}s")
        return DEFAULT_TIMEOUT_SECONDS
    return seconds if seconds > 0 else DEFAULT_TIMEOUT_SECONDS


def already_apologised(tracker: Any) -> bool:
    """True if the apology was already sent since the user's latest message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.metadata.get("utter_action") == APOLOGY_RESPONSE:
            return True
    return False


async def apology_events(output_channel: Any, nlg: Any, tracker: Any) -> List[Event]:
    """The apology as a bot utterance, unless already given this turn or missing from the domain."""
    if already_apologised(tracker):
        return []
    message = await nlg.generate(APOLOGY_RESPONSE, tracker, output_channel.name())
    if not message:
        logger.error(f"The domain has no response {APOLOGY_RESPONSE!r}; the user gets no apology.")
        return []
    message["utter_action"] = APOLOGY_RESPONSE
    return [create_bot_utterance(message)]


def resilient(run: RunMethod) -> RunMethod:
    """Wraps `RemoteAction.run` with a timeout and the apology."""

    @functools.wraps(run)
    async def run_or_apologise(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any,
                               domain: Any) -> List[Event]:
        timeout = action_timeout(self.action_endpoint)
        try:
            return await asyncio.wait_for(run(self, output_channel, nlg, tracker, domain), timeout)
        except ActionExecutionRejection:
            raise  # a form's validation rejecting input: Rasa's own control flow
        except asyncio.TimeoutError:
            logger.warning(f"Custom action '{self.name()}' got no answer within {timeout:g}s; apologising.")
        except Exception as error:  # any failure must reach the user as an apology
            logger.warning(f"Custom action '{self.name()}' failed ({error}); apologising.")
        return await apology_events(output_channel, nlg, tracker)

    setattr(run_or_apologise, _MARKER, True)
    return run_or_apologise


def install() -> None:
    """Patches `RemoteAction.run` once per process."""
    if not getattr(RemoteAction.run, _MARKER, False):
        RemoteAction.run = resilient(RemoteAction.run)  # type: ignore[method-assign]


def installed() -> bool:
    return bool(getattr(RemoteAction.run, _MARKER, False))
