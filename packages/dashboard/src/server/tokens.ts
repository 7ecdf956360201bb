import type { InjectionToken } from 'tsyringe';
import type { Sink } from '@tradekit/core';

/** What a hosting orchestrator offers a run's plugins: the sink that feeds its API and stream. */
export interface StreamHost {
  readonly sink: Sink;
}

/** Registered in a hosted run's container (RunOptions.services) so `@tradekit/dashboard/socketio` joins the host's stream. */
export const StreamHostToken: InjectionToken<StreamHost> = Symbol.for('tradekit.dashboard.StreamHost');
