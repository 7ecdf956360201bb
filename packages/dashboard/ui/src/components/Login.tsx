import { useState } from 'react';

export function Login({ onToken, error }: { onToken: (t: string) => void; error: string | null }) {
  const [t, setT] = useState('');
  return (
    <div className="login">
      <form
        className="card login-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (t.trim()) onToken(t.trim());
        }}
      >
        <div className="brand big">
          <span className="logo">◆</span> tradekit
        </div>
        <p className="muted">
          Paste an API token. <code>tradekit serve</code> prints one at first start; <code>tradekit serve --add-token NAME --scopes read</code> makes more.
        </p>
        {/* biome-ignore lint/a11y/noAutofocus: the sign-in page has this one field; focusing it is what the user came for */}
        <input name="token" type="password" autoComplete="off" placeholder="tk_…" value={t} onChange={(e) => setT(e.target.value)} autoFocus />
        {error && <div className="error">{error}</div>}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </div>
  );
}
