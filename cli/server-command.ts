/**
 * `lwm2m-sdk server`: an LwM2M server on UDP, a log line per event. Its state (registrations,
 * observations) is in memory, or in Redis with --redis so that several server processes, or a
 * restarted one, share it.
 */
import { Command } from 'commander';
import { portArgument } from './port-argument.js';
import { redisUrl } from './redis-url.js';
import type { Logger } from '../runtime/coap/logger.js';
import type { LwM2MNode } from '../runtime/model/node.js';
import type { LwM2MServer, Registration } from '../runtime/server/index.js';

/** The reads and writes asked for on the command line, in order; each logged, none fatal. */
async function manage(server: LwM2MServer, r: Registration, reads: readonly string[], writes: readonly string[], observes: readonly string[], log: Logger): Promise<void> {
  const [{ resourceNode }, { parsePath }, { parseTextValue }] = await Promise.all([import('../runtime/model/node.js'), import('../runtime/model/path.js'), import('./text-value.js')]);
  const client = server.client(r.endpoint);
  for (const path of reads) {
    try {
      log.info({ endpoint: r.endpoint, path, value: plain(nodeValue(await client.read(path))) }, 'read');
    } catch (e) {
      log.warn({ endpoint: r.endpoint, path, err: (e as Error).message }, 'read failed');
    }
  }
  for (const w of writes) {
    const eq = w.indexOf('=');
    const path = eq < 0 ? w : w.slice(0, eq);
    try {
      const p = parsePath(path);
      const version = r.objects.objects.find((o) => o.id === p.objectId)?.version;
      const res = server.registry.get(p.objectId, version)?.resources.find((x) => x.id === p.resourceId);
      if (eq < 0 || p.resourceId === undefined || res === undefined) throw new Error('give a known resource path and a value: /3/0/13=now');
      const value = parseTextValue(res.type, w.slice(eq + 1));
      await client.write(p, p.resourceInstanceId === undefined ? resourceNode(p.resourceId, value) : { kind: 'resourceInstance', id: p.resourceInstanceId, value });
      log.info({ endpoint: r.endpoint, path, value: plain(nodeValue(await client.read(p))) }, 'written and read back');
    } catch (e) {
      log.warn({ endpoint: r.endpoint, path, err: (e as Error).message }, 'write failed');
    }
  }
  for (const path of observes) {
    try {
      // Notifications are logged by the server's notification event; the first value (the Read) here.
      let first: LwM2MNode | undefined;
      await client.observe(path, (node) => { first ??= node; });
      log.info({ endpoint: r.endpoint, path, value: first === undefined ? null : plain(nodeValue(first)) }, 'observing');
    } catch (e) {
      log.warn({ endpoint: r.endpoint, path, err: (e as Error).message }, 'observe failed');
    }
  }
}

const pathList = (v: string | undefined): string[] => v?.split(',').map((p) => p.trim()).filter((p) => p !== '') ?? [];

/** A value tree as its values: an instance as { resource id: value }, a resource as its value. */
function nodeValue(node: LwM2MNode): unknown {
  switch (node.kind) {
    case 'object': return new Map([...node.instances].map(([id, i]) => [id, nodeValue(i)]));
    case 'instance': return new Map([...node.resources].map(([id, r]) => [id, nodeValue(r)]));
    case 'multipleResource': return node.instances;
    default: return node.value;
  }
}

/** Value trees as JSON can show them: maps as objects, bigints and bytes as text. */
function plain(x: unknown): unknown {
  if (x instanceof Map) return Object.fromEntries([...x].map(([k, v]) => [k, plain(v)]));
  if (typeof x === 'bigint') return x.toString();
  if (x instanceof Uint8Array) return Buffer.from(x).toString('hex');
  if (x instanceof Date) return x.toISOString();
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

export function serverCommand(): Command {
  return new Command('server')
    .description('Run an LwM2M server (CoAP over UDP; registrations and observations in memory, or in Redis); logs one line per event')
    .option('--port <port>', 'UDP port (0: any)', portArgument, 5683)
    .option('--address <address>', 'local address to bind', '127.0.0.1')
    .option('--read <paths>', 'on each registration, read these paths (comma-separated, e.g. /3/0)')
    .option('--write <path=value...>', 'on each registration, after the reads, write a resource (e.g. /3/0/13=now), then read it back')
    .option('--observe <paths>', 'on each registration, observe these paths (comma-separated); every notification is logged')
    .option('--redis <url>', 'keep registrations and observations in Redis (redis://HOST:PORT), shared with other server processes and kept across restarts', redisUrl)
    .option('--redis-prefix <prefix>', 'prefix of every Redis key (servers sharing a prefix share their state)', 'lwm2m:')
    .action(async (flags: { port: number; address: string; read?: string; write?: string[]; observe?: string; redis?: string; redisPrefix: string }) => {
      // Loaded here, not with the CLI: other commands do not pay for the server.
      const [{ pino }, { LwM2MServer, connectRedisStores }] = await Promise.all([import('pino'), import('../runtime/server/index.js')]);
      const log = pino({ name: 'lwm2m-server' });
      let redis: Awaited<ReturnType<typeof connectRedisStores>> | undefined;
      if (flags.redis !== undefined) {
        try {
          redis = await connectRedisStores(flags.redis, { prefix: flags.redisPrefix, onError: (e) => log.warn({ err: e.message }, 'Redis connection') });
        } catch (e) {
          log.error({ url: flags.redis, err: (e as Error).message }, 'cannot connect to Redis');
          process.exit(1);
        }
      }
      const stores = redis === undefined ? {} : { store: redis.store, observationStore: redis.observationStore };
      const server = new LwM2MServer({ port: flags.port, address: flags.address, logger: log, ...stores });
      await server.start();
      const { address, port: bound } = server.address();
      log.info({ address, port: bound, store: flags.redis === undefined ? 'memory' : 'redis' }, 'listening');
      const reads = pathList(flags.read);
      const observes = pathList(flags.observe);
      // The server logs each registration event itself; the CLI adds what it was asked to do.
      server.on('registered', (r) => void manage(server, r, reads, flags.write ?? [], observes, log));
      // Also the notifications of observations made before a restart, by a process sharing the Redis store.
      server.on('notification', (endpoint, path, node) => log.info({ endpoint, path, value: plain(nodeValue(node)) }, 'notification'));
      const stop = (): void => void server.stop().then(() => redis?.close()).then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
