import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import {
  assertValidManifestBundle,
  validateManifestBundle,
  type ValidationIssue,
} from '../../../src/work/index.ts';
import { loadFixture } from './upstream-fixtures.ts';

type Bundle = Record<string, unknown> & { manifests: Record<string, unknown>[] };

/** A valid bundle with two manifests and one of each option, mutated by each case. */
function validBundle(): Bundle {
  return {
    manifests: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: {},
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web-config', namespace: 'default' },
        data: {},
      },
    ],
    deleteOption: { propagationPolicy: 'Foreground' },
    manifestConfigs: [
      {
        resourceIdentifier: { group: 'apps', resource: 'deployments', name: 'web', namespace: 'default' },
        feedbackRules: [{ type: 'JSONPaths', jsonPaths: [{ name: 'status', path: '.status' }] }],
        updateStrategy: {
          type: 'ServerSideApply',
          serverSideApply: { force: true, fieldManager: 'work-agent' },
        },
      },
    ],
  };
}

const RFC1123_LABEL =
  "must be an rfc 1123 label (lower-case alphanumerics or '-', starting and ending with an alphanumeric)";
const RFC1123_SUBDOMAIN =
  "must be an rfc 1123 subdomain (lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric)";
const RFC1035_LABEL =
  "must be an rfc 1035 label (lower-case alphanumerics or '-', starting with a letter and ending with an alphanumeric)";

interface Case {
  name: string;
  mutate: (bundle: Bundle) => unknown;
  issues: ValidationIssue[];
}

const meta = (bundle: Bundle, index = 0) => bundle.manifests[index].metadata as Record<string, unknown>;
const config = (bundle: Bundle) => (bundle.manifestConfigs as Record<string, unknown>[])[0];

