"""Reads the bridge's /api/events stream for as long as the entry is loaded.

Execution events go onto Home Assistant's bus as `appwrite_execution`, Realtime events as
`appwrite_realtime` (and gaps as `appwrite_realtime_gap`, each also to its subscription's event
entity), instance events into the coordinator, catalogue changes (and resyncs) re-read the
catalogue. The stream reconnects with backoff and sends `Last-Event-ID`, so the bridge replays what was missed; event IDs that were
already handled are dropped, so nothing is lost or fired twice across a reconnect.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import logging
import random
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .client import BridgeAuthError, BridgeClient, BridgeError
from .realtime import realtime_event_data, realtime_signal
from .const import (
    DOMAIN,
    EVENT_EXECUTION,
    EVENT_REALTIME,
    EVENT_REALTIME_GAP,
    RECONNECT_INITIAL_DELAY,
    RECONNECT_MAX_DELAY,
    STREAM_STABLE_AFTER,
    device_identifier,
)

if TYPE_CHECKING:
    from . import AppwriteConfigEntry
    from .coordinator import AppwriteCoordinator

_LOGGER = logging.getLogger(__name__)

OPENED = "_opened"

# An execution's last statuses: the event entity fires on these.
FINAL_STATUSES = ("completed", "failed")
# Contexts of action calls kept until their execution finishes (the oldest go first).
MAX_REMEMBERED_CALLS = 1000


def execution_signal(entry_id: str, project_id: str) -> str:
    return f"{DOMAIN}_execution_{entry_id}_{project_id}"


@dataclass(slots=True)
class StreamStats:
    """For diagnostics."""

    connected: bool = False
    connections: int = 0
    received: int = 0
    duplicates: int = 0
    resyncs: int = 0
    realtime: int = 0
    realtime_gaps: int = 0
    # Exceptions other than the bridge's own errors, each logged with its traceback.
    failures: int = 0
    last_error: str | None = None


def execution_event_data(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """The `appwrite_execution` bus event for one execution envelope, or None if it is not one."""
    payload = envelope.get("payload")
    if not isinstance(payload, dict):
        return None
    channels = [channel for channel in _list(envelope.get("channels")) if isinstance(channel, str)]
    project_id = next(
        (channel.removeprefix("instances.") for channel in channels if channel.startswith("instances.")), None
    )
    function_id = payload.get("functionId") or next(
        (channel.removeprefix("functions.") for channel in channels if channel.startswith("functions.")), None
    )
    return {
        "project_id": project_id,
        "function_id": function_id,
        "execution_id": payload.get("$id"),
        "status": payload.get("status"),
        "response_status_code": payload.get("responseStatusCode"),
        "duration": payload.get("duration"),
        "trigger": payload.get("trigger"),
        "events": [event for event in _list(envelope.get("events")) if isinstance(event, str)],
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class EventStream:
    """One entry's event stream reader, started with entry.async_create_background_task."""

    def __init__(
        self, hass: HomeAssistant, entry: AppwriteConfigEntry, client: BridgeClient, coordinator: AppwriteCoordinator
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.coordinator = coordinator
        self.last_event_id: int | None = None
        self.stats = StreamStats()
        # Whether the current connection stayed up long enough (or delivered an event) for the
        # reconnect delay to start over.
        self.stable = False
        self.bridge_id = coordinator.bridge_id
        # Execution ID -> the context of the action call that started it.
        self._contexts: dict[str, Context] = {}

    async def run(self) -> None:
        """Reads the stream until the entry unloads; nothing but a refused token ends it."""
        delay = RECONNECT_INITIAL_DELAY
        while True:
            self.stable = False
            logged = False
            try:
                await self._read()
                self.stats.last_error = "the bridge ended the stream"
            except asyncio.CancelledError:
                raise
            except BridgeAuthError:
                self.stats.connected = False
                self.stats.last_error = "the bridge refused the token"
                _LOGGER.warning("%s: the bridge refused the token on the event stream", self.entry.title)
                self.entry.async_start_reauth(self.hass)
                return
            except BridgeError as error:
                self.stats.last_error = str(error)
            except Exception as error:  # noqa: BLE001 - whatever broke, the stream must come back
                self.stats.last_error = f"{type(error).__name__} while reading the event stream"
                self.stats.failures += 1
                _LOGGER.exception("%s: the event stream failed; reconnecting", self.entry.title)
                logged = True
            was_connected = self.stats.connected
            # log-when-unavailable: one line when lost (the traceback above, if any), one when back.
            if was_connected and not logged:
                _LOGGER.info("%s: event stream lost (%s); reconnecting", self.entry.title, self.stats.last_error)
            elif not logged:
                _LOGGER.debug(
                    "%s: event stream unavailable (%s); retrying in %.0f s",
                    self.entry.title,
                    self.stats.last_error,
                    delay,
                )
            self.stats.connected = False
            if was_connected:
                # The entities turn unavailable now, not at the next poll, if the bridge is gone.
                await self.coordinator.async_refresh()
            if self.stable:
                # Up long enough (or it delivered events): this is a new outage, not a bridge
                # or proxy that accepts and closes at once.
                delay = RECONNECT_INITIAL_DELAY
            await self._wait(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, RECONNECT_MAX_DELAY)

    async def _wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def _read(self) -> None:
        last = str(self.last_event_id) if self.last_event_id is not None else None
        opened_at: float | None = None
        async for event_id, kind, data in self.client.events(last):
            if kind == OPENED:
                opened_at = time.monotonic()
                await self._opened()
                continue
            if not self.stable and opened_at is not None and time.monotonic() - opened_at >= STREAM_STABLE_AFTER:
                self.stable = True
            await self.handle(event_id, kind, data)
            # An event delivered is proof of a working stream.
            self.stable = True
        if opened_at is not None and time.monotonic() - opened_at >= STREAM_STABLE_AFTER:
            self.stable = True

    @callback
    def remember_call(self, execution_id: str, context: Context) -> None:
        """An action started this execution: its events carry the call's context as parent."""
        self._contexts[execution_id] = context
        while len(self._contexts) > MAX_REMEMBERED_CALLS:
            self._contexts.pop(next(iter(self._contexts)))

    def _with_origin(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event with the bridge, the entry and the instance's device it came from."""
        project_id = event.get("project_id")
        device = (
            dr.async_get(self.hass).async_get_device(identifiers={device_identifier(self.bridge_id, project_id)})
            if isinstance(project_id, str)
            else None
        )
        return {
            **event,
            "bridge_id": self.bridge_id,
            "config_entry_id": self.entry.entry_id,
            "device_id": device.id if device else None,
        }

    def _fire(self, event: dict[str, Any]) -> None:
        project_id = event.get("project_id")
        event = self._with_origin(event)
        execution_id = event.get("execution_id")
        parent = self._contexts.get(execution_id) if isinstance(execution_id, str) else None
        if parent is not None and event.get("status") in FINAL_STATUSES:
            self._contexts.pop(execution_id, None)
        context = Context(parent_id=parent.id) if parent is not None else None
        self.hass.bus.async_fire(EVENT_EXECUTION, event, context=context)
        if isinstance(project_id, str):
            async_dispatcher_send(self.hass, execution_signal(self.entry.entry_id, project_id), event)

    async def _opened(self) -> None:
        if self.stats.connections and self.stats.last_error is not None:
            _LOGGER.info("%s: event stream back", self.entry.title)
        self.stats.connected = True
        self.stats.connections += 1
        if self.last_event_id is None:
            # Nothing to replay from: whatever changed before this stream opened is read again,
            # on the first connection too (a change between the entry's first read and now, such
            # as an instance's Realtime state settling at start, would otherwise wait for the poll).
            await self.coordinator.async_refresh()

    async def handle(self, event_id: str | None, kind: str, data: str) -> None:
        """One SSE message."""
        # ASCII digits only: str.isdigit() also takes "²" and other digits int() refuses.
        number = int(event_id) if event_id is not None and event_id.isascii() and event_id.isdigit() else None
        if kind == "resync":
            # The bridge lost track of our position (its buffer moved on, or it restarted with a
            # new numbering): what we know may be stale, and its IDs start over from here.
            self.stats.resyncs += 1
            self.last_event_id = number
            await self.coordinator.async_refresh()
            return
        if number is not None:
            if self.last_event_id is not None and number <= self.last_event_id:
                self.stats.duplicates += 1
                return
            self.last_event_id = number
        self.stats.received += 1
        try:
            envelope = json.loads(data)
        except ValueError:
            _LOGGER.debug("%s: event %s is not JSON", self.entry.title, event_id)
            return
        if not isinstance(envelope, dict):
            return
        if kind == "message":
            # A bridge older than the event kinds only streamed executions.
            kind = "execution"
        if kind == "execution":
            event = execution_event_data(envelope)
            if event is not None:
                self._fire(event)
        elif kind in ("realtime", "realtime_gap"):
            self._fire_realtime(kind, envelope)
        elif kind == "instance":
            payload = envelope.get("payload")
            if isinstance(payload, dict):
                self.coordinator.async_set_instance(payload)
        elif kind == "catalogue":
            await self.coordinator.async_refresh()

    def _fire_realtime(self, kind: str, envelope: dict[str, Any]) -> None:
        event = realtime_event_data(envelope)
        if event is None:
            return
        event = self._with_origin(event)
        if kind == "realtime_gap":
            self.stats.realtime_gaps += 1
            self.hass.bus.async_fire(EVENT_REALTIME_GAP, event)
            return
        self.stats.realtime += 1
        self.hass.bus.async_fire(EVENT_REALTIME, event)
        async_dispatcher_send(
            self.hass, realtime_signal(self.entry.entry_id, event["project_id"], event["subscription"]), event
        )
