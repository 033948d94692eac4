/**
 * The few DOM shapes the in-page callbacks (page.evaluate) use. The node tsconfig has no "dom" lib on purpose
 * (the extension host has no DOM); these callbacks run in the browser, so they reach `document` through
 * `globalThis` typed with these interfaces. Type-only: nothing here exists at run time.
 */
export interface DomAttr { name: string; value: string }
export interface DomElement {
  tagName: string;
  attributes: ArrayLike<DomAttr>;
  outerHTML: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
export interface DomScript extends DomElement { src: string }
export interface DomDocument {
  body: DomElement & { innerText: string };
  querySelectorAll<E extends DomElement = DomElement>(selector: string): ArrayLike<E>;
}
export type InPage = { document: DomDocument; __xss?: unknown };
