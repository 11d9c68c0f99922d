import { checkComputeId, microversionAtLeast, utcDate } from '../../src/resolvers/compute-values';
import { computeEndpoint } from '../../src/upstream/compute/auth';
import { novaError, readFault } from '../../src/upstream/compute/errors';

describe('compute values', () => {
  it('reads Nova times without a zone as UTC', () => {
    expect(utcDate('2018-04-25T01:26:28.909887')?.toISOString()).toBe('2018-04-25T01:26:28.909Z');
    expect(utcDate('2018-04-25T01:26:28Z')?.toISOString()).toBe('2018-04-25T01:26:28.000Z');
    expect(utcDate('2018-04-25T10:26:28+09:00')?.toISOString()).toBe('2018-04-25T01:26:28.000Z');
    expect(utcDate(null)).toBeNull();
    expect(utcDate('')).toBeNull();
    expect(utcDate('yesterday')).toBeNull();
  });

  it('compares microversions numerically', () => {
    expect(microversionAtLeast('2.84', '2.58')).toBe(true);
    expect(microversionAtLeast('2.58', '2.58')).toBe(true);
    expect(microversionAtLeast('2.9', '2.58')).toBe(false);
    expect(microversionAtLeast('2.100', '2.66')).toBe(true);
    expect(microversionAtLeast('latest', '2.66')).toBe(true);
  });

  it('accepts UUIDs and request ids, rejects anything that could reshape a path', () => {
    expect(checkComputeId('server id', '9f2a8a4e-6f6e-4a8e-9f4c-2b1d2f3c4d5e')).toBe(
      '9f2a8a4e-6f6e-4a8e-9f4c-2b1d2f3c4d5e',
    );
    expect(checkComputeId('request id', 'req-4dbefbb7-1234')).toBe('req-4dbefbb7-1234');
    for (const bad of ['', '..', '../x', 'a/b', 'a?b', 'a b', '%2F', 'x'.repeat(256)]) {
      expect(() => checkComputeId('server id', bad)).toThrow(
        expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
      );
    }
  });
});

describe('compute endpoint from the catalog', () => {
  const catalog = [
    { type: 'identity', endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://keystone/v3' }] },
    {
      type: 'compute',
      endpoints: [
        { interface: 'internal', region: 'RegionOne', url: 'http://nova-internal/v2.1' },
        { interface: 'public', region: 'RegionTwo', url: 'http://nova-two/v2.1' },
        { interface: 'public', region: 'RegionOne', url: 'http://nova-one/v2.1/' },
      ],
    },
  ];

  it('picks type compute, the interface and the region', () => {
    expect(computeEndpoint(catalog, { interface: 'public', region: 'RegionOne' })).toBe('http://nova-one/v2.1');
    expect(computeEndpoint(catalog, { interface: 'public', region: 'RegionTwo' })).toBe('http://nova-two/v2.1');
    expect(computeEndpoint(catalog, { interface: 'internal' })).toBe('http://nova-internal/v2.1');
    expect(computeEndpoint(catalog, { interface: 'public' })).toBe('http://nova-two/v2.1');
  });

  it('explains a missing endpoint as a configuration error', () => {
    expect(() => computeEndpoint(catalog, { interface: 'admin', region: 'RegionOne' })).toThrow(
      expect.objectContaining({
        message:
          'The identity catalog has no admin compute endpoint in region RegionOne: ' +
          'check OS_REGION_NAME and OS_INTERFACE, or set NOVA_URL.',
        extensions: expect.objectContaining({ code: 'UPSTREAM_CONFIGURATION' }),
      }),
    );
    expect(() => computeEndpoint(undefined, { interface: 'public' })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_CONFIGURATION' }) }),
    );
  });
});

describe('Nova faults', () => {
  it('reads the fault name and message', () => {
    expect(readFault({ itemNotFound: { code: 404, message: 'Action req-x not found' } })).toEqual({
      name: 'itemNotFound',
      message: 'Action req-x not found',
    });
    expect(readFault('nope')).toEqual({});
  });

  it.each([
    [400, 'badRequest', 'BAD_USER_INPUT'],
    [401, 'unauthorized', 'UPSTREAM_AUTH_FAILED'],
    [403, 'forbidden', 'FORBIDDEN'],
    [404, 'itemNotFound', 'NOT_FOUND'],
    [406, 'notAcceptable', 'UPSTREAM_CONFIGURATION'],
    [409, 'conflictingRequest', 'CONFLICT'],
    [429, 'overLimit', 'RATE_LIMITED'],
    [500, 'computeFault', 'UPSTREAM_UNAVAILABLE'],
    [503, 'serviceUnavailable', 'UPSTREAM_UNAVAILABLE'],
  ])('maps %i %s to %s', (status, name, code) => {
    const error = novaError(status, { [name]: { code: status, message: 'text' } }, undefined, '2.84');
    expect(error.extensions).toMatchObject({ code, upstream: { service: 'compute', status, errorCode: name } });
  });

  it('names the microversion on a 406', () => {
    expect(novaError(406, {}, undefined, '2.200').message).toBe(
      'The compute API does not support microversion 2.200: set NOVA_MICROVERSION to a version it supports.',
    );
  });
});
