#!/usr/bin/env bash
# Runs INSIDE the booted Debian 12 container (Tests/systemd/run-package enters it), as root. The
# tree has no Swift toolchain and no Swift runtime: the bridge comes only from the package.
# /srv/appwrite-bridge-test (read-only) holds:
#   old.deb, new.deb   the package, and the same code built again with a higher version
#   simulator/         the Appwrite simulator, its runtime libraries (for it alone, via
#                      LD_LIBRARY_PATH) and examples/simulator.yaml
#   add-instance.yaml  README.md's "Install" instance entry, extracted verbatim
#   add-key.sh         README.md's "Install" key step, extracted verbatim
# Prints one "PASS: …" or "FAIL: …" line per check; the caller counts them.
set -uo pipefail

test_dir=/srv/appwrite-bridge-test
base=http://127.0.0.1:8787
simulator=http://127.0.0.1:8080
demo_key=demo-home-key-0123456789abcdef
config=/etc/appwrite-bridge/bridge.yaml
credentials=/etc/appwrite-bridge/credentials
unit=appwrite-bridge.service
no_instances="no instances configured: edit /etc/appwrite-bridge/bridge.yaml, then systemctl reload appwrite-bridge"

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
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
status_has() { status_text | grep -qF -- "$1"; }
is_active() { [ "$(systemctl is-active "$unit")" = active ]; }
token() { cat "$credentials/bridge-token"; }
api() { curl -s --max-time 20 -H "Authorization: Bearer $(token)" "$@"; }
execute() { # execute JSON [QUERY]: prints "STATUS BODY"
  local out
  out=$(curl -s --max-time 20 -w '\n%{http_code}' -H "Authorization: Bearer $(token)" -H 'Content-Type: application/json' \
    -X POST "$base/api/services/appwrite/execute_function_home1234${2:-}" -d "$1")
  echo "$(tail -n1 <<<"$out") $(sed '$d' <<<"$out")"
}
simulator_up() { curl -sf --max-time 2 "$simulator/v1/health/version"; }
simulator_saw() { curl -s --max-time 2 "$simulator/_simulator/requests" | grep -qF "$1"; }
outbox_count() { api "$base/api/outbox" | grep -o '"pending":[0-9]*' | cut -d: -f2; }
outbox_empty() { [ "$(outbox_count)" = 0 ]; }
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null; }

# --- the machine: no Swift anywhere; the simulator brings its own libraries ---
if ! find / -xdev \( -name 'libswiftCore.so*' -o -name 'swiftc' \) 2>/dev/null | grep -q .; then
  pass "tree: no Swift toolchain or runtime installed"
else
  fail "tree: found $(find / -xdev \( -name 'libswiftCore.so*' -o -name 'swiftc' \) 2>/dev/null | head -n 3 | tr '\n' ' ')"
fi
cat >/etc/systemd/system/appwrite-simulator.service <<UNIT
[Service]
Environment=LD_LIBRARY_PATH=$test_dir/simulator/libs
ExecStart=$test_dir/simulator/appwrite-simulator --config $test_dir/simulator/simulator.yaml --host 127.0.0.1 --port 8080
UNIT
systemctl daemon-reload
systemctl start appwrite-simulator
wait_until 30 simulator_up || fail "simulator: not answering; $(journalctl --no-pager -o cat -u appwrite-simulator | tail -n 5)"

# --- 1. apt install: enabled, active, STATUS= says there is nothing to serve yet ---
apt_install "$test_dir/old.deb" >/root/install.log 2>&1
install_exit=$?
if [ "$install_exit" = 0 ] && is_active && [ "$(systemctl is-enabled "$unit")" = enabled ] &&
  wait_until 20 status_has "$no_instances" && curl -s "$base/readyz" | grep -qF "\"summary\":\"$no_instances\"" &&
  ! ldd /usr/bin/appwrite-bridge | grep -qi swift; then
  pass "apt install: exit 0, enabled and active, Status: \"$(status_text)\"; /readyz says the same"
else
  fail "apt install: exit $install_exit, $(systemctl is-active "$unit"), Status: \"$(status_text)\"; $(tail -n 8 /root/install.log); $(journalctl --no-pager -o cat -u "$unit" | tail -n 5)"
