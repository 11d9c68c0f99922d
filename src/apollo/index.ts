/**
 * apollo: Apollo Server as the gateway runs it for GraphQL over HTTP. Its policies are the
 * pipeline's (src/pipeline): its error formatter (masking, suggestions), parse options and
 * validation rules (introspection among them, so Apollo's own switch stays on), and the stages
 * Apollo does not run itself, through ./pipeline-plugin. Automatic persisted queries are Apollo's,
 * kept in its memory, or in Redis for a fleet (src/fleet/apq-store). Queries answered without
 * executing them (an identical one in flight, the response cache): ./shared-answers-plugin.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import type { GatewayContext } from '../context';
import { APQ_TTL_SECONDS, FleetApqStore } from '../fleet/apq-store';
import type { FleetEngine } from '../fleet/engine';
import type { OperationPipeline } from '../pipeline';
import { playgroundLandingPage } from '../playground';
import { cacheControlPlugins } from './cache-plugins';
import { pipelinePlugin } from './pipeline-plugin';
import { sharedAnswersPlugin } from './shared-answers-plugin';

export interface ApolloOptions {
  pipeline: OperationPipeline;
  config: Pick<GatewayConfig, 'http' | 'auth'>;
  logger: Logger;
  /** Where the playground page is served (its requests go there too). */
  graphqlPath: string;
  /** The shared Redis, when configured: automatic persisted queries are the fleet's (src/fleet/apq-store). */
  fleet?: FleetEngine | undefined;
}

export async function startApollo({
  pipeline,
  config,
  logger,
  graphqlPath,
  fleet,
}: ApolloOptions): Promise<ApolloServer<GatewayContext>> {
  const apollo = new ApolloServer<GatewayContext>({
    schema: pipeline.schema,
    formatError: pipeline.formatError,
    parseOptions: pipeline.parseOptions,
    validationRules: pipeline.validationRules,
    introspection: true,
    hideSchemaDetailsFromClientErrors: false,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // APQ: in Apollo's own memory for one process; shared through Redis by a fleet.
    ...(fleet ? { persistedQueries: { cache: new FleetApqStore(fleet), ttl: APQ_TTL_SECONDS } } : {}),
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT: readiness first, then drain, then close the upstream pools.
    stopOnTerminationSignals: false,
    logger,
    plugins: [
      ...cacheControlPlugins(config.http.cacheMaxAgeSeconds),
      config.http.playground
        ? playgroundLandingPage(graphqlPath, { authMode: config.auth.mode })
        : ApolloServerPluginLandingPageDisabled(),
      sharedAnswersPlugin(pipeline),
      pipelinePlugin(pipeline),
    ],
  });
  await apollo.start();
  return apollo;
}
