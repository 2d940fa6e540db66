/**
 * A connection URL fit for logs and error messages: the password (and nothing else) replaced by `***`,
 * so an operator can still tell which server and user were meant. Text that does not parse as a URL is
 * returned as it is (nothing to redact is recognisable in it).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.href;
}

/** `text` with every occurrence of the URL's password replaced, for messages of libraries that echo it. */
export function redactPassword(text: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password === '' ? text : text.split(password).join('***');
}
