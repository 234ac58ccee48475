import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * SSRF guard for every outgoing delivery (OWASP SSRF Prevention Cheat Sheet).
 *
 * - Only http and https URLs.
 * - The host is resolved (A and AAAA, through the system resolver, so /etc/hosts counts too) and
 *   EVERY address must be a public unicast address: loopback, RFC 1918 private, link-local (cloud
 *   metadata at 169.254.169.254), CGNAT 100.64/10, ULA fc00::/7, fe80::/10, IPv4-mapped and other
 *   IPv4-embedding IPv6 forms (NAT64, 6to4, Teredo), unspecified, multicast, broadcast and reserved
 *   ranges are refused. One bad address refuses the name: a round-robin record cannot smuggle one in.
 * - The caller connects to the address returned here (the HTTP sender passes it as the socket's
 *   `lookup`), never resolving the name again, so a DNS answer that changes between check and connect
 *   (DNS rebinding) cannot redirect the request.
 * - Redirects are never followed (the sender treats 3xx as a failed attempt), so a public URL that
 *   redirects inwards gets nowhere.
 *
 * Self-hosters who deliver to their own network list it in GREENLIGHT_CALLBACK_ALLOW_CIDRS; an address
 * inside an allowed network passes whatever its range.
 *
 * Not covered: a public receiver that itself proxies requests inwards; egress filtering at the network
 * layer is still the stronger control.
 */

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Resolves a host name to every A and AAAA address. Injected in tests to play a hostile DNS. */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface GuardOptions {
  allowCidrs: readonly Cidr[];
  lookup?: HostLookup;
  /** A resolver that never answers must not hold a request (or a worker slot) forever. */
  lookupTimeoutMs?: number;
}

export interface CheckedTarget {
  url: URL;
  /** The host without IPv6 brackets, as the TLS server name and Host header need it. */
  hostname: string;
  address: string;
  family: 4 | 6;
}

/** A target the guard refuses; `message` says why, in words the API can return. */
export class TargetRefused extends Error {
  constructor(
    message: string,
    /** 'policy': refused by rule, the same every time; 'dns': the name could not be resolved (may be temporary). */
    readonly kind: 'policy' | 'dns' = 'policy',
  ) {
    super(message);
  }
}

const systemLookup: HostLookup = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** "127.0.0.0/8,::1/128" → parsed networks; throws naming the entry that is not a CIDR. */
export function parseAllowCidrs(text: string | undefined): Cidr[] {
  if (!text?.trim()) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      try {
        return ipaddr.parseCIDR(entry) as Cidr;
      } catch {
        throw new Error(`"${entry}" is not a network in CIDR notation, such as 127.0.0.0/8 or ::1/128`);
      }
    });
}

const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (such as cloud metadata)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private network address',
  uniqueLocal: 'a unique local (private IPv6) address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
  rfc6145: 'an IPv4-translated IPv6 address',
  rfc6052: 'a NAT64 address',
  '6to4': 'a 6to4 address',
  teredo: 'a Teredo address',
  reserved: 'a reserved address',
};

function inAllowed(addr: ipaddr.IPv4 | ipaddr.IPv6, allow: readonly Cidr[]): boolean {
  return allow.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** What kind of address this is when it may not be reached ("a loopback address"), or null when it may. */
export function refusalOf(address: string, allow: readonly Cidr[]): string | null {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  if (inAllowed(addr, allow)) return null;
  const range = addr.range();
  if (range === 'unicast') return null;
  return RANGE_WORDS[range] ?? `in the ${range} range`;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TargetRefused(message, 'dns')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Parses, resolves and checks one target URL. Returns the address to connect to; throws
 * TargetRefused with a message fit for an API error or a delivery log.
 */
export async function checkTarget(rawUrl: string, options: GuardOptions): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new TargetRefused('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused('must use http or https');
  if (url.username || url.password) throw new TargetRefused('must not carry credentials in the URL; use callback headers');
  // WHATWG URL parsing already turned decimal, octal and hex IPv4 spellings into dotted quads.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!hostname) throw new TargetRefused('has no host');

  let addresses: ResolvedAddress[];
  if (ipaddr.isValid(hostname)) {
    addresses = [{ address: hostname, family: hostname.includes(':') ? 6 : 4 }];
  } else {
    const lookup = options.lookup ?? systemLookup;
    try {
      addresses = await withTimeout(lookup(hostname), options.lookupTimeoutMs ?? 5000, `host ${hostname} did not resolve in time`);
    } catch (err) {
      if (err instanceof TargetRefused) throw err;
      throw new TargetRefused(`host ${hostname} could not be resolved`, 'dns');
    }
    if (addresses.length === 0) throw new TargetRefused(`host ${hostname} has no A or AAAA record`, 'dns');
  }
  for (const a of addresses) {
    const what = refusalOf(a.address, options.allowCidrs);
    if (what) {
      const which = ipaddr.isValid(hostname) ? `${a.address} is ${what}` : `host ${hostname} resolves to ${a.address}, ${what}`;
      throw new TargetRefused(`${which}; Greenlight does not deliver to internal networks`);
    }
  }
  const first = addresses[0]!;
  return { url, hostname, address: first.address, family: first.family };
}
