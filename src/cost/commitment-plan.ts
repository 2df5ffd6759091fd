/**
 * `cost <env> --plan`: the steady part of an environment's bill (database instance hours, cache
 * node hours, the on-demand tasks of each service's floor) priced under 1- and 3-year
 * reservations and Savings Plans, with the saving per year. Recommendations only: nothing is
 * bought. Every rate comes from the price table with its source; a rate no source gives is shown
 * unpriced with the reason and the command that reads it, never guessed.
 */
import type { EnvironmentConfig, ScheduleConfig } from '../config/types';
import { dailyCron } from '../config/validate/scheduled-scaling';
import { formatTable } from '../summary';
import type { CommitmentUse, CostEstimate, CostLine, PricedCharge } from './estimator';
import {
  type CommitmentTerm,
  type CommitmentType,
  HOURS_PER_MONTH,
  isPriced,
  type Price,
  priceKey,
  type PriceTable,
} from './price-table';

const HOURS_PER_WEEK = 168;
/** A commitment bills every hour of its term: 365 days of 24 hours (12 estimate months of 730). */
const HOURS_PER_YEAR = 12 * HOURS_PER_MONTH;

/** The options priced for each line, as columns. */
export const PLAN_OPTIONS = [
  { id: 'reserved-1yr', label: '1-year reserved', kind: 'reserved', years: 1 },
  { id: 'reserved-3yr', label: '3-year reserved', kind: 'reserved', years: 3 },
  { id: 'savings-plan-1yr', label: '1-year Savings Plan', kind: 'savings-plan', years: 1 },
  { id: 'savings-plan-3yr', label: '3-year Savings Plan', kind: 'savings-plan', years: 3 },
] as const satisfies ReadonlyArray<{
  id: string;
  label: string;
  kind: 'reserved' | 'savings-plan';
  years: CommitmentTerm;
}>;

export type PlanOptionId = (typeof PLAN_OPTIONS)[number]['id'];
type PlanOption = (typeof PLAN_OPTIONS)[number];

/** One option's cost for one line. */
export type OptionCost =
  | {
      readonly status: 'priced';
      readonly usdPerYear: number;
      /** On-demand minus this option; negative: the commitment costs more than it saves. */
      readonly savingUsdPerYear: number;
      readonly basis: string;
    }
  | { readonly status: 'unpriced'; readonly reason: string }
  | { readonly status: 'not-offered'; readonly reason: string };

/** The usage a commitment could cover, as the plan counts it. */
type SteadyUse = Extract<CommitmentUse, 'database-instance' | 'cache-node' | 'fargate-on-demand'>;

/** One steady line: a database, a cache, or a service's on-demand floor. */
export interface PlanLine {
  readonly what: string;
  readonly resource: string;
  readonly use: SteadyUse;
  /** Hours a week it runs (a paused database and paused tasks bill nothing; a commitment still does). */
  readonly hoursPerWeek: number;
  readonly onDemandUsdPerYear: number;
  readonly options: Readonly<Record<PlanOptionId, OptionCost>>;
}

/** Usage the plan leaves out, and why. */
export interface ExcludedUsage {
  readonly what: string;
  readonly usdPerYear: number;
  readonly why: string;
}

export interface OptionTotal {
  /** Lines this option prices (the figures below add up those only). */
  readonly pricedLines: number;
  readonly unpricedLines: number;
  readonly onDemandUsdPerYear: number;
  readonly usdPerYear: number;
  readonly savingUsdPerYear: number;
}

export interface Recommendation {
  /** The chosen option per line (null: none that saves within the expected life). */
  readonly choices: ReadonlyArray<{
    readonly what: string;
    readonly option: PlanOptionId | null;
    readonly savingUsdPerYear: number;
  }>;
  readonly savingUsdPerYear: number;
  readonly text: readonly string[];
}

