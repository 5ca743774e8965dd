/**
 * What the Redis stores need of a node-redis client, and the Lua scripts they run. Each
 * change of a store is one script, so that it and its indexes move together (two server
 * processes may change the same endpoint at once) in one round trip.
 */
import { createHash } from 'node:crypto';

/**
 * A connected node-redis client (`createClient({ url }).connect()`, RESP2, the default) or
 * anything with its sendCommand. The stores use no other method, so a client pool fits too.
 */
export interface RedisCommander {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** Put before every key, so that several servers or tests share one Redis: "lwm2m:" by default. */
  readonly prefix?: string;
}

export const defaultPrefix = 'lwm2m:';

/** A Lua script run by its SHA1 (EVALSHA), loaded with EVAL the first time a server lacks it. */
export class RedisScript {
  readonly #sha: string;

  constructor(readonly source: string) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisCommander, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await redis.sendCommand(['EVALSHA', this.#sha, ...tail]);
    } catch (e) {
      if (!String((e as Error).message).startsWith('NOSCRIPT')) throw e;
      return redis.sendCommand(['EVAL', this.source, ...tail]);
    }
  }
}

/** A bulk string reply as a string; nil (null) as undefined. */
export function replyString(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array) return Buffer.from(reply).toString('utf8');
  throw new TypeError(`unexpected Redis reply ${typeof reply}`);
}

/** An array reply of bulk strings. */
export function replyStrings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new TypeError(`unexpected Redis reply ${typeof reply}, not an array`);
  return reply.map((r) => replyString(r)).filter((s): s is string => s !== undefined);
}

/**
 * Connects a node-redis client to `url` (redis://host:port/db). The `redis` package is
 * loaded here, not with lwm2m-sdk/server, so users of the in-memory stores never load it.
 */
export async function connectRedis(url: string, options: { onError?: (error: Error) => void } = {}): Promise<RedisCommander & { close(): Promise<void> }> {
  const { createClient } = await import('redis');
  // While the connection is down a command fails at once instead of waiting in a queue: a
  // client's request is then answered (5.00) rather than left to time out.
  let connected = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    // A first connection that fails is an error for the caller; after it, reconnect with back-off.
    socket: { reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(50 * 2 ** Math.min(retries, 6), 2000) : cause) },
  });
  // node-redis reconnects by itself; without a listener an 'error' event would end the process.
  client.on('error', (e: Error) => options.onError?.(e));
  await client.connect();
  connected = true;
  return {
    sendCommand: (args) => client.sendCommand(args),
    close: async () => {
      // close() waits for replies still due; with the server gone it would wait for ever.
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}
