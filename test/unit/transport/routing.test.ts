import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import type { EventAction, SubResource } from '../../../src/cloudevents/event-types.ts';
import { routeAgentEvent, routeSourceEvent } from '../../../src/transport/routing.ts';

const event = (sub: SubResource, action: EventAction, ext: Record<string, unknown> = {}) =>
  createEvent({ id: '1', source: 's', type: manifestBundleEventType(sub, action), ...ext });

const invalid = (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT');

describe('routeSourceEvent', () => {
  it('sends spec events to the agents of their cluster', () => {
    for (const action of ['create_request', 'update_request', 'delete_request', 'resync_response'] as const) {
      assert.deepEqual(routeSourceEvent(event('spec', action, { clustername: 'c1' })), {
        to: 'cluster',
        clusterName: 'c1',
      });
    }
  });

  it('sends a status resync request to its cluster, or to every agent without one', () => {
    assert.deepEqual(routeSourceEvent(event('status', 'resync_request', { clustername: 'c1' })), {
      to: 'cluster',
      clusterName: 'c1',
    });
    assert.deepEqual(routeSourceEvent(event('status', 'resync_request', { clustername: '' })), {
      to: 'all-agents',
    });
    assert.deepEqual(routeSourceEvent(event('status', 'resync_request')), { to: 'all-agents' });
  });

  it('rejects spec events without a cluster and events a source does not send', () => {
    assert.throws(() => routeSourceEvent(event('spec', 'create_request')), /has no 'clustername'/);
    assert.throws(() => routeSourceEvent(event('status', 'update_request', { clustername: 'c1' })), invalid);
    assert.throws(() => routeSourceEvent(event('spec', 'resync_request', { clustername: 'c1' })), invalid);
    assert.throws(
      () =>
        routeSourceEvent(
          createEvent({ id: '1', source: 's', type: 'io.open-cluster-management.cloudevents.heartbeat' }),
        ),
      invalid,
    );
  });
});

describe('routeAgentEvent', () => {
  it('sends status events and spec resync requests to originalsource, or to every source without one', () => {
    assert.deepEqual(routeAgentEvent(event('status', 'update_request', { originalsource: 'maestro' })), {
      to: 'source',
      sourceId: 'maestro',
    });
    assert.deepEqual(routeAgentEvent(event('status', 'resync_response', { originalsource: 'maestro' })), {
      to: 'source',
      sourceId: 'maestro',
    });
    assert.deepEqual(routeAgentEvent(event('spec', 'resync_request', { originalsource: '' })), {
      to: 'all-sources',
    });
    assert.deepEqual(routeAgentEvent(event('spec', 'resync_request')), { to: 'all-sources' });
  });

  it('rejects events an agent does not send', () => {
    assert.throws(() => routeAgentEvent(event('spec', 'create_request', { clustername: 'c1' })), invalid);
    assert.throws(() => routeAgentEvent(event('status', 'resync_request')), invalid);
    assert.throws(() => routeAgentEvent(event('status', 'update_request', { originalsource: 7 })), invalid);
  });
});
