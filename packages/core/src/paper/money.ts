/** Account-currency amounts are kept to cents, as brokers book them per deal. */
export function roundMoney(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Volume is a whole number of steps (epsilon-aware: 0.3 / 0.01 is 29.999999999999996). */
export function isVolumeStepMultiple(volume: number, step: number): boolean {
  const n = volume / step;
  return Math.abs(n - Math.round(n)) < 1e-6;
}

/** Floors a volume to the step grid (never rounds up: rounding up would exceed the intended risk). */
export function floorToStep(volume: number, step: number): number {
  const n = Math.floor(volume / step + 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) + 2;
  return Number((n * step).toFixed(decimals));
}
