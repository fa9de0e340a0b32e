-- Move a live session's times (idle sliding) without touching its fields.
-- KEYS[1] session key; ARGV: 1 now/last seen (ms), 2 expiry ('' none),
-- 3 owner index key prefix, 4 id. Returns 1 when touched, 0 when missing.
local now, expires = tonumber(ARGV[1]), ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local e = redis.call('HGET', KEYS[1], '__e')
local o = redis.call('HGET', KEYS[1], '__o')
if e and tonumber(e) <= now then
  redis.call('DEL', KEYS[1])
  if o then redis.call('ZREM', ARGV[3] .. o, ARGV[4]) end
  return 0
end
redis.call('HSET', KEYS[1], '__l', ARGV[1])
local score = '+inf'
if expires == '' then
  redis.call('HDEL', KEYS[1], '__e')
  redis.call('PERSIST', KEYS[1])
else
  redis.call('HSET', KEYS[1], '__e', expires)
  redis.call('PEXPIREAT', KEYS[1], expires)
  score = expires
end
if o then
  local set = ARGV[3] .. o
  redis.call('ZADD', set, score, ARGV[4])
  local last = redis.call('ZRANGE', set, -1, -1, 'WITHSCORES')
  if last[2] == 'inf' then
    redis.call('PERSIST', set)
  else
    redis.call('PEXPIREAT', set, last[2])
  end
end
return 1
