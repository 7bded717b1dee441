/**
 * The shared contract every {@link Transport} implementation must pass (memory, gRPC, MQTT, Pub/Sub,
 * AWS IoT). A test file calls {@link runTransportContractSuite} with a harness factory that starts
 * the broker and hands out transports; the suite creates, starts and stops the transports itself.
 *
 * Names it uses for clusters and sources are unique per test and match `[a-z0-9-]+` (the MQTT and
 * Pub/Sub layouts require that), so brokers with persistent subscriptions do not see old messages.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { isMaestroError, MaestroError } from '../../src/common/errors.ts';
import type { ErrorCode } from '../../src/common/errors.ts';
import {
  createEvent,
  integerExtension,
  stringExtension,
  timeExtension,
} from '../../src/cloudevents/event.ts';
import type { MaestroEvent } from '../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../src/cloudevents/event-types.ts';
import type { EventAction, SubResource } from '../../src/cloudevents/event-types.ts';
import type { Transport, TransportState } from '../../src/transport/transport.ts';
import { waitFor } from './wait.ts';

/** What a transport under test can do; the suite adapts its expectations to these. */
export interface TransportCapabilities {
  /**
   * Extensions keep their JavaScript type end to end (`resourceversion` stays a number). False when
   * the broker carries every attribute as a string (MQTT, Pub/Sub); values are then compared through
   * the coercion helpers only.
   */
  typedExtensions: boolean;
  /** The largest encoded message accepted; a bigger publish must reject with `RESOURCE_EXHAUSTED`. */
  maxMessageBytes: number;
  /** The harness can create several source transports with different ids on one broker. */
  multipleSources: boolean;
  /**
   * After {@link TransportHarness.interruptBroker} the source side emits `reconnecting` → `connected`
   * too (false when the source transport *is* the broker, as the integrated gRPC broker is).
   */
  sourceReconnects: boolean;
  /** A handler's `MaestroError` comes back to the publisher as the publish rejection (gRPC `Publish`). */
  handlerErrorsReachPublisher: boolean;
  /** A spec event for a cluster without a connected agent rejects with `UNAVAILABLE` (gRPC broker). */
  rejectsUndeliverableSpec: boolean;
}

/** One broker instance for one test. */
export interface TransportHarness {
  readonly capabilities: TransportCapabilities;
  /** A new, unstarted source-role transport. */
  createSource(sourceId: string): Promise<Transport>;
  /** A new, unstarted agent-role transport. */
  createAgent(clusterName: string): Promise<Transport>;
  /** Cuts or restarts the broker; transports must reconnect by themselves. Omit when impossible. */
  interruptBroker?(): Promise<void>;
  /** Stops the broker and frees everything (transports are already stopped by the suite). */
  teardown(): Promise<void>;
}

/** Creates a harness, or returns `{ skip }` with the reason when the broker cannot run here. */
export type TransportHarnessFactory = () => Promise<TransportHarness | { skip: string }>;

