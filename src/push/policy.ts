/**
 * What a webhook URL may point at (A2A push notifications). An agent POSTs to URLs its callers choose, so without
 * limits it forges requests for them: against cloud metadata endpoints, internal services, plain-http hosts.
 */
import { z } from 'zod';
import { KamfError } from '../core/errors.js';

export interface WebhookPolicy {
  /** Hosts a webhook may name: exact names or `*.example.com` (any subdomain). Empty or absent: any host not denied. */
  allowHosts?: string[];
  /** Hosts refused even when allowed, same patterns. Link-local addresses (169.254.0.0/16, fe80::/10) always are. */
  denyHosts?: string[];
  /** Plain http to hosts other than loopback. Default false: https is required except for 127.0.0.0/8, ::1, localhost. */
  allowInsecureHttp?: boolean;
}

export const webhookPolicySchema = z.object({
  allowHosts: z.array(z.string().min(1)).optional(),
  denyHosts: z.array(z.string().min(1)).optional(),
  allowInsecureHttp: z.boolean().optional(),
});

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;
const LINK_LOCAL = /^(169\.254(\.\d{1,3}){2}|\[?fe[89ab][0-9a-f]:.*|metadata\.google\.internal)$/i;

const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

function matches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === bare(p);
}

export const isLoopback = (host: string) => LOOPBACK.test(host);

/** The parsed URL when the policy accepts it; a KamfError (CONFIG_INVALID) saying why otherwise. */
export function checkWebhookUrl(raw: string, policy: WebhookPolicy = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KamfError('CONFIG_INVALID', `push webhook refused: "${raw.slice(0, 200)}" is not a URL`);
  }
  const host = bare(url.hostname);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KamfError('CONFIG_INVALID', `push webhook refused: scheme ${url.protocol} (only https, or http to loopback)`);
  if (url.username || url.password) throw new KamfError('CONFIG_INVALID', 'push webhook refused: credentials in the URL (use the config\'s authentication)');
  if (url.protocol === 'http:' && !isLoopback(host) && !policy.allowInsecureHttp) {
    throw new KamfError('CONFIG_INVALID', `push webhook refused: http to ${host} (https is required except for loopback)`, { hint: 'allowInsecureHttp: true permits plain http' });
  }
  if (LINK_LOCAL.test(host)) throw new KamfError('CONFIG_INVALID', `push webhook refused: ${host} is a link-local or metadata address`);
  if (policy.denyHosts?.some((p) => matches(host, p))) throw new KamfError('CONFIG_INVALID', `push webhook refused: host ${host} is in the deny list`);
  if (policy.allowHosts?.length && !policy.allowHosts.some((p) => matches(host, p))) {
    throw new KamfError('CONFIG_INVALID', `push webhook refused: host ${host} is not in the allow list`, { hint: `allowed: ${policy.allowHosts.join(', ')}` });
  }
  return url;
}
