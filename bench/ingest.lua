-- wrk script: POST /api/v1/messages with a fresh client_id each time.
-- TOKEN and TO come from the environment (see bench/ingest.sh).
local token = os.getenv("TOKEN")
local to = os.getenv("TO") or "A1006"
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  -- INSTANCE tells apart wrk processes started in the same second.
  math.randomseed(os.time() + (tid or 0) + 1000 * tonumber(os.getenv("INSTANCE") or "0"))
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
end

request = function()
  counter = counter + 1
  local client_id = string.format("%s-%04x-4000-8000-%012x", prefix, tid or 0, counter)
  local body = string.format(
    '{"client_id":"%s","to":["%s"],"body":"Benchmark message %d: the new catalogue is out!"}',
    client_id, to, counter)
  return wrk.format("POST", "/api/v1/messages", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

-- No response() callback: wrk then skips handing every answer to Lua, and
-- reports answers that are not 2xx itself ("Non-2xx or 3xx responses").
done = function(summary, latency, requests)
  io.write(string.format("messages/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000))
end
