-- Load a session: its hash, unless it is missing or expired (an expired
-- session is removed here, with its owner index entry). The store loads
-- with a plain HGETALL and runs this only when that hash is expired by its
-- clock: the check is made again here, atomically with the removal.
-- KEYS[1] session key; ARGV[1] now (ms), ARGV[2] owner index key prefix,
-- ARGV[3] session id.
local hash = redis.call('HGETALL', KEYS[1])
for i = 1, #hash, 2 do
  if hash[i] == '__e' and tonumber(hash[i + 1]) <= tonumber(ARGV[1]) then
    local o = redis.call('HGET', KEYS[1], '__o')
    redis.call('DEL', KEYS[1])
    if o then redis.call('ZREM', ARGV[2] .. o, ARGV[3]) end
    return false
  end
end
return hash
