"""Diagnostics: the entry, the bridge's instances and catalogue, the event stream. No token, no session."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from . import AppwriteConfigEntry
from .const import CONF_TOKEN

# The bridge never sends a Realtime session (or its secret) to Home Assistant; redacted anyway, in
# case a bridge ever did.
TO_REDACT = {CONF_TOKEN, "Authorization", "authorization", "api_key", "key", "session", "secret"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: AppwriteConfigEntry) -> dict[str, Any]:
    data = entry.runtime_data
    snapshot = data.coordinator.data
    return async_redact_data(
        {
            "entry": {"title": entry.title, "data": dict(entry.data), "unique_id": entry.unique_id},
            "bridge": {"bridge_id": data.bridge_id, "version": data.bridge_version, "url": data.client.url},
            "instances": snapshot.instances if snapshot else None,
            "actions": {
                "owned": sorted(data.actions.owned),
                "refused_as_duplicates": dict(sorted(data.actions.conflicts.items())),
                "same_name_in_this_bridge": dict(sorted(data.actions.collisions.items())),
            },
            "event_stream": {"last_event_id": data.stream.last_event_id, **asdict(data.stream.stats)},
            "last_update_success": data.coordinator.last_update_success,
        },
        TO_REDACT,
    )
