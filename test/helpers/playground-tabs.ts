/**
 * The playground's tabs as a user sees them, in order: the first operation name of each tab that
 * src/playground/examples.ts builds from operations/*.graphql. One list for the page test (what the
 * gateway serves) and the browser test (what GraphiQL shows).
 */
export const EXPECTED_TABS = [
  'ListPackages',
  'PackageDetail',
  'ActionDetail',
  'ActivationDetail',
  'InvokeAction',
  'StartRun',
  'ActivationCompleted',
  'ServerHistory',
  // The console's tabs, in order: the writes create console-demo, use it and delete it again.
  'ConsoleTriggers',
  'TriggerDetail',
  'NamespaceActivations',
  'ActionCode',
  'ActionTriggers',
  'CreatePackage',
  'UpdatePackage',
  'CreateAction',
  'UpdateAction',
  'CreateTrigger',
  'UpdateTrigger',
  'LinkTrigger',
  'FireTrigger',
  'UnlinkTrigger',
  'DeleteTrigger',
  'DeleteAction',
  'DeletePackage',
];
