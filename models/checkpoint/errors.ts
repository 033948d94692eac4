/** Errors raised while reading checkpoints and configs; messages always name the file (and key/flag). */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** A pickle referenced a callable outside the allow-list; nothing was executed. */
export class UnsafePickleError extends CheckpointError {
  override name = 'UnsafePickleError';
  constructor(readonly global: string, where: string) {
    super(`${where}: refusing to unpickle: global "${global}" is not on the allow-list of torch state-dict globals (nothing was executed)`);
  }
}

/** A config flag whose value this implementation does not compute exactly. */
export class UnsupportedConfigError extends CheckpointError {
  override name = 'UnsupportedConfigError';
}
