import { toActivationStatus, toDate, toInt } from '../../src/resolvers/values';
import { checkName, checkPackage, isValidName } from '../../src/upstream/cloudfunctions/paths';
import { buildQuery } from '../../src/upstream/http';

describe('value conversions', () => {
  it('reads durations as integers or numeric strings', () => {
    expect(toInt(12)).toBe(12);
    expect(toInt('12')).toBe(12);
    expect(toInt(' 7 ')).toBe(7);
    expect(toInt('12ms')).toBeNull();
    expect(toInt(null)).toBeNull();
  });

  it('reads times as epoch ms or ISO strings', () => {
    expect(toDate(1732500000000)?.toISOString()).toBe('2024-11-25T02:00:00.000Z');
    expect(toDate('1732500000000')?.toISOString()).toBe('2024-11-25T02:00:00.000Z');
    expect(toDate('2024-11-25T02:00:00Z')?.toISOString()).toBe('2024-11-25T02:00:00.000Z');
    expect(toDate('never')).toBeNull();
  });

  it.each([
    ['success', 'SUCCESS'],
    ['application error', 'APPLICATION_ERROR'],
    ['application_error', 'APPLICATION_ERROR'],
    ['Action Developer Error', 'ACTION_DEVELOPER_ERROR'],
    ['whisk internal error', 'INTERNAL_ERROR'],
    [0, 'SUCCESS'],
    [2, 'ACTION_DEVELOPER_ERROR'],
    ['3', 'INTERNAL_ERROR'],
    ['weird', null],
    [undefined, null],
  ])('maps status %p to %p', (raw, expected) => {
    expect(toActivationStatus(raw)).toBe(expected);
  });
});

describe('names and paths', () => {
  it('follows the NCP name rule', () => {
    expect(isValidName('package_001-a')).toBe(true);
    expect(isValidName('a'.repeat(50))).toBe(true);
    expect(isValidName('a'.repeat(51))).toBe(false);
    expect(isValidName('-leading')).toBe(false);
    expect(isValidName('')).toBe(false);
    for (const bad of ['a/b', '..', 'a?b', 'a%2Fb', 'ünï', 'a b']) expect(isValidName(bad)).toBe(false);
  });

  it('treats a missing package as "-" and rejects bad names as BAD_USER_INPUT', () => {
    expect(checkPackage(undefined)).toBe('-');
    expect(checkPackage(null)).toBe('-');
    expect(checkPackage('-')).toBe('-');
    expect(checkPackage('pkg')).toBe('pkg');
    expect(() => checkName('action', '../etc')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
  });

  it('builds the query once, in order, without a bare ?', () => {
    expect(buildQuery([])).toBe('');
    expect(
      buildQuery([
        ['platform', 'vpc'],
        ['timeout', undefined],
      ]),
    ).toBe('?platform=vpc');
    expect(
      buildQuery([
        ['platform', 'vpc'],
        ['timeout', 0],
      ]),
    ).toBe('?platform=vpc&timeout=0');
    expect(buildQuery([['start', '2026-11-25T09:00:00']])).toBe('?start=2026-11-25T09%3A00%3A00');
  });
});
