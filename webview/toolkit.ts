/**
 * The ONLY module that knows about @vscode/webview-ui-toolkit (archived upstream): the tag names the panel
 * uses and their registration. Swapping the toolkit (e.g. for plain styled elements or another component
 * set) is a change to this file alone — render code only uses `TAGS` and standard DOM properties
 * (`value`, `disabled`, attributes).
 *
 * The toolkit is imported dynamically so that the pure render module can be unit-tested in Node without
 * evaluating FAST (which needs a real browser); esbuild inlines the import into the iife bundle.
 */
export const TAGS = {
  button: 'vscode-button',
  textField: 'vscode-text-field',
  progressRing: 'vscode-progress-ring',
  badge: 'vscode-badge',
  divider: 'vscode-divider',
} as const;

/** Attribute that makes a toolkit button look secondary. */
export const SECONDARY_BUTTON: [string, string] = ['appearance', 'secondary'];

let registered: Promise<void> | undefined;

/** Define the custom elements (idempotent). Elements created before this upgrade when it resolves. */
export function registerToolkit(): Promise<void> {
  registered ??= import('@vscode/webview-ui-toolkit').then((t) => {
    t.provideVSCodeDesignSystem().register(
      t.vsCodeButton(),
      t.vsCodeTextField(),
      t.vsCodeProgressRing(),
      t.vsCodeBadge(),
      t.vsCodeDivider(),
    );
  });
  return registered;
}
