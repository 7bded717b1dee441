import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent, extensionNames } from '../../../src/cloudevents/event.ts';
import {
  DATA_TYPE_ANNOTATION,
  decodeSpecEvent,
  encodeDeletedStatusEvent,
  encodeStatusEvent,
  MANIFEST_WORK_FINALIZER,
  ORIGINAL_SOURCE_LABEL,
  parseSequenceId,
  SequenceIdGenerator,
  statusHash,
  type ManifestBundleStatus,
  type ManifestWork,
  type ObjectMeta,
} from '../../../src/work/index.ts';
import { fixtureEvent, loadFixture } from './upstream-fixtures.ts';

const RESOURCE_ID = '55c61e54-a3f6-563d-9fec-b1fe297bdfdb';
const CLUSTER = '7ff1a8f4-8811-49b4-8c19-9271bc51975e';
const DATA_TYPE = 'io.open-cluster-management.works.v1alpha1.manifestbundles';
const NOW = new Date('2025-12-16T06:00:17.921Z');

const generator = () => new SequenceIdGenerator({ now: () => NOW.getTime() });

/** The agent's work for the upstream example, with the status the agent reported in cloudevents.agent.json. */
function agentWork(): ManifestWork {
  const agentEvent = loadFixture<{ metadata: string; data: ManifestBundleStatus }>('cloudevents.agent.json');
  const work = decodeSpecEvent(fixtureEvent('cloudevents.spec.maestro.json'));
  work.metadata = JSON.parse(agentEvent.metadata) as ObjectMeta;
  work.status = {
    conditions: agentEvent.data.conditions ?? undefined,
    resourceStatus: { manifests: agentEvent.data.resourceStatus },
  };
  return work;
}

