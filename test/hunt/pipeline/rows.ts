// Rows the hunt pipeline tests share.

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
