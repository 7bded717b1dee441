/**
 * Conversions between the REST `ResourceBundle` and the ManifestWork a source client works with (the Go
 * SDK's `ToManifestWork`), and the input accepted for writing a bundle directly by id (the CLI's
 * `apply`).
 */
import type { ManifestWork, ManifestWorkSpec, ObjectMeta, Manifest } from '../work/types.ts';
import type { DeleteOption, ManifestConfigOption } from '../work/types.ts';
import { SEQUENCE_ID_ANNOTATION } from '../work/types.ts';
import type { ResourceBundle } from './rest-types.ts';

/**
 * The ManifestWork a resource bundle describes: ObjectMeta from `metadata` (with `uid` = id, the
 * consumer as namespace and `resourceVersion`/`generation` = the spec `version`), the spec from
 * `manifests`/`delete_option`/`manifest_configs`, the status from `status`. The status' sequence id is
 * kept as the annotation relayed status events carry, so both sources of a work compare alike.
 */
export function toManifestWork(bundle: ResourceBundle): ManifestWork {
  const metadata: ObjectMeta = {
    ...bundle.metadata,
    uid: bundle.id,
    namespace: bundle.metadata?.namespace || bundle.consumer_name,
    resourceVersion: String(bundle.version),
    generation: bundle.version,
  };
  metadata.name ||= bundle.id;
  const spec: ManifestWorkSpec = { workload: { manifests: bundle.manifests ?? [] } };
  if (bundle.delete_option !== undefined && Object.keys(bundle.delete_option).length > 0) {
    spec.deleteOption = bundle.delete_option as DeleteOption;
  }
  if (bundle.manifest_configs !== undefined && bundle.manifest_configs.length > 0) {
    spec.manifestConfigs = bundle.manifest_configs;
  }
  const work: ManifestWork = { metadata, spec };
  if (bundle.status !== undefined) {
    if (bundle.status.SequenceID) {
      metadata.annotations = { ...metadata.annotations, [SEQUENCE_ID_ANNOTATION]: bundle.status.SequenceID };
    }
    work.status = {
      ...(bundle.status.conditions?.length ? { conditions: bundle.status.conditions } : {}),
      resourceStatus: bundle.status.resourceStatus?.length ? { manifests: bundle.status.resourceStatus } : {},
    };
  }
  return work;
}

/**
 * A resource bundle to write by id: what `maestro resourcebundle apply` reads. Without `id` it is
 * created under a new random id; with one it updates that bundle.
 */
export interface ResourceBundleInput {
  /** The bundle id; absent to create a new bundle. */
  id?: string;
  /** The consumer (cluster) the bundle is for. */
  consumer_name: string;
  /** For an update, the version it was based on (a different current version is a conflict); omit for "current". */
  version?: number;
  /** ObjectMeta sent with the bundle (labels, annotations, …); `name` defaults to the id. */
  metadata?: ObjectMeta;
  /** At least one manifest. */
  manifests: Manifest[];
  manifest_configs?: ManifestConfigOption[];
  delete_option?: Partial<DeleteOption>;
}

/** The ManifestWork (spec only) of a bundle input, identified by `id`. */
export function workFromBundleInput(input: ResourceBundleInput, id: string): ManifestWork {
  const metadata: ObjectMeta = {
    ...input.metadata,
    name: input.metadata?.name || id,
    namespace: input.consumer_name,
    uid: id,
    resourceVersion: '0',
  };
  const spec: ManifestWorkSpec = { workload: { manifests: input.manifests } };
  if (input.delete_option !== undefined && Object.keys(input.delete_option).length > 0) {
    spec.deleteOption = input.delete_option as DeleteOption;
  }
  if (input.manifest_configs !== undefined && input.manifest_configs.length > 0) {
    spec.manifestConfigs = input.manifest_configs;
  }
  return { metadata, spec };
}
