/**
 * The CloudEvent extension attributes Maestro and the OCM work agent use, and how each is typed on
 * the gRPC wire (protocol.md §3). On MQTT and Pub/Sub every value travels as a string.
 */

/** Extension names (CloudEvents extension names are lower-case ASCII letters and digits). */
export const EXT = {
  resourceId: 'resourceid',
  resourceVersion: 'resourceversion',
  clusterName: 'clustername',
  originalSource: 'originalsource',
  deletionTimestamp: 'deletiontimestamp',
  sequenceId: 'sequenceid',
  statusHash: 'statushash',
  metadata: 'metadata',
  logTracing: 'logtracing',
} as const;

/** How an attribute value is typed in the protobuf `CloudEventAttributeValue` oneof. */
export type AttributeKind = 'string' | 'integer' | 'timestamp' | 'boolean' | 'bytes' | 'uri' | 'uriref';

/**
 * The wire kind of the extensions whose kind is fixed by upstream. Extensions not listed here are
 * typed by their JavaScript value (number → integer, boolean → boolean, Uint8Array → bytes, else string).
 */
export const EXTENSION_KINDS: Readonly<Record<string, AttributeKind>> = {
  [EXT.resourceVersion]: 'integer',
  [EXT.deletionTimestamp]: 'timestamp',
  [EXT.resourceId]: 'string',
  [EXT.clusterName]: 'string',
  [EXT.originalSource]: 'string',
  [EXT.sequenceId]: 'string',
  [EXT.statusHash]: 'string',
  [EXT.metadata]: 'string',
  [EXT.logTracing]: 'string',
};
