-- wrk script: make every request a different query, so that no answer cache can serve it.
-- Appends a trailing VALUES clause binding a variable no pattern uses to a new literal,
--   VALUES ?bench_nonce { "<thread>-<counter>" }
-- to the query parameter of the URL wrk was given. The answer stays the same (one row of
-- VALUES joined to every solution; the variable is not projected), but the text differs
-- in a literal, which a cache that normalises white space and comments still sees, so the
-- engine parses and evaluates every request. A comment would not do: kgraph's cache key
-- drops comments (kgraph.sparql_text.normalise).
-- Usage: wrk -s bench/vary.lua 'http://127.0.0.1:PORT/sparql?query=...'

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local counter = 0

function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "%0AVALUES%20%3Fbench_nonce%20%7B%20%22" .. id .. "-" .. counter .. "%22%20%7D")
end
