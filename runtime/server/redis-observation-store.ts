/**
 * Observations in Redis, shared by every server process that uses the same prefix:
 *   {prefix}o:{token}   hash d (the observation, redis-json), r (registration id)
 *   {prefix}or:{regId}  sorted set of that registration's tokens by createdAt
 * The server removes a registration's observations when the registration ends (de-register,
 * expiry, a new Register). In case no server is left to do so, the keys take the Redis expiry
 * of their registration's key when it is stored under the same prefix (RedisRegistrationStore
 * pushes it out with each Update).
 */
import type { ObservationStore, StoredObservation } from './observation-store.js';
import { defaultPrefix, RedisScript, replyString, replyStrings, type RedisCommander, type RedisStoreOptions } from './redis-connection.js';
import { fromStoreJson, toStoreJson } from './redis-json.js';

/** ARGV: prefix, token, registration id, createdAt, data. */
const ADD = new RedisScript(`
local p, t, r = ARGV[1], ARGV[2], ARGV[3]
local old = redis.call('HGET', p..'o:'..t, 'r')
if old then redis.call('ZREM', p..'or:'..old, t) end
redis.call('HSET', p..'o:'..t, 'd', ARGV[5], 'r', r)
redis.call('ZADD', p..'or:'..r, ARGV[4], t)
-- Expire with the registration when it is stored under the same prefix (Redis 7: PEXPIRETIME).
local at = redis.call('PEXPIRETIME', p..'r:'..r)
if at > 0 then
  redis.call('PEXPIREAT', p..'o:'..t, at)
  redis.call('PEXPIREAT', p..'or:'..r, at)
end
return 1
`);

/** ARGV: prefix, token. */
const REMOVE = new RedisScript(`
local p, t = ARGV[1], ARGV[2]
local f = redis.call('HMGET', p..'o:'..t, 'd', 'r')
if not f[1] then return false end
redis.call('DEL', p..'o:'..t)
if f[2] then redis.call('ZREM', p..'or:'..f[2], t) end
return f[1]
`);

/** ARGV: prefix, registration id, remove (1) or only read (0). */
const BY_REGISTRATION = new RedisScript(`
local p, r, remove = ARGV[1], ARGV[2], ARGV[3] == '1'
local out = {}
for _, t in ipairs(redis.call('ZRANGE', p..'or:'..r, 0, -1)) do
  local d = redis.call('HGET', p..'o:'..t, 'd')
  if d then table.insert(out, d) end
  if remove then redis.call('DEL', p..'o:'..t) end
end
if remove then redis.call('DEL', p..'or:'..r) end
return out
`);

export class RedisObservationStore implements ObservationStore {
  readonly #prefix: string;

  constructor(
    private readonly redis: RedisCommander,
    options: RedisStoreOptions = {},
  ) {
    this.#prefix = options.prefix ?? defaultPrefix;
  }

  async add(o: StoredObservation): Promise<void> {
    await ADD.run(this.redis, [], [this.#prefix, o.token, o.registrationId, String(o.createdAt), toStoreJson(o)]);
  }

  async get(token: string): Promise<StoredObservation | undefined> {
    return decode(replyString(await this.redis.sendCommand(['HGET', `${this.#prefix}o:${token}`, 'd'])));
  }

  async byRegistration(registrationId: string): Promise<StoredObservation[]> {
    return replyStrings(await BY_REGISTRATION.run(this.redis, [], [this.#prefix, registrationId, '0'])).map((d) => decode(d)!);
  }

  async remove(token: string): Promise<StoredObservation | undefined> {
    return decode(replyString(await REMOVE.run(this.redis, [], [this.#prefix, token])));
  }

  async removeByRegistration(registrationId: string): Promise<StoredObservation[]> {
    return replyStrings(await BY_REGISTRATION.run(this.redis, [], [this.#prefix, registrationId, '1'])).map((d) => decode(d)!);
  }
}

function decode(d: string | undefined): StoredObservation | undefined {
  return d === undefined ? undefined : fromStoreJson<StoredObservation>(d);
}
