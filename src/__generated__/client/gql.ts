/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ServerHistory($id: ID!, $first: Int, $after: String) {\n  server(id: $id) {\n    id\n    name\n    status\n    instanceActions(first: $first, after: $after) {\n      nodes {\n        requestId\n        action\n        startedAt\n        message\n        events {\n          event\n          result\n          startedAt\n          finishedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.ServerHistoryDocument,
    "query ListPackages {\n  packages {\n    name\n    description\n    actions {\n      name\n      runtime\n    }\n  }\n}\n\nquery PackageDetail($name: String!) {\n  package(name: $name) {\n    name\n    description\n    parameters\n    actions {\n      name\n      description\n      type\n    }\n  }\n}\n\nquery ActionDetail($package: String, $name: String!, $page: Int, $pageSize: Int) {\n  action(package: $package, name: $name) {\n    name\n    description\n    runtime\n    limits {\n      timeoutMs\n      memoryMb\n    }\n    parameters\n    activations(page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      hasNextPage\n      nodes {\n        id\n        status\n        success\n        durationMs\n      }\n    }\n  }\n}\n\nquery ActivationDetail($package: String, $action: String!, $id: ID!) {\n  activation(package: $package, action: $action, id: $id) {\n    id\n    name\n    status\n    success\n    result\n    logs\n    startedAt\n    endedAt\n    durationMs\n  }\n}\n\nmutation InvokeAction($input: InvokeActionInput!) {\n  invokeAction(input: $input) {\n    activationId\n    completed\n    activation {\n      id\n      status\n      success\n      result\n      logs\n      durationMs\n    }\n  }\n}\n\nsubscription ActivationCompleted($package: String, $action: String!, $id: ID!) {\n  activationCompleted(package: $package, action: $action, id: $id) {\n    id\n    status\n    success\n    result\n    logs\n    durationMs\n  }\n}": typeof types.ListPackagesDocument,
};
const documents: Documents = {
    "query ServerHistory($id: ID!, $first: Int, $after: String) {\n  server(id: $id) {\n    id\n    name\n    status\n    instanceActions(first: $first, after: $after) {\n      nodes {\n        requestId\n        action\n        startedAt\n        message\n        events {\n          event\n          result\n          startedAt\n          finishedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.ServerHistoryDocument,
    "query ListPackages {\n  packages {\n    name\n    description\n    actions {\n      name\n      runtime\n    }\n  }\n}\n\nquery PackageDetail($name: String!) {\n  package(name: $name) {\n    name\n    description\n    parameters\n    actions {\n      name\n      description\n      type\n    }\n  }\n}\n\nquery ActionDetail($package: String, $name: String!, $page: Int, $pageSize: Int) {\n  action(package: $package, name: $name) {\n    name\n    description\n    runtime\n    limits {\n      timeoutMs\n      memoryMb\n    }\n    parameters\n    activations(page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      hasNextPage\n      nodes {\n        id\n        status\n        success\n        durationMs\n      }\n    }\n  }\n}\n\nquery ActivationDetail($package: String, $action: String!, $id: ID!) {\n  activation(package: $package, action: $action, id: $id) {\n    id\n    name\n    status\n    success\n    result\n    logs\n    startedAt\n    endedAt\n    durationMs\n  }\n}\n\nmutation InvokeAction($input: InvokeActionInput!) {\n  invokeAction(input: $input) {\n    activationId\n    completed\n    activation {\n      id\n      status\n      success\n      result\n      logs\n      durationMs\n    }\n  }\n}\n\nsubscription ActivationCompleted($package: String, $action: String!, $id: ID!) {\n  activationCompleted(package: $package, action: $action, id: $id) {\n    id\n    status\n    success\n    result\n    logs\n    durationMs\n  }\n}": types.ListPackagesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ServerHistory($id: ID!, $first: Int, $after: String) {\n  server(id: $id) {\n    id\n    name\n    status\n    instanceActions(first: $first, after: $after) {\n      nodes {\n        requestId\n        action\n        startedAt\n        message\n        events {\n          event\n          result\n          startedAt\n          finishedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query ServerHistory($id: ID!, $first: Int, $after: String) {\n  server(id: $id) {\n    id\n    name\n    status\n    instanceActions(first: $first, after: $after) {\n      nodes {\n        requestId\n        action\n        startedAt\n        message\n        events {\n          event\n          result\n          startedAt\n          finishedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ListPackages {\n  packages {\n    name\n    description\n    actions {\n      name\n      runtime\n    }\n  }\n}\n\nquery PackageDetail($name: String!) {\n  package(name: $name) {\n    name\n    description\n    parameters\n    actions {\n      name\n      description\n      type\n    }\n  }\n}\n\nquery ActionDetail($package: String, $name: String!, $page: Int, $pageSize: Int) {\n  action(package: $package, name: $name) {\n    name\n    description\n    runtime\n    limits {\n      timeoutMs\n      memoryMb\n    }\n    parameters\n    activations(page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      hasNextPage\n      nodes {\n        id\n        status\n        success\n        durationMs\n      }\n    }\n  }\n}\n\nquery ActivationDetail($package: String, $action: String!, $id: ID!) {\n  activation(package: $package, action: $action, id: $id) {\n    id\n    name\n    status\n    success\n    result\n    logs\n    startedAt\n    endedAt\n    durationMs\n  }\n}\n\nmutation InvokeAction($input: InvokeActionInput!) {\n  invokeAction(input: $input) {\n    activationId\n    completed\n    activation {\n      id\n      status\n      success\n      result\n      logs\n      durationMs\n    }\n  }\n}\n\nsubscription ActivationCompleted($package: String, $action: String!, $id: ID!) {\n  activationCompleted(package: $package, action: $action, id: $id) {\n    id\n    status\n    success\n    result\n    logs\n    durationMs\n  }\n}"): (typeof documents)["query ListPackages {\n  packages {\n    name\n    description\n    actions {\n      name\n      runtime\n    }\n  }\n}\n\nquery PackageDetail($name: String!) {\n  package(name: $name) {\n    name\n    description\n    parameters\n    actions {\n      name\n      description\n      type\n    }\n  }\n}\n\nquery ActionDetail($package: String, $name: String!, $page: Int, $pageSize: Int) {\n  action(package: $package, name: $name) {\n    name\n    description\n    runtime\n    limits {\n      timeoutMs\n      memoryMb\n    }\n    parameters\n    activations(page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      hasNextPage\n      nodes {\n        id\n        status\n        success\n        durationMs\n      }\n    }\n  }\n}\n\nquery ActivationDetail($package: String, $action: String!, $id: ID!) {\n  activation(package: $package, action: $action, id: $id) {\n    id\n    name\n    status\n    success\n    result\n    logs\n    startedAt\n    endedAt\n    durationMs\n  }\n}\n\nmutation InvokeAction($input: InvokeActionInput!) {\n  invokeAction(input: $input) {\n    activationId\n    completed\n    activation {\n      id\n      status\n      success\n      result\n      logs\n      durationMs\n    }\n  }\n}\n\nsubscription ActivationCompleted($package: String, $action: String!, $id: ID!) {\n  activationCompleted(package: $package, action: $action, id: $id) {\n    id\n    status\n    success\n    result\n    logs\n    durationMs\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;