/**
 * The controllers a real cluster runs next to the API server, reduced to what the agent can
 * observe: the garbage collector (ownerReference cascading in Background and Foreground, orphaning),
 * the namespace controller (a deleted namespace empties and then goes away) and the apiextensions
 * controllers (a new CRD becomes Established; a deleted CRD removes its custom resources first).
 * They run asynchronously after each change, like the real ones, so tests poll for their effects.
 */
import type { Logger } from '../../../src/common/logger.ts';
import { CRD_CLEANUP_FINALIZER, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, deleteObject } from './deletion.ts';
import { KubeStatusError } from './errors.ts';
import type { ResourceService } from './resource-service.ts';
import { resourceKey } from './store.ts';
import type { KubeObject, OwnerReference, ResourceType } from './types.ts';
import { isJsonObject, jsonEqual, parseApiVersion, timestampNow } from './types.ts';

interface Located {
  resource: ResourceType;
  object: KubeObject;
}

/** Runs the controllers after changes; `stop()` ends it. */
export class Controllers {
  readonly #service: ResourceService;
  readonly #logger: Logger;
  #scheduled = false;
  #stopped = false;
  readonly #unsubscribe: () => void;

  constructor(service: ResourceService, logger: Logger) {
    this.#service = service;
    this.#logger = logger;
    this.#unsubscribe = service.store.subscribe(() => this.#schedule());
  }

