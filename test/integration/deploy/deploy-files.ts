/**
 * Reads the files under `deploy/` for the deployment tests: YAML documents of the plain manifests and
 * the charts' static files, the Helm templates as text, and the flags the real binary accepts.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

/** Repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** `deploy/`. */
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
/** The plain manifests. */
export const KUBERNETES_DIR = join(DEPLOY_DIR, 'kubernetes');
/** The Helm charts. */
export const CHART_DIRS = {
  server: join(DEPLOY_DIR, 'helm', 'maestro-server'),
  agent: join(DEPLOY_DIR, 'helm', 'maestro-agent'),
} as const;

/** A Kubernetes object as written in a manifest. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** One object plus where it was written. */
export interface LocatedObject {
  file: string;
  object: ManifestObject;
}

/** Files under `dir` (recursively) whose name ends with one of `extensions`, sorted. */
export function listFiles(dir: string, extensions: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(path, extensions));
    else if (extensions.some((ext) => entry.name.endsWith(ext))) found.push(path);
  }
  return found.sort();
}

/** Every non-empty YAML document of a file; throws on any YAML error, naming the file. */
export function readYamlDocuments(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  const values: unknown[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new Error(`${relative(REPO_ROOT, path)}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** Every object of the YAML files under `dir`, with the file each came from. */
export function readObjects(dir: string): LocatedObject[] {
  return listFiles(dir, ['.yaml', '.yml']).flatMap((path) =>
    readYamlDocuments(path).map((object) => ({
      file: relative(REPO_ROOT, path),
      object: object as ManifestObject,
    })),
  );
}

/** A pod container as the tests read it. */
export interface ContainerSpec {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string }[];
}

/** The pod template of a Deployment. */
export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    serviceAccountName?: string;
    initContainers?: ContainerSpec[];
    containers: ContainerSpec[];
    volumes?: { name: string; secret?: { secretName: string } }[];
  };
}

/** The pod template of a Deployment object. */
export function podTemplateOf(object: ManifestObject): PodTemplate {
  return (object.spec as { template: PodTemplate }).template;
}

/** Every container (init containers first) of a pod template. */
export function containersOf(template: PodTemplate): ContainerSpec[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers];
}

const run = promisify(execFile);

/**
 * The `--flags` `maestro <subcommand> --help` lists, running the real CLI with this test's Node
 * (`process.execPath` is the repository's Node 24).
 */
export async function acceptedFlags(subcommand: 'server' | 'agent' | 'migration'): Promise<Set<string>> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'cmd', 'maestro.ts'), subcommand, '--help'], {
    cwd: REPO_ROOT,
  });
  return new Set([...stdout.matchAll(/(?<![\w-])(--[a-z0-9][a-z0-9-]*)/g)].map((m) => m[1] as string));
}
