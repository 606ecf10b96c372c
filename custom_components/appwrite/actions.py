"""The bridge's catalogue as Home Assistant actions: appwrite.<service> for every service it lists.

One ActionRegistry per Home Assistant knows which config entry owns which action name, so that
unloading an entry removes only its own actions and a second bridge exposing a name that is
already taken is refused (with a repair issue naming both bridges) instead of silently replacing
the first one's action.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
import re
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service import async_set_service_schema
import voluptuous as vol

from .client import BridgeAuthError, BridgeClient, BridgeConnectionError, BridgeResponseError
from .const import DOMAIN

if TYPE_CHECKING:
    from . import AppwriteConfigEntry

_LOGGER = logging.getLogger(__name__)

# The bridge validates every field with Appwrite's rules and names the one at fault; Home
# Assistant passes the data through unchanged so that both say the same thing and the docs'
# payloads reach Appwrite exactly as written.
PASS_THROUGH_SCHEMA = vol.Schema(dict)

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

    @callback
    def async_release(self, entry_actions: EntryActions) -> None:
        """An entry went away: its names are free, so entries refused earlier get them now."""
        self.entries.pop(entry_actions.entry.entry_id, None)
        self.async_names_freed(set(entry_actions.conflicts) | set(entry_actions.catalogue), entry_actions)

    @callback
    def async_names_freed(self, names: set[str], by: EntryActions) -> None:
        for waiting in list(self.entries.values()):
            if waiting is not by and names & waiting.conflicts.keys():
                waiting.async_sync()


class EntryActions:
    """The actions one config entry (one bridge) offers."""

    def __init__(
        self, hass: HomeAssistant, entry: AppwriteConfigEntry, client: BridgeClient, registry: ActionRegistry
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.registry = registry
        # Home Assistant action name -> (the bridge's name, its description).
        self.catalogue: dict[str, tuple[str, dict[str, Any]]] = {}
        self.owned: set[str] = set()
        # Action name -> entry ID of the bridge that already has it.
        self.conflicts: dict[str, str] = {}
        registry.entries[entry.entry_id] = self

    @property
    def issue_id(self) -> str:
        return f"duplicate_actions_{self.entry.entry_id}"

    @callback
    def async_update(self, catalogue: dict[str, dict[str, Any]]) -> None:
        """Follow a new catalogue: add, describe again and remove actions."""
        self.catalogue = {}
        for name, service in catalogue.items():
            self.catalogue.setdefault(action_name(name), (name, service))
        self.async_sync()

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
            if name not in self.owned:
                self.hass.services.async_register(
                    DOMAIN,
                    name,
                    self._handler(bridge_name),
                    schema=PASS_THROUGH_SCHEMA,
                    supports_response=SupportsResponse.OPTIONAL,
                )
                owners[name] = self.entry.entry_id
                self.owned.add(name)
                _LOGGER.debug("%s: added action %s.%s", self.entry.title, DOMAIN, name)
            async_set_service_schema(self.hass, DOMAIN, name, describe(service))
        if self.conflicts != previous_conflicts:
            self._report_conflicts()
        if freed:
            self.registry.async_names_freed(freed, self)

    @callback
    def async_unload(self) -> None:
        for name in sorted(self.owned):
            self._remove(name)
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        self.registry.async_release(self)
        self.conflicts = {}

    def _remove(self, name: str) -> None:
        self.hass.services.async_remove(DOMAIN, name)
        self.owned.discard(name)
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

    def _handler(self, name: str):
        async def handle(call: ServiceCall) -> ServiceResponse:
            return await self._call(name, call)

        return handle

    async def _call(self, name: str, call: ServiceCall) -> ServiceResponse:
        action = f"{call.domain}.{call.service}"
        try:
            answer = await self.client.call_service(name, call.data, call.return_response)
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
                translation_key="cannot_connect",
                translation_placeholders={"url": self.client.url},
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
        if not call.return_response:
            return None
        if isinstance(answer, dict):
            response = answer.get("service_response", answer)
            return response if isinstance(response, dict) else {"value": response}
        return {}


def _bridge_label(entry: AppwriteConfigEntry) -> str:
    return f"{entry.title} ({entry.data.get('url', '')})"
