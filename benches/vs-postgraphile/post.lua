-- wrk script: POSTs GraphQL request bodies, one per line of a file, in turn
-- (one line: every request the same; 100 lines: a point read of 100 ids).
--
--   wrk ... -s post.lua URL -- BODIES_FILE [AUTHORIZATION]
--
-- Counts answers that are not a clean GraphQL success (an "errors" entry,
-- or an HTTP status other than 200) so that a server failing fast does not
-- pass for a fast one; done() prints them on a line run.sh reads, with the
-- latency percentiles in microseconds.

local requests = {}
local next_request = 1
gql_errors = 0
bad_status = 0

function init(args)
   local file = assert(io.open(args[1], "r"))
   local headers = { ["Content-Type"] = "application/json" }
   if args[2] and args[2] ~= "" then
      headers["Authorization"] = args[2]
   end
   for line in file:lines() do
      if line ~= "" then
         requests[#requests + 1] = wrk.format("POST", nil, headers, line)
      end
   end
   file:close()
   assert(#requests > 0, "no request bodies in " .. args[1])
end

function request()
   local r = requests[next_request]
   next_request = next_request % #requests + 1
   return r
end

-- Errors in GraphQL responses are objects that start with "message" (both
-- servers); a value stored in a version would not contain this sequence.
function response(status, headers, body)
   if status ~= 200 then
      bad_status = bad_status + 1
   elseif body and string.find(body, '"errors":[{"message"', 1, true) then
      gql_errors = gql_errors + 1
   end
end

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
end

function done(summary, latency, requests)
   local errors, statuses = 0, 0
   for _, t in ipairs(threads) do
      errors = errors + t:get("gql_errors")
      statuses = statuses + t:get("bad_status")
   end
   local e = summary.errors
   io.write(string.format(
      "QBENCH requests=%d duration_us=%d p50_us=%d p99_us=%d gql_errors=%d bad_status=%d socket_errors=%d\n",
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(99),
      errors, statuses, e.connect + e.read + e.write + e.timeout))
end
