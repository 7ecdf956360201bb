/** What the engine needs from the run's config (registered under EngineSettingsToken). */
import type { EngineSection } from '../config/schema.js';
import type { HookMetrics } from './instrument.js';
import type { WriteGuard } from './write-guard.js';

export interface EngineSettings {
  symbols: readonly string[];
  options: EngineSection;
  /** Set when per-hook timings are recorded. */
  metrics?: HookMetrics;
  /** Whether broker writes are allowed (run lease held, state store working); default: always. */
  guard?: WriteGuard;
}
