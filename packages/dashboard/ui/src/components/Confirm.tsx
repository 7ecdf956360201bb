import { useState } from 'react';

export function Confirm({ title, body, action, danger, onCancel, onConfirm }: { title: string; body: string; action: string; danger?: boolean; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  return (
    <div className="modal-back" onClick={onCancel}>
      <div className="modal card" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        <p>{body}</p>
        <input placeholder="reason (audit log)" value={reason} onChange={(e) => setReason(e.target.value)} />
        <div className="row end">
          <button className="ghost" onClick={onCancel}>
            Cancel
          </button>
          <button className={danger ? 'danger' : 'primary'} data-testid="confirm" onClick={() => onConfirm(reason)}>
            {action}
          </button>
        </div>
      </div>
    </div>
  );
}
