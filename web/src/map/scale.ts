/**
 * Colour scales for the region fill. Counts (open, overdue) get breaks from the data's quantiles
 * so a county with 5 or 500 items per block both show contrast; rates (closure, on-time closure)
 * get fixed breaks that match how bulletins grade them (≥ 90 % good, < 60 % poor). Pure.
 */
import type { ExpressionSpecification } from 'maplibre-gl';
import type { Measure } from '../state/url.js';

export const NO_DATA_COLOUR = '#d9d9d9';
/** Light → dark, "more is worse" (YlOrRd). */
const COUNT_COLOURS = ['#ffffcc', '#fed976', '#fd8d3c', '#e31a1c', '#800026'];
/** For rates "less is worse": dark red at the bottom, green at the top. */
const RATE_COLOURS = ['#b2182b', '#ef8a62', '#fddbc7', '#a6d96a', '#1a9641'];
const RATE_BREAKS = [0, 0.6, 0.75, 0.9, 0.97];

export function isRate(measure: Measure): boolean {
  return measure === 'on_time_rate' || measure === 'closure_rate';
}

export interface ColourClass {
  /** Lower bound, inclusive. */
  min: number;
  colour: string;
}

/**
 * Classes for the measure's values: for counts, 0 is its own class and the positive values are
 * split at quantiles (deduplicated, integers); for rates, the fixed grading breaks.
 */
export function colourClasses(measure: Measure, values: readonly (number | null)[]): ColourClass[] {
  if (isRate(measure)) return RATE_BREAKS.map((min, i) => ({ min, colour: RATE_COLOURS[i] }));
  const positive = values.filter((v): v is number => v !== null && v > 0).sort((a, b) => a - b);
  const classes: ColourClass[] = [{ min: 0, colour: COUNT_COLOURS[0] }];
  if (positive.length === 0) return classes;
  const mins = new Set<number>([1]);
  for (const q of [0.4, 0.7, 0.9]) {
    const v = Math.ceil(positive[Math.min(positive.length - 1, Math.floor(q * positive.length))]);
    if (v > 1) mins.add(v);
  }
  [...mins]
    .sort((a, b) => a - b)
    .forEach((min, i) => classes.push({ min, colour: COUNT_COLOURS[Math.min(i + 1, COUNT_COLOURS.length - 1)] }));
  return classes;
}

/**
 * The fill-color expression: `step` over the feature state `value`; regions without a number
 * (state absent, or a rate with nothing due) read -1 and get the no-data grey.
 */
export function fillColourExpression(classes: readonly ColourClass[]): ExpressionSpecification {
  const stops: (number | string)[] = [];
  for (const c of classes) stops.push(c.min, c.colour);
  return [
    'step',
    ['to-number', ['coalesce', ['feature-state', 'value'], -1]],
    NO_DATA_COLOUR,
    ...stops,
  ] as ExpressionSpecification;
}

/** Legend rows `[label range, colour]`; `format` renders a bound (count or percent). */
export function legendRows(
  classes: readonly ColourClass[],
  measure: Measure,
  format: (v: number) => string,
): { label: string; colour: string }[] {
  return classes.map((c, i) => {
    const next = classes[i + 1];
    let label: string;
    if (isRate(measure)) label = next ? `${format(c.min)} – ${format(next.min)}` : `≥ ${format(c.min)}`;
    else if (!next) label = `≥ ${format(c.min)}`;
    else if (next.min - 1 === c.min) label = format(c.min);
    else label = `${format(c.min)} – ${format(next.min - 1)}`;
    return { label, colour: c.colour };
  });
}

/** The feature-state value for the measure (rates stay null when nothing was due). */
export function measureValue(
  row: { open: number; overdue: number; on_time_rate: number | null; closure_rate: number | null },
  measure: Measure,
): number | null {
  return row[measure];
}
