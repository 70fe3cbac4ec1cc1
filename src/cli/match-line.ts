// The lines `scan` writes: one JSON object per (record, matching rule), with the keys in a fixed order that is
// part of the output format: ruleId, title, level, file (several inputs only), line, event, matched.
//
// Speed. A fifth of a busy log can match; re-serialising each matched event cost as much as parsing it. So the
// per-rule head is serialised once, and an event read as a JSON text (a JSON line) is written as that text,
// which JSON.parse has just accepted as an object: the reader parses the same value back. Two differences from
// re-serialising, both in the reader's favour of seeing the input as it was: key order and number spelling are
// the input's, and a key written twice stays twice (JSON.parse, like the matcher's event, keeps the last).
// A text holding a line feed or a carriage return is re-serialised instead: JSON allows both as whitespace
// between tokens (a pretty-printed array element spans lines), but a match line must stay one line, and line
// readers (Node's readline among them) end a line at either.
import type { CompiledRule, SigmaEvent } from '../match/types.js';

export class MatchLines {
  /** Per rule: the serialised keys before `line`, built when the rule first matches. */
  private readonly heads: Array<string | undefined>;

  constructor(
    private readonly rules: readonly CompiledRule[],
    /** The file named in each line; left out, the line is what a one-file scan has always printed. */
    private readonly file: string | undefined,
  ) {
    this.heads = new Array(rules.length);
  }

  /** The line for rule `r`, whose `matches` has just held, matching the record at `index` (null when the rule
   *  does not explain the match: a hand-built rule can disagree with itself). `text` is the JSON text the
   *  event was parsed from, when it was read as one (a JSON line, an array element). */
  line(r: number, index: number, event: SigmaEvent, text: string | undefined): string | null {
    const rule = this.rules[r];
    const matched = rule.explainMatch !== undefined ? rule.explainMatch(event) : rule.explain(event);
    if (matched === null) return null;
    const eventJson = text !== undefined && !text.includes('\n') && !text.includes('\r') ? text : JSON.stringify(event);
    return `${this.head(r)}"line":${index},"event":${eventJson},"matched":${JSON.stringify(matched)}}\n`;
  }

  private head(r: number): string {
    let head = this.heads[r];
    if (head === undefined) {
      const { rule } = this.rules[r];
      const keys = { ruleId: rule.id ?? rule.name ?? null, title: rule.title, level: rule.level ?? null, ...(this.file === undefined ? {} : { file: this.file }) };
      // '{"ruleId":…,"level":…}' → '{"ruleId":…,"level":…,' so `line` and the rest follow in order.
      head = this.heads[r] = JSON.stringify(keys).slice(0, -1) + ',';
    }
    return head;
  }
}