/** Registers the contract suite under `describe(name)`. */
export function runTransportContractSuite(name: string, factory: TransportHarnessFactory): void {
  describe(`transport contract: ${name}`, () => {
    let harness: TransportHarness | undefined;
    let skipReason: string | undefined;
    const started: Transport[] = [];
    const suffix = () => randomBytes(4).toString('hex');

    beforeEach(async () => {
      const created = await factory();
      if ('skip' in created) skipReason = created.skip;
      else harness = created;
    });

    afterEach(async () => {
      await Promise.all(started.splice(0).map((t) => t.stop()));
      await harness?.teardown();
      harness = undefined;
      skipReason = undefined;
    });

    /** The harness, or undefined after skipping (or failing when integration is required). */
    function use(t: TestContext): TransportHarness | undefined {
      if (harness !== undefined) return harness;
      if (process.env.MAESTRO_REQUIRE_INTEGRATION === '1') assert.fail(`broker unavailable: ${skipReason}`);
      t.skip(skipReason);
      return undefined;
    }

    async function startSource(h: TransportHarness, sourceId: string): Promise<Peer> {
      return startPeer(await h.createSource(sourceId));
    }

    async function startAgent(h: TransportHarness, clusterName: string): Promise<Peer> {
      return startPeer(await h.createAgent(clusterName));
    }

    /** Starts a source and an agent for a fresh cluster; undefined when the test was skipped. */
    async function startPair(t: TestContext) {
      const h = use(t);
      if (!h) return undefined;
      const cluster = `c-${suffix()}`;
      const sourceId = `s-${suffix()}`;
      const source = await startSource(h, sourceId);
      const agent = await startAgent(h, cluster);
      return { h, cluster, sourceId, source, agent };
    }

    async function startPeer(transport: Transport): Promise<Peer> {
      const peer = createPeer(transport);
      started.push(transport);
      await transport.start(peer.handler);
      return peer;
    }

    it('starts connected and emits connected', async (t) => {
      const h = use(t);
      if (!h) return;
      const transport = await h.createAgent(`c-${suffix()}`);
      const states: TransportState[] = [];
      transport.onStatus((s) => states.push(s.state));
      started.push(transport);
      await transport.start(async () => {});
      assert.equal(transport.state, 'connected');
      assert.equal(states.at(-1), 'connected');
    });

    it('refuses a second start with FAILED_PRECONDITION and stays connected', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { cluster, source, agent } = pair;
      await assertRejectsWith(
        agent.transport.start(async () => {}),
        'FAILED_PRECONDITION',
        `transport of agent '${cluster}' already started`,
      );
      assert.equal(agent.transport.state, 'connected');
      const event = specEvent(cluster);
      await source.transport.publish(event);
      await agent.waitForIds([event.id]);
    });

    it('delivers a spec event only to the agents of its cluster', async (t) => {
      const h = use(t);
      if (!h) return;
      const [c1, c2] = [`c-${suffix()}`, `c-${suffix()}`];
      const source = await startSource(h, `s-${suffix()}`);
      const agent1 = await startAgent(h, c1);
      const agent2 = await startAgent(h, c2);
      const e1 = specEvent(c1);
      const e2 = specEvent(c2);
      const e3 = specEvent(c1);
      for (const e of [e1, e2, e3]) await source.transport.publish(e);
      await agent1.waitForIds([e1.id, e3.id]);
      await agent2.waitForIds([e2.id]);
      assert.deepEqual(agent1.ids(), [e1.id, e3.id]);
      assert.deepEqual(agent2.ids(), [e2.id]);
      assert.deepEqual(source.ids(), []);
    });

    it('delivers a status event to the source named by originalsource', async (t) => {
      const h = use(t);
      if (!h) return;
      const cluster = `c-${suffix()}`;
      const [s1, s2] = [`s-${suffix()}`, `s-${suffix()}`];
      const source1 = await startSource(h, s1);
      const source2 = h.capabilities.multipleSources ? await startSource(h, s2) : undefined;
      const agent = await startAgent(h, cluster);
      const e1 = statusEvent(cluster, s1);
      const e2 = statusEvent(cluster, s2);
      const e3 = statusEvent(cluster, s1);
      await agent.transport.publish(e1);
      if (source2) await agent.transport.publish(e2);
      await agent.transport.publish(e3);
      await source1.waitForIds([e1.id, e3.id]);
      assert.deepEqual(source1.ids(), [e1.id, e3.id]);
      if (source2) {
        await source2.waitForIds([e2.id]);
        assert.deepEqual(source2.ids(), [e2.id]);
      }
      assert.deepEqual(agent.ids(), []);
    });

    it('answers an agent spec resync: the request reaches the source, the response the agent', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { cluster, source, agent } = pair;
      const request = buildEvent('spec', 'resync_request', {
        source: `${cluster}-work-agent`,
        clustername: cluster,
        originalsource: '',
        data: { resourceVersions: [{ resourceID: randomUUID(), resourceVersion: 1 }] },
      });
      await agent.transport.publish(request);
      await source.waitForIds([request.id]);
      const response = buildEvent('spec', 'resync_response', {
        source: 'maestro',
        clustername: cluster,
        resourceid: randomUUID(),
        resourceversion: 2,
        data: { manifests: [] },
      });
      await source.transport.publish(response);
      await agent.waitForIds([response.id]);
      assert.equal(agent.received[0]?.type, response.type);
    });

    it('delivers a status resync request to the agent of its cluster', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { cluster, source, agent } = pair;
      const request = buildEvent('status', 'resync_request', {
        source: 'maestro',
        clustername: cluster,
        data: { clusterName: cluster, hashes: [] },
      });
      await source.transport.publish(request);
      await agent.waitForIds([request.id]);
    });

    it('keeps publish order in both directions', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { cluster, sourceId, source, agent } = pair;
      const specs = Array.from({ length: 20 }, () => specEvent(cluster));
      const statuses = Array.from({ length: 20 }, () => statusEvent(cluster, sourceId));
      for (const e of specs) await source.transport.publish(e);
      for (const e of statuses) await agent.transport.publish(e);
      await agent.waitForIds(specs.map((e) => e.id));
      await source.waitForIds(statuses.map((e) => e.id));
      assert.deepEqual(
        agent.ids(),
        specs.map((e) => e.id),
      );
      assert.deepEqual(
        source.ids(),
        statuses.map((e) => e.id),
      );
    });

    it('preserves data, attributes and extensions', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { h, cluster, source, agent } = pair;
      const data = {
        manifests: [
          { kind: 'ConfigMap', data: { text: 'héllo <b>&</b> "quoted"\n', n: 42, ok: true, nil: null } },
        ],
        deleteOption: { propagationPolicy: 'Foreground' },
      };
      const sent = buildEvent('spec', 'update_request', {
        source: 'maestro',
        time: '2025-12-16T06:00:17.921Z',
        clustername: cluster,
        resourceid: randomUUID(),
        resourceversion: 7,
        sequenceid: '2000808179721572352',
        deletiontimestamp: '2025-12-16T06:01:00Z',
        metadata: JSON.stringify({ name: 'work1', labels: { app: 'x' } }),
        data,
      });
      await source.transport.publish(sent);
      const [got] = await agent.waitForIds([sent.id]);
      assert.ok(got);
      assert.equal(got.id, sent.id);
      assert.equal(got.source, sent.source);
      assert.equal(got.type, sent.type);
      assert.equal(got.specversion, '1.0');
      assert.equal(got.datacontenttype, 'application/json');
      assert.equal(Date.parse(String(got.time)), Date.parse('2025-12-16T06:00:17.921Z'));
      assert.deepEqual(got.data, data);
      assert.equal(stringExtension(got, 'clustername'), cluster);
      assert.equal(stringExtension(got, 'resourceid'), sent.resourceid);
      assert.equal(integerExtension(got, 'resourceversion'), 7);
      assert.equal(stringExtension(got, 'sequenceid'), '2000808179721572352');
      assert.equal(
        Date.parse(timeExtension(got, 'deletiontimestamp') ?? ''),
        Date.parse('2025-12-16T06:01:00Z'),
      );
      assert.deepEqual(JSON.parse(stringExtension(got, 'metadata') ?? ''), {
        name: 'work1',
        labels: { app: 'x' },
      });
      if (h.capabilities.typedExtensions) assert.equal(got.resourceversion, 7);
    });

    it('stop() is idempotent and no handler runs after it', async (t) => {
      const h = use(t);
      if (!h) return;
      const [c1, c2] = [`c-${suffix()}`, `c-${suffix()}`];
      const source = await startSource(h, `s-${suffix()}`);
      const stopped = await startAgent(h, c1);
      const witness = await startAgent(h, c2);
      const before = specEvent(c1);
      await source.transport.publish(before);
      await stopped.waitForIds([before.id]);
      await stopped.transport.stop();
      await stopped.transport.stop();
      assert.equal(stopped.transport.state, 'closed');
      if (h.capabilities.rejectsUndeliverableSpec) {
        // The broker learns about the closed stream asynchronously: publish until it does.
        await waitFor(async () => {
          return source.transport.publish(specEvent(c1)).then(
            () => false,
            (err: unknown) => isMaestroError(err, 'UNAVAILABLE'),
          );
        }, 'the broker to see the agent gone');
      } else {
        await source.transport.publish(specEvent(c1));
      }
      const marker = specEvent(c2);
      await source.transport.publish(marker);
      await witness.waitForIds([marker.id]);
      assert.deepEqual(stopped.ids(), [before.id]);
    });

    it('rejects publish after stop on both sides', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { cluster, sourceId, source, agent } = pair;
      await agent.transport.stop();
      await source.transport.stop();
      await assertRejectsWith(agent.transport.publish(statusEvent(cluster, sourceId)), 'UNAVAILABLE');
      await assertRejectsWith(source.transport.publish(specEvent(cluster)), 'UNAVAILABLE');
    });

    it('rejects events a role does not send with INVALID_ARGUMENT', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { cluster, sourceId, source } = pair;
      await assertRejectsWith(source.transport.publish(statusEvent(cluster, sourceId)), 'INVALID_ARGUMENT');
    });

    it('rejects a message over the size limit with RESOURCE_EXHAUSTED and keeps working', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { h, cluster, sourceId, source, agent } = pair;
      const padding = 'x'.repeat(h.capabilities.maxMessageBytes + 1024);
      await assertRejectsWith(
        source.transport.publish(specEvent(cluster, { padding })),
        'RESOURCE_EXHAUSTED',
      );
      await assertRejectsWith(
        agent.transport.publish(statusEvent(cluster, sourceId, { padding })),
        'RESOURCE_EXHAUSTED',
      );
      const half = 'y'.repeat(Math.floor(h.capabilities.maxMessageBytes / 2));
      const spec = specEvent(cluster, { padding: half });
      const status = statusEvent(cluster, sourceId, { padding: half });
      await source.transport.publish(spec);
      await agent.transport.publish(status);
      await agent.waitForIds([spec.id]);
      await source.waitForIds([status.id]);
    });

    it('keeps delivering after a handler throws', async (t) => {
      const pair = await startPair(t);
      if (!pair) return;
      const { h, cluster, sourceId, source, agent } = pair;
      source.failNext(new MaestroError('FAILED_PRECONDITION', 'status rejected by test'));
      agent.failNext(new MaestroError('FAILED_PRECONDITION', 'spec rejected by test'));
      const [spec1, spec2] = [specEvent(cluster), specEvent(cluster)];
      await source.transport.publish(spec1);
      await source.transport.publish(spec2);
      const [status1, status2] = [statusEvent(cluster, sourceId), statusEvent(cluster, sourceId)];
      const first = agent.transport.publish(status1);
      if (h.capabilities.handlerErrorsReachPublisher) {
        await assertRejectsWith(first, 'FAILED_PRECONDITION', 'status rejected by test');
      } else {
        await first;
      }
      await agent.transport.publish(status2);
      await agent.waitForIds([spec1.id, spec2.id]);
      await source.waitForIds([status1.id, status2.id]);
    });

    it('rejects a spec event for a cluster without agents when the broker can tell', async (t) => {
      const h = use(t);
      if (!h) return;
      if (!h.capabilities.rejectsUndeliverableSpec) {
        t.skip('fire-and-forget broker: a spec event for an absent agent is lost, as on MQTT');
        return;
      }
      const source = await startSource(h, `s-${suffix()}`);
      await assertRejectsWith(source.transport.publish(specEvent(`c-${suffix()}`)), 'UNAVAILABLE');
    });

    it('reconnects after a broker interruption, signalling reconnecting then connected', async (t) => {
      const h = use(t);
      if (!h) return;
      if (h.interruptBroker === undefined) {
        t.skip('the harness cannot interrupt this broker');
        return;
      }
      const cluster = `c-${suffix()}`;
      const sourceId = `s-${suffix()}`;
      const source = await startSource(h, sourceId);
      const agent = await startAgent(h, cluster);
      const agentStates = recordStates(agent.transport);
      const sourceStates = recordStates(source.transport);
      await h.interruptBroker();
      await waitFor(() => containsInOrder(agentStates, ['reconnecting', 'connected']), 'agent to reconnect');
      if (h.capabilities.sourceReconnects) {
        await waitFor(
          () => containsInOrder(sourceStates, ['reconnecting', 'connected']),
          'source to reconnect',
        );
      }
      const spec = specEvent(cluster);
      const status = statusEvent(cluster, sourceId);
      await source.transport.publish(spec);
      await agent.transport.publish(status);
      await agent.waitForIds([spec.id]);
      await source.waitForIds([status.id]);
    });
  });
}

