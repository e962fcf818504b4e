-- Sliding window counter: O(1) state per key, whatever the limit.
--
-- Time is cut into windows of ARGV[2] ms aligned to Redis's clock
-- (window n is [n × w, (n + 1) × w)). The key keeps two counters: the units
-- admitted in the current window and in the one before it. A call at e ms
-- into the current window sees
--
--   estimate = current + previous × (w − e) / w
--
-- (the previous window's units weighted by the part of it still inside the
-- last w ms, as if they had been spread evenly over it) and is admitted when
-- estimate + cost ≤ limit. What that promises, exactly:
--   - never more than `limit` units in one aligned window (previous ≥ 0);
--   - in any span of w ms starting f × w into a window (0 ≤ f < 1), at most
--     limit × (1 + f) units: the later window admits at most
--     limit − (units of the span's first part) × (1 − f).
-- The comparison is done in integers (previous × (w − e) ≤ (limit − current −
-- cost) × w), so it is exact while limit × w ≤ 2^53 and within double
-- rounding (~1e-16 relative) beyond.
--
-- KEYS[1]  a hash {n, c, p, w}: the current window's number, its count, the
--          previous window's count, and the window length they were counted in
-- ARGV[1]  limit (units per window)
-- ARGV[2]  window, ms
-- ARGV[3]  cost (units; 0 = only ask whether one unit would be allowed)
-- Returns  {allowed (1|0), remaining, resetMs, retryAfterMs}
--
-- The only write (HSET, or HINCRBY within the same window) is followed at once by its PEXPIREAT (the end of the
-- next window, when the current count stops mattering), with nothing in
-- between that can fail, so the key never exists without a TTL.

-- TIME before a write needs effects replication on Redis 3.2-4 (default since 5).
if redis.replicate_commands then redis.replicate_commands() end

local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])

-- '%.0f': Lua's own number conversion may use exponent notation, which Redis does not take as an integer.
local function int(n) return string.format('%.0f', n) end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local index = math.floor(now / window)

local state = redis.call('HMGET', key, 'n', 'c', 'p', 'w')
local current, previous = 0, 0
local storedIndex = tonumber(state[1])
-- Whether the stored state is this window's, so a write only adds to its count.
local sameWindow = false
if storedIndex ~= nil then
  local storedCurrent = tonumber(state[2]) or 0
  local storedPrevious = tonumber(state[3]) or 0
  if tonumber(state[4]) ~= window then
    -- The rule's window changed: the old windows do not line up with the new
    -- ones. The units counted last stand for the previous window.
    previous = storedCurrent
  elseif storedIndex == index then
    current, previous = storedCurrent, storedPrevious
    sameWindow = true
  elseif storedIndex == index - 1 then
    previous = storedCurrent
  elseif storedIndex > index then
    -- The clock stepped back (a failover to a replica with another clock):
    -- stay at the start of the newest window counted, which errs on denying.
    index = storedIndex
    now = index * window
    current, previous = storedCurrent, storedPrevious
    sameWindow = true
  end
  -- Older than the previous window: everything has aged out.
end

local elapsed = now - index * window
local need = cost
if need == 0 then need = 1 end
local room = limit - current - need
local allowed = room >= 0 and previous * (window - elapsed) <= room * window

if allowed and cost > 0 then
  current = current + cost
  if sameWindow then
    redis.call('HINCRBY', key, 'c', ARGV[3])
  else
    redis.call('HSET', key, 'n', int(index), 'c', int(current), 'p', int(previous), 'w', ARGV[2])
  end
  redis.call('PEXPIREAT', key, int((index + 2) * window))
end

-- What a call could still take now: limit − estimate, rounded down.
local remaining = math.floor(((limit - current) * window - previous * (window - elapsed)) / window)
if remaining < 0 then remaining = 0 end

-- Back to the full limit once the current count has passed through the previous slot.
local resetMs = 0
if current > 0 then resetMs = 2 * window - elapsed elseif previous > 0 then resetMs = window - elapsed end

local retryAfterMs = 0
if not allowed then
  if room >= 0 then
    -- Later in this window the previous count weighs little enough.
    retryAfterMs = window - math.floor(room * window / previous) - elapsed
  else
    -- Only the next window has room: there this window's count is the previous one.
    -- (current > limit − need here, so current > 0.)
    retryAfterMs = window - elapsed + window - math.floor((limit - need) * window / current)
  end
  if retryAfterMs < 1 then retryAfterMs = 1 end
end

local ok = 0
if allowed then ok = 1 end
return {ok, remaining, resetMs, retryAfterMs}
