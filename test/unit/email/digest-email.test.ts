import { describe, expect, it } from 'vitest';
import { renderWeeklyDigestEmail, type WeeklyDigestEmailInput } from '../../../shared/email/digest-email';
import { REPORT_PATHS } from '../../../shared/email/report-links';

const base = 'https://entra.example.test/#view/IdentityProtection';

function input(overrides: Partial<WeeklyDigestEmailInput> = {}): WeeklyDigestEmailInput {
  return {
    tenantDisplayName: 'Contoso',
    weekStart: '2024-04-29T09:00:00.000Z',
    weekEnd: '2024-05-06T09:00:00.000Z',
    newRiskyUsers: {
      count: 2,
      first: [
        {
          userId: 'u-megan',
          displayName: 'Megan Bowen',
          userPrincipalName: 'megan@contoso.example',
          riskLevel: 'high',
        },
        {
          userId: 'u-lee',
          displayName: 'Lee Gu',
          userPrincipalName: 'lee@contoso.example',
          riskLevel: 'none',
        },
      ],
    },
    newRiskySignIns: {
      count: 1,
      first: [
        {
          userDisplayName: 'Megan Bowen',
          userPrincipalName: 'megan@contoso.example',
          createdDateTime: '2024-05-02T07:15:00Z',
          riskLevelDuringSignIn: 'medium',
          ipAddress: '203.0.113.7',
          location: { city: 'Lisbon', countryOrRegion: 'PT' },
        },
      ],
    },
    reportBaseUrl: base,
    ...overrides,
  };
}

function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&middot;/g, '·')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('weekly digest (R-D1, R-D2)', () => {
  it('R-D1: subject contains "weekly digest" and the tenant; the body names the tenant', () => {
    const { subject, html, text } = renderWeeklyDigestEmail(input());
    expect(subject).toContain('weekly digest');
    expect(subject).toContain('Contoso');
    expect(subject).toBe('Your weekly digest for Contoso: 2 new risky users, 1 new risky sign-in');
    expect(visibleText(html)).toContain('Contoso');
    expect(text).toContain('Contoso');
  });

  it('R-D2: counts and first entries of new risky users and sign-ins, with levels', () => {
    const { html, text } = renderWeeklyDigestEmail(input());
    const seen = visibleText(html);
    for (const part of [seen, text]) {
      expect(part).toContain('Megan Bowen');
      expect(part).toContain('lee@contoso.example');
      expect(part).toContain('203.0.113.7');
      expect(part).toContain('Lisbon, PT');
      expect(part).toContain('2 May 2024, 07:15 UTC');
    }
    expect(text).toContain('New risky users: 2');
    expect(text).toContain('New risky sign-ins: 1');
    expect(text).toContain('- Lee Gu <lee@contoso.example> - level now: None');
    expect(text).toContain('risk: Medium');
    expect(seen).toContain('29 Apr 2024, 09:00 UTC to 6 May 2024, 09:00 UTC');
  });

  it('R-D2: links to the risky users, risky sign-ins and risk detections reports', () => {
    const { html, text } = renderWeeklyDigestEmail(input());
    for (const path of Object.values(REPORT_PATHS)) {
      expect(html).toContain(`href="${base}${path}"`);
      expect(text).toContain(`${base}${path}`);
    }
  });

  it('an empty week reads well and still links the reports', () => {
    const { subject, html, text } = renderWeeklyDigestEmail(
      input({ newRiskyUsers: { count: 0, first: [] }, newRiskySignIns: { count: 0, first: [] } }),
    );
    expect(subject).toBe('Your weekly digest for Contoso: no new risky users or sign-ins');
    for (const part of [visibleText(html), text]) {
      expect(part).toContain('No new risky users this week.');
      expect(part).toContain('No new risky sign-ins this week.');
    }
    expect(html).not.toContain('<th scope="col"');
    expect(html).toContain(`href="${base}${REPORT_PATHS.riskDetections}"`);
  });

  it('shows the exact count when only the first entries are given, and points to the report', () => {
    const first = Array.from({ length: 60 }, (_, i) => ({
      userId: `u-${i + 1}`,
      displayName: `User ${i + 1}`,
      userPrincipalName: `user${i + 1}@contoso.example`,
      riskLevel: 'high' as const,
    }));
    const { subject, html, text } = renderWeeklyDigestEmail(input({ newRiskyUsers: { count: 240, first } }));
    expect(subject).toContain('240 new risky users');
    expect(text.split('\n').filter((l) => l.startsWith('- User '))).toHaveLength(50);
    expect(text).toContain('...and 190 more users.');
    expect(visibleText(html)).toContain('The first 50 of 240 users');
    expect(visibleText(html)).toContain('and 190 more users');
  });

  it('R-D2: names a new risky user the directory does not know by object id, in both parts', () => {
    const unknown = '0b6f9a52-4c1d-4e8a-9d2e-7f3c5a1b2c3d';
    const { html, text } = renderWeeklyDigestEmail(
      input({
        newRiskyUsers: {
          count: 1,
          first: [{ userId: unknown, displayName: '', userPrincipalName: '', riskLevel: 'high' }],
        },
      }),
    );
    expect(visibleText(html)).toContain(`Unknown user object ID ${unknown}`);
    expect(text).toContain(`- Unknown user (object ID ${unknown}) - level now: High`);
    expect(text).not.toContain('<>');
  });

  it('escapes names, tenant, IP and location in the HTML', () => {
    const evil = `<img src=x onerror=alert(1)> "&" 'q'`;
    const { html } = renderWeeklyDigestEmail(
      input({
        tenantDisplayName: evil,
        newRiskyUsers: {
          count: 1,
          first: [{ userId: 'u-evil', displayName: evil, userPrincipalName: evil, riskLevel: 'low' }],
        },
        newRiskySignIns: {
          count: 1,
          first: [
            {
              userDisplayName: evil,
              userPrincipalName: evil,
              createdDateTime: evil,
              riskLevelDuringSignIn: 'high',
              ipAddress: evil,
              location: evil,
            },
          ],
        },
      }),
    );
    expect(html).not.toContain('<img');
    expect(html).not.toContain('"&"');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;&amp;&quot; &#39;q&#39;');
  });

  it('refuses a non-http report base', () => {
    const { html } = renderWeeklyDigestEmail(input({ reportBaseUrl: 'data:text/html,hi' }));
    expect(html).not.toContain('data:text/html');
    expect(html).toContain('href="https://entra.microsoft.com/');
  });
});
