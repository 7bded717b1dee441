/**
 * The in-memory object store: objects per resource, one global resourceVersion counter (served
 * as a string, as etcd revisions are), and a bounded event history so watches can resume from a
 * resourceVersion and get 410 Expired when it is too old.
 */
import type { KubeObject, ResourceType } from './types.ts';
import { cloneJson } from './types.ts';

/** The kinds of change a watch reports (BOOKMARK and ERROR are added by the watch layer). */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `object` is the stored state (for DELETED: the last state, new rv). */
export interface StoreEvent {
  type: ChangeType;
  /** `group/plural`: versions of a resource share one store. */
  resourceKey: string;
  object: KubeObject;
  /** The state before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
  resourceVersion: number;
}

/** The store key of a resource type: versions of the same group/plural share objects. */
export function resourceKey(resource: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${resource.group}/${resource.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Options of {@link ObjectStore}. */
export interface ObjectStoreOptions {
  /** How many events to keep for watch resumption; default 10000. */
  historySize?: number;
}

/** Objects by resource, a resourceVersion counter, an event history and change listeners. */
export class ObjectStore {
  #version = 0;
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoreEvent[] = [];
  readonly #historySize: number;
  readonly #listeners = new Set<(event: StoreEvent) => void>();

  constructor(options: ObjectStoreOptions = {}) {
    this.#historySize = options.historySize ?? 10000;
  }

  /** The latest committed resourceVersion. */
  get version(): number {
    return this.#version;
  }

  /** The oldest resourceVersion a watch can resume from. */
  get oldestWatchableVersion(): number {
    return this.#history.length === 0 ? this.#version : this.#history[0].resourceVersion - 1;
  }

  /** A copy of one object. */
  get(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#objects.get(key)?.get(objectKey(namespace, name));
    return found === undefined ? undefined : cloneJson(found);
  }

  /** Copies of the objects of a resource, in one namespace or all, sorted by namespace and name. */
  list(key: string, namespace?: string): KubeObject[] {
    const items = [...(this.#objects.get(key)?.values() ?? [])].filter(
      (o) => namespace === undefined || o.metadata.namespace === namespace,
    );
    return items
      .map((o) => cloneJson(o))
      .sort((a, b) =>
        objectKey(a.metadata.namespace, a.metadata.name ?? '').localeCompare(
          objectKey(b.metadata.namespace, b.metadata.name ?? ''),
        ),
      );
  }

  /** Stores a new or changed object under a fresh resourceVersion and returns the stored copy. */
  put(key: string, object: KubeObject): KubeObject {
    const stored = cloneJson(object);
    const name = stored.metadata.name ?? '';
    const bucket = this.#objects.get(key) ?? new Map<string, KubeObject>();
    this.#objects.set(key, bucket);
    const previous = bucket.get(objectKey(stored.metadata.namespace, name));
    this.#version++;
    stored.metadata.resourceVersion = String(this.#version);
    bucket.set(objectKey(stored.metadata.namespace, name), stored);
    this.#emit({
      type: previous === undefined ? 'ADDED' : 'MODIFIED',
      resourceKey: key,
      object: stored,
      previous,
      resourceVersion: this.#version,
    });
    return cloneJson(stored);
  }

  /** Removes an object; the DELETED event carries its last state with a fresh resourceVersion. */
  remove(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.#objects.get(key);
    const previous = bucket?.get(objectKey(namespace, name));
    if (bucket === undefined || previous === undefined) return undefined;
    bucket.delete(objectKey(namespace, name));
    this.#version++;
    const last = cloneJson(previous);
    last.metadata.resourceVersion = String(this.#version);
    this.#emit({ type: 'DELETED', resourceKey: key, object: last, previous, resourceVersion: this.#version });
    return cloneJson(last);
  }

  /** Events after `resourceVersion`, or undefined when the history no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.oldestWatchableVersion) return undefined;
    return this.#history.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    if (this.#history.length > this.#historySize) this.#history.shift();
    for (const listener of this.#listeners) listener(event);
  }
}
