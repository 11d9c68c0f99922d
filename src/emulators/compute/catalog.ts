// The service catalog returned with each token. Besides the identity service and the routable compute
// endpoint it carries the traps a real catalog has, so a client has to pick by type, interface and region:
// - a 'compute_legacy' service listed before 'compute' (type prefix is not enough);
// - compute endpoints of another region listed first, whose URL does not resolve (`*.invalid`);
// - 'internal' and 'admin' compute endpoints on this server that answer 404.
import { hex32 } from './ids';

export interface CatalogEndpoint {
  id: string;
  interface: 'public' | 'internal' | 'admin';
  region: string;
  region_id: string;
  url: string;
}

export interface CatalogService {
  endpoints: CatalogEndpoint[];
  id: string;
  type: string;
  name: string;
}

export interface CatalogSettings {
  /** Origin of this server, e.g. http://127.0.0.1:4321. */
  origin: string;
  authUrl: string;
  computeUrl: string;
  region: string;
}

const INTERFACES = ['public', 'internal', 'admin'] as const;

/** A second region's name: 'RegionTwo', or 'RegionThree' when the emulator itself is RegionTwo. */
export const otherRegion = (region: string): string => (region === 'RegionTwo' ? 'RegionThree' : 'RegionTwo');

/** 'RegionTwo' -> 'region-two'. */
const slug = (region: string): string => region.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function endpoint(type: string, iface: CatalogEndpoint['interface'], region: string, url: string): CatalogEndpoint {
  return { id: hex32(`endpoint:${type}:${region}:${iface}`), interface: iface, region, region_id: region, url };
}

export function buildCatalog(settings: CatalogSettings, projectId: string): CatalogService[] {
  const { origin, authUrl, computeUrl, region } = settings;
  const far = otherRegion(region);
  const farUrl = `http://compute.${slug(far)}.invalid/v2.1`;
  return [
    {
      endpoints: INTERFACES.map((i) => endpoint('identity', i, region, authUrl)),
      id: hex32('service:identity'),
      type: 'identity',
      name: 'keystone',
    },
    {
      endpoints: INTERFACES.map((i) =>
        endpoint('compute_legacy', i, region, `${origin}/compute-legacy/v2/${projectId}`),
      ),
      id: hex32('service:compute_legacy'),
      type: 'compute_legacy',
      name: 'nova_legacy',
    },
    {
      endpoints: [
        endpoint('compute', 'public', far, farUrl),
        endpoint('compute', 'internal', region, `${origin}/compute-internal/v2.1`),
        endpoint('compute', 'admin', region, `${origin}/compute-admin/v2.1`),
        endpoint('compute', 'public', region, computeUrl),
        endpoint('compute', 'internal', far, farUrl),
        endpoint('compute', 'admin', far, farUrl),
      ],
      id: hex32('service:compute'),
      type: 'compute',
      name: 'nova',
    },
  ];
}