export interface CommitmentPlan {
  readonly environment: string;
  readonly region: string;
  readonly currency: 'USD';
  readonly expectedLifeYears: number;
  readonly lines: readonly PlanLine[];
  readonly totals: {
    readonly onDemandUsdPerYear: number;
    readonly options: Readonly<Record<PlanOptionId, OptionTotal>>;
  };
  readonly excluded: readonly ExcludedUsage[];
  readonly recommendation: Recommendation;
  readonly notes: readonly string[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const usd = (value: number) => value.toFixed(2);

/**
 * Hours a week between resume and pause of a schedule in the daily cron form
 * (`cron(M H ? * DAYS *)`), e.g. 65 for weekdays 07:00-20:00; undefined for another form.
 */
export function runningHoursPerWeek(schedule: ScheduleConfig): number | undefined {
  const resume = dailyCron(schedule.resume);
  const pause = dailyCron(schedule.pause);
  if (!resume || !pause) return undefined;
  const minutesOfWeek = (day: number, minutes: number) => day * 24 * 60 + minutes;
  const events = [
    ...[...resume.days].map((day) => ({ at: minutesOfWeek(day, resume.minutes), running: true })),
    ...[...pause.days].map((day) => ({ at: minutesOfWeek(day, pause.minutes), running: false })),
  ].sort((a, b) => a.at - b.at);
  if (events.length === 0) return undefined;
  // Each event's state holds until the next one; the last one's wraps around into the next week.
  const week = HOURS_PER_WEEK * 60;
  let runningMinutes = 0;
  events.forEach((event, index) => {
    const next = events[(index + 1) % events.length];
    const span = events.length === 1 ? week : (next.at - event.at + week) % week;
    if (event.running) runningMinutes += span;
  });
  return runningMinutes / 60;
}

/**
 * Hours a week a steady use runs in the environment as configured: a cache runs unless the
 * environment is minimal (pausing keeps it); the database and the tasks stop while paused.
 */
function hoursPerWeek(env: EnvironmentConfig, use: SteadyUse, notes: Set<string>): number {
  if (env.state === 'minimal') return 0;
  if (use === 'cache-node' || !env.schedule) return HOURS_PER_WEEK;
  const hours = runningHoursPerWeek(env.schedule);
  if (hours === undefined) {
    notes.add(
      `${env.name}.schedule is not in the daily cron form (cron(M H ? * DAYS *)): its running hours are not computed, priced as always running`,
    );
    return HOURS_PER_WEEK;
  }
  return hours;
}

/** A steady line in words, from the rules' charge labels and the quantities. */
function describeLine(line: CostLine, use: SteadyUse, charges: readonly PricedCharge[]): string {
  const units = (charge: PricedCharge) => round2(charge.quantity / HOURS_PER_MONTH);
  if (use === 'database-instance') return `database ${charges[0].what.replace(/ hours$/, '')}`;
  if (use === 'cache-node') return `cache ${charges[0].what.replace(/ node-hours/, '')}`;
  const vcpu = charges.find((charge) => /vcpu-hour$/.test(charge.priceKey));
  const memory = charges.find((charge) => /gb-hour$/.test(charge.priceKey));
  const size = [vcpu && `${units(vcpu)} vCPU`, memory && `${units(memory)} GB`].filter(Boolean).join(', ');
  return `${line.module.replace(/-service$/, '')} on-demand floor (${size})`;
}

type NoPrice = { status: 'unpriced' | 'not-offered'; reason: string };

/** A Price or why there is none, for a key of the table. */
function lookup(table: PriceTable, key: string): { price: Price } | NoPrice {
  const entry = table.prices[key];
  if (!entry) return { status: 'unpriced', reason: `${key} is not in the ${table.region} price table` };
  if (isPriced(entry)) return { price: entry };
  return { status: entry.notOffered ? 'not-offered' : 'unpriced', reason: entry.reason };
}

function commitmentType(use: SteadyUse, option: PlanOption): CommitmentType {
  if (option.kind === 'reserved') return 'reserved';
  return use === 'fargate-on-demand' ? 'compute-savings-plan' : 'database-savings-plan';
}

/**
 * One option for the charges of one line. A reservation covers whole instances or nodes (one
 * covers `covers` of them) and bills its recurring rate every hour plus its fee spread over the
 * term; a Savings Plan commits the discounted rate of the running usage for every hour.
 */
function optionCost(
  charges: readonly PricedCharge[],
  use: SteadyUse,
  option: PlanOption,
  table: PriceTable,
  onDemandUsdPerYear: number,
): OptionCost {
  if (use === 'fargate-on-demand' && option.kind === 'reserved') {
    return {
      status: 'not-offered',
      reason: 'Fargate is not sold as reservations: Compute Savings Plans are its commitment',
    };
  }
  const type = commitmentType(use, option);
  const rates = charges.map((charge) => ({
    charge,
    rate: lookup(table, priceKey.commitmentHour(charge.priceKey, type, option.years)),
  }));
  const missing = rates.map(({ rate }) => rate).filter((rate): rate is NoPrice => !('price' in rate));
  if (missing.length > 0) {
    return {
      status: missing.every((rate) => rate.status === 'not-offered') ? 'not-offered' : 'unpriced',
      reason: [...new Set(missing.map((rate) => rate.reason))].join('; and '),
    };
  }
  let total = 0;
  const basis: string[] = [];
  for (const { charge, rate } of rates) {
    if (!('price' in rate)) continue;
    const units = charge.quantity / HOURS_PER_MONTH;
    if (type !== 'reserved') {
      total += units * rate.price.usd * HOURS_PER_YEAR;
      basis.push(`${round2(units)} x ${rate.price.usd} USD/${rate.price.unit} x ${HOURS_PER_YEAR} h`);
      continue;
    }
    const fee = lookup(table, priceKey.commitmentUpfront(charge.priceKey, type, option.years));
    if (!('price' in fee)) return fee;
    const covers = rate.price.covers ?? 1;
    // Reservations are whole: enough of them to cover every unit (a fraction left over is wasted).
    const reservations = Math.ceil(units / covers - 1e-9);
    total += reservations * (rate.price.usd * HOURS_PER_YEAR + fee.price.usd / option.years);
    basis.push(
      `${reservations} reservation${reservations === 1 ? '' : 's'}${covers === 1 ? '' : ` (each covers ${covers})`} x (${rate.price.usd} USD/h x ${HOURS_PER_YEAR} h + ${fee.price.usd} USD / ${option.years} y)`,
    );
  }
  return {
    status: 'priced',
    usdPerYear: round2(total),
    savingUsdPerYear: round2(onDemandUsdPerYear - total),
    basis: basis.join(' + '),
  };
}

/** What the plan leaves out of the estimate's commitment-tagged charges, and why. */
function excludedUsage(line: CostLine, charges: readonly PricedCharge[], hours: number): ExcludedUsage[] {
  const service = line.module.replace(/-service$/, '');
  const yearly = (selected: readonly PricedCharge[]) =>
    round2(
      selected.reduce((sum, charge) => sum + charge.quantity * (charge.unitUsd ?? 0), 0) *
        12 *
        (hours / HOURS_PER_WEEK),
    );
  const excluded: ExcludedUsage[] = [];
  const spot = charges.filter((charge) => charge.commitment === 'fargate-spot');
  if (spot.length > 0) {
    excluded.push({
      what: `${service} Spot tasks`,
      usdPerYear: yearly(spot),
      why: 'a Savings Plan is sized to the on-demand floor; Spot tasks are already discounted and AWS can take them back, so a commitment on them could sit idle',
    });
  }
  const scheduled = charges.filter((charge) => charge.commitment === 'fargate-scheduled');
  if (scheduled.length > 0) {
    excluded.push({
      what: `${service} scheduled extra tasks`,
      usdPerYear: yearly(scheduled),
      why: 'they run only in their window: an hourly commitment sized to them would be idle the rest of the day',
    });
  }
  return excluded;
}

/**
 * The plan for one environment from its estimate in the running state (the steady lines at
 * their floor) and the price table of its region.
 */
export function commitmentPlan(
  env: EnvironmentConfig,
  estimate: CostEstimate,
  table: PriceTable,
  options: { readonly expectedLifeYears: number },
): CommitmentPlan {
  const notes = new Set<string>();
  const lines: PlanLine[] = [];
  const excluded: ExcludedUsage[] = [];
  for (const line of estimate.lines) {
    const charges = line.charges ?? [];
    for (const use of ['database-instance', 'cache-node', 'fargate-on-demand'] as const) {
      const steady = charges.filter((charge) => charge.commitment === use && charge.quantity > 0);
      if (steady.length === 0) continue;
      const hours = hoursPerWeek(env, use, notes);
      const missing = steady.find((charge) => charge.unitUsd === null);
      const onDemand = steady.reduce((sum, charge) => sum + charge.quantity * (charge.unitUsd ?? 0), 0);
      const onDemandUsdPerYear = round2(onDemand * 12 * (hours / HOURS_PER_WEEK));
      const costs = Object.fromEntries(
        PLAN_OPTIONS.map((option) => [
          option.id,
          missing
            ? { status: 'unpriced', reason: `its on-demand price ${missing.priceKey} is missing` }
            : optionCost(steady, use, option, table, onDemandUsdPerYear),
        ]),
      ) as Record<PlanOptionId, OptionCost>;
      lines.push({
        what: describeLine(line, use, steady),
        resource: line.logicalId,
        use,
        hoursPerWeek: round2(hours),
        onDemandUsdPerYear,
        options: costs,
      });
    }
    if (charges.some((charge) => charge.commitment === 'fargate-spot' || charge.commitment === 'fargate-scheduled')) {
      excluded.push(...excludedUsage(line, charges, hoursPerWeek(env, 'fargate-on-demand', notes)));
    }
  }

  const totals = Object.fromEntries(
    PLAN_OPTIONS.map((option) => {
      const priced = lines.filter((line) => line.options[option.id].status === 'priced');
      const cost = (line: PlanLine) => {
        const entry = line.options[option.id];
        return entry.status === 'priced' ? entry.usdPerYear : 0;
      };
      const onDemand = priced.reduce((sum, line) => sum + line.onDemandUsdPerYear, 0);
      const committed = priced.reduce((sum, line) => sum + cost(line), 0);
      return [
        option.id,
        {
          pricedLines: priced.length,
          unpricedLines: lines.filter((line) => line.options[option.id].status === 'unpriced').length,
          onDemandUsdPerYear: round2(onDemand),
          usdPerYear: round2(committed),
          savingUsdPerYear: round2(onDemand - committed),
        },
      ];
    }),
  ) as Record<PlanOptionId, OptionTotal>;

  return {
    environment: env.name,
    region: estimate.region,
    currency: 'USD',
    expectedLifeYears: options.expectedLifeYears,
    lines,
    totals: {
      onDemandUsdPerYear: round2(lines.reduce((sum, line) => sum + line.onDemandUsdPerYear, 0)),
      options: totals,
    },
    excluded,
    recommendation: recommend(env, lines, options.expectedLifeYears),
    notes: [...notes],
  };
}

/**
 * Per line, the option with the largest saving whose term does not outlast the environment's
 * expected life; then what a longer life or the missing rates would change.
 */
function recommend(env: EnvironmentConfig, lines: readonly PlanLine[], expectedLifeYears: number): Recommendation {
  const text: string[] = [];
  const choices = lines.map((line) => {
    const candidates = PLAN_OPTIONS.filter((option) => option.years <= expectedLifeYears)
      .map((option) => ({ option, cost: line.options[option.id] }))
      .filter(
        (candidate): candidate is { option: PlanOption; cost: Extract<OptionCost, { status: 'priced' }> } =>
          candidate.cost.status === 'priced' && candidate.cost.savingUsdPerYear > 0,
      )
      .sort((a, b) => b.cost.savingUsdPerYear - a.cost.savingUsdPerYear);
    const best = candidates[0];
    return { what: line.what, option: best?.option.id ?? null, savingUsdPerYear: best?.cost.savingUsdPerYear ?? 0 };
  });
  const saving = round2(choices.reduce((sum, choice) => sum + choice.savingUsdPerYear, 0));
  const label = (id: PlanOptionId) => PLAN_OPTIONS.find((option) => option.id === id)!.label;
  const life = `${expectedLifeYears} year${expectedLifeYears === 1 ? '' : 's'}`;

  for (const choice of choices) {
    if (choice.option)
      text.push(`${choice.what}: ${label(choice.option)}, saves ${usd(choice.savingUsdPerYear)} USD/year`);
  }
  if (saving > 0) text.push(`in all: ${usd(saving)} USD/year`);
  else text.push(`nothing to commit to within the expected life of ${env.name} (${life}) at the sourced rates`);

  for (const line of lines) {
    // A commitment bills all 168 hours; usage that runs fewer needs a deeper discount to pay.
    if (line.hoursPerWeek > 0 && line.hoursPerWeek < HOURS_PER_WEEK) {
      const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
      const fullTime = (line.onDemandUsdPerYear * HOURS_PER_WEEK) / line.hoursPerWeek;
      const discounts = PLAN_OPTIONS.flatMap((option) => {
        const cost = line.options[option.id];
        return cost.status === 'priced' ? [`${option.label} is ${percent(1 - cost.usdPerYear / fullTime)} off`] : [];
      });
      text.push(
        `${line.what} runs ${line.hoursPerWeek} of ${HOURS_PER_WEEK} hours a week (schedule), but a commitment bills every hour, paused or not: it pays only above ${percent(1 - line.hoursPerWeek / HOURS_PER_WEEK)} off on-demand${discounts.length > 0 ? ` (${discounts.join(', ')})` : ''}`,
      );
    }
    const beyond = PLAN_OPTIONS.filter((option) => option.years > expectedLifeYears)
      .map((option) => ({ option, cost: line.options[option.id] }))
      .filter((candidate) => candidate.cost.status === 'priced' && candidate.cost.savingUsdPerYear > 0);
    for (const { option, cost } of beyond) {
      if (cost.status !== 'priced') continue;
      text.push(
        `${line.what}: ${option.label} would save ${usd(cost.savingUsdPerYear)} USD/year, but commits for ${option.years} years, beyond the expected ${life} (--expected-life ${option.years} to recommend it)`,
      );
    }
  }
  const unpriced = lines.flatMap((line) =>
    PLAN_OPTIONS.filter(
      (option) => option.years <= expectedLifeYears && line.options[option.id].status === 'unpriced',
    ).map((option) => `${line.what} (${option.label})`),
  );
  if (unpriced.length > 0) {
    text.push(
      `unpriced within ${life}, so not compared: ${unpriced.join('; ')} (see "not priced" above for how to read each rate)`,
    );
  }
  if (!env.production && lines.length > 0) {
    text.push(
      `${env.name} is not a production environment: commit only for what is certain to run through the whole term`,
    );
  }
  return { choices, savingUsdPerYear: saving, text };
}

function cell(cost: OptionCost): string {
  if (cost.status === 'unpriced') return 'unpriced*';
  if (cost.status === 'not-offered') return 'n/a';
  const verb = cost.savingUsdPerYear >= 0 ? 'saves' : 'loses';
  return `${usd(cost.usdPerYear)} (${verb} ${usd(Math.abs(cost.savingUsdPerYear))})`;
}

/** The plan as the CLI prints it: the table, the totals, what is left out, the reasons, the advice. */
export function formatPlan(plan: CommitmentPlan): string {
  const header = ['steady line', 'h/week', 'on-demand', ...PLAN_OPTIONS.map((option) => option.label)];
  const rows = plan.lines.map((line) => [
    line.what,
    line.hoursPerWeek,
    usd(line.onDemandUsdPerYear),
    ...PLAN_OPTIONS.map((option) => cell(line.options[option.id])),
  ]);
  rows.push([
    'total (options: their priced lines)',
    '',
    usd(plan.totals.onDemandUsdPerYear),
    ...PLAN_OPTIONS.map((option) => {
      const total = plan.totals.options[option.id];
      if (total.pricedLines === 0) return '-';
      const verb = total.savingUsdPerYear >= 0 ? 'saves' : 'loses';
      return `${usd(total.usdPerYear)} (${verb} ${usd(Math.abs(total.savingUsdPerYear))}; ${total.pricedLines} of ${plan.lines.length})`;
    }),
  ]);
  // Each reason once, with the lines and options it applies to.
  const reasons = new Map<string, Map<string, string[]>>();
  for (const line of plan.lines) {
    for (const option of PLAN_OPTIONS) {
      const cost = line.options[option.id];
      if (cost.status === 'priced') continue;
      const key = `${cost.status === 'unpriced' ? 'unpriced' : 'n/a'}: ${cost.reason}`;
      const where = reasons.get(key) ?? new Map<string, string[]>();
      where.set(line.what, [...(where.get(line.what) ?? []), option.label]);
      reasons.set(key, where);
    }
  }
  const whereText = (where: Map<string, string[]>) =>
    [...where].map(([what, labels]) => `${what} (${labels.join(', ')})`).join('; ');
  const bases = plan.lines.flatMap((line) =>
    PLAN_OPTIONS.flatMap((option) => {
      const cost = line.options[option.id];
      return cost.status === 'priced' ? [`- ${line.what}, ${option.label}: ${cost.basis}`] : [];
    }),
  );
  return [
    `Commitment plan for ${plan.environment} (${plan.region}), USD a year; recommendations only, nothing is bought`,
    formatTable(header, rows),
    ...(bases.length > 0 ? ['', 'priced as:', ...bases] : []),
    ...(plan.excluded.length > 0
      ? [
          '',
          'left out:',
          ...plan.excluded.map((item) => `- ${item.what} (${usd(item.usdPerYear)} USD/year): ${item.why}`),
        ]
      : []),
    ...(reasons.size > 0
      ? [
          '',
          'not priced (* and n/a above):',
          ...[...reasons].map(([reason, where]) => `- ${whereText(where)}: ${reason}`),
        ]
      : []),
    ...plan.notes.map((note) => `note: ${note}`),
    '',
    `recommendation (expected life ${plan.expectedLifeYears} year${plan.expectedLifeYears === 1 ? '' : 's'}, --expected-life to change):`,
    ...plan.recommendation.text.map((text) => `- ${text}`),
  ].join('\n');
}
