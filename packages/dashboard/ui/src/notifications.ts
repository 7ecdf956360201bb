import { useState } from 'react';

const KEY = 'tradekit.notify';

/** Opt-in browser notifications (fills, closes, breaker trips / state changes). */
export function useNotifications() {
  const [enabled, setEnabled] = useState(localStorage.getItem(KEY) === '1' && typeof Notification !== 'undefined' && Notification.permission === 'granted');
  return {
    enabled,
    toggle: async () => {
      if (enabled) {
        localStorage.removeItem(KEY);
        setEnabled(false);
        return;
      }
      if (typeof Notification === 'undefined') return;
      const p = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
      if (p === 'granted') {
        localStorage.setItem(KEY, '1');
        setEnabled(true);
      }
    },
  };
}

export function notify(title: string, body: string): void {
  try {
    new Notification(title, { body, tag: `${title}` });
  } catch {
    // Notifications can be blocked at any time; the event log still has it.
  }
}
