#!/usr/bin/env bash
# Runs the demo: builds the package, starts the bundled Appwrite simulator on 127.0.0.1:8080 with
# examples/simulator.yaml, then the bridge on the root bridge.yaml (127.0.0.1:8787), in the
# foreground until Ctrl-C. Try the curl line from README.md in another terminal.
set -euo pipefail
cd "$(dirname "$0")/.."

# The outbox stores queued executions in SQLite (GRDB), which builds against Debian's libsqlite3-dev.
if [ ! -e /usr/include/sqlite3.h ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsqlite3-dev
fi

swift build --product appwrite-simulator
swift build --product appwrite-bridge
bin=$(swift build --show-bin-path)

"$bin/appwrite-simulator" --config examples/simulator.yaml --host 127.0.0.1 --port 8080 &
simulator=$!
trap 'kill "$simulator" 2>/dev/null || true; wait "$simulator" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then break; fi
  sleep 0.1
done

cat <<'MSG'

appwrite-bridge demo: simulator on http://127.0.0.1:8080/v1, bridge on http://127.0.0.1:8787/api/
Try, in another terminal:
  curl -s -X POST 'http://127.0.0.1:8787/api/services/appwrite/execute_function_home1234?return_response' \
    -H 'Content-Type: application/json' \
    -d '{"function_id": "echo", "function_method": "POST", "function_path": "/lights?room=kitchen", "function_headers": {"X-Source": "curl"}, "function_body": {"on": true}}'

MSG
"$bin/appwrite-bridge" serve --config bridge.yaml
