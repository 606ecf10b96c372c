"""An event entity per Appwrite instance: each execution that finishes, so device triggers work."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import AppwriteConfigEntry
from .coordinator import AppwriteCoordinator
from .entity import AppwriteInstanceEntity, add_instance_entities
from .stream import FINAL_STATUSES, execution_signal

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: AppwriteConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    def make(coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> list[Entity]:
        return [AppwriteExecutionEvent(coordinator, bridge_id, project_id)]

    data = entry.runtime_data
    entry.async_on_unload(add_instance_entities(data.coordinator, data.bridge_id, async_add_entities, make))


class AppwriteExecutionEvent(AppwriteInstanceEntity, EventEntity):
    """Fires `completed` or `failed` with the execution's details."""

    _attr_translation_key = "execution"
    _attr_event_types = list(FINAL_STATUSES)

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> None:
        super().__init__(coordinator, bridge_id, project_id, "execution")
        self.entry_id = coordinator.config_entry.entry_id

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, execution_signal(self.entry_id, self.project_id), self._finished)
        )

    @callback
    def _finished(self, data: dict[str, Any]) -> None:
        if data.get("status") not in FINAL_STATUSES:
            return
        attributes = {
            key: data.get(key)
            for key in ("function_id", "execution_id", "response_status_code", "duration", "trigger")
        }
        self._trigger_event(data["status"], attributes)
        self.async_write_ha_state()
