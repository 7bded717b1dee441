/**
 * `feedbackScrapeType: Watch` end to end in one agent runtime against the Kubernetes test API server:
 * with an hour-long `--status-sync-interval`, a watched Deployment's status change reaches the source
 * at once while a polled one's does not; the watch is re-established after failures, capped by
 * `--max-feedback-watch`, and closed when the work is deleted.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentEventCodec } from '../../../src/agent/agent-codec.ts';
import { createAgentRuntime } from '../../../src/agent/agent-runtime.ts';
import type { KubeWorkApplier } from '../../../src/agent/kube/index.ts';
import { createKubeClient, createWorkApplier, hubHash } from '../../../src/agent/kube/index.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { createMemoryBroker } from '../../../src/transport/memory.ts';
import type { ManifestBundle, ManifestBundleStatus } from '../../../src/work/types.ts';
import { startKubeTestServer } from '../../support/kube/index.ts';
import type { KubeTestServer } from '../../support/kube/index.ts';
import { FakeMaestro, conditionOf } from '../../support/agent/fake-maestro.ts';
import {
  agentKubeConfig,
  installAppliedManifestWorkCrd,
  markDeploymentAvailable,
  waitFor,
} from '../../support/agent/kube-fixtures.ts';

const CLUSTER = 'cluster1';
const WATCHED = '6f1c2b8e-0001-4d7a-9c51-000000000001';
const POLLED = '6f1c2b8e-0002-4d7a-9c51-000000000002';
const HOUR_MS = 3_600_000;

interface World {
  kube: KubeTestServer;
  maestro: FakeMaestro;
  applier: KubeWorkApplier;
}

async function setup(t: TestContext, maxFeedbackWatch?: number): Promise<World> {
  const kube = await startKubeTestServer();
  t.after(() => kube.stop());
  await installAppliedManifestWorkCrd(kube);
  const broker = createMemoryBroker();
  const maestro = new FakeMaestro(broker, CLUSTER);
  await maestro.start();
  t.after(() => maestro.transport.stop());
  const logger = createSilentLogger();
  const client = createKubeClient({ kubeConfig: agentKubeConfig(kube), logger });
  const applier = createWorkApplier({
    client,
    hubHash: hubHash('memory-broker'),
    maxFeedbackWatch,
    watchBackoff: { baseMs: 20, maxMs: 200 },
    logger,
  });
  const agent = createAgentRuntime({
    consumerName: CLUSTER,
    transport: broker.createAgentTransport(CLUSTER),
    codec: createAgentEventCodec({ clientId: `${CLUSTER}-work-agent`, clusterName: CLUSTER }),
    applier,
    registry: applier,
    logger,
    statusSyncIntervalMs: HOUR_MS, // polling never happens during the test
    evictionGracePeriodMs: HOUR_MS,
    deletionPollMs: 20,
    retryBaseMs: 20,
  });
  t.after(async () => {
    await agent.stop();
    applier.stop();
  });
  await agent.start();
  return { kube, maestro, applier };
}

function bundle(name: string, scrape?: 'Watch' | 'Poll'): ManifestBundle {
  return {
    manifests: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'default' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
          },
        },
      },
    ],
    manifestConfigs: [
      {
        resourceIdentifier: { group: 'apps', resource: 'deployments', name, namespace: 'default' },
        feedbackRules: [{ type: 'WellKnownStatus' }],
        ...(scrape ? { feedbackScrapeType: scrape } : {}),
      },
    ],
  };
}

function readyReplicas(event: MaestroEvent): number | undefined {
  const manifests = (event.data as ManifestBundleStatus).resourceStatus ?? [];
  const values = manifests[0]?.statusFeedback?.values ?? [];
  return values.find((v) => v.name === 'ReadyReplicas')?.fieldValue.integer;
}

const withReadyReplicas = (w: World, uid: string, n: number) => () =>
  w.maestro.statusEvents(uid).find((e) => readyReplicas(e) === n);

const applied = (w: World, uid: string) => () =>
  w.maestro.statusEvents(uid).find((e) => conditionOf(e, 'Available')?.status === 'True');

test('a watched object change is published at once; a polled one waits for the status sync', async (t) => {
  const w = await setup(t);
  await w.maestro.put(WATCHED, bundle('watched', 'Watch'));
  await w.maestro.put(POLLED, bundle('polled', 'Poll'));
  await waitFor('first status of the watched work', applied(w, WATCHED));
  await waitFor('first status of the polled work', applied(w, POLLED));
  assert.equal(w.applier.feedbackWatchCount, 1, 'only the Watch manifest is watched');

  // The polled Deployment changes first, so a watch on it would have reported it first.
  await markDeploymentAvailable(w.kube, 'default', 'polled');
  await markDeploymentAvailable(w.kube, 'default', 'watched');
  await waitFor('the watched change published', withReadyReplicas(w, WATCHED, 1));
  await markDeploymentAvailable(w.kube, 'default', 'watched', 2);
  await waitFor('the second watched change published', withReadyReplicas(w, WATCHED, 2));
  assert.equal(
    w.maestro.statusEvents(POLLED).filter((e) => readyReplicas(e) !== undefined).length,
    0,
    'the polled work reports its feedback only at the next status sync',
  );

  await w.maestro.remove(WATCHED);
  await waitFor('Deleted status', () =>
    w.maestro.statusEvents(WATCHED).find((e) => conditionOf(e, 'Deleted')?.status === 'True'),
  );
  assert.equal(w.applier.feedbackWatchCount, 0, 'no watch left after the work is deleted');
});

test('a watch that fails is re-established with backoff', async (t) => {
  const w = await setup(t);
  w.kube.injectFailure({ verb: 'watch', status: 500, count: 3 });
  await w.maestro.put(WATCHED, bundle('watched', 'Watch'));
  await waitFor('first status', applied(w, WATCHED));
  await waitFor('the failing watch requests', () =>
    w.kube.requests().filter((r) => r.verb === 'watch').length >= 4 ? true : undefined,
  );
  await markDeploymentAvailable(w.kube, 'default', 'watched');
  await waitFor('the change published through the re-established watch', withReadyReplicas(w, WATCHED, 1));
});

test('beyond --max-feedback-watch objects are polled; removing the manifest stops its watch', async (t) => {
  const w = await setup(t, 1);
  await w.maestro.put(WATCHED, bundle('watched', 'Watch'));
  await waitFor('first status of the first work', applied(w, WATCHED));
  await w.maestro.put(POLLED, bundle('second', 'Watch'));
  await waitFor('first status of the second work', applied(w, POLLED));
  assert.equal(w.applier.feedbackWatchCount, 1);

  await markDeploymentAvailable(w.kube, 'default', 'second');
  await markDeploymentAvailable(w.kube, 'default', 'watched');
  await waitFor('the watched change published', withReadyReplicas(w, WATCHED, 1));
  await markDeploymentAvailable(w.kube, 'default', 'watched', 2);
  await waitFor('the second watched change published', withReadyReplicas(w, WATCHED, 2));
  assert.equal(
    w.maestro.statusEvents(POLLED).filter((e) => readyReplicas(e) !== undefined).length,
    0,
    'the object over the limit is not watched',
  );

  // a new generation that no longer asks for Watch releases the watch
  await w.maestro.put(WATCHED, bundle('watched', 'Poll'));
  await waitFor('the watch released', () => w.applier.feedbackWatchCount === 0);
});
