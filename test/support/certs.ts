/**
 * A throw-away PKI for TLS tests (gRPC, MQTT mTLS, AWS IoT against Mosquitto), made with the
 * `openssl` CLI in a temporary directory: one CA, then any number of leaf certificates with the
 * subject (CN, O) and SANs a test needs. Keys are EC P-256. Files are world-readable because
 * Mosquitto started as root drops to its own user before reading them.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The subject and names of a certificate. */
export interface CertificateSubject {
  commonName: string;
  /** Organisation (O) values, in order (Maestro's mTLS maps them to groups). */
  organizations?: string[];
  /** DNS subject alternative names. */
  dnsNames?: string[];
  /** IP subject alternative names. */
  ipAddresses?: string[];
}

/** A certificate and its key, as PEM text and as files. */
export interface IssuedCertificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** The CA plus a way to issue leaves; {@link TestPki.cleanup} removes the directory. */
export interface TestPki {
  readonly dir: string;
  readonly ca: IssuedCertificate;
  /**
   * Issues a certificate signed by the CA, usable for both server and client authentication.
   * `name` names its files (`<name>.crt`, `<name>.key`).
   */
  issue(name: string, subject: CertificateSubject): Promise<IssuedCertificate>;
  cleanup(): Promise<void>;
}

/** Default SANs for a loopback server certificate. */
export const LOOPBACK_NAMES: Pick<CertificateSubject, 'dnsNames' | 'ipAddresses'> = {
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1', '::1'],
};

/** Creates a CA in a fresh temporary directory. */
export async function createTestPki(
  caSubject: CertificateSubject = { commonName: 'maestro test ca' },
): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-pki-'));
  await chmod(dir, 0o755);
  const ca = files(dir, 'ca');
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-nodes',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-keyout',
    ca.keyFile,
    '-out',
    ca.certFile,
    '-days',
    '2',
    '-subj',
    subjectText(caSubject),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const caIssued = await load(ca);

  return {
    dir,
    ca: caIssued,
    async issue(name, subject) {
      const leaf = files(dir, name);
      const csr = join(dir, `${name}.csr`);
      const ext = join(dir, `${name}.ext`);
      await run('openssl', [
        'req',
        '-new',
        '-nodes',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-keyout',
        leaf.keyFile,
        '-out',
        csr,
        '-subj',
        subjectText(subject),
      ]);
      const sans = [
        ...(subject.dnsNames ?? []).map((n) => `DNS:${n}`),
        ...(subject.ipAddresses ?? []).map((ip) => `IP:${ip}`),
      ];
      await writeFile(
        ext,
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          'extendedKeyUsage=serverAuth,clientAuth',
          ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
        ].join('\n'),
      );
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.certFile,
        '-CAkey',
        ca.keyFile,
        '-CAcreateserial',
        '-out',
        leaf.certFile,
        '-days',
        '2',
        '-extfile',
        ext,
      ]);
      return load(leaf);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function files(dir: string, name: string): { certFile: string; keyFile: string } {
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

async function load(paths: { certFile: string; keyFile: string }): Promise<IssuedCertificate> {
  await chmod(paths.keyFile, 0o644);
  await chmod(paths.certFile, 0o644);
  const [cert, key] = await Promise.all([readFile(paths.certFile, 'utf8'), readFile(paths.keyFile, 'utf8')]);
  return { ...paths, cert, key };
}

/** `/O=a/O=b/CN=x` with `/`, `=`, `+` and `\` escaped as openssl expects. */
function subjectText(subject: CertificateSubject): string {
  const escape = (value: string) => value.replace(/[\\/=+]/g, (c) => `\\${c}`);
  const parts = [
    ...(subject.organizations ?? []).map((o) => `O=${escape(o)}`),
    `CN=${escape(subject.commonName)}`,
  ];
  return `/${parts.join('/')}`;
}
