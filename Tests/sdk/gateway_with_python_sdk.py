"""Drives the bridge's Appwrite-compatible gateway with the official Appwrite SDK for Python,
unmodified: the SDK only gets the bridge's URL, a project ID and a bridge token as its "key".

Usage: gateway_with_python_sdk.py ENDPOINT PROJECT_ID TOKEN
Prints one line per check and exits 0 only when every check passed.
"""

import datetime
import json
import sys

from appwrite.client import Client
from appwrite.enums.execution_method import ExecutionMethod
from appwrite.exception import AppwriteException
from appwrite.services.functions import Functions


def functions(endpoint, project, key):
    client = Client()
    client.set_endpoint(endpoint)
    client.set_project(project)
    client.set_key(key)
    return Functions(client)


def status(execution):
    """The SDK returns an enum for the status; its value is Appwrite's string."""
    return getattr(execution.status, "value", execution.status)


def main():
    endpoint, project, token = sys.argv[1:4]
    failures = []

    def check(name, condition, detail=""):
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
    seen = json.loads(sync.responsebody or "{}")
    check("sync execution completed", status(sync) == "completed", f"(status {status(sync)})")
    check(
        "sync execution saw the request",
        seen.get("method") == "POST" and seen.get("path") == "/lights?room=kitchen"
        and seen.get("headers", {}).get("X-Source") == "python-sdk" and seen.get("body") == '{"on": true}',
        json.dumps(seen),
    )

    queued = sdk.create_execution("echo", xasync=True)
    check("async execution accepted", status(queued) == "waiting", f"(status {status(queued)})")
    fetched = sdk.get_execution("echo", queued.id)
    check("async execution readable through the gateway", fetched.id == queued.id, f"(status {status(fetched)})")

    at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=3)).replace(second=0, microsecond=0)
    scheduled = sdk.create_execution("echo", xasync=True, scheduled_at=at.isoformat())
    check("scheduled execution accepted", status(scheduled) == "scheduled", f"(status {status(scheduled)})")

    try:
        functions(endpoint, project, "not-a-bridge-token").create_execution("echo")
        check("wrong token refused", False, "(no exception)")
    except AppwriteException as error:
        check("wrong token refused with AppwriteException", error.code == 401, f"(code {error.code}, type {error.type})")

    print("sdk checks: " + ("passed" if not failures else "failed: " + ", ".join(failures)))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
