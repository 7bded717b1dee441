/**
 * The JSON shapes of Maestro's REST API (`/api/maestro/v1`), field for field as the server (and upstream)
 * presents them. Timestamps are RFC 3339 strings.
 */
import type {
  Condition,
  DeleteOption,
  Manifest,
  ManifestCondition,
  ManifestConfigOption,
  ObjectMeta,
} from '../work/types.ts';

/** A consumer: a managed cluster registered with Maestro. */
export interface Consumer {
  id: string;
  kind: 'Consumer';
  href: string;
  name: string;
  /** Absent when the consumer has none. */
  labels?: Record<string, string>;
  created_at: string;
  updated_at: string;
}

/** The status of a resource bundle as stored from the agent's last report. */
export interface ResourceBundleStatus {
  /** The spec version the agent reported on (upstream's capitalised Go field name). */
  ObservedVersion: number;
  /** The sequence id of that report (upstream's capitalised Go field name). */
  SequenceID: string;
  conditions: Condition[];
  resourceStatus: ManifestCondition[];
}

/** A resource bundle: one ManifestWork as the server stores it. */
export interface ResourceBundle {
  id: string;
  kind: 'ResourceBundle';
  href: string;
  name: string;
  consumer_name: string;
  /** The spec version; grows by one per accepted update. */
  version: number;
  created_at: string;
  updated_at: string;
  /** Present once the bundle is marked for deletion. */
  deleted_at?: string;
  /** The ManifestWork's ObjectMeta as its source sent it. */
  metadata: ObjectMeta;
  manifests: Manifest[];
  /** `[]` when none. */
  manifest_configs: ManifestConfigOption[];
  /** `{}` when none. */
  delete_option: Partial<DeleteOption>;
  /** Absent until the agent's first status report. */
  status?: ResourceBundleStatus;
}

/** A page of a list: `size` items returned out of `total` matches. */
export interface RestList<T> {
  kind: string;
  page: number;
  size: number;
  total: number;
  items: T[];
}

/** Query parameters of the REST list endpoints. */
export interface RestListOptions {
  /** The server's search language, e.g. `name like 'prod%'` or `consumer_name='c1'`. */
  search?: string;
  /** 1-based page number; default 1. */
  page?: number;
  /** Items per page; default 100 (the server's default). */
  size?: number;
  /** `column [asc|desc]`, comma separated. */
  orderBy?: string;
}
