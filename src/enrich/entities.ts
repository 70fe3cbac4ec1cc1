/**
 * Entities of a verified hit, shaped the way Microsoft Sentinel's entity mapping shapes them (entity type plus
 * identifier names from the Sentinel entity reference), so a SOC lead sees the same Host / Account / Process /
 * IP / DNS cards as on a Sentinel alert, and the entities could be sent to Sentinel unchanged.
 *
 * Sentinel's limits hold: at most 10 entities per alert and 3 identifiers per entity. Entities are listed in
 * priority order (host, account, process, image file, destination, source, parent process), so the cap drops
 * the least useful.
 *
 * Identifier choices follow Sentinel's strong identifiers:
 * - Host: HostName + DnsDomain (an FQDN `ws01.corp.contoso.com` split at the first dot) or HostName + NTDomain
 *   (`CORP\WS01`). FullName is not mappable in Sentinel, so an FQDN is split rather than kept whole.
 * - Account: Name + NTDomain (`CORP\alice`), Name + UPNSuffix (`alice@contoso.com`), else Name alone (weak).
 * - Process: ProcessId + CommandLine. The image is Sentinel's `ImageFile`, a File entity (Name + Directory)
 *   that the Process entity refers to by its index (`imageFile`).
 * - IP: Address. DNS: DomainName.
 */
import { isIP } from 'node:net';
import { boundText } from '../incidents/bounds.js';
import type { HitDestination, VerifiedHit } from '../incidents/model.js';

export const MAX_ENTITIES = 10;
export const MAX_IDENTIFIERS_PER_ENTITY = 3;
/** Identifier values beyond this are cut (marked): a 30,000-character command line is not an identifier. The
 *  cut reads only the part kept (boundText), so a 2,000,000-character value costs what a 4096-character one does. */
export const IDENTIFIER_MAX_CHARS = 4096;
/** The longest text form of an IP address (IPv6 with an embedded IPv4, INET6_ADDRSTRLEN - 1): longer text is
 *  no address, and is not handed to the address parser at all. */
const IP_TEXT_MAX_CHARS = 45;

export type SentinelEntityType = 'Host' | 'Account' | 'Process' | 'File' | 'IP' | 'DNS';

/** What the entity is to this hit. */
export type EntityRole = 'host' | 'account' | 'process' | 'image' | 'destination' | 'source' | 'parent-process';

export interface SentinelEntity {
  type: SentinelEntityType;
  role: EntityRole;
  /** Sentinel identifier name → value; at most 3, never empty values. */
  identifiers: Record<string, string>;
  /** For a Process: the index in the list of the File entity of its image (Sentinel's ImageFile). */
  imageFile?: number;
}

/** The parts of a verified hit entities are read from (events use Sigma field names). */
export type EntityHit = Pick<VerifiedHit, 'host' | 'processImage'> &
  Partial<Pick<VerifiedHit, 'account' | 'processId' | 'event'>> & { destination?: HitDestination };

export function entitiesFor(hit: EntityHit): SentinelEntity[] {
  const event = hit.event ?? {};
  const entities: SentinelEntity[] = [];
  const indexByKey = new Map<string, number>();
  /** Adds an entity once (identifier values compared case-insensitively); its index in the list. */
  const add = (entity: SentinelEntity | undefined): number | undefined => {
    if (!entity) return undefined;
    const key = JSON.stringify([entity.type, ...Object.entries(entity.identifiers).map(([name, value]) => [name, value.toLowerCase()])]);
    const existing = indexByKey.get(key);
    if (existing !== undefined || entities.length >= MAX_ENTITIES) return existing;
    indexByKey.set(key, entities.length);
    entities.push(entity);
    return entities.length - 1;
  };

  add(hostEntity(hit.host));
  add(accountEntity(hit.account ?? text(event.User)));

  const imageIndex = add(fileEntity(hit.processImage, 'image'));
  const process = processEntity('process', hit.processId ?? text(event.ProcessId), text(event.CommandLine));
  if (process) {
    // Sentinel links a process to its image file (ImageFile); the file is listed first so the link points back.
    if (imageIndex !== undefined) process.imageFile = imageIndex;
    add(process);
  }

  const destination = hit.destination ?? {};
  const destinationName = destination.fqdn ?? text(event.DestinationHostname);
  if (destinationName !== undefined && !isIpText(destinationName)) add(entity('DNS', 'destination', { DomainName: trimDot(destinationName) }));
  add(ipEntity(destination.ip ?? text(event.DestinationIp) ?? (destinationName !== undefined && isIpText(destinationName) ? destinationName : undefined), 'destination'));
  add(ipEntity(text(event.SourceIp), 'source'));
  add(processEntity('parent-process', text(event.ParentProcessId), text(event.ParentCommandLine)));
  return entities;
}

