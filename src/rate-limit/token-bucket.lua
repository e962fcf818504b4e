-- Token bucket: holds up to ARGV[1] tokens, refills ARGV[1] tokens per ARGV[2] ms.
--
-- KEYS[1]  a hash {units, at, w}: the tokens held, in units of 1/w token
--          (integers, so refills never drift), the time (ms, Redis's clock)
--          they were counted at, and the window w they are expressed in
-- ARGV[1]  limit (bucket size, tokens)
-- ARGV[2]  window, ms (time to refill an empty bucket)
-- ARGV[3]  cost (tokens; 0 = only ask whether one token would be granted)
-- Returns  {allowed (1|0), remaining, resetMs, retryAfterMs}
--
-- A missing key is a full bucket, so the key needs to live only until the
-- bucket would be full again: that is its TTL, set right after the one write.

if redis.replicate_commands then redis.replicate_commands() end

local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
-- One token = `window` units; refill = `limit` units per ms.
local capacity = limit * window

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local state = redis.call('HMGET', key, 'units', 'at', 'w')
local units = tonumber(state[1])
local at = tonumber(state[2])
local w = tonumber(state[3])
if units == nil or at == nil then
  units = capacity
  at = now
else
  -- The rule changed since this state was written: keep the tokens, not the units.
  if w ~= nil and w ~= window then units = math.floor(units / w * window) end
  -- A clock that stepped back refills nothing until it catches up.
  if now > at then
    units = units + (now - at) * limit
    at = now
  end
  if units > capacity then units = capacity end
end

local need = cost
if need == 0 then need = 1 end
need = need * window
local allowed = units >= need

if allowed and cost > 0 then
  units = units - cost * window
  -- '%.0f': Lua's own number conversion may use exponent notation.
  redis.call('HSET', key, 'units', string.format('%.0f', units), 'at', string.format('%.0f', at), 'w', ARGV[2])
  redis.call('PEXPIRE', key, string.format('%.0f', math.max(1, math.ceil((capacity - units) / limit))))
end

local retryAfterMs = 0
if not allowed then retryAfterMs = math.max(1, math.ceil((need - units) / limit)) end

local ok = 0
if allowed then ok = 1 end
return {ok, math.floor(units / window), math.ceil((capacity - units) / limit), retryAfterMs}
