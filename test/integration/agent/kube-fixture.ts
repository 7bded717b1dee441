/**
 * Shared set-up for the agent's Kubernetes-side integration tests: a test API server with the
 * AppliedManifestWork CRD installed from `deploy/crds`, a rate-limited client, and a work applier.
 */
import { readFile } from 'node:fs/promises';
import { after, before } from 'node:test';
import { parse } from 'yaml';
import { createSilentLogger } from '../../../src/common/logger.ts';
import type { KubeClient, KubeObject, KubeWorkApplier, ResourceRef } from '../../../src/agent/kube/index.ts';
import { createKubeClient, createWorkApplier, hubHash, isNotFound } from '../../../src/agent/kube/index.ts';
import type { Manifest, ManifestWork, ManifestWorkSpec } from '../../../src/work/types.ts';
import type { KubeTestServer } from '../../support/kube/index.ts';
import { startKubeTestServer } from '../../support/kube/index.ts';
import { waitFor } from '../../support/wait.ts';

/** A running server plus the agent-side objects under test. */
export interface KubeFixture {
  server: KubeTestServer;
  client: KubeClient;
  applier: KubeWorkApplier;
  hash: string;
  stop(): Promise<void>;
}

const CRD_PATH = new URL('../../../deploy/crds/appliedmanifestworks.yaml', import.meta.url);

/**
 * The fixture of a test file: started (server, AMW CRD served, applier) before the file's tests and
 * stopped after them. The returned object is filled in when `before` runs, so tests read it freely.
 */
export function useKubeFixture(): KubeFixture {
  const fixture = {} as KubeFixture;
  let started: KubeFixture | undefined;
  before(async () => {
    started = await startKubeFixture();
    Object.assign(fixture, started);
  });
  after(async () => {
    await started?.stop();
  });
  return fixture;
}

/** Starts the server, installs the AMW CRD and waits until discovery serves it. */
async function startKubeFixture(): Promise<KubeFixture> {
  const server = await startKubeTestServer();
  try {
    return await prepare(server);
  } catch (err: unknown) {
    await server.stop();
    throw err;
  }
}

async function prepare(server: KubeTestServer): Promise<KubeFixture> {
  const client = createKubeClient({ kubeConfig: server.kubeConfig(), qps: 1000, burst: 1000 });
  const crd = parse(await readFile(CRD_PATH, 'utf8')) as KubeObject;
  await client.create(
    { gvr: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' } },
    crd,
  );
  await waitFor(async () => {
    try {
      await client.request({
        method: 'GET',
        path: '/apis/work.open-cluster-management.io/v1/appliedmanifestworks',
      });
      return true;
    } catch {
      return false;
    }
  }, 'the AppliedManifestWork CRD to be served');
  const hash = hubHash('grpc://maestro:8091');
  const applier = createWorkApplier({ client, hubHash: hash, logger: createSilentLogger() });
  return { server, client, applier, hash, stop: () => server.stop() };
}

let workCounter = 0;

/** A ManifestWork as the agent store holds it (generation 1, fresh UID-like name). */
export function makeWork(manifests: Manifest[], spec: Partial<ManifestWorkSpec> = {}): ManifestWork {
  workCounter++;
  const name = `00000000-0000-4000-8000-${String(workCounter).padStart(12, '0')}`;
  return {
    metadata: {
      name,
      namespace: 'cluster1',
      uid: name,
      generation: 1,
      labels: { 'cloudevents.open-cluster-management.io/originalsource': 'maestro' },
    },
    spec: { workload: { manifests }, ...spec },
  };
}

/** A new generation of `work` with other manifests/spec, keeping its status. */
export function nextGeneration(
  work: ManifestWork,
  manifests: Manifest[],
  spec: Partial<ManifestWorkSpec> = {},
): ManifestWork {
  return {
    ...work,
    metadata: { ...work.metadata, generation: (work.metadata.generation ?? 0) + 1 },
    spec: { ...work.spec, ...spec, workload: { manifests } },
  };
}

/** Applies the work and returns it with the new status (as the runtime would store it). */
export async function applyAndRefresh(applier: KubeWorkApplier, work: ManifestWork): Promise<ManifestWork> {
  const applied = { ...work, status: (await applier.apply(work)).status };
  return { ...applied, status: await applier.refreshStatus(applied) };
}

/** A ConfigMap manifest. */
export function configMap(name: string, data: Record<string, string>, namespace = 'default'): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** A Deployment manifest. */
export function deployment(name: string, replicas: number, namespace = 'default'): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
      },
    },
  };
}

export const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
export const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };

/** Reads an object, or undefined when it does not exist. */
export async function getObject(client: KubeClient, ref: ResourceRef): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref);
  } catch (err: unknown) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The condition of `type` on manifest `ordinal` of a work's status. */
export function manifestCondition(work: ManifestWork, ordinal: number, type: string) {
  return work.status?.resourceStatus?.manifests?.[ordinal]?.conditions?.find((c) => c.type === type);
}

/** The work-level condition of `type`. */
export function workCondition(work: ManifestWork, type: string) {
  return work.status?.conditions?.find((c) => c.type === type);
}

/** Stores an object directly in the test server (keeping its `status`), as another actor would. */
export function seed(fx: KubeFixture, object: Manifest): void {
  fx.server.seed(object as unknown as Parameters<KubeTestServer['seed']>[0]);
}
