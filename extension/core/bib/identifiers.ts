/** DOI and arXiv identifier extraction shared by the BibTeX, CSL and Markdown readers. */

/** Normalises a DOI: strips resolver URLs and `doi:` prefixes, trailing punctuation; undefined when not a DOI. */
export function normaliseDoi(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let s = raw.trim();
  try {
    if (/%2F/i.test(s)) s = decodeURIComponent(s);
  } catch {
    /* keep as is */
  }
  s = s.replace(/^https?:\/\/(?:dx\.)?doi\.org\//i, '').replace(/^doi:\s*/i, '');
  const m = /10\.\d{4,9}\/\S+/.exec(s);
  if (!m) return undefined;
  return m[0].replace(/[.,;:)\]}>"']+$/, '');
}

const ARXIV_NEW = /(\d{4}\.\d{4,5})(?:v\d+)?/;
const ARXIV_OLD = /([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?/;

/** arXiv id from an `arxiv.org/abs|pdf/…` URL, `arXiv:…` text or a 10.48550/arXiv.… DOI. */
export function arxivIdFromText(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const url = /arxiv\.org\/(?:abs|pdf|html)\/((?:\d{4}\.\d{4,5})|(?:[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7}))/i.exec(s);
  if (url) return url[1];
  const doi = /10\.48550\/arxiv\.(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})/i.exec(s);
  if (doi) return doi[1];
  const tag = /\barxiv:\s*((?:\d{4}\.\d{4,5})|(?:[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7}))/i.exec(s);
  if (tag) return tag[1];
  return undefined;
}

/** A bare eprint value (`2101.00001v2`, `arXiv:2101.00001`, `hep-th/9901001`). */
export function arxivIdFromEprint(eprint: string): string | undefined {
  const s = eprint.trim().replace(/^arxiv:\s*/i, '');
  const m = new RegExp(`^(?:${ARXIV_NEW.source}|${ARXIV_OLD.source})$`).exec(s);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function yearFrom(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /(?:^|[^\d])(\d{4})(?!\d)/.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  return y >= 1000 && y <= 2999 ? y : undefined;
}
