import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MaestroError } from './errors.ts';

/**
 * The absolute path of a file shipped with the package (e.g. `proto/…`, `deploy/crds/…`), found by
 * walking up from `start`, so it resolves both from the sources (`src/<folder>/`) and from the build
 * output (`dist/src/<folder>/`).
 */
export function findPackageFile(
  relativePath: string,
  start: string = dirname(fileURLToPath(import.meta.url)),
): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) {
      throw new MaestroError('INTERNAL', `package file '${relativePath}' not found above '${start}'`);
    }
  }
}
