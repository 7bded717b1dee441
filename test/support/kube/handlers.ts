/**
 * The resource endpoints: maps an HTTP request on a {@link ResourceTarget} to its verb, checks
 * scope, subresource and verb support, consults failure injection and authorization, and calls
 * the resource service, the deletion rules, the watch stream or the access reviews.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessRule, UserInfo } from './authorization.ts';
import { checkRoleEscalation, decide, forbiddenReason } from './authorization.ts';
import type { DeleteOptions } from './deletion.ts';
import { deleteObject, parseDeleteOptions } from './deletion.ts';
import { badRequest, forbidden, methodNotAllowed, pathNotFound, resourceVersionTooOld } from './errors.ts';
import type { FaultInjector, KubeVerb } from './faults.ts';
import { parseJsonBody, readBody, sendError, sendJson } from './http-io.ts';
import { presentList } from './presentation.ts';
import type { ResourceRegistry } from './registry.ts';
import type { ResourceService, WriteOptions } from './resource-service.ts';
import type { ResourceTarget } from './routes.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { resourceKey } from './store.ts';
import { reviewAccess } from './subject-access-review.ts';
import type { Json, JsonObject, KubeObject, ResourceType } from './types.ts';
import { serveWatch } from './watch.ts';

/** Everything the handlers need from the server. */
export interface HandlerContext {
  service: ResourceService;
  registry: ResourceRegistry;
  faults: FaultInjector;
  accessRules(): readonly AccessRule[] | undefined;
  bookmarkIntervalMs: number;
  /** Open watches, closed when the server stops. */
  watches: Set<{ close(): void }>;
  /** Called once the verb is known, for the request log. */
  record(verb: KubeVerb, resource: ResourceType, query: URLSearchParams): void;
}

function verbOf(method: string, target: ResourceTarget, query: URLSearchParams): KubeVerb {
  const watch = target.watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET':
      if (watch) return 'watch';
      return target.name === undefined ? 'list' : 'get';
    case 'POST':
      if (target.name === undefined) return 'create';
      break;
    case 'PUT':
      if (target.name !== undefined) return 'update';
      break;
    case 'PATCH':
      if (target.name !== undefined) return 'patch';
      break;
    case 'DELETE':
      return target.name === undefined ? 'deletecollection' : 'delete';
  }
  throw methodNotAllowed();
}

function resolve(registry: ResourceRegistry, target: ResourceTarget, verb: KubeVerb): ResourceType {
  const resource = registry.byPlural(target.group, target.version, target.plural);
  if (resource === undefined) throw pathNotFound();
  if (resource.namespaced && target.namespace === undefined && target.name !== undefined)
    throw pathNotFound();
  if (!resource.namespaced && target.namespace !== undefined) throw pathNotFound();
  if (target.subresource !== undefined) {
    if (target.subresource !== 'status' || !resource.statusSubresource) throw pathNotFound();
    if (!['get', 'update', 'patch'].includes(verb)) throw methodNotAllowed();
  } else if (!resource.verbs.includes(verb) && !(verb === 'watch' && resource.verbs.includes('list'))) {
    throw methodNotAllowed();
  }
  if (
    resource.namespaced &&
    target.namespace === undefined &&
    (verb === 'create' || verb === 'deletecollection')
  ) {
    throw methodNotAllowed();
  }
  return resource;
}

function writeOptions(
  query: URLSearchParams,
  request: IncomingMessage,
  subresource: string | undefined,
): WriteOptions {
  const options: WriteOptions = {};
  const dryRun = query.getAll('dryRun');
  if (dryRun.length > 0) {
    if (!dryRun.every((d) => d === 'All')) throw badRequest(`Invalid dry run value: "${dryRun.join(',')}"`);
    options.dryRun = true;
  }
  const fieldManager = query.get('fieldManager');
  if (fieldManager !== null) options.fieldManager = fieldManager;
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) options.userAgent = userAgent;
  if (subresource === 'status') options.subresource = 'status';
  return options;
}

function listObjects(
  context: HandlerContext,
  resource: ResourceType,
  target: ResourceTarget,
  query: URLSearchParams,
): KubeObject[] {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'));
  const namespace = resource.namespaced ? target.namespace : undefined;
  return context.service.store.list(resourceKey(resource), namespace).filter((o) => labels(o) && fields(o));
}

function listResponse(
  context: HandlerContext,
  resource: ResourceType,
  target: ResourceTarget,
  query: URLSearchParams,
): unknown {
  const all = listObjects(context, resource, target, query);
  const limit = Number(query.get('limit') ?? '0');
  const token = query.get('continue');
  let offset = 0;
  let version = context.service.store.version;
  if (token !== null && token !== '') {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        rv: number;
        offset: number;
      };
      [offset, version] = [decoded.offset, decoded.rv];
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data');
    }
    if (version < context.service.store.oldestWatchableVersion)
      throw resourceVersionTooOld(String(version), String(context.service.store.oldestWatchableVersion));
  }
  if (!(limit > 0)) return presentList(resource, all.slice(offset), version);
  const page = all.slice(offset, offset + limit);
  const remaining = all.length - offset - page.length;
  const extra: JsonObject =
    remaining > 0
      ? {
          continue: Buffer.from(JSON.stringify({ rv: version, offset: offset + limit })).toString(
            'base64url',
          ),
          remainingItemCount: remaining,
        }
      : {};
  return presentList(resource, page, version, extra);
}