/** A started transport with what it received. */
interface Peer {
  readonly transport: Transport;
  readonly handler: (event: MaestroEvent) => Promise<void>;
  readonly received: MaestroEvent[];
  ids(): string[];
  /** Waits until every id has arrived; returns those events in arrival order. */
  waitForIds(ids: string[]): Promise<MaestroEvent[]>;
  /** Makes the next handler call throw `error` (after recording the event). */
  failNext(error: Error): void;
}

function createPeer(transport: Transport): Peer {
  const received: MaestroEvent[] = [];
  let failure: Error | undefined;
  return {
    transport,
    received,
    async handler(event) {
      received.push(event);
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        throw error;
      }
    },
    ids: () => received.map((e) => e.id),
    async waitForIds(ids) {
      await waitFor(() => ids.every((id) => received.some((e) => e.id === id)), `events ${ids.join(', ')}`);
      return received.filter((e) => ids.includes(e.id));
    },
    failNext(error) {
      failure = error;
    },
  };
}

function recordStates(transport: Transport): TransportState[] {
  const states: TransportState[] = [];
  transport.onStatus((s) => states.push(s.state));
  return states;
}

function containsInOrder(states: TransportState[], expected: TransportState[]): boolean {
  let i = 0;
  for (const s of states) if (s === expected[i]) i += 1;
  return i === expected.length;
}

async function assertRejectsWith(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isMaestroError(err), `expected a MaestroError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

function buildEvent(
  subResource: SubResource,
  action: EventAction,
  init: Record<string, unknown>,
): MaestroEvent {
  return createEvent({
    id: randomUUID(),
    source: 'test',
    type: manifestBundleEventType(subResource, action),
    datacontenttype: 'application/json',
    ...init,
  });
}

function specEvent(clusterName: string, data: Record<string, unknown> = {}): MaestroEvent {
  return buildEvent('spec', 'create_request', {
    source: 'maestro',
    clustername: clusterName,
    resourceid: randomUUID(),
    resourceversion: 1,
    data: { manifests: [], ...data },
  });
}

function statusEvent(
  clusterName: string,
  originalSource: string,
  data: Record<string, unknown> = {},
): MaestroEvent {
  return buildEvent('status', 'update_request', {
    source: `${clusterName}-work-agent`,
    clustername: clusterName,
    originalsource: originalSource,
    resourceid: randomUUID(),
    resourceversion: 1,
    sequenceid: '1',
    data: { conditions: [], ...data },
  });
}
