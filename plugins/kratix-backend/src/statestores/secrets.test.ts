import { ConfigReader } from '@backstage/config';
import { ConfigSecrets, redact, secretDataFor } from './secrets';

const store = (secretRef?: object) => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'BucketStateStore',
  metadata: { name: 'minio-store' },
  spec: { secretRef },
});

describe('ConfigSecrets', () => {
  const secrets = ConfigSecrets.fromConfig(
    new ConfigReader({
      kratix: {
        secrets: [
          {
            name: 'minio-credentials',
            namespace: 'default',
            data: {
              accessKeyID: 'AKIAEXAMPLE',
              secretAccessKey: 's3cr3t-value',
            },
          },
          { name: 'git', data: { password: 'hunter22' } },
        ],
      },
    }),
  );

  it('finds a secret by namespace and name, the namespace defaulting to default', () => {
    expect(secrets.get('default', 'git')).toEqual({ password: 'hunter22' });
    expect(secrets.get('other', 'git')).toBeUndefined();
    expect(
      secretDataFor(store({ name: 'minio-credentials' }), secrets, {
        required: ['accessKeyID', 'secretAccessKey'],
      }),
    ).toEqual({ accessKeyID: 'AKIAEXAMPLE', secretAccessKey: 's3cr3t-value' });
  });

  it('names what is missing', () => {
    expect(() =>
      secretDataFor(store(), secrets, { required: ['accessKeyID'] }),
    ).toThrow(
      'BucketStateStore "minio-store": spec.secretRef.name is required',
    );
    expect(() =>
      secretDataFor(store({ name: 'git', namespace: 'team-a' }), secrets, {
        required: ['password'],
      }),
    ).toThrow('secret "team-a/git" not found (define it under kratix.secrets)');
    expect(() =>
      secretDataFor(store({ name: 'git' }), secrets, {
        required: ['password', 'username'],
      }),
    ).toThrow('secret "default/git" is missing key: username');
  });

  it('refuses a secret defined twice', () => {
    expect(
      () =>
        new ConfigSecrets([
          { name: 'a', data: {} },
          { name: 'a', namespace: 'default', data: {} },
        ]),
    ).toThrow('secret default/a is defined twice');
  });

  it('scrubs every value from a message', () => {
    expect(
      redact(
        'auth AKIAEXAMPLE:s3cr3t-value failed for hunter22',
        secrets.values(),
      ),
    ).toBe('auth <redacted>:<redacted> failed for <redacted>');
  });
});
