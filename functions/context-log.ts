// The hunt's log interface on a Functions invocation context.
import type { InvocationContext } from '@azure/functions';
import type { HuntLog } from '../src/hunt/pipeline.js';

export function contextLog(context: InvocationContext): HuntLog {
  return {
    info: (message, fields) => context.log(message, ...(fields ? [fields] : [])),
    warn: (message, fields) => context.warn(message, ...(fields ? [fields] : [])),
    error: (message, fields) => context.error(message, ...(fields ? [fields] : [])),
  };
}
