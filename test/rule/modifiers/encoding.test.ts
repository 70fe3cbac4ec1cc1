import { describe, expect, it } from 'vitest';
import { item, patterns, refusal, str } from './helpers.js';

describe('base64', () => {
  it('encodes the value (pySigma test_base64)', () => {
    expect(patterns('CommandLine|base64', 'foobar')).toEqual([str('Zm9vYmFy')]);
  });
  it('encodes non-ASCII text as UTF-8', () => {
    expect(patterns('CommandLine|base64', 'é€')).toEqual([str('w6nigqw=')]);
  });
  it('base64|contains searches the encoding inside the value', () => {
    expect(patterns('CommandLine|base64|contains', 'whoami')).toEqual([str('*d2hvYW1p*')]);
  });
  it('refuses wildcards', () => {
    expect(refusal(() => item('CommandLine|base64', 'foo*bar'))).toMatchObject({ code: 'value' });
  });
  it('encodes an escaped star as a literal star', () => {
    expect(patterns('CommandLine|base64', 'a\\*')).toEqual([str('YSo=')]);
  });
});

describe('base64offset', () => {
  it('yields the three shifted encodings (pySigma test_base64offset)', () => {
    expect(patterns('CommandLine|base64offset', 'foobar')).toEqual([str('Zm9vYmFy'), str('Zvb2Jhc'), str('mb29iYX')]);
  });
  it('applies contains after to each encoding', () => {
    expect(patterns('CommandLine|base64offset|contains', 'IEX')).toEqual([str('*SUVY*'), str('*lFW*'), str('*JRV*')]);
  });
  it('refuses wildcards', () => {
    expect(refusal(() => item('CommandLine|base64offset|contains', 'foo*bar'))).toMatchObject({ code: 'value' });
  });
  it('refuses a value so short that a variant is empty (it would match everything)', () => {
    expect(refusal(() => item('CommandLine|base64offset|contains', 'a'))).toMatchObject({ code: 'value' });
  });
  it('wide|base64offset|contains encodes the UTF-16LE bytes (SigmaHQ CVE-2025-53770 rule shape)', () => {
    expect(patterns('CommandLine|wide|base64offset|contains', 'cmd')).toEqual([str('*YwBtAGQA*'), str('*MAbQBkA*'), str('*jAG0AZA*')]);
    expect(patterns('CommandLine|utf16le|base64offset|contains', 'ping')).toEqual([str('*cABpAG4AZw*'), str('*AAaQBuAGcA*'), str('*wAGkAbgBnA*')]);
  });
});

describe('utf16 modifiers', () => {
  it('utf16le alone is the byte string, one char per byte (appendix: cmd → 63 00 6d 00 64 00)', () => {
    expect(patterns('Data|utf16le', 'cmd')).toEqual([str('c\0m\0d\0')]);
  });
  it('wide keeps wildcards (pySigma test_wide)', () => {
    expect(patterns('Data|wide', '*foobar*')).toEqual([str('*f\0o\0o\0b\0a\0r\0*')]);
  });
  it('utf16be puts the high byte first (appendix: cmd → 00 63 00 6d 00 64)', () => {
    expect(patterns('Data|utf16be|base64', 'cmd')).toEqual([str('AGMAbQBk')]);
  });
  it('utf16 prepends the byte order mark FF FE', () => {
    expect(patterns('Data|utf16|base64', 'cmd')).toEqual([str('//5jAG0AZAA=')]);
    expect(patterns('Data|utf16', 'cmd')).toEqual([str('\xff\xfec\0m\0d\0')]);
  });
  it('encodes non-ASCII characters instead of refusing them as pySigma does', () => {
    expect(patterns('Data|wide', 'é')).toEqual([str('\xe9\0')]);
  });
});
