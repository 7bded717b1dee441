import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  RequestContext,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.ts';
import { createTokenBucket } from '../token-bucket.ts';
import { KubeApiError } from './kube-errors.ts';
import type { KubeObject, ResourceRef } from './kube-types.ts';
import { resourcePath } from './kube-types.ts';

/** HTTP verbs the agent sends to the spoke API server. */
export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One raw API call. */
export interface KubeRequest {
  method: KubeMethod;
  /** Absolute API path such as `/apis/apps/v1/namespaces/ns/deployments/web`. */
  path: string;
  query?: Readonly<Record<string, string | undefined>>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
}

/** Patch content types the agent uses: JSON merge patch and server-side apply. */
export type KubePatchType = 'merge' | 'apply';

/** Options of {@link KubeClient.patch}. */
export interface KubePatchOptions {
  /** `apply` needs it; default `work-agent`. */
  fieldManager?: string;
  /** Server-side apply only. */
  force?: boolean;
  /** e.g. `status`. */
  subresource?: string;
}

/** Options of {@link KubeClient.create}. */
export interface KubeCreateOptions {
  /** `All` for a dry run (executor escalation checks). */
  dryRun?: 'All';
  /** Extra headers, e.g. `Impersonate-User`. */
  headers?: Readonly<Record<string, string>>;
}

/** Kubernetes `DeleteOptions` as sent in a DELETE body. */
export interface KubeDeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Query of {@link KubeClient.watch}. */
export interface KubeWatchOptions {
  /** e.g. `metadata.name=web`, to watch one object. */
  fieldSelector?: string;
  /** Resume after this version (unset: ADDED events for the current objects first). */
  resourceVersion?: string;
  /** Ask the server to end the stream after this long (the client then re-establishes it). */
  timeoutSeconds?: number;
}

/** One watch event: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR` (a `Status` object). */
export interface KubeWatchEvent {
  type: string;
  object: KubeObject;
}

/** An open watch stream. */
export interface KubeWatch {
  /** Closes the stream; `onDone` is then called once. */
  abort(): void;
}

/**
 * A small REST client for the spoke cluster: raw JSON in, raw JSON out, so objects round-trip without
 * a typed schema touching them. Every call waits on a token bucket (`--kube-api-qps`/`--kube-api-burst`)
 * and failures are thrown as {@link KubeApiError} carrying the API server's `Status`.
 */
export interface KubeClient {
  /** The API server URL, for logs. */
  readonly server: string;
  /** Sends one request and returns the decoded JSON body (undefined for an empty body). */
  request<T = unknown>(req: KubeRequest): Promise<T>;
  get(ref: ResourceRef): Promise<KubeObject>;
  create(
    ref: Omit<ResourceRef, 'name'>,
    object: KubeObject,
    options?: KubeCreateOptions,
  ): Promise<KubeObject>;
  /** PUT of the whole object (`metadata.resourceVersion` makes it conditional). */
  replace(ref: ResourceRef, object: KubeObject): Promise<KubeObject>;
  patch(
    ref: ResourceRef,
    type: KubePatchType,
    body: unknown,
    options?: KubePatchOptions,
  ): Promise<KubeObject>;
  delete(ref: ResourceRef, options?: KubeDeleteOptions): Promise<void>;
  /**
   * Opens a watch on the collection of `ref` (in its namespace when given). `onEvent` gets each event;
   * `onDone` is called exactly once when the stream ends, fails (with the error) or is aborted.
   */
  watch(
    ref: Omit<ResourceRef, 'name'>,
    options: KubeWatchOptions,
    onEvent: (event: KubeWatchEvent) => void,
    onDone: (err?: unknown) => void,
  ): Promise<KubeWatch>;
}

/** Options for {@link createKubeClient}. */
export interface KubeClientOptions {
  kubeConfig: KubeConfig;
  /** Requests per second (`--kube-api-qps`, default 50). */
  qps?: number;
  /** Burst (`--kube-api-burst`, default 100). */
  burst?: number;
  /** Default `work-agent`, as upstream. */
  userAgent?: string;
  logger?: Logger;
}

