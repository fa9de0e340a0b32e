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

-- The owner of the live session at k (or '' for none) and its expiry (the
-- stored text, false for none), or nil when there is no live session there
-- (an expired one is removed).
local function live(k, kid)
  local m = redis.call('HMGET', k, '__c', '__e', '__o')
  if not m[1] then return nil end
  if m[2] and tonumber(m[2]) <= now then
    redis.call('DEL', k)
    if m[3] then redis.call('ZREM', index .. m[3], kid) end
    return nil
  end
  return m[3] or '', m[2]
end

local current, old_expiry = '', false
if mode == 'create' then
  if live(key, id) then return 'conflict' end
  if other_id ~= '' then
    local o = live(other, other_id)
    if o then
      redis.call('DEL', other)
      if o ~= '' then redis.call('ZREM', index .. o, other_id) end
    end
  end
elseif mode == 'update' then
  current, old_expiry = live(key, id)
  if not current then return 'gone' end
else
  current, old_expiry = live(other, other_id)
  if not current then return 'gone' end
  if live(key, id) then return 'conflict' end
  if mode == 'copy' then
    redis.call('COPY', other, key)
  else
    redis.call('RENAME', other, key)
    if current ~= '' then redis.call('ZREM', index .. current, other_id) end
  end
end

-- `__e` and the key's expiry move together (every write of one writes the
-- other), so an update that keeps the expiry (a fixed lifetime) leaves both.
local expiry_moves = not (mode == 'update' and expires ~= '' and expires == old_expiry)

-- Fields, times and owner in one HSET, removals in one HDEL.
local set = { '__l', ARGV[2] }
if mode == 'create' then
  set[#set + 1] = '__c'
  set[#set + 1] = ARGV[4]
end
if expires ~= '' and expiry_moves then
  set[#set + 1] = '__e'
  set[#set + 1] = expires
end
local new_owner = current
if owner_action == 'set' then new_owner = owner elseif owner_action == 'clear' then new_owner = '' end
if new_owner ~= '' and new_owner ~= current then
  set[#set + 1] = '__o'
  set[#set + 1] = new_owner
end
local n = tonumber(ARGV[10])
local at = 11
for i = 0, 2 * n - 1 do set[#set + 1] = ARGV[at + i] end
at = at + 2 * n
redis.call('HSET', key, unpack(set))
local removed = {}
for i = at, #ARGV do removed[#removed + 1] = ARGV[i] end
if expires == '' and old_expiry then removed[#removed + 1] = '__e' end
if new_owner == '' and current ~= '' then removed[#removed + 1] = '__o' end
if #removed > 0 then redis.call('HDEL', key, unpack(removed)) end
if expires == '' then
  if old_expiry then redis.call('PERSIST', key) end
elseif expiry_moves then
  redis.call('PEXPIREAT', key, expires)
end

-- The owner index: members scored by expiry; the index lives as long as
-- its longest-lived session.
if current ~= '' and new_owner ~= current then
  redis.call('ZREM', index .. current, id)
end
if new_owner ~= '' then
  local owned = index .. new_owner
  local score = expires
  if score == '' then score = '+inf' end
  redis.call('ZADD', owned, score, id)
  local last = redis.call('ZRANGE', owned, -1, -1, 'WITHSCORES')
  if last[2] == 'inf' then
    redis.call('PERSIST', owned)
  else
    redis.call('PEXPIREAT', owned, last[2])
  end
end
return 'saved'
