/** One webhook POST under the outgoing-call rules: policy checked, a timeout, redirects followed only on the same host. */
import { KamfError } from '../core/errors.js';
import { checkWebhookUrl, type WebhookPolicy } from './policy.js';

export interface PostOutcome {
  ok: boolean;
  status?: number;
  /** Why it failed, for logs and the dead letter. */
  error?: string;
  /** Retrying cannot help (refused by policy, a 4xx other than 408/429, a redirect to another host). */
  permanent?: boolean;
}

const MAX_REDIRECTS = 3;

export async function postWebhook(url: string, body: string, headers: Record<string, string>, policy: WebhookPolicy, timeoutMs: number): Promise<PostOutcome> {
  let target: URL;
  try {
    target = checkWebhookUrl(url, policy);
  } catch (err) {
    return { ok: false, permanent: true, error: (err as KamfError).message };
  }
  const host = target.host;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: Response;
    try {
      res = await fetch(target, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined); // drain, so the connection is reused
    } catch (err) {
      const e = err as Error;
      return { ok: false, error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${(e.cause as Error | undefined)?.message ? `: ${(e.cause as Error).message}` : ''}` };
    }
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      const next = location ? new URL(location, target) : undefined;
      if (!next || next.host !== host) return { ok: false, status: res.status, permanent: true, error: `redirect to another host refused (${next?.host ?? 'no location'})` };
      try {
        target = checkWebhookUrl(next.toString(), policy);
      } catch (err) {
        return { ok: false, permanent: true, error: (err as KamfError).message };
      }
      continue;
    }
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    return { ok: false, status: res.status, permanent, error: `HTTP ${res.status}` };
  }
  return { ok: false, permanent: true, error: `more than ${MAX_REDIRECTS} redirects` };
}
