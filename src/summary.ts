import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';

export interface StackSummary {
  /** What `npx cdk synth|deploy|diff` takes: `<stage>/<stack>`, e.g. `booking-dev/app`. */
  readonly cdkId: string;
  /** The CloudFormation stack name, e.g. `booking-dev-app`. */
  readonly stackName: string;
  /** The stack's account (an environment may have its own). */
  readonly account: string;
  readonly region: string;
  readonly resourceCount: number;
  readonly terminationProtection: boolean;
  /** Resource count per CloudFormation type. */
  readonly resourceTypes: Readonly<Record<string, number>>;
}

/** Every stack of an assembly (nested stages included) with its resource counts. */
export function summarizeStacks(assembly: CloudAssembly): StackSummary[] {
  return assembly.stacksRecursively.map(summarizeStack);
}

export function summarizeStack(stack: CloudFormationStackArtifact): StackSummary {
  const resources = Object.values((stack.template.Resources ?? {}) as Record<string, { Type: string }>);
  const resourceTypes: Record<string, number> = {};
  for (const resource of resources) resourceTypes[resource.Type] = (resourceTypes[resource.Type] ?? 0) + 1;
  return {
    cdkId: stack.hierarchicalId,
    stackName: stack.stackName,
    account: stack.environment.account,
    region: stack.environment.region,
    resourceCount: resources.length,
    terminationProtection: stack.terminationProtection ?? false,
    resourceTypes,
  };
}

/** A fixed-width text table: header row, then rows; numbers right-aligned. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
