/**
 * cache-plugins: the HTTP caching of answers. GET queries get `Cache-Control: max-age=N, public`
 * (private when clients authenticate: see src/auth/scopes.ts), so a CDN or the browser can keep
 * them; mutations, subscriptions and errors are never cacheable.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import type { GatewayContext } from '../context';

export function cacheControlPlugins(maxAgeSeconds: number): ApolloServerPlugin<GatewayContext>[] {
  return [
    ApolloServerPluginCacheControl({ defaultMaxAge: maxAgeSeconds, calculateHttpHeaders: true }),
    noCacheForMutationsPlugin(),
  ];
}

/** Mutations (and subscriptions) are never cacheable. */
export function noCacheForMutationsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, overallCachePolicy }) {
          if (operation?.operation !== 'query') overallCachePolicy.restrict({ maxAge: 0 });
        },
      };
    },
  };
}
