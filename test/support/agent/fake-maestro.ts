/**
 * Plays the Maestro server towards one agent in the agent's integration tests: it sends spec events
 * over the in-memory broker and answers the agent's spec resync requests as the server does (newer
 * versions, deletions for unknown ids).
 */
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import type { MemoryBroker } from '../../../src/transport/memory.ts';
import type { Transport } from '../../../src/transport/transport.ts';
import { parseResourceVersionList } from '../../../src/work/resync.ts';
import type { Condition, ManifestBundle, ManifestBundleStatus } from '../../../src/work/types.ts';

interface SourceResource {
  version: number;
  bundle: ManifestBundle;
  deleting: boolean;
}

/** Plays the Maestro server towards the agent of one cluster over the memory broker. */
export class FakeMaestro {
  readonly received: MaestroEvent[] = [];
  readonly resources = new Map<string, SourceResource>();
  readonly transport: Transport;

  readonly clusterName: string;

  constructor(broker: MemoryBroker, clusterName: string) {
    this.transport = broker.createSourceTransport('maestro');
    this.clusterName = clusterName;
  }

  /** Subscribes; answers spec resync requests and forgets works whose `Deleted` status arrives. */
  async start(): Promise<void> {
    await this.transport.start(async (event) => {
      this.received.push(event);
      if (event.type.endsWith('.spec.resync_request')) await this.answerResync(event);
      if (event.type.includes('.status.') && conditionOf(event, 'Deleted')?.status === 'True') {
        this.resources.delete(event.resourceid as string);
      }
    });
  }

  /** Creates or updates a work (a new version) and sends it. */
  async put(uid: string, bundle: ManifestBundle): Promise<void> {
    const version = (this.resources.get(uid)?.version ?? 0) + 1;
    this.resources.set(uid, { version, bundle, deleting: false });
    await this.send(uid, version === 1 ? 'create_request' : 'update_request');
  }

  /** Marks a work deleted and (unless `notify` is false) sends the delete request. */
  async remove(uid: string, notify = true): Promise<void> {
    const resource = this.resources.get(uid);
    if (resource === undefined) return;
    resource.deleting = true;
    if (notify) await this.send(uid, 'delete_request');
  }

  /** Sends the work's current spec event with `action`. */
  async send(
    uid: string,
    action: 'create_request' | 'update_request' | 'delete_request' | 'resync_response',
  ): Promise<void> {
    const resource = this.resources.get(uid);
    const deleting = resource?.deleting ?? true;
    const now = new Date().toISOString();
    await this.transport.publish(
      createEvent({
        id: crypto.randomUUID(),
        source: 'maestro',
        type: manifestBundleEventType('spec', action),
        datacontenttype: 'application/json',
        clustername: this.clusterName,
        resourceid: uid,
        resourceversion: resource?.version,
        deletiontimestamp: deleting ? now : undefined,
        metadata: JSON.stringify({
          name: uid,
          namespace: this.clusterName,
          uid,
          ...(deleting ? { deletionTimestamp: now } : {}),
        }),
        data: resource?.bundle,
      }),
    );
  }

  private async answerResync(event: MaestroEvent): Promise<void> {
    const known = new Map(
      parseResourceVersionList(event.data).resourceVersions.map((v) => [v.resourceID, v.resourceVersion]),
    );
    for (const [uid, resource] of this.resources) {
      if (resource.deleting || resource.version > (known.get(uid) ?? 0))
        await this.send(uid, 'resync_response');
    }
    for (const uid of known.keys()) if (!this.resources.has(uid)) await this.send(uid, 'resync_response');
  }

  /** The status events received for one work, oldest first. */
  statusEvents(uid: string): MaestroEvent[] {
    return this.received.filter((e) => e.type.includes('.status.') && e.resourceid === uid);
  }
}

/** A work-level condition of a status event. */
export function conditionOf(event: MaestroEvent, type: string): Condition | undefined {
  return ((event.data as ManifestBundleStatus).conditions ?? []).find((c) => c.type === type);
}
