import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/DEPLOY.md §8: the alerts on poisoned, failed, interrupted and deferred messages are
 * log searches over Application Insights `traces`. Adaptive sampling drops traces under
 * load unless their type is excluded, and a dropped line is an alert that never fires.
 */
describe('host.json Application Insights sampling', () => {
  const hostJson = JSON.parse(fs.readFileSync(path.join(__dirname, '../../host.json'), 'utf8')) as {
    logging?: {
      applicationInsights?: { samplingSettings?: { isEnabled?: boolean; excludedTypes?: string } };
    };
  };
  const sampling = hostJson.logging?.applicationInsights?.samplingSettings;
  const excluded = (sampling?.excludedTypes ?? '').split(';').map((t) => t.trim());

  it('never samples out a trace or a request the alerts query', () => {
    // With sampling off nothing is sampled out; with it on, both types must be excluded.
    const sampledOut =
      sampling?.isEnabled === false ? [] : ['Request', 'Trace'].filter((type) => !excluded.includes(type));
    expect(sampledOut).toEqual([]);
  });
});
