/**
 * `maestro resourcebundle …`: apply, inspect, delete and watch resource bundles. Reads go over REST,
 * writes are CloudEvents published over gRPC as source `--grpc-source-id` (upstream's CLI).
 */
import type { Command } from 'commander';
import { createManifestWorkClient, createResourceBundleClient, NotFoundError } from '../src/client/index.ts';
import type { MaestroConnection, ResourceBundle, ResourceBundleClient } from '../src/client/index.ts';
import { addConnectionFlags, addOutputFlag, connectionFor } from './client-options.ts';
import type { OutputFormat } from './client-options.ts';
import { formatOutput, resourceBundleTable, statusTables, watchLine } from './client-output.ts';
import { loggerFor, UsageError, waitForShutdownSignal } from './program-context.ts';
import { readApplyDocument } from './resourcebundle-file.ts';
import type { ApplyDocument } from './resourcebundle-file.ts';

function positiveInteger(name: string): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${name} '${text}': use a whole number`);
    return Number(text);
  };
}

/** Runs `action` with the connection and a bundle client, closing the connection afterwards. */
async function withBundles<T>(
  command: Command,
  action: (bundles: ResourceBundleClient, connection: MaestroConnection) => Promise<T>,
): Promise<T> {
  const connection = connectionFor(command);
  try {
    return await action(createResourceBundleClient(connection), connection);
  } finally {
    await connection.close();
  }
}

/** Creates or updates what `document` describes; returns what happened and the stored bundle. */
async function apply(
  document: ApplyDocument,
  bundles: ResourceBundleClient,
  connection: MaestroConnection,
  consumer: string | undefined,
): Promise<{ action: 'created' | 'updated'; bundle: ResourceBundle }> {
  if (document.kind === 'ResourceBundle') return bundles.apply(document.bundle);
  const work = document.work;
  const namespace = work.metadata.namespace || consumer;
  if (namespace === undefined || namespace === '') {
    throw new UsageError('the manifestwork has no metadata.namespace: give the consumer with --consumer');
  }
  const works = createManifestWorkClient(connection, namespace);
  const id = works.idOf(work.metadata.name!);
  const current = await bundles.get(id).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (current === undefined) {
    await works.create(work);
    return { action: 'created', bundle: await bundles.get(id) };
  }
  const metadata = { ...work.metadata, namespace, uid: id, generation: current.version };
  const bundle = await bundles.write({ metadata, spec: work.spec }, 'update_request');
  return { action: 'updated', bundle: bundle! };
}

/** Registers `maestro resourcebundle` and its subcommands. */
export function registerResourceBundleCommand(program: Command): void {
  const resourcebundle = program
    .command('resourcebundle')
    .description('Manage resource bundles (ManifestWorks): reads over REST, writes over gRPC');
  addConnectionFlags(resourcebundle, true);

  const applyCommand = resourcebundle
    .command('apply')
    .description('create a resource bundle, or update it at its current version when it has an id')
    .requiredOption('-f, --filename <file>', 'JSON or YAML ResourceBundle or ManifestWork ("-" for stdin)')
    .option('--consumer <name>', 'consumer of a ManifestWork without metadata.namespace');
  addOutputFlag(applyCommand).action(
    async (flags: { filename: string; consumer?: string; output: OutputFormat }, cmd: Command) => {
      const document = await readApplyDocument(flags.filename);
      const result = await withBundles(cmd, (bundles, connection) =>
        apply(document, bundles, connection, flags.consumer),
      );
      if (flags.output === 'table') {
        process.stdout.write(`resource bundle '${result.bundle.id}' ${result.action}\n`);
      }
      process.stdout.write(
        formatOutput(flags.output, result.bundle, () => [resourceBundleTable([result.bundle])]),
      );
    },
  );

  const get = resourcebundle.command('get <id>').description('show a resource bundle');
  addOutputFlag(get).action(async (id: string, flags: { output: OutputFormat }, cmd: Command) => {
    const bundle = await withBundles(cmd, (bundles) => bundles.get(id));
    process.stdout.write(formatOutput(flags.output, bundle, () => [resourceBundleTable([bundle])]));
  });

  const list = resourcebundle
    .command('list')
    .description('list resource bundles (of every source)')
    .option('--search <query>', 'search, e.g. "consumer_name = \'cluster1\'"')
    .option('--page <n>', 'page number', positiveInteger('--page'), 1)
    .option('--size <n>', 'page size', positiveInteger('--size'), 100);
  addOutputFlag(list).action(
    async (flags: { search?: string; page: number; size: number; output: OutputFormat }, cmd: Command) => {
      const page = await withBundles(cmd, (bundles) =>
        bundles.list({
          page: flags.page,
          size: flags.size,
          ...(flags.search ? { search: flags.search } : {}),
        }),
      );
      process.stdout.write(formatOutput(flags.output, page, () => [resourceBundleTable(page.items)]));
    },
  );

  const status = resourcebundle.command('status <id>').description("show a resource bundle's status");
  addOutputFlag(status).action(async (id: string, flags: { output: OutputFormat }, cmd: Command) => {
    const bundle = await withBundles(cmd, (bundles) => bundles.get(id));
    const value = bundle.status ?? {};
    if (flags.output === 'table' && bundle.status === undefined) {
      process.stdout.write(`resource bundle '${id}' has no status yet\n`);
      return;
    }
    process.stdout.write(formatOutput(flags.output, value, () => statusTables(bundle)));
  });

  resourcebundle
    .command('delete <id>')
    .description('delete a resource bundle (the agent removes its resources first)')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      await withBundles(cmd, (bundles) => bundles.delete(id));
      process.stdout.write(`resource bundle '${id}' marked for deletion\n`);
    });

  const watch = resourcebundle
    .command('watch')
    .description("stream the status changes of this source's resource bundles until interrupted")
    .option('--consumer <name>', 'only this consumer')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web');
  addOutputFlag(watch).action(
    async (flags: { consumer?: string; selector?: string; output: OutputFormat }, cmd: Command) => {
      const controller = new AbortController();
      void waitForShutdownSignal(loggerFor(cmd)).then(() => controller.abort());
      await withBundles(cmd, async (bundles) => {
        const events = bundles.watch({
          ...(flags.consumer === undefined ? {} : { consumer: flags.consumer }),
          ...(flags.selector === undefined ? {} : { labelSelector: flags.selector }),
          signal: controller.signal,
        });
        for await (const event of events) {
          if (flags.output === 'table') process.stdout.write(`${watchLine(event)}\n`);
          else if (flags.output === 'json') process.stdout.write(`${JSON.stringify(event)}\n`);
          else process.stdout.write(`---\n${formatOutput('yaml', event, () => [])}`);
        }
      });
    },
  );
}
