/**
 * print-schema: writes the whole schema the gateway serves, as one SDL file, for frontends in other
 * repositories to generate their types from (`src/__generated__/schema.graphql`, committed).
 *
 *   npm run schema:print          writes it
 *   npm run schema:check          fails when the committed file is not what the schema prints
 *
 * It is printed from the same build as the server's (src/schema.ts with the resolvers), so
 * descriptions and scalar definitions are the served ones.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { printSchema } from 'graphql';
import { resolvers } from '../src/resolvers';
import { loadTypeDefs } from '../src/schema';

const OUT = resolve(__dirname, '..', 'src', '__generated__', 'schema.graphql');
const HEADER =
  '# The schema the gateway serves, printed by `npm run schema:print` from schema/*.graphql. Do not edit.\n\n';

const printed =
  HEADER + printSchema(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never })) + '\n';

if (process.argv.includes('--check')) {
  let committed: string;
  try {
    committed = readFileSync(OUT, 'utf8');
  } catch {
    committed = '';
  }
  if (committed !== printed) {
    process.stderr.write(
      'src/__generated__/schema.graphql is out of date: run `npm run schema:print` and commit it.\n',
    );
    process.exit(1);
  }
} else {
  writeFileSync(OUT, printed);
  process.stdout.write(`Wrote ${OUT}\n`);
}
