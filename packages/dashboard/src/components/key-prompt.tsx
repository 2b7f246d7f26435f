import { useState } from 'preact/hooks';
import { ApiError, getJson } from '../api/client';
import { authStore, setKey } from '../api/auth';
import { useStore } from '../state/store';
import { viewStore } from '../state/view-store';

/**
 * Shown when the server answered 401. The key is tried against the API before it is kept: a wrong
 * one is refused here, with the server's reason, and the prompt stays.
 */
export function KeyPrompt() {
  const auth = useStore(authStore);
  const view = useStore(viewStore);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!auth.needKey) return null;

  const submit = async (e: Event) => {
    e.preventDefault();
    const key = value.trim();
    if (!key) return setError('Enter a key.');
    setBusy(true);
    setError(null);
    const q = new URLSearchParams({ measures: 'count', limit: '1' });
    if (view.project) q.set('project', view.project);
    try {
      await getJson('v1/query', q, { key, quiet401: true });
      setValue('');
      setKey(key);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(`That key was refused: ${err.message}.`);
      else if (err instanceof ApiError && err.status === 403) setError(`That key cannot read this project: ${err.message}.`);
      else setError(`Could not check the key: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="modal-backdrop">
      <form class="modal" role="dialog" aria-modal="true" aria-labelledby="key-title" data-testid="key-prompt" onSubmit={submit}>
        <h2 id="key-title">API key needed</h2>
        <p>
          This Pulse server requires a key with the <code>read</code> scope. It is kept in this browser only
          (localStorage) and sent as <code>Authorization: Bearer …</code>.
        </p>
        {auth.reason ? <p class="muted">Server said: {auth.reason}</p> : null}
        <label class="field">
          API key
          <input
            type="password"
            autoComplete="off"
            data-testid="key-input"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            autoFocus
          />
        </label>
        {error ? (
          <p class="form-error" role="alert" data-testid="key-error">
            {error}
          </p>
        ) : null}
        <div class="modal-actions">
          <button type="submit" class="primary" data-testid="key-submit" disabled={busy}>
            {busy ? 'Checking…' : 'Use key'}
          </button>
        </div>
      </form>
    </div>
  );
}
