/** All resolvers, one file per GraphQL type. Resolvers shape data; loaders and clients fetch it. */
import type { Resolvers } from '../__generated__/resolvers-types';
import { Action } from './Action';
import { Activation } from './Activation';
import { ActivationPage } from './ActivationPage';
import { Mutation } from './Mutation';
import { Package } from './Package';
import { Query } from './Query';
import { scalars } from './scalars';

export const resolvers: Resolvers = {
  ...scalars,
  Query,
  Mutation,
  Package,
  Action,
  ActivationPage,
  Activation,
};
