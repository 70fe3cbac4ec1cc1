import type { SigmaRule } from '../rule/model.js';

/** An event as the matcher sees it: a JSON object whose keys are Sigma field names. */
export type SigmaEvent = Readonly<Record<string, unknown>>;

/** Why one detection item held: the explanation that travels into incidents. */
export interface MatchReason {
  /** The search identifier (`selection`, `filter_main_domains`, ...). */
  identifier: string;
  /** The Sigma field, or null for a keyword search. */
  field: string | null;
  /** The modifier chain as written in the rule. */
  modifiers: string[];
  /** The rule value that matched, as written in the YAML. */
  ruleValue: string | number | boolean | null;
  /** The event's value that matched (stringified), when there is one. */
  eventValue?: string;
}

export interface MatchExplanation {
  /** Search identifiers that evaluated true on the event (whether or not they were negated in the condition). */
  matchedSearches: string[];
  /** Search identifiers that evaluated false, in declaration order: what a match by negation (`not filter`,
   *  `selection and not filter`) rests on, which matchedSearches alone cannot show. */
  unmatchedSearches: string[];
  /** For each matched search, the items that held and the value that made each hold. */
  reasons: MatchReason[];
}

export interface CompiledRule {
  readonly rule: SigmaRule;
  /** The verdict, without allocating an explanation: the hot path. */
  matches(event: SigmaEvent): boolean;
  /** The verdict with its explanation; null when the rule does not match. */
  explain(event: SigmaEvent): MatchExplanation | null;
  /** The explanation of an event `matches` has just accepted, without deciding the verdict again (a scan
   *  explains every match it writes). Undefined on an event the rule does not match. */
  explainMatch?(event: SigmaEvent): MatchExplanation;
}
