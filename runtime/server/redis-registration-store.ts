/**
 * Registrations in Redis, shared by every server process that uses the same prefix:
 *   {prefix}r:{id}    hash d (the registration, redis-json), e (endpoint), a (address)
 *   {prefix}e:{ep}    the id registered under an endpoint name
 *   {prefix}a:{addr}  the id registered from an address ("127.0.0.1:5683")
 *   {prefix}x         sorted set of ids by expiresAt: removeExpired reads its head, no scan
 * The keys also carry a Redis expiry (expiresAt plus `graceMs`) that only cleans up after
 * servers that stopped for good; while one runs, removeExpired removes them first, once, so
 * that exactly one process reports each expiry. Observations stored under the same prefix get
 * the same expiry, pushed out with each Update.
 */
import { peerKey } from '../transport/datagram-transport.js';
import { defaultPrefix, RedisScript, replyString, replyStrings, type RedisCommander, type RedisStoreOptions } from './redis-connection.js';
import { fromStoreJson, toStoreJson } from './redis-json.js';
import type { Registration } from './registration.js';
import type { RegistrationStore } from './registration-store.js';

export interface RedisRegistrationStoreOptions extends RedisStoreOptions {
  /** How long the keys outlive expiresAt in Redis, ms (1 hour by default). */
  readonly graceMs?: number;
}

const UNINDEX = `
local function unindex(p, id)
  local f = redis.call('HMGET', p..'r:'..id, 'e', 'a')
  if f[1] and redis.call('GET', p..'e:'..f[1]) == id then redis.call('DEL', p..'e:'..f[1]) end
  if f[2] and redis.call('GET', p..'a:'..f[2]) == id then redis.call('DEL', p..'a:'..f[2]) end
  redis.call('DEL', p..'r:'..id)
  redis.call('ZREM', p..'x', id)
end
`;

/** ARGV: prefix, id, endpoint, address, data, expiresAt, keep-until (unix ms), mode (add | replace). */
const PUT = new RedisScript(`${UNINDEX}
local p, id, ep, addr, d, exp, pxat, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local old = false
if mode == 'replace' then
  if redis.call('EXISTS', p..'r:'..id) == 0 then return false end
  unindex(p, id)
  old = 'replaced'
else
  local oid = redis.call('GET', p..'e:'..ep)
  if oid then
    old = redis.call('HGET', p..'r:'..oid, 'd')
    unindex(p, oid)
  end
end
redis.call('HSET', p..'r:'..id, 'd', d, 'e', ep, 'a', addr)
redis.call('PEXPIREAT', p..'r:'..id, pxat)
redis.call('SET', p..'e:'..ep, id, 'PXAT', pxat)
redis.call('SET', p..'a:'..addr, id, 'PXAT', pxat)
redis.call('ZADD', p..'x', exp, id)
-- The registration's observations (redis-observation-store.ts, same prefix) live as long as it.
local tokens = redis.call('ZRANGE', p..'or:'..id, 0, -1)
for _, t in ipairs(tokens) do redis.call('PEXPIREAT', p..'o:'..t, pxat) end
if #tokens > 0 then redis.call('PEXPIREAT', p..'or:'..id, pxat) end
return old
`);

/** ARGV: prefix, index kind (e | a), key. */
const BY_INDEX = new RedisScript(`
local p = ARGV[1]
local id = redis.call('GET', p..ARGV[2]..':'..ARGV[3])
if not id then return false end
return redis.call('HGET', p..'r:'..id, 'd')
`);

/** ARGV: prefix, id. */
const REMOVE = new RedisScript(`${UNINDEX}
local p, id = ARGV[1], ARGV[2]
local d = redis.call('HGET', p..'r:'..id, 'd')
unindex(p, id)
return d
`);

/** ARGV: prefix, now, at most how many. Registrations whose expiresAt < now. */
const REMOVE_EXPIRED = new RedisScript(`${UNINDEX}
local p = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', p..'x', '-inf', '('..ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local d = redis.call('HGET', p..'r:'..id, 'd')
  unindex(p, id)
  if d then table.insert(out, d) end
end
return {#ids, out}
`);

/** ARGV: prefix. Every registration (for all(); not a hot path). */
const ALL = new RedisScript(`
local p = ARGV[1]
local out = {}
for _, id in ipairs(redis.call('ZRANGE', p..'x', 0, -1)) do
  local d = redis.call('HGET', p..'r:'..id, 'd')
  if d then table.insert(out, d) end
end
return out
`);

const EXPIRED_BATCH = 500;

export class RedisRegistrationStore implements RegistrationStore {
  readonly #prefix: string;
  readonly #graceMs: number;

  constructor(
    private readonly redis: RedisCommander,
    options: RedisRegistrationStoreOptions = {},
  ) {
    this.#prefix = options.prefix ?? defaultPrefix;
    this.#graceMs = options.graceMs ?? 3_600_000;
  }

  async add(r: Registration): Promise<Registration | undefined> {
    return decodeRegistration(await this.#put(r, 'add'));
  }

  async replace(r: Registration): Promise<boolean> {
    return (await this.#put(r, 'replace')) !== undefined;
  }

  #put(r: Registration, mode: 'add' | 'replace'): Promise<string | undefined> {
    const keepUntil = Math.max(r.expiresAt + this.#graceMs, Date.now() + this.#graceMs);
    return PUT.run(this.redis, [], [this.#prefix, r.id, r.endpoint, peerKey(r.address), toStoreJson(r), String(r.expiresAt), String(Math.round(keepUntil)), mode]).then(replyString);
  }

  async get(id: string): Promise<Registration | undefined> {
    return decodeRegistration(replyString(await this.redis.sendCommand(['HGET', `${this.#prefix}r:${id}`, 'd'])));
  }

  async byEndpoint(endpoint: string): Promise<Registration | undefined> {
    return decodeRegistration(replyString(await BY_INDEX.run(this.redis, [], [this.#prefix, 'e', endpoint])));
  }

  async byAddress(address: string): Promise<Registration | undefined> {
    return decodeRegistration(replyString(await BY_INDEX.run(this.redis, [], [this.#prefix, 'a', address])));
  }

  async remove(id: string): Promise<Registration | undefined> {
    return decodeRegistration(replyString(await REMOVE.run(this.redis, [], [this.#prefix, id])));
  }

  async removeExpired(now: number): Promise<Registration[]> {
    const out: Registration[] = [];
    // In batches, so that one script never holds Redis for long.
    for (;;) {
      const reply = await REMOVE_EXPIRED.run(this.redis, [], [this.#prefix, String(now), String(EXPIRED_BATCH)]);
      const [count, data] = reply as [number, unknown];
      for (const d of replyStrings(data)) out.push(fromStoreJson<Registration>(d));
      if (Number(count) < EXPIRED_BATCH) return out;
    }
  }

  async all(): Promise<Registration[]> {
    return replyStrings(await ALL.run(this.redis, [], [this.#prefix])).map((d) => fromStoreJson<Registration>(d));
  }

  async size(): Promise<number> {
    return Number(await this.redis.sendCommand(['ZCARD', `${this.#prefix}x`]));
  }
}

function decodeRegistration(d: string | undefined): Registration | undefined {
  return d === undefined ? undefined : fromStoreJson<Registration>(d);
}
