-- Save a session in one atomic step: create it, update it, or move it to a
-- regenerated id; set and remove fields; move its times; keep the owner
-- index exact. Writes apply only to a session that exists (no resurrection
-- after a delete), and a create never merges two sessions.
--
-- KEYS[1] the session's key; KEYS[2] the other key (rename: the old one;
-- create: the session it replaces), or KEYS[1] when none.
-- ARGV: 1 mode ('create', 'update', 'rename', 'copy'), 2 now (ms),
-- 3 expiry (ms, '' for none), 4 creation time (create), 5 owner action
-- ('keep', 'set', 'clear'), 6 owner, 7 owner index key prefix, 8 id,
-- 9 other id ('' for none), 10 n (fields to set), then n name/value pairs,
-- then the names of the fields to remove.
local key, other = KEYS[1], KEYS[2]
local mode, now, expires = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local owner_action, owner, index, id, other_id = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]

-- Removes a session and its owner index entry.
local function remove(k, kid)
  local o = redis.call('HGET', k, '__o')
  redis.call('DEL', k)
  if o then redis.call('ZREM', index .. o, kid) end
end

-- Whether the session at k exists and has not expired (an expired one goes).
local function live(k, kid)
  if redis.call('EXISTS', k) == 0 then return false end
  local e = redis.call('HGET', k, '__e')
  if e and tonumber(e) <= now then
    remove(k, kid)
    return false
  end
  return true
end

if mode == 'create' then
  if live(key, id) then return 'conflict' end
  if other_id ~= '' then remove(other, other_id) end
  redis.call('HSET', key, '__c', ARGV[4])
elseif mode == 'update' then
  if not live(key, id) then return 'gone' end
else
  if not live(other, other_id) then return 'gone' end
  if live(key, id) then return 'conflict' end
  local o = redis.call('HGET', other, '__o')
  if mode == 'copy' then
    redis.call('COPY', other, key)
  else
    redis.call('RENAME', other, key)
    if o then redis.call('ZREM', index .. o, other_id) end
  end
end

local n = tonumber(ARGV[10])
local at = 11
if n > 0 then
  local pairs = {}
  for i = 0, 2 * n - 1 do pairs[#pairs + 1] = ARGV[at + i] end
  redis.call('HSET', key, unpack(pairs))
  at = at + 2 * n
end
if at <= #ARGV then
  local names = {}
  for i = at, #ARGV do names[#names + 1] = ARGV[i] end
  redis.call('HDEL', key, unpack(names))
end
redis.call('HSET', key, '__l', ARGV[2])
if expires == '' then
  redis.call('HDEL', key, '__e')
  redis.call('PERSIST', key)
else
  redis.call('HSET', key, '__e', expires)
  redis.call('PEXPIREAT', key, expires)
end

local current = redis.call('HGET', key, '__o')
if owner_action == 'set' and current ~= owner then
  if current then redis.call('ZREM', index .. current, id) end
  redis.call('HSET', key, '__o', owner)
  current = owner
elseif owner_action == 'clear' and current then
  redis.call('ZREM', index .. current, id)
  redis.call('HDEL', key, '__o')
  current = false
end
if current then
  local set = index .. current
  local score = expires
  if score == '' then score = '+inf' end
  redis.call('ZADD', set, score, id)
  -- The index lives as long as its longest-lived session.
  local last = redis.call('ZRANGE', set, -1, -1, 'WITHSCORES')
  if last[2] == 'inf' then
    redis.call('PERSIST', set)
  else
    redis.call('PEXPIREAT', set, last[2])
  end
end
return 'saved'
