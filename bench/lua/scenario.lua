-- The request side of one benchmark scenario, for wrk. bench/conduit_bench/load.py writes a
-- `spec` table in front of this file:
--   spec.requests  list of {method, path, headers, body}; each connection takes them in turn
--                  (thread by thread, from a different starting point), and "{unique}" in a
--                  path or body becomes a token no other request of the run uses
--   spec.out       where done() writes the summary as JSON
--   spec.run_id    a short token unique to this run (part of every "{unique}")
-- A scenario of one fixed request leaves wrk's own request path alone (no Lua per request).

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local function has_unique(r)
  return string.find(r.path, "{unique}", 1, true) ~= nil
      or (r.body ~= nil and string.find(r.body, "{unique}", 1, true) ~= nil)
end

local dynamic = #spec.requests > 1 or has_unique(spec.requests[1])

if dynamic then
  local counter = 0
  local prepared = {}

  function init(args)
    for i, r in ipairs(spec.requests) do
      if not has_unique(r) then
        prepared[i] = wrk.format(r.method, r.path, r.headers, r.body)
      end
    end
  end

  function request()
    counter = counter + 1
    local index = ((counter + (thread_index or 0) * 7919) % #spec.requests) + 1
    local ready = prepared[index]
    if ready then
      return ready
    end
    local r = spec.requests[index]
    local unique = spec.run_id .. "-" .. (thread_index or 0) .. "-" .. counter
    local body = r.body
    if body then
      body = (string.gsub(body, "{unique}", unique))
    end
    return wrk.format(r.method, (string.gsub(r.path, "{unique}", unique)), r.headers, body)
  end
else
  local r = spec.requests[1]
  wrk.method = r.method
  wrk.path = r.path
  wrk.headers = r.headers
  wrk.body = r.body
end

function done(summary, latency, requests)
  local errors = summary.errors
  local file = assert(io.open(spec.out, "w"))
  file:write(string.format(
    '{"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d, "p999": %d}}\n',
    summary.duration, summary.requests, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
  file:close()
end
