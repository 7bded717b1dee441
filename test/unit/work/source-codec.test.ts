import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent, extensionNames } from '../../../src/cloudevents/event.ts';
import {
  decodeStatusEvent,
  encodeSpecRequest,
  SEQUENCE_ID_ANNOTATION,
  withSourceIdentity,
  type ManifestWork,
} from '../../../src/work/index.ts';
import { fixtureEvent, loadFixture } from './upstream-fixtures.ts';

const SOURCE = 'mw-client-example';
const CLUSTER = '7ff1a8f4-8811-49b4-8c19-9271bc51975e';
const RESOURCE_ID = '55c61e54-a3f6-563d-9fec-b1fe297bdfdb';
const DATA_TYPE = 'io.open-cluster-management.works.v1alpha1.manifestbundles';

const clientWork = (): ManifestWork =>
  withSourceIdentity(loadFixture<ManifestWork>('manifestwork.json'), SOURCE, CLUSTER);

describe('source codec: encode spec requests (Go client SDK)', () => {
  it('gives a new work the uid, namespace and resourceVersion the Go SDK gives it', () => {
    const { metadata } = clientWork();
    assert.equal(metadata.uid, RESOURCE_ID);
    assert.equal(metadata.namespace, CLUSTER);
    assert.equal(metadata.resourceVersion, '0');
  });

  it('encodes manifestwork.json like cloudevents.grpcclient.json', () => {
    const expected = fixtureEvent('cloudevents.grpcclient.json');
    const event = encodeSpecRequest(clientWork(), { source: SOURCE, action: 'create_request' });
    assert.equal(event.type, expected.type);
    assert.equal(event.source, expected.source);
    assert.equal(event.datacontenttype, 'application/json');
    assert.deepEqual(extensionNames(event).sort(), extensionNames(expected).sort());
    for (const name of extensionNames(expected)) assert.deepEqual(event[name], expected[name], name);
    assert.deepEqual(event.data, expected.data);
  });

  it('uses the generation as resourceversion on update', () => {
    const work = clientWork();
    work.metadata.generation = 3;
    const event = encodeSpecRequest(work, { source: SOURCE, action: 'update_request' });
    assert.equal(event.type, `${DATA_TYPE}.spec.update_request`);
    assert.equal(event.resourceversion, 3);
  });

  it('encodes a delete with deletiontimestamp, the time in metadata, and no data', () => {
    const now = new Date('2025-12-16T07:09:59.250Z');
    const event = encodeSpecRequest(clientWork(), { source: SOURCE, action: 'delete_request', now });
    assert.equal(event.type, `${DATA_TYPE}.spec.delete_request`);
    assert.equal(event.deletiontimestamp, '2025-12-16T07:09:59Z');
    assert.equal(JSON.parse(event.metadata as string).deletionTimestamp, '2025-12-16T07:09:59Z');
    assert.equal(event.data, undefined);
    assert.equal(event.datacontenttype, undefined);
    assert.equal(event.resourceid, RESOURCE_ID);
  });

  it('rejects a work without uid or with a non-numeric resourceVersion', () => {
    const work = loadFixture<ManifestWork>('manifestwork.json');
    assert.throws(
      () => encodeSpecRequest(work, { source: SOURCE, action: 'create_request' }),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT'),
    );
    const identified = clientWork();
    identified.metadata.resourceVersion = 'abc';
    assert.throws(
      () => encodeSpecRequest(identified, { source: SOURCE, action: 'update_request' }),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT'),
    );
  });
});

describe('source codec: decode relayed status events', () => {
  it('decodes cloudevents.status.maestro.json into a work like manifestwork.watched.json', () => {
    const watched = loadFixture<ManifestWork>('manifestwork.watched.json');
    const { work, sequenceId, deleted } = decodeStatusEvent(fixtureEvent('cloudevents.status.maestro.json'));
    assert.equal(deleted, false);
    assert.equal(sequenceId, '2000808179729960960');
    // The docs' relayed event carries the resource id as name (protocol.md §17.3); otherwise the metadata matches.
    assert.equal(work.metadata.name, RESOURCE_ID);
    for (const field of [
      'namespace',
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'labels',
    ] as const) {
      assert.deepEqual(work.metadata[field], watched.metadata[field], field);
    }
    assert.equal(work.metadata.annotations?.[SEQUENCE_ID_ANNOTATION], sequenceId);
    assert.deepEqual(work.spec, watched.spec);
    assert.deepEqual(work.status?.conditions, watched.status?.conditions);
    const manifest = work.status?.resourceStatus?.manifests?.[0];
    const watchedManifest = watched.status?.resourceStatus?.manifests?.[0];
    assert.deepEqual(manifest?.resourceMeta, watchedManifest?.resourceMeta);
    assert.deepEqual(manifest?.conditions, watchedManifest?.conditions);
    assert.equal(manifest?.statusFeedback?.values?.[0].fieldValue.type, 'JsonRaw');
  });

  it('keeps the client work name carried in metadata', () => {
    const base = loadFixture<Record<string, unknown>>('cloudevents.status.maestro.json');
    const metadata = JSON.stringify({ name: 'e44ec579-9646-549a-b679-db8d19d6da37', namespace: CLUSTER });
    const { work } = decodeStatusEvent(createEvent({ ...base, metadata } as never));
    assert.equal(work.metadata.name, 'e44ec579-9646-549a-b679-db8d19d6da37');
  });

  it('decodes an agent status without manifestBundle and flags Deleted=True', () => {
    const base = loadFixture<{ data: { conditions: unknown[] } } & Record<string, unknown>>(
      'cloudevents.agent.json',
    );
    const deletedCondition = {
      type: 'Deleted',
      status: 'True',
      lastTransitionTime: '2025-12-16T07:10:01Z',
      reason: 'ManifestsDeleted',
      message: `The manifests are deleted from the cluster ${CLUSTER}`,
    };
    const event = createEvent({
      ...base,
      data: { ...base.data, conditions: [...base.data.conditions, deletedCondition] },
    } as never);
    const { work, deleted } = decodeStatusEvent(event);
    assert.equal(deleted, true);
    assert.deepEqual(work.spec, { workload: {} });
    assert.equal(work.metadata.name, 'e44ec579-9646-549a-b679-db8d19d6da37');
    assert.equal(work.status?.resourceStatus?.manifests?.length, 1);
  });

  it('rejects a status event without sequenceid and a spec event', () => {
    const base = loadFixture<Record<string, unknown>>('cloudevents.agent.json');
    assert.throws(
      () => decodeStatusEvent(createEvent({ ...base, sequenceid: undefined } as never)),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT') && err.message.includes('sequenceid'),
    );
    assert.throws(
      () => decodeStatusEvent(fixtureEvent('cloudevents.grpcclient.json')),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT'),
    );
  });
});
