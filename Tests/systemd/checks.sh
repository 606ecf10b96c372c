#!/usr/bin/env bash
# Runs INSIDE the booted Debian 12 container (Tests/systemd/run enters it with nsenter), as root.
# /srv/appwrite-bridge-test (read-only) holds:
#   src/      README.md, systemd/, examples/ and .build/release/{appwrite-bridge,appwrite-simulator}:
#             what a checkout looks like after `swift build -c release`
#   libs/     the Swift runtime libraries the binaries link, at their paths on the build machine
#   install.sh  the README's "Running under systemd" install block, extracted verbatim
# Prints one "PASS: …" or "FAIL: …" line per check; the caller counts them.
set -uo pipefail

test_dir=/srv/appwrite-bridge-test
src=$test_dir/src
base=http://127.0.0.1:8787
simulator=http://127.0.0.1:8080
# examples/simulator.yaml's key for project home1234: what the README's placeholder becomes.
demo_key=demo-home-key-0123456789abcdef
config=/etc/appwrite-bridge/bridge.yaml
unit=appwrite-bridge.service

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }

# wait_until SECONDS COMMAND…: polls every 0.1 s; true as soon as COMMAND succeeds.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

prop() { systemctl show -p "$1" --value "$unit"; }
status_text() { prop StatusText; }
token() { cat /etc/appwrite-bridge/credentials/bridge-token; }
api() { curl -s --max-time 20 -H "Authorization: Bearer $(token)" "$@"; }
execute() { # execute JSON [QUERY]: prints "STATUS BODY"
  local out
  out=$(curl -s --max-time 20 -w '\n%{http_code}' -H "Authorization: Bearer $(token)" -H 'Content-Type: application/json' \
    -X POST "$base/api/services/appwrite/execute_function_home1234${2:-}" -d "$1")
  echo "$(tail -n1 <<<"$out") $(sed '$d' <<<"$out")"
}
generation() { curl -s --max-time 5 "$base/readyz" | grep -o '"generation":[0-9]*' | head -n1 | cut -d: -f2; }
journal_since() { journalctl --no-pager -o cat -u "$unit" --since "@$1" "${@:2}"; }
status_has() { status_text | grep -qF -- "$1"; }
status_lacks() { ! status_text | grep -qF -- "$1"; }
is_active() { [ "$(systemctl is-active "$unit")" = active ]; }
generation_is() { [ "$(generation)" = "$1" ]; }
simulator_up() { curl -sf --max-time 2 "$simulator/v1/health/version"; }
simulator_saw() { curl -s --max-time 2 "$simulator/_simulator/requests" | grep -qF "$1"; }
outbox_count() { api "$base/api/outbox" | grep -o '"pending":[0-9]*' | cut -d: -f2; }
outbox_empty() { [ "$(outbox_count)" = 0 ]; }
main_pid_changed_from() { local pid; pid=$(prop MainPID); [ "$pid" != 0 ] && [ "$pid" != "$1" ] && is_active; }

# --- the machine: the Swift runtime where the build machine has it, and the bundled simulator ---
cp -a "$test_dir/libs/." / && ldconfig
install -m 0755 "$src/.build/release/appwrite-simulator" /usr/local/bin/appwrite-simulator
cat >/etc/systemd/system/appwrite-simulator.service <<EOF
[Service]
ExecStart=/usr/local/bin/appwrite-simulator --config $src/examples/simulator.yaml --host 127.0.0.1 --port 8080
EOF
systemctl daemon-reload
systemctl start appwrite-simulator
if wait_until 30 simulator_up; then pass "simulator: the Appwrite simulator answers on 127.0.0.1:8080"; else
  fail "simulator: not answering; $(journalctl --no-pager -o cat -u appwrite-simulator | tail -n 5)"
fi

# --- 1. the README's install steps, verbatim but for the key placeholder it tells you to replace ---
sed "s/your-appwrite-api-key/$demo_key/" "$test_dir/install.sh" >/root/install.sh
if (cd "$src" && timeout 120 bash -e /root/install.sh) >/root/install.log 2>&1; then
  pass "README install steps: ran verbatim ($(grep -c . "$test_dir/install.sh") lines), exit 0"
