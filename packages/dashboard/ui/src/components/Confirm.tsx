import { useState } from 'react';

export function Confirm({
  title,
  body,
  action,
  danger,
  onCancel,
  onConfirm,
}: {
  title: string;
  body: string;
  action: string;
  danger?: boolean;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) {
  const [reason, setReason] = useState('');
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the backdrop is not a control; a click on it or Escape inside the dialog closes it, the dialog's own buttons are the accessible path
    <div
      className="modal-back"
      role="presentation"
      onClick={(e) => e.target === e.currentTarget && onCancel()}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <div className="modal card" role="dialog" aria-label={title}>
        <h3>{title}</h3>
        <p>{body}</p>
        <input placeholder="reason (audit log)" value={reason} onChange={(e) => setReason(e.target.value)} />
        <div className="row end">
          <button type="button" className="ghost" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className={danger ? 'danger' : 'primary'} data-testid="confirm" onClick={() => onConfirm(reason)}>
            {action}
          </button>
        </div>
      </div>
    </div>
  );
}
