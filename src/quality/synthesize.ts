import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** One finding left in the validation report after acknowledgements. */
export interface QualityFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly constructPaths: readonly string[];
}

/** Thrown when synth leaves a cdk-nag or validator finding unacknowledged, warnings included. */
export class QualityGateError extends Error {
  constructor(public readonly findings: readonly QualityFinding[]) {
    super(
      `synth left ${findings.length} unacknowledged finding(s):\n` +
        findings
          .map(
            (f) =>
              `- ${f.plugin} ${f.rule} (${f.severity}): ${f.description}\n    at ${f.constructPaths.join('\n    at ')}`,
          )
          .join('\n'),
    );
    this.name = 'QualityGateError';
  }
}

/** A finding that a construct acknowledged, with the reason given. */
export interface Acknowledgement {
  readonly plugin: string;
  readonly rule: string;
  readonly reason: string;
  /** The construct path the acknowledgement was made on. */
  readonly at: string;
  readonly constructPaths: readonly string[];
}

interface ReportedViolation {
  readonly ruleName: string;
  readonly severity?: string;
  readonly description: string;
  readonly reason?: string;
  readonly acknowledgedAt?: string;
  readonly violatingConstructs: ReadonlyArray<{ readonly constructPath: string }>;
}

interface ValidationReport {
  readonly pluginReports: ReadonlyArray<{
    readonly pluginName: string;
    readonly violations: readonly ReportedViolation[];
    readonly suppressedViolations?: readonly ReportedViolation[];
  }>;
}

/**
 * Synthesizes `app` and enforces the quality gate. Errors (cdk-nag rules, validator errors)
 * already stop `app.synth()`; the validator's warnings do not, so the report it leaves is read
 * here and any finding still in it fails the synth too.
 */
export function synthesize(app: App): CloudAssembly {
  const assembly = app.synth();
  const findings = readFindings(assembly.directory);
  if (findings.length > 0) throw new QualityGateError(findings);
  return assembly;
}

function readReport(assemblyDirectory: string): ValidationReport {
  const path = join(assemblyDirectory, 'validation-report.json');
  if (!existsSync(path)) return { pluginReports: [] };
  return JSON.parse(readFileSync(path, 'utf8')) as ValidationReport;
}

/** Findings the validation plugins reported and nobody acknowledged. */
export function readFindings(assemblyDirectory: string): QualityFinding[] {
  return readReport(assemblyDirectory).pluginReports.flatMap((plugin) =>
    plugin.violations.map((violation) => ({
      plugin: plugin.pluginName,
      rule: violation.ruleName,
      severity: violation.severity ?? 'error',
      description: violation.description,
      constructPaths: violation.violatingConstructs.map((c) => c.constructPath),
    })),
  );
}

/** Every acknowledged finding of the last synth into `assemblyDirectory`, with its reason. */
export function readAcknowledgements(assemblyDirectory: string): Acknowledgement[] {
  return readReport(assemblyDirectory).pluginReports.flatMap((plugin) =>
    (plugin.suppressedViolations ?? []).map((violation) => ({
      plugin: plugin.pluginName,
      rule: violation.ruleName,
      reason: violation.reason ?? '',
      at: violation.acknowledgedAt ?? '',
      constructPaths: violation.violatingConstructs.map((c) => c.constructPath),
    })),
  );
}
