/**
 * pipeline-plugin: the pipeline (src/pipeline) as Apollo Server runs it for GraphQL over HTTP. Apollo parses and
 * validates with the pipeline's options and rules and formats errors with its formatter; this
 * plugin calls the remaining stages at Apollo's hooks: the operation check (transport, cost) and
 * the client's rate limits once the operation is resolved, the server-side error report, and at
 * the end the request id on every error and the operation's log line and metrics.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { OperationPipeline } from '../pipeline';

export function pipelinePlugin(pipeline: OperationPipeline): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      let name: string | undefined;
      let type: string | undefined;
      let documentHash: string | undefined;
      return {
        async didResolveSource({ queryHash }) {
          documentHash = queryHash;
        },
        async didResolveOperation({ operation, operationName, document, request, queryHash, contextValue }) {
          name = operationName ?? operation?.name?.value;
          type = operation?.operation;
          const refusal = pipeline.checkOperation({
            transport: 'http',
            document,
            operation,
            variables: request.variables,
            documentKey: queryHash,
          });
          if (refusal) throw refusal;
          const limited = await pipeline.limit({
            context: contextValue,
            document,
            operation,
            variables: request.variables,
          });
          if (limited) throw limited;
        },
        async didEncounterErrors({ errors, contextValue }) {
          pipeline.reportErrors(errors, contextValue);
        },
        async willSendResponse({ response, contextValue }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          if (result?.errors) {
            result.errors = result.errors.map((e) => ({
              ...e,
              extensions: { ...e.extensions, requestId: contextValue.requestId },
            }));
          }
          pipeline.finish({
            transport: 'http',
            context: contextValue,
            startedAt,
            name,
            type,
            errors: result?.errors ?? [],
            hasData: result?.data !== undefined && result.data !== null,
            ...(documentHash !== undefined ? { documentHash } : {}),
          });
        },
      };
    },
  };
}
