import type { LlmDecisionView } from '../types';
import { utc } from '../format';

/** What a validated answer says, in one line (the full prompt and answer are one click away). */
function summary(d: LlmDecisionView): string {
  const p = d.parsed as Record<string, unknown> | undefined;
  if (d.outcome !== 'ok' || !p) return d.error ?? d.outcome;
  if (d.kind === 'sentiment') return `score ${p.score}, confidence ${p.confidence}, ${p.emotion}${p.risk ? `, risk ${p.risk}` : ''}`;
  if (d.kind === 'researcher')
    return `${String(p.action).toUpperCase()} (confidence ${p.confidence}${p.sizeFactor !== undefined ? `, size × ${p.sizeFactor}` : ''}): ${p.reason}`;
  if (d.kind === 'critic') return `grade ${p.grade}/10: ${p.lesson}`;
  return JSON.stringify(p);
}

/** Each language-model call of the run: time, plugin, subject, outcome, and its prompt and answer. */
export function LlmDecisions({ items }: { items: LlmDecisionView[] }) {
  return (
    <div className="table-wrap">
      <table data-testid="llm-decisions">
        <thead>
          <tr>
            <th>Time (UTC)</th>
            <th>Kind</th>
            <th>Subject</th>
            <th>Outcome</th>
            <th>Decision</th>
            <th className="r">Tokens</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list rebuilt whole on each load; two calls of one plugin can share a time
            <tr key={`${d.plugin}-${d.time}-${i}`} className={d.outcome === 'ok' ? '' : 'muted'}>
              <td>{utc(d.time)}</td>
              <td>{d.kind}</td>
              <td>{d.subject}</td>
              <td className={d.outcome === 'ok' ? 'pos' : 'neg'}>{d.outcome}</td>
              <td>
                <details>
                  <summary>{summary(d)}</summary>
                  <div className="small muted">
                    {d.provider} {d.model} · {Math.round(d.latencyMs)} ms
                  </div>
                  <div className="small">Prompt</div>
                  <pre className="llm-text">{d.request.user}</pre>
                  <div className="small">Answer</div>
                  <pre className="llm-text">{d.response ?? '—'}</pre>
                </details>
              </td>
              <td className="r">{d.promptTokens + d.completionTokens}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
