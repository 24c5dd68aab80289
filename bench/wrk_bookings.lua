-- wrk script: vehicle bookings where every slot is requested twice in a row (half conflict).
-- Environment: BENCH_TOKEN, BENCH_VEHICLES (comma-separated ids), BENCH_MEMBER.
local token = os.getenv("BENCH_TOKEN")
local member = os.getenv("BENCH_MEMBER")
local vehicles = {}
for id in string.gmatch(os.getenv("BENCH_VEHICLES"), "[^,]+") do vehicles[#vehicles + 1] = id end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("offset", #threads * 1000000)
  threads[#threads + 1] = thread
end

function init(args)
  statuses = {}
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
  wrk.method = "POST"
end

function request()
  local slot = offset + math.floor(counter / 2)
  counter = counter + 1
  local vehicle = vehicles[(slot % #vehicles) + 1]
  -- two-hour slots from 2030-01-07 06:00 UTC, one row of slots per vehicle
  local t = 1893996000 + 7200 * math.floor(slot / #vehicles)
  local body = string.format(
    '{"vehicle_id": %s, "member_id": %s, "start": "%s", "end": "%s", "override_quota": true}',
    vehicle, member, os.date("!%Y-%m-%dT%H:%M:%S+00:00", t), os.date("!%Y-%m-%dT%H:%M:%S+00:00", t + 7200))
  return wrk.format(nil, "/api/v1/vehicle-bookings/", nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do parts[#parts + 1] = string.format('"%d": %d', k, v) end
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, ", ")))
end
