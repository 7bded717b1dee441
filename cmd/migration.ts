import type { Command } from 'commander';
import { errorMessage } from '../src/common/errors.ts';
import { DATABASE_FLAG_NAMES, resolveServerConfig } from '../src/server/config.ts';
import { loggerFor, UsageError } from './program-context.ts';
import { addServerFlags } from './server-flags.ts';

/** Registers `maestro migration`: applies the schema migrations and exits. */
export function registerMigrationCommand(program: Command): void {
  const command = program
    .command('migration')
    .description('Apply the database schema migrations and exit (the server also runs them at start-up).');
  addServerFlags(command, DATABASE_FLAG_NAMES).action(
    async (flags: Record<string, string | boolean | undefined>) => {
      let config;
      try {
        config = resolveServerConfig({ flags });
      } catch (err: unknown) {
        throw new UsageError(errorMessage(err));
      }
      const logger = loggerFor(command);
      const [{ openDatabase }, { migrate }] = await Promise.all([
        import('../src/server/store/database.ts'),
        import('../src/server/store/migrations.ts'),
      ]);
      const database = await openDatabase({ config: config.database, logger });
      try {
        const applied = await migrate(database.pool, logger.child({ component: 'migrations' }));
        logger.info({ applied: applied.length }, 'migrations done');
      } finally {
        await database.close();
      }
    },
  );
}
