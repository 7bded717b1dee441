/** Loads the upstream example JSON kept in test/fixtures/upstream. */
import { readFileSync } from 'node:fs';
import { createEvent, type MaestroEvent } from '../../../src/cloudevents/event.ts';

const FIXTURES = new URL('../../fixtures/upstream/', import.meta.url);

/** The parsed JSON of an upstream fixture file. */
export function loadFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

/** An upstream CloudEvents JSON fixture as a MaestroEvent. */
export function fixtureEvent(name: string): MaestroEvent {
  return createEvent(loadFixture(name) as never);
}
