// Micro-benchmark (a script, not a test): the compiled matcher against a naive toLowerCase + includes/endsWith
// matcher on 1,000,000 Sysmon EventID 3 events, with the seed rule 7b434893 built by hand.
// Run: npx tsc -p . && node dist/test/match/bench-matcher.js [eventCount]
import { compileRule } from '../../src/match/compile.js';
import type { SigmaEvent } from '../../src/match/types.js';
import { SEED_DOMAINS, SEED_IMAGE_FRAGMENTS, seedRule } from './build.js';

/** Deterministic PRNG (mulberry32) so every run measures the same events. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON_IMAGES = [
  'C:\\Windows\\System32\\svchost.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', 'C:\\Windows\\System32\\lsass.exe',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe', 'C:\\Windows\\explorer.exe',
];
const USER_IMAGES = ['\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe', '\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe', '\\Downloads\\setup.exe', '\\Music\\player.exe', '\\Pictures\\viewer.exe'];
const SUSPICIOUS_IMAGES = ['C:\\Temp\\update.exe', 'C:\\Users\\Public\\svc.exe', 'C:\\$Recycle.Bin\\x.exe', 'C:\\Windows\\Tasks\\t.exe', 'C:\\PerfLogs\\a.exe'];
const OTHER_HOSTS = ['www.microsoft.com', 'login.microsoftonline.com', 'update.googleapis.com', 'outlook.office365.com', 'ocsp.digicert.com', 'teams.microsoft.com', 'example.org', 'cdn.example.net'];

function makeEvents(count: number): SigmaEvent[] {
  const next = random(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const events: SigmaEvent[] = new Array(count);
  for (let n = 0; n < count; n++) {
    const r = next();
    const image = r < 0.55 ? pick(COMMON_IMAGES) : r < 0.85 ? `C:\\Users\\user${n % 5000}${pick(USER_IMAGES)}` : pick(SUSPICIOUS_IMAGES);
    const h = next();
    const hostname = h < 0.1 ? undefined : h < 0.35 ? `host${n % 997}.${pick(SEED_DOMAINS).replace(/^\./, '')}` : `srv${n % 997}.${pick(OTHER_HOSTS)}`;
    const event: Record<string, unknown> = {
      EventID: 3,
      UtcTime: '2024-05-01 12:34:56.789',
      ProcessGuid: '{b3c285a4-3cda-6143-0400-000000002600}',
      ProcessId: 1000 + (n % 60000),
      Image: image,
      User: 'CORP\\user',
      Protocol: 'tcp',
      Initiated: next() < 0.7 ? 'true' : 'false',
      SourceIsIpv6: 'false',
      SourceIp: '10.0.0.5',
      SourceHostname: 'WKS-01.corp.local',
      SourcePort: 49152 + (n % 16000),
      DestinationIsIpv6: 'false',
      DestinationIp: '93.184.216.34',
      DestinationPort: 443,
      DestinationPortName: 'https',
    };
    if (hostname !== undefined) event.DestinationHostname = hostname;
    events[n] = event;
  }
  return events;
}

const loweredFragments = SEED_IMAGE_FRAGMENTS.map((f) => f.toLowerCase());
const loweredDomains = SEED_DOMAINS.map((d) => d.toLowerCase());

/** The baseline: what a straightforward matcher does for this rule (needles lowered once, up front). */
function naiveMatches(event: SigmaEvent): boolean {
  const initiated = event.Initiated;
  if (initiated === undefined || initiated === null || String(initiated).toLowerCase() !== 'true') return false;
  const image = event.Image;
  if (image === undefined || image === null) return false;
  const loweredImage = String(image).toLowerCase();
  let suspicious = false;
  for (const fragment of loweredFragments) {
    if (loweredImage.includes(fragment)) {
      suspicious = true;
      break;
    }
  }
  if (!suspicious) return false;
  const host = event.DestinationHostname;
  if (host === undefined || host === null) return true;
  const loweredHost = String(host).toLowerCase();
  for (const domain of loweredDomains) if (loweredHost.endsWith(domain)) return false;
  return true;
}

function measure(label: string, events: readonly SigmaEvent[], matches: (event: SigmaEvent) => boolean, rounds: number): { perSecond: number; hits: number } {
  let best = Infinity;
  let hits = 0;
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    let count = 0;
    for (let k = 0; k < events.length; k++) if (matches(events[k])) count++;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, seconds);
    hits = count;
  }
  const perSecond = events.length / best;
  console.log(`${label.padEnd(10)} ${(perSecond / 1e6).toFixed(2).padStart(7)} M events/s  (best of ${rounds}, ${hits} matches)`);
  return { perSecond, hits };
}

const count = Number(process.argv[2] ?? 1_000_000);
const events = makeEvents(count);
const compiled = compileRule(seedRule());
console.log(`seed rule 7b434893 on ${count} Sysmon EventID 3 events, node ${process.version}`);
// Warm both paths up so the JIT has optimized each before timing.
measure('warmup', events.slice(0, 100_000), naiveMatches, 3);
measure('warmup', events.slice(0, 100_000), compiled.matches, 3);
// The floor: reading the three fields and nothing else; no matcher can beat it.
measure('floor', events, (e) => e.Initiated === 'x' && e.Image === 'x' && e.DestinationHostname === 'x', 5);
const naive = measure('naive', events, naiveMatches, 5);
const ours = measure('compiled', events, compiled.matches, 5);
if (naive.hits !== ours.hits) {
  console.error(`verdicts differ: naive ${naive.hits} vs compiled ${ours.hits}`);
  process.exitCode = 1;
}
console.log(`ratio compiled/naive: ${(ours.perSecond / naive.perSecond).toFixed(2)}x`);
