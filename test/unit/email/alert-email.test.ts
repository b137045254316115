import { describe, expect, it } from 'vitest';
import { renderUsersAtRiskEmail, type AlertUser } from '../../../shared/email/alert-email';
import { DEFAULT_REPORT_BASE_URL, REPORT_PATHS } from '../../../shared/email/report-links';

const base = 'https://entra.example.test/#view/IdentityProtection';
const users: AlertUser[] = [
  {
    userId: 'u-adele',
    displayName: 'Adele Vance',
    userPrincipalName: 'adele@contoso.example',
    riskLevel: 'medium',
  },
  {
    userId: 'u-megan',
    displayName: 'Megan Bowen',
    userPrincipalName: 'megan@contoso.example',
    riskLevel: 'high',
  },
  { userId: 'u-lee', displayName: 'Lee Gu', userPrincipalName: 'lee@contoso.example', riskLevel: 'low' },
];

function render(overrides: Partial<Parameters<typeof renderUsersAtRiskEmail>[0]> = {}) {
  return renderUsersAtRiskEmail({
    tenantDisplayName: 'Contoso',
    users,
    reportBaseUrl: base,
    windowEnd: '2024-05-01T10:00:05.000Z',
    ...overrides,
  });
}

/** The HTML with tags removed and entities decoded: what a reader sees. */
function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('users at risk alert (R-E7)', () => {
  it('subject says "at risk detected", the number of users and the tenant', () => {
    const { subject } = render();
    expect(subject).toContain('at risk detected');
    expect(subject).toBe('Users at risk detected: 3 users in Contoso');
    expect(render({ users: users.slice(0, 1) }).subject).toBe('Users at risk detected: 1 user in Contoso');
  });

  it('names the tenant, the count, each user (display name, UPN, level) in both parts', () => {
    const { html, text } = render();
    for (const part of [visibleText(html), text]) {
      expect(part).toContain('Contoso');
      expect(part).toContain('3 users');
      for (const u of users) {
        expect(part).toContain(u.displayName);
        expect(part).toContain(u.userPrincipalName);
      }
      expect(part).toMatch(/High/);
      expect(part).toMatch(/Medium/);
      expect(part).toMatch(/Low/);
    }
    expect(text).toContain('- Megan Bowen <megan@contoso.example> - risk level: High');
  });

  it('lists the highest level first', () => {
    const { text } = render();
    const order = ['Megan Bowen', 'Adele Vance', 'Lee Gu'].map((n) => text.indexOf(n));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('links to the risky users report in both parts', () => {
    const { html, text } = render();
    const url = `${base}${REPORT_PATHS.riskyUsers}`;
    expect(html).toContain(`href="${url}"`);
    expect(text).toContain(url);
  });

  it('has an HTML part fit for email clients and a plain text part', () => {
    const { html, text } = render();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('name="viewport"');
    expect(html).toContain('max-width:600px');
    expect(html).toContain('<th scope="col"');
    expect(text).not.toMatch(/<\/?(p|div|table|td|a|span|h1)\b/i);
  });

  it('escapes every input value in the HTML, tenant and names alike', () => {
    const hostile = `<script>alert("x")</script> & 'Co' <img src=x onerror=alert(1)>`;
    const { html, text, subject } = render({
      tenantDisplayName: hostile,
      users: [
        {
          userId: 'u-hostile',
          displayName: hostile,
          userPrincipalName: `"><svg onload=alert(1)>@x.example`,
          riskLevel: 'high',
        },
      ],
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg');
    expect(html).not.toMatch(/"><svg/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;@x.example');
    // The reader still sees the name as written.
    expect(visibleText(html)).toContain(hostile);
    expect(text).toContain(hostile);
    expect(subject).toContain(hostile);
  });

  it('R-E7: names a user the directory does not know (no name, no UPN) by object id, in both parts', () => {
    const unknown = '0b6f9a52-4c1d-4e8a-9d2e-7f3c5a1b2c3d';
    const { html, text } = render({
      users: [{ userId: unknown, displayName: '', userPrincipalName: '', riskLevel: 'high' }, users[0]!],
    });
    expect(visibleText(html)).toContain(`Unknown user object ID ${unknown}`);
    expect(text).toContain(`- Unknown user (object ID ${unknown}) - risk level: High`);
    expect(text).not.toContain('<>');
    // A user with a UPN keeps the usual form.
    expect(text).toContain('- Adele Vance <adele@contoso.example> - risk level: Medium');
  });

  it('R-E7: a name with direction controls or only invisible characters cannot reverse or hide its entry', () => {
    const { subject, text, html } = render({
      tenantDisplayName: 'Contoso\u202E',
      users: [
        {
          userId: 'u-a',
          displayName: 'Alice\u202Ehgih',
          userPrincipalName: 'alice@x.example',
          riskLevel: 'low',
        },
        { userId: 'u-z', displayName: '\u200B', userPrincipalName: 'zero@x.example', riskLevel: 'low' },
      ],
    });
    expect(text).toContain('- Alicehgih <alice@x.example> - risk level: Low');
    expect(text).toContain('- zero@x.example <zero@x.example> - risk level: Low');
    for (const part of [subject, text, html]) expect(part).not.toMatch(/[\u200b\u202a-\u202e\u2066-\u2069]/);
  });

  it('keeps subject and text lines single-line when names contain newlines', () => {
    const { subject, text } = render({
      tenantDisplayName: 'Contoso\r\nBcc: victim@example.com',
      users: [
        {
          userId: 'u-eve',
          displayName: 'Eve\n- Fake <fake@x> - risk level: Low',
          userPrincipalName: 'eve@x',
          riskLevel: 'high',
        },
      ],
    });
    expect(subject).not.toMatch(/[\r\n]/);
    expect(text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(1);
  });

  it('refuses a javascript: report URL and links to the default reports instead', () => {
    const { html, text } = render({ reportBaseUrl: 'javascript:alert(document.cookie)//' });
    expect(html).not.toContain('javascript:');
    expect(text).not.toContain('javascript:');
    expect(html).toContain(`href="${DEFAULT_REPORT_BASE_URL}${REPORT_PATHS.riskyUsers}"`);
  });

  it('lists the first 50 users, says how many more, and keeps the count exact', () => {
    const many: AlertUser[] = Array.from({ length: 73 }, (_, i) => ({
      userId: `u-${i + 1}`,
      displayName: `User ${i + 1}`,
      userPrincipalName: `user${i + 1}@contoso.example`,
      riskLevel: i === 72 ? 'high' : 'low',
    }));
    const { subject, html, text } = render({ users: many });
    expect(subject).toBe('Users at risk detected: 73 users in Contoso');
    expect(text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(50);
    expect(text).toContain('...and 23 more users not listed here.');
    expect(visibleText(html)).toContain('and 23 more users not listed here');
    // The high-risk user listed last in the input is not the one cut off.
    expect(text).toContain('User 73 <user73@contoso.example>');
    expect(html).toContain(`href="${base}${REPORT_PATHS.riskyUsers}"`);
  });

  it('shows the level breakdown and the time the window closed, in UTC', () => {
    const { text } = render();
    expect(text).toContain('(1 high, 1 medium, 1 low)');
    expect(text).toContain('1 May 2024, 10:00 UTC');
  });
});
