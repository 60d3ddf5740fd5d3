-- wrk script: every request carries the session cookie and headers given in the environment,
-- and the run's figures are written as one JSON line for bench/run.py.
local cookie = os.getenv("BENCH_COOKIE")
local part = os.getenv("BENCH_HX")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
if part == "1" then wrk.headers["HX-Request"] = "true" end

done = function(summary, latency, requests)
  local errors = summary.errors
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  out:close()
end
