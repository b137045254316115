import type { RiskLevel } from '../domain/levels';
import { html, trustedHtml, type SafeHtml } from './escape';
import { levelLabel } from './format';

/*
 * Building blocks shared by the email templates. Email clients (Outlook's Word engine,
 * Gmail's sanitiser) ignore much of modern CSS, so the layout is tables with inline
 * styles, one column no wider than 600px that shrinks to the phone's width, and a
 * <style> block only for progressive enhancement. Everything that carries meaning
 * (the risk level) is written as text, never only as colour.
 */

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const TEXT_COLOR = '#1f2937';
const MUTED_COLOR = '#4b5563';
const LINK_COLOR = '#0f6cbd';
const RULE_COLOR = '#e5e7eb';
// Long UPNs and hostile names without spaces must wrap instead of widening the layout.
const WRAP = 'word-break:break-word;overflow-wrap:anywhere;';

/** Badge colours: dark text on a light tint, each pair above 4.5:1 contrast. */
const badgeColours: Record<RiskLevel, { bg: string; fg: string; border: string }> = {
  high: { bg: '#fde7e9', fg: '#a4262c', border: '#f1b7bb' },
  medium: { bg: '#fff4ce', fg: '#7a4a00', border: '#ecd27f' },
  low: { bg: '#e6f2fb', fg: '#0b5394', border: '#b3d6f2' },
  none: { bg: '#f3f4f6', fg: '#4b5563', border: '#d1d5db' },
};

/** The colour of the top rule: red for alerts, blue for information. */
export type Accent = 'alert' | 'info';
const accentColours: Record<Accent, string> = { alert: '#a4262c', info: LINK_COLOR };

/** What {@link emailDocument} puts around the content. */
export interface DocumentParts {
  /** The <title>, also what screen readers announce first. */
  title: string;
  /** The preview line most clients show next to the subject. */
  preheader: string;
  accent: Accent;
  content: SafeHtml;
  footer: SafeHtml;
}

/** A whole HTML email around `content`. */
export function emailDocument(parts: DocumentParts): string {
  const accent = accentColours[parts.accent];
  return html`<!DOCTYPE html>
    <html lang="en" xmlns="http://www.w3.org/1999/xhtml">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="x-apple-disable-message-reformatting" />
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
        <title>${parts.title}</title>
        <style>
          @media only screen and (max-width: 480px) {
            .rl-outer {
              padding: 12px 4px !important;
            }
            .rl-pad {
              padding-left: 16px !important;
              padding-right: 16px !important;
            }
            .rl-h1 {
              font-size: 20px !important;
              line-height: 26px !important;
            }
          }
        </style>
      </head>
      <body style="margin:0;padding:0;background-color:#f3f4f6;-webkit-text-size-adjust:100%;">
        <div
          style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;"
          aria-hidden="true"
        >
          ${parts.preheader}
        </div>
        <table
          role="presentation"
          width="100%"
          cellpadding="0"
          cellspacing="0"
          border="0"
          style="width:100%;background-color:#f3f4f6;"
        >
          <tr>
            <td class="rl-outer" align="center" style="padding:24px 8px;">
              <!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
              <table
                role="presentation"
                width="100%"
                cellpadding="0"
                cellspacing="0"
                border="0"
                style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid ${RULE_COLOR};border-top:4px solid ${accent};border-radius:6px;"
              >
                <tr>
                  <td
                    class="rl-pad"
                    style="padding:16px 32px 0 32px;${trustedHtml(FONT)}font-size:13px;line-height:18px;color:${MUTED_COLOR};letter-spacing:0.02em;"
                  >
                    <strong style="color:${TEXT_COLOR};">riskloop</strong> &middot; Identity Protection
                  </td>
                </tr>
                <tr>
                  <td
                    class="rl-pad"
                    style="padding:8px 32px 24px 32px;${trustedHtml(FONT)}font-size:16px;line-height:24px;color:${TEXT_COLOR};"
                  >
                    ${parts.content}
                  </td>
                </tr>
                <tr>
                  <td
                    class="rl-pad"
                    style="padding:16px 32px 24px 32px;border-top:1px solid ${RULE_COLOR};${trustedHtml(FONT)}font-size:13px;line-height:19px;color:${MUTED_COLOR};${trustedHtml(WRAP)}"
                  >
                    ${parts.footer}
                  </td>
                </tr>
              </table>
              <!--[if mso]></td></tr></table><![endif]-->
            </td>
          </tr>
        </table>
      </body>
    </html> `.value;
}

/** The email's one top-level heading. */
export function heading1(text: string): SafeHtml {
  return html`<h1
    class="rl-h1"
    style="margin:8px 0 12px 0;${trustedHtml(FONT)}font-size:24px;line-height:30px;font-weight:700;color:${TEXT_COLOR};${trustedHtml(WRAP)}"
  >
    ${text}
  </h1>`;
}

/** A section heading. */
export function heading2(text: string): SafeHtml {
  return html`<h2
    style="margin:28px 0 8px 0;${trustedHtml(FONT)}font-size:18px;line-height:24px;font-weight:700;color:${TEXT_COLOR};"
  >
    ${text}
  </h2>`;
}

/** A paragraph around already-built HTML (use {@link html} to build it). */
export function paragraph(content: SafeHtml, options: { muted?: boolean } = {}): SafeHtml {
  const colour = options.muted ? MUTED_COLOR : TEXT_COLOR;
  const size = options.muted ? 'font-size:14px;line-height:21px;' : 'font-size:16px;line-height:24px;';
  return html`<p style="margin:0 0 16px 0;${trustedHtml(size)}color:${colour};${trustedHtml(WRAP)}">
    ${content}
  </p>`;
}

