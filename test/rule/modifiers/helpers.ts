import { SigmaError, type SigmaErrorCode } from '../../../src/rule/errors.js';
import type { DetectionItem, PlaceholderValues, SourceLocation, StringPart, ValuePattern } from '../../../src/rule/model.js';
import { parseDetectionItem } from '../../../src/rule/modifiers.js';

export function at(path: string, line = 7): SourceLocation {
  return { file: 'rules/test.yml', document: 0, line, path };
}

/** Parses `key: value` the way the loader calls it: a JS array stands for a YAML sequence. */
export function item(key: string | null, value: unknown, placeholders?: PlaceholderValues): DetectionItem {
  const path = `detection.selection.${key ?? ''}`;
  const isList = Array.isArray(value);
  const values = isList ? (value as unknown[]).map((entry, index) => ({ value: entry, location: at(`${path}[${index}]`, 8 + index) })) : [{ value, location: at(path) }];
  return parseDetectionItem(key, values, isList, at(path), placeholders);
}

/** The patterns of the single value group. */
export function patterns(key: string | null, value: unknown, placeholders?: PlaceholderValues): ValuePattern[] {
  const parsed = item(key, value, placeholders);
  if (parsed.values.length !== 1) throw new Error(`expected one value group, got ${parsed.values.length}`);
  return parsed.values[0].patterns;
}

/** A string pattern from a compact spelling: `*` any, `?` one, everything else literal. */
export function str(spelling: string, cased = false): ValuePattern {
  const parts: StringPart[] = [];
  for (const char of spelling) {
    if (char === '*') parts.push({ kind: 'any' });
    else if (char === '?') parts.push({ kind: 'one' });
    else {
      const last = parts[parts.length - 1];
      if (last?.kind === 'literal') last.text += char;
      else parts.push({ kind: 'literal', text: char });
    }
  }
  return { kind: 'string', parts, cased };
}

export function refusal(run: () => unknown): { code: SigmaErrorCode; reason: string; location: Partial<SourceLocation> } {
  try {
    run();
  } catch (error) {
    if (error instanceof SigmaError) return { code: error.code, reason: error.reason, location: error.location };
    throw error;
  }
  throw new Error('expected a SigmaError, nothing was thrown');
}
