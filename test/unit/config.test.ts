import { loadConfig } from '../../src/config';
import { refusals } from '../helpers/config';

const problems = refusals;

describe('configuration', () => {
  it('defaults to the embedded emulator on 127.0.0.1:4000 with the vpc platform', () => {
    const config = loadConfig({});
    expect(config.cloudFunctions.target).toEqual({ kind: 'embedded' });
    expect(config.compute.target).toEqual({ kind: 'embedded' });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(4000);
    expect(config.cloudFunctions).toEqual({ target: { kind: 'embedded' }, region: 'kr', defaultPlatform: 'vpc' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives the API URL from NCP_REGION', () => {
    const config = loadConfig({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: 'sk', NCP_REGION: 'sg' });
    expect(config.cloudFunctions.target).toEqual({
      kind: 'remote',
      origin: 'https://sg-cloudfunctions.apigw.ntruss.com',
      basePath: '/ncf/api/v2',
      generation: 'v2.1',
      credentials: { accessKey: 'ak' },
    });
  });

  it.each([
    [
      'https://cloudfunctions.apigw.ntruss.com/ncf/api/v2',
      'https://cloudfunctions.apigw.ntruss.com',
      '/ncf/api/v2',
      'v2.1',
    ],
    ['https://cloudfunctions.apigw.ntruss.com/api/v2/', 'https://cloudfunctions.apigw.ntruss.com', '/api/v2', 'v2.0'],
    ['http://127.0.0.1:9999/prefix/ncf/api/v2', 'http://127.0.0.1:9999', '/prefix/ncf/api/v2', 'v2.1'],
  ])('reads NCP_API_URL %s', (url, origin, basePath, generation) => {
    const config = loadConfig({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: 'sk', NCP_API_URL: url });
    expect(config.cloudFunctions.target).toMatchObject({ kind: 'remote', origin, basePath, generation });
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
    // Empty means unset.
    expect(problems({ NCP_ACCESS_KEY: 'ak', NCP_SECRET_KEY: '   ' })).toEqual([
      'NCP_SECRET_KEY: is required when NCP_ACCESS_KEY is set',
    ]);
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
    const target = config.cloudFunctions.target;
    expect(target.kind === 'remote' && target.credentials.secretKey).toBe('the-secret');
    expect(JSON.stringify(config)).not.toContain('the-secret');
    expect(target.kind === 'remote' && Object.keys({ ...target.credentials })).toEqual(['accessKey']);
  });
});

describe('OpenStack configuration', () => {
  const base = {
    OS_AUTH_URL: 'https://keystone.example:5000/v3',
    OS_USERNAME: 'ops',
    OS_PASSWORD: 'pw-secret',
    OS_PROJECT_NAME: 'infra',
  };

  it('reads password authentication with domain defaults, region, interface and microversion', () => {
    const config = loadConfig({ ...base, OS_REGION_NAME: 'RegionTwo' });
    expect(config.compute).toEqual({
      interface: 'public',
      microversion: '2.84',
      region: 'RegionTwo',
      target: {
        kind: 'remote',
        identity: {
          authUrl: 'https://keystone.example:5000/v3',
          credentials: { method: 'password', username: 'ops', userDomainName: 'Default' },
          scope: { projectName: 'infra', projectDomainName: 'Default' },
        },
      },
    });
    const target = config.compute.target;
    expect(target.kind === 'remote' && target.identity.credentials).toHaveProperty('password', 'pw-secret');
    expect(JSON.stringify(config)).not.toContain('pw-secret');
  });

  it('reads application credentials, appends /v3, and takes NOVA_URL and NOVA_MICROVERSION', () => {
    const config = loadConfig({
      OS_AUTH_URL: 'http://keystone:5000/',
      OS_APPLICATION_CREDENTIAL_ID: 'app-id',
      OS_APPLICATION_CREDENTIAL_SECRET: 'app-secret',
      NOVA_URL: 'http://nova:8774/v2.1/',
      NOVA_MICROVERSION: '2.66',
      OS_INTERFACE: 'internalURL',
    });
    expect(config.compute).toEqual({
      interface: 'internal',
      microversion: '2.66',
      novaUrl: 'http://nova:8774/v2.1',
      target: {
        kind: 'remote',
        identity: {
          authUrl: 'http://keystone:5000/v3',
          credentials: { method: 'application_credential', id: 'app-id' },
        },
      },
    });
    expect(JSON.stringify(config)).not.toContain('app-secret');
  });

  it('names what is missing or wrong, without echoing secrets', () => {
    expect(problems({ OS_AUTH_URL: 'https://k/v3', OS_PASSWORD: 'pw-secret' })).toEqual([
      'OS_USERNAME: is required with OS_AUTH_URL (or set OS_USER_ID, or OS_APPLICATION_CREDENTIAL_ID and _SECRET)',
    ]);
    expect(problems({ OS_AUTH_URL: 'https://k/v3', OS_USERNAME: 'ops', OS_PASSWORD: 'pw-secret' })).toEqual([
      'OS_PROJECT_NAME: is required with password authentication (or set OS_PROJECT_ID)',
    ]);
    expect(problems({ ...base, NOVA_MICROVERSION: '3' })).toEqual([
      'NOVA_MICROVERSION: must be a compute microversion such as 2.84 (2.1 or later), or latest',
    ]);
    expect(problems({ OS_AUTH_URL: 'https://k/v3', OS_APPLICATION_CREDENTIAL_SECRET: 'app-secret' })).toEqual([
      'OS_APPLICATION_CREDENTIAL_ID: is required with OS_APPLICATION_CREDENTIAL_SECRET',
    ]);
    expect(problems({ OS_USERNAME: 'ops', OS_PASSWORD: 'pw' })).toEqual([
      'OS_AUTH_URL: is required when OS_USERNAME, OS_PASSWORD are set (without it the local compute emulator is used)',
    ]);
    expect(problems({ ...base, OS_AUTH_URL: 'keystone' })).toEqual(['OS_AUTH_URL: must be an absolute http(s) URL']);
    expect(problems({ ...base, OS_PASSWORD: ' ' })).toEqual(['OS_PASSWORD: is required with OS_USERNAME']);
  });
});

describe('client authentication and limits configuration', () => {
  it('allows GATEWAY_AUTH=none only on loopback, unless explicitly allowed', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }).auth).toEqual({ mode: 'none', allowUnauthenticated: false });
    expect(loadConfig({ HOST: '::1' }).auth.mode).toBe('none');
    expect(loadConfig({ HOST: 'localhost' }).auth.mode).toBe('none');
    expect(problems({ HOST: '0.0.0.0' })).toEqual([
      'GATEWAY_AUTH: is none (anyone can read and invoke), which is allowed only on a loopback HOST; ' +
        'HOST is 0.0.0.0. Set GATEWAY_AUTH=apikey or jwt, or GATEWAY_ALLOW_UNAUTHENTICATED=true ' +
        'to accept anonymous clients anyway.',
    ]);
    expect(loadConfig({ HOST: '0.0.0.0', GATEWAY_ALLOW_UNAUTHENTICATED: 'true' }).auth).toEqual({
      mode: 'none',
      allowUnauthenticated: true,
    });
    expect(loadConfig({ HOST: '0.0.0.0', GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: '/k.json' }).auth).toEqual({
      mode: 'apikey',
      keysFile: '/k.json',
    });
  });

  it('requires what each mode needs', () => {
    expect(problems({ GATEWAY_AUTH: 'apikey' })).toEqual([
      'GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`)',
    ]);
    expect(problems({ GATEWAY_AUTH: 'jwt', GATEWAY_JWKS_URL: 'https://idp/jwks' })).toEqual([
      'GATEWAY_JWT_ISSUER: is required with GATEWAY_AUTH=jwt',
      'GATEWAY_JWT_AUDIENCE: is required with GATEWAY_AUTH=jwt',
    ]);
    expect(
      problems({
        GATEWAY_AUTH: 'jwt',
        GATEWAY_JWKS_URL: 'https://idp/jwks',
        GATEWAY_JWT_ISSUER: 'i',
        GATEWAY_JWT_AUDIENCE: 'a',
        GATEWAY_JWT_ALGORITHMS: 'RS256,HS256',
      }),
    ).toEqual(['GATEWAY_JWT_ALGORITHMS: must list asymmetric algorithms only (e.g. RS256,ES256), not none or HS*']);
  });

  it('refuses unknown JWT algorithm names and a JWKS over plain http off this machine', () => {
    const jwt = { GATEWAY_AUTH: 'jwt', GATEWAY_JWT_ISSUER: 'i', GATEWAY_JWT_AUDIENCE: 'a' };
    expect(
      problems({ ...jwt, GATEWAY_JWKS_URL: 'https://idp.example/jwks', GATEWAY_JWT_ALGORITHMS: 'RS256,RS257,es256' }),
    ).toEqual([
      'GATEWAY_JWT_ALGORITHMS: unknown algorithm "RS257", "es256"; ' +
        'use some of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
    ]);
    expect(problems({ ...jwt, GATEWAY_JWKS_URL: 'http://idp.example/jwks' })).toEqual([
      'GATEWAY_JWKS_URL: must use https (plain http is accepted only for a loopback host)',
    ]);
    for (const local of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9000/jwks']) {
      expect(loadConfig({ ...jwt, GATEWAY_JWKS_URL: local }).auth).toMatchObject({ mode: 'jwt', jwksUrl: local });
    }
  });

  it('bounds the WebSocket caps against each other', () => {
    expect(problems({ GATEWAY_WS_MAX_CONNECTIONS: '5', GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT: '6' })).toEqual([
      'GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT: must not be more than GATEWAY_WS_MAX_CONNECTIONS',
    ]);
    expect(problems({ GATEWAY_MAX_INPUT_DEPTH: '1' })).toEqual([
      'GATEWAY_MAX_INPUT_DEPTH: must be a whole number from 2 to 1000',
    ]);
  });

  it('has safe limits by default, and turns introspection and the playground off in production', () => {
    const dev = loadConfig({});
    expect(dev.limits).toEqual({
      maxDepth: 8,
      maxAliases: 15,
      maxTokens: 1000,
      maxDirectives: 10,
      maxCost: 5000,
      maxInputDepth: 64,
      bodyLimitBytes: 102400,
    });
    expect(dev.http).toEqual({
      corsOrigins: [],
      clientTimeoutMs: 10_000,
      introspection: true,
      playground: true,
      metrics: true,
      cacheMaxAgeSeconds: 5,
      persistedDocumentsOnly: false,
    });
    expect(dev.websocket).toEqual({
      maxConnections: 1000,
      maxConnectionsPerClient: 10,
      maxOperationsPerConnection: 25,
      maxBufferedBytes: 1_048_576,
      maxLifetimeMs: 3_600_000,
    });
    expect(dev.subscriptions.maxPollers).toBe(200);
    // The grace period is derived from the request timeout unless set.
    expect(dev.shutdownGraceMs).toBe(70_000);
    expect(loadConfig({ GATEWAY_REQUEST_TIMEOUT_MS: '120000' }).shutdownGraceMs).toBe(125_000);
    expect(loadConfig({ GATEWAY_SHUTDOWN_GRACE_MS: '30000' }).shutdownGraceMs).toBe(30_000);
    expect(loadConfig({ NODE_ENV: 'production' }).http).toEqual({
      corsOrigins: [],
      clientTimeoutMs: 10_000,
      introspection: false,
      playground: false,
      metrics: true,
      cacheMaxAgeSeconds: 5,
      persistedDocumentsOnly: false,
    });
    expect(problems({ GATEWAY_PERSISTED_DOCUMENTS_ONLY: 'true' })).toEqual([
      'GATEWAY_PERSISTED_DOCUMENTS_ONLY: needs GATEWAY_PERSISTED_DOCUMENTS (the manifest of allowed operations)',
    ]);
    expect(
      loadConfig({ NODE_ENV: 'production', GATEWAY_INTROSPECTION: 'true', GATEWAY_PLAYGROUND: 'true' }).http,
    ).toMatchObject({ introspection: true, playground: true });
  });

  it('reads the CORS allowlist as origins', () => {
    expect(
      loadConfig({ GATEWAY_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).http.corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(problems({ GATEWAY_CORS_ORIGINS: 'https://app.example.com/path,*' })).toEqual([
      'GATEWAY_CORS_ORIGINS: "https://app.example.com/path" is not an origin such as https://app.example.com',
      'GATEWAY_CORS_ORIGINS: "*" is not an origin such as https://app.example.com',
    ]);
  });
});
