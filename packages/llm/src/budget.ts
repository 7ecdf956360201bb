/** Per-run spend: tokens and money, checked before each call and counted after. 0 = no limit. */
export interface BudgetLimits {
  maxTokens: number;
  maxCost: number;
  /** Price per million prompt / completion tokens, in the currency `maxCost` is in. */
  inputPricePerMTok: number;
  outputPricePerMTok: number;
}

export class Budget {
  tokens = 0;
  cost = 0;
  calls = 0;

  constructor(readonly limits: BudgetLimits) {}

  costOf(promptTokens: number, completionTokens: number): number {
    return (promptTokens * this.limits.inputPricePerMTok + completionTokens * this.limits.outputPricePerMTok) / 1e6;
  }

  /** Why no more calls may be made, or undefined. */
  exhausted(): string | undefined {
    const l = this.limits;
    if (l.maxTokens > 0 && this.tokens >= l.maxTokens) return `token budget spent (${this.tokens} of ${l.maxTokens})`;
    if (l.maxCost > 0 && this.cost >= l.maxCost) return `cost budget spent (${this.cost.toFixed(4)} of ${l.maxCost})`;
    return undefined;
  }

  charge(promptTokens: number, completionTokens: number): number {
    const c = this.costOf(promptTokens, completionTokens);
    this.calls++;
    this.tokens += promptTokens + completionTokens;
    this.cost += c;
    return c;
  }
}