else
  fail "README install steps: exit $?; $(tail -n 15 /root/install.log)"
fi

# --- 2. systemctl start: active, with the STATUS line ---
if is_active && wait_until 30 status_has "1 instance ok"; then
  pass "systemctl start: active, Status: \"$(status_text)\""
else
  fail "systemctl start: $(systemctl is-active "$unit"), Status: \"$(status_text)\"; $(journal_since 0 | tail -n 5)"
fi

# --- 3. an execution through the API with the token ---
reply=$(execute '{"function_id": "echo", "function_body": "hi"}' '?return_response')
unauthorised=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/services/appwrite/execute_function_home1234" -d '{"function_id":"echo"}')
if [[ $reply == 200* ]] && grep -q '"status":"completed"' <<<"$reply" && [ "$unauthorised" = 401 ]; then
  pass "API: execution with the token completed (200); without it 401"
else
  fail "API: with token: ${reply:0:300}; without: $unauthorised"
fi

# --- 4. systemctl reload after an edit: the generation changes ---
cp "$config" /root/bridge.yaml.good
sed -i 's/^    name: Home$/    name: Home (edited)/' "$config"
cp "$config" /root/bridge.yaml.edited
before=$(generation)
if systemctl reload "$unit" && wait_until 20 generation_is $((before + 1)) && status_lacks "reload failed" &&
  api "$base/api/instances" | grep -qF '"name":"Home (edited)"'; then
  pass "systemctl reload after an edit: generation $before -> $(generation), Status: \"$(status_text)\""
else
  fail "systemctl reload after an edit: generation $before -> $(generation), Status: \"$(status_text)\""
fi

# --- 5. systemctl reload after a broken edit: fails, and says so until the next good reload ---
serving=$(generation)
printf '    retries: 3\n' >>"$config"
systemctl reload "$unit" >/root/reload.log 2>&1
reload_exit=$?
if [ "$reload_exit" != 0 ] && wait_until 20 status_has "reload failed: $config:" && status_has "serving generation $serving" &&
  is_active && curl -s "$base/readyz" | grep -q '"reload":{"state":"failed"' &&
  api "$base/api/instances" | grep -q '"reload":{"state":"failed"' &&
  [[ $(execute '{"function_id": "echo"}') == 200* ]]; then
  pass "systemctl reload of a broken file: exit $reload_exit, still active and serving, Status: \"$(status_text)\""
else
  fail "systemctl reload of a broken file: exit $reload_exit, $(systemctl is-active "$unit"), Status: \"$(status_text)\"; readyz: $(curl -s "$base/readyz" | head -c 300)"
fi
cp /root/bridge.yaml.edited "$config"
if systemctl reload "$unit" && wait_until 20 generation_is $((serving + 1)) && wait_until 5 status_lacks "reload failed" &&
  curl -s "$base/readyz" | grep -q '"reload":{"state":"ok"'; then
  pass "systemctl reload after fixing the file: generation $(generation), the failure is gone from Status: \"$(status_text)\""
else
  fail "systemctl reload after fixing the file: generation $(generation), Status: \"$(status_text)\""
fi

# --- 6. an async call queued during an outage survives a restart and is delivered ---
systemctl stop appwrite-simulator
queued=$(execute '{"function_id": "echo", "function_async": true, "function_body": "queued-during-outage"}')
systemctl restart "$unit"
after_restart=$(outbox_count)
systemctl start appwrite-simulator
if [[ $queued == 202* ]] && grep -q '"queued":true' <<<"$queued" && [ "$after_restart" = 1 ] &&
  wait_until 90 outbox_empty && simulator_saw "queued-during-outage"; then
  pass "outbox: queued during the outage (202), kept across systemctl restart ($after_restart item), delivered when Appwrite came back"
else
  fail "outbox: queued: ${queued:0:200}; after restart: $after_restart item(s); now: $(outbox_count); $(journal_since 0 | grep -i outbox | tail -n 3)"
fi

