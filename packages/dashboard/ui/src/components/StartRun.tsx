import { useState } from 'react';
import { api, type ApiError, type ApiErrorItem } from '../api';
import type { RunSummary } from '../types';

export function StartRun({ onClose, onStarted }: { onClose: () => void; onStarted: (id: string) => void }) {
  const [mode, setMode] = useState<'path' | 'yaml'>('path');
  const [config, setConfig] = useState('');
  const [yaml, setYaml] = useState('');
  const [pace, setPace] = useState('');
  const [errors, setErrors] = useState<ApiErrorItem[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setErrors([]);
    try {
      const body: Record<string, unknown> = mode === 'path' ? { config } : { yaml };
      if (pace) body.overrides = { pace };
      const r = await api<RunSummary>('/runs', { method: 'POST', body });
      onStarted(r.id);
    } catch (e) {
      const err = e as ApiError;
      setErrors(err.body?.errors ?? [{ code: err.code, message: err.message }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the backdrop is not a control; a click on it or Escape inside the dialog closes it, the dialog's own buttons are the accessible path
    <div
      className="modal-back"
      role="presentation"
      onClick={(e) => e.target === e.currentTarget && onClose()}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <div className="modal card wide" role="dialog" aria-label="start a run">
        <h3>Start a run</h3>
        <div className="row">
          <label>
            <input type="radio" checked={mode === 'path'} onChange={() => setMode('path')} /> config file on the server
          </label>
          <label>
            <input type="radio" checked={mode === 'yaml'} onChange={() => setMode('yaml')} /> paste YAML
          </label>
        </div>
        {mode === 'path' ? (
          <input placeholder="examples/quickstart.yaml" value={config} onChange={(e) => setConfig(e.target.value)} />
        ) : (
          <textarea
            rows={14}
            spellCheck={false}
            placeholder="run: { name: my-run, mode: paper, pace: 600x } …"
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
          />
        )}
        <input placeholder="pace override (e.g. 600x, max, live)" value={pace} onChange={(e) => setPace(e.target.value)} />
        {errors.length > 0 && (
          <ul className="errors">
            {errors.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole on each answer and never reordered; two errors may read the same
              <li key={i}>
                <code>{e.code}</code> {e.line ? `line ${e.line}: ` : ''}
                {e.path ? `${e.path}: ` : ''}
                {e.message}
              </li>
            ))}
          </ul>
        )}
        <div className="row end">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={busy} onClick={() => void submit()}>
            {busy ? 'Validating…' : 'Validate and start'}
          </button>
        </div>
      </div>
    </div>
  );
}
