/**
 * `lwm2m-sdk client`: a simulated device with the core objects (Device with a battery that
 * runs down, ...) plus sample instances of every object of a generated package, registered
 * with one server. Logs one line per event.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import type { ObjectDescriptor } from '../registry/descriptor.js';
import { exitCodes, paint } from './terminal.js';

interface Flags {
  endpoint: string;
  server: string;
  factory?: string;
  lwm2m: '1.0' | '1.1' | '1.2';
  lifetime: number;
  package?: string;
}

function seconds(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('a lifetime is a whole number of seconds >= 1');
  return Number(value);
}

function version(value: string): '1.0' | '1.1' | '1.2' {
  if (value !== '1.0' && value !== '1.1' && value !== '1.2') throw new InvalidArgumentError('1.0, 1.1 or 1.2');
  return value;
}

export function clientCommand(): Command {
  return new Command('client')
    .description('Run a simulated LwM2M device: the core objects plus those of a generated package, registered with a server')
    .requiredOption('-e, --endpoint <name>', 'endpoint client name (ep)')
    .option('-s, --server <uri>', 'server URI', 'coap://127.0.0.1:5683')
    .option('--lwm2m <version>', 'LwM2M version to register with (falls back on 4.12)', version, '1.1')
    .option('--lifetime <seconds>', 'registration lifetime', seconds, 300)
    .option('--package <dir>', 'a package made by `lwm2m-sdk generate`: one sample instance of each of its objects')
    .option('--factory <file>', 'factory bootstrap JSON: { "servers"?: [...], "bootstrap"?: { "uri" }, "acl"?: [...] } instead of --server')
    .action(async (flags: Flags) => {
      const objectTypes = flags.package ? await loadObjectTypes(flags.package) : [];
      if (objectTypes === undefined) {
        process.exitCode = exitCodes.usage;
        return;
      }
      // Loaded here, not with the CLI: other commands do not pay for the client.
      const [{ pino }, { LwM2MClient, simulatedObjects, readFactoryBootstrap, ClientError }] = await Promise.all([import('pino'), import('../runtime/client/index.js')]);
      let factory;
      try {
        factory = flags.factory ? readFactoryBootstrap(flags.factory) : undefined;
      } catch (e) {
        if (!(e instanceof ClientError)) throw e;
        console.error(paint.red(`error: ${e.message}`));
        process.exitCode = exitCodes.usage;
        return;
      }
      const log = pino({ name: 'lwm2m-client' });
      const client = new LwM2MClient({
        endpoint: flags.endpoint,
        objects: simulatedObjects({ objectTypes }),
        ...(factory ? { factory } : { servers: [{ uri: flags.server, shortServerId: 1, lifetime: flags.lifetime }] }),
        lwm2mVersion: flags.lwm2m,
        logger: log,
      });
      await client.start();
      const stop = (): void => void client.stop().finally(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

type ObjectTypeLike = { readonly descriptor: ObjectDescriptor; readonly Instance?: never };

/** The object types a generated package exports (values carrying a descriptor and an Instance class). */
async function loadObjectTypes(dir: string): Promise<ObjectTypeLike[] | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(dir, 'index.js')).href)) as Record<string, unknown>;
  } catch (e) {
    console.error(paint.red(`error: --package ${dir}: cannot load index.js (${(e as Error).message})`));
    return undefined;
  }
  return Object.values(mod).filter((v): v is ObjectTypeLike => typeof v === 'object' && v !== null && 'descriptor' in v && 'Instance' in v);
}
