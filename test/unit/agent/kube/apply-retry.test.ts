import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManifestApplyResult } from '../../../../src/agent/kube/apply-manifest.ts';
import { createApplyRetries } from '../../../../src/agent/kube/apply-retry.ts';
import { ServerSideApplyConflictError } from '../../../../src/agent/kube/apply-server-side.ts';
import { EXECUTOR_RETRY_MS, ExecutorNotAllowedError } from '../../../../src/agent/kube/executor.ts';
import { KubeApiError } from '../../../../src/agent/kube/kube-errors.ts';

const meta = {
  ordinal: 0,
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  name: 'c',
  namespace: 'default',
};
const ok: ManifestApplyResult = { meta };
const failed = (error: Error): ManifestApplyResult => ({ meta, error });
const denied = failed(
  new ExecutorNotAllowedError(
    'not allowed to apply the resource  configmaps, default c, will try again in 1m0s',
  ),
);
const conflict = failed(
  new ServerSideApplyConflictError(new KubeApiError(409, 'Apply failed with 1 conflict')),
);
const broken = failed(new KubeApiError(404, 'namespaces "x" not found'));
const clean = { gcPending: false, gcFailed: false };

test('a clean pass and a server-side-apply conflict wait for the periodic resync', () => {
  const retries = createApplyRetries({ baseMs: 10, maxMs: 1000 });
  assert.equal(retries.next('w', { results: [ok], ...clean }), undefined);
  assert.equal(retries.next('w', { results: [ok, conflict], ...clean }), undefined);
});

test('an executor denial retries after 60 s', () => {
  const retries = createApplyRetries({ baseMs: 10, maxMs: 1000 });
  assert.equal(retries.next('w', { results: [ok, denied], ...clean }), EXECUTOR_RETRY_MS);
  assert.equal(retries.next('w', { results: [denied], ...clean }), EXECUTOR_RETRY_MS);
});

test('pending deletions, failed GC and failed manifests back off per work and reset after a clean pass', () => {
  const retries = createApplyRetries({ baseMs: 10, maxMs: 50 });
  assert.equal(retries.next('w', { results: [ok], gcPending: true, gcFailed: false }), 10);
  assert.equal(retries.next('w', { results: [ok], gcPending: true, gcFailed: false }), 20);
  assert.equal(retries.next('other', { results: [broken], ...clean }), 10, 'per work');
  assert.equal(retries.next('w', { results: [ok], gcPending: false, gcFailed: true }), 40);
  assert.equal(retries.next('w', { results: [broken, denied], ...clean }), 50, 'capped, sooner than 60 s');
  assert.equal(retries.next('w', { results: [ok], ...clean }), undefined);
  assert.equal(retries.next('w', { results: [ok], gcPending: true, gcFailed: false }), 10, 'reset');
  retries.forget('w');
  assert.equal(retries.next('w', { results: [broken], ...clean }), 10);
});
