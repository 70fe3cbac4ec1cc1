import { parseRuleText } from '../../src/rule/load.js';
import type { SigmaRule } from '../../src/rule/model.js';

/** A Windows rule from its detection block (YAML, indented under `detection:`); throws what the loader refused. */
export function ruleWith(detection: string): SigmaRule {
  const text = `title: t\nlogsource:\n  product: windows\ndetection:\n${detection.replace(/^/gm, '  ')}\n`;
  const loaded = parseRuleText(text, 'test.yml');
  const rule = loaded.rules[0];
  if (!rule) throw loaded.outcomes[0]?.error ?? new TypeError('no rule parsed');
  return rule;
}
