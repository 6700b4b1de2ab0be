import { describe, expect, it } from 'vitest';
import { checkWebhookUrl } from '../../../src/push/policy.js';

const refused = (url: string, policy = {}) => {
  try {
    checkWebhookUrl(url, policy);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('webhook URL policy', () => {
  it('takes https anywhere and http only to loopback', () => {
    expect(refused('https://hooks.example.com/a')).toBeUndefined();
    expect(refused('http://127.0.0.1:8080/a')).toBeUndefined();
    expect(refused('http://localhost/a')).toBeUndefined();
    expect(refused('http://[::1]:9/a')).toBeUndefined();
    expect(refused('http://hooks.example.com/a')).toMatch(/https is required/);
    expect(refused('http://hooks.example.com/a', { allowInsecureHttp: true })).toBeUndefined();
    expect(refused('ftp://hooks.example.com/a')).toMatch(/scheme ftp:/);
    expect(refused('not a url')).toMatch(/not a URL/);
  });

  it('refuses link-local and metadata addresses and credentials in the URL', () => {
    expect(refused('https://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(refused('https://metadata.google.internal/')).toMatch(/link-local or metadata/);
    expect(refused('https://user:pw@hooks.example.com/')).toMatch(/credentials/);
  });

  it('applies allow and deny lists, deny first, with *.domain patterns', () => {
    const policy = { allowHosts: ['*.example.com', '127.0.0.1'], denyHosts: ['admin.example.com'] };
    expect(refused('https://hooks.example.com/', policy)).toBeUndefined();
    expect(refused('https://a.b.example.com/', policy)).toBeUndefined();
    expect(refused('https://example.com/', policy)).toMatch(/not in the allow list/);
    expect(refused('https://evil-example.com/', policy)).toMatch(/not in the allow list/);
    expect(refused('https://admin.example.com/', policy)).toMatch(/deny list/);
    expect(refused('https://10.0.0.8/', policy)).toMatch(/not in the allow list/);
    expect(refused('http://127.0.0.1:1/', policy)).toBeUndefined();
  });
});
