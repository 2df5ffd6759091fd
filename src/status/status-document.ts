import type { PlatformConfig } from '../config/types';
import { estimateShared, estimateStates, SHARED_ESTIMATE } from '../cost/environment-cost';
import type { CostEstimate } from '../cost/estimator';
import { formatStateTable } from '../cost/format';
import { alignTable, markdownTable } from './markdown';
import { type ModuleSource, moduleSources, readModuleFolders } from './module-sources';
import {
  MODULE_TAG,
  type PlatformResource,
  type PlatformStacks,
  platformResources,
  synthesizePlatformStacks,
} from './platform-resources';
import { type SeedModuleStatus, seedModuleStatus } from './seed-modules';

/** Where `npm run docs` writes the status document. */
export const STATUS_DOCUMENT_PATH = 'docs/STATUS.md';

/** Where the module folders are read from. */
export const MODULES_ROOT = 'src/modules';

/** Everything the status document is made from. */
export interface StatusInput {
  readonly config: PlatformConfig;
  /** The committed platform's templates, by environment and `shared` (`synthesizePlatformStacks`). */
  readonly stacks: PlatformStacks;
  /** The folders of `src/modules/` (`moduleSources(readModuleFolders(...))`). */
  readonly modules: readonly ModuleSource[];
  /** Every environment in every state, then the shared stacks, as the README's cost table. */
  readonly costs: readonly CostEstimate[];
}

const code = (text: string) => `\`${text}\``;

/** Resource counts by module, environment and type. */
type Counts = Map<string, Map<string, Map<string, number>>>;

function countResources(resources: readonly PlatformResource[]): Counts {
  const counts: Counts = new Map();
  for (const { module, environment, type } of resources) {
    const byEnvironment = counts.get(module) ?? new Map<string, Map<string, number>>();
    const byType = byEnvironment.get(environment) ?? new Map<string, number>();
    byType.set(type, (byType.get(type) ?? 0) + 1);
    byEnvironment.set(environment, byType);
    counts.set(module, byEnvironment);
  }
  return counts;
}

function total(counts: Counts, modules: readonly string[], environment: string): number {
  let sum = 0;
  for (const module of modules) for (const n of counts.get(module)?.get(environment)?.values() ?? []) sum += n;
  return sum;
}

/** Rows of resource type x environment for the given module tags (a module column when several), and a total row. */
function resourceTable(
  counts: Counts,
  modules: readonly string[],
  environments: readonly string[],
  labelled = modules.length > 1,
): string {
  const present = environments.filter((env) => total(counts, modules, env) > 0);
  const typesOf = (group: readonly string[]) =>
    [
      ...new Set(group.flatMap((m) => [...(counts.get(m)?.values() ?? [])].flatMap((byType) => [...byType.keys()]))),
    ].sort();
  const row = (group: readonly string[], type: string) =>
    present.map((env) => group.reduce((sum, m) => sum + (counts.get(m)?.get(env)?.get(type) ?? 0), 0));
  const totals = present.map((env) => total(counts, modules, env));
  if (!labelled) {
    return markdownTable(
      ['resource type', ...present],
      [...typesOf(modules).map((type) => [type, ...row(modules, type)]), ['all', ...totals]],
    );
  }
  return markdownTable(
    ['module', 'resource type', ...present],
    [...modules.flatMap((m) => typesOf([m]).map((type) => [code(m), type, ...row([m], type)])), ['', 'all', ...totals]],
  );
}

function environmentsSection(input: StatusInput, environments: readonly string[]): string {
  const rows = environments.flatMap((env) =>
    (input.stacks[env] ?? []).map((stack) => [
      env,
      stack.stackName,
      stack.region,
      Object.keys(stack.template.Resources ?? {}).length,
    ]),
  );
  const states = input.config.environments.map((env) => `${env.name} ${env.state}`).join(', ');
  return [
    '## Environments',
    `The committed configuration synthesized once (${states}; \`${SHARED_ESTIMATE}\` is the account-level stage):`,
    markdownTable(['environment', 'stack', 'region', 'resources'], rows),
  ].join('\n\n');
}

