/**
 * The ready-made operations the playground opens with: one tab each, runnable as they are against
 * the built-in emulator's seed data.
 */
export interface PlaygroundTab {
  query: string;
  variables?: string;
}

export const EXAMPLE_TABS: PlaygroundTab[] = [
  {
    query: `# Every package with its actions (1 + N upstream calls)
query ListPackages {
  packages {
    name
    description
    actions {
      name
      runtime
    }
  }
}
`,
  },
  {
    query: `# An action's recent runs, most recent first
query RecentActivations($package: String, $action: String!) {
  action(package: $package, name: $action) {
    name
    limits { timeoutMs memoryMb }
    activations(pageSize: 5) {
      totalCount
      hasNextPage
      nodes { id status durationMs startedAt }
    }
  }
}
`,
    variables: JSON.stringify({ package: 'package003', action: 'action000' }, null, 2),
  },
  {
    query: `# Run an action and wait up to 10 s for its result
mutation Invoke($input: InvokeActionInput!) {
  invokeAction(input: $input) {
    activationId
    completed
    activation { status success result logs durationMs }
  }
}
`,
    variables: JSON.stringify({ input: { package: 'package003', action: 'action000', params: {}, timeoutMs: 10000 } }, null, 2),
  },
  {
    query: `# A long run answers completed: false at once; fetch its result later with the id
mutation StartSlowRun {
  invokeAction(input: { package: "examples", action: "slow", timeoutMs: 0 }) {
    activationId
    completed
  }
}

query WaitForResult($id: ID!) {
  activation(package: "examples", action: "slow", id: $id) {
    status
    success
    result
    durationMs
  }
}
`,
    variables: JSON.stringify({ id: 'paste the activationId here' }, null, 2),
  },
  {
    query: `# What happened to a server: each action and its events, newest first
query ServerHistory($id: ID!) {
  server(id: $id) {
    name
    status
    instanceActions(first: 10) {
      nodes {
        action
        requestId
        startedAt
        message
        events { event result startedAt finishedAt }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
`,
    variables: JSON.stringify({ id: '9f2a8a4e-6f6e-4a8e-9f4c-2b1d2f3c4d5e' }, null, 2),
  },
];
