// The ReDoS attack strings of test/redos/attacks.json (written by scripts/redos-attacks.ts).
import { readFileSync } from 'node:fs';
import type { RegexFlags } from '../../src/rule/values/regex.js';

export interface RedosAttack {
  pumps: Array<{ prefix: string; pump: string; bias: number }>;
  suffix: string;
  base: number;
}

export interface RedosFixturePattern {
  source: string;
  flags: RegexFlags;
  rules: string[];
  /** recheck's verdict for a backtracking engine: 'safe', 'vulnerable' or 'unknown'. */
  status: string;
  complexity?: string;
  attack?: RedosAttack;
}

export interface RedosFixture {
  generator: string;
  patterns: RedosFixturePattern[];
}

/** recheck's attack string: each pump repeated `base + bias` times after its prefix, then the suffix. */
export function attackString(attack: RedosAttack): string {
  return attack.pumps.map(({ prefix, pump, bias }) => prefix + pump.repeat(attack.base + bias)).join('') + attack.suffix;
}

export function readRedosFixture(file: string): RedosFixture {
  return JSON.parse(readFileSync(file, 'utf8')) as RedosFixture;
}
