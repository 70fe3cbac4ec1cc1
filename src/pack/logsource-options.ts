// The pack split by log source (src/logsource): events are classified once, and the rules of each class are
// indexed on its first event. A rule that names no product, category or service is the only kind that can
// match an event of unknown source: the others need a source the event does not state.
import { needsLogsource, type EventSource, type LogsourceResolver } from '../logsource/index.js';
import type { RulePackOptions } from './rule-pack.js';

/** `onClassified` sees each event's class as the pack reads it (once per `matching` call): the scan counts
 *  events of unknown source from it without classifying twice. */
export function logsourcePackOptions(resolver: LogsourceResolver, onClassified?: (source: EventSource | null) => void): RulePackOptions<EventSource> {
  return {
    classify:
      onClassified === undefined
        ? (event) => resolver.classify(event)
        : (event) => {
            const source = resolver.classify(event);
            onClassified(source);
            return source;
          },
    applies: (rule, source) => (source === null ? !needsLogsource(rule.logsource) : resolver.applies(rule.logsource, source)),
  };
}