/** The Host entity of a host value; an IP address becomes an IP entity instead. */
export function hostEntity(value: string | undefined): SentinelEntity | undefined {
  const parts = splitHostName(value);
  if (!parts) return undefined;
  if (parts.ip !== undefined) return ipEntity(parts.ip, 'host');
  return entity('Host', 'host', { HostName: parts.hostName, NTDomain: parts.ntDomain, DnsDomain: parts.dnsDomain });
}

export interface HostNameParts {
  hostName: string;
  ntDomain?: string;
  dnsDomain?: string;
  /** Set when the host value is an IP address. */
  ip?: string;
}

/** `CORP\WS01` → WS01 + NTDomain CORP; `ws01.corp.contoso.com` → ws01 + DnsDomain corp.contoso.com. */
export function splitHostName(value: string | undefined): HostNameParts | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  const slash = trimmed.indexOf('\\');
  const ntDomain = slash > 0 ? trimmed.slice(0, slash) : undefined;
  const name = trimDot(slash >= 0 ? trimmed.slice(slash + 1) : trimmed);
  if (!name) return undefined;
  if (isIpText(name)) return { hostName: name, ip: name };
  const dot = name.indexOf('.');
  if (dot > 0 && dot < name.length - 1) {
    return { hostName: name.slice(0, dot), dnsDomain: name.slice(dot + 1), ...(ntDomain ? { ntDomain } : {}) };
  }
  return { hostName: name, ...(ntDomain ? { ntDomain } : {}) };
}

/** `CORP\alice` → Name + NTDomain; `alice@contoso.com` → Name + UPNSuffix; otherwise Name. */
export function accountEntity(value: string | undefined): SentinelEntity | undefined {
  const trimmed = value?.trim();
  if (!trimmed || trimmed === '-') return undefined;
  const slash = trimmed.lastIndexOf('\\');
  if (slash > 0 && slash < trimmed.length - 1) {
    return entity('Account', 'account', { Name: trimmed.slice(slash + 1), NTDomain: trimmed.slice(0, slash) });
  }
  const at = trimmed.lastIndexOf('@');
  if (at > 0 && at < trimmed.length - 1) {
    return entity('Account', 'account', { Name: trimmed.slice(0, at), UPNSuffix: trimmed.slice(at + 1) });
  }
  return entity('Account', 'account', { Name: trimmed.replace(/^\\+|\\+$/g, '') });
}

function fileEntity(image: string | undefined, role: EntityRole): SentinelEntity | undefined {
  const trimmed = image?.trim();
  if (!trimmed) return undefined;
  const cut = Math.max(trimmed.lastIndexOf('\\'), trimmed.lastIndexOf('/'));
  if (cut < 0) return entity('File', role, { Name: trimmed });
  return entity('File', role, { Name: trimmed.slice(cut + 1), Directory: trimmed.slice(0, cut) || trimmed.slice(0, 1) });
}

function processEntity(role: EntityRole, processId: string | undefined, commandLine: string | undefined): SentinelEntity | undefined {
  return entity('Process', role, { ProcessId: processId, CommandLine: commandLine });
}

function ipEntity(address: string | undefined, role: EntityRole): SentinelEntity | undefined {
  const trimmed = address?.trim();
  if (!trimmed || !isIpText(trimmed)) return undefined;
  return entity('IP', role, { Address: trimmed });
}

/** An entity from the identifiers that have a value; undefined when none has. */
function entity(type: SentinelEntityType, role: EntityRole, identifiers: Record<string, string | undefined>): SentinelEntity | undefined {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of Object.entries(identifiers)) {
    const trimmed = value?.trim();
    if (!trimmed || count >= MAX_IDENTIFIERS_PER_ENTITY) continue;
    kept[name] = boundText(trimmed, IDENTIFIER_MAX_CHARS).value;
    count += 1;
  }
  return count === 0 ? undefined : { type, role, identifiers: kept };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

function isIpText(text: string): boolean {
  return text.length <= IP_TEXT_MAX_CHARS && isIP(text) !== 0;
}

function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
