// The timer trigger. Everything it does lives in src/hunt/timer.ts; this file only translates between the
// Functions runtime and that code. The schedule comes from the HUNT_SCHEDULE app setting (default in
// src/hunt/config.ts: every 5 minutes); never runOnStartup in production (a cold start or scale-out would
// start a hunt outside the schedule).
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { fanoutConfigured } from '../src/fanout/config.js';
import { huntTimerHandler, setUpHuntTimer } from '../src/hunt/timer.js';
import { sentinelWriteBackStep } from '../src/sentinel/timer.js';

const setup = setUpHuntTimer(process.env);
if (!setup.ok) console.error(setup.error.message);
const hunt = huntTimerHandler(setup);
// Off unless SENTINEL_INGESTION_ENDPOINT and SENTINEL_DCR_IMMUTABLE_ID are set (infra: sentinelWriteBack).
const writeBack = sentinelWriteBackStep(process.env);

export async function sigmaHunt(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = {
    info: (message: string, fields?: object) => context.log(message, ...(fields ? [fields] : [])),
    warn: (message: string, fields?: object) => context.warn(message, ...(fields ? [fields] : [])),
    error: (message: string, fields?: object) => context.error(message, ...(fields ? [fields] : [])),
  };
  try {
    // With HUNT_WORKSPACES the planner hunts every workspace, this one included: two hunts would key its incidents twice.
    if (!fanoutConfigured(process.env)) await hunt(log);
  } finally {
    // Whatever the hunt stored goes to Sentinel, also after a failed run; the write-back never throws.
    await writeBack(log);
  }
}

app.timer('sigmaHunt', { schedule: '%HUNT_SCHEDULE%', runOnStartup: false, handler: sigmaHunt });

