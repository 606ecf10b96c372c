"""The bridge's catalogue as Home Assistant actions: appwrite.<service> for every service it lists.

Actions exist from Home Assistant's start: each entry's last catalogue is kept in a Store and its
actions are registered in async_setup, before the bridge is contacted, so automations and the
action editor know them while the bridge is down or the entry reloads (the quality scale's
action-setup rule). A call while the entry is not loaded answers a translated "not reachable".

One ActionRegistry per Home Assistant knows which config entry owns which action name, so that
removing an entry removes only its own actions and a second bridge exposing a name that is
already taken is refused (with a repair issue naming both bridges) instead of silently replacing
the first one's action.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
import re
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.helpers.storage import Store

from .client import BridgeAuthError, BridgeClient, BridgeConnectionError, BridgeResponseError
from .const import CONF_URL, DOMAIN
from .schema import action_schema, datetime_fields, with_time_zone

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1

# Field keys Home Assistant's action editor reads.
_FIELD_KEYS = ("name", "description", "required", "example", "default", "selector")


class BridgeValidationError(ServiceValidationError):
    """The bridge refused the call's data (4xx): the caller can fix it. Carries the bridge's code."""

    def __init__(self, code: str, field: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = code
        self.field = field


class BridgeCallError(HomeAssistantError):
    """The call failed for another reason (Appwrite down, timeout, limits). Carries the code."""

    def __init__(self, code: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = code


def action_name(bridge_name: str) -> str:
    """The bridge's service name as a valid Home Assistant action name.

    execute_function_<project_id> carries the project ID as it is, and Appwrite IDs may hold
    capitals, `-` and `.`, which Home Assistant's scripts refuse in an action name.
    """
    return re.sub(r"[^a-z0-9_]", "_", bridge_name.lower())


def describe(service: Mapping[str, Any]) -> dict[str, Any]:
    """The catalogue entry as async_set_service_schema wants it."""
    fields: dict[str, Any] = {}
    for key, field in (service.get("fields") or {}).items():
        if isinstance(field, Mapping):
            fields[key] = {name: field[name] for name in _FIELD_KEYS if name in field}
    description: dict[str, Any] = {
        "name": service.get("name", ""),
        "description": service.get("description", ""),
        "fields": fields,
    }
    return description



class ActionRegistry:
    """Every appwrite.* action of this Home Assistant and the entry that owns it."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.owners: dict[str, str] = {}
        self.entries: dict[str, EntryActions] = {}

    async def async_restore(self, entry: ConfigEntry) -> EntryActions:
        """The entry's actions as its last catalogue described them, without asking the bridge."""
        actions = self.entries.get(entry.entry_id)
        if actions is None:
            actions = EntryActions(self.hass, entry, self)
            await actions.async_load()
        return actions

    async def async_remove(self, entry_id: str) -> None:
        """The entry was deleted: its actions, its stored catalogue and its repair issue go."""
        actions = self.entries.pop(entry_id, None)
        if actions is None:
            return
        actions.async_remove_all()
        await actions.store.async_remove()
        self.async_names_freed(set(actions.conflicts) | set(actions.catalogue), actions)

    @callback
    def async_names_freed(self, names: set[str], by: EntryActions) -> None:
        for waiting in list(self.entries.values()):
            if waiting is not by and names & waiting.conflicts.keys():
                waiting.async_sync()


