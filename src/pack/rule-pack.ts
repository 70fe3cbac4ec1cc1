// A pack of compiled rules evaluated together: per event, only the rules that can still match are run.
//
// Exactness. A rule can match an event only if, for each of its needle clauses (src/pack/field-needles.ts),
// one of the clause's needles occurs in the event: its text in a lowered scalar of its field (any scalar,
// for a keyword needle), a non-ASCII unit in such a scalar, or its field present. The needle automata find
// every occurrence in one pass per field value (src/pack/needle-automaton.ts says how they read values
// exactly as the matcher lowers them), and a rule is evaluated as soon as all its clauses are met. Rules
// without clauses (a `not`, a regex-only keyword search, ...) are evaluated on every event; a rule with an
// empty clause never matches and never is. So `matching` returns exactly the rules whose `matches` holds.
//
// Log sources. The caller may split events by source (`classify`) and say which rules apply to a source
// (`applies`); by default every rule applies to every event. The index for a source is built the first
// time an event of that source arrives, then cached by its key.
import type { CompiledRule, SigmaEvent } from '../match/types.js';
import type { SigmaRule } from '../rule/model.js';
import { MAX_CLAUSES, NON_ASCII, ruleClauses, type NeedleClauses } from './field-needles.js';
import { NeedleAutomaton, type NeedleSink } from './needle-automaton.js';

/** The part of an event source (src/logsource) the pack needs: a key naming it, stable across events. */
export interface EventSourceKey {
  readonly key: string;
}

export interface RulePackOptions<Source extends EventSourceKey = EventSourceKey> {
  /** The event's source, or null when it is not known. Default: one source for all events. */
  classify?(event: SigmaEvent): Source | null;
  /** Whether a rule can match events of this source (null: of unknown source). Default: always. */
  applies?(rule: SigmaRule, source: Source | null): boolean;
}

export interface RulePack {
  readonly rules: readonly CompiledRule[];
  /** Indices into `rules` of the rules matching the event, ascending. The same frozen empty array whenever
   *  nothing matches, so the common case allocates nothing. */
  matching(event: SigmaEvent): readonly number[];
  /** Indices of the rules the index leaves to evaluate for the event, ascending (tests, benchmarks). */
  candidates(event: SigmaEvent): number[];
  /** What the pack has built so far, per source key. */
  describe(): PackDescription[];
}

export interface PackDescription {
  /** The source key; null for events of unknown source. */
  source: string | null;
  /** Rules that apply to the source. */
  rules: number;
  /** Of those, rules evaluated on every event (no needle clause). */
  alwaysEvaluated: number;
  /** Of those, rules that can never match (an empty clause). */
  neverMatching: number;
  /** Distinct (field, text) needles, presence needles included. */
  needles: number;
  /** States of all its needle automata together. */
  automatonStates: number;
}

const NO_MATCH: readonly number[] = Object.freeze([]);

/** Clause numbers take the low bits of a holder entry. */
const CLAUSE_SLOTS = 4;
if (MAX_CLAUSES > CLAUSE_SLOTS) throw new RangeError('MAX_CLAUSES exceeds the clause bits of a holder entry');

/** What one event field key dispatches to. */
interface FieldEntry {
  /** The needles of rules' items on this field, or null when there are only presence needles. */
  readonly automaton: NeedleAutomaton | null;
  /** The needle id of "this field is present", or -1. */
  readonly presenceId: number;
}

/** The candidate structure for the rules applying to one source; also the sink of its automata. */
class SourceIndex implements NeedleSink {
  readonly ruleCount: number;
  /** Rules without needle clauses, ascending. */
  readonly always: Int32Array;
  readonly neverMatching: number;
  readonly needleCount: number;
  readonly automatonStates: number;
  private readonly fields = new Map<string, FieldEntry>();
  private readonly keywords: NeedleAutomaton | null;
  /** Per needle id: the (rule, clause) pairs holding that needle, as rule * CLAUSE_SLOTS + clause. */
  private readonly holders: Int32Array[] = [];
  /** Per rule: the clause bits a candidate must have all of. */
  readonly fullClauses: Uint8Array;
  /** Per needle id: the scan it was last found in, so each is listed once per event. */
  private seenIn: Uint32Array;
  private scanNumber = 0;
  private foundIds = new Int32Array(64);
  private foundCount = 0;

