// What `sigma-hunt --help` and `sigma-hunt <command> --help` print, apart from the commands themselves: help
// needs none of the engine, so `--help` loads this module and not the command modules (src/cli/commands/index.ts).
import { TARGET_NAMES } from '../../targets/types.js';

export const VALIDATE_SUMMARY = 'Load Sigma rules and report, per document, whether sigma-hunt accepts it';

export const VALIDATE_USAGE = `Usage: sigma-hunt validate [--placeholders <file>] <file|dir>...

Loads Sigma rules (folders recursively, *.yml and *.yaml) and prints one JSON line per document:
  {"path":"rules/a.yml","ruleId":"...","ok":true}
  {"path":"rules/b.yml","ruleId":"...","ok":false,"code":"modifier","error":"rules/b.yml:14 detection.sel.Image|contanis: unknown modifier 'contanis'"}
"document" (0-based) is added for files with several YAML documents, "kind" for filters and correlations.
Filter documents are applied to the rules they name; correlation rules are refused (not supported yet).

Options:
  --placeholders <file>  YAML/JSON map of placeholder name to a list of values, for |expand rules
                         (without it, rules using placeholders are refused)`;

export const SCAN_SUMMARY = 'Match events (JSON lines, JSON array, Log Analytics CSV) against Sigma rules locally';

export const SCAN_USAGE = `Usage: sigma-hunt scan --rule <file|dir>... --events <file|dir|->... [options]

Evaluates every event against the rules of its log source and prints one JSON line per match on stdout:
  {"ruleId":"...","title":"...","level":"high","line":41,"event":{...},"matched":{"matchedSearches":[...],"unmatchedSearches":[...],"reasons":[...]}}
When several files or a folder are scanned, each line also names its file before "line":
  {...,"level":"high","file":"logs/a.jsonl","line":41,...}
"event" is the record as read: a JSON line or a one-line array element is copied as written (its key order and
number spelling kept); other records are re-serialised.
The summary on stderr: events and files read, the top rules by matches with their level, matches by level,
how many rules matched nothing, events of unknown source, refusals and time. On a terminal, progress shows
events/s and, for files, the percentage read and the time left.

Log sources: an event's source is read from Channel + EventID, an ASIM EventSchema, the Log Analytics Type
column or Provider_Name; a rule runs on it only when its product, category and service fit. An event with none
of these fields meets only rules without a logsource; --logsource says where such events come from.

Events (format detected from the content, the extension breaking ties; '-' reads standard input):
  JSON lines   one object per line; "line" is the 0-based physical line (blank lines count, are skipped)
  JSON array   [ {...}, ... ]; "line" is the 0-based element index
  CSV          Log Analytics portal export: header row, RFC 4180 quoting, UTF-8 BOM allowed, dynamic
               columns as JSON text; "line" is the 0-based data row (header excluded, newlines inside
               quoted fields not counted); cells are strings, an empty cell is ''
A record that cannot be read (invalid JSON, not an object, nested more than 64 levels, an unreadable CSV row)
is reported on stderr (file:line: reason [line|element|row N], at most 300 printable characters) and skipped.
A missing file, or a folder with no event file, is one error before anything is read; a single input that is
binary is one error and no summary. With several files, one that is binary or breaks off is reported and the
scan goes on with the next. Matches are written as found; with worker threads (see --jobs), each batch of
about a megabyte of input is written once scanned, still in input order.

Files and folders: each --events argument in the order given, a folder's files recursively in path order
(*.jsonl, *.ndjson, *.json, *.csv; name a *.log or other file directly), each file's format detected on its own.
'-' (standard input) only alone.

Options:
  --rule <file|dir>...   Sigma rules: files, or folders searched for *.yml/*.yaml (repeatable)
  --events <path>...     event files, folders, or '-' for standard input (repeatable)
  --min-level <level>    run only rules at or above informational, low, medium, high or critical; rules
                         without a level do not run; the summary counts the rules left out
  --top <n>              how many matching rules the summary lists (default 20)
  --jobs <n>             threads to scan JSON records with, this one included; each holds its own copy of
                         the rules. Default: 2 on a machine with 2 or more cores for inputs of 64 MiB or
                         more, otherwise 1. Output and summary are the same for every n
  --placeholders <file>  YAML/JSON map of placeholder name to values, for |expand rules
  --format <f>           jsonl, json-array or csv: skip format detection
  --logsource <k=v,...>  the log source of events that carry none (keys product, category, service), e.g.
                         --logsource category=process_creation,product=windows
  --logsource-map <file> YAML/JSON log source map extending the shipped one (replacing it with replace: true)
  --target <t>           asim, mde or sysmon: the records are rows exported from that target's tables (portal
                         CSV or JSON lines), each read through the target's row adapter and OS test as the hunt
                         reads it; match lines show the adapted event. One thread, no pre-filter
  --no-prefilter         parse every JSON record; by default a record that provably cannot match any
                         rule is skipped unparsed, and so is not checked for being valid JSON`;

export const CONVERT_SUMMARY = 'Convert Sigma rules to KQL for Sentinel (ASIM, Defender tables or raw Sysmon)';