function modulesSection(input: StatusInput, resources: readonly PlatformResource[], environments: readonly string[]) {
  const counts = countResources(resources);
  const tagsOf = (source: ModuleSource) => [...new Set(source.constructs.flatMap((c) => (c.tag ? [c.tag] : [])))];
  const claimed = new Set(input.modules.flatMap(tagsOf));
  const overview = markdownTable(
    ['folder', 'main construct', 'module tag', ...environments],
    input.modules.map((source) => [
      code(source.folder),
      source.constructs.map((c) => code(c.name)).join(', '),
      tagsOf(source).map(code).join(', '),
      ...environments.map((env) => total(counts, tagsOf(source), env)),
    ]),
  );
  const sections = input.modules.map((source) => {
    const tags = tagsOf(source);
    const constructs = source.constructs.map(
      (c) => `- ${code(c.name)} (${code(`${source.folder}/${c.file}`)}): ${c.summary}`,
    );
    const resourcesText =
      tags.length === 0
        ? `No ${code(MODULE_TAG)} tag of its own: its resources are counted under the modules that use it (${source.usedBy.map(code).join(', ')}).`
        : tags.every((tag) => !counts.has(tag))
          ? 'No resources in the committed configuration.'
          : resourceTable(counts, tags, environments);
    return [`### ${code(source.folder)}`, constructs.join('\n'), resourcesText].join('\n\n');
  });
  const outside = [...counts.keys()].filter((module) => !claimed.has(module)).sort();
  const outsideSection =
    outside.length === 0
      ? []
      : [
          '### Outside the modules',
          'Resources no module construct tags (named as the cost estimator names them, from their construct path):',
          resourceTable(counts, outside, environments, true),
        ];
  return [
    '## Modules',
    `Each folder of ${code(`${MODULES_ROOT}/`)} with the first sentence of its main construct's doc comment, and the CloudFormation resources it creates in each environment, counted by the ${code(MODULE_TAG)} tag its constructs put on them (a resource that cannot carry tags counts under the construct above it).`,
    overview,
    ...sections,
    ...outsideSection,
  ].join('\n\n');
}

function costsSection(input: StatusInput): string {
  return [
    '## States and their costs',
    'Monthly cost of each environment in each state, priced from the templates and the committed price table (details: `npx booking-infra cost <env>`):',
    alignTable(formatStateTable(input.costs, true)),
  ].join('\n\n');
}

/** Most modules a piece of evidence may be found in to say where a seed module now lives. */
const LOCATING = 4;

/** The modules a seed module's evidence was found in (evidence found nearly everywhere, like a tag, locates nothing). */
function foundIn(status: SeedModuleStatus): string {
  if (status.module.replacedBy !== undefined) return status.module.replacedBy;
  const locating = status.findings.filter((f) => f.modules.length <= LOCATING);
  return [...new Set(locating.flatMap((f) => f.modules))].sort().map(code).join(', ');
}

function evidenceLines(status: SeedModuleStatus): string[] {
  return [
    ...(status.module.replacedBy === undefined ? [] : [`- replaced: ${status.module.replacedBy}`]),
    ...status.findings.map((finding) => {
      if (finding.environments.length === 0) return `- missing: ${finding.what}`;
      const modules =
        finding.modules.length > LOCATING ? `${finding.modules.length} modules` : finding.modules.map(code).join(', ');
      return `- found: ${finding.what} in ${finding.environments.join(', ')} (${modules})`;
    }),
    ...(status.module.note === undefined ? [] : [`- note: ${status.module.note}`]),
  ];
}

function seedSection(resources: readonly PlatformResource[]): string {
  const statuses = seedModuleStatus(resources);
  const table = (seed: 'deployed' | 'planned') =>
    markdownTable(
      ['seed module', 'seed path', 'status', 'found in'],
      statuses
        .filter((s) => s.module.seed === seed)
        .map((s) => [s.module.name, s.module.seedPath ? code(s.module.seedPath) : '', s.status, foundIn(s)]),
    );
  const count = (seed: 'deployed' | 'planned') => statuses.filter((s) => s.module.seed === seed).length;
  return [
    "## The seed's modules",
    `The seed's hand-kept status page listed ${count('deployed')} deployed Terraform modules and ${count('planned')} future ones. Each one's status is computed from the synthesized templates (${code('src/status/seed-modules.ts')} lists the evidence): built when every piece of evidence is found, partly built when some is, not built when none is.`,
    '### Deployed in the seed',
    table('deployed'),
    '### Planned in the seed',
    table('planned'),
    '### Evidence',
    ...statuses.flatMap((s) => [`#### ${s.module.name}: ${s.status}`, evidenceLines(s).join('\n')]),
  ].join('\n\n');
}

/** The status document, in Markdown: a pure function of its input, with no date, so it is stable. */
export function statusDocument(input: StatusInput): string {
  const environments = [...input.config.environments.map((env) => env.name), SHARED_ESTIMATE];
  const resources = platformResources(input.stacks);
  return (
    [
      '# Platform status',
      '<!-- Generated by `npm run docs` (src/status/status-document.ts): do not edit by hand. -->',
      `This file is generated by ${code('npm run docs')} from the code and must not be edited by hand: ${code('test/status/status-document.test.ts')} fails when it differs from what the generator produces. It replaces the seed's hand-kept status page.`,
      environmentsSection(input, environments),
      modulesSection(input, resources, environments),
      costsSection(input),
      seedSection(resources),
    ].join('\n\n') + '\n'
  );
}

/**
 * Builds the inputs from the code (one synth of the committed platform, the module sources, the
 * state estimates) and renders the document.
 */
export function generateStatusDocument(config: PlatformConfig, modulesRoot: string = MODULES_ROOT): string {
  return statusDocument({
    config,
    stacks: synthesizePlatformStacks(config),
    modules: moduleSources(readModuleFolders(modulesRoot)),
    costs: [...estimateStates(config, config.environments), estimateShared(config)],
  });
}
