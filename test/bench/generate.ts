// Deterministic Sysmon EventID 3 (network connection) events for the benchmark, flattened the way the
// regression samples are (System and EventData fields as top-level keys, values as Windows renders them).
// The mix is what makes the numbers honest: a few percent of connections from the folders the seed rule
// looks for (some of them to the domains it excludes), near misses (%TEMP% under a profile is not
// ':\Temp\'), mixed case, missing and null fields, and user names with non-ASCII letters, some of them
// JSON-escaped as \uXXXX (which the pre-filter must parse rather than skip).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRng } from '../support/rng.js';

/** Bumped whenever the generated content changes, so stale files under bench-data/ are not reused. */
export const GENERATOR_VERSION = 1;

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, weight] of items) total += weight;
  let roll = rng() * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1][0];
}

function hex(rng: Rng, digits: number): string {
  let text = '';
  for (let i = 0; i < digits; i++) text += '0123456789abcdef'[Math.floor(rng() * 16)];
  return text;
}

const FIRST_NAMES = ['anna', 'ben', 'carla', 'david', 'emma', 'felix', 'greta', 'hannah', 'ivan', 'julia', 'kevin', 'laura', 'marco', 'nina', 'oscar', 'paula', 'rahul', 'sofia', 'tom', 'wei'];
const LAST_NAMES = ['schmidt', 'miller', 'rossi', 'kowalski', 'novak', 'garcia', 'smith', 'tanaka', 'dubois', 'jensen', 'kumar', 'silva', 'weber', 'brown', 'chen'];
/** Names with letters outside ASCII: user folders and accounts carry them into Image and User. */
const NON_ASCII_USERS = ['jürgen.müller', 'josé.garcía', 'søren.kierkegaard', 'zoë.brontë', 'łukasz.wójcik', 'ørjan.bø', 'françois.lefèvre', 'björn.ångström'];

const BENIGN_IMAGES: readonly (readonly [string, number])[] = [
  ['C:\\Windows\\System32\\svchost.exe', 20],
  ['C:\\WINDOWS\\system32\\svchost.exe', 5],
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 12],
  ['C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', 10],
  ['C:\\Program Files\\Mozilla Firefox\\firefox.exe', 3],
  ['C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe', 6],
  ['C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe', 5],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 5],
  ['System', 2],
  ['C:\\Windows\\System32\\lsass.exe', 2],
  ['C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe', 4],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 2],
  ['C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe', 3],
  ['C:\\Users\\{user}\\AppData\\Local\\slack\\app-4.41.97\\slack.exe', 2],
  ['C:\\Users\\{user}\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe', 2],
  ['C:\\Windows\\System32\\backgroundTaskHost.exe', 2],
  ['C:\\Windows\\SystemApps\\Microsoft.Windows.Search_cw5n1h2txyewy\\SearchApp.exe', 2],
  ['C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 1],
  ['C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe', 2],
  ['C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\HealthService.exe', 2],
  // Near misses: a profile's %TEMP% is '\Temp\' but not ':\Temp\'.
  ['C:\\Users\\{user}\\AppData\\Local\\Temp\\{tool}.exe', 2],
  ['C:\\Program Files\\Spotify\\Spotify.exe', 1],
];

/** One template per folder the seed rule names (its Image|contains list). */
const SUSPICIOUS_IMAGES: readonly string[] = [
  'C:\\$Recycle.Bin\\S-1-5-21-3623811015-3361044348-30300820-1013\\{tool}.exe',
  'C:\\PerfLogs\\{tool}.exe',
  'C:\\Temp\\{tool}.exe',
  'C:\\temp\\tools\\{tool}.exe',
  'C:\\Users\\Default\\AppData\\Local\\{tool}.exe',
  'C:\\Users\\Public\\{tool}.exe',
  'C:\\Users\\Public\\Downloads\\{tool}.exe',
  'C:\\Windows\\Fonts\\{tool}.exe',
  'C:\\Windows\\IME\\{tool}.exe',
  'C:\\Windows\\System32\\Tasks\\{tool}.exe',
  'C:\\Windows\\Tasks\\{tool}.exe',
  'C:\\Windows\\System32\\config\\systemprofile\\AppData\\Local\\{tool}.exe',
  'C:\\Users\\{user}\\Contacts\\{tool}.exe',
  'C:\\Users\\{user}\\Favorites\\{tool}.exe',
  'C:\\Users\\{user}\\Music\\{tool}.exe',
  'C:\\Users\\{user}\\Pictures\\{tool}.exe',
  'C:\\Users\\{user}\\Videos\\{tool}.exe',
  'C:\\Windows\\addins\\{tool}.exe',
];

