// Rows the hunt pipeline tests share.
import { verifyWindow, type VerifiedWindow } from '../../../src/hunt/pipeline.js';

/** An ASIM network session row (Sysmon-sourced) that the seed rule matches. */
export const SEED_MATCHING_ROW = {
  TimeGenerated: new Date('2026-03-02T09:30:00Z'),
  Dvc: 'WKS-1042.corp.contoso.com',
  EventProduct: 'Sysmon',
  EventOriginalUid: '',
  _ItemId: 'item-1',
  InitiatingProcessFolderPath: '',
  DstProcessName: 'C:\\Users\\Public\\Downloads\\svchost.exe',
  SrcProcessName: '',
  SrcUsername: '',
  SrcProcessId: '',
  NetworkDirection: '',
  DstFQDN: '',
  DstHostname: '',
  DstIpAddr: '185.244.25.10',
  DstPortNumber: 8443,
  DstUsername: 'CORP\\anna',
  DstProcessId: '4242',
};

/** verifyWindow for tests that expect every row verified (no budget given): the verified window. */
export async function verifiedWindow(...args: Parameters<typeof verifyWindow>): Promise<VerifiedWindow> {
  const outcome = await verifyWindow(...args);
  if (outcome.kind !== 'verified') throw new Error(`verification stopped after ${outcome.rowsVerified} rows`);
  return outcome;
}
