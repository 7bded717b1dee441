/**
 * The API semantics of reads and writes, independent of HTTP: create, update (PUT), the patch
 * formats, server-side apply and the `/status` subresource, with the real server's preconditions
 * (resourceVersion → 409 Conflict), system metadata, defaulting, generation, managedFields,
 * no-op detection (an update that changes nothing keeps its resourceVersion) and finalizer-gated
 * removal. The HTTP handlers, the library API and the controllers all write through it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  checkFinalizersOnDeletingObject,
  checkNamespaceForCreate,
  mutateOnCreate,
  mutateOnUpdate,
  validateName,
  validateObject,
} from './admission.ts';
import { applyDefaults, generationChanges, initialStatus } from './defaults.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  preconditionFailure,
  unsupportedMediaType,
} from './errors.ts';
import type { ManagerState, WriterIdentity } from './managed-fields.ts';
import {
  baseManagers,
  decodeManagedFields,
  encodeManagedFields,
  ownableView,
  recordUpdate,
} from './managed-fields.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patches.ts';
import { present } from './presentation.ts';
import {
  PATCH_TYPES,
  checkNamespace,
  checkUrlName,
  decodeObject,
  managerName,
  parseApplyConfig,
  parseJson,
  readyToRemove,
  storageKey,
} from './request-objects.ts';
import type { ResourceRegistry } from './registry.ts';
import { serverSideApply } from './server-side-apply.ts';
import type { ObjectStore } from './store.ts';
import { resourceKey } from './store.ts';
import type { Json, JsonObject, KubeObject, ResourceType } from './types.ts';
import { cloneJson, groupVersion, jsonEqual, timestampNow } from './types.ts';

/** Who writes and how (from the query string and headers). */
export interface WriteOptions {
  /** `?dryRun=All`: validate and answer, store nothing. */
  dryRun?: boolean;
  /** `?fieldManager=`; defaults to the User-Agent's product name, as on the real server. */
  fieldManager?: string;
  userAgent?: string;
  /** `status` for writes to the `/status` subresource. */
  subresource?: 'status';
}

/** Options of a PATCH. */
export interface PatchOptions extends WriteOptions {
  /** `?force=true`, only for apply patches. */
  force?: boolean;
}

const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';
const NAMESPACES_KEY = '/namespaces';

/** The outcome of a write: the served object and the HTTP status it is answered with. */
export interface WriteResult {
  object: KubeObject;
  created: boolean;
}

/** Reads and writes objects with the real API server's semantics. */
export class ResourceService {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;

  constructor(store: ObjectStore, registry: ResourceRegistry) {
    this.store = store;
    this.registry = registry;
    // A CRD is served from the moment it is stored until it is finally removed.
    store.subscribe((event) => {
      if (event.resourceKey !== CRD_KEY) return;
      if (event.type === 'DELETED') registry.unserveCrd(event.object.metadata.name ?? '');
      else registry.serveCrd(event.object);
    });
  }

  /** A stored object, unpresented (undefined when absent). */
  find(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(resourceKey(resource), resource.namespaced ? namespace : undefined, name);
  }

