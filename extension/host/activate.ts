/**
 * Wiring of the UI layer. Activation stays cheap: nothing here loads a native module or a model; the
 * services are created (cheap by contract) and started only when the panel becomes visible or a
 * followed document is focused.
 */
import * as vscode from 'vscode';
import type { StatusView } from '../protocol/webview';
import { handlePanelRequest, registerCommands, type CommandDeps } from './commands';
import { CursorFollower } from './cursorFollower';
import { publishDiagnostics } from './diagnostics';
import { FOCUS_VIEW_COMMAND, VIEW_ID } from './ids';
import { registerPaperMenu } from './paperMenu';
import { ResultsController } from './resultsController';
import type { IndexStatus, Services } from './serviceApi';
import { readSettings } from './settings';
import { StatusBar } from './statusBar';
import { RelatedPapersViewProvider } from './viewProvider';
import { registerCitationProviders } from './providers';

export type ServicesFactory = (context: vscode.ExtensionContext, log: vscode.LogOutputChannel) => Services;

/** IndexStatus → the wire shape; `seenScan` is the UI's own inference when the services do not say `scanned`. */
export function toStatusView(s: IndexStatus, seenScan: boolean): StatusView {
  const v: StatusView = { entries: s.entries, files: s.files, model: s.model, lexicalOnly: s.lexicalOnly };
  if (s.indexing) v.indexing = { ...s.indexing };
  if (s.embedding) v.embedding = { ...s.embedding };
  if (s.storageError !== undefined) v.storageError = s.storageError;
  v.scanned = s.scanned ?? seenScan;
  if (s.testModel) v.testModel = true;
  return v;
}

/** Whether a status shows that the workspace has been searched for bibliographies. */
export function showsScan(s: IndexStatus): boolean {
  return s.scanned === true || s.indexing !== undefined || s.files > 0 || s.entries > 0 || s.storageError !== undefined;
}

/** What `activate` returns: the services, for the extension-host tests (and other extensions, read-only use). */
export interface RelatedPapersApi {
  services(): Services;
  /** Milliseconds from the start of `activate` to its return and to the first status-bar update (bench:host). */
  timings(): { activateMs: number; firstStatusMs: number | undefined };
}

export function activateWith(context: vscode.ExtensionContext, createServices: ServicesFactory): RelatedPapersApi {
  const t0 = performance.now();
  let firstStatusMs: number | undefined;
  const log = vscode.window.createOutputChannel('Related Papers', { log: true });
  context.subscriptions.push(log);

  let services: Services | undefined;
  let started = false;
  let seenScan = false;
  let previous: IndexStatus | undefined;
  /** Re-run the panel's queries when the index content changed (entries, or an indexing run ended). */
  const indexChanged = (st: IndexStatus): boolean => {
    const changed = previous !== undefined && ((previous.indexing !== undefined && st.indexing === undefined) || previous.entries !== st.entries);
    previous = st;
    return changed;
  };
  const statusView = (st: IndexStatus): StatusView => {
    seenScan ||= showsScan(st);
    return toStatusView(st, seenScan);
  };
  const statusBar = new StatusBar(FOCUS_VIEW_COMMAND, () => { firstStatusMs ??= performance.now() - t0; });
  const diagnostics = vscode.languages.createDiagnosticCollection('relatedPapers');
  context.subscriptions.push(statusBar, diagnostics);

  let view: RelatedPapersViewProvider;
  const getServices = (): Services => {
    if (services) return services;
    const s = createServices(context, log);
    services = s;
    context.subscriptions.push(
      s,
      s.onDidChangeStatus((st) => {
        const sv = statusView(st);
        statusBar.update(st, sv.scanned);
        view.send({ type: 'status', status: sv });
        if (indexChanged(st) && view.visible) void controller.rerun();
      }),
    );
    if (s.onDidChangeDiagnostics) context.subscriptions.push(s.onDidChangeDiagnostics((d) => publishDiagnostics(diagnostics, d)));
    const st = s.status();
    previous = st;
    const sv = statusView(st);
    statusBar.update(st, sv.scanned);
    view.send({ type: 'status', status: sv });
    return s;
  };
  const start = () => {
    if (started) return;
    started = true;
    try {
      getServices().start?.();
    } catch (e) {
      log.error(`starting the services failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const controller = new ResultsController(getServices, { send: (m) => view.send(m) }, () => readSettings(), log, context.workspaceState);
  let follower: CursorFollower;
  const deps = (): CommandDeps => ({ services: getServices, controller, follower, view, log });
  view = new RelatedPapersViewProvider(context.extensionUri, log, (msg) => handlePanelRequest(msg, deps()));
  follower = new CursorFollower(controller, () => view.visible, start, (file, line) => getServices().entryAt?.(file, line) ?? Promise.resolve(undefined));
  context.subscriptions.push(
    view,
    follower,
    { dispose: () => controller.cancelAll() },
    vscode.window.registerWebviewViewProvider(VIEW_ID, view),
    view.onDidChangeVisibility((visible) => {
      if (!visible) return;
      start();
      follower.refresh();
    }),
  );
  registerCommands(context, deps());
  registerPaperMenu(context, (msg) => handlePanelRequest(msg, deps()), (m) => view.notify(m), log);
  registerCitationProviders(context, { services: getServices, start, log, similar: async (key) => { await vscode.commands.executeCommand(FOCUS_VIEW_COMMAND); await controller.similarToEntry(key); } });
  // The status bar appears with the first status; creating the services is cheap, starting them is not.
  getServices();
  const activateMs = performance.now() - t0;
  return { services: getServices, timings: () => ({ activateMs, firstStatusMs }) };
}
