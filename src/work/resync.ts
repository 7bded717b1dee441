/**
 * Resync requests and their payloads (protocol.md §4.3, §8): the agent's spec resync request listing the
 * versions it has, and the source's status resync request listing the status hashes it has. Both use
 * `originalsource: ""` and always carry a list (an empty list means "send me everything").
 */
import { MaestroError } from '../common/errors.ts';
import type { MaestroEvent } from '../cloudevents/event.ts';
import { manifestBundleEventType } from '../cloudevents/event-types.ts';
import { EXT } from '../cloudevents/extensions.ts';
import type { ResourceVersionList, StatusHashList } from './types.ts';
import { isObject } from './validation-issue.ts';
import { newWorkEvent } from './work-event.ts';

/** Options for the resync request builders. */
export interface ResyncRequestOptions {
  /** The sender's id (agent client id, or source id). */
  source: string;
  /** The cluster the request is about; `""` means every cluster. */
  clusterName: string;
  /** Event time; default now. */
  now?: Date;
}

/** `spec.resync_request` from an agent: the version (work generation) of every work it holds. */
export function createSpecResyncRequest(
  versions: ResourceVersionList['resourceVersions'],
  options: ResyncRequestOptions,
): MaestroEvent {
  return newWorkEvent({
    source: options.source,
    type: manifestBundleEventType('spec', 'resync_request'),
    time: options.now,
    data: {
      resourceVersions: versions.map((v) => ({
        resourceID: v.resourceID,
        resourceVersion: v.resourceVersion,
      })),
    },
    extensions: { [EXT.clusterName]: options.clusterName, [EXT.originalSource]: '' },
  });
}

/** `status.resync_request` from a source: the status hash it holds for each resource. */
export function createStatusResyncRequest(
  hashes: StatusHashList['statusHashes'],
  options: ResyncRequestOptions,
): MaestroEvent {
  return newWorkEvent({
    source: options.source,
    type: manifestBundleEventType('status', 'resync_request'),
    time: options.now,
    data: { statusHashes: hashes.map((h) => ({ resourceID: h.resourceID, statusHash: h.statusHash })) },
    extensions: { [EXT.clusterName]: options.clusterName, [EXT.originalSource]: '' },
  });
}

/** Reads the payload of a spec resync request (throws `INVALID_ARGUMENT` when malformed). */
export function parseResourceVersionList(data: unknown): ResourceVersionList {
  const items = listMember(data, 'resourceVersions');
  return {
    resourceVersions: items.map((item, index) => {
      const where = `resourceVersions[${index}]`;
      if (!isObject(item) || typeof item.resourceID !== 'string') {
        throw new MaestroError('INVALID_ARGUMENT', `resync payload ${where}.resourceID must be a string`);
      }
      const version = item.resourceVersion ?? 0;
      if (!Number.isSafeInteger(version)) {
        throw new MaestroError(
          'INVALID_ARGUMENT',
          `resync payload ${where}.resourceVersion must be an integer`,
        );
      }
      return { resourceID: item.resourceID, resourceVersion: version as number };
    }),
  };
}

/** Reads the payload of a status resync request (throws `INVALID_ARGUMENT` when malformed). */
export function parseStatusHashList(data: unknown): StatusHashList {
  const items = listMember(data, 'statusHashes');
  return {
    statusHashes: items.map((item, index) => {
      const where = `statusHashes[${index}]`;
      if (!isObject(item) || typeof item.resourceID !== 'string') {
        throw new MaestroError('INVALID_ARGUMENT', `resync payload ${where}.resourceID must be a string`);
      }
      const hash = item.statusHash ?? '';
      if (typeof hash !== 'string') {
        throw new MaestroError('INVALID_ARGUMENT', `resync payload ${where}.statusHash must be a string`);
      }
      return { resourceID: item.resourceID, statusHash: hash };
    }),
  };
}

/** The list under `member`; a missing or null list reads as empty (Go decodes it to a nil slice). */
function listMember(data: unknown, member: string): unknown[] {
  if (!isObject(data)) throw new MaestroError('INVALID_ARGUMENT', 'resync payload must be a json object');
  const list = data[member];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list))
    throw new MaestroError('INVALID_ARGUMENT', `resync payload '${member}' must be an array`);
  return list;
}