const CASES: Case[] = [
  {
    name: 'bundle is not an object',
    mutate: () => [],
    issues: [{ path: '', message: 'manifest bundle must be a json object, got array' }],
  },
  {
    name: 'manifests missing',
    mutate: (b) => ({ ...b, manifests: undefined }),
    issues: [{ path: 'manifests', message: 'is required' }],
  },
  {
    name: 'manifests not an array',
    mutate: (b) => ({ ...b, manifests: {} }),
    issues: [{ path: 'manifests', message: 'must be an array, got object' }],
  },
  {
    name: 'empty manifests',
    mutate: (b) => ({ ...b, manifests: [] }),
    issues: [{ path: 'manifests', message: 'must contain at least one manifest' }],
  },
  {
    name: 'non-object manifest',
    mutate: (b) => (((b.manifests as unknown[])[1] = 'kind: ConfigMap'), b),
    issues: [{ path: 'manifests[1]', message: 'must be a json object, got string' }],
  },
  {
    name: 'missing kind',
    mutate: (b) => (delete b.manifests[1].kind, b),
    issues: [{ path: 'manifests[1].kind', message: 'is required' }],
  },
  {
    name: 'missing apiVersion',
    mutate: (b) => ((b.manifests[0].apiVersion = ''), b),
    issues: [{ path: 'manifests[0].apiVersion', message: 'is required' }],
  },
  {
    name: 'apiVersion with too many parts',
    mutate: (b) => ((b.manifests[0].apiVersion = 'apps/v1/beta'), b),
    issues: [
      { path: 'manifests[0].apiVersion', message: "'apps/v1/beta' must be 'version' or 'group/version'" },
    ],
  },
  {
    name: 'apiVersion with an invalid version',
    mutate: (b) => ((b.manifests[0].apiVersion = 'apps/V1'), b),
    issues: [{ path: 'manifests[0].apiVersion', message: `version 'V1' ${RFC1035_LABEL}` }],
  },
  {
    name: 'apiVersion with an empty group and an invalid group',
    mutate: (b) => ((b.manifests[0].apiVersion = '/v1'), (b.manifests[1].apiVersion = 'Apps_Group/v1'), b),
    issues: [
      { path: 'manifests[0].apiVersion', message: "group of '/v1' is empty" },
      { path: 'manifests[1].apiVersion', message: `group 'Apps_Group' ${RFC1123_SUBDOMAIN}` },
    ],
  },
  {
    name: 'missing metadata',
    mutate: (b) => (delete b.manifests[0].metadata, b),
    issues: [{ path: 'manifests[0].metadata', message: 'is required' }],
  },
  {
    name: 'missing metadata.name',
    mutate: (b) => (delete meta(b, 1).name, b),
    issues: [{ path: 'manifests[1].metadata.name', message: 'is required' }],
  },
  {
    name: 'invalid name',
    mutate: (b) => ((meta(b).name = 'Web_1'), b),
    issues: [{ path: 'manifests[0].metadata.name', message: `'Web_1' ${RFC1123_SUBDOMAIN}` }],
  },
  {
    name: 'bad namespace',
    mutate: (b) => ((meta(b).namespace = 'Default.ns'), b),
    issues: [{ path: 'manifests[0].metadata.namespace', message: `'Default.ns' ${RFC1123_LABEL}` }],
  },
  {
    name: 'forbidden generateName',
    mutate: (b) => ((meta(b).generateName = 'web-'), b),
    issues: [{ path: 'manifests[0].metadata.generateName', message: 'is forbidden' }],
  },
  {
    name: 'forbidden resourceVersion',
    mutate: (b) => ((meta(b, 1).resourceVersion = '42'), b),
    issues: [{ path: 'manifests[1].metadata.resourceVersion', message: 'is forbidden' }],
  },
  {
    name: 'invalid label value',
    mutate: (b) => ((meta(b).labels = { app: 'has space' }), b),
    issues: [
      {
        path: "manifests[0].metadata.labels['app']",
        message:
          "'has space' must be empty or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric",
      },
    ],
  },
  {
    name: 'duplicate apiVersion/kind/namespace/name',
    mutate: (b) => (b.manifests.push(structuredClone(b.manifests[0])), b),
    issues: [{ path: 'manifests[2]', message: 'duplicates manifests[0] (apps/v1 Deployment default/web)' }],
  },
  {
    name: 'bad propagationPolicy',
    mutate: (b) => ((b.deleteOption = { propagationPolicy: 'Background' }), b),
    issues: [
      {
        path: 'deleteOption.propagationPolicy',
        message: "must be one of Foreground, Orphan, SelectivelyOrphan, got 'Background'",
      },
    ],
  },
  {
    name: 'orphaning rule without resource',
    mutate: (b) => (
      (b.deleteOption = {
        propagationPolicy: 'SelectivelyOrphan',
        selectivelyOrphans: { orphaningRules: [{ name: 'web' }] },
      }),
      b
    ),
    issues: [{ path: 'deleteOption.selectivelyOrphans.orphaningRules[0].resource', message: 'is required' }],
  },
  {
    name: 'bad updateStrategy type',
    mutate: (b) => ((config(b).updateStrategy = { type: 'Replace' }), b),
    issues: [
      {
        path: 'manifestConfigs[0].updateStrategy.type',
        message: "must be one of Update, CreateOnly, ServerSideApply, ReadOnly, got 'Replace'",
      },
    ],
  },
  {
    name: 'updateStrategy without type (the Go agent would crash)',
    mutate: (b) => ((config(b).updateStrategy = {}), b),
    issues: [{ path: 'manifestConfigs[0].updateStrategy.type', message: 'is required' }],
  },
  {
    name: 'JSONPaths without jsonPaths',
    mutate: (b) => ((config(b).feedbackRules = [{ type: 'JSONPaths' }]), b),
    issues: [
      {
        path: 'manifestConfigs[0].feedbackRules[0].jsonPaths',
        message: 'is required when type is JSONPaths',
      },
    ],
  },
  {
    name: 'unknown feedback rule type',
    mutate: (b) => ((config(b).feedbackRules = [{ type: 'Everything' }]), b),
    issues: [
      {
        path: 'manifestConfigs[0].feedbackRules[0].type',
        message: "must be one of WellKnownStatus, JSONPaths, got 'Everything'",
      },
    ],
  },
  {
    name: 'resourceIdentifier without resource and name',
    mutate: (b) => ((config(b).resourceIdentifier = { group: 'apps' }), b),
    issues: [
      { path: 'manifestConfigs[0].resourceIdentifier.resource', message: 'is required' },
      { path: 'manifestConfigs[0].resourceIdentifier.name', message: 'is required' },
    ],
  },
  {
    name: 'CEL condition rule without condition and expressions',
    mutate: (b) => ((config(b).conditionRules = [{ type: 'CEL' }]), b),
    issues: [
      { path: 'manifestConfigs[0].conditionRules[0].condition', message: 'is required when type is CEL' },
      {
        path: 'manifestConfigs[0].conditionRules[0].celExpressions',
        message: 'is required when type is CEL',
      },
    ],
  },
  {
    name: 'ignoreFields without a condition or paths',
    mutate: (b) => (
      (config(b).updateStrategy = { type: 'ServerSideApply', serverSideApply: { ignoreFields: [{}] } }),
      b
    ),
    issues: [
      {
        path: 'manifestConfigs[0].updateStrategy.serverSideApply.ignoreFields[0].condition',
        message: 'is required',
      },
      {
        path: 'manifestConfigs[0].updateStrategy.serverSideApply.ignoreFields[0].jsonPaths',
        message: 'is required (or jsonPointers or jqPathExpressions)',
      },
    ],
  },
  {
    name: 'executer with an unsupported subject type',
    mutate: (b) => ((b.executer = { subject: { type: 'User' } }), b),
    issues: [{ path: 'executer.subject.type', message: "must be one of ServiceAccount, got 'User'" }],
  },
  {
    name: 'executer service account without name',
    mutate: (b) => (
      (b.executer = { subject: { type: 'ServiceAccount', serviceAccount: { namespace: 'ns' } } }),
      b
    ),
    issues: [{ path: 'executer.subject.serviceAccount.name', message: 'is required' }],
  },
  {
    name: 'several problems are all reported, in bundle order',
    mutate: (b) => (
      delete b.manifests[0].kind,
      (meta(b, 1).namespace = 'NS'),
      (b.deleteOption = { propagationPolicy: '' }),
      b
    ),
    issues: [
      { path: 'manifests[0].kind', message: 'is required' },
      { path: 'manifests[1].metadata.namespace', message: `'NS' ${RFC1123_LABEL}` },
      { path: 'deleteOption.propagationPolicy', message: 'is required' },
    ],
  },
];

