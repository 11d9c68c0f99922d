/**
 * upstream: builds the process-wide upstream clients from configuration: one keep-alive Pool per
 * origin and one signer per credential, created once at start-up and closed at shutdown.
 */
import type { Pool } from 'undici';
import type { GatewayConfig } from '../config';
import { CloudFunctionsClient } from './cloudfunctions/client';
import { createSigner } from './cloudfunctions/signer';
import { createPool, type UpstreamObserver } from './http';

/** UTC offset of each region's local time (v2.0 activation time filters are local). */
const REGION_UTC_OFFSET_HOURS = { kr: 9, sg: 8, jp: 9 } as const;

export interface Upstreams {
  functions: CloudFunctionsClient;
  /** Lets queued requests finish, then closes every connection. */
  close(): Promise<void>;
}

export function createUpstreams(config: GatewayConfig, observer?: UpstreamObserver): Upstreams {
  const cf = config.cloudFunctions;
  if (!cf.credentials || !cf.origin) {
    throw new Error('Cloud Functions origin and credentials must be resolved before the upstreams are created');
  }
  const pools: Pool[] = [];
  const cfPool = createPool(cf.origin, config.upstreamHttp);
  pools.push(cfPool);
  const functions = new CloudFunctionsClient({
    origin: cf.origin,
    basePath: cf.basePath,
    generation: cf.generation,
    utcOffsetHours: REGION_UTC_OFFSET_HOURS[cf.region],
    signer: createSigner(cf.credentials.accessKey, cf.credentials.secretKey),
    dispatcher: cfPool,
    ...(observer ? { observer } : {}),
  });
  return {
    functions,
    async close() {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}
