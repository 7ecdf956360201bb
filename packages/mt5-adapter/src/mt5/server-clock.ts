/**
 * Broker server time ↔ UTC. MT5 encodes the broker's server time (GMT+2, GMT+3 while New York is on
 * daylight time, at most brokers) as if it were UTC epoch. Every time that crosses the adapter edge
 * goes through here; no naive timestamp enters or leaves the gateway.
 */
import { utcToServer, serverToUtc, type ServerTimeConfig } from '@tradekit/core';

export const DEFAULT_SERVER_TIME: ServerTimeConfig = { utcOffsetHours: 2, dst: 'us' };

export class ServerClock {
  constructor(readonly cfg: ServerTimeConfig = DEFAULT_SERVER_TIME) {}

  /** Server-time ms (as if UTC) at a UTC instant. */
  toServerMs(utcMs: number): number {
    return utcToServer(this.cfg, utcMs);
  }

  /** MT5 epoch seconds (server time) at a UTC instant. */
  toServerSec(utcMs: number): number {
    return Math.floor(utcToServer(this.cfg, utcMs) / 1000);
  }

  fromServerMs(serverMs: number): number {
    return serverToUtc(this.cfg, serverMs);
  }

  fromServerSec(sec: number): number {
    return serverToUtc(this.cfg, sec * 1000);
  }
}
