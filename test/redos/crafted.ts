// The reviewer's two hostile values (issue 10), shared by the ReDoS suite, the scan test and the hunt fault suite.

/** proc_creation_win_hktl_invoke_obfuscation_var (SigmaHQ 27aec9c9-dbb0-4939-8422-1742242471d0). */
export const INVOKE_OBFUSCATION_RULE_FILE = 'rules/windows/process_creation/proc_creation_win_hktl_invoke_obfuscation_var.yml';

/** 83 characters that the rule's pattern matches: `(?:.*\)){1,}.*\"` splits the closing parentheses in 2^57
 *  ways before a backtracking engine reaches the one split that works (V8: ~0.1 s at 22 parentheses, doubling
 *  with each one). RE2 answers in one pass. */
export const CRAFTED_INVOKE_OBFUSCATION_COMMAND_LINE = 'cmd /c"set abcd {0}\\" -f)"' + ')'.repeat(57);

/** The textbook exponential pattern and its attack: 30 `a`s, then a character that fails the anchor. */
export const TEXTBOOK_REDOS_PATTERN = '(a+)+$';
export const TEXTBOOK_REDOS_VALUE = `${'a'.repeat(30)}!`;
