"""Drives the bridge's gateway with Appwrite's console SDK for Python (appwrite-console 0.4.0, the
release whose response format is Appwrite 1.9.6's), unmodified. Its answers are strict pydantic
models, so every Execution the gateway passes on must carry each field Appwrite 1.9.6 sends.

Usage: gateway_with_python_console_sdk.py ENDPOINT PROJECT_ID TOKEN
Prints one line per check and exits 0 only when every check passed.
"""

import json
import sys

from appwrite_console.client import Client
from appwrite_console.exception import AppwriteException
from appwrite_console.query import Query
from appwrite_console.services.functions import Functions


def functions(endpoint: str, project: str, key: str) -> Functions:
    client = Client()
    client.set_endpoint(endpoint)
    client.set_project(project)
    client.set_key(key)
    return Functions(client)


def value(field: object) -> object:
    """Enums carry Appwrite's string as their value."""
    return getattr(field, "value", field)


def main() -> int:
    endpoint, project, token = sys.argv[1:4]
    failures: list[str] = []

    def check(name: str, condition: bool, detail: str = "") -> None:
        print(f"{'ok' if condition else 'FAIL'}: {name} {detail}".rstrip())
        if not condition:
            failures.append(name)

    sdk = functions(endpoint, project, token)
    sync = sdk.create_execution("echo", body='{"on": true}', path="/lights", headers={"X-Source": "console-sdk"})
    seen = json.loads(sync.responsebody or "{}")
    check("sync execution completed", value(sync.status) == "completed", f"(status {value(sync.status)})")
    check("sync execution saw the request", seen.get("path") == "/lights" and seen.get("body") == '{"on": true}', json.dumps(seen))
    names = [header.name for header in sync.responseheaders]
    check("sync reply carries every response header", "x-appwrite-execution-id" in names, str(names))

    queued = sdk.create_execution("echo", xasync=True)
    check("async execution waiting", value(queued.status) == "waiting", f"(status {value(queued.status)})")
    fetched = sdk.get_execution("echo", queued.id)
    check("stored execution has no body", fetched.id == queued.id and fetched.responsebody == "")

    listed = sdk.list_executions("echo", queries=[Query.limit(1)])
    check("list with a query", len(listed.executions) == 1 and listed.total >= 2, f"(total {listed.total})")

    try:
        sdk.create_execution("echo", method=None, headers={"x-appwrite-key": "k"})
        check("reserved header refused", False, "(no exception)")
    except AppwriteException as error:
        check("reserved header refused", error.code == 400 and str(error.type).startswith("Invalid headers"), f"({error.type})")

    try:
        functions(endpoint, project, "not-a-bridge-token").list_executions("echo")
        check("wrong token refused", False, "(no exception)")
    except AppwriteException as error:
        check("wrong token refused", error.code == 401 and error.type == "user_unauthorized", f"({error.type})")

    print("sdk checks: " + ("passed" if not failures else "failed: " + ", ".join(failures)))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
