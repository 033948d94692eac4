/** The panel's static skeleton, built with DOM calls (the host's HTML only loads the script). */
import type { Section } from '../extension/protocol/webview';
import { TAGS } from './toolkit';

export const SECTION_TITLES: Record<Section, string> = {
  suggestions: 'Citation suggestions',
  similar: 'Similar papers',
};

export function buildLayout(doc: Document): void {
  const body = doc.body;
  body.setAttribute('data-state', 'empty');

  const header = doc.createElement('header');
  const row = doc.createElement('div');
  row.className = 'search-row';
  const search = doc.createElement(TAGS.textField);
  search.id = 'search';
  search.setAttribute('placeholder', 'Search your bibliographies…');
  search.setAttribute('aria-label', 'Search your bibliographies (Enter to search, empty to follow the cursor)');
  const go = doc.createElement(TAGS.button);
  go.id = 'search-go';
  go.textContent = 'Search';
  row.append(search, go);

  const status = doc.createElement('p');
  status.id = 'status';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');

  const banner = doc.createElement('div');
  banner.id = 'banner';
  banner.setAttribute('role', 'region');
  banner.setAttribute('aria-label', 'Index status');
  banner.hidden = true;

  const notice = doc.createElement('p');
  notice.id = 'notice';
  notice.setAttribute('role', 'alert');
  notice.hidden = true;

  header.append(row, status, banner, notice);
  body.append(header);

  for (const section of ['suggestions', 'similar'] as const) {
    const s = doc.createElement('section');
    s.id = section;
    s.setAttribute('aria-labelledby', `${section}-title`);
    const h = doc.createElement('h2');
    h.id = `${section}-title`;
    h.textContent = SECTION_TITLES[section];
    const q = doc.createElement('p');
    q.className = 'query';
    const list = doc.createElement('ul');
    list.className = 'papers';
    list.setAttribute('aria-labelledby', `${section}-title`);
    const none = doc.createElement('p');
    none.className = 'none';
    none.textContent = 'No matching papers.';
    none.hidden = true;
    s.append(h, q, list, none);
    body.append(s);
  }
}
