import { type EnvironmentConfig, SCAN_GATES } from '../types';
import type { IssueCollector } from './issues';

/** A branch name, and a person's approval before each production release. */
export function validatePipeline(env: EnvironmentConfig, issues: IssueCollector): void {
  const at = (field: string) => `${env.name}.pipeline.${field}`;
  const { branch, manualApproval } = env.pipeline;
  // git check-ref-format's rules for the characters allowed here: no "..", no "//", no leading
  // "-", no part starting with "." or ending with ".lock", no trailing "/" or ".".
  if (
    !/^[A-Za-z0-9._/-]{1,200}$/.test(branch) ||
    branch.includes('..') ||
    branch.includes('//') ||
    /^-|(^|\/)\./.test(branch) ||
    /[/.]$|\.lock(\/|$)/.test(branch)
  ) {
    issues.add(at('branch'), `${JSON.stringify(branch)} is not a branch name (e.g. "main")`);
  }
  issues.oneOf(at('scanGate'), env.pipeline.scanGate, SCAN_GATES, 'a scan gate');
  if (env.production && !manualApproval) {
    issues.add(
      at('manualApproval'),
      'false is not allowed for a production environment (a person approves each release before it migrates the database)',
    );
  }
}
