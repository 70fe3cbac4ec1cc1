import { describe, expect, it } from 'vitest';
import { item, patterns, refusal } from './helpers.js';

describe('cidr', () => {
  it('parses an IPv4 network', () => {
    expect(patterns('DestinationIp|cidr', '10.0.0.0/8')).toEqual([{ kind: 'cidr', family: 4, network: '10.0.0.0', prefixLength: 8 }]);
  });
  it('a bare IPv4 address is a /32', () => {
    expect(patterns('DestinationIp|cidr', '13.107.6.171')).toEqual([{ kind: 'cidr', family: 4, network: '13.107.6.171', prefixLength: 32 }]);
  });
  it('parses IPv6 and writes the network compressed in lower case', () => {
    expect(patterns('DestinationIp|cidr', '::1/128')).toEqual([{ kind: 'cidr', family: 6, network: '::1', prefixLength: 128 }]);
    expect(patterns('DestinationIp|cidr', 'FE80:0000:0000:0000:0000:0000:0000:0000/10')).toEqual([{ kind: 'cidr', family: 6, network: 'fe80::', prefixLength: 10 }]);
    expect(patterns('DestinationIp|cidr', '2001:db8:0:0:1:0:0:0/96')).toEqual([{ kind: 'cidr', family: 6, network: '2001:db8:0:0:1::', prefixLength: 96 }]);
    expect(patterns('DestinationIp|cidr', '2001:db8:0:0:1:0:0:1')).toEqual([{ kind: 'cidr', family: 6, network: '2001:db8::1:0:0:1', prefixLength: 128 }]);
    expect(patterns('DestinationIp|cidr', '::ffff:10.0.0.0/104')).toEqual([{ kind: 'cidr', family: 6, network: '::ffff:a00:0', prefixLength: 104 }]);
  });
  it('each list entry is its own value group', () => {
    expect(item('DestinationIp|cidr', ['10.0.0.0/8', 'fc00::/7']).values.map((group) => group.patterns[0])).toMatchObject([{ family: 4 }, { family: 6, network: 'fc00::' }]);
  });
  it.each([
    ['10.0.0.1/8', 'host bits set (Python ip_network is strict)'],
    ['256.0.0.0/8', 'octet out of range'],
    ['010.0.0.0/8', 'leading zero'],
    ['10.0.0.0/33', 'prefix too long'],
    ['10.0.0/8', 'three octets'],
    ['fe80::1::/64', 'two ::'],
    ['fe80::1/10', 'IPv6 host bits'],
    ['10.*', 'wildcard'],
  ])('refuses %s (%s)', (value) => {
    expect(refusal(() => item('DestinationIp|cidr', value)).code).toBe('value');
  });
  it('refuses cidr after another value modifier', () => {
    expect(refusal(() => item('DestinationIp|contains|cidr', '10.0.0.0/8'))).toMatchObject({ code: 'modifier' });
  });
  it('refuses contains after cidr', () => {
    expect(refusal(() => item('DestinationIp|cidr|contains', '10.0.0.0/8'))).toMatchObject({ code: 'modifier', reason: "modifier 'contains' cannot follow 'cidr' (it needs a string, not a CIDR network)" });
  });
  it('neq may stand before cidr (it does not modify the value)', () => {
    expect(item('DestinationIp|neq|cidr', '10.0.0.0/8')).toMatchObject({ negated: true });
  });
});
