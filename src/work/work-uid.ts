/**
 * The ManifestWork id a Go client SDK derives from its source id, namespace (consumer) and work name
 * (sdk-go `utils.UID`, protocol.md §14.1). Maestro uses it as the resource id, so a client can find a
 * work by name without a lookup table.
 */
import { createHash } from 'node:crypto';

/** RFC 4122 name-space id for ISO OIDs (`uuid.NameSpaceOID`), which upstream uses. */
export const UUID_NAMESPACE_OID = '6ba7b812-9dad-11d1-80b4-00c04fd430c8';

/** A name-based (SHA-1, version 5) UUID of `name` in `namespaceUuid`. */
export function uuidV5(name: string, namespaceUuid: string): string {
  const namespaceBytes = Buffer.from(namespaceUuid.replaceAll('-', ''), 'hex');
  const digest = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The resource id of the ManifestWork `namespace/name` created by source `sourceId`: UUIDv5 of
 * `<sourceId>-manifestworks.work.open-cluster-management.io-<namespace>-<name>`.
 */
export function workUid(sourceId: string, namespace: string, name: string): string {
  return uuidV5(
    `${sourceId}-manifestworks.work.open-cluster-management.io-${namespace}-${name}`,
    UUID_NAMESPACE_OID,
  );
}
