"""Voluptuous schemas for the bridge's actions, built from the field descriptions it announces.

As esphome builds an action's schema from the argument types a device announces, each field's
selector decides what Home Assistant accepts before any request leaves it: a wrong type, a value
outside a number's range or a select's options, a missing required field or an unknown field is
refused naming the field. The checks are never stricter than the bridge's own (Appwrite's loose
booleans, methods in any case, bodies of any JSON value), and they never change a value: the
bridge stays the authority and sees the data as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from homeassistant.util import dt as dt_util
import voluptuous as vol

# Appwrite's loose Boolean, as the bridge takes it.
_LOOSE_TRUE_FALSE = (True, False, 0, 1, "true", "false", "1", "0")


def _loose_boolean(value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, int | str) and value in _LOOSE_TRUE_FALSE):
        return value
    raise vol.Invalid('expected true or false (or "true", "false", 1, 0)')


def _number(minimum: float | None, maximum: float | None) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise vol.Invalid("expected a number")
        if minimum is not None and value < minimum:
            raise vol.Invalid(f"must be at least {minimum:g}")
        if maximum is not None and value > maximum:
            raise vol.Invalid(f"must be at most {maximum:g}")
        return value

    return check


def _select(options: list[Any]) -> Callable[[Any], Any]:
    values = [str(option.get("value") if isinstance(option, Mapping) else option) for option in options]
    folded = {value.casefold() for value in values}

    def check(value: Any) -> Any:
        if not isinstance(value, str) or value.casefold() not in folded:
            raise vol.Invalid(f"expected one of {', '.join(values)}")
        return value

    return check


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise vol.Invalid("expected a string")
    return value


def _date_time(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or dt_util.parse_datetime(value.strip()) is None:
        raise vol.Invalid("expected a date and time such as 2030-01-01 07:30:00")
    return value


def _anything(value: Any) -> Any:
    return value


def field_validator(field: Mapping[str, Any]) -> Callable[[Any], Any]:
    """The check for one field, chosen by its selector."""
    selector = field.get("selector")
    if not isinstance(selector, Mapping) or len(selector) != 1:
        return _anything
    kind, config = next(iter(selector.items()))
    config = config if isinstance(config, Mapping) else {}
    if kind == "boolean":
        return _loose_boolean
    if kind == "number":
        minimum, maximum = config.get("min"), config.get("max")
        return _number(
            minimum if isinstance(minimum, int | float) else None, maximum if isinstance(maximum, int | float) else None
        )
    if kind == "select" and isinstance(config.get("options"), list):
        return _select(config["options"])
    if kind == "datetime":
        return _date_time
    if kind == "text" and not config.get("multiline"):
        return _string
    # Multi-line text (a function body may be any JSON value), objects and selectors this
    # integration does not know: the bridge decides.
    return _anything


def action_schema(fields: Mapping[str, Any]) -> vol.Schema:
    """The schema of one action: its fields only, required ones present, each of its type."""
    schema: dict[Any, Any] = {}
    for key, field in fields.items():
        if not isinstance(field, Mapping):
            continue
        validator = field_validator(field)
        if field.get("required") is True:
            schema[vol.Required(key)] = validator
        else:
            # null means "not given", as in the bridge.
            schema[vol.Optional(key)] = vol.Any(None, validator)
    return vol.Schema(schema, extra=vol.PREVENT_EXTRA)


def datetime_fields(fields: Mapping[str, Any]) -> set[str]:
    return {
        key
        for key, field in fields.items()
        if isinstance(field, Mapping) and isinstance(field.get("selector"), Mapping) and "datetime" in field["selector"]
    }


def with_time_zone(value: Any, time_zone: str) -> Any:
    """A date and time from Home Assistant as ISO 8601 with an explicit offset.

    The datetime selector sends "2030-01-01 07:30:00", a time on Home Assistant's clock; the
    bridge reads a time without an offset as UTC, as Appwrite does. A value that already has an
    offset is passed on unchanged.
    """
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        parsed = dt_util.parse_datetime(value.strip())
        if parsed is not None and parsed.tzinfo is not None:
            return value
    else:
        return value
    if parsed is None:
        return value
    if parsed.tzinfo is None:
        zone = dt_util.get_time_zone(time_zone) or dt_util.UTC
        parsed = parsed.replace(tzinfo=zone)
    return parsed.isoformat()