fi

# --- 1b. the package's unit (static user instead of LoadCredential=) keeps the sandbox's score ---
security=$(systemd-analyze security --no-pager "$unit" 2>&1 | grep "Overall exposure level")
score=$(grep -o 'level for [^:]*: [0-9.]*' <<<"$security" | awk '{print $NF}')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.2) }'; then
  pass "systemd-analyze security of the package's unit: $score (at most 1.2)"
else
  fail "systemd-analyze security of the package's unit: '${security}' (want at most 1.2)"
fi

# --- 2. the bridge token: made once, 0600, only for the service user, never printed ---
token_value=$(token 2>/dev/null)
if [[ $token_value =~ ^[0-9a-f]{64}$ ]] && [ "$(stat -c '%a %U' "$credentials/bridge-token")" = "600 appwrite-bridge" ] &&
  [ "$(stat -c '%a %U' "$credentials")" = "700 appwrite-bridge" ] && ! grep -qF "$token_value" /root/install.log &&
  ! journalctl --no-pager -o cat | grep -qF "$token_value"; then
  pass "bridge token: 64 hex characters, $credentials 0700 and the token 0600 for appwrite-bridge, not in the install output or the journal"
else
  fail "bridge token: '${token_value:0:6}…' $(stat -c '%a %U' "$credentials" "$credentials/bridge-token" 2>&1 | tr '\n' ' ')"
fi

# --- 3. check tells a new user what is missing ---
check_out=$(appwrite-bridge check --config "$config" 2>&1)
check_exit=$?
if [ "$check_exit" = 2 ] && grep -qF "$no_instances" <<<"$check_out"; then
  pass "appwrite-bridge check: exit 2, \"$(tail -n1 <<<"$check_out")\""
else
  fail "appwrite-bridge check: exit $check_exit: $check_out"
fi

# --- 4. README's steps: the key, the instance in bridge.yaml, systemctl reload -> an execution ---
sed "s/your-appwrite-api-key/$demo_key/" "$test_dir/add-key.sh" >/root/add-key.sh
bash -e /root/add-key.sh >/root/add-key.log 2>&1 || fail "README key step: $(cat /root/add-key.log)"
# The README's entry in place of `instances: []`, pointed at the simulator.
sed "s|https://cloud.appwrite.io/v1|$simulator/v1|" "$test_dir/add-instance.yaml" >/root/instance.yaml
awk -v entry=/root/instance.yaml '/^instances: \[\]/ { while ((getline line < entry) > 0) print line; next } { print }' \
  "$config" >/root/bridge.yaml && cat /root/bridge.yaml >"$config"
cp "$config" /root/bridge.yaml.edited
main_pid=$(prop MainPID)
reload_out=$(systemctl reload "$unit" 2>&1)
reload_exit=$?
reply=$(execute '{"function_id": "echo", "function_body": "hi"}' '?return_response')
if [ "$reload_exit" = 0 ] && wait_until 30 status_has "1 instance ok" && [ "$(prop MainPID)" = "$main_pid" ] &&
  reply=$(execute '{"function_id": "echo", "function_body": "hi"}' '?return_response') &&
  [[ $reply == 200* ]] && grep -q '"status":"completed"' <<<"$reply"; then
  pass "key + instance + systemctl reload (same pid $main_pid): Status: \"$(status_text)\", an execution completed (200)"
else
  fail "reload: exit $reload_exit $reload_out, Status: \"$(status_text)\", pid $main_pid -> $(prop MainPID); reply: ${reply:0:300}"
fi

# Figures, not checks: the installed binary and the packaged daemon's RSS after 10 idle seconds
# with one healthy instance (the tree is a tmpfs overlay, so the binary's pages count as RssShmem).
sleep 10
echo "INFO: installed /usr/bin/appwrite-bridge: $(stat -c %s /usr/bin/appwrite-bridge) bytes; idle RSS with 1 instance ok: $(awk '/^VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$(prop MainPID)/status") ($(awk '/^RssAnon|^RssFile|^RssShmem/ { printf "%s %.1f MiB ", $1, $2 / 1024 }' "/proc/$(prop MainPID)/status"))"

