import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  EMPTY_STATUS_HASH,
  goQuote,
  manifestWorkStatusHash,
  statusHash,
  statusHashInput,
} from '../../../src/work/index.ts';
import type { Condition, ManifestBundleStatus, ManifestCondition } from '../../../src/work/index.ts';
import { loadFixture } from './upstream-fixtures.ts';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const condition = (overrides: Partial<Condition> = {}): Condition => ({
  type: 'Applied',
  status: 'True',
  lastTransitionTime: '2025-01-02T03:04:05Z',
  reason: 'R',
  message: 'm',
  ...overrides,
});

describe('status hash golden (protocol.md §8.3)', () => {
  it('reproduces the statushash of cloudevents.agent.json', () => {
    const event = loadFixture<{ data: ManifestBundleStatus; statushash: string }>('cloudevents.agent.json');
    assert.equal(statusHash(event.data), '6170884280acbd9d5e69ac59a00ef7cf84d50669621643782e7a3f1ab05836cf');
    assert.equal(statusHash(event.data), event.statushash);
  });

  it('reproduces the statushash of cloudevents.status.maestro.json (manifestBundle is not hashed)', () => {
    const event = loadFixture<{ data: ManifestBundleStatus }>('cloudevents.status.maestro.json');
    const expected = 'e3b23766bcdd155db51bf1d715bdf5224a06bdf597461b4f80bce8ba220121de';
    assert.equal(statusHash(event.data), expected);
    const { manifestBundle: _ignored, ...withoutBundle } = event.data;
    assert.equal(statusHash(withoutBundle), expected);
  });

  it('hashes exactly the canonical text documented in protocol.md', () => {
    const event = loadFixture<{ data: ManifestBundleStatus }>('cloudevents.agent.json');
    assert.equal(
      statusHashInput(event.data.conditions ?? undefined, event.data.resourceStatus),
      '{"conditions":[{"lastTransitionTime":"2025-12-16T06:00:17Z","message":"Apply manifest work complete","observedGeneration":1,"reason":"AppliedManifestWorkComplete","status":"True","type":"Applied"}],"resourceStatus":{"manifests":[{"conditions":[{"lastTransitionTime":"2025-12-16T06:00:17Z","message":"Apply manifest complete","reason":"AppliedManifestComplete","status":"True","type":"Applied"}],"resourceMeta":{"group":"apps","kind":"Deployment","name":"maestro-e2e-upgrade-test","namespace":"default","ordinal":0,"resource":"deployments","version":"v1"},"statusFeedback":{}}]}}',
    );
  });

  it('gives the same hash for the flat payload and the nested ManifestWork status', () => {
    const { data } = loadFixture<{ data: ManifestBundleStatus }>('cloudevents.status.maestro.json');
    const nested = manifestWorkStatusHash({
      conditions: data.conditions ?? undefined,
      resourceStatus: { manifests: data.resourceStatus },
    });
    assert.equal(nested, statusHash(data));
  });

  it('exports the hash of the empty string for resources without status', () => {
    assert.equal(EMPTY_STATUS_HASH, sha256(''));
  });
});

describe('status hash escaping (Go encoding/json)', () => {
  it('escapes < > & U+2028 U+2029 like Go', () => {
    assert.equal(goQuote('a<b>&c\u2028d\u2029'), '"a\\u003cb\\u003e\\u0026c\\u2028d\\u2029"');
  });

  it('uses short escapes for common controls and \\u00xx for the rest', () => {
    assert.equal(goQuote('"\\\n\r\t\b\f\u0001\u001f'), '"\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f"');
  });

  it('keeps other non-ASCII text raw and turns lone surrogates into U+FFFD', () => {
    assert.equal(goQuote('é😀\u007f'), '"é😀\u007f"');
    assert.equal(goQuote('x\ud800y'), '"x\ufffdy"');
  });

  it('hashes a message with HTML characters through the escaped text', () => {
    const conditions = [condition({ message: 'a<b>&c\u2028' })];
    const expectedText =
      '{"conditions":[{"lastTransitionTime":"2025-01-02T03:04:05Z","message":"a\\u003cb\\u003e\\u0026c\\u2028","reason":"R","status":"True","type":"Applied"}],"resourceStatus":{}}';
    assert.equal(statusHashInput(conditions, undefined), expectedText);
    assert.equal(statusHash({ conditions }), sha256(expectedText));
  });
});

describe('status hash omitempty rules', () => {
  it('writes resourceStatus as {} and drops empty or null work conditions', () => {
    assert.equal(statusHashInput(undefined, undefined), '{"resourceStatus":{}}');
    assert.equal(statusHashInput([], []), '{"resourceStatus":{}}');
    assert.equal(statusHash({ conditions: null }), sha256('{"resourceStatus":{}}'));
  });

  it('omits observedGeneration 0 but keeps empty reason and message', () => {
    assert.equal(
      statusHashInput([condition({ observedGeneration: 0, reason: '', message: '' })], undefined),
      '{"conditions":[{"lastTransitionTime":"2025-01-02T03:04:05Z","message":"","reason":"","status":"True","type":"Applied"}],"resourceStatus":{}}',
    );
  });

  it('always writes resourceMeta fields and statusFeedback, and null for unset manifest conditions', () => {
    const manifest = {
      resourceMeta: {
        ordinal: 0,
        group: '',
        version: 'v1',
        kind: 'ConfigMap',
        resource: '',
        name: 'x',
        namespace: '',
      },
    } as unknown as ManifestCondition;
    assert.equal(
      statusHashInput(undefined, [manifest]),
      '{"resourceStatus":{"manifests":[{"conditions":null,"resourceMeta":{"group":"","kind":"ConfigMap","name":"x","namespace":"","ordinal":0,"resource":"","version":"v1"},"statusFeedback":{}}]}}',
    );
  });

  it('keeps zero, false and empty feedback values (pointer fields) and drops unknown fields', () => {
    const manifest: ManifestCondition = {
      resourceMeta: {
        ordinal: 1,
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        name: 'w',
        namespace: 'd',
      },
      statusFeedback: {
        values: [
          { name: 'replicas', fieldValue: { type: 'Integer', integer: 0 } },
          { name: 'ready', fieldValue: { type: 'Boolean', boolean: false } },
          { name: 'phase', fieldValue: { type: 'String', string: '' } },
        ],
      },
      conditions: [],
    };
    (manifest as unknown as Record<string, unknown>).extra = 'dropped';
    assert.equal(
      statusHashInput(undefined, [manifest]),
      '{"resourceStatus":{"manifests":[{"conditions":[],"resourceMeta":{"group":"apps","kind":"Deployment","name":"w","namespace":"d","ordinal":1,"resource":"deployments","version":"v1"},"statusFeedback":{"values":[{"fieldValue":{"integer":0,"type":"Integer"},"name":"replicas"},{"fieldValue":{"boolean":false,"type":"Boolean"},"name":"ready"},{"fieldValue":{"string":"","type":"String"},"name":"phase"}]}}]}}',
    );
  });

  it('normalises lastTransitionTime to UTC whole seconds like metav1.Time', () => {
    const text = statusHashInput(
      [condition({ lastTransitionTime: '2025-01-02T05:04:05.987654321+02:00' })],
      undefined,
    );
    assert.match(text, /"lastTransitionTime":"2025-01-02T03:04:05Z"/);
    assert.match(
      statusHashInput([condition({ lastTransitionTime: '' })], undefined),
      /"lastTransitionTime":null/,
    );
  });
});
