"""Drives the bridge's Appwrite-compatible gateway with the official Appwrite SDK for Python,
unmodified: the SDK only gets the bridge's URL, a project ID and a bridge token as its "key".

Usage: gateway_with_python_sdk.py ENDPOINT PROJECT_ID TOKEN
Prints one line per check and exits 0 only when every check passed.
"""

import datetime
import json
import sys
from typing import Any

from appwrite.client import Client
from appwrite.enums.execution_method import ExecutionMethod
from appwrite.exception import AppwriteException
from appwrite.services.functions import Functions
from appwrite.services.health import Health


def client(endpoint: str, project: str, key: str) -> Client:
    sdk = Client()
    sdk.set_endpoint(endpoint)
    sdk.set_project(project)
    sdk.set_key(key)
    return sdk


def functions(endpoint: str, project: str, key: str) -> Functions:
    return Functions(client(endpoint, project, key))


def field(model: Any, name: str) -> Any:
    """A field of an SDK answer: a dict in the SDK Appwrite 1.9.6 ships (15.x), a model with
    lower-case attributes (and enums for statuses) in later ones."""
    value = model.get(name) if isinstance(model, dict) else getattr(model, name.lstrip("$").lower())
    return getattr(value, "value", value)


def status(execution: Any) -> str:
    return str(field(execution, "status"))


def main() -> int:
    endpoint, project, token = sys.argv[1:4]
    failures = []

    def check(name: str, condition: bool, detail: str = "") -> None:
        print(f"{'ok' if condition else 'FAIL'}: {name} {detail}".rstrip())
        if not condition:
            failures.append(name)

    sdk = functions(endpoint, project, token)

    sync = sdk.create_execution(
        "echo",
        body=json.dumps({"on": True}),
        xasync=False,
        path="/lights?room=kitchen",
        method=ExecutionMethod.POST,
        headers={"X-Source": "python-sdk"},
    )
    seen = json.loads(field(sync, "responseBody") or "{}")
    check("sync execution completed", status(sync) == "completed", f"(status {status(sync)})")
    check(
        "sync execution saw the request",
        seen.get("method") == "POST" and seen.get("path") == "/lights?room=kitchen"
        and seen.get("headers", {}).get("X-Source") == "python-sdk" and seen.get("body") == '{"on": true}',
        json.dumps(seen),
    )

    queued = sdk.create_execution("echo", xasync=True)
    check("async execution accepted", status(queued) == "waiting", f"(status {status(queued)})")
    fetched = sdk.get_execution("echo", field(queued, "$id"))
    check(
        "async execution readable through the gateway",
        field(fetched, "$id") == field(queued, "$id") and field(fetched, "responseBody") == "",
        f"(status {status(fetched)})",
    )
    listed = sdk.list_executions("echo")
    ids = [field(execution, "$id") for execution in field(listed, "executions")]
    check("executions listed oldest first", ids[:2] == [field(sync, "$id"), field(queued, "$id")], str(ids))

    health = Health(client(endpoint, project, token)).get()
    check("health through the gateway", field(health, "status") == "pass", str(health))

    at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=3)).replace(second=0, microsecond=0)
    scheduled = sdk.create_execution("echo", xasync=True, scheduled_at=at.isoformat())
    check("scheduled execution accepted", status(scheduled) == "scheduled", f"(status {status(scheduled)})")

    try:
        functions(endpoint, project, "not-a-bridge-token").create_execution("echo")
        check("wrong token refused", False, "(no exception)")
    except AppwriteException as error:
        check(
            "wrong token refused with AppwriteException",
            error.code == 401 and error.type == "user_unauthorized",
            f"(code {error.code}, type {error.type})",
        )

    try:
        sdk.create_execution("echo", path="")
        check("bad path refused", False, "(no exception)")
    except AppwriteException as error:
        check("bad path refused by Appwrite's rule", error.code == 400 and error.type == "general_argument_invalid", f"({error.message})")

    print("sdk checks: " + ("passed" if not failures else "failed: " + ", ".join(failures)))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