const TOOLS = ['svchost', 'update', 'chrome_installer', 'rundll', 'OneDriveSetup', 'AnyDesk', 'x64', 'payload', 'setup', 'msiexec', 'winlogon', 'tmp5f3a'];

const BENIGN_HOSTS: readonly (readonly [string, number])[] = [
  ['www.google.com', 8],
  ['clients4.google.com', 3],
  ['login.microsoftonline.com', 8],
  ['outlook.office365.com', 6],
  ['graph.microsoft.com', 4],
  ['settings-win.data.microsoft.com', 4],
  ['v10.events.data.microsoft.com', 5],
  ['ctldl.windowsupdate.com', 3],
  ['wdcp.microsoft.com', 3],
  ['contosostorage01.blob.core.windows.net', 3],
  ['teams.microsoft.com', 4],
  ['slack.com', 2],
  ['zoom.us', 2],
  ['github.com', 2],
  ['api.github.com', 1],
  ['objects.githubusercontent.com', 1],
  ['www.youtube.com', 3],
  ['fonts.gstatic.com', 2],
  ['cdn.jsdelivr.net', 1],
  ['DC01.corp.contoso.com', 5],
  ['fileserver01.corp.contoso.com', 3],
  ['WWW.Bing.com', 1],
  ['-', 4],
];

/** Hosts the seed rule's filter excludes (DestinationHostname|endswith). */
const EXCLUDED_HOSTS = [
  'raw.githubusercontent.com',
  'gist.githubusercontent.com',
  'cdn.discordapp.com',
  'pastebin.com',
  'transfer.sh',
  'fancy-owl-42.trycloudflare.com',
  'mega.nz',
  'dl.dropboxusercontent.com',
  'storage.googleapis.com',
  'myapp.onrender.com',
  'edge-proxy.workers.dev',
  'store1.gofile.io',
  'GitHub.com',
];

const SUSPICIOUS_HOSTS = ['-', 'api.telegram.org', 'update-check.xyz', 'c2.badhost.top', 'tunnel.ngrok-free.app', 'cdn-static-01.net', 'github.com.evil.example'];

function applyCase(rng: Rng, text: string): string {
  const roll = rng();
  return roll < 0.15 ? text.toLowerCase() : roll < 0.22 ? text.toUpperCase() : text;
}

