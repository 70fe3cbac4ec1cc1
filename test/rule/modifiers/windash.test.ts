import { describe, expect, it } from 'vitest';
import { expandWindash, WINDASH_CHARACTERS } from '../../../src/rule/values/windash.js';
import { patterns, str } from './helpers.js';

const texts = (written: string) => expandWindash([{ kind: 'literal', text: written }]).map((parts) => parts.map((part) => (part.kind === 'literal' ? part.text : '*')).join(''));

describe('windash', () => {
  it("expands pySigma's example '-param-1 -param2' at the two flag positions only, first position slowest", () => {
    const expected = WINDASH_CHARACTERS.flatMap((first) => WINDASH_CHARACTERS.map((second) => `${first}param-1 ${second}param2`));
    expect(expected).toHaveLength(25);
    expect(expected.slice(0, 5)).toEqual(['-param-1 -param2', '-param-1 /param2', '-param-1 \u2013param2', '-param-1 \u2014param2', '-param-1 \u2015param2']);
    expect(texts('-param-1 -param2')).toEqual(expected);
  });
  it('expands a slash flag too', () => {
    expect(texts('/add')).toEqual(['-add', '/add', '\u2013add', '\u2014add', '\u2015add']);
  });
  it('leaves a dash between word characters alone', () => {
    expect(texts('a-b')).toEqual(['a-b']);
  });
  it('leaves a dash not followed by a word character alone', () => {
    expect(texts(' - x')).toEqual([' - x']);
  });
  it('expands only the second dash of --x, the one followed by a word character', () => {
    // `\B[-/]\b` matches the second `-` of `--x` (the first is followed by a non-word char).
    expect(texts('--x')).toEqual(WINDASH_CHARACTERS.map((dash) => `-${dash}x`));
  });
  it('treats non-ASCII letters as word characters (Python Unicode \\w)', () => {
    expect(texts('é-x')).toEqual(['é-x']);
  });
  it('contains|windash puts every alternative in one value group with wildcards', () => {
    expect(patterns('CommandLine|contains|windash', ' -enc ')).toEqual(WINDASH_CHARACTERS.map((dash) => str(`* ${dash}enc *`)));
  });
  it('a flag right after a wildcard is expanded (start of a literal run)', () => {
    expect(patterns('CommandLine|windash', '*-enc')).toEqual(WINDASH_CHARACTERS.map((dash) => str(`*${dash}enc`)));
  });
  it('a value without flag positions stays one pattern', () => {
    expect(patterns('CommandLine|contains|windash', 'abc')).toEqual([str('*abc*')]);
  });
});