const PATCH_CONTENT_TYPES: Readonly<Record<KubePatchType, string>> = {
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Creates a {@link KubeClient} for the current context of `kubeConfig`. */
export function createKubeClient(options: KubeClientOptions): KubeClient {
  const kc = allowPlainHttp(options.kubeConfig);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError(0, 'kubeconfig has no current cluster');
  const server = cluster.server.replace(/\/+$/, '');
  const limiter = createTokenBucket({ ratePerSecond: options.qps ?? 50, burst: options.burst ?? 100 });
  const http = new IsomorphicFetchHttpLibrary();
  const userAgent = options.userAgent ?? 'work-agent';
  const watcher = new Watch(kc);

  async function request<T>(req: KubeRequest): Promise<T> {
    await limiter.take();
    const url = new URL(server + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const ctx = new RequestContext(url.toString(), HttpMethod[req.method]);
    await kc.applySecurityAuthentication(ctx);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('User-Agent', userAgent);
    for (const [key, value] of Object.entries(req.headers ?? {})) ctx.setHeaderParam(key, value);
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    let status: number;
    let text: string;
    try {
      const response = await http.send(ctx).toPromise();
      status = response.httpStatusCode;
      text = await response.body.text();
    } catch (err: unknown) {
      throw new KubeApiError(
        0,
        `${req.method} ${req.path}: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
    const parsed = parseJson(text);
    if (status < 200 || status > 299)
      throw KubeApiError.fromResponse(status, parsed, `${req.method} ${req.path}`);
    options.logger?.trace({ method: req.method, path: req.path, status }, 'kube request');
    return parsed as T;
  }

  return {
    server,
    request,
    get: (ref) => request<KubeObject>({ method: 'GET', path: resourcePath(ref) }),
    create: (ref, object, opts = {}) =>
      request<KubeObject>({
        method: 'POST',
        path: resourcePath({ gvr: ref.gvr, namespace: ref.namespace }),
        query: { dryRun: opts.dryRun },
        body: object,
        headers: opts.headers,
      }),
    replace: (ref, object) => request<KubeObject>({ method: 'PUT', path: resourcePath(ref), body: object }),
    patch: (ref, type, body, opts = {}) =>
      request<KubeObject>({
        method: 'PATCH',
        path: resourcePath(ref, opts.subresource),
        contentType: PATCH_CONTENT_TYPES[type],
        query:
          type === 'apply'
            ? { fieldManager: opts.fieldManager ?? 'work-agent', force: String(opts.force ?? false) }
            : { fieldManager: opts.fieldManager },
        body,
      }),
    delete: async (ref, opts) => {
      await request({ method: 'DELETE', path: resourcePath(ref), body: opts ?? {} });
    },
    watch: async (ref, opts, onEvent, onDone) => {
      await limiter.take();
      const path = resourcePath({ gvr: ref.gvr, namespace: ref.namespace });
      const query = { ...opts, allowWatchBookmarks: true };
      const controller = await watcher.watch(
        path,
        query,
        (type: string, object: KubeObject) => onEvent({ type, object }),
        (err: unknown) => onDone(err ?? undefined),
      );
      return { abort: () => controller.abort() };
    },
  };
}

/**
 * client-node refuses `http:` servers unless `skipTLSVerify` is set, although there is no TLS to verify
 * (kubectl accepts such kubeconfigs). Returns a copy whose plain-HTTP clusters carry the flag.
 */
function allowPlainHttp(kc: KubeConfig): KubeConfig {
  if (!kc.getClusters().some((c) => c.server.startsWith('http:') && !c.skipTLSVerify)) return kc;
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c.server.startsWith('http:') ? { ...c, skipTLSVerify: true } : c)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return copy;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
