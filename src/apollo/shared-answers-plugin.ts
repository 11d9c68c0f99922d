/**
 * shared-answers-plugin: queries over HTTP answered without executing them, by an identical query in
 * flight or from the response cache (src/pipeline/operation-dedupe), at Apollo Server's hooks:
 *
 *   - responseForOperation (after the operation is resolved and checked, cost and rate limits
 *     included): the pipeline decides. A follower or a cache hit returns its answer here (Apollo
 *     then skips execution, and runs willSendResponse, where ./pipeline-plugin puts the request's
 *     OWN requestId on every error and writes its log line); the leader returns null and executes.
 *     The leader's cache policy is put on the follower's request, so that Cache-Control (GET) comes
 *     out as the leader's would (./cache-plugins; the policy plugin never sees a follower execute).
 *   - willSendResponse, the leader: its answer as the client receives it (errors formatted) is given
 *     to those who wait, and to the response cache. Apollo runs it after every outcome of execution,
 *     errors and a thrown execution included (sendErrorResponse).
 *   - unexpectedErrorProcessingRequest: Apollo failed outside execution (a hook threw) and answers
 *     500 without willSendResponse: the leader has nothing to share, its followers start again.
 *     An incremental answer (@defer) is not shared either.
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext, type GraphQLResponse } from '@apollo/server';
import type { GatewayContext } from '../context';
import { refusals } from '../errors';
import type { OperationPipeline } from '../pipeline';
import { sha256Hex } from '../pipeline/documents';
import { answerFor, type Begun, type SharedAnswer } from '../pipeline/operation-dedupe';

type Execution = Extract<Begun, { kind: 'execute' }>;

export function sharedAnswersPlugin(pipeline: OperationPipeline): ApolloServerPlugin<GatewayContext> {
  const leaders = new WeakMap<GraphQLRequestContext<GatewayContext>, Execution>();
  const settle = (requestContext: GraphQLRequestContext<GatewayContext>, answer: SharedAnswer | undefined) => {
    const execution = leaders.get(requestContext);
    if (!execution) return;
    leaders.delete(requestContext);
    execution.done(answer);
  };
  return {
    async requestDidStart() {
      return {
        async responseForOperation(requestContext): Promise<GraphQLResponse | null> {
          const { operation, contextValue, request } = requestContext;
          // No operation: Apollo's execution answers why (an unknown or ambiguous operation name).
          if (!pipeline.sharing.active || operation?.operation !== 'query') return null;
          const begun = await pipeline.sharing.begin({
            transport: 'http',
            context: contextValue,
            documentHash: requestContext.queryHash ?? sha256Hex(requestContext.source),
            operationName: requestContext.operationName,
            variables: request.variables,
          });
          if (begun.kind === 'execute') {
            leaders.set(requestContext, begun);
            return null;
          }
          if (begun.kind === 'left') {
            // Its client left, or its deadline passed, while it waited for an identical query.
            const errors = pipeline.present([refusals.sharedAnswerTimedOut()], contextValue.requestId);
            return {
              http: { status: 504, headers: new HeaderMap() },
              body: { kind: 'single', singleResult: { errors } },
            };
          }
          const { status, cachePolicy } = begun.answer;
          if (cachePolicy) requestContext.overallCachePolicy.replace(cachePolicy);
          return {
            http: { ...(status !== undefined ? { status } : {}), headers: new HeaderMap() },
            body: { kind: 'single', singleResult: answerFor(begun.answer, contextValue.requestId) },
          };
        },
        async willSendResponse(requestContext) {
          if (!leaders.has(requestContext)) return;
          const { response, overallCachePolicy } = requestContext;
          if (response.body.kind !== 'single') return settle(requestContext, undefined);
          const { singleResult } = response.body;
          settle(requestContext, {
            result: { ...singleResult, ...(singleResult.errors ? { errors: [...singleResult.errors] } : {}) },
            ...(response.http.status !== undefined ? { status: response.http.status } : {}),
            cachePolicy: {
              ...(overallCachePolicy.maxAge !== undefined ? { maxAge: overallCachePolicy.maxAge } : {}),
              ...(overallCachePolicy.scope !== undefined ? { scope: overallCachePolicy.scope } : {}),
            },
          });
        },
      };
    },
    async unexpectedErrorProcessingRequest({ requestContext }) {
      settle(requestContext as GraphQLRequestContext<GatewayContext>, undefined);
    },
  };
}
