/**
 * WATCH (`?watch=true`): a chunked stream of `{"type":…,"object":…}` lines. Without a
 * resourceVersion (or with "0") it starts with ADDED for the current objects; with one it replays
 * the history after it (410 Expired as an ERROR event when that history is gone). Objects moving
 * in or out of a label selector appear as ADDED / DELETED, as on the real server. BOOKMARKs are
 * sent periodically when `allowWatchBookmarks=true`, and after the initial events when
 * `sendInitialEvents=true`.
 */
import type { ServerResponse } from 'node:http';
import { resourceVersionTooOld } from './errors.ts';
import { present } from './presentation.ts';
import type { ObjectMatcher } from './selectors.ts';
import type { ObjectStore, StoreEvent } from './store.ts';
import { resourceKey } from './store.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { groupVersion } from './types.ts';

/** What one watch asks for. */
export interface WatchRequest {
  resource: ResourceType;
  /** Undefined for a watch across all namespaces (or of a cluster-scoped resource). */
  namespace?: string;
  matches: ObjectMatcher;
  resourceVersion?: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Close the stream after this many seconds. */
  timeoutSeconds?: number;
  bookmarkIntervalMs: number;
}

/** Streams a watch on `response` until the client goes away, the timeout passes or `close` is called. */
export function serveWatch(
  store: ObjectStore,
  request: WatchRequest,
  response: ServerResponse,
): { close(): void } {
  const { resource } = request;
  const key = resourceKey(resource);
  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  response.flushHeaders();
  const send = (type: string, object: unknown): void => {
    if (!response.writableEnded) response.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = {
      resourceVersion: String(store.version),
      creationTimestamp: null,
    };
    if (annotations !== undefined) metadata.annotations = annotations;
    send('BOOKMARK', {
      kind: resource.kind,
      apiVersion: groupVersion(resource.group, resource.version),
      metadata,
    });
  };
  const inScope = (object: KubeObject): boolean =>
    request.namespace === undefined || object.metadata.namespace === request.namespace;
  const visible = (object: KubeObject | undefined): boolean =>
    object !== undefined && inScope(object) && request.matches(object);

  const onEvent = (event: StoreEvent): void => {
    if (event.resourceKey !== key) return;
    const now = event.type !== 'DELETED' && visible(event.object);
    const before = visible(event.previous);
    if (event.type === 'DELETED') {
      if (before) send('DELETED', present(resource, event.object));
    } else if (now && before) {
      send('MODIFIED', present(resource, event.object));
    } else if (now) {
      send('ADDED', present(resource, event.object));
    } else if (before) {
      send('DELETED', present(resource, event.object));
    }
  };

  const rv = request.resourceVersion;
  const fromNow = rv === undefined || rv === '' || rv === '0' || request.sendInitialEvents;
  if (fromNow) {
    for (const object of store.list(key, resource.namespaced ? request.namespace : undefined)) {
      if (visible(object)) send('ADDED', present(resource, object));
    }
    if (request.sendInitialEvents && request.allowBookmarks)
      bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const history = store.eventsSince(Number(rv));
    if (history === undefined || !/^\d+$/.test(rv)) {
      send('ERROR', resourceVersionTooOld(rv, String(store.oldestWatchableVersion)).status);
      response.end();
      return { close: () => undefined };
    }
    for (const event of history) onEvent(event);
  }
  const unsubscribe = store.subscribe(onEvent);
  const timers: NodeJS.Timeout[] = [];
  const close = (): void => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    if (!response.writableEnded) response.end();
  };
  if (request.allowBookmarks) timers.push(setInterval(() => bookmark(), request.bookmarkIntervalMs));
  if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0)
    timers.push(setTimeout(close, request.timeoutSeconds * 1000));
  response.on('close', close);
  return { close };
}
