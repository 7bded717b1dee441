import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManifestConfigOption, ResourceMeta } from '../../../../src/work/types.ts';
import {
  effectiveUpdateStrategy,
  findManifestConfig,
  isOwnedByTheWork,
  wildcardMatch,
} from '../../../../src/agent/kube/manifest-config.ts';

const deployment: ResourceMeta = {
  ordinal: 0,
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  resource: 'deployments',
  name: 'web-frontend',
  namespace: 'team-a',
};

const id = (name: string, namespace = 'team-a', group = 'apps', resource = 'deployments') => ({
  group,
  resource,
  name,
  namespace,
});

test('wildcards match any run of characters; other characters are literal', () => {
  assert.equal(wildcardMatch('web-*', 'web-frontend'), true);
  assert.equal(wildcardMatch('*', ''), true);
  assert.equal(wildcardMatch('*front*', 'web-frontend'), true);
  assert.equal(wildcardMatch('web', 'web-frontend'), false);
  assert.equal(wildcardMatch('web.frontend', 'web-frontend'), false);
  assert.equal(wildcardMatch('team-?', 'team-a'), false);
});

test('group and resource must match exactly; name and namespace are globs; cluster scope uses an empty namespace', () => {
  const rules = [{ type: 'WellKnownStatus' as const }];
  assert.ok(
    findManifestConfig(deployment, [{ resourceIdentifier: id('web-*', 'team-*'), feedbackRules: rules }]),
  );
  assert.equal(
    findManifestConfig(deployment, [
      { resourceIdentifier: id('*', '*', 'extensions'), feedbackRules: rules },
    ]),
    undefined,
  );
  assert.equal(
    findManifestConfig(deployment, [
      { resourceIdentifier: id('*', '*', 'apps', 'deployment'), feedbackRules: rules },
    ]),
    undefined,
  );
  assert.equal(
    findManifestConfig(deployment, [{ resourceIdentifier: id('*', ''), feedbackRules: rules }]),
    undefined,
  );
  const ns: ResourceMeta = {
    ...deployment,
    group: '',
    kind: 'Namespace',
    resource: 'namespaces',
    name: 'team-a',
    namespace: '',
  };
  assert.ok(
    findManifestConfig(ns, [
      { resourceIdentifier: { resource: 'namespaces', name: 'team-*' }, feedbackRules: rules },
    ]),
  );
});

test('feedbackRules, updateStrategy and conditionRules come from the first match that sets them; scrape type from the last', () => {
  const options: ManifestConfigOption[] = [
    { resourceIdentifier: id('nothing-matches'), updateStrategy: { type: 'ReadOnly' } },
    { resourceIdentifier: id('*'), feedbackScrapeType: 'Watch' },
    {
      resourceIdentifier: id('web-*'),
      updateStrategy: { type: 'ServerSideApply' },
      feedbackScrapeType: 'Poll',
    },
    {
      resourceIdentifier: id('web-frontend'),
      updateStrategy: { type: 'CreateOnly' },
      feedbackRules: [{ type: 'WellKnownStatus' }],
      conditionRules: [{ type: 'CEL', condition: 'A', celExpressions: [] }],
    },
    {
      resourceIdentifier: id('*'),
      feedbackRules: [{ type: 'JSONPaths', jsonPaths: [] }],
      conditionRules: [{ type: 'CEL', condition: 'B' }],
      feedbackScrapeType: 'Watch',
    },
  ];
  const config = findManifestConfig(deployment, options);
  assert.deepEqual(config?.updateStrategy, { type: 'ServerSideApply' });
  assert.deepEqual(config?.feedbackRules, [{ type: 'WellKnownStatus' }]);
  assert.equal(config?.conditionRules?.[0].condition, 'A');
  assert.equal(config?.feedbackScrapeType, 'Watch');
});

test('a match that only sets the scrape type is no config', () => {
  assert.equal(
    findManifestConfig(deployment, [{ resourceIdentifier: id('*'), feedbackScrapeType: 'Watch' }]),
    undefined,
  );
  assert.equal(findManifestConfig(deployment, undefined), undefined);
});

test('the update strategy defaults to Update, also for an empty type', () => {
  assert.deepEqual(effectiveUpdateStrategy(undefined), { type: 'Update' });
  assert.equal(effectiveUpdateStrategy({ updateStrategy: { type: '' as 'Update' } }).type, 'Update');
  assert.deepEqual(
    effectiveUpdateStrategy({
      updateStrategy: { type: 'ServerSideApply', serverSideApply: { force: true } },
    }),
    {
      type: 'ServerSideApply',
      serverSideApply: { force: true },
    },
  );
});

test('ownership per delete option', () => {
  const cm = { group: '', resource: 'configmaps', namespace: 'ns', name: 'keep' };
  assert.equal(isOwnedByTheWork(cm, undefined), true);
  assert.equal(isOwnedByTheWork(cm, { propagationPolicy: 'Foreground' }), true);
  assert.equal(isOwnedByTheWork(cm, { propagationPolicy: 'Orphan' }), false);
  assert.equal(isOwnedByTheWork(cm, { propagationPolicy: 'SelectivelyOrphan' }), true);
  const selective = {
    propagationPolicy: 'SelectivelyOrphan' as const,
    selectivelyOrphans: {
      orphaningRules: [{ group: '', resource: 'configmaps', namespace: 'ns', name: 'keep' }],
    },
  };
  assert.equal(isOwnedByTheWork(cm, selective), false);
  assert.equal(isOwnedByTheWork({ ...cm, name: 'other' }, selective), true);
  assert.equal(isOwnedByTheWork({ ...cm, namespace: 'ns2' }, selective), true);
  const wildcard = {
    ...selective,
    selectivelyOrphans: { orphaningRules: [{ resource: 'configmaps', namespace: 'ns', name: '*' }] },
  };
  assert.equal(isOwnedByTheWork(cm, wildcard), true, 'orphaning rules do not support wildcards');
});
