/**
 * `maestro consumer …`: register, inspect, relabel and delete consumers (clusters) over the REST API,
 * with upstream's subcommands and flags.
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { createConsumerClient } from '../src/client/index.ts';
import type { ConsumerClient } from '../src/client/index.ts';
import { addConnectionFlags, addOutputFlag, connectionFor } from './client-options.ts';
import type { OutputFormat } from './client-options.ts';
import { consumerTable, formatOutput } from './client-output.ts';
import { UsageError } from './program-context.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses repeated `--label k=v` values; throws {@link UsageError} for one without `=`. */
export function parseLabelFlags(values: readonly string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const text of values ?? []) {
    const at = text.indexOf('=');
    if (at <= 0) throw new UsageError(`invalid --label '${text}': use key=value`);
    labels[text.slice(0, at)] = text.slice(at + 1);
  }
  return labels;
}

function positiveInteger(name: string): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${name} '${text}': use a whole number`);
    return Number(text);
  };
}

/** Runs `action` with a consumer client, closing the connection afterwards. */
async function withConsumers<T>(
  command: Command,
  action: (consumers: ConsumerClient) => Promise<T>,
): Promise<T> {
  const connection = connectionFor(command);
  try {
    return await action(createConsumerClient(connection));
  } finally {
    await connection.close();
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Registers `maestro consumer` and its subcommands. */
export function registerConsumerCommand(program: Command): void {
  const consumer = program
    .command('consumer')
    .description('Manage consumers (the clusters agents run on) through the REST API');
  addConnectionFlags(consumer, false);

  const create = consumer
    .command('create <name>')
    .description('register a consumer')
    .option('--label <key=value>', 'a label (repeatable)', collect);
  addOutputFlag(create).action(
    async (name: string, flags: { label?: string[]; output: OutputFormat }, cmd: Command) => {
      const labels = parseLabelFlags(flags.label);
      const created = await withConsumers(cmd, (c) =>
        c.create({ name, ...(Object.keys(labels).length > 0 ? { labels } : {}) }),
      );
      process.stdout.write(formatOutput(flags.output, created, () => [consumerTable([created])]));
    },
  );

  const get = consumer.command('get <id>').description('show a consumer by id');
  addOutputFlag(get).action(async (id: string, flags: { output: OutputFormat }, cmd: Command) => {
    const found = await withConsumers(cmd, (c) => c.get(id));
    process.stdout.write(formatOutput(flags.output, found, () => [consumerTable([found])]));
  });

  const list = consumer
    .command('list')
    .description('list consumers')
    .option('--search <query>', 'search, e.g. "name like \'prod%\'"')
    .option('--page <n>', 'page number', positiveInteger('--page'), 1)
    .option('--size <n>', 'page size', positiveInteger('--size'), 100);
  addOutputFlag(list).action(
    async (flags: { search?: string; page: number; size: number; output: OutputFormat }, cmd: Command) => {
      const page = await withConsumers(cmd, (c) =>
        c.list({ page: flags.page, size: flags.size, ...(flags.search ? { search: flags.search } : {}) }),
      );
      process.stdout.write(formatOutput(flags.output, page, () => [consumerTable(page.items)]));
    },
  );

  const update = consumer
    .command('update <id>')
    .description("change a consumer's labels")
    .option('--label <key=value>', 'add or change a label (repeatable)', collect)
    .option('--remove-label <key>', 'remove a label (repeatable)', collect);
  addOutputFlag(update).action(
    async (
      id: string,
      flags: { label?: string[]; removeLabel?: string[]; output: OutputFormat },
      cmd: Command,
    ) => {
      const changes = parseLabelFlags(flags.label);
      if (Object.keys(changes).length === 0 && (flags.removeLabel ?? []).length === 0) {
        throw new UsageError('nothing to update: give --label or --remove-label');
      }
      const updated = await withConsumers(cmd, async (c) => {
        const labels = { ...(await c.get(id)).labels, ...changes };
        for (const key of flags.removeLabel ?? []) delete labels[key];
        return c.updateLabels(id, labels);
      });
      process.stdout.write(formatOutput(flags.output, updated, () => [consumerTable([updated])]));
    },
  );

  consumer
    .command('delete <id>')
    .description('delete a consumer (refused while resource bundles reference it)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id: string, flags: { yes?: boolean }, cmd: Command) => {
      if (flags.yes !== true && !(await confirm(`delete consumer '${id}'? [y/N] `))) {
        throw new UsageError('deletion not confirmed (use --yes to skip the question)');
      }
      await withConsumers(cmd, (c) => c.delete(id));
      process.stdout.write(`consumer '${id}' deleted\n`);
    });
}
