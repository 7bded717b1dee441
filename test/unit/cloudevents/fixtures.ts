// Loads the upstream CloudEvent fixtures from test/fixtures/upstream/ (real JSON from upstream Maestro).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/upstream/', import.meta.url));

/** Every `cloudevents*.json` fixture by file name. */
export function upstreamEventFixtures(): { name: string; json: Record<string, unknown> }[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('cloudevents') && name.endsWith('.json'))
    .sort()
    .map((name) => ({ name, json: JSON.parse(readFileSync(dir + name, 'utf8')) as Record<string, unknown> }));
}

/** One fixture by file name. */
export function upstreamFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(dir + name, 'utf8')) as Record<string, unknown>;
}