/** Bold inline text, escaped. */
export function strong(text: string): SafeHtml {
  return html`<strong style="font-weight:700;">${text}</strong>`;
}

/** An inline link; `href` must already have passed `safeHttpUrl`. */
export function link(href: string, text: string): SafeHtml {
  return html`<a
    href="${href}"
    target="_blank"
    rel="noopener noreferrer"
    style="color:${LINK_COLOR};text-decoration:underline;${trustedHtml(WRAP)}"
    >${text}</a
  >`;
}

/**
 * A "bulletproof" button: the coloured cell is a table, so Outlook paints it, and the
 * whole padded area is the link elsewhere. `href` must already have passed `safeHttpUrl`.
 */
export function button(href: string, label: string): SafeHtml {
  return html`<table
    role="presentation"
    cellpadding="0"
    cellspacing="0"
    border="0"
    style="margin:8px 0 16px 0;"
  >
    <tr>
      <td align="center" bgcolor="${LINK_COLOR}" style="border-radius:6px;background-color:${LINK_COLOR};">
        <a
          href="${href}"
          target="_blank"
          rel="noopener noreferrer"
          style="display:inline-block;padding:12px 22px;${trustedHtml(FONT)}font-size:16px;line-height:20px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;"
          >${label}</a
        >
      </td>
    </tr>
  </table>`;
}

/** The level as a coloured pill that also says the level in words. */
export function levelBadge(level: RiskLevel): SafeHtml {
  const c = badgeColours[level] ?? badgeColours.none;
  return html`<span
    style="display:inline-block;padding:2px 10px;border-radius:999px;background-color:${c.bg};border:1px solid ${c.border};color:${c.fg};${trustedHtml(FONT)}font-size:13px;line-height:20px;font-weight:700;white-space:nowrap;"
    >${levelLabel(level)}</span
  >`;
}

/** One line of an {@link entryTable}; all plain text, escaped when rendered. */
export interface EntryRow {
  /** Bold first line, e.g. the display name. */
  title: string;
  /** Second line, e.g. the UPN. */
  subtitle: string;
  /** Optional smaller lines below, e.g. the time, then IP · location. */
  details?: readonly string[];
  level: RiskLevel;
}

/**
 * Users or sign-ins as a real data table (header cells with `scope`, so screen readers
 * announce "Risk level" with each badge). Two columns only: at 375px a third column
 * would squeeze the names into a few characters a line.
 */
export function entryTable(caption: string, rows: readonly EntryRow[], levelHeader = 'Risk level'): SafeHtml {
  const th = trustedHtml(
    `padding:0 0 6px 0;border-bottom:2px solid ${RULE_COLOR};${FONT}font-size:12px;line-height:16px;font-weight:700;color:${MUTED_COLOR};text-transform:uppercase;letter-spacing:0.04em;`,
  );
  const td = trustedHtml(`padding:10px 0;border-bottom:1px solid ${RULE_COLOR};vertical-align:top;${FONT}`);
  const body = rows.map(
    (row) =>
      html`<tr>
        <td style="${td}padding-right:12px;${trustedHtml(WRAP)}">
          <div style="font-size:15px;line-height:21px;font-weight:600;color:${TEXT_COLOR};">${row.title}</div>
          <div style="font-size:14px;line-height:20px;color:${MUTED_COLOR};">${row.subtitle}</div>
          ${(row.details ?? []).filter((line) => line !== '').map((line) => html`<div style="font-size:13px;line-height:19px;color:${MUTED_COLOR};">${line}</div>`)}
        </td>
        <td align="right" style="${td}text-align:right;white-space:nowrap;">${levelBadge(row.level)}</td>
      </tr> `,
  );
  return html`<table
    width="100%"
    cellpadding="0"
    cellspacing="0"
    border="0"
    style="width:100%;table-layout:fixed;border-collapse:collapse;margin:0 0 12px 0;"
  >
    <caption
      style="text-align:left;padding:0 0 8px 0;${trustedHtml(FONT)}font-size:14px;line-height:20px;color:${MUTED_COLOR};"
    >
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col" align="left" style="${th}text-align:left;">User</th>
        <th scope="col" align="right" width="92" style="${th}width:92px;text-align:right;">${levelHeader}</th>
      </tr>
    </thead>
    <tbody>
      ${body}
    </tbody>
  </table>`;
}

/** Two figures side by side (stays two columns even at phone width; each is short). */
export function statTiles(tiles: ReadonlyArray<{ value: number; label: string }>): SafeHtml {
  const width = `${Math.floor(100 / Math.max(tiles.length, 1))}%`;
  const cells = tiles.map(
    (tile, i) =>
      html`<td
        width="${width}"
        style="width:${width};padding:${i === 0 ? '0 6px 0 0' : '0 0 0 6px'};vertical-align:top;"
      >
        <table
          role="presentation"
          width="100%"
          cellpadding="0"
          cellspacing="0"
          border="0"
          style="width:100%;background-color:#f3f6fa;border:1px solid ${RULE_COLOR};border-radius:6px;"
        >
          <tr>
            <td style="padding:12px 14px;${trustedHtml(FONT)}">
              <div style="font-size:28px;line-height:34px;font-weight:700;color:${TEXT_COLOR};">
                ${tile.value}
              </div>
              <div style="font-size:14px;line-height:19px;color:${MUTED_COLOR};">${tile.label}</div>
            </td>
          </tr>
        </table>
      </td>`,
  );
  return html`<table
    role="presentation"
    width="100%"
    cellpadding="0"
    cellspacing="0"
    border="0"
    style="width:100%;margin:8px 0 20px 0;"
  >
    <tr>
      ${cells}
    </tr>
  </table>`;
}
