/** Process exit codes (documented in docs/cli.md). */
export const EXIT = {
  OK: 0,
  /** The run failed at runtime (a plugin setup, the state store, the data). */
  FAILURE: 1,
  /** The config (or a plugin it names) is invalid: nothing ran. */
  CONFIG: 2,
  /** Another process holds the run (TK_ERR_RUN_LOCKED): nothing ran. */
  LOCKED: 3,
  /** Interrupted twice (forced). */
  INTERRUPTED: 130,
} as const;
