/**
 * fast-check arbitraries shared by the property suites.
 *
 * {@link anyCodePoint} stands in for fast-check's `unit: 'binary'`: the same values (any Unicode
 * scalar value, U+0000 to U+10FFFF without the surrogate block), but the built-in unit builds a
 * reverse map of all 1.1 million code points the first time it is used, about a second of CPU in
 * every test file that touches it. This one is an integer mapped to a code point: fast-check still
 * biases it towards small values, and it costs nothing to build.
 */
import fc from 'fast-check';

const SURROGATES = 0xe000 - 0xd800;

/** One code point as a string: any of the 1,112,064 Unicode scalar values. */
export const anyCodePoint: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 0x10ffff - SURROGATES })
  .map((n) => String.fromCodePoint(n < 0xd800 ? n : n + SURROGATES));

const UNRESERVED = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~'];
const SUB_DELIMS = [...`!$&'()*+,;=`];

/**
 * One character of a URI path segment or query (RFC 3986 `pchar`, plus `/` and `?` in a query):
 * unreserved, a sub-delimiter, `:` or `@`, or any code point percent-encoded as UTF-8. The same
 * alphabet as fast-check's `webPath` and `webQueryParameters`, which build the slow binary unit.
 */
const uriChar = (extra: string[] = []) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...UNRESERVED) },
    { weight: 2, arbitrary: fc.constantFrom(...SUB_DELIMS, ':', '@', ...extra) },
    { weight: 1, arbitrary: anyCodePoint.map(encodeURIComponent) },
  );

/** An absolute URI path of up to 6 segments ('' included), as fast-check's `webPath` makes. */
export const uriPath: fc.Arbitrary<string> = fc
  .array(fc.string({ unit: uriChar(), maxLength: 16 }), { maxLength: 6 })
  .map((segments) => segments.map((segment) => `/${segment}`).join(''));

/** A query string without its `?` ('' included), as fast-check's `webQueryParameters` makes. */
export const uriQuery: fc.Arbitrary<string> = fc.string({ unit: uriChar(['/', '?']), maxLength: 40 });
