import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  KubeClient,
  KubeWatchEvent,
  KubeWatchOptions,
  ResourceRef,
} from '../../../../src/agent/kube/index.ts';
import { createFeedbackWatches } from '../../../../src/agent/kube/feedback-watches.ts';
import { startObjectWatch } from '../../../../src/agent/kube/object-watch.ts';
import { createSilentLogger } from '../../../../src/common/logger.ts';
import { waitFor as waitForCondition } from '../../../support/wait.ts';

interface OpenWatch {
  path: string;
  options: KubeWatchOptions;
  emit(type: string, object: Record<string, unknown>): void;
  end(err?: unknown): void;
  aborted: boolean;
}

/** A client whose only working call is `watch`; every opened stream is recorded and driven by the test. */
function fakeWatchClient(): { client: KubeClient; opened: OpenWatch[]; live: () => OpenWatch[] } {
  const opened: OpenWatch[] = [];
  const client = {
    async watch(
      ref: Omit<ResourceRef, 'name'>,
      options: KubeWatchOptions,
      onEvent: (event: KubeWatchEvent) => void,
      onDone: (err?: unknown) => void,
    ) {
      let done = false;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        onDone(err);
      };
      const stream: OpenWatch = {
        path: `${ref.gvr.resource}/${ref.namespace ?? ''}`,
        options,
        aborted: false,
        emit: (type, object) => onEvent({ type, object }),
        end: finish,
      };
      opened.push(stream);
      return {
        abort() {
          stream.aborted = true;
          finish(new DOMException('aborted', 'AbortError'));
        },
      };
    },
  } as unknown as KubeClient;
  return { client, opened, live: () => opened.filter((w) => !w.aborted) };
}

const waitFor = (what: string, probe: () => boolean, timeoutMs = 2000) =>
  waitForCondition(probe, what, timeoutMs, 2);

const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
const ref = (name: string): ResourceRef => ({ gvr: DEPLOYMENTS, namespace: 'default', name });
const logger = createSilentLogger();

test('an object watch selects the one object, resumes after its last version and restarts after a 410 from scratch', async () => {
  const { client, opened } = fakeWatchClient();
  let changes = 0;
  const watch = startObjectWatch({
    client,
    ref: ref('web'),
    resourceVersion: '10',
    onChange: () => changes++,
    backoff: { baseMs: 5, maxMs: 20 },
    logger,
  });
  await waitFor('the watch', () => opened.length === 1);
  assert.equal(opened[0]?.path, 'deployments/default');
  assert.equal(opened[0]?.options.fieldSelector, 'metadata.name=web');
  assert.equal(opened[0]?.options.resourceVersion, '10');

  opened[0]?.emit('MODIFIED', { metadata: { name: 'web', resourceVersion: '12' } });
  opened[0]?.emit('BOOKMARK', { metadata: { resourceVersion: '15' } });
  assert.equal(changes, 1, 'a bookmark is not a change');
  opened[0]?.end(); // the server closed the stream normally
  await waitFor('the watch re-established', () => opened.length === 2);
  assert.equal(opened[1]?.options.resourceVersion, '15');

  opened[1]?.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
  await waitFor('the watch restarted', () => opened.length === 3);
  assert.equal(opened[1]?.aborted, true);
  assert.equal(opened[2]?.options.resourceVersion, undefined);

  watch.stop();
  assert.equal(opened[2]?.aborted, true);
  assert.equal(changes, 1);
});

test('failed watches are retried with growing delays', async () => {
  const { client, opened } = fakeWatchClient();
  const watch = startObjectWatch({
    client,
    ref: ref('web'),
    onChange: () => undefined,
    backoff: { baseMs: 30, maxMs: 1000 },
    logger,
  });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    await waitFor(`attempt ${i + 1}`, () => opened.length === i + 1);
    times.push(Date.now());
    opened[i]?.end(new Error('the server is currently unable to handle the request'));
  }
  await waitFor('attempt 4', () => opened.length === 4);
  times.push(Date.now());
  watch.stop();
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  assert.ok((gaps[0] as number) >= 25, `first retry after ~30 ms, got ${gaps[0]}`);
  assert.ok((gaps[2] as number) >= 110, `third retry after ~120 ms, got ${gaps[2]}`);
});

test('watches are shared between works, released with the last one, and capped', async () => {
  const { client, opened, live } = fakeWatchClient();
  const watches = createFeedbackWatches({ client, maxWatches: 2, logger });
  const notified: string[] = [];
  watches.onChange((uid) => notified.push(uid));

  watches.sync('w1', [{ ref: ref('a'), resourceVersion: '1' }]);
  watches.sync('w2', [{ ref: ref('a') }, { ref: ref('b') }]);
  await waitFor('two watches', () => opened.length === 2);
  assert.equal(watches.size, 2);

  opened[0]?.emit('MODIFIED', { metadata: { name: 'a', resourceVersion: '3' } });
  assert.deepEqual(notified.sort(), ['w1', 'w2']);

  watches.sync('w3', [{ ref: ref('c') }]); // over the cap: polled
  assert.equal(watches.size, 2);

  watches.sync('w1', []);
  assert.equal(live().length, 2, 'a is still wanted by w2');
  watches.sync('w2', []);
  assert.equal(live().length, 0);
  assert.equal(watches.size, 0);

  watches.sync('w3', [{ ref: ref('c') }]); // a slot is free again
  await waitFor('the watch of c', () => live().length === 1);
  watches.stop();
  assert.equal(live().length, 0);
  watches.sync('w4', [{ ref: ref('d') }]);
  assert.equal(watches.size, 0, 'nothing starts after stop');
});
