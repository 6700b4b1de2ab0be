/** Process set-up from the environment: KAMF_PROMETHEUS_PORT opens a scrape endpoint serving KAMF's instruments. */
import { metrics } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { kamfMeter, metricsOn } from '../../src/core/telemetry.js';
import { startTelemetryFromEnv, type TelemetrySetup } from '../../src/core/telemetry-setup.js';
import { freePort } from '../../src/infra/ports.js';

let setup: TelemetrySetup | undefined;
afterAll(async () => {
  await setup?.shutdown();
  metrics.disable();
});

describe('startTelemetryFromEnv', () => {
  it('does nothing without the variables, and serves /metrics with KAMF_PROMETHEUS_PORT', async () => {
    expect(await startTelemetryFromEnv({})).toBeUndefined();
    expect(metricsOn()).toBe(false);
    const port = await freePort();
    setup = await startTelemetryFromEnv({ KAMF_PROMETHEUS_PORT: String(port) });
    expect(setup?.metricsEndpoint).toBe(`http://127.0.0.1:${port}/metrics`);
    expect(metricsOn()).toBe(true);
    const counter = kamfMeter().createCounter('kamf.setup.probe');
    counter.add(3, { probe: 'yes' });
    const text = await (await fetch(setup!.metricsEndpoint!)).text();
    expect(text).toMatch(/^kamf_setup_probe_total\{probe="yes"[^}]*\} 3/m);
  });

  it('refuses a port that is not one', async () => {
    await expect(startTelemetryFromEnv({ KAMF_PROMETHEUS_PORT: 'x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
