import { describe, expect, it } from 'vitest';
import { escapeHtml, html, safeHttpUrl, singleLine, trustedHtml } from '../../../shared/email/escape';
import { reportLinks, DEFAULT_REPORT_BASE_URL } from '../../../shared/email/report-links';

describe('escapeHtml', () => {
  it('escapes the characters that matter in content and in quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;',
    );
  });

  it('turns null and undefined into empty text', () => {
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(null)).toBe('');
  });
});

describe('html tagged template', () => {
  it('escapes interpolations unless they are already safe HTML', () => {
    const name = '<b>bold</b>';
    expect(html`<p title="${name}">${name}${html`<i>${name}</i>`}</p>`.value).toBe(
      '<p title="&lt;b&gt;bold&lt;/b&gt;">&lt;b&gt;bold&lt;/b&gt;<i>&lt;b&gt;bold&lt;/b&gt;</i></p>',
    );
    expect(html`${trustedHtml('<br>')}${[name, trustedHtml('<hr>')]}`.value).toBe(
      '<br>&lt;b&gt;bold&lt;/b&gt;<hr>',
    );
  });

  it('refuses to interpolate an object rather than print "[object Object]"', () => {
    expect(() => html`${{ name: 'x' }}`).toThrow(TypeError);
  });
});

describe('safeHttpUrl', () => {
  it.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    '/relative/path',
    'not a url',
    'ftp://example.com/',
  ])('refuses %s', (url) => {
    expect(safeHttpUrl(url, 'https://fallback.example/')).toBe('https://fallback.example/');
  });

  it('keeps http and https URLs', () => {
    expect(safeHttpUrl('https://entra.microsoft.com/#view/X', 'f')).toBe(
      'https://entra.microsoft.com/#view/X',
    );
    expect(safeHttpUrl('http://localhost:8080/reports', 'f')).toBe('http://localhost:8080/reports');
  });
});

describe('reportLinks', () => {
  it('builds every report link under the base, without doubled slashes', () => {
    expect(reportLinks('https://reports.example/base/')).toEqual({
      riskyUsers: 'https://reports.example/base/~/RiskyUsers',
      riskySignIns: 'https://reports.example/base/~/RiskySignIns',
      riskDetections: 'https://reports.example/base/~/RiskDetections',
    });
  });

  it('falls back to the Entra admin center for a non-http base', () => {
    expect(reportLinks('javascript:void(0)').riskyUsers).toBe(`${DEFAULT_REPORT_BASE_URL}/~/RiskyUsers`);
  });
});

describe('singleLine', () => {
  it('flattens control characters and cuts long values', () => {
    expect(singleLine('a\r\nb\tc\u2028d')).toBe('a b c d');
    expect(singleLine('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('R-E7: removes direction controls and invisible spaces, so a name cannot reverse or hide its line', () => {
    expect(singleLine('Alice\u202Ehgih')).toBe('Alicehgih');
    expect(singleLine('\u2067Bob\u2069 \u200Fx\u200E\u061C')).toBe('Bob x');
    expect(singleLine('\u200B')).toBe('');
    expect(singleLine('\uFEFF\u200D\u2060')).toBe('');
    // Joiners inside a name are part of it (Persian, emoji sequences).
    expect(singleLine('می\u200Cخواهم 👩\u200D💻')).toBe('می\u200Cخواهم 👩\u200D💻');
  });
});
