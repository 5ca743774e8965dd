/**
 * Endpoint credentials in Redis (the SecurityStore of security-store.ts), shared by every
 * server process that uses the same prefix:
 *   {prefix}s:{endpoint}  hash d (the entry, redis-json: keys stay bytes), c (its credential key)
 *   {prefix}sc:{key}      the endpoint holding a credential: "psk:<identity>", "rpk:<key id>", "cn:<CN>"
 *   {prefix}sa            set of endpoint names (for all())
 * The DTLS handshake's lookups (by PSK identity, public key, CN) are one script each: one
 * round trip. Entries are validated as MemorySecurityStore validates them.
 */
import { publicKeyId } from './public-key-id.js';
import { defaultPrefix, RedisScript, replyString, replyStrings, type RedisCommander, type RedisStoreOptions } from './redis-connection.js';
import { fromStoreJson, toStoreJson } from './redis-json.js';
import { expectedCommonName, MemorySecurityStore, SecurityWatchers, type EndpointSecurity, type SecurityChange, type SecurityStore } from './security-store.js';
import { ServerError } from './server-error.js';

/**
 * ARGV: prefix, endpoint, data, credential key ('' for none).
 * Returns {'held', other endpoint} when refused, else {'set', previous data or ''}.
 */
const SET = new RedisScript(`
local p, ep, d, c = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if c ~= '' then
  local holder = redis.call('GET', p..'sc:'..c)
  if holder and holder ~= ep then return {'held', holder} end
end
local old = redis.call('HMGET', p..'s:'..ep, 'd', 'c')
if old[2] and old[2] ~= '' and redis.call('GET', p..'sc:'..old[2]) == ep then redis.call('DEL', p..'sc:'..old[2]) end
redis.call('HSET', p..'s:'..ep, 'd', d, 'c', c)
if c ~= '' then redis.call('SET', p..'sc:'..c, ep) end
redis.call('SADD', p..'sa', ep)
return {'set', old[1] or ''}
`);

/** ARGV: prefix, endpoint. */
const REMOVE = new RedisScript(`
local p, ep = ARGV[1], ARGV[2]
local f = redis.call('HMGET', p..'s:'..ep, 'd', 'c')
if not f[1] then return false end
if f[2] and f[2] ~= '' and redis.call('GET', p..'sc:'..f[2]) == ep then redis.call('DEL', p..'sc:'..f[2]) end
redis.call('DEL', p..'s:'..ep)
redis.call('SREM', p..'sa', ep)
return f[1]
`);

/** ARGV: prefix, credential key. */
const LOOKUP = new RedisScript(`
local p = ARGV[1]
local ep = redis.call('GET', p..'sc:'..ARGV[2])
if not ep then return false end
return redis.call('HGET', p..'s:'..ep, 'd')
`);

/** ARGV: prefix. */
const ALL = new RedisScript(`
local p = ARGV[1]
local out = {}
for _, ep in ipairs(redis.call('SMEMBERS', p..'sa')) do
  local d = redis.call('HGET', p..'s:'..ep, 'd')
  if d then table.insert(out, d) end
end
return out
`);

/** The key under which a credential belongs to one endpoint only (as MemorySecurityStore keys it). */
function credentialKey(entry: EndpointSecurity): string {
  const c = entry.credentials;
  if (c === undefined) return '';
  if (c.mode === 'psk') return `psk:${c.identity}`;
  if (c.mode === 'rpk') return `rpk:${publicKeyId(c.publicKey)!}`;
  return `cn:${expectedCommonName(entry)!}`;
}

export class RedisSecurityStore implements SecurityStore {
  readonly #prefix: string;
  readonly #watchers = new SecurityWatchers();

  constructor(
    private readonly redis: RedisCommander,
    options: RedisStoreOptions = {},
  ) {
    this.#prefix = options.prefix ?? defaultPrefix;
  }

  async get(endpoint: string): Promise<EndpointSecurity | undefined> {
    return decode(replyString(await this.redis.sendCommand(['HGET', `${this.#prefix}s:${endpoint}`, 'd'])));
  }

  byPskIdentity(identity: string): Promise<EndpointSecurity | undefined> {
    return this.#lookup(`psk:${identity}`);
  }

  async byPublicKey(publicKey: Uint8Array): Promise<EndpointSecurity | undefined> {
    const id = publicKeyId(publicKey);
    return id === undefined ? undefined : this.#lookup(`rpk:${id}`);
  }

  byCommonName(commonName: string): Promise<EndpointSecurity | undefined> {
    return this.#lookup(`cn:${commonName}`);
  }

  async set(raw: EndpointSecurity): Promise<void> {
    // The in-memory store's checks and copies, so that both stores refuse and keep the same.
    const [entry] = await new MemorySecurityStore([raw]).all();
    const [status, other] = replyStrings(await SET.run(this.redis, [], [this.#prefix, entry!.endpoint, toStoreJson(entry), credentialKey(entry!)]));
    if (status === 'held') throw new ServerError('E_ARGUMENT', `endpoint ${entry!.endpoint}: these credentials already belong to endpoint ${other}`);
    this.#watchers.tell({ endpoint: entry!.endpoint, previous: other === '' ? undefined : decode(other), current: entry });
  }

  async remove(endpoint: string): Promise<EndpointSecurity | undefined> {
    const old = decode(replyString(await REMOVE.run(this.redis, [], [this.#prefix, endpoint])));
    if (old !== undefined) this.#watchers.tell({ endpoint, previous: old, current: undefined });
    return old;
  }

  /**
   * Tells of the changes made through this store object, so that a DTLS transport in this
   * process ends the sessions of removed credentials at once. Changes made by other processes
   * are found by the transport's periodic check (`revalidateSessionsMs`).
   */
  watch(listener: (change: SecurityChange) => void): () => void {
    return this.#watchers.add(listener);
  }

  async all(): Promise<EndpointSecurity[]> {
    return replyStrings(await ALL.run(this.redis, [], [this.#prefix])).map((d) => decode(d)!);
  }

  async #lookup(key: string): Promise<EndpointSecurity | undefined> {
    return decode(replyString(await LOOKUP.run(this.redis, [], [this.#prefix, key])));
  }
}

function decode(d: string | undefined): EndpointSecurity | undefined {
  return d === undefined ? undefined : fromStoreJson<EndpointSecurity>(d);
}
