/**
 * The panel's HTML: a strict Content-Security-Policy with a per-load nonce, the stylesheet from `media/`
 * and the bundled script from `dist/webview/` via `asWebviewUri`. No bibliography data is ever put in
 * this HTML (the webview renders data it receives as messages, with textContent only).
 */
import { randomBytes } from 'node:crypto';

/** The toolkit (FAST) applies one empty inline <style>; this is the sha256 of the empty string. */
export const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface HtmlParts {
  /** `webview.cspSource` */
  cspSource: string;
  /** asWebviewUri(dist/webview/main.js) */
  scriptUri: string;
  /** asWebviewUri(media/panel.css) */
  styleUri: string;
  /** asWebviewUri(dist/webview/codicon.css): the codicon font for the action buttons (optional for old callers). */
  iconStyleUri?: string;
  nonce: string;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function contentSecurityPolicy(p: Pick<HtmlParts, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `img-src ${p.cspSource}`,
    `style-src ${p.cspSource} ${EMPTY_STYLE_HASH}`,
    `font-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function panelHtml(p: HtmlParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${p.iconStyleUri ? `<link rel="stylesheet" href="${attr(p.iconStyleUri)}">
` : ''}<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>Related Papers</title>
</head>
<body data-state="empty">
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}
