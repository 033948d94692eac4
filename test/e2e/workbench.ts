/**
 * Page-level helpers for driving the real VS Code web workbench (code-server) and the Related Papers webview.
 * Selectors are VS Code 1.100's; the webview's DOM hooks are documented at the top of webview/main.ts.
 */
import type { Frame, Page } from 'playwright-core';
import type { InPage } from './dom';

export const ACTIVITY_ENTRY = '.activitybar [aria-label^="Related Papers"]';

/** Waits until the workbench shows the workspace in the explorer and the extension's activity-bar entry. */
export async function waitForWorkbench(page: Page, fileInExplorer: string, timeout = 120_000): Promise<void> {
  await page.waitForSelector('.monaco-workbench', { timeout });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: fileInExplorer }).first().waitFor({ timeout });
  await page.waitForSelector(ACTIVITY_ENTRY, { timeout });
}

/**
 * F1 → ">title" → click the row whose label is exactly `title`, optionally after its category ("Related Papers:
 * Find related papers"); Enter would take whatever row happens to be first.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  await openQuickInput(page, `>${title}`);
  const exact = new RegExp(`^(?:[^:]+: )?${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
  await page.locator('.quick-input-widget input').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** "Preferences: Color Theme" → the theme whose label is exactly `theme` (VS Code writes the user setting itself). */
export async function selectColorTheme(page: Page, theme: string): Promise<void> {
  await openQuickInput(page, '>Preferences: Color Theme');
  const command = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^(?:Preferences: )?Color Theme$/ }) }).first();
  await command.waitFor({ timeout: 30_000 });
  await command.click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(theme);
  // VS Code 1.100 labels "Default Dark Modern" as "Dark Modern" with the full name beside it
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: theme }).filter({ hasNotText: 'Browse Additional' }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click();
  await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Quick Open (F1 without '>') on a file name, e.g. "draft.tex". */
export async function openFile(page: Page, name: string): Promise<void> {
  await quickInput(page, name, name);
  await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
}

/** Quick Open ":line[:column]" moves the cursor of the active editor (1-based); the status bar confirms it. */
export async function goToLine(page: Page, line: number, column?: number): Promise<void> {
  await openQuickInput(page, column ? `:${line}:${column}` : `:${line}`);
  await page.waitForTimeout(200); // the quick-open provider must see the value before Enter
  await page.keyboard.press('Enter');
  const where = column ? `^Ln ${line}, Col ${column}\\b` : `^Ln ${line},`;
  await page.locator('.statusbar-item', { hasText: new RegExp(where) }).first().waitFor({ timeout: 10_000 });
}

/** Gives the keyboard back to the workbench (e.g. after a click inside a webview) by focusing an editor tab. */
export async function focusEditor(page: Page, tabName: string): Promise<void> {
  await page.locator('.tabs-container .tab', { hasText: tabName }).first().click();
  await page.locator('.editor-instance .monaco-editor.focused').first().waitFor({ timeout: 10_000 });
}

/** F1 and type `text`; retried once because a webview that still holds focus can swallow the first F1. */
async function openQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(text, { timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt >= 1) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

async function quickInput(page: Page, text: string, rowText: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await openQuickInput(page, text);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first();
  await row.waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/**
 * The Related Papers panel's document: two iframes deep (iframe.webview → #active-frame). Found by content so it
 * works whichever webview is ready first.
 */
export async function panelFrame(page: Page, selector = '#suggestions', timeout = 60_000): Promise<Frame> {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      try { if (await f.$(selector)) return f; } catch { /* detached or navigating */ }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview frame containing ${selector} after ${timeout / 1000}s (frames: ${page.frames().map((f) => f.url().split('?')[0]).join(', ')})`);
}

/**
 * Waits until the panel says the library is indexed: body[data-state] is not "indexing" (see the hooks at the top
 * of webview/main.ts) and #status names the number of papers ("54 papers in 2 files · …").
 */
export async function waitForIndexed(frame: Frame, timeout = 120_000): Promise<string> {
  const end = Date.now() + timeout;
  let state = '';
  let status = '';
  while (Date.now() < end) {
    state = (await frame.getAttribute('body', 'data-state').catch(() => '')) ?? '';
    status = ((await frame.textContent('#status').catch(() => '')) ?? '').trim();
    if (state === 'error') throw new Error(`panel reports a storage error: ${status}`);
    if (state !== '' && state !== 'indexing' && /[\d,]+ papers? in/.test(status)) return state;
    await frame.waitForTimeout(300);
  }
  throw new Error(`panel not indexed after ${timeout / 1000}s: state "${state}", status "${status}"`);
}

export async function activateTab(page: Page, name: string): Promise<void> {
  await page.locator('.tabs-container .tab', { hasText: name }).first().click();
}

/** Text of every visible frame's `window.__xss` (undefined everywhere means no payload ran). */
export async function xssMarkers(page: Page): Promise<{ url: string; value: unknown }[]> {
  const out: { url: string; value: unknown }[] = [];
  for (const f of page.frames()) {
    try {
      const value = await f.evaluate(() => (globalThis as unknown as InPage).__xss);
      out.push({ url: f.url().split('?')[0]!, value });
    } catch { /* cross-process frame already gone */ }
  }
  return out;
}
