import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uuidV5, UUID_NAMESPACE_OID, workUid } from '../../../src/work/index.ts';

describe('work uid golden (protocol.md §14.1)', () => {
  it('derives the upstream example resource id from source, namespace and name', () => {
    assert.equal(
      workUid(
        'mw-client-example',
        '7ff1a8f4-8811-49b4-8c19-9271bc51975e',
        'e44ec579-9646-549a-b679-db8d19d6da37',
      ),
      '55c61e54-a3f6-563d-9fec-b1fe297bdfdb',
    );
  });

  it('matches the RFC 4122 version 5 test vector (python.org in the DNS namespace)', () => {
    assert.equal(
      uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  it('gives different ids for different works and the same id for the same work', () => {
    const a = workUid('source', 'cluster1', 'work-a');
    assert.equal(workUid('source', 'cluster1', 'work-a'), a);
    assert.notEqual(workUid('source', 'cluster1', 'work-b'), a);
    assert.notEqual(workUid('other', 'cluster1', 'work-a'), a);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(UUID_NAMESPACE_OID, '6ba7b812-9dad-11d1-80b4-00c04fd430c8');
  });
});
