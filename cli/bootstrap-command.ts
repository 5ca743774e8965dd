/** `lwm2m-sdk bootstrap-server --config FILE [--dtls] [--redis URL]`: a bootstrap server on UDP or DTLS, a log line per event. */
import { Command } from 'commander';
import { portArgument } from './port-argument.js';
import { redisUrl } from './redis-url.js';
import { exitCodes, paint } from './terminal.js';

interface Flags {
  config?: string;
  dtls?: boolean;
  port?: number;
  address: string;
  redis?: string;
  redisPrefix: string;
}

export function bootstrapCommand(): Command {
  return new Command('bootstrap-server')
    .description('Run an LwM2M bootstrap server: per-endpoint server accounts from a JSON file, or shared in Redis')
    .option('-c, --config <file>', 'JSON: { "endpoints": { "<ep>": { "servers": [{ "shortServerId", "uri", "lifetime"?, "binding"?, "security"? }], "psk"?: { "identity", "key" } } }, "default"? }')
    .option('--dtls', 'listen on coaps (DTLS with PSK): each endpoint bootstraps with the "psk" its entry in --config gives')
    .option('--port <port>', 'UDP port (0: any; 5683, or 5684 with --dtls)', portArgument)
    .option('--address <address>', 'local address to bind', '127.0.0.1')
    .option('--redis <url>', 'keep the configurations in Redis (redis://HOST:PORT), shared with other bootstrap server processes; --config entries are written there at start', redisUrl)
    .option('--redis-prefix <prefix>', 'prefix of every Redis key', 'lwm2m:')
    .action(async (flags: Flags) => {
      if (flags.config === undefined && flags.redis === undefined) {
        console.error(paint.red('error: give --config FILE, --redis URL, or both'));
        process.exitCode = exitCodes.usage;
        return;
      }
      // Loaded here, not with the CLI: other commands do not pay for it.
      const [{ pino }, { BootstrapServer, BootstrapConfigError, RedisBootstrapConfigStore, readBootstrapConfig, parseBootstrapConfig }, { MemorySecurityStore }, { connectRedis }] = await Promise.all([
        import('pino'), import('../runtime/bootstrap/index.js'), import('../runtime/server/security-store.js'), import('../runtime/server/redis-connection.js'),
      ]);
      let config;
      try {
        config = flags.config === undefined ? parseBootstrapConfig({}) : readBootstrapConfig(flags.config);
      } catch (e) {
        if (!(e instanceof BootstrapConfigError)) throw e;
        console.error(paint.red(`error: ${e.message}`));
        process.exitCode = exitCodes.usage;
        return;
      }
      const log = pino({ name: 'lwm2m-bootstrap' });
      let redis: Awaited<ReturnType<typeof connectRedis>> | undefined;
      let store;
      if (flags.redis !== undefined) {
        try {
          redis = await connectRedis(flags.redis, { onError: (e) => log.warn({ err: e.message }, 'Redis connection') });
        } catch (e) {
          log.error({ url: flags.redis, err: (e as Error).message }, 'cannot connect to Redis');
          process.exitCode = exitCodes.invalidInput;
          return;
        }
        store = new RedisBootstrapConfigStore(redis, { prefix: flags.redisPrefix, ...(config.default === undefined ? {} : { default: config.default }) });
        await store.load(config);
      }
      // With --dtls, an endpoint's own psk is the only identity that may ask for its configuration.
      const security = flags.dtls === true ? {
        dtls: {},
        securityStore: new MemorySecurityStore(Object.entries(config.endpoints).flatMap(([endpoint, c]) =>
          c.psk === undefined ? [] : [{ endpoint, credentials: { mode: 'psk' as const, identity: c.psk.identity, key: Uint8Array.from(Buffer.from(c.psk.key, 'hex')) } }])),
      } : {};
      const bs = new BootstrapServer({ config, port: flags.port ?? (flags.dtls === true ? 5684 : 5683), address: flags.address, logger: log, ...(store === undefined ? {} : { store }), ...security });
      await bs.start();
      log.info({ ...bs.address(), dtls: flags.dtls === true, store: redis === undefined ? 'memory' : 'redis' }, 'listening');
      bs.on('request', (endpoint, peer) => log.info({ endpoint, peer }, 'bootstrap request'));
      bs.on('failed', (endpoint, error) => log.warn({ endpoint, err: error.message }, 'bootstrap failed'));
      const stop = (): void => void bs.stop().then(() => redis?.close()).then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
