// The fan-out planner timer: one queue message per (workspace, batch) of HUNT_WORKSPACES on each tick of
// HUNT_SCHEDULE. Everything it does lives in src/fanout/triggers.ts; without HUNT_WORKSPACES it does nothing.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { plannerHandler, setUpFanout } from '../src/fanout/triggers.js';
import { contextLog } from './context-log.js';

const setup = setUpFanout(process.env);
if (!setup.ok) console.error(setup.error.message);
const plan = plannerHandler(setup);

export async function sigmaHuntPlanner(_timer: Timer, context: InvocationContext): Promise<void> {
  await plan(contextLog(context));
}

app.timer('sigmaHuntPlanner', { schedule: '%HUNT_SCHEDULE%', runOnStartup: false, handler: sigmaHuntPlanner });