export const CONVERT_USAGE = `Usage: sigma-hunt convert --rule <file|dir> --target ${TARGET_NAMES.join('|')} [--workspace-parser] [--placeholders <file>]

Converts Sigma rules to KQL for Microsoft Sentinel.
  asim    ASIM parsers (_Im_NetworkSession, _Im_ProcessCreate)
  mde     Defender tables (DeviceNetworkEvents, DeviceProcessEvents)
  sysmon  raw Sysmon events in the Event table

For a file holding one rule, prints the query (ready for the Logs blade: the last hour, ago(1h) .. now());
warnings go to stderr. For a folder, prints one JSON line per rule:
  {"ruleId":"...","path":"...","target":"mde","kql":"...","warnings":[...]}
  {"ruleId":"...","path":"...","target":"mde","error":"never-matches: ...","warnings":[]}

Options:
  --workspace-parser     asim: call the workspace-deployed parsers (imNetworkSession, imProcessCreate)
  --placeholders <file>  YAML/JSON map of placeholder name to values, for |expand rules`;

export const LINT_KQL_SUMMARY = 'Report KQL predicates that can never hold on a target schema (hand-written or generated queries)';

export const LINT_KQL_USAGE = `Usage: sigma-hunt lint-kql --target <asim|mde|sysmon> [--format text|jsonl] <file.kql|->

Reports predicates of a KQL query that can never hold given what the target's columns contain, e.g. on asim
NetworkDirection =~ "true" (NetworkDirection is Inbound/Outbound/...) or DstHostname endswith ".example.com"
(DstHostname never holds a dot: use DstFQDN). Reads the query from the file, or from stdin with '-'.

Options:
  --target <name>   the schema the query is written for: asim, mde or sysmon (required)
  --format <fmt>    text (default): one finding per line with its fix; jsonl: one JSON object per finding
                    {severity, code, message, line, character, span, column, operator, value, fix}`;

export const HUNT_SUMMARY = 'Run one hunt against a Log Analytics workspace (DefaultAzureCredential)';

export const HUNT_USAGE = `Usage: sigma-hunt hunt --workspace <id> [--since <duration>] [--rules <path>] [--target asim|mde|sysmon]
                        [--format text|json] [--local-dir <folder>] [--log-analytics-endpoint <url>]

Runs one hunt against a Log Analytics workspace from this machine, with DefaultAzureCredential (az login,
environment credentials or a managed identity): the same pipeline as the timer function. Incidents go to Azure
Table Storage when HUNT_STORAGE_TABLE_ENDPOINT is set, else to the local store (.local/ of the checkout).

Options:
  --workspace <id>    workspace (customer) id, a GUID (default: LOG_ANALYTICS_WORKSPACE_ID)
  --since <duration>  hunt from now - duration (5m, 2h, 1d, PT30M), ignoring the stored watermark; the watermark
                      is still only moved forward. Default: from the watermark, or HUNT_LOOKBACK on a first run
  --rules <path>      Sigma rule file or folder (default: HUNT_RULES_PATH, else the bundled rules/)
  --target <name>     asim (default), mde or sysmon (default: HUNT_TARGET)
  --format <fmt>      text (default): incidents table and run summary; json: the run summary as one JSON object
  --local-dir <dir>   the local store's folder (default: <checkout>/.local)
  --log-analytics-endpoint <url>
                      query API base URL ending in /v1 (sovereign clouds); http://127.0.0.1 for a local fake

Other settings (HUNT_INGESTION_DELAY, HUNT_SAFETY_LAG, HUNT_MAX_WINDOW, HUNT_KQL_OVERRIDES_PATH, ...) are read
from the environment as in the function app.`;

export const INCIDENTS_SUMMARY = 'List stored incidents (Azure Table Storage, or the local store of npm start)';

export const INCIDENTS_USAGE = `Usage: sigma-hunt incidents list [--format table|jsonl] [--local-dir <folder>]

Prints the stored incidents, newest activity first. Reads Azure Table Storage when HUNT_STORAGE_TABLE_ENDPOINT
(or AzureWebJobsStorage__tableServiceUri) is set, with DefaultAzureCredential; otherwise the local store that
\`npm start\` writes (Azurite data in .local/ of the checkout).

Options:
  --format <fmt>        table (default): rule, severity, host, process image, destination, first/last seen, hits;
                        jsonl: one JSON object per incident, enrichment, samples and explanation included
  --local-dir <folder>  the local store's folder (default: <checkout>/.local)

Settings read: HUNT_INCIDENTS_TABLE, HUNT_CHECKPOINTS_TABLE, HUNT_STORAGE_TABLE_ENDPOINT, AZURE_CLIENT_ID.`;

export const REVIEW_SUMMARY = 'Serve the review page and API for SOC leads on this machine (over the local store)';

export const REVIEW_USAGE = `Usage: sigma-hunt review [--port N] [--local-dir <folder>]

Serves the review page (list, detail, triage, exceptions) and its API (/api/incidents, /api/exceptions) over the
local store that \`npm start\` fills (Azurite data in .local/ of the checkout), or Azure Table Storage when
HUNT_STORAGE_TABLE_ENDPOINT is set, and prints the page's URL. Runs until interrupted (Ctrl-C).

Locally every request runs as a DEVELOPMENT PRINCIPAL with both app roles (Incidents.Read, Incidents.Triage),
so the server listens on 127.0.0.1 only. REVIEW_AUTH=entra (with REVIEW_TENANT_ID, REVIEW_AUDIENCE) validates
Entra access tokens instead, as the Function App does.

Options:
  --port N              the port (default 7072; 0 picks a free one)
  --local-dir <folder>  the local store's folder (default: <checkout>/.local)

Settings read: HUNT_INCIDENTS_TABLE, HUNT_CHECKPOINTS_TABLE, HUNT_STORAGE_TABLE_ENDPOINT, REVIEW_AUTH,
REVIEW_TENANT_ID, REVIEW_AUDIENCE, REVIEW_WORKSPACE_RESOURCE_ID.`;
