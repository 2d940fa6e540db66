/** sessionStorage: the key stays with this tab only and is gone when it closes. */
const STORAGE = 'herald:api-key';

/** The API key this tab was given, if any. */
export function storedKey(): string | undefined {
  return sessionStorage.getItem(STORAGE) ?? undefined;
}

/** Forgets the key (it was refused). */
export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE);
}

/**
 * Shows a small form in `#key` asking for the API key that `herald serve` prints at startup, and
 * resolves with it once entered (also stored in sessionStorage). Used instead of `prompt()`, which
 * blocks the page and its live updates.
 */
export function askKey(why: string): Promise<string> {
  const box = document.getElementById('key');
  if (box === null) return Promise.reject(new Error('this page has no #key box'));
  box.hidden = false;
  box.replaceChildren();
  const form = document.createElement('form');
  form.className = 'key-form';
  const label = document.createElement('label');
  const command = document.createElement('code');
  command.textContent = 'herald serve';
  label.append(`${why} Paste the API key that `, command, ' printed when it started: ');
  const input = document.createElement('input');
  input.type = 'password';
  input.name = 'key';
  input.autocomplete = 'off';
  input.required = true;
  const button = document.createElement('button');
  button.textContent = 'Use key';
  label.append(input);
  form.append(label, button);
  box.append(form);
  input.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (key === '') return;
      sessionStorage.setItem(STORAGE, key);
      box.hidden = true;
      resolve(key);
    });
  });
}
