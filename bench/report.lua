-- wrk script for bench/run. The request comes from the environment:
--   BENCH_METHOD  (default POST)
--   BENCH_BODY    the request body
--   BENCH_HEADERS "Name: value" lines separated by newlines
-- done() prints one line, "BENCH_RESULT {json}", with the latency percentiles (incl. 99.9) in
-- microseconds and wrk's error counters; "status" counts responses with a status >= 400, which
-- wrk tallies without a per-response Lua hook (a response() hook would slow wrk itself down).

wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.body = os.getenv("BENCH_BODY") or ""
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"p999_us":%.0f,"max_us":%.0f,"mean_us":%.1f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