  constructor(
    readonly source: string | null,
    applicable: readonly number[],
    needlesOf: (rule: number) => NeedleClauses,
    ruleTotal: number,
  ) {
    const always: number[] = [];
    let neverMatching = 0;
    this.fullClauses = new Uint8Array(ruleTotal);
    // field (null: keywords) → text ('' : presence) → rule * CLAUSE_SLOTS + clause
    const byField = new Map<string | null, Map<string, number[]>>();
    for (const r of applicable) {
      const clauses = needlesOf(r);
      if (clauses.length === 0) {
        always.push(r);
        continue;
      }
      if (clauses.some((needles) => needles.length === 0)) {
        neverMatching++;
        continue;
      }
      this.fullClauses[r] = (1 << clauses.length) - 1;
      clauses.forEach((needles, k) => {
        for (const { field, text } of needles) {
          let texts = byField.get(field);
          if (texts === undefined) byField.set(field, (texts = new Map()));
          const holders = texts.get(text);
          if (holders === undefined) texts.set(text, [r * CLAUSE_SLOTS + k]);
          else if (holders[holders.length - 1] !== r * CLAUSE_SLOTS + k) holders.push(r * CLAUSE_SLOTS + k);
        }
      });
    }
    this.ruleCount = applicable.length;
    this.always = Int32Array.from(always);
    this.neverMatching = neverMatching;
    let keywords: NeedleAutomaton | null = null;
    let states = 0;
    for (const [field, texts] of byField) {
      let presenceId = -1;
      let nonAsciiId = -1;
      const automatonTexts: string[] = [];
      const automatonIds: number[] = [];
      for (const [text, rules] of texts) {
        const id = this.holders.length;
        this.holders.push(Int32Array.from(rules));
        if (text === '') presenceId = id;
        else if (text === NON_ASCII) nonAsciiId = id;
        else {
          automatonTexts.push(text);
          automatonIds.push(id);
        }
      }
      const automaton =
        automatonTexts.length > 0 || nonAsciiId !== -1 ? new NeedleAutomaton(automatonTexts, automatonIds, this, nonAsciiId) : null;
      states += automaton?.stateCount ?? 0;
      if (field === null) keywords = automaton;
      else this.fields.set(field, { automaton, presenceId });
    }
    this.keywords = keywords;
    this.needleCount = this.holders.length;
    this.automatonStates = states;
    this.seenIn = new Uint32Array(this.holders.length);
  }

  found(id: number): void {
    if (this.seenIn[id] === this.scanNumber) return;
    this.seenIn[id] = this.scanNumber;
    if (this.foundCount === this.foundIds.length) {
      const grown = new Int32Array(this.foundIds.length * 2);
      grown.set(this.foundIds);
      this.foundIds = grown;
    }
    this.foundIds[this.foundCount++] = id;
  }

  /** Finds the event's needles; returns how many, their ids in `foundIds` until the next scan. */
  scan(event: SigmaEvent): number {
    this.scanNumber = (this.scanNumber + 1) >>> 0;
    if (this.scanNumber === 0) {
      // After 2^32 scans the marks wrap: clear them so an old mark cannot pass for this scan's.
      this.seenIn.fill(0);
      this.scanNumber = 1;
    }
    this.foundCount = 0;
    const { fields } = this;
    if (fields.size > 0) {
      for (const key in event) {
        const value = event[key];
        // The matcher's lookup treats null as absent, and an absent field holds no text.
        if (value === null || value === undefined) continue;
        const entry = fields.get(key);
        if (entry !== undefined) this.visit(entry, value);
        // The lookup's fallback: a key that equals the field once its spaces are removed.
        if (key.includes(' ')) {
          const spaced = fields.get(key.replaceAll(' ', ''));
          if (spaced !== undefined && spaced !== entry) this.visit(spaced, value);
        }
      }
    }
    this.keywords?.scanDeep(event);
    return this.foundCount;
  }

  private visit(entry: FieldEntry, value: unknown): void {
    if (entry.presenceId >= 0) this.found(entry.presenceId);
    entry.automaton?.scanFieldValue(value);
  }

  foundId(k: number): number {
    return this.foundIds[k];
  }

  holdersOf(id: number): Int32Array {
    return this.holders[id];
  }
}

