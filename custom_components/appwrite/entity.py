"""Entities of one Appwrite instance behind the bridge: one device per instance, under the bridge's hub device."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from yarl import URL

from .const import DOMAIN, device_identifier, hub_identifier
from .coordinator import AppwriteCoordinator


def console_url(instance_url: Any, project_id: str) -> str | None:
    """The Appwrite console's page of the project when the API URL ends in /v1, else the API URL."""
    if not isinstance(instance_url, str) or not instance_url.startswith(("http://", "https://")):
        return None
    try:
        url = URL(instance_url.rstrip("/"))
    except ValueError:
        return None
    if url.path.endswith("/v1"):
        base = url.with_path(url.path.removesuffix("/v1"), encoded=False).with_query(None)
        return f"{str(base).rstrip('/')}/console/project-{project_id}"
    return str(url)


class AppwriteInstanceEntity(CoordinatorEntity[AppwriteCoordinator]):
    """An entity of one instance; unavailable while the bridge no longer lists it."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AppwriteCoordinator, bridge_id: str, project_id: str, key: str) -> None:
        super().__init__(coordinator)
        self.project_id = project_id
        self._attr_unique_id = f"{bridge_id}_{project_id}_{key}"
        document = self.document or {}
        self._attr_device_info = DeviceInfo(
            identifiers={device_identifier(bridge_id, project_id)},
            name=document.get("name") or project_id,
            manufacturer="Appwrite",
            model="Appwrite project",
            model_id=project_id,
            configuration_url=console_url(document.get("url"), project_id),
            via_device=hub_identifier(bridge_id),
        )

    @property
    def document(self) -> dict[str, Any] | None:
        data = self.coordinator.data
        return data.instances.get(self.project_id) if data else None

    @property
    def available(self) -> bool:
        return super().available and self.document is not None


def add_instance_entities(
    coordinator: AppwriteCoordinator,
    bridge_id: str,
    async_add_entities: AddEntitiesCallback,
    make: Callable[[AppwriteCoordinator, str, str], list[Entity]],
) -> Callable[[], None]:
    """Adds entities for every instance now, and for instances a bridge reload adds later."""
    known: set[str] = set()

    @callback
    def add_new() -> None:
        data = coordinator.data
        current = set(data.instances) if data else set()
        # An instance a reload removed loses its device and entities; if it comes back, it
        # gets new ones.
        known.intersection_update(current)
        new = [project_id for project_id in (data.instances if data else {}) if project_id not in known]
        if not new:
            return
        known.update(new)
        async_add_entities([entity for project_id in new for entity in make(coordinator, bridge_id, project_id)])

    add_new()
    return coordinator.async_add_listener(add_new)


def track_instance_entities(
    coordinator: AppwriteCoordinator,
    platform: str,
    async_add_entities: AddEntitiesCallback,
    wanted: Callable[[str, dict[str, Any]], dict[str, Callable[[], AppwriteInstanceEntity]]],
) -> Callable[[], None]:
    """Entities that come and go with an instance document (its Realtime subscriptions).

    `wanted` maps an instance (project ID, document) to the entities it should have, by key; each update adds
    the new ones and removes from the entity registry those the document no longer lists. An
    instance a reload removed loses its device (and with it these entities) at the coordinator's
    full read; if it comes back, it gets new ones.
    """
    known: dict[str, dict[str, AppwriteInstanceEntity]] = {}

    @callback
    def update() -> None:
        data = coordinator.data
        instances = data.instances if data else {}
        for project_id in set(known) - set(instances):
            del known[project_id]
        registry = er.async_get(coordinator.hass)
        added: list[AppwriteInstanceEntity] = []
        for project_id, document in instances.items():
            have = known.setdefault(project_id, {})
            want = wanted(project_id, document)
            for key, make in want.items():
                if key not in have:
                    have[key] = make()
                    added.append(have[key])
            for key in set(have) - set(want):
                entity_id = registry.async_get_entity_id(platform, DOMAIN, have[key].unique_id or "")
                # Not registered yet (still being added): removed at the next update.
                if entity_id is not None:
                    registry.async_remove(entity_id)
                    del have[key]
        if added:
            async_add_entities(added)

    update()
    return coordinator.async_add_listener(update)
