#!/usr/bin/env bash
# Runs the demo: builds the package (debug), starts the bundled Appwrite simulator on
# 127.0.0.1:8080 with examples/simulator.yaml, then the bridge on the root bridge.yaml
# (127.0.0.1:8787), until Ctrl-C. Try the curl lines from README.md in another terminal.
#
# What it changes on the machine: installs Debian's libsqlite3-dev with apt-get when
# /usr/include/sqlite3.h is missing (the outbox builds against it), builds into ./.build, and the
# bridge keeps its state (outbox, bridge ID) in ./state. It writes the two PIDs to
# .build/demo/bridge.pid and .build/demo/simulator.pid, so `kill -HUP $(cat .build/demo/bridge.pid)`
# reloads bridge.yaml; a SIGHUP sent to this script is passed on to the bridge as well.
#
# APPWRITE_BRIDGE_BIN_PATH=DIR uses the binaries already built in DIR instead of building
# (Tests/readme/run does, on a copy of the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${APPWRITE_BRIDGE_BIN_PATH:-}" ]; then
  bin=$APPWRITE_BRIDGE_BIN_PATH
else
  # The outbox stores queued executions in SQLite (GRDB), which builds against Debian's libsqlite3-dev.
  if [ ! -e /usr/include/sqlite3.h ]; then
    echo "demo: installing libsqlite3-dev (apt-get), which the build needs"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsqlite3-dev
  fi
  swift build --product appwrite-simulator
  swift build --product appwrite-bridge
  bin=$(swift build --show-bin-path)
fi

for port in 8080 8787; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: 127.0.0.1:$port is already in use (another demo still running?)" >&2
    exit 1
  fi
done

mkdir -p .build/demo
simulator="" bridge=""
stop() {
  trap - EXIT INT TERM HUP
  [ -z "$bridge" ] || kill -TERM "$bridge" 2>/dev/null || true
  [ -z "$simulator" ] || kill -TERM "$simulator" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f .build/demo/bridge.pid .build/demo/simulator.pid
}
trap stop EXIT
trap 'exit 130' INT TERM

"$bin/appwrite-simulator" --config examples/simulator.yaml --host 127.0.0.1 --port 8080 &
simulator=$!
echo "$simulator" >.build/demo/simulator.pid
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then break; fi
  sleep 0.1
done

"$bin/appwrite-bridge" serve --config bridge.yaml &
bridge=$!
echo "$bridge" >.build/demo/bridge.pid
trap 'kill -HUP "$bridge"' HUP

cat <<MSG

appwrite-bridge demo: simulator on http://127.0.0.1:8080/v1 (PID $simulator), bridge on
http://127.0.0.1:8787/api/ (PID $bridge). Ctrl-C stops both.
In another terminal, from this folder:
  export PATH="$(cd "$bin" && pwd):\$PATH"   # the appwrite-bridge CLI
  curl -s localhost:8787/api/instances
  kill -HUP \$(cat .build/demo/bridge.pid)                   # reload bridge.yaml after editing it

MSG
# `wait` returns early when a trapped signal (HUP) arrives: wait again until the bridge ends.
status=0
while kill -0 "$bridge" 2>/dev/null; do
  wait "$bridge" && status=0 || status=$?
done
exit "$status"
