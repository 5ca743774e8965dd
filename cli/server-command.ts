/** `lwm2m-sdk server`: an LwM2M server on UDP with the in-memory store, a log line per event. */
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { LwM2MServer } from '../runtime/server/index.js';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new InvalidArgumentError('a port is a number in 0..65535');
  return n;
}

export function serverCommand(): Command {
  return new Command('server')
    .description('Run an LwM2M server (CoAP over UDP, registrations in memory); logs one line per event')
    .option('--port <port>', 'UDP port (0: any)', port, 5683)
    .option('--address <address>', 'local address to bind', '127.0.0.1')
    .option('--read <paths>', 'on each registration, read these paths (comma-separated, e.g. /3/0)')
    .action(async (flags: { port: number; address: string; read?: string }) => {
      const log = pino({ name: 'lwm2m-server' });
      const server = new LwM2MServer({ port: flags.port, address: flags.address, logger: log });
      await server.start();
      const { address, port: bound } = server.address();
      log.info({ address, port: bound }, 'listening');
      const reads = flags.read?.split(',').map((p) => p.trim()).filter((p) => p !== '') ?? [];
      server.on('registered', (r) => {
        log.info({ event: 'registered', endpoint: r.endpoint, lifetime: r.lifetime, lwm2m: r.lwm2mVersion, objects: r.objects.objects.map((o) => `/${o.id}@${o.version}`) }, 'registered');
        for (const path of reads) {
          server.client(r.endpoint).read(path).then(
            (node) => log.info({ endpoint: r.endpoint, path, value: node }, 'read'),
            (e: Error) => log.warn({ endpoint: r.endpoint, path, err: e.message }, 'read failed'),
          );
        }
      });
      server.on('updated', (r) => log.info({ event: 'updated', endpoint: r.endpoint }, 'updated'));
      server.on('deregistered', (r) => log.info({ event: 'deregistered', endpoint: r.endpoint }, 'deregistered'));
      server.on('expired', (r) => log.info({ event: 'expired', endpoint: r.endpoint }, 'expired'));
      const stop = (): void => void server.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
