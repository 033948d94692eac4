/**
 * The panel controller: receives validated host messages, renders, persists state, and turns clicks and
 * keys into typed requests. Independent of `acquireVsCodeApi` (injected) so it runs under a Node DOM in tests.
 */
import {
  parseHostMessage,
  PROTOCOL_VERSION,
  SECTION_IDS,
  WEBVIEW_COMMANDS,
  type HostMessage,
  type Section,
  type StatusView,
  type WebviewCommand,
  type WebviewMessage,
} from '../extension/protocol/webview';
import {
  ACTION_INFO, bannerFor, bodyState, filesLabel, nextFocus, queryLine, renderBanner, renderFileOptions, renderHits, statusLine, type PaperAction,
} from './render';
import { emptyState, restoreState, type PanelState } from './state';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

const SECTIONS = SECTION_IDS;
const ACTIONS: readonly PaperAction[] = ['insert', 'copy', 'open', 'link', 'add', 'dismiss'];

/** Distributive Omit so each request variant keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<Extract<WebviewMessage, { id: number }>>;

export class Panel {
  private state: PanelState = emptyState();
  private status: StatusView | undefined;
  private readonly busy = Object.fromEntries(SECTIONS.map((s) => [s, false])) as Record<Section, boolean>;
  /** The row that holds the list's single tab stop (roving tabindex): section + key. */
  private active: { section: Section; key: string } | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, string>();
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly doc: Document,
    private readonly api: VsCodeApi,
  ) {}

  /** Restore state, install listeners, then say `ready` (the host flushes its queue on it). */
  start(win: Pick<Window, 'addEventListener'>): void {
    this.state = restoreState(this.api.getState());
    const search = this.search();
    if (search && this.state.query) (search as HTMLInputElement).value = this.state.query;
    for (const s of SECTIONS) this.renderSection(s);
    this.renderFilters();
    this.update();
    win.addEventListener('message', (ev: Event) => this.receive((ev as MessageEvent).data));
    this.doc.addEventListener('click', (ev) => this.onClick(ev));
    this.doc.addEventListener('keydown', (ev) => this.onKey(ev));
    this.doc.addEventListener('change', (ev) => this.onChange(ev));
    this.doc.addEventListener('focusin', (ev) => {
      const row = (ev.target as Element | null)?.closest?.('.paper');
      if (row) this.activate(row);
    });
    search?.addEventListener('input', () => {
      this.state.query = this.searchValue();
      this.save();
    });
    this.post({ type: 'ready', version: PROTOCOL_VERSION });
  }

  /** Entry point for every message from the host; malformed ones are rejected and reported. */
  receive(data: unknown): void {
    const parsed = parseHostMessage(data);
    if (!parsed.ok) {
      this.post({ type: 'log', level: 'warn', message: `webview rejected a host message: ${parsed.error}` });
      return;
    }
    this.handle(parsed.value);
  }

  private handle(msg: HostMessage): void {
    switch (msg.type) {
      case 'status':
        this.status = msg.status;
        this.update();
        break;
      case 'results':
        this.state.results[msg.section] = msg;
        this.setBusy(msg.section, false);
        this.renderSection(msg.section);
        this.save();
        this.update();
        break;
      case 'busy':
        this.setBusy(msg.section, msg.busy);
        this.update();
        break;
      case 'clear':
        delete this.state.results[msg.section];
        this.setBusy(msg.section, false);
        this.renderSection(msg.section);
        this.save();
        this.update();
        break;
      case 'filters':
        this.state.filters = msg;
        this.renderFilters();
        this.save();
        break;
      case 'setQuery': {
        const s = this.search();
        if (s) (s as HTMLInputElement).value = msg.text;
        this.state.query = msg.text;
        this.save();
        break;
      }
      case 'reply': {
        const what = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (!msg.ok) this.notice(`${what ?? 'Request'} failed: ${msg.error ?? 'unknown error'}`);
        break;
      }
      case 'error':
        this.notice(msg.message);
        break;
    }
  }

  /** The flag and `section[aria-busy]` (which dims the list) always change together. */
  private setBusy(section: Section, busy: boolean): void {
    this.busy[section] = busy;
    this.doc.getElementById(section)?.setAttribute('aria-busy', String(busy));
  }

  private post(msg: WebviewMessage): void {
    this.api.postMessage(msg);
  }

  private request(msg: Request, label: string): void {
    const id = this.nextId++;
    this.pending.set(id, label);
    this.post({ ...msg, id } as WebviewMessage);
  }

  private save(): void {
    this.api.setState(this.state);
  }

  private search(): HTMLElement | null {
    return this.doc.getElementById('search');
  }
  private searchValue(): string {
    const s = this.search() as (HTMLElement & { value?: unknown }) | null;
    return typeof s?.value === 'string' ? s.value : '';
  }

  private runSearch(): void {
    const text = this.searchValue().trim();
    this.state.query = text;
    this.save();
    this.request({ type: 'search', text }, 'Search');
  }

  private renderSection(section: Section): void {
    const root = this.doc.getElementById(section);
    if (!root) return;
    const results = this.state.results[section];
    const list = root.querySelector<HTMLElement>('.papers');
    if (list) renderHits(list, section, results?.hits ?? [], new Set(this.state.expanded[section]));
    const q = root.querySelector('.query');
    if (q) {
      q.textContent = queryLine(results?.query, section);
      // the line is cut to one row; the whole query is in its tooltip
      if (results?.query.text) q.setAttribute('title', results.query.text);
      else q.removeAttribute('title');
    }
    const none = root.querySelector<HTMLElement>('.none');
    if (none) none.hidden = !results || results.hits.length > 0;
    this.roving();
  }

  private rows(): HTMLElement[] {
    return [...this.doc.querySelectorAll<HTMLElement>('.paper')];
  }

  /** Exactly one row is in the tab order (the active one, else the first), with its action buttons. */
  private roving(): void {
    const rows = this.rows();
    const active =
      rows.find((r) => this.active && r.getAttribute('data-key') === this.active.key && r.closest('section')?.id === this.active.section) ?? rows[0];
    for (const r of rows) {
      const on = r === active;
      r.tabIndex = on ? 0 : -1;
      for (const b of r.querySelectorAll<HTMLElement>('.actions .action')) b.tabIndex = on ? 0 : -1;
    }
  }

  private activate(row: Element): void {
    const section = row.closest('section')?.id as Section | undefined;
    const key = row.getAttribute('data-key');
    if (!section || !key) return;
    if (this.active?.section === section && this.active.key === key) return;
    this.active = { section, key };
    this.roving();
  }

  /** The filter controls from `state.filters` (the menu keeps its open/closed state). */
  private renderFilters(): void {
    const { files, filter } = this.state.filters;
    const selected = new Set(filter.files);
    const label = this.doc.querySelector('#files-button .filter-label');
    if (label) label.textContent = filesLabel(filter.files);
    this.doc.getElementById('files-button')?.classList.toggle('active', filter.files.length > 0);
    const menu = this.doc.getElementById('files-menu');
    if (menu) renderFileOptions(menu, files, selected);
    const uncited = this.doc.getElementById('uncited-only') as HTMLInputElement | null;
    if (uncited) uncited.checked = filter.uncitedOnly;
  }

  private setFilesMenu(open: boolean): void {
    const menu = this.doc.getElementById('files-menu');
    const button = this.doc.getElementById('files-button');
    if (!menu || !button) return;
    menu.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) menu.querySelector<HTMLElement>('input, button')?.focus();
  }

  /** The user changed a filter: remember it, show it, ask the host to re-run the queries. */
  private changeFilter(files: string[], uncitedOnly: boolean): void {
    this.state.filters = { ...this.state.filters, filter: { files, uncitedOnly } };
    this.renderFilters();
    this.save();
    this.request({ type: 'filter', files, uncitedOnly }, 'Filter');
  }

  private onChange(ev: Event): void {
    const target = ev.target as HTMLInputElement | null;
    if (!target || typeof target.closest !== 'function') return;
    const { filter } = this.state.filters;
    if (target.id === 'uncited-only') {
      this.changeFilter(filter.files, target.checked);
      return;
    }
    const file = target.getAttribute('data-file');
    if (file !== null && target.closest('#files-menu')) {
      const chosen = new Set(filter.files);
      if (target.checked) chosen.add(file);
      else chosen.delete(file);
      // keep the menu's order (the host's file order)
      const files = this.state.filters.files.map((f) => f.id).filter((id) => chosen.has(id));
      this.changeFilter(files, filter.uncitedOnly);
    }
  }

  private hasResults(): boolean {
    return SECTIONS.some((s) => (this.state.results[s]?.hits.length ?? 0) > 0);
  }

  /** Body state, banner and status line from the current status + results. */
  private update(): void {
    const state = bodyState(this.status, this.hasResults());
    this.doc.body.setAttribute('data-state', state);
    const banner = this.doc.getElementById('banner');
    if (banner) renderBanner(banner, bannerFor(state, this.status));
    const status = this.doc.getElementById('status');
    if (status) status.textContent = statusLine(this.status, Object.values(this.busy).some((b) => b));
    // rows focused by the keyboard scroll into view below the sticky header (CSS scroll-padding-top)
    const header = this.doc.querySelector('header');
    if (header) this.doc.documentElement.style.setProperty('--header-h', `${Math.ceil(header.getBoundingClientRect().height)}px`);
  }

  private notice(text: string): void {
    const n = this.doc.getElementById('notice');
    if (!n) return;
    n.textContent = text;
    n.hidden = false;
    if (this.noticeTimer !== undefined) clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      n.hidden = true;
    }, 8000);
  }

  private onClick(ev: Event): void {
    const target = ev.target as Element | null;
    if (!target || typeof target.closest !== 'function') return;
    if (!target.closest('.files-filter')) this.setFilesMenu(false);
    if (target.closest('#search-go')) {
      this.runSearch();
      return;
    }
    if (target.closest('#files-button')) {
      this.setFilesMenu(this.doc.getElementById('files-menu')?.hidden ?? false);
      return;
    }
    if (target.closest('#files-all')) {
      this.changeFilter([], this.state.filters.filter.uncitedOnly);
      this.setFilesMenu(false);
      this.doc.getElementById('files-button')?.focus();
      return;
    }
    const cmdEl = target.closest('[data-command]');
    if (cmdEl) {
      const command = cmdEl.getAttribute('data-command');
      if ((WEBVIEW_COMMANDS as readonly string[]).includes(command ?? '')) {
        this.request({ type: 'command', command: command as WebviewCommand }, cmdEl.textContent ?? 'Command');
      }
      return;
    }
    const actionEl = target.closest('[data-action]');
    const item = actionEl?.closest('.paper');
    const section = item?.closest('section')?.id as Section | undefined;
    const key = item?.getAttribute('data-key');
    if (!actionEl || !item || !key || !section || !SECTIONS.includes(section)) return;
    if (actionEl.hasAttribute('disabled')) return;
    const action = actionEl.getAttribute('data-action');
    if (action === 'toggle') {
      this.toggle(section, key, item);
      // the user clicked it, so it is in view: focusing must not scroll a tall expanded row under the header
      (item as HTMLElement).focus({ preventScroll: true });
    } else if ((ACTIONS as readonly string[]).includes(action ?? '')) {
      this.request({ type: action as PaperAction, key }, ACTION_INFO[action as PaperAction].label);
    }
  }

  private toggle(section: Section, key: string, item: Element, open = item.getAttribute('aria-expanded') !== 'true'): void {
    item.setAttribute('aria-expanded', String(open));
    item.classList.toggle('expanded', open);
    const twistie = item.querySelector('.twistie');
    twistie?.classList.toggle('codicon-chevron-down', open);
    twistie?.classList.toggle('codicon-chevron-right', !open);
    const body = item.querySelector<HTMLElement>('.paper-body');
    if (body) body.hidden = !open;
    const list = new Set(this.state.expanded[section]);
    if (open) list.add(key);
    else list.delete(key);
    this.state.expanded[section] = [...list].slice(-200);
    this.save();
  }

  /**
   * Keyboard model of a VS Code tree: Up/Down/Home/End move between rows (across sections), Enter or Space
   * expands/collapses, Right expands (then enters the row's actions), Left collapses (or leaves the actions),
   * Escape leaves the actions. The context-menu key opens VS Code's menu on the focused row by itself.
   */
  private onKey(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement | null;
    if (!target || typeof target.closest !== 'function') return;
    if (ev.key === 'Enter' && target.closest('#search')) {
      ev.preventDefault();
      this.runSearch();
      return;
    }
    if (ev.key === 'Escape' && target.closest('.files-filter')) {
      this.setFilesMenu(false);
      this.doc.getElementById('files-button')?.focus();
      return;
    }
    const row = target.closest<HTMLElement>('.paper');
    if (!row) return;
    const section = row.closest('section')?.id as Section | undefined;
    const key = row.getAttribute('data-key');
    if (!section || !key) return;
    const onRow = target === row;
    const buttons = [...row.querySelectorAll<HTMLButtonElement>('.actions .action:not([disabled])')];
    const focusRow = (next: Element | undefined) => {
      if (!next) return;
      ev.preventDefault();
      (next as HTMLElement).focus();
    };
    switch (ev.key) {
      case 'ArrowDown':
      case 'ArrowUp':
      case 'Home':
      case 'End':
        if (!onRow && (ev.key === 'Home' || ev.key === 'End')) {
          focusRow(ev.key === 'Home' ? buttons[0] : buttons[buttons.length - 1]);
          return;
        }
        focusRow(nextFocus(this.rows(), row, ev.key));
        return;
      case 'Enter':
      case ' ':
        if (!onRow) return; // a focused action button clicks itself
        ev.preventDefault();
        this.toggle(section, key, row);
        return;
      case 'ArrowRight':
        if (onRow) {
          if (row.getAttribute('aria-expanded') !== 'true') {
            ev.preventDefault();
            this.toggle(section, key, row, true);
          } else focusRow(buttons[0]);
        } else focusRow(buttons[Math.min(buttons.length - 1, buttons.indexOf(target as HTMLButtonElement) + 1)]);
        return;
      case 'ArrowLeft':
        if (onRow) {
          if (row.getAttribute('aria-expanded') === 'true') {
            ev.preventDefault();
            this.toggle(section, key, row, false);
          }
        } else {
          const i = buttons.indexOf(target as HTMLButtonElement);
          focusRow(i > 0 ? buttons[i - 1] : row);
        }
        return;
      case 'Escape':
        if (!onRow) focusRow(row);
        return;
    }
  }
}
