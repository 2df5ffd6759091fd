/** One thing wrong with the configuration: where, what, and how to fix it. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. `prod.database.instanceClass`. */
  readonly field: string;
  readonly message: string;
}

/** Collects issues while walking the configuration. */
export class IssueCollector {
  readonly issues: ConfigIssue[] = [];

  add(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  /** Whether an issue names `field` already (later checks that depend on it stay quiet). */
  has(field: string): boolean {
    return this.issues.some((issue) => issue.field === field);
  }

  /**
   * Adds an issue when `value` is not one of `allowed`, suggesting the nearest allowed value; with
   * no near one, lists them all, or gives `example` when the list is too long to print.
   */
  oneOf(field: string, value: unknown, allowed: readonly string[], what: string, example?: string): boolean {
    if (typeof value === 'string' && allowed.includes(value)) return true;
    const suggestion = typeof value === 'string' ? nearest(value, allowed) : undefined;
    const fix = suggestion
      ? `did you mean "${suggestion}"?`
      : example !== undefined
        ? `e.g. "${example}"`
        : `use one of: ${allowed.join(', ')}`;
    this.add(field, `${JSON.stringify(value)} is not ${what} (${fix})`);
    return false;
  }

  integerIn(field: string, value: unknown, min: number, max: number, why = ''): boolean {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return true;
    this.add(field, `${JSON.stringify(value)} is out of range (use a whole number from ${min} to ${max}${why})`);
    return false;
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

function nearest(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(value.length / 4)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
