/**
 * Removes `?token=` values before a URL reaches a log line, also when the name is percent-encoded
 * (`%74oken=`), since URLSearchParams decodes names before the authenticator reads them.
 */
export function redact(url: string | undefined): string | undefined {
  return url?.replace(/([?&;])([^=&#]*)=([^&#]*)/g, (all, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // Not decodable: the authenticator would not read it as `token` either.
    }
    return decoded.toLowerCase() === 'token' ? `${sep}${name}=[redacted]` : all;
  });
}
