/**
 * The agent's in-memory ManifestWork store, keyed by work UID (the Maestro resource id). It applies
 * upstream's `HandleReceivedResource` rules (protocol.md §13, agent.md §5.2) to every decoded spec
 * event, keeps the status the agent computed, and bumps a local `resourceVersion` counter on every
 * change. It starts empty at every process start; the spec resync refills it (agent.md §5.6).
 */
import type { ManifestWork, ManifestWorkStatus } from '../work/types.ts';
import { MANIFEST_WORK_FINALIZER } from '../work/types.ts';

/** What {@link WorkStore.receive} did with an incoming work. */
export type ReceiveOutcome =
  /** Unknown UID: stored. */
  | 'added'
  /** Known UID under another namespace/name: the old entry was dropped and the new one stored. */
  | 'replaced'
  /** Spec and metadata replaced; local finalizers and status kept. */
  | 'updated'
  /** The work is now (or still) being deleted. */
  | 'deleting'
  /** Older generation than the stored one, or a non-deletion event for a work being deleted: ignored. */
  | 'ignored';

/** A resource id with the generation the agent holds, as the spec resync request lists them. */
export interface StoredVersion {
  resourceID: string;
  resourceVersion: number;
}

/** See the module comment. Returned works are copies; mutate the store only through its methods. */
export interface WorkStore {
  /** Applies the receive rules to a decoded spec event's work. */
  receive(incoming: ManifestWork): ReceiveOutcome;
  /** The work with this UID, or `undefined`. */
  get(uid: string): ManifestWork | undefined;
  /** Every stored work. */
  list(): ManifestWork[];
  /** The UID and generation of every stored work (for the spec resync request). */
  versions(): StoredVersion[];
  /** Replaces the status of a stored work; returns the updated work, or `undefined` if it is gone. */
  setStatus(uid: string, status: ManifestWorkStatus): ManifestWork | undefined;
  /** Forgets a work (end of the deletion handshake). */
  remove(uid: string): boolean;
  /** Number of stored works. */
  readonly size: number;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Creates an empty {@link WorkStore}. */
export function createWorkStore(): WorkStore {
  const works = new Map<string, ManifestWork>();
  const counters = new Map<string, number>();

  const save = (uid: string, work: ManifestWork): void => {
    const next = (counters.get(uid) ?? 0) + 1;
    counters.set(uid, next);
    work.metadata.resourceVersion = String(next);
    works.set(uid, work);
  };

  return {
    receive(incoming) {
      const uid = incoming.metadata.uid ?? '';
      const work = clone(incoming);
      const deleting = work.metadata.deletionTimestamp !== undefined;
      const stored = works.get(uid);

      if (stored === undefined) {
        // Upstream's finalizer controller adds the cleanup finalizer to every live work; the codec
        // already adds it to deleting ones so cleanup runs after an agent restart too.
        if (!deleting) work.metadata.finalizers = [MANIFEST_WORK_FINALIZER];
        save(uid, work);
        return deleting ? 'deleting' : 'added';
      }

      if (
        stored.metadata.namespace !== work.metadata.namespace ||
        stored.metadata.name !== work.metadata.name
      ) {
        counters.delete(uid);
        if (!deleting) work.metadata.finalizers = [MANIFEST_WORK_FINALIZER];
        save(uid, work);
        return deleting ? 'deleting' : 'replaced';
      }

      if (deleting) {
        const updated = clone(stored);
        updated.metadata.deletionTimestamp ??= work.metadata.deletionTimestamp;
        if (work.metadata.generation !== undefined && work.metadata.generation !== 0) {
          updated.metadata.generation = work.metadata.generation;
        }
        save(uid, updated);
        return 'deleting';
      }

      // Upstream would replace the metadata and so drop a deletionTimestamp; a work being deleted
      // never comes back, so a late create/update for it is ignored instead.
      if (stored.metadata.deletionTimestamp !== undefined) return 'ignored';

      const generation = work.metadata.generation ?? 0;
      if (generation !== 0 && generation < (stored.metadata.generation ?? 0)) return 'ignored';

      work.metadata.finalizers = stored.metadata.finalizers;
      if (stored.status !== undefined) work.status = clone(stored.status);
      else delete work.status;
      save(uid, work);
      return 'updated';
    },

    get(uid) {
      const work = works.get(uid);
      return work === undefined ? undefined : clone(work);
    },

    list() {
      return [...works.values()].map(clone);
    },

    versions() {
      return [...works.entries()].map(([uid, work]) => ({
        resourceID: uid,
        resourceVersion: work.metadata.generation ?? 0,
      }));
    },

    setStatus(uid, status) {
      const stored = works.get(uid);
      if (stored === undefined) return undefined;
      const updated = clone(stored);
      updated.status = clone(status);
      save(uid, updated);
      return clone(updated);
    },

    remove(uid) {
      counters.delete(uid);
      return works.delete(uid);
    },

    get size() {
      return works.size;
    },
  };
}
