/**
 * A throwaway certificate authority and a server certificate it signs for
 * 127.0.0.1 and localhost. The Duo client only speaks https, so the simulator
 * needs a certificate the adapter can be told to trust (DUO_CA_FILE).
 */
import { generate } from 'selfsigned';

export interface TestTlsMaterial {
  caPem: string;
  serverKeyPem: string;
  serverCertPem: string;
}

export async function generateTestTls(): Promise<TestTlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 24 * 60 * 60_000);
  // EC keys: generating RSA-2048 twice would add noticeable time to every test file.
  const ca = await generate([{ name: 'commonName', value: 'secops-bot Duo simulator test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, serverKeyPem: server.private, serverCertPem: server.cert };
}
