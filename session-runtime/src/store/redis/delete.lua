-- Delete a session and its owner index entry. KEYS[1] session key;
-- ARGV: 1 owner index key prefix, 2 id. Returns 1 when it existed.
local o = redis.call('HGET', KEYS[1], '__o')
local n = redis.call('DEL', KEYS[1])
if o then redis.call('ZREM', ARGV[1] .. o, ARGV[2]) end
return n