  /** GET: the object as served, or 404. */
  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.find(resource, namespace, name);
    if (found === undefined) throw notFound(resource, name);
    return present(resource, found);
  }

  /** POST: creates an object (201), or 409 AlreadyExists, 404 for a missing namespace. */
  create(
    resource: ResourceType,
    namespace: string | undefined,
    body: Json,
    options: WriteOptions = {},
  ): KubeObject {
    const object = decodeObject(resource, body);
    checkNamespace(resource, object, namespace);
    if (object.metadata.resourceVersion !== undefined && object.metadata.resourceVersion !== '') {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    const writer: WriterIdentity = {
      manager: managerName(options),
      operation: 'Update',
      apiVersion: object.apiVersion as string,
    };
    const managers = baseManagers(undefined, object.metadata.managedFields as Json | undefined);
    return this.#insert(resource, object, options, (ready) =>
      recordUpdate(managers, {}, ownableView(ready, resource), writer, resource.schema),
    );
  }

  /** Stores a new object after admission; `track` computes its managers from the final object. */
  #insert(
    resource: ResourceType,
    object: KubeObject,
    options: WriteOptions,
    track: (ready: KubeObject) => ManagerState[],
    keepStatus = false,
  ): KubeObject {
    const meta = object.metadata;
    if ((meta.name ?? '') === '' && typeof meta.generateName === 'string' && meta.generateName !== '') {
      meta.name = meta.generateName + randomBytes(3).toString('hex').slice(0, 5);
    }
    validateName(resource, object);
    const name = meta.name as string;
    if (resource.namespaced) {
      const ns = this.store.get(NAMESPACES_KEY, undefined, meta.namespace ?? '');
      checkNamespaceForCreate(resource, name, ns, meta.namespace ?? '');
    }
    if (this.find(resource, meta.namespace, name) !== undefined) throw alreadyExists(resource, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = timestampNow();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (resource.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (!keepStatus) {
      const status = initialStatus(resource, object.status as Json | undefined);
      if (status === undefined) delete object.status;
      else object.status = status;
    }
    applyDefaults(resource, object as unknown as JsonObject);
    mutateOnCreate(resource, object);
    validateObject(resource, object);
    const managed = encodeManagedFields(track(object));
    if (managed.length > 0) meta.managedFields = managed;
    else delete meta.managedFields;
    if (options.dryRun === true) return present(resource, object);
    return present(resource, this.store.put(resourceKey(resource), object));
  }

  /**
   * Creates an object the way a test wants it: like POST, but keeping the given `status` and
   * creating a missing namespace first.
   */
  seed(resource: ResourceType, body: KubeObject): KubeObject {
    const object = decodeObject(resource, body as unknown as Json);
    if (resource.namespaced) {
      const namespace = object.metadata.namespace ?? 'default';
      object.metadata.namespace = namespace;
      if (this.store.get(NAMESPACES_KEY, undefined, namespace) === undefined) {
        const namespaces = this.registry.byKind('', 'v1', 'Namespace') as ResourceType;
        this.create(
          namespaces,
          undefined,
          { metadata: { name: namespace } },
          { fieldManager: 'kube-test-server' },
        );
      }
    }
    const writer: WriterIdentity = {
      manager: 'kube-test-server',
      operation: 'Update',
      apiVersion: object.apiVersion as string,
    };
    return this.#insert(
      resource,
      object,
      {},
      (ready) => recordUpdate([], {}, ownableView(ready, resource), writer, resource.schema),
      true,
    );
  }

  /** PUT: replaces an object (or only its status), honouring the resourceVersion precondition. */
  update(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    body: Json,
    options: WriteOptions = {},
  ): KubeObject {
    const object = decodeObject(resource, body);
    checkUrlName(object, name);
    checkNamespace(resource, object, namespace);
    const live = this.find(resource, namespace, name);
    if (live === undefined) throw notFound(resource, name);
    const uid = object.metadata.uid;
    if (uid !== undefined && uid !== '' && uid !== live.metadata.uid) {
      throw conflict(
        resource,
        name,
        preconditionFailure(
          storageKey(resource, live.metadata.namespace, name),
          'UID',
          uid,
          live.metadata.uid ?? '',
        ),
      );
    }
    const writer = this.#writer(resource, options, 'Update');
    const managers = baseManagers(live, object.metadata.managedFields as Json | undefined);
    return this.#commit(resource, live, object, options, { writer, managers });
  }

  /** PATCH in any of the four formats; an apply patch creates a missing object (`created`). */
  patch(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    raw: string,
    options: PatchOptions = {},
  ): WriteResult {
    const type = contentType.split(';')[0].trim();
    if (type === PATCH_TYPES.apply) return this.#apply(resource, namespace, name, raw, options);
    if (options.force !== undefined) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
        {
          field: 'force',
          reason: 'FieldValueForbidden',
          detail: 'Forbidden: may not be specified for non-apply patch',
        },
      ]);
    }
    const live = this.find(resource, namespace, name);
    if (live === undefined) throw notFound(resource, name);
    const current = present(resource, live) as unknown as JsonObject;
    const patch = parseJson(raw, 'patch');
    let patched: Json;
    if (type === PATCH_TYPES.merge) patched = applyMergePatch(current, patch);
    else if (type === PATCH_TYPES.strategic)
      patched = applyStrategicMergePatch(current, patch, resource.schema);
    else if (type === PATCH_TYPES.json) patched = applyJsonPatch(current, patch);
    else throw unsupportedMediaType(type);
    const object = decodeObject(resource, patched);
    checkUrlName(object, name);
    checkNamespace(resource, object, namespace);
    if (object.metadata.uid !== live.metadata.uid) {
      // A patched uid fails the update's immutable-field validation (the patch path has no uid precondition).
      throw invalid(resource, name, [
        {
          field: 'metadata.uid',
          reason: 'FieldValueInvalid',
          detail: `Invalid value: "${object.metadata.uid ?? ''}": field is immutable`,
        },
      ]);
    }
    const writer = this.#writer(resource, options, 'Update');
    const managers = baseManagers(live, object.metadata.managedFields as Json | undefined);
    return { object: this.#commit(resource, live, object, options, { writer, managers }), created: false };
  }

  #writer(resource: ResourceType, options: WriteOptions, operation: 'Apply' | 'Update'): WriterIdentity {
    const writer: WriterIdentity = {
      manager: managerName(options),
      operation,
      apiVersion: groupVersion(resource.group, resource.version),
    };
    if (options.subresource !== undefined) writer.subresource = options.subresource;
    return writer;
  }

  #apply(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    raw: string,
    options: PatchOptions,
  ): WriteResult {
    if (options.fieldManager === undefined || options.fieldManager === '') {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
        {
          field: 'fieldManager',
          reason: 'FieldValueRequired',
          detail: 'Required value: is required for apply patch',
        },
      ]);
    }
    const object = decodeObject(resource, parseApplyConfig(raw));
    if ((object.metadata.name ?? '') === '') object.metadata.name = name;
    checkUrlName(object, name);
    checkNamespace(resource, object, namespace);
    if (object.metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    const applied = object as unknown as JsonObject;
    const writer = this.#writer(resource, options, 'Apply');
    const force = options.force === true;
    const live = this.find(resource, namespace, name);
    if (live === undefined) {
      if (options.subresource !== undefined) throw notFound(resource, name);
      const outcome = serverSideApply({
        resource,
        live: undefined,
        config: applied,
        managers: [],
        writer,
        force,
      });
      const created = outcome.object as unknown as KubeObject;
      // Fields set by defaulting belong to nobody; the applier owns what it sent.
      const result = this.#insert(resource, created, options, () => outcome.managers);
      return { object: result, created: true };
    }
    const rv = object.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion) throw conflict(resource, name);
    const outcome = serverSideApply({
      resource,
      live: present(resource, live),
      config: applied,
      managers: decodeManagedFields(live.metadata.managedFields),
      writer,
      force,
    });
    const next = outcome.object as unknown as KubeObject;
    next.metadata.resourceVersion = live.metadata.resourceVersion;
    return {
      object: this.#commit(resource, live, next, options, {
        writer,
        managers: outcome.managers,
        tracked: true,
      }),
      created: false,
    };
  }

  /**
   * Writes `next` over `live`: precondition, system metadata, status handling, defaults,
   * generation, managedFields, no-op detection, finalizer-gated removal.
   */
  #commit(
    resource: ResourceType,
    live: KubeObject,
    next: KubeObject,
    options: WriteOptions,
    tracking: { writer: WriterIdentity; managers: ManagerState[]; tracked?: boolean },
  ): KubeObject {
    const name = live.metadata.name ?? '';
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion) throw conflict(resource, name);
    let object: KubeObject;
    if (options.subresource === 'status') {
      object = cloneJson(live);
      if (next.status === undefined) delete object.status;
      else object.status = next.status;
    } else {
      object = next;
      if (resource.statusSubresource) {
        if (live.status === undefined) delete object.status;
        else object.status = live.status;
      }
      for (const key of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ] as const) {
        if (live.metadata[key] === undefined) delete object.metadata[key];
        else (object.metadata as Record<string, unknown>)[key] = live.metadata[key];
      }
      object.metadata.namespace = live.metadata.namespace;
      if (object.metadata.namespace === undefined) delete object.metadata.namespace;
      applyDefaults(resource, object as unknown as JsonObject);
      mutateOnUpdate(resource, live, object);
      validateObject(resource, object);
      checkFinalizersOnDeletingObject(resource, live, object);
      if (generationChanges(resource, live, object))
        object.metadata.generation = (live.metadata.generation ?? 0) + 1;
    }
    object.apiVersion = live.apiVersion;
    object.metadata.resourceVersion = live.metadata.resourceVersion;
    const managers = tracking.tracked
      ? tracking.managers
      : recordUpdate(
          tracking.managers,
          ownableView(live, resource, options.subresource),
          ownableView(object, resource, options.subresource),
          tracking.writer,
          resource.schema,
        );
    const managed = encodeManagedFields(managers);
    if (managed.length > 0) object.metadata.managedFields = managed;
    else delete object.metadata.managedFields;

    if (jsonEqual(object, live)) return present(resource, live);
    if (options.dryRun === true) return present(resource, object);
    return this.persist(resource, object);
  }

  /**
   * Stores an object as the server itself changes it (deletion marks, controller edits of
   * finalizers and ownerReferences): no admission, no managedFields change. An object marked for
   * deletion whose finalizers are all gone is removed instead.
   */
  persist(resource: ResourceType, object: KubeObject): KubeObject {
    const key = resourceKey(resource);
    if (readyToRemove(object)) {
      const removed = this.store.remove(key, object.metadata.namespace, object.metadata.name ?? '');
      return present(resource, removed ?? object);
    }
    return present(resource, this.store.put(key, object));
  }
}
