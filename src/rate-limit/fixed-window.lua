-- Fixed window: at most ARGV[1] units per window; a window starts at a key's
-- first consume and lasts ARGV[2] ms (timed by the key's TTL, so by Redis's clock).
--
-- KEYS[1]  a counter
-- ARGV[1]  limit
-- ARGV[2]  window, ms
-- ARGV[3]  cost (0 = only ask whether one unit would be allowed)
-- Returns  {allowed (1|0), remaining, resetMs, retryAfterMs}
--
-- The counter is created by SET ... PX, so it never exists without a TTL.

local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])

local count = tonumber(redis.call('GET', key) or '0')
local ttl = redis.call('PTTL', key)
if ttl == -1 then
  -- A counter without a TTL (written by something else) would block its key
  -- for ever: give it one window.
  redis.call('PEXPIRE', key, ARGV[2])
  ttl = window
elseif ttl < 0 then
  count = 0
end

local need = cost
if need == 0 then need = 1 end
local allowed = count + need <= limit

if allowed and cost > 0 then
  if ttl < 0 then
    redis.call('SET', key, ARGV[3], 'PX', ARGV[2])
    ttl = window
  else
    redis.call('INCRBY', key, ARGV[3])
  end
  count = count + cost
end

local resetMs = 0
if count > 0 then resetMs = math.max(ttl, 0) end
local retryAfterMs = 0
if not allowed then retryAfterMs = math.max(ttl, 1) end

local ok = 0
if allowed then ok = 1 end
-- Below zero only when the limit was lowered under what this key had counted.
return {ok, math.max(0, limit - count), resetMs, retryAfterMs}
