import { describe, expect, it } from 'vitest';
import { parseSigmaString } from '../../../src/rule/values/sigma-string.js';

const lit = (text: string) => ({ kind: 'literal', text });
const any = { kind: 'any' };
const one = { kind: 'one' };

describe('Sigma string escaping (rules spec "Escape Character"; pySigma test_strings_escaping*)', () => {
  it.each([
    ['star is a multi-character wildcard', 'a*b', [lit('a'), any, lit('b')]],
    ['question mark is a single-character wildcard', 'prog?.exe', [lit('prog'), one, lit('.exe')]],
    ['backslash-star is a literal star', 'a\\*b', [lit('a*b')]],
    ['backslash-question is a literal question mark', '\\?', [lit('?')]],
    ['double backslash is one backslash', 'a\\\\b', [lit('a\\b')]],
    ['single backslash before a plain character is kept', 'C:\\Windows\\n', [lit('C:\\Windows\\n')]],
    ['double backslash then star is a backslash and a wildcard', 'C:\\\\*', [lit('C:\\'), any]],
    ['three backslashes then star is a backslash and a literal star', 'a\\\\\\*', [lit('a\\*')]],
    ['four backslashes are two backslashes', 'a\\\\\\\\b', [lit('a\\\\b')]],
    ['three backslashes before a plain character are two backslashes', 'a\\\\\\b', [lit('a\\\\b')]],
    ['a trailing backslash is kept', ':\\Temp\\', [lit(':\\Temp\\')]],
    ['escaped star at the start is literal (proc_creation_win_powershell_decrypt_pattern)', '\\*.lnk', [lit('*.lnk')]],
    ['the empty string has no parts', '', []],
    ['adjacent wildcards stay separate parts', '**', [any, any]],
  ])('%s', (_name, written, expected) => {
    expect(parseSigmaString(written)).toEqual(expected);
  });
});