# --- 7. the watchdog kills a SIGSTOPped daemon, and systemd restarts it ---
mkdir -p /etc/systemd/system/$unit.d
printf '[Service]\nWatchdogSec=2s\nRestartSec=1s\n' >/etc/systemd/system/$unit.d/test-watchdog.conf
systemctl daemon-reload && systemctl restart "$unit"
since=$(date +%s)
stopped_pid=$(prop MainPID)
restarts=$(prop NRestarts)
kill -STOP "$stopped_pid"
if wait_until 30 main_pid_changed_from "$stopped_pid" && [ "$(prop NRestarts)" = $((restarts + 1)) ] &&
  journalctl --no-pager -o cat --since "@$since" | grep -q "Watchdog timeout"; then
  pass "watchdog: SIGSTOPped pid $stopped_pid killed after WatchdogSec=2s, restarted as pid $(prop MainPID)"
else
  fail "watchdog: pid $stopped_pid -> $(prop MainPID), NRestarts $restarts -> $(prop NRestarts); $(journalctl --no-pager -o cat --since "@$since" | tail -n 5)"
fi
rm -r /etc/systemd/system/$unit.d
systemctl daemon-reload && systemctl restart "$unit"

# --- 8. systemctl stop lets a running request finish ---
since=$(date +%s)
wait_until 20 status_has "1 instance ok"
curl -s -X DELETE "$simulator/_simulator/requests" >/dev/null
execute '{"function_id": "slow"}' '?return_response' >/root/slow.reply &
slow=$!
seen_status=""
if wait_until 10 simulator_saw "/v1/functions/slow/executions"; then
  systemctl stop --no-block "$unit"
  deadline=$((SECONDS + 10))
  while [ "$SECONDS" -lt "$deadline" ]; do
    text=$(status_text)
    if [[ $text == stopping:* ]]; then seen_status=$text; break; fi
    sleep 0.05
  done
fi
wait "$slow"
wait_until 30 eval '[ "$(systemctl is-active "$unit")" = inactive ]'
if [[ $(cat /root/slow.reply) == 200* ]] && grep -q '"status":"completed"' /root/slow.reply &&
  [ "$seen_status" = "stopping: draining 1 requests (grace 30 s)" ] &&
  journal_since "$since" | grep -qF "stopping: draining 1 requests (grace 30 s)" &&
  [ "$(systemctl is-active "$unit")" = inactive ] && [ "$(prop ExecMainStatus)" = 0 ]; then
  pass "systemctl stop: Status: \"$seen_status\", the running request completed (200), exit 0"
else
  fail "systemctl stop: Status seen: \"$seen_status\"; reply: $(head -c 200 /root/slow.reply); $(systemctl is-active "$unit"), exit $(prop ExecMainStatus)"
fi
systemctl start "$unit"

# --- 9. systemd-analyze security ---
security=$(systemd-analyze security --no-pager "$unit" 2>&1 | grep "Overall exposure level")
score=$(grep -o 'level for [^:]*: [0-9.]*' <<<"$security" | awk '{print $NF}')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.2) }'; then
  pass "systemd-analyze security: $score (at most 1.2): ${security#→ }"
else
  fail "systemd-analyze security: '${security}' (want at most 1.2)"
fi

# --- 10. a configuration error at start: exit 78, no restart loop, visible with journalctl -p err ---
since=$(date +%s)
restarts=$(prop NRestarts)
printf 'bogus_setting: 1\n' >>"$config"
systemctl restart "$unit" >/dev/null 2>&1
# Longer than RestartSec=5s: a restart loop would have started again by then.
sleep 7
errors=$(journal_since "$since" -p err)
if [ "$(prop ExecMainStatus)" = 78 ] && [ "$(systemctl is-active "$unit")" = failed ] &&
  [ "$(prop NRestarts)" = "$restarts" ] && grep -qF "invalid configuration: $config:" <<<"$errors"; then
  pass "config error: exit 78, failed without restarting; journalctl -p err: $(grep -F "invalid configuration" <<<"$errors" | head -n1)"
else
  fail "config error: exit $(prop ExecMainStatus), $(systemctl is-active "$unit"), NRestarts $restarts -> $(prop NRestarts); journalctl -p err: ${errors:0:300}"
fi
cp /root/bridge.yaml.good "$config"
