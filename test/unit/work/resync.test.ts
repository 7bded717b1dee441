import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import {
  createSpecResyncRequest,
  createStatusResyncRequest,
  parseResourceVersionList,
  parseStatusHashList,
} from '../../../src/work/index.ts';
import { loadFixture } from './upstream-fixtures.ts';

const DATA_TYPE = 'io.open-cluster-management.works.v1alpha1.manifestbundles';

describe('resync requests (protocol.md §5.6, §5.7)', () => {
  it('builds the agent spec resync request', () => {
    const versions = [{ resourceID: '55c61e54-a3f6-563d-9fec-b1fe297bdfdb', resourceVersion: 1 }];
    const event = createSpecResyncRequest(versions, {
      source: 'cluster1-work-agent',
      clusterName: 'cluster1',
    });
    assert.equal(event.type, `${DATA_TYPE}.spec.resync_request`);
    assert.equal(event.source, 'cluster1-work-agent');
    assert.equal(event.clustername, 'cluster1');
    assert.equal(event.originalsource, '');
    assert.equal(event.resourceid, undefined);
    assert.equal(event.datacontenttype, 'application/json');
    assert.deepEqual(event.data, { resourceVersions: versions });
    assert.deepEqual(parseResourceVersionList(event.data), { resourceVersions: versions });
  });

  it('builds the status resync request, with an empty list meaning everything', () => {
    const event = createStatusResyncRequest([], { source: 'maestro', clusterName: '' });
    assert.equal(event.type, `${DATA_TYPE}.status.resync_request`);
    assert.deepEqual(event.data, { statusHashes: [] });
  });

  it('parses the upstream status resync example', () => {
    assert.deepEqual(parseStatusHashList(loadFixture('cloudevents_cloudevent-status-resync.json').data), {
      statusHashes: [],
    });
    const hashes = [{ resourceID: 'r1', statusHash: 'abc' }];
    assert.deepEqual(parseStatusHashList({ statusHashes: hashes }), { statusHashes: hashes });
  });

  it('rejects malformed payloads', () => {
    const invalid = (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT');
    assert.throws(() => parseResourceVersionList(undefined), invalid);
    assert.throws(() => parseResourceVersionList({ resourceVersions: {} }), invalid);
    assert.throws(() => parseResourceVersionList({ resourceVersions: [{ resourceVersion: 1 }] }), invalid);
    assert.throws(
      () => parseResourceVersionList({ resourceVersions: [{ resourceID: 'x', resourceVersion: '1' }] }),
      invalid,
    );
    assert.throws(() => parseStatusHashList({ statusHashes: [{ resourceID: 'x', statusHash: 5 }] }), invalid);
  });
});
