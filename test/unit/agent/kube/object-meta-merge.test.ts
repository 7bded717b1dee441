import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ensureObjectMeta,
  mergeOwnerReferences,
  mergeStringMap,
  withoutRemovalMarkers,
} from '../../../../src/agent/kube/object-meta-merge.ts';
import { appliedManifestWorkOwner, removalOwner } from '../../../../src/agent/kube/owner-references.ts';

const amw = { metadata: { name: 'hash-work', uid: 'u1' } };
const owner = appliedManifestWorkOwner(amw);

test('the AMW owner has neither controller nor blockOwnerDeletion', () => {
  assert.deepEqual(owner, {
    apiVersion: 'work.open-cluster-management.io/v1',
    kind: 'AppliedManifestWork',
    name: 'hash-work',
    uid: 'u1',
  });
  assert.equal(removalOwner(owner).uid, 'u1-');
});

test('labels are added or overwritten, kept otherwise, and removed by a trailing dash', () => {
  const { merged, modified } = mergeStringMap(
    { a: '1', b: '2', c: '3' },
    { a: '1', b: 'x', 'c-': '', 'd-': '' },
  );
  assert.deepEqual(merged, { a: '1', b: 'x' });
  assert.equal(modified, true);
  assert.equal(mergeStringMap({ a: '1' }, { a: '1' }).modified, false);
});

test('owner references merge by name, kind and group; a uid ending in - removes the match', () => {
  const foreign = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'x' };
  const added = mergeOwnerReferences([foreign], [owner]);
  assert.deepEqual(added, { merged: [foreign, owner], modified: true });
  assert.equal(mergeOwnerReferences([owner], [owner]).modified, false);
  const otherVersion = { ...owner, apiVersion: 'work.open-cluster-management.io/v2', uid: 'u2' };
  assert.deepEqual(mergeOwnerReferences([owner], [otherVersion]).merged, [otherVersion]);
  assert.deepEqual(mergeOwnerReferences([foreign, owner], [removalOwner(owner)]), {
    merged: [foreign],
    modified: true,
  });
  assert.deepEqual(mergeOwnerReferences([foreign], [removalOwner(owner)]), {
    merged: [foreign],
    modified: false,
  });
});

test('objects are created without removal markers', () => {
  const clean = withoutRemovalMarkers({
    metadata: {
      name: 'x',
      labels: { a: '1', 'b-': '' },
      annotations: { 'c-': '' },
      ownerReferences: [removalOwner(owner)],
    },
  });
  assert.deepEqual(clean.metadata, { name: 'x', labels: { a: '1' }, annotations: {}, ownerReferences: [] });
});

test('ensureObjectMeta keeps live-only metadata and reports changes', () => {
  const live = { metadata: { name: 'x', labels: { extra: 'y' }, resourceVersion: '5' }, data: { k: 'v' } };
  const { merged, modified } = ensureObjectMeta(live, {
    metadata: { name: 'x', labels: { app: 'a' }, ownerReferences: [owner] },
  });
  assert.equal(modified, true);
  assert.deepEqual(merged.metadata, {
    name: 'x',
    labels: { extra: 'y', app: 'a' },
    resourceVersion: '5',
    ownerReferences: [owner],
  });
  assert.equal(
    ensureObjectMeta(merged, { metadata: { labels: { app: 'a' }, ownerReferences: [owner] } }).modified,
    false,
  );
});
