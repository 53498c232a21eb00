-- wrk script: a mix of queries. Sends the request paths listed in a file (one a line),
-- round-robin, each wrk thread starting at another place in the list. With "vary" as the
-- second argument, appends VALUES ?bench_nonce { "<thread>-<counter>" } to every query (as
-- vary.lua does, which says why), so that no answer cache can serve it.
-- Usage: wrk -s bench/mix.lua http://127.0.0.1:PORT -- PATHS_FILE [vary]

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local paths = {}
local vary = false
local position = 0
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  vary = args[2] == "vary"
  position = ((id or 1) * 7) % #paths
end

function request()
  position = position % #paths + 1
  local path = paths[position]
  if vary then
    counter = counter + 1
    path = path .. "%0AVALUES%20%3Fbench_nonce%20%7B%20%22" .. id .. "-" .. counter .. "%22%20%7D"
  end
  return wrk.format(nil, path)
end
