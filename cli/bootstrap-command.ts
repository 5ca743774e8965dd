/** `lwm2m-sdk bootstrap-server --config FILE`: a bootstrap server on UDP, a log line per event. */
import { Command } from 'commander';
import { portArgument } from './port-argument.js';
import { exitCodes, paint } from './terminal.js';

export function bootstrapCommand(): Command {
  return new Command('bootstrap-server')
    .description('Run an LwM2M bootstrap server: per-endpoint server accounts from a JSON file')
    .requiredOption('-c, --config <file>', 'JSON: { "endpoints": { "<ep>": { "servers": [{ "shortServerId", "uri", "lifetime"?, "binding"?, "security"? }] } }, "default"? }')
    .option('--port <port>', 'UDP port (0: any)', portArgument, 5683)
    .option('--address <address>', 'local address to bind', '127.0.0.1')
    .action(async (flags: { config: string; port: number; address: string }) => {
      // Loaded here, not with the CLI: other commands do not pay for it.
      const [{ pino }, { BootstrapServer, BootstrapConfigError, readBootstrapConfig }] = await Promise.all([import('pino'), import('../runtime/bootstrap/index.js')]);
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
      const bs = new BootstrapServer({ config, port: flags.port, address: flags.address, logger: log });
      await bs.start();
      log.info(bs.address(), 'listening');
      bs.on('request', (endpoint, peer) => log.info({ endpoint, peer }, 'bootstrap request'));
      bs.on('failed', (endpoint, error) => log.warn({ endpoint, err: error.message }, 'bootstrap failed'));
      const stop = (): void => void bs.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