describe('agent codec: decode spec events (protocol.md §6)', () => {
  it('decodes cloudevents.spec.maestro.json into the agent work', () => {
    const event = fixtureEvent('cloudevents.spec.maestro.json');
    const work = decodeSpecEvent(event);
    const { metadata } = work;
    assert.equal(metadata.name, RESOURCE_ID, 'maestro rewrites the name to the resource id');
    assert.equal(metadata.namespace, CLUSTER);
    assert.equal(metadata.uid, RESOURCE_ID);
    assert.equal(metadata.generation, 1);
    assert.equal(metadata.resourceVersion, undefined, 'the local store assigns its own resourceVersion');
    assert.equal(metadata.creationTimestamp, '2025-12-16T06:00:17Z');
    assert.deepEqual(metadata.labels, {
      'maestro.resource.type': '2d18a7dc-c731-5753-8aa9-6b2f22e3b12b',
      [ORIGINAL_SOURCE_LABEL]: 'maestro',
    });
    assert.deepEqual(metadata.annotations, { [DATA_TYPE_ANNOTATION]: DATA_TYPE });
    assert.equal(metadata.deletionTimestamp, undefined);
    const data = event.data as Record<string, unknown>;
    assert.deepEqual(work.spec, {
      workload: { manifests: data.manifests },
      manifestConfigs: data.manifestConfigs,
    });
  });

  it('names the work after the resource id when there is no metadata, and reads string extensions', () => {
    const event = createEvent({
      ...loadFixture<Record<string, unknown>>('cloudevents_cloudevent.json'),
      resourceversion: '3',
    } as never);
    const work = decodeSpecEvent(event);
    assert.equal(work.metadata.name, '68ebf474-6709-48bb-b760-386181268064');
    assert.equal(work.metadata.namespace, 'cluster1');
    assert.equal(work.metadata.generation, 3);
    assert.equal(work.metadata.labels?.[ORIGINAL_SOURCE_LABEL], 'grpc');
    assert.deepEqual(work.spec.deleteOption, { propagationPolicy: 'Foreground' });
  });

  it('maps executer to spec.executor', () => {
    const base = loadFixture<{ data: Record<string, unknown> }>('cloudevents_cloudevent.json');
    const executer = {
      subject: { type: 'ServiceAccount', serviceAccount: { namespace: 'default', name: 'deployer' } },
    };
    const work = decodeSpecEvent(createEvent({ ...base, data: { ...base.data, executer } } as never));
    assert.deepEqual(work.spec.executor, executer);
  });

  it('copies log-tracing entries into annotations', () => {
    const event = createEvent({
      ...loadFixture('cloudevents.spec.maestro.json'),
      logtracing: '{"logging.open-cluster-management.io/trace-id":"abc","unrelated":"x"}',
    });
    const annotations = decodeSpecEvent(event).metadata.annotations;
    assert.equal(annotations?.['logging.open-cluster-management.io/trace-id'], 'abc');
    assert.equal(annotations?.unrelated, undefined);
  });

  it('decodes the delete fixture as a deleting work with the cleanup finalizer and no spec', () => {
    const work = decodeSpecEvent(fixtureEvent('cloudevents_cloudevent-delete.json'));
    assert.equal(work.metadata.uid, '68ebf474-6709-48bb-b760-386181268064');
    assert.equal(work.metadata.namespace, 'cluster1');
    assert.equal(work.metadata.generation, 1);
    assert.equal(work.metadata.deletionTimestamp, '2024-10-15T09:54:06.582625606Z');
    assert.deepEqual(work.metadata.finalizers, [MANIFEST_WORK_FINALIZER]);
    assert.deepEqual(work.spec, { workload: {} }, 'data ({}) is ignored on deletion');
  });

  it('accepts a delete without resourceversion (upstream broker resync deletes)', () => {
    const event = createEvent({
      id: 'x',
      source: 'source',
      type: `${DATA_TYPE}.spec.resync_response`,
      clustername: 'cluster1',
      originalsource: '',
      resourceid: '0b7c0000-0000-0000-0000-000000000000',
      deletiontimestamp: '2025-12-16T08:00:00.5Z',
    });
    const work = decodeSpecEvent(event);
    assert.equal(work.metadata.deletionTimestamp, '2025-12-16T08:00:00.5Z');
    assert.equal(work.metadata.generation, undefined);
  });

  it('rejects a non-delete without resourceversion, an invalid bundle and a status event', () => {
    const base = loadFixture<Record<string, unknown>>('cloudevents_cloudevent.json');
    const invalid = (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT');
    assert.throws(
      () => decodeSpecEvent(createEvent({ ...base, resourceversion: undefined } as never)),
      invalid,
    );
    assert.throws(
      () => decodeSpecEvent(createEvent({ ...base, data: { manifests: [{ kind: 'ConfigMap' }] } } as never)),
      (err) =>
        isMaestroError(err, 'INVALID_ARGUMENT') &&
        err.details.includes('manifests[0].apiVersion: is required'),
    );
    assert.throws(() => decodeSpecEvent(fixtureEvent('cloudevents.agent.json')), invalid);
  });
});

describe('agent codec: encode status events (protocol.md §5.4)', () => {
  it('encodes the status the way cloudevents.agent.json shows it', () => {
    const expected = loadFixture<Record<string, unknown>>('cloudevents.agent.json');
    const event = encodeStatusEvent(agentWork(), {
      source: expected.source as string,
      sequenceIds: generator(),
      now: NOW,
    });
    assert.equal(event.type, expected.type);
    assert.equal(event.source, expected.source);
    assert.equal(event.datacontenttype, 'application/json');
    assert.equal(event.time, NOW.toISOString());
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    for (const name of [
      'clustername',
      'resourceid',
      'resourceversion',
      'originalsource',
      'statushash',
      'logtracing',
      'metadata',
    ]) {
      assert.deepEqual(event[name], expected[name], name);
    }
    assert.deepEqual(parseSequenceId(event.sequenceid as string), {
      timestampMs: NOW.getTime(),
      node: 1,
      step: 0,
    });
    assert.deepEqual(event.data, expected.data);
    assert.deepEqual(extensionNames(event).sort(), extensionNames(createEvent(expected as never)).sort());
  });

  it('uses the generation as resourceversion, drops the local resourceVersion and issues increasing sequence ids', () => {
    const work = agentWork();
    work.metadata.generation = 4;
    work.metadata.resourceVersion = '17';
    const sequenceIds = new SequenceIdGenerator();
    const first = encodeStatusEvent(work, { source: 'agent', sequenceIds });
    const second = encodeStatusEvent(work, { source: 'agent', sequenceIds, action: 'resync_response' });
    assert.equal(first.resourceversion, 4);
    assert.equal(JSON.parse(first.metadata as string).resourceVersion, undefined);
    assert.ok(BigInt(second.sequenceid as string) > BigInt(first.sequenceid as string));
    assert.equal(second.type, `${DATA_TYPE}.status.resync_response`);
  });

  it('writes conditions as null and leaves resourceStatus out when the work has no status', () => {
    const work = agentWork();
    delete work.status;
    const event = encodeStatusEvent(work, { source: 'agent', sequenceIds: generator() });
    assert.deepEqual(event.data, { conditions: null });
    assert.equal(event.statushash, statusHash({ conditions: null }));
  });

  it('refuses to encode a work without the originalsource label', () => {
    const work = agentWork();
    delete work.metadata.labels?.[ORIGINAL_SOURCE_LABEL];
    assert.throws(
      () => encodeStatusEvent(work, { source: 'agent', sequenceIds: generator() }),
      (err) => isMaestroError(err, 'FAILED_PRECONDITION') && err.message.includes(ORIGINAL_SOURCE_LABEL),
    );
  });

  it('builds the Deleted handshake status with the last status plus Deleted=True', () => {
    const work = agentWork();
    work.metadata.deletionTimestamp = '2025-12-16T07:09:59Z';
    const event = encodeDeletedStatusEvent(work, { source: 'agent', sequenceIds: generator(), now: NOW });
    const data = event.data as ManifestBundleStatus;
    assert.equal(event.type, `${DATA_TYPE}.status.update_request`);
    assert.deepEqual(data.conditions?.at(-1), {
      type: 'Deleted',
      status: 'True',
      lastTransitionTime: '2025-12-16T06:00:17Z',
      reason: 'ManifestsDeleted',
      message: `The manifests are deleted from the cluster ${CLUSTER}`,
    });
    assert.equal(data.conditions?.[0].type, 'Applied', 'earlier conditions are kept');
    assert.equal(event.statushash, statusHash(data));
    assert.equal(JSON.parse(event.metadata as string).deletionTimestamp, '2025-12-16T07:09:59Z');
    assert.equal(work.status?.conditions?.length, 1, 'the work itself is not modified');
  });
});