function authorize(
  context: HandlerContext,
  user: UserInfo,
  verb: KubeVerb,
  resource: ResourceType,
  target: ResourceTarget,
): void {
  const attrs = {
    user,
    verb,
    group: resource.group,
    resource: resource.plural,
    ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
    ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
    ...(target.name === undefined ? {} : { name: target.name }),
  };
  if (!decide(context.accessRules(), attrs).allowed)
    throw forbidden(resource, target.name ?? '', forbiddenReason(attrs));
}

function deleteOptionsOf(body: Json | undefined, query: URLSearchParams): DeleteOptions {
  const options = parseDeleteOptions(body);
  const policy = query.get('propagationPolicy');
  if (policy !== null) options.propagationPolicy = policy;
  const orphan = query.get('orphanDependents');
  if (orphan !== null) options.orphanDependents = orphan === 'true';
  if (query.getAll('dryRun').includes('All')) options.dryRun = true;
  return options;
}

/** Handles one request on a resource endpoint. */
export async function handleResource(
  context: HandlerContext,
  target: ResourceTarget,
  query: URLSearchParams,
  request: IncomingMessage,
  response: ServerResponse,
  user: UserInfo,
): Promise<void> {
  const verb = verbOf(request.method ?? 'GET', target, query);
  const resource = resolve(context.registry, target, verb);
  context.record(verb, resource, query);
  const delay = context.faults.takeDelay(verb, resource.plural);
  if (delay > 0) await sleep(delay);
  const injected = context.faults.takeFailure(verb, resource, target.name ?? '');
  if (injected !== undefined) {
    sendError(response, injected);
    return;
  }
  authorize(context, user, verb, resource, target);
  const { service } = context;
  const name = target.name ?? '';
  switch (verb) {
    case 'get':
      sendJson(response, 200, service.get(resource, target.namespace, name));
      return;
    case 'list':
      sendJson(response, 200, listResponse(context, resource, target, query));
      return;
    case 'watch': {
      const labels = parseLabelSelector(query.get('labelSelector'));
      const fields = parseFieldSelector(
        target.name === undefined ? query.get('fieldSelector') : `metadata.name=${target.name}`,
      );
      const timeout = query.get('timeoutSeconds');
      const watch = serveWatch(
        service.store,
        {
          resource,
          ...(resource.namespaced && target.namespace !== undefined ? { namespace: target.namespace } : {}),
          matches: (o) => labels(o) && fields(o),
          ...(query.get('resourceVersion') === null
            ? {}
            : { resourceVersion: query.get('resourceVersion') as string }),
          allowBookmarks: query.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: query.get('sendInitialEvents') === 'true',
          ...(timeout === null ? {} : { timeoutSeconds: Number(timeout) }),
          bookmarkIntervalMs: context.bookmarkIntervalMs,
        },
        response,
      );
      context.watches.add(watch);
      response.on('close', () => context.watches.delete(watch));
      return;
    }
    case 'create': {
      const body = parseJsonBody(await readBody(request)) as Json;
      if (!resource.stored) {
        sendJson(response, 201, reviewAccess(resource, body, user, context.accessRules(), target.namespace));
        return;
      }
      const options = writeOptions(query, request, undefined);
      if (!user.groups.includes('system:masters')) {
        checkRoleEscalation(context.accessRules(), user, resource, {
          metadata: { namespace: target.namespace },
          ...(body as object),
        } as KubeObject);
      }
      sendJson(response, 201, service.create(resource, target.namespace, body, options));
      return;
    }
    case 'update': {
      const body = parseJsonBody(await readBody(request)) as Json;
      sendJson(
        response,
        200,
        service.update(
          resource,
          target.namespace,
          name,
          body,
          writeOptions(query, request, target.subresource),
        ),
      );
      return;
    }
    case 'patch': {
      const raw = await readBody(request);
      const force = query.get('force');
      const options = {
        ...writeOptions(query, request, target.subresource),
        ...(force === null ? {} : { force: force === 'true' }),
      };
      const result = service.patch(
        resource,
        target.namespace,
        name,
        request.headers['content-type'] ?? '',
        raw,
        options,
      );
      sendJson(response, result.created ? 201 : 200, result.object);
      return;
    }
    case 'delete': {
      const body = parseJsonBody(await readBody(request)) as Json | undefined;
      sendJson(
        response,
        200,
        deleteObject(service, resource, target.namespace, name, deleteOptionsOf(body, query)),
      );
      return;
    }
    case 'deletecollection': {
      const body = parseJsonBody(await readBody(request)) as Json | undefined;
      const options = deleteOptionsOf(body, query);
      const doomed = listObjects(context, resource, target, query);
      for (const o of doomed)
        deleteObject(service, resource, o.metadata.namespace, o.metadata.name ?? '', options);
      sendJson(response, 200, presentList(resource, doomed, service.store.version));
      return;
    }
  }
}
