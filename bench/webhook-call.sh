#!/bin/sh
# The command adnanh/webhook runs for each call in bench/run's `webhook` contender: one curl
# process sending the createExecution it received (webhook passes the whole JSON payload as $1)
# to the simulator, with the project and key headers. Settings come from hooks.json as
# environment variables. A non-2xx answer makes curl, and so the hook, fail (webhook then
# answers 500, which wrk counts).
exec curl -sS --fail-with-body --max-time 30 -X POST \
  -H "Content-Type: application/json" \
  -H "X-Appwrite-Project: ${BENCH_PROJECT}" \
  -H "X-Appwrite-Key: ${BENCH_KEY}" \
  --data-binary "$1" \
  "${BENCH_SIM_URL}/functions/${BENCH_FUNCTION}/executions"
