/**
 * The panel controller: receives validated host messages, renders, persists state, and turns clicks and
 * keys into typed requests. Independent of `acquireVsCodeApi` (injected) so it runs under a Node DOM in tests.
 */
import {
  parseHostMessage,
  PROTOCOL_VERSION,
  WEBVIEW_COMMANDS,
  type HostMessage,
  type Section,
  type StatusView,
  type WebviewCommand,
  type WebviewMessage,
} from '../extension/protocol/webview';
import { bannerFor, bodyState, nextFocus, queryLine, renderBanner, renderHits, statusLine, type PaperAction } from './render';
import { emptyState, restoreState, type PanelState } from './state';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

const SECTIONS: readonly Section[] = ['suggestions', 'similar'];
const ACTIONS: readonly PaperAction[] = ['insert', 'copy', 'open', 'link'];

/** Distributive Omit so each request variant keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<Extract<WebviewMessage, { id: number }>>;

export class Panel {
  private state: PanelState = emptyState();
  private status: StatusView | undefined;
  private readonly busy: Record<Section, boolean> = { suggestions: false, similar: false };
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
    this.update();
    win.addEventListener('message', (ev: Event) => this.receive((ev as MessageEvent).data));
    this.doc.addEventListener('click', (ev) => this.onClick(ev));
    this.doc.addEventListener('keydown', (ev) => this.onKey(ev));
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
    if (q) q.textContent = queryLine(results?.query, section);
    const none = root.querySelector<HTMLElement>('.none');
    if (none) none.hidden = !results || results.hits.length > 0;
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
    if (status) status.textContent = statusLine(this.status, this.busy.suggestions || this.busy.similar);
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
    if (target.closest('#search-go')) {
      this.runSearch();
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
      this.toggle(section, key, actionEl, item);
    } else if ((ACTIONS as readonly string[]).includes(action ?? '')) {
      const labels: Record<PaperAction, string> = { insert: 'Insert citation', copy: 'Copy key', open: 'Open entry', link: 'Open DOI/URL' };
      this.request({ type: action as PaperAction, key }, labels[action as PaperAction]);
    }
  }

  private toggle(section: Section, key: string, head: Element, item: Element): void {
    const open = head.getAttribute('aria-expanded') !== 'true';
    head.setAttribute('aria-expanded', String(open));
    const body = item.querySelector<HTMLElement>('.paper-body');
    if (body) body.hidden = !open;
    const list = new Set(this.state.expanded[section]);
    if (open) list.add(key);
    else list.delete(key);
    this.state.expanded[section] = [...list].slice(-200);
    this.save();
  }

  private onKey(ev: KeyboardEvent): void {
    const target = ev.target as Element | null;
    if (!target) return;
    if (ev.key === 'Enter' && target.closest?.('#search')) {
      ev.preventDefault();
      this.runSearch();
      return;
    }
    if (!target.classList?.contains('paper-head')) return;
    const heads = [...this.doc.querySelectorAll('.paper-head')];
    const next = nextFocus(heads, target, ev.key) as HTMLElement | undefined;
    if (next) {
      ev.preventDefault();
      next.focus();
    }
  }
}
