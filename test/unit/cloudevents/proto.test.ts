import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findProtoRoot, loadCloudEventService } from '../../../src/cloudevents/proto.ts';

describe('proto contract', () => {
  test('the service exposes upstream method paths', () => {
    const service = loadCloudEventService();
    assert.equal(service.Publish.path, '/io.cloudevents.v1.CloudEventService/Publish');
    assert.equal(service.Publish.responseStream, false);
    assert.equal(service.Subscribe.path, '/io.cloudevents.v1.CloudEventService/Subscribe');
    assert.equal(service.Subscribe.responseStream, true);
  });

  test('the proto is found from the build output folder too', () => {
    const root = findProtoRoot();
    const repo = join(root, '..');
    assert.equal(findProtoRoot(join(repo, 'dist', 'src', 'cloudevents')), root);
  });

  test('subscription requests keep snake_case field names', () => {
    const service = loadCloudEventService();
    const bytes = service.Subscribe.requestSerialize({
      source: 'maestro',
      cluster_name: 'c1',
      data_type: 'x.y.z',
    });
    assert.deepEqual(service.Subscribe.requestDeserialize(bytes), {
      source: 'maestro',
      cluster_name: 'c1',
      data_type: 'x.y.z',
    });
  });
});
