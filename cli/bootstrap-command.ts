/** `lwm2m-sdk bootstrap-server --config FILE [--dtls]`: a bootstrap server on UDP or DTLS, a log line per event. */
import { Command } from 'commander';
import { portArgument } from './port-argument.js';
import { exitCodes, paint } from './terminal.js';

export function bootstrapCommand(): Command {
  return new Command('bootstrap-server')
    .description('Run an LwM2M bootstrap server: per-endpoint server accounts from a JSON file')
    .requiredOption('-c, --config <file>', 'JSON: { "endpoints": { "<ep>": { "servers": [{ "shortServerId", "uri", "lifetime"?, "binding"?, "security"? }], "psk"?: { "identity", "key" } } }, "default"? }')
    .option('--dtls', 'listen on coaps (DTLS with PSK): each endpoint bootstraps with the "psk" its entry gives')
    .option('--port <port>', 'UDP port (0: any; 5683, or 5684 with --dtls)', portArgument)
    .option('--address <address>', 'local address to bind', '127.0.0.1')
    .action(async (flags: { config: string; dtls?: boolean; port?: number; address: string }) => {
      // Loaded here, not with the CLI: other commands do not pay for it.
      const [{ pino }, { BootstrapServer, BootstrapConfigError, readBootstrapConfig }, { MemorySecurityStore }] = await Promise.all([
        import('pino'), import('../runtime/bootstrap/index.js'), import('../runtime/server/security-store.js'),
      ]);
      let config;
      try {
        config = readBootstrapConfig(flags.config);
      } catch (e) {
        if (!(e instanceof BootstrapConfigError)) throw e;
        console.error(paint.red(`error: ${e.message}`));
        process.exitCode = exitCodes.usage;
        return;
      }
      const log = pino({ name: 'lwm2m-bootstrap' });
      // With --dtls, an endpoint's own psk is the only identity that may ask for its configuration.
      const security = flags.dtls === true ? {
        dtls: {},
        securityStore: new MemorySecurityStore(Object.entries(config.endpoints).flatMap(([endpoint, c]) =>
          c.psk === undefined ? [] : [{ endpoint, credentials: { mode: 'psk' as const, identity: c.psk.identity, key: Uint8Array.from(Buffer.from(c.psk.key, 'hex')) } }])),
      } : {};
      const bs = new BootstrapServer({ config, port: flags.port ?? (flags.dtls === true ? 5684 : 5683), address: flags.address, logger: log, ...security });
      await bs.start();
      log.info({ ...bs.address(), dtls: flags.dtls === true }, 'listening');
      bs.on('request', (endpoint, peer) => log.info({ endpoint, peer }, 'bootstrap request'));
      bs.on('failed', (endpoint, error) => log.warn({ endpoint, err: error.message }, 'bootstrap failed'));
      const stop = (): void => void bs.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
