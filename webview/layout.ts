/** The panel's static skeleton, built with DOM calls (the host's HTML only loads the script). */
import { SECTIONS, type Section } from '../extension/protocol/webview';
import { TAGS } from './toolkit';

export const SECTION_TITLES = Object.fromEntries(SECTIONS.map((s) => [s.id, s.title])) as Record<Section, string>;

function codicon(doc: Document, name: string): HTMLElement {
  const i = doc.createElement('span');
  i.className = `codicon codicon-${name}`;
  i.setAttribute('aria-hidden', 'true');
  return i;
}

/** Filters: a multi-select of the indexed bibliography files and "not cited yet" (panel.ts drives them). */
function buildFilters(doc: Document): HTMLElement {
  const row = doc.createElement('div');
  row.className = 'filter-row';

  const files = doc.createElement('div');
  files.className = 'files-filter';
  const button = doc.createElement('button');
  button.type = 'button';
  button.id = 'files-button';
  button.className = 'filter-button';
  button.setAttribute('aria-haspopup', 'true');
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'files-menu');
  const label = doc.createElement('span');
  label.className = 'filter-label';
  label.textContent = 'All files';
  button.append(codicon(doc, 'filter'), label, codicon(doc, 'chevron-down'));
  button.title = 'Only results from these bibliography files';
  const menu = doc.createElement('div');
  menu.id = 'files-menu';
  menu.className = 'files-menu';
  menu.setAttribute('role', 'group');
  menu.setAttribute('aria-label', 'Bibliography files to search');
  menu.hidden = true;
  files.append(button, menu);

  const uncited = doc.createElement('label');
  uncited.className = 'uncited-filter';
  uncited.title = 'Hide entries already cited in the current document';
  const box = doc.createElement('input');
  box.type = 'checkbox';
  box.id = 'uncited-only';
  uncited.append(box, doc.createTextNode('Not cited yet'));

  row.append(files, uncited);
  return row;
}

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

  header.append(row, buildFilters(doc), status, banner, notice);
  body.append(header);

  for (const { id, title } of SECTIONS) {
    const s = doc.createElement('section');
    s.id = id;
    s.setAttribute('aria-labelledby', `${id}-title`);
    const h = doc.createElement('h2');
    h.id = `${id}-title`;
    h.textContent = title;
    const q = doc.createElement('p');
    q.className = 'query';
    const list = doc.createElement('ul');
    list.className = 'papers';
    list.setAttribute('role', 'tree');
    list.setAttribute('aria-labelledby', `${id}-title`);
    const none = doc.createElement('p');
    none.className = 'none';
    none.textContent = 'No matching papers.';
    none.hidden = true;
    s.append(h, q, list, none);
    body.append(s);
  }
}
