#!/usr/bin/env node
/** The `lwm2m-sdk` command. */
import { Command, CommanderError } from 'commander';
import { generatorVersion } from '../codegen/version.js';
import { generateCommand } from './generate-command.js';
import { bootstrapCommand } from './bootstrap-command.js';
import { clientCommand } from './client-command.js';
import { serverCommand } from './server-command.js';
import { exitCodes } from './terminal.js';

const program = new Command('lwm2m-sdk')
  .description('OMA LwM2M for TypeScript: typed object classes, client, server and bootstrap server')
  .version(generatorVersion)
  .exitOverride()
  .showHelpAfterError('(add --help for usage)')
  .addCommand(generateCommand().exitOverride())
  .addCommand(serverCommand().exitOverride())
  .addCommand(clientCommand().exitOverride())
  .addCommand(bootstrapCommand().exitOverride());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end here too, with code 0.
    process.exitCode = e.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  } else {
    console.error(e);
    process.exitCode = 1;
  }
}
