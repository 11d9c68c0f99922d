import { ConfigError, loadConfig, withEmbeddedCloudFunctions } from '../../src/config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the embedded emulator on 127.0.0.1:4000 with the vpc platform', () => {
    const config = loadConfig({});
    expect(config.cloudFunctions.credentials).toBeUndefined();
    expect(config.compute.identity).toBeUndefined();
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(4000);
    expect(config.cloudFunctions).toEqual({ basePath: '/ncf/api/v2', generation: 'v2.1', region: 'kr', defaultPlatform: 'vpc' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives the API URL from NCP_REGION', () => {
    const config = loadConfig({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: 'sk', NCP_REGION: 'sg' });
    expect(config.cloudFunctions.credentials?.accessKey).toBe('ak');
    expect(config.cloudFunctions.origin).toBe('https://sg-cloudfunctions.apigw.ntruss.com');
    expect(config.cloudFunctions.basePath).toBe('/ncf/api/v2');
    expect(config.cloudFunctions.generation).toBe('v2.1');
  });

  it.each([
    ['https://cloudfunctions.apigw.ntruss.com/ncf/api/v2', 'https://cloudfunctions.apigw.ntruss.com', '/ncf/api/v2', 'v2.1'],
    ['https://cloudfunctions.apigw.ntruss.com/api/v2/', 'https://cloudfunctions.apigw.ntruss.com', '/api/v2', 'v2.0'],
    ['http://127.0.0.1:9999/prefix/ncf/api/v2', 'http://127.0.0.1:9999', '/prefix/ncf/api/v2', 'v2.1'],
  ])('reads NCP_API_URL %s', (url, origin, basePath, generation) => {
    const config = loadConfig({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: 'sk', NCP_API_URL: url });
    expect(config.cloudFunctions).toMatchObject({ origin, basePath, generation });
  });

  it('sends the platform given by NCP_PLATFORM, case-insensitively', () => {
    expect(loadConfig({ NCP_PLATFORM: 'CLASSIC' }).cloudFunctions.defaultPlatform).toBe('classic');
  });

  it('names every invalid variable', () => {
    expect(problems({ PORT: 'eighty', NCP_REGION: 'us', NCP_PLATFORM: 'cloud' })).toEqual([
      'PORT: must be a whole number from 0 to 65535',
      'NCP_REGION: must be one of: kr, sg, jp',
      'NCP_PLATFORM: must be one of: vpc, classic',
    ]);
    expect(problems({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: 'sk', NCP_API_URL: 'https://example.com/v1' })).toEqual([
      'NCP_API_URL: must end with the API path prefix /ncf/api/v2 (v2.1) or /api/v2 (v2.0)',
    ]);
    expect(problems({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: 'sk', NCP_API_URL: 'ftp://x/api/v2' })).toEqual([
      'NCP_API_URL: must use http or https',
    ]);
  });

  it('requires both keys, and never echoes a secret', () => {
    const secret = 'very-secret-value-123';
    const listed = problems({ NCP_SECRET_KEY: secret });
    expect(listed).toEqual(['NCP_ACCESS_KEY: is required when NCP_SECRET_KEY is set']);
    expect(problems({ NCP_ACCESS_KEY: 'ak' })).toEqual(['NCP_SECRET_KEY: is required when NCP_ACCESS_KEY is set']);
    expect(problems({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: '   ' })).toEqual(['NCP_SECRET_KEY: must not be empty']);
    let message = '';
    try {
      loadConfig({ NCP_SECRET_KEY: secret, PORT: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('PORT');
    expect(message).not.toContain(secret);
  });

  it('refuses NCP_API_URL without credentials', () => {
    expect(problems({ NCP_API_URL: 'https://cloudfunctions.apigw.ntruss.com/ncf/api/v2' })).toEqual([
      'NCP_API_URL: is set but NCP_ACCESS_KEY is not (without credentials the local emulator is used)',
    ]);
  });

  it('keeps the secret key out of serialised configuration', () => {
    const config = loadConfig({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: 'the-secret' });
    expect(config.cloudFunctions.credentials?.secretKey).toBe('the-secret');
    expect(JSON.stringify(config)).not.toContain('the-secret');
    const embedded = withEmbeddedCloudFunctions(loadConfig({}), 'http://127.0.0.1:1234', { accessKey: 'a', secretKey: 'emu-secret' });
    expect(embedded.cloudFunctions.origin).toBe('http://127.0.0.1:1234');
    expect(embedded.cloudFunctions.credentials?.secretKey).toBe('emu-secret');
    expect(JSON.stringify(embedded)).not.toContain('emu-secret');
  });
});
