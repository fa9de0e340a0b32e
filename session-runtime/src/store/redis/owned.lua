-- The ids of an owner's live sessions. KEYS[1] the owner's index; ARGV[1]
-- now (ms). Members score their session's expiry: expired ones are pruned.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