export function buildRulePack<Source extends EventSourceKey>(compiled: readonly CompiledRule[], options: RulePackOptions<Source> = {}): RulePack {
  const rules = [...compiled];
  const needleSets: Array<NeedleClauses | undefined> = new Array(rules.length);
  const needlesOf = (r: number): NeedleClauses => {
    let needles = needleSets[r];
    if (needles === undefined) {
      const { rule } = rules[r];
      // A CompiledRule built by hand without a detection (a test double) has nothing to index by.
      needles = needleSets[r] = (rule.detection as SigmaRule['detection'] | undefined) === undefined ? [] : ruleClauses(rule);
    }
    return needles;
  };
  const { classify, applies } = options;
  const everyRule = rules.map((_, r) => r);
  const bySource = new Map<string, SourceIndex>();
  let unknownSource: SourceIndex | null = null;
  const indexFor = (source: Source | null): SourceIndex => {
    if (source === null) {
      unknownSource ??= new SourceIndex(null, applies === undefined ? everyRule : everyRule.filter((r) => applies(rules[r].rule, null)), needlesOf, rules.length);
      return unknownSource;
    }
    let index = bySource.get(source.key);
    if (index === undefined) {
      index = new SourceIndex(source.key, applies === undefined ? everyRule : everyRule.filter((r) => applies(rules[r].rule, source)), needlesOf, rules.length);
      bySource.set(source.key, index);
    }
    return index;
  };
  const defaultSource = { key: '' } as Source;
  const sourceOf = classify === undefined ? () => defaultSource : (event: SigmaEvent) => classify(event);

  // Per rule: the event (by sequence number) whose clause bits `clauseBits` holds. A rule becomes a
  // candidate when its last clause bit is set, which happens once per event however many needles hit.
  const queuedFor = new Uint32Array(rules.length);
  const clauseBits = new Uint8Array(rules.length);
  let eventNumber = 0;
  const nextEventNumber = (): number => {
    eventNumber = (eventNumber + 1) >>> 0;
    if (eventNumber === 0) {
      queuedFor.fill(0);
      eventNumber = 1;
    }
    return eventNumber;
  };

  /** Records a holder entry's clause for this event; the rule when that completed its clauses, else -1. */
  const becameCandidate = (entry: number, mark: number, fullClauses: Uint8Array): number => {
    const r = (entry / CLAUSE_SLOTS) | 0;
    const bit = 1 << (entry & (CLAUSE_SLOTS - 1));
    let bits: number;
    if (queuedFor[r] !== mark) {
      queuedFor[r] = mark;
      bits = bit;
    } else {
      bits = clauseBits[r];
      if ((bits & bit) !== 0) return -1;
      bits |= bit;
    }
    clauseBits[r] = bits;
    return bits === fullClauses[r] ? r : -1;
  };

  /** Calls `visit` on each candidate rule once, in no particular order. */
  const eachCandidate = (index: SourceIndex, event: SigmaEvent, visit: (rule: number) => void): void => {
    const mark = nextEventNumber();
    const { always } = index;
    for (let k = 0; k < always.length; k++) visit(always[k]);
    const found = index.scan(event);
    for (let k = 0; k < found; k++) {
      const holders = index.holdersOf(index.foundId(k));
      for (let h = 0; h < holders.length; h++) {
        const r = becameCandidate(holders[h], mark, index.fullClauses);
        if (r >= 0) visit(r);
      }
    }
  };

  return {
    rules,
    matching(event: SigmaEvent): readonly number[] {
      const index = indexFor(sourceOf(event));
      if (index.ruleCount === 0) return NO_MATCH;
      let matched: number[] | null = null;
      const mark = nextEventNumber();
      const { always, fullClauses } = index;
      for (let k = 0; k < always.length; k++) {
        const r = always[k];
        if (rules[r].matches(event)) (matched ??= []).push(r);
      }
      const found = index.scan(event);
      for (let k = 0; k < found; k++) {
        const holders = index.holdersOf(index.foundId(k));
        for (let h = 0; h < holders.length; h++) {
          const r = becameCandidate(holders[h], mark, fullClauses);
          if (r >= 0 && rules[r].matches(event)) (matched ??= []).push(r);
        }
      }
      if (matched === null) return NO_MATCH;
      // Candidates come in needle order; the caller reports matches in rule order.
      if (matched.length > 1) matched.sort((a, b) => a - b);
      return matched;
    },
    candidates(event: SigmaEvent): number[] {
      const index = indexFor(sourceOf(event));
      const found: number[] = [];
      eachCandidate(index, event, (r) => found.push(r));
      return found.sort((a, b) => a - b);
    },
    describe(): PackDescription[] {
      const built = [...bySource.values(), ...(unknownSource === null ? [] : [unknownSource])];
      return built.map((index) => ({
        source: index.source,
        rules: index.ruleCount,
        alwaysEvaluated: index.always.length,
        neverMatching: index.neverMatching,
        needles: index.needleCount,
        automatonStates: index.automatonStates,
      }));
    },
  };
}