describe('validation table: malformed bundles report every problem with its path', () => {
  it('starts from a valid bundle', () => {
    assert.deepEqual(validateManifestBundle(validBundle()), []);
  });

  for (const testCase of CASES) {
    it(testCase.name, () => {
      assert.deepEqual(validateManifestBundle(testCase.mutate(validBundle())), testCase.issues);
    });
  }

  it('has at least 15 cases', () => {
    assert.ok(CASES.length >= 15);
  });
});

describe('validation table: accepted bundles', () => {
  const fixtures = [
    'cloudevents.grpcclient.json',
    'cloudevents.spec.maestro.json',
    'cloudevents_cloudevent.json',
    'cloudevents_cloudevent-update.json',
  ];
  for (const name of fixtures) {
    it(`accepts the upstream bundle of ${name}`, () => {
      assert.deepEqual(validateManifestBundle(loadFixture(name).data), []);
    });
  }

  it('accepts the bundle inside cloudevents.status.maestro.json', () => {
    const data = loadFixture<{ data: { manifestBundle: unknown } }>('cloudevents.status.maestro.json').data;
    assert.deepEqual(validateManifestBundle(data.manifestBundle), []);
  });

  it('accepts cluster-scoped objects and RBAC names with colons', () => {
    const bundle = {
      manifests: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'system:team-a:reader' },
        },
      ],
      executer: {
        subject: { type: 'ServiceAccount', serviceAccount: { namespace: 'team-a', name: 'deployer' } },
      },
    };
    assert.deepEqual(validateManifestBundle(bundle), []);
  });
});

describe('assertValidManifestBundle', () => {
  it('returns a valid bundle unchanged', () => {
    const bundle = validBundle();
    assert.equal(assertValidManifestBundle(bundle), bundle);
  });

  it('throws INVALID_ARGUMENT listing every problem as "path: message" details', () => {
    const bundle = validBundle();
    delete bundle.manifests[0].kind;
    delete meta(bundle, 1).name;
    assert.throws(
      () => assertValidManifestBundle(bundle),
      (err) => {
        assert.ok(isMaestroError(err, 'INVALID_ARGUMENT'));
        assert.deepEqual(err.details, [
          'manifests[0].kind: is required',
          'manifests[1].metadata.name: is required',
        ]);
        assert.equal(
          err.message,
          'invalid manifest bundle: manifests[0].kind: is required; manifests[1].metadata.name: is required',
        );
        return true;
      },
    );
  });
});