  /** Stops reacting to changes. */
  stop(): void {
    this.#stopped = true;
    this.#unsubscribe();
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#stopped) return;
      try {
        this.#reconcile();
      } catch (err) {
        this.#logger.warn({ err }, 'controller pass failed');
      }
    });
  }

  /** One pass; every write it makes schedules the next pass. */
  #reconcile(): void {
    const everything = this.#allObjects();
    this.#establishCrds(everything);
    this.#collectGarbage(everything);
    this.#finalizeNamespaces(everything);
    this.#cleanupCrds(everything);
  }

  #allObjects(): Located[] {
    const out: Located[] = [];
    const seen = new Set<string>();
    for (const resource of this.#service.registry.all()) {
      const key = resourceKey(resource);
      if (!resource.stored || seen.has(key)) continue;
      seen.add(key);
      for (const object of this.#service.store.list(key)) out.push({ resource, object });
    }
    return out;
  }

  /** Applies `change` to the live copy of `item` (if it is still the same object) and stores it. */
  #mutate(item: Located, change: (live: KubeObject) => void): void {
    const { resource, object } = item;
    const live = this.#service.find(resource, object.metadata.namespace, object.metadata.name ?? '');
    if (live === undefined || live.metadata.uid !== object.metadata.uid) return;
    const next = structuredClone(live);
    change(next);
    if (!jsonEqual(next, live)) this.#service.persist(resource, next);
  }

  #delete(resource: ResourceType, object: KubeObject, propagationPolicy: string): void {
    try {
      deleteObject(this.#service, resource, object.metadata.namespace, object.metadata.name ?? '', {
        propagationPolicy,
        preconditions: { uid: object.metadata.uid ?? '' },
      });
    } catch (err) {
      if (!(err instanceof KubeStatusError && (err.status.code === 404 || err.status.code === 409)))
        throw err;
    }
  }

  #ownerOf(dependent: KubeObject, ref: OwnerReference): Located | 'unknown' | undefined {
    const { group } = parseApiVersion(ref.apiVersion);
    const resource = this.#service.registry.byGroupKind(group, ref.kind);
    if (resource === undefined) return 'unknown';
    const object = this.#service.find(
      resource,
      resource.namespaced ? dependent.metadata.namespace : undefined,
      ref.name,
    );
    return object === undefined || object.metadata.uid !== ref.uid ? undefined : { resource, object };
  }

  #collectGarbage(everything: Located[]): void {
    const dependentsOf = new Map<string, Located[]>();
    for (const item of everything) {
      for (const ref of item.object.metadata.ownerReferences ?? []) {
        dependentsOf.set(ref.uid, [...(dependentsOf.get(ref.uid) ?? []), item]);
      }
    }
    for (const item of everything) {
      const refs = item.object.metadata.ownerReferences ?? [];
      if (refs.length > 0 && item.object.metadata.deletionTimestamp === undefined)
        this.#attemptToDelete(item, refs, dependentsOf);
    }
    for (const owner of everything) {
      const finalizers = owner.object.metadata.finalizers ?? [];
      if (owner.object.metadata.deletionTimestamp === undefined) continue;
      const dependents = dependentsOf.get(owner.object.metadata.uid ?? '') ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) this.#orphan(owner, dependents);
      else if (finalizers.includes(FOREGROUND_FINALIZER)) this.#finishForeground(owner, dependents);
    }
  }

  /** The garbage collector's attemptToDeleteItem: delete a dependent whose owners are all gone or deleting in foreground. */
  #attemptToDelete(item: Located, refs: OwnerReference[], dependentsOf: Map<string, Located[]>): void {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = this.#ownerOf(item.object, ref);
      if (owner === undefined) dangling.push(ref);
      else if (owner === 'unknown') solid.push(ref);
      else if (
        owner.object.metadata.deletionTimestamp !== undefined &&
        (owner.object.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)
      )
        waiting.push(ref);
      else solid.push(ref);
    }
    if (dangling.length === 0 && waiting.length === 0) return;
    if (solid.length > 0) {
      // Keep the object for its live owners; drop the references that no longer hold it.
      const gone = new Set([...dangling, ...waiting].map((r) => r.uid));
      this.#mutate(item, (live) => {
        live.metadata.ownerReferences = (live.metadata.ownerReferences ?? []).filter((r) => !gone.has(r.uid));
      });
      return;
    }
    const hasDependents = (dependentsOf.get(item.object.metadata.uid ?? '') ?? []).length > 0;
    this.#delete(
      item.resource,
      item.object,
      waiting.length > 0 && hasDependents ? 'Foreground' : 'Background',
    );
  }

  #orphan(owner: Located, dependents: Located[]): void {
    const uid = owner.object.metadata.uid;
    for (const dependent of dependents) {
      this.#mutate(dependent, (live) => {
        live.metadata.ownerReferences = (live.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (live.metadata.ownerReferences.length === 0) delete live.metadata.ownerReferences;
      });
    }
    this.#removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  /** Removes `foregroundDeletion` once no dependent blocks the owner's deletion. */
  #finishForeground(owner: Located, dependents: Located[]): void {
    const uid = owner.object.metadata.uid;
    const blocking = dependents.filter((d) =>
      (d.object.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true),
    );
    if (blocking.length === 0) this.#removeFinalizer(owner, FOREGROUND_FINALIZER);
  }

  #removeFinalizer(item: Located, finalizer: string): void {
    this.#mutate(item, (live) => {
      live.metadata.finalizers = (live.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      if (live.metadata.finalizers.length === 0) delete live.metadata.finalizers;
    });
  }

  /** The namespace controller: delete the contents of a terminating namespace, then release it. */
  #finalizeNamespaces(everything: Located[]): void {
    for (const ns of everything) {
      if (
        ns.resource.kind !== 'Namespace' ||
        ns.resource.group !== '' ||
        ns.object.metadata.deletionTimestamp === undefined
      )
        continue;
      const name = ns.object.metadata.name;
      const contents = everything.filter(
        (item) => item.resource.namespaced && item.object.metadata.namespace === name,
      );
      for (const item of contents) {
        if (item.object.metadata.deletionTimestamp === undefined)
          this.#delete(item.resource, item.object, 'Background');
      }
      const spec = isJsonObject(ns.object.spec) ? ns.object.spec : {};
      if (contents.length === 0 && Array.isArray(spec.finalizers) && spec.finalizers.includes('kubernetes')) {
        this.#mutate(ns, (live) => {
          const liveSpec = isJsonObject(live.spec) ? live.spec : {};
          const remaining = Array.isArray(liveSpec.finalizers)
            ? liveSpec.finalizers.filter((f) => f !== 'kubernetes')
            : [];
          live.spec = { ...liveSpec, finalizers: remaining };
        });
      }
    }
  }

  /** The CRD establishing controller: accepted names and the Established condition. */
  #establishCrds(everything: Located[]): void {
    for (const crd of everything) {
      if (
        crd.resource.kind !== 'CustomResourceDefinition' ||
        crd.object.metadata.deletionTimestamp !== undefined
      )
        continue;
      const status = isJsonObject(crd.object.status) ? crd.object.status : {};
      const conditions = Array.isArray(status.conditions) ? status.conditions : [];
      if (conditions.some((c) => isJsonObject(c) && c.type === 'Established')) continue;
      const spec = isJsonObject(crd.object.spec) ? crd.object.spec : {};
      const names = isJsonObject(spec.names) ? spec.names : {};
      const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
      const now = timestampNow();
      this.#mutate(crd, (live) => {
        live.status = {
          conditions: [
            {
              type: 'NamesAccepted',
              status: 'True',
              lastTransitionTime: now,
              reason: 'NoConflicts',
              message: 'no conflicts found',
            },
            {
              type: 'Established',
              status: 'True',
              lastTransitionTime: now,
              reason: 'InitialNamesAccepted',
              message: 'the initial names have been accepted',
            },
          ],
          acceptedNames: {
            listKind: `${String(names.kind ?? '')}List`,
            singular: String(names.kind ?? '').toLowerCase(),
            ...names,
          },
          storedVersions: versions.filter((v) => v.storage === true).map((v) => String(v.name)),
        };
      });
    }
  }

  /** The CRD finalizer: delete every custom resource, then let the CRD go. */
  #cleanupCrds(everything: Located[]): void {
    for (const crd of everything) {
      if (
        crd.resource.kind !== 'CustomResourceDefinition' ||
        crd.object.metadata.deletionTimestamp === undefined
      )
        continue;
      if (!(crd.object.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) continue;
      const spec = isJsonObject(crd.object.spec) ? crd.object.spec : {};
      const names = isJsonObject(spec.names) ? spec.names : {};
      const key = resourceKey({ group: String(spec.group ?? ''), plural: String(names.plural ?? '') });
      const instances = everything.filter((item) => resourceKey(item.resource) === key);
      for (const item of instances) {
        if (item.object.metadata.deletionTimestamp === undefined)
          this.#delete(item.resource, item.object, 'Background');
      }
      if (instances.length === 0) this.#removeFinalizer(crd, CRD_CLEANUP_FINALIZER);
    }
  }
}
