import type { PackageResolvers } from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import type { ActionSummary, PackageDetail, PackageSource } from '../upstream/cloudfunctions/types';
import { isPlainObject, text, toGqlPlatform } from './values';

/** The package's detail: the one already read, or one call (shared by every field that needs it). */
async function detailOf(source: PackageSource, ctx: GatewayContext): Promise<PackageDetail | null> {
  return source.detail ?? ctx.loaders.functions.package.load(source);
}

/** The action items a package detail carries, when it carries them in a usable shape. */
function actionsCarried(detail: PackageDetail | undefined): ActionSummary[] | undefined {
  const list = detail?.actions ?? detail?.action;
  if (!Array.isArray(list)) return undefined;
  return list.every((a) => a && typeof a.name === 'string') ? list : undefined;
}

export const Package: PackageResolvers = {
  name: (source) => source.package,

  async description(source, _args, ctx) {
    // The list answer carries description: no detail call for it.
    if (source.summary && 'description' in source.summary) return text(source.summary.description) || null;
    // The upstream keeps "" for no description; the schema says null then.
    return text((await detailOf(source, ctx))?.description) || null;
  },

  async parameters(source, _args, ctx) {
    const parameters = (await detailOf(source, ctx))?.parameters;
    return isPlainObject(parameters) ? parameters : null;
  },

  // Known from the address the package was read at; the detail's own value agrees by construction.
  platform: (source) => toGqlPlatform(text(source.detail?.platform)) ?? toGqlPlatform(source.platform),

  async resourceId(source, _args, ctx) {
    return text((await detailOf(source, ctx))?.resourceId);
  },

  async actions(source, _args, ctx) {
    const carried = actionsCarried(source.detail);
    const list = carried ?? (await ctx.loaders.functions.actions.load(source)) ?? [];
    return list.map((summary) => ({
      platform: source.platform,
      package: source.package,
      action: summary.name,
      summary,
    }));
  },
};