class EntryActions:
    """The actions one config entry (one bridge) offers, loaded or not."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, registry: ActionRegistry) -> None:
        self.hass = hass
        self.entry = entry
        self.registry = registry
        self.store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.actions")
        # The catalogue as the bridge gave it: its action name -> description.
        self.services: dict[str, dict[str, Any]] = {}
        # Home Assistant action name -> (the bridge's name, its description).
        self.catalogue: dict[str, tuple[str, dict[str, Any]]] = {}
        # Home Assistant action name -> the bridge's names that all slugify to it (first one wins).
        self.collisions: dict[str, list[str]] = {}
        self.owned: set[str] = set()
        # What each owned action was registered and described with, so an unchanged action is
        # not described again (which would drop Home Assistant's description cache).
        self.registered: dict[str, dict[str, Any]] = {}
        # Action name -> entry ID of the bridge that already has it.
        self.conflicts: dict[str, str] = {}
        registry.entries[entry.entry_id] = self

    @property
    def issue_id(self) -> str:
        return f"duplicate_actions_{self.entry.entry_id}"

    @property
    def collision_issue_id(self) -> str:
        return f"colliding_actions_{self.entry.entry_id}"

    async def async_load(self) -> None:
        stored = await self.store.async_load()
        services = stored.get("services") if isinstance(stored, dict) else None
        if isinstance(services, dict):
            self._set(services)
        self.async_sync()

    @callback
    def async_update(self, services: dict[str, dict[str, Any]]) -> None:
        """Follow a new catalogue from the bridge: add, describe again and remove actions."""
        if services == self.services:
            return
        self._set(services)
        self.store.async_delay_save(lambda: {"services": self.services}, 1)
        self.async_sync()

    def _set(self, services: dict[str, dict[str, Any]]) -> None:
        self.services = {name: service for name, service in services.items() if isinstance(service, dict)}
        previous_collisions = self.collisions
        self.catalogue = {}
        names: dict[str, list[str]] = {}
        for name, service in self.services.items():
            slug = action_name(name)
            names.setdefault(slug, []).append(name)
            self.catalogue.setdefault(slug, (name, service))
        self.collisions = {slug: bridge_names for slug, bridge_names in names.items() if len(bridge_names) > 1}
        if self.collisions != previous_collisions:
            self._report_collisions()

    @callback
    def async_sync(self) -> None:
        owners = self.registry.owners
        freed = self.owned - self.catalogue.keys()
        for name in sorted(freed):
            self._remove(name)
        previous_conflicts = self.conflicts
        self.conflicts = {}
        for name, (bridge_name, service) in self.catalogue.items():
            owner = owners.get(name)
            if owner is not None and owner != self.entry.entry_id:
                self.conflicts[name] = owner
                continue
            if name in self.owned and self.registered.get(name) == service:
                continue
            self.hass.services.async_register(
                DOMAIN,
                name,
                self._handler(bridge_name),
                schema=action_schema(service.get("fields") or {}),
                supports_response=SupportsResponse.OPTIONAL,
            )
            async_set_service_schema(self.hass, DOMAIN, name, describe(service))
            owners[name] = self.entry.entry_id
            self.owned.add(name)
            self.registered[name] = service
            _LOGGER.debug("%s: action %s.%s registered", self.entry.title, DOMAIN, name)
        if self.conflicts != previous_conflicts:
            self._report_conflicts()
        if freed:
            self.registry.async_names_freed(freed, self)

    @callback
    def async_remove_all(self) -> None:
        for name in sorted(self.owned):
            self._remove(name)
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        ir.async_delete_issue(self.hass, DOMAIN, self.collision_issue_id)
        self.conflicts = {}

    def _remove(self, name: str) -> None:
        self.hass.services.async_remove(DOMAIN, name)
        self.owned.discard(name)
        self.registered.pop(name, None)
        if self.registry.owners.get(name) == self.entry.entry_id:
            del self.registry.owners[name]
        _LOGGER.debug("%s: removed action %s.%s", self.entry.title, DOMAIN, name)

    def _report_conflicts(self) -> None:
        if not self.conflicts:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
            return
        others = []
        for entry_id in dict.fromkeys(self.conflicts.values()):
            other = self.hass.config_entries.async_get_entry(entry_id)
            others.append(_bridge_label(other) if other else entry_id)
        names = ", ".join(f"{DOMAIN}.{name}" for name in sorted(self.conflicts))
        _LOGGER.warning(
            "%s: actions %s are already offered by %s; they are not added for this bridge",
            _bridge_label(self.entry),
            names,
            " and ".join(others),
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="duplicate_actions",
            translation_placeholders={
                "bridge": _bridge_label(self.entry),
                "other_bridge": " and ".join(others),
                "actions": names,
            },
        )

    def _report_collisions(self) -> None:
        if not self.collisions:
            ir.async_delete_issue(self.hass, DOMAIN, self.collision_issue_id)
            return
        described = "; ".join(
            f"{DOMAIN}.{slug}: {', '.join(bridge_names)}" for slug, bridge_names in sorted(self.collisions.items())
        )
        _LOGGER.warning(
            "%s: bridge actions with the same Home Assistant name (only the first is offered): %s",
            _bridge_label(self.entry),
            described,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.collision_issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="colliding_actions",
            translation_placeholders={"bridge": _bridge_label(self.entry), "actions": described},
        )

    def _handler(self, name: str):
        async def handle(call: ServiceCall) -> ServiceResponse:
            return await self._call(name, call)

        return handle

    def _prepared(self, name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """The call's data as the bridge should read it: Home Assistant's times with their offset."""
        prepared = dict(data)
        fields = (self.services.get(name) or {}).get("fields") or {}
        for key in datetime_fields(fields) & prepared.keys():
            prepared[key] = with_time_zone(prepared[key], self.hass.config.time_zone)
        return prepared

    async def _call(self, name: str, call: ServiceCall) -> ServiceResponse:
        action = f"{call.domain}.{call.service}"
        if self.entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_reachable",
                translation_placeholders={"action": action, "url": self.entry.data.get(CONF_URL, "")},
            )
        client: BridgeClient = self.entry.runtime_data.client
        try:
            # The response is always asked for: its execution ID ties the execution's events to
            # this call's context.
            answer = await client.call_service(name, self._prepared(name, call.data), True)
        except BridgeAuthError as error:
            self.entry.async_start_reauth(self.hass)
            raise BridgeCallError(
                "unauthorized",
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"action": action},
            ) from error
        except BridgeConnectionError as error:
            raise BridgeCallError(
                "cannot_connect",
                translation_domain=DOMAIN,
                translation_key="call_cannot_connect",
                translation_placeholders={"action": action, "url": client.url},
            ) from error
        except BridgeResponseError as error:
            placeholders = {"action": action, "code": error.code, "message": error.message, "field": error.field or ""}
            # 408 and 429 are not the caller's mistake: the same call may work later.
            if 400 <= error.status < 500 and error.status not in (408, 429):
                raise BridgeValidationError(
                    error.code,
                    error.field,
                    translation_domain=DOMAIN,
                    translation_key="invalid_field" if error.field else "call_refused",
                    translation_placeholders=placeholders,
                ) from None
            raise BridgeCallError(
                error.code,
                translation_domain=DOMAIN,
                translation_key="call_failed",
                translation_placeholders=placeholders,
            ) from None
        response = answer.get("service_response", answer) if isinstance(answer, dict) else {}
        if isinstance(response, dict) and isinstance(response.get("$id"), str):
            self.entry.runtime_data.stream.remember_call(response["$id"], call.context)
        if not call.return_response:
            return None
        return response if isinstance(response, dict) else {"value": response}


def _bridge_label(entry: ConfigEntry) -> str:
    return f"{entry.title} ({entry.data.get(CONF_URL, '')})"
