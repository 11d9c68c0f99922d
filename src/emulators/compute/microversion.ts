// Compute microversions, negotiated the way Nova's WSGI layer does it
// (docs/upstream/compute.md#microversions): the `OpenStack-API-Version` header's "compute X.Y" entry, else
// the legacy `X-OpenStack-Nova-API-Version`, else 2.1; "latest" is the maximum; a malformed string is 400
// and a version outside [min, max] is 406. With no header the answer is the minimum, which is Nova's 2.1
// unless the emulator was started with a higher floor.
import type { IncomingHttpHeaders } from 'node:http';
import { NovaFault } from './faults';

export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

const FORMAT = /^([1-9]\d*)\.([1-9]\d*|0)$/;

export function parseMicroversion(text: string): Microversion | undefined {
  const m = FORMAT.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export const formatMicroversion = (v: Microversion): string => `${v.major}.${v.minor}`;

export const compareMicroversions = (a: Microversion, b: Microversion): number =>
  a.major - b.major || a.minor - b.minor;

/** For option values: throws on a malformed version (a programming error, not a request error). */
export function mustParseMicroversion(text: string, what: string): Microversion {
  const v = parseMicroversion(text);
  if (!v) throw new Error(`${what} is not a microversion (X.Y): ${text}`);
  return v;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

/** The requested version string, or undefined when the client asked for none. */
export function requestedMicroversion(headers: IncomingHttpHeaders): string | undefined {
  const standard = one(headers['openstack-api-version']);
  if (standard !== undefined) {
    for (const item of standard.split(',')) {
      const [service, version, ...rest] = item.trim().split(/\s+/);
      if (service?.toLowerCase() === 'compute' && version !== undefined && rest.length === 0) return version;
    }
  }
  return one(headers['x-openstack-nova-api-version'])?.trim();
}

export function negotiateMicroversion(
  headers: IncomingHttpHeaders,
  min: Microversion,
  max: Microversion,
): Microversion {
  const requested = requestedMicroversion(headers);
  if (requested === undefined) return min;
  if (requested.toLowerCase() === 'latest') return max;
  const v = parseMicroversion(requested);
  if (!v) {
    throw new NovaFault(
      400,
      `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`,
    );
  }
  if (compareMicroversions(v, min) < 0 || compareMicroversions(v, max) > 0) {
    throw new NovaFault(
      406,
      `Version ${formatMicroversion(v)} is not supported by the API. ` +
        `Minimum is ${formatMicroversion(min)} and maximum is ${formatMicroversion(max)}.`,
    );
  }
  return v;
}
