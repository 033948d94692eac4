/**
 * The "Related Papers" WebviewView: HTML with CSP, the ready handshake (via ReadyQueue), validation of
 * every incoming message, and a snapshot (latest status/results) replayed whenever the webview (re)loads —
 * a WebviewView's page is destroyed when it is hidden and rebuilt when shown again.
 */
import * as vscode from 'vscode';
import { parseWebviewMessage, PROTOCOL_VERSION, type HostMessage, type Section, type WebviewMessage } from '../protocol/webview';
import { ReadyQueue } from './messageQueue';
import { VIEW_ID } from './ids';
import { makeNonce, panelHtml } from './webviewHtml';

export type RequestHandler = (message: Exclude<WebviewMessage, { type: 'ready' | 'log' }>) => Promise<void>;

export class RelatedPapersViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = VIEW_ID;

  private view: vscode.WebviewView | undefined;
  private readonly queue = new ReadyQueue();
  private readonly snapshot: { status?: HostMessage; filters?: HostMessage; results: Partial<Record<Section, HostMessage>> } = { results: {} };
  private readonly disposables: vscode.Disposable[] = [];
  private readonly visibility = new vscode.EventEmitter<boolean>();
  /** Fires true when the panel becomes visible (and its page is ready), false when hidden. */
  readonly onDidChangeVisibility = this.visibility.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly onRequest: RequestHandler,
  ) {}

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webview = view.webview;
    const distRoot = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const mediaRoot = vscode.Uri.joinPath(this.extensionUri, 'media');
    webview.options = { enableScripts: true, enableForms: false, localResourceRoots: [distRoot, mediaRoot] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(distRoot, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'panel.css')).toString(),
      iconStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(distRoot, 'codicon.css')).toString(),
    });
    this.queue.attach((m) => webview.postMessage(m));
    this.disposables.push(
      webview.onDidReceiveMessage((data: unknown) => this.receive(data)),
      view.onDidChangeVisibility(() => {
        // hidden: the page goes away; queue until the rebuilt page says ready again (which fires `true`)
        if (view.visible) return;
        this.queue.attach((m) => webview.postMessage(m));
        this.visibility.fire(false);
      }),
      view.onDidDispose(() => {
        this.queue.detach();
        this.view = undefined;
        this.visibility.fire(false);
      }),
    );
  }

  /** Post (or queue) a message; status and results are remembered for replay. */
  send(message: HostMessage): void {
    if (message.type === 'status') this.snapshot.status = message;
    if (message.type === 'filters') this.snapshot.filters = message;
    if (message.type === 'results' || message.type === 'clear') this.snapshot.results[message.section] = message;
    this.queue.send(message);
  }

  private receive(data: unknown): void {
    const parsed = parseWebviewMessage(data);
    if (!parsed.ok) {
      this.log.warn(`Related Papers: rejected a malformed message from the panel: ${parsed.error}`);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'ready':
        if (msg.version !== PROTOCOL_VERSION) this.log.warn(`panel protocol v${msg.version}, host v${PROTOCOL_VERSION}`);
        if (this.snapshot.status) this.queue.send(this.snapshot.status);
        if (this.snapshot.filters) this.queue.send(this.snapshot.filters);
        for (const r of Object.values(this.snapshot.results)) if (r) this.queue.send(r);
        this.queue.markReady();
        this.visibility.fire(true);
        return;
      case 'log':
        (msg.level === 'error' ? this.log.error : this.log.warn).call(this.log, `panel: ${msg.message}`);
        return;
      default:
        void this.onRequest(msg).then(
          () => this.send({ type: 'reply', id: msg.id, ok: true }),
          (e: unknown) => {
            const message = e instanceof Error ? e.message : String(e);
            this.log.warn(`panel request ${msg.type} failed: ${message}`);
            this.send({ type: 'reply', id: msg.id, ok: false, error: message });
          },
        );
    }
  }

  /** Show an error in the panel's notice line (for actions started outside it, e.g. its context menu). */
  notify(message: string): void {
    this.queue.send({ type: 'error', message });
  }

  /** Reveal and focus the panel. */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.visibility.dispose();
  }
}
