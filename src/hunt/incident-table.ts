/** Incidents as a terminal table and as JSON lines (enrichment included), for the CLI and the local run. */
import type { Incident } from '../incidents/model.js';

const COLUMNS: readonly { title: string; value: (incident: Incident) => string; max: number }[] = [
  { title: 'rule', value: (incident) => incident.ruleTitle, max: 48 },
  { title: 'severity', value: (incident) => incident.severity, max: 13 },
  { title: 'host', value: (incident) => incident.host, max: 28 },
  { title: 'process image', value: (incident) => incident.processImage, max: 52 },
  { title: 'destination', value: destinationText, max: 36 },
  { title: 'first seen (UTC)', value: (incident) => timeText(incident.firstSeen), max: 19 },
  { title: 'last seen (UTC)', value: (incident) => timeText(incident.lastSeen), max: 19 },
  { title: 'hits', value: (incident) => String(incident.hitCount), max: 8 },
];

export function destinationText(incident: Pick<Incident, 'destination'>): string {
  const { fqdn, ip, port } = incident.destination;
  const name = fqdn ?? ip ?? '-';
  return port === undefined ? name : `${name}:${port}`;
}

function timeText(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function cut(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}\u2026` : flat;
}

export function formatIncidentTable(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return 'no incidents';
  const cells = incidents.map((incident) => COLUMNS.map((column) => cut(column.value(incident), column.max)));
  const widths = COLUMNS.map((column, index) => Math.max(column.title.length, ...cells.map((row) => row[index]!.length)));
  const line = (row: readonly string[]) => row.map((cell, index) => (index === COLUMNS.length - 1 ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!))).join('  ').trimEnd();
  return [line(COLUMNS.map((column) => column.title)), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** One JSON object per incident, one per line. */
export function formatIncidentJsonLines(incidents: readonly Incident[]): string {
  return incidents.map((incident) => JSON.stringify(incident)).join('\n');
}
