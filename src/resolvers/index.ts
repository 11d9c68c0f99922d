/** All resolvers, one file per GraphQL type. Resolvers shape data; loaders and clients fetch it. */
import type { Resolvers } from '../__generated__/resolvers-types';
import { Action } from './Action';
import { Activation } from './Activation';
import { ActivationPage } from './ActivationPage';
import { InstanceAction } from './InstanceAction';
import { InstanceActionConnection } from './InstanceActionConnection';
import { InstanceActionEvent } from './InstanceActionEvent';
import { Mutation } from './Mutation';
import { Package } from './Package';
import { Query } from './Query';
import { scalars } from './scalars';
import { Server } from './Server';
import { Subscription } from './Subscription';
import { Trigger } from './Trigger';

export const resolvers: Resolvers = {
  ...scalars,
  Query,
  Mutation,
  Subscription,
  Package,
  Action,
  ActivationPage,
  Activation,
  Trigger,
  Server,
  InstanceActionConnection,
  InstanceAction,
  InstanceActionEvent,
};
