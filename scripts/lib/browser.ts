/**
 * Driving code-server's web workbench with Debian's chromium through playwright-core (no browser download).
 */
import * as util from 'node:util';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './codeServer';

export async function launchChromium(env?: NodeJS.ProcessEnv): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: env as Record<string, string> | undefined });
}

/**
 * The remote extension host's console output (mocha's reporter included) reaches the page console as
 * ('%c INFO', 'color: …', format, ...args). Returns the re-formatted line, or undefined for other messages.
 */
export async function extensionHostLine(m: ConsoleMessage): Promise<string | undefined> {
  let args: unknown[];
  try { args = await Promise.all(m.args().map((a) => a.jsonValue())); } catch { return undefined; /* frame gone */ }
  if (process.env.CODE_SHIM_RAW) console.log("RAW", m.type(), JSON.stringify(args).slice(0, 300));
  if (args.length >= 3 && /^%c\s*(INFO|WARN|ERR|ERROR|DEBUG|TRACE|LOG)/.test(String(args[0])) && /^color/.test(String(args[1]))) {
    return util.format(...args.slice(2));
  }
  return undefined;
}

/** Lines the workbench logs on every start that say nothing about the extension under test. */
const NOISE = /^(Resolv|Creating a socket|Updating additional|\[Service Worker\]|ChatSessionStore|Started local extension host|\[Extension Host\] Started|getaddrinfo ENOTFOUND open-vsx)/;

export interface ExtensionTestRun { code: number; seconds: number }

/**
 * Opens `url` (a workbench URL carrying extensionTestsPath in its payload) and resolves with the exit code the
 * workbench reports through window.codeAutomationExit when the extension-host suite ends.
 */
export async function runExtensionTestsInPage(page: Page, url: string, timeoutMs: number, print: (line: string) => void = console.log): Promise<ExtensionTestRun> {
  const t0 = Date.now();
  const done = new Promise<number>((resolve) => {
    void page.exposeFunction('codeAutomationExit', (code: number) => resolve(Number(code)));
  });
  page.on('console', (m) => {
    void extensionHostLine(m).then((line) => { if (line !== undefined && !NOISE.test(line)) print(line); });
  });
  page.on('pageerror', (e) => print(`[workbench pageerror] ${e.message}`));
  await page.goto(url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => { print(`code-shim: no codeAutomationExit after ${timeoutMs / 1000}s (tests hung or never started)`); resolve(2); }, timeoutMs);
  });
  const code = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return { code, seconds: (Date.now() - t0) / 1000 };
}