# --- 5. upgrade: the edited bridge.yaml, token and identity kept, the queued call delivered ---
bridge_id=$(cat /var/lib/private/appwrite-bridge/bridge-id 2>/dev/null)
systemctl stop appwrite-simulator
queued=$(execute '{"function_id": "echo", "function_async": true, "function_body": "queued-before-upgrade"}')
cursor=$(journalctl --no-pager -n 1 -o cat --show-cursor | sed -n 's/^-- cursor: //p')
apt_install "$test_dir/new.deb" >/root/upgrade.log 2>&1
upgrade_exit=$?
wait_until 30 is_active
starts=$(journalctl --no-pager -o cat -u "$unit" --after-cursor "$cursor" | grep -c '^Started appwrite-bridge')
pending_after=$(outbox_count)
systemctl start appwrite-simulator
if [ "$upgrade_exit" = 0 ] && [[ $queued == 202* ]] && [ "$pending_after" = 1 ] && cmp -s "$config" /root/bridge.yaml.edited &&
  [ "$(token)" = "$token_value" ] && [ "$(cat /var/lib/private/appwrite-bridge/bridge-id 2>/dev/null)" = "$bridge_id" ] &&
  [ "$starts" = 1 ] && [ "$(dpkg-query -W -f '${Version}' appwrite-bridge)" = "$(dpkg-deb -f "$test_dir/new.deb" Version)" ] &&
  wait_until 90 outbox_empty && simulator_saw "queued-before-upgrade"; then
  pass "upgrade to $(dpkg-query -W -f '${Version}' appwrite-bridge): restarted once, bridge.yaml as edited, token and bridge ID kept, the call queued before it delivered"
else
  fail "upgrade: exit $upgrade_exit, queued ${queued:0:120}, pending after $pending_after, starts $starts, config kept: $(cmp -s "$config" /root/bridge.yaml.edited && echo yes || echo no), id '$bridge_id' -> '$(cat /var/lib/private/appwrite-bridge/bridge-id 2>/dev/null)', now pending $(outbox_count); $(tail -n 5 /root/upgrade.log); $(journalctl --no-pager -o short-monotonic -u "$unit" --after-cursor "$cursor" | grep -E 'Start|Stop' | tr '\n' ' ')"
fi

# --- 6. apt remove: stopped and disabled, configuration and state kept ---
apt-get remove -y appwrite-bridge </dev/null >/root/remove.log 2>&1
remove_exit=$?
if [ "$remove_exit" = 0 ] && [ "$(systemctl is-active "$unit")" != active ] && [ ! -e /usr/bin/appwrite-bridge ] &&
  cmp -s "$config" /root/bridge.yaml.edited && [ -s "$credentials/bridge-token" ] && [ -s "$credentials/appwrite-home" ] &&
  [ -e /var/lib/private/appwrite-bridge/bridge-id ]; then
  pass "apt remove: $(systemctl is-active "$unit"), binary gone, bridge.yaml, credentials and state kept"
else
  fail "apt remove: exit $remove_exit, $(systemctl is-active "$unit"); $(ls -la /etc/appwrite-bridge /var/lib/private 2>&1 | tr '\n' ' ')"
fi

# --- 7. apt purge: nothing left under /etc/appwrite-bridge and /var/lib/appwrite-bridge ---
apt-get purge -y appwrite-bridge </dev/null >/root/purge.log 2>&1
purge_exit=$?
if [ "$purge_exit" = 0 ] && [ ! -e /etc/appwrite-bridge ] && [ ! -e /var/lib/appwrite-bridge ] &&
  [ ! -e /var/lib/private/appwrite-bridge ] && ! dpkg -s appwrite-bridge >/dev/null 2>&1; then
  pass "apt purge: /etc/appwrite-bridge, /var/lib/appwrite-bridge and /var/lib/private/appwrite-bridge gone"
else
  fail "apt purge: exit $purge_exit; left: $(ls -d /etc/appwrite-bridge /var/lib/appwrite-bridge /var/lib/private/appwrite-bridge 2>/dev/null | tr '\n' ' ')"
fi
