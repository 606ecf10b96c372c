"""Reads the bridge's /api/events stream for as long as the entry is loaded.

Execution events go onto Home Assistant's bus as `appwrite_execution`, instance events into the
coordinator, catalogue changes (and resyncs) re-read the catalogue. The stream reconnects with
backoff and sends `Last-Event-ID`, so the bridge replays what was missed; event IDs that were
already handled are dropped, so nothing is lost or fired twice across a reconnect.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import logging
import random
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant

from .client import BridgeAuthError, BridgeClient, BridgeError
from .const import EVENT_EXECUTION, RECONNECT_INITIAL_DELAY, RECONNECT_MAX_DELAY

if TYPE_CHECKING:
    from . import AppwriteConfigEntry
    from .coordinator import AppwriteCoordinator

_LOGGER = logging.getLogger(__name__)

OPENED = "_opened"


@dataclass(slots=True)
class StreamStats:
    """For diagnostics."""

    connected: bool = False
    connections: int = 0
    received: int = 0
    duplicates: int = 0
    resyncs: int = 0
    last_error: str | None = None


def execution_event_data(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """The `appwrite_execution` bus event for one execution envelope, or None if it is not one."""
    payload = envelope.get("payload")
    if not isinstance(payload, dict):
        return None
    channels = [channel for channel in envelope.get("channels") or [] if isinstance(channel, str)]
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
        "events": [event for event in envelope.get("events") or [] if isinstance(event, str)],
    }


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

    async def run(self) -> None:
        delay = RECONNECT_INITIAL_DELAY
        while True:
            try:
                last = str(self.last_event_id) if self.last_event_id is not None else None
                async for event_id, kind, data in self.client.events(last):
                    if kind == OPENED:
                        delay = RECONNECT_INITIAL_DELAY
                        await self._opened()
                    else:
                        await self.handle(event_id, kind, data)
                self.stats.last_error = "the bridge ended the stream"
            except BridgeAuthError:
                self.stats.connected = False
                self.stats.last_error = "the bridge refused the token"
                _LOGGER.warning("%s: the bridge refused the token on the event stream", self.entry.title)
                self.entry.async_start_reauth(self.hass)
                return
            except BridgeError as error:
                self.stats.last_error = str(error)
            if self.stats.connected:
                _LOGGER.info("%s: event stream lost (%s); reconnecting", self.entry.title, self.stats.last_error)
            else:
                _LOGGER.debug(
                    "%s: event stream unavailable (%s); retrying in %.0f s",
                    self.entry.title,
                    self.stats.last_error,
                    delay,
                )
            self.stats.connected = False
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, RECONNECT_MAX_DELAY)

    async def _opened(self) -> None:
        self.stats.connected = True
        self.stats.connections += 1
        if self.last_event_id is None and self.stats.connections > 1:
            # Nothing to replay from: whatever changed while disconnected is read again.
            await self.coordinator.async_refresh()

    async def handle(self, event_id: str | None, kind: str, data: str) -> None:
        """One SSE message."""
        number = int(event_id) if event_id is not None and event_id.isdigit() else None
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
                self.hass.bus.async_fire(EVENT_EXECUTION, event)
        elif kind == "instance":
            payload = envelope.get("payload")
            if isinstance(payload, dict):
                self.coordinator.async_set_instance(payload)
        elif kind == "catalogue":
            await self.coordinator.async_refresh()
