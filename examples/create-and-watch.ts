/**
 * Creates a ManifestWork (one nginx Deployment) for consumer `cluster1` with the Maestro SDK and
 * watches it until its agent reports it Available (or until Ctrl-C).
 *
 *   make run                                  # a local maestro server on :8000 (REST) and :8090 (gRPC)
 *   node examples/create-and-watch.ts         # MAESTRO_REST_URL / MAESTRO_GRPC_SERVER_ADDRESS override
 *
 * Outside this repository import from the package instead: `from '@maestro-ts/maestro'`.
 */
import {
  AlreadyExistsError,
  createConsumerClient,
  createMaestroConnection,
  createManifestWorkClient,
} from '../src/client/index.ts';
import type { ManifestWork } from '../src/client/index.ts';

const consumerName = process.argv[2] ?? 'cluster1';
const connection = createMaestroConnection({
  sourceId: 'mw-client-example',
  restUrl: process.env.MAESTRO_REST_URL ?? 'http://127.0.0.1:8000',
  grpcAddress: process.env.MAESTRO_GRPC_SERVER_ADDRESS ?? '127.0.0.1:8090',
});

const work: ManifestWork = {
  metadata: { name: 'nginx-example', labels: { app: 'nginx' } },
  spec: {
    workload: {
      manifests: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'nginx', namespace: 'default' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'nginx' } },
            template: {
              metadata: { labels: { app: 'nginx' } },
              spec: { containers: [{ name: 'nginx', image: 'quay.io/nginx/nginx-unprivileged:latest' }] },
            },
          },
        },
      ],
    },
  },
};

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

try {
  // Register the consumer (the cluster) once; a second run finds it.
  const consumers = createConsumerClient(connection);
  await consumers.create({ name: consumerName }).catch((err: unknown) => {
    if (!(err instanceof AlreadyExistsError)) throw err;
  });

  const works = createManifestWorkClient(connection, consumerName);
  try {
    const created = await works.create(work);
    console.log(`created manifestwork ${consumerName}/${work.metadata.name} (id ${created.metadata.uid})`);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    console.log(
      `manifestwork ${consumerName}/${work.metadata.name} exists (id ${works.idOf(work.metadata.name!)})`,
    );
  }

  console.log('watching (Ctrl-C to stop)…');
  for await (const event of works.watch({ labelSelector: 'app=nginx', signal: controller.signal })) {
    const conditions = event.object.status?.conditions ?? [];
    const summary = conditions.map((c) => `${c.type}=${c.status}`).join(' ') || 'no status yet';
    console.log(
      `${event.type} ${event.object.metadata.name} v${event.object.metadata.generation}: ${summary}`,
    );
    if (conditions.some((c) => c.type === 'Available' && c.status === 'True')) break;
  }
} finally {
  await connection.close();
}
