"""Event entities of each Appwrite instance: each execution that finishes, and each Realtime event
of each subscription, so device triggers and state triggers work."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import AppwriteConfigEntry
from .coordinator import AppwriteCoordinator
from .entity import AppwriteInstanceEntity, add_instance_entities, track_instance_entities
from .realtime import REALTIME_ACTIONS, entity_attributes, realtime_signal, subscription_names
from .stream import FINAL_STATUSES, execution_signal

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: AppwriteConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    def make(coordinator: AppwriteCoordinator, bridge_id: str, project_id: str) -> list[Entity]:
        return [AppwriteExecutionEvent(coordinator, bridge_id, project_id)]

    data = entry.runtime_data
    entry.async_on_unload(add_instance_entities(data.coordinator, data.bridge_id, async_add_entities, make))

    def subscriptions(project_id: str, document: dict[str, Any]) -> dict[str, Callable[[], AppwriteInstanceEntity]]:
        return {
            name: partial(AppwriteRealtimeEvent, data.coordinator, data.bridge_id, project_id, name)
            for name in subscription_names(document)
        }

    entry.async_on_unload(
        track_instance_entities(data.coordinator, Platform.EVENT, async_add_entities, subscriptions)
    )


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


class AppwriteRealtimeEvent(AppwriteInstanceEntity, EventEntity):
    """One Realtime subscription of the instance: fires its events' action (create, update, upsert,
    delete) with the resource's IDs and whether it came from the catch-up after a reconnect."""

    _attr_translation_key = "realtime"
    _attr_event_types = list(REALTIME_ACTIONS)

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str, subscription: str) -> None:
        super().__init__(coordinator, bridge_id, project_id, f"realtime_{subscription}")
        self.subscription = subscription
        self.entry_id = coordinator.config_entry.entry_id
        self._attr_translation_placeholders = {"subscription": subscription}

    @property
    def available(self) -> bool:
        return super().available and self.subscription in subscription_names(self.document)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, realtime_signal(self.entry_id, self.project_id, self.subscription), self._received
            )
        )

    @callback
    def _received(self, data: dict[str, Any]) -> None:
        action = data.get("action")
        # Other resources (a session, a team…) may name other actions: those stay bus events.
        if action not in REALTIME_ACTIONS:
            return
        self._trigger_event(action, entity_attributes(data))
        self.async_write_ha_state()
