// The conversion benchmark hook: how many rules per second compileToKql converts for a target. The caller loads
// the rules (product code never reads the corpus); the bench script prints the figure next to pySigma's.
import type { SigmaRule } from '../../rule/model.js';
import type { TargetName } from '../../targets/types.js';
import { compileToKql, type CompileOptions } from '../compile.js';

export interface ConversionThroughput {
  target: TargetName;
  rules: number;
  converted: number;
  refused: number;
  seconds: number;
  rulesPerSecond: number;
}

/** Converts every rule `rounds` times (after one warm-up round) and reports the rate; refusals count as work done. */
export function measureConversionRate(rules: readonly SigmaRule[], target: TargetName, options: CompileOptions & { rounds?: number } = {}): ConversionThroughput {
  const rounds = Math.max(1, options.rounds ?? 3);
  let converted = 0;
  for (const rule of rules) if (compileToKql(rule, target, options).ok) converted++;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) for (const rule of rules) compileToKql(rule, target, options);
  const seconds = (performance.now() - started) / 1000;
  return { target, rules: rules.length, converted, refused: rules.length - converted, seconds, rulesPerSecond: (rules.length * rounds) / seconds };
}