function ipv4(rng: Rng, internal: boolean): string {
  if (internal) return `10.${1 + Math.floor(rng() * 20)}.${Math.floor(rng() * 256)}.${1 + Math.floor(rng() * 254)}`;
  return `${pick(rng, [13, 20, 40, 52, 104, 142, 151, 172, 185, 192])}.${Math.floor(rng() * 256)}.${Math.floor(rng() * 256)}.${1 + Math.floor(rng() * 254)}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const ESCAPE_NON_ASCII = /[\u0080-\uffff]/g;

/** The events as JSON lines (no trailing newline), `count` of them, the same for the same seed. */
export function* generateSysmonNetworkEvents(count: number, seed: number): Generator<string> {
  const rng = createRng(seed);
  const hosts = Array.from({ length: 400 }, (_, i) => (i < 360 ? `WKS-${String(1000 + i)}` : `SRV-${String(i)}`));
  const start = Date.UTC(2025, 10, 3, 8, 0, 0);
  let recordId = 4_812_330;
  for (let n = 0; n < count; n++) {
    const computer = `${pick(rng, hosts)}.corp.contoso.com`;
    const nonAscii = rng() < 0.015;
    const userName = nonAscii ? pick(rng, NON_ASCII_USERS) : `${pick(rng, FIRST_NAMES)}.${pick(rng, LAST_NAMES)}`;
    const suspicious = rng() < 0.03;
    const template = suspicious ? pick(rng, SUSPICIOUS_IMAGES) : weighted(rng, BENIGN_IMAGES);
    const image = applyCase(rng, template.replace('{user}', userName).replace('{tool}', pick(rng, TOOLS)));
    const account = image.includes('\\Users\\') || image.includes('\\users\\') || image.includes('\\USERS\\') ? `CORP\\${userName}` : pick(rng, ['NT AUTHORITY\\SYSTEM', 'NT AUTHORITY\\NETWORK SERVICE', 'NT AUTHORITY\\LOCAL SERVICE', `CORP\\${userName}`]);
    const destinationHost = suspicious ? (rng() < 0.3 ? pick(rng, EXCLUDED_HOSTS) : pick(rng, SUSPICIOUS_HOSTS)) : weighted(rng, BENIGN_HOSTS);
    const internal = destinationHost.endsWith('.corp.contoso.com');
    const time = new Date(start + n * 37 + Math.floor(rng() * 1000));
    const utc = `${time.getUTCFullYear()}-${two(time.getUTCMonth() + 1)}-${two(time.getUTCDate())} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}.${String(time.getUTCMilliseconds()).padStart(3, '0')}`;
    const port = internal ? pick(rng, [88, 135, 389, 445, 636]) : pick(rng, [443, 443, 443, 80, 8080, 53]);
    const event: Record<string, unknown> = {
      EventID: 3,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: computer,
      EventRecordID: recordId++,
      Provider_Name: 'Microsoft-Windows-Sysmon',
      TimeCreated_SystemTime: time.toISOString(),
      Security_UserID: 'S-1-5-18',
      RuleName: '-',
      UtcTime: utc,
      ProcessGuid: `{${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}}`,
      ProcessId: String(300 + Math.floor(rng() * 20000)),
      Image: image,
      User: account,
      Protocol: port === 53 ? 'udp' : 'tcp',
      Initiated: 'true',
      SourceIsIpv6: 'false',
      SourceIp: ipv4(rng, true),
      SourceHostname: computer,
      SourcePort: String(49152 + Math.floor(rng() * 16000)),
      SourcePortName: '-',
      DestinationIsIpv6: 'false',
      DestinationIp: ipv4(rng, internal),
      DestinationHostname: destinationHost,
      DestinationPort: String(port),
      DestinationPortName: port === 443 ? 'https' : port === 80 ? 'http' : '-',
    };
    const initiated = rng();
    if (initiated < 0.14) event.Initiated = 'false';
    else if (initiated < 0.145) delete event.Initiated;
    else if (initiated < 0.15) event.Initiated = null;
    const hostShape = rng();
    if (hostShape < 0.02) delete event.DestinationHostname;
    else if (hostShape < 0.03) event.DestinationHostname = null;
    const imageShape = rng();
    if (imageShape < 0.003) delete event.Image;
    else if (imageShape < 0.005) event.Image = null;
    const line = JSON.stringify(event);
    // Half of the non-ASCII events come from a producer that escapes everything outside ASCII.
    yield nonAscii && rng() < 0.5 ? line.replace(ESCAPE_NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : line;
  }
}

export interface BenchData {
  file: string;
  count: number;
  seed: number;
  /** False when an existing file with the same parameters was reused. */
  generated: boolean;
  bytes: number;
}

/** Writes the events to `<dir>/sysmon-eid3-<count>-s<seed>-v<version>.jsonl` unless a complete file with
 *  those parameters is already there (a sidecar `.done` file marks completeness). */
export async function ensureBenchData(dir: string, count: number, seed: number): Promise<BenchData> {
  return ensureGeneratedFile(dir, 'sysmon-eid3', GENERATOR_VERSION, count, seed, generateSysmonNetworkEvents);
}

/** Writes `generate(count, seed)` as JSON lines to `<dir>/<name>-<count>-s<seed>-v<version>.jsonl` unless a
 *  complete file with those parameters is already there (a sidecar `.done` file marks completeness). */
export async function ensureGeneratedFile(dir: string, name: string, version: number, count: number, seed: number, generate: (count: number, seed: number) => Iterable<string>): Promise<BenchData> {
  const file = path.join(dir, `${name}-${count}-s${seed}-v${version}.jsonl`);
  const marker = `${file}.done`;
  try {
    const recorded = JSON.parse(await readFile(marker, 'utf8')) as { count?: number; seed?: number; bytes?: number };
    const info = await stat(file);
    if (recorded.count === count && recorded.seed === seed && recorded.bytes === info.size) {
      return { file, count, seed, generated: false, bytes: info.size };
    }
  } catch {
    // Missing or partial: generate.
  }
  await mkdir(dir, { recursive: true });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  let chunk: string[] = [];
  for (const line of generate(count, seed)) {
    chunk.push(line);
    if (chunk.length === 4096) {
      if (!out.write(chunk.join('\n') + '\n')) await new Promise<void>((resolve) => out.once('drain', resolve));
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  await rename(partial, file);
  const bytes = (await stat(file)).size;
  await writeFile(marker, JSON.stringify({ count, seed, bytes, version }) + '\n');
  return { file, count, seed, generated: true, bytes };
}
