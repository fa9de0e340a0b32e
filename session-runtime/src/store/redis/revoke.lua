-- Delete every session of an owner. KEYS[1] the owner's index; ARGV: 1
-- session key prefix, 2 the owner. A session listed there that changed
-- hands meanwhile is not deleted. Returns how many were.
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local n = 0
for _, id in ipairs(ids) do
  local k = ARGV[1] .. id
  if redis.call('HGET', k, '__o') == ARGV[2] then
    redis.call('DEL', k)
    n = n + 1
  end
end
redis.call('DEL', KEYS[1])
return n
