import { describe, expect, it } from 'vitest';
import { NON_ASCII, ruleClauses } from '../../src/pack/field-needles.js';
import { ruleWith } from '../support/rule-text.js';

/** Each clause as sorted `field:text` strings, NON_ASCII written as <non-ascii>. */
function clausesOf(detection: string): string[][] {
  return ruleClauses(ruleWith(detection)).map((clause) =>
    clause.map(({ field, text }) => `${field ?? '*'}:${text === NON_ASCII ? '<non-ascii>' : text}`).sort(),
  );
}

describe('field needles of non-ASCII values', () => {
  it('needs a non-ASCII unit for an emoji, a homoglyph or a right-to-left override, where no ASCII text is implied', () => {
    expect(clausesOf("sel:\n  CommandLine|contains:\n    - '\u{1F600}'\n    - '\u0430dmin'\n    - '\u202E'\ncondition: sel")).toEqual([['CommandLine:<non-ascii>']]);
    expect(clausesOf("sel:\n  - '\u{1F600}'\ncondition: sel")).toEqual([['*:<non-ascii>']]);
  });

  it('prefers it to a short ASCII run, not to a long one', () => {
    expect(clausesOf("sel:\n  Image|endswith: '\u2800\u2800\u2800.exe'\ncondition: sel")).toEqual([['Image:<non-ascii>']]);
    expect(clausesOf("sel:\n  Image|endswith: '\u2800\\powershell.exe'\ncondition: sel")).toEqual([['Image:\\powershell.exe']]);
  });

  it('reads the value as the matcher compares it: U+212A lowers to ASCII k when caseless, not when cased', () => {
    expect(clausesOf("sel:\n  User|contains: '\u212A'\ncondition: sel")).toEqual([['User:k']]);
    expect(clausesOf("sel:\n  User|contains|cased: '\u212A'\ncondition: sel")).toEqual([['User:<non-ascii>']]);
  });

  it('lets a keyword non-ASCII needle stand for the same needle of a field in a union', () => {
    expect(clausesOf("kw:\n  - '\u00e9'\nsel:\n  User|contains: '\u00e9'\ncondition: kw or sel")).toEqual([['*:<non-ascii>']]);
  });
});
