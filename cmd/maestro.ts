#!/usr/bin/env node
/**
 * The `maestro` binary. Subcommands register themselves here; this file owns process concerns only:
 * argument parsing, exit codes (0 ok, 1 runtime failure, 2 usage/config error) and printing errors.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { LOG_LEVELS } from '../src/common/logger.ts';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './program-context.ts';
import { registerAgentCommand } from './agent.ts';
import { registerConsumerCommand } from './consumer.ts';
import { registerMigrationCommand } from './migration.ts';
import { registerPubSubCommand } from './pubsub.ts';
import { registerResourceBundleCommand } from './resourcebundle.ts';
import { registerServerCommand } from './server.ts';

function packageVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        version?: string;
      };
      if (pkg.version) return pkg.version;
    } catch {
      // not at this depth: the built binary lives one folder deeper (dist/cmd)
    }
  }
  return 'unknown';
}

/** Builds the commander program with every subcommand. */
export function createProgram(): Command {
  const program = new Command('maestro')
    .description(
      'Maestro ships Kubernetes ManifestWorks from a control plane to the clusters of a fleet as CloudEvents.\n' +
        'Run `maestro server` in the control cluster and `maestro agent` on every managed cluster.',
    )
    .version(packageVersion(), '--version', 'print the version and exit')
    .addOption(new Option('--log-level <level>', 'minimum log level').choices(LOG_LEVELS).default('info'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServerCommand(program);
  registerMigrationCommand(program);
  registerAgentCommand(program);
  registerPubSubCommand(program);
  registerConsumerCommand(program);
  registerResourceBundleCommand(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err: unknown) {
    if (err instanceof CommanderError) {
      // commander already printed the message (or the help/version text)
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return EXIT_USAGE;
    }
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILURE;
  }
}

process.exitCode = await main(process.argv);
