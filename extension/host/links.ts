/**
 * The only URLs the panel can open: http(s) URLs and DOIs from a bibliography entry, validated here on the
 * host (the webview sends a key, never a URL). Pure: no `vscode` import, unit-tested.
 */

const DOI_RE = /^10\.\d{4,9}\/\S+$/;

/** Normalise a DOI field ("doi:10.…", "https://doi.org/10.…", "10.…") to the bare DOI, or undefined. */
export function normaliseDoi(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const s = raw
    .trim()
    .replace(/^doi:\s*/i, '')
    .replace(/^https?:\/\/(?:dx\.)?doi\.org\//i, '');
  return DOI_RE.test(s) && !/[\u0000-\u001f\u007f<>"{}|\\^`]/.test(s) ? s : undefined;
}

/** An absolute http(s) URL without credentials, or undefined (javascript:, data:, file:, command: … refused). */
export function safeHttpUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const s = raw.trim();
  if (/[\u0000-\u001f\u007f\s]/.test(s)) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  if (u.username || u.password || !u.hostname) return undefined;
  return u.toString();
}

function doiUrl(doi: string): string {
  // keep the registrant prefix readable, percent-encode the suffix (DOIs may contain #, ?, spaces are refused)
  const slash = doi.indexOf('/');
  return `https://doi.org/${doi.slice(0, slash)}/${encodeURIComponent(doi.slice(slash + 1))}`;
}

/** The link to open for an entry: its DOI (resolved at doi.org) first, else its http(s) URL (or a DOI in `url`). */
export function entryLink(entry: { doi?: string; url?: string }): string | undefined {
  const doi = normaliseDoi(entry.doi);
  if (doi) return doiUrl(doi);
  const url = safeHttpUrl(entry.url);
  if (url) return url;
  const doiInUrl = normaliseDoi(entry.url);
  return doiInUrl ? doiUrl(doiInUrl) : undefined;
}
