// One value-level test: does a scalar event value satisfy any of a set of patterns?
import { SigmaError } from '../rule/errors.js';
import { checkRegex, compileRe2, type CompiledRegex, type RegexFlags } from '../rule/values/regex.js';
import type { SourceLocation, ValuePattern } from '../rule/model.js';
import { compileCidr } from './cidr.js';
import { StringSetMatcher, type StringPatternSpec } from './text.js';
import { parseDateTime, timePartOf } from './timepart.js';
import { numericValue, scalarText, type Scalar } from './values.js';

/** The pattern kinds that look only at the value itself (not at presence or at other fields). */
export type ScalarPattern = Extract<ValuePattern, { kind: 'string' | 're' | 'compare' | 'cidr' | 'timepart' }>;

export function isScalarPattern(pattern: ValuePattern): pattern is ScalarPattern {
  return pattern.kind === 'string' || pattern.kind === 're' || pattern.kind === 'compare' || pattern.kind === 'cidr' || pattern.kind === 'timepart';
}

/** `re`: RE2 (src/rule/values/regex.ts says why), unanchored search, flags i/m/s from the rule. The loader
 *  has already accepted the pattern; a model built by hand may still hold one RE2 refuses. */
export function compileRegex(source: string, flags: RegexFlags, location: SourceLocation, engine: RegexEngine = compileRe2): CompiledRegex {
  const refusal = checkRegex(source, flags);
  if (refusal !== null) throw new SigmaError('value', location, `regular expression not supported by the matcher: ${refusal}`);
  return engine(source, flags);
}

/** Builds the test of an accepted pattern. The product runs RE2 (compileRe2); the benchmark passes V8's RegExp
 *  to measure the engine it replaced. */
export type RegexEngine = (source: string, flags: RegexFlags) => CompiledRegex;

export interface CompileOptions {
  regexEngine?: RegexEngine;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type ValueTest = (value: Scalar, text: string) => boolean;

export class ScalarMatcher {
  private readonly strings: StringSetMatcher | null;
  /** Tests that need the value's text (regexes, CIDR, date-times). */
  private readonly textTests: ValueTest[] = [];
  /** Tests on the numeric reading (gt/gte/lt/lte). */
  private readonly numberTests: Array<(value: number) => boolean> = [];

  constructor(patterns: readonly ScalarPattern[], location: SourceLocation, options: CompileOptions = {}) {
    const stringSpecs: StringPatternSpec[] = [];
    for (const pattern of patterns) {
      switch (pattern.kind) {
        case 'string':
          for (const part of pattern.parts) {
            // Literals are compared by UTF-16 code unit and `?` by code point; the two agree only when the
            // rule's text is well-formed, so a lone surrogate is refused rather than given a murky meaning.
            if (part.kind === 'literal' && LONE_SURROGATE.test(part.text)) {
              throw new SigmaError('value', location, 'value contains a lone UTF-16 surrogate');
            }
          }
          stringSpecs.push({ parts: pattern.parts, cased: pattern.cased });
          break;
        case 're': {
          const regex = compileRegex(pattern.source, pattern.flags, location, options.regexEngine);
          this.textTests.push((_value, text) => regex.test(text));
          break;
        }
        case 'compare': {
          const bound = pattern.value;
          if (!Number.isFinite(bound)) throw new SigmaError('value', location, `${pattern.op} needs a finite number, got ${bound}`);
          const op = pattern.op;
          this.numberTests.push(
            op === 'gt' ? (n) => n > bound : op === 'gte' ? (n) => n >= bound : op === 'lt' ? (n) => n < bound : (n) => n <= bound,
          );
          break;
        }
        case 'cidr': {
          const inNetwork = compileCidr(pattern.family, pattern.network, pattern.prefixLength);
          if (inNetwork === null) {
            throw new SigmaError('value', location, `invalid IPv${pattern.family} network ${pattern.network}/${pattern.prefixLength}`);
          }
          this.textTests.push((_value, text) => inNetwork(text));
          break;
        }
        case 'timepart': {
          const { part, value: expected } = pattern;
          this.textTests.push((_value, text) => {
            const millis = parseDateTime(text);
            return millis !== null && timePartOf(millis, part) === expected;
          });
          break;
        }
      }
    }
    this.strings = stringSpecs.length > 0 ? new StringSetMatcher(stringSpecs) : null;
  }

  test(value: Scalar): boolean {
    if (this.strings !== null && this.strings.test(typeof value === 'string' ? value : String(value))) return true;
    if (this.numberTests.length > 0) {
      const n = numericValue(value);
      if (!Number.isNaN(n)) for (const numberTest of this.numberTests) if (numberTest(n)) return true;
    }
    if (this.textTests.length > 0) {
      const text = scalarText(value);
      for (const textTest of this.textTests) if (textTest(value, text)) return true;
    }
    return false;
  }

  /** `test` as a closure; a set of string patterns only gets the string matcher's specialised tester. */
  tester(): (value: Scalar) => boolean {
    if (this.strings !== null && this.numberTests.length === 0 && this.textTests.length === 0) {
      const testString = this.strings.tester();
      return (value) => testString(typeof value === 'string' ? value : String(value));
    }
    return (value) => this.test(value);
  }
}
