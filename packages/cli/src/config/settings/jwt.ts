import { z } from 'zod';
import { group, setting } from './setting.ts';
import { list, nonNegativeInt, text } from './validators.ts';

/** JWT verification (contract section 7): at least one key source makes JWTs acceptable. */
export const JWT = group(
  {
    secret: setting(
      z.string({ error: 'expected a secret of at least 32 bytes' }).refine((s) => Buffer.byteLength(s) >= 32, {
        error: 'expected a secret of at least 32 bytes',
      }),
      {
        cli: {
          flags: '--jwt-secret <secret>',
          env: 'HERALD_JWT_SECRET',
          kind: 'text',
          help: 'HS256 secret for JWTs, at least 32 bytes (prefer the variable: flags show in ps)',
        },
      },
    ),
    publicKeys: setting(list(text('a PEM public key (RSA or EC)'), 'a list of PEM public keys')),
    jwksFile: setting(text('a JWKS file path'), {
      cli: {
        flags: '--jwks-file <file>',
        env: 'HERALD_JWKS_FILE',
        kind: 'text',
        help: 'JWKS file with the RS256/ES256 keys JWTs are checked with',
      },
    }),
    issuer: setting(text('an issuer (iss)'), {
      cli: { flags: '--jwt-issuer <iss>', env: 'HERALD_JWT_ISSUER', kind: 'text', help: 'required JWT issuer (iss)' },
    }),
    audience: setting(text('an audience (aud)'), {
      cli: {
        flags: '--jwt-audience <aud>',
        env: 'HERALD_JWT_AUDIENCE',
        kind: 'text',
        help: 'required JWT audience (aud)',
      },
    }),
    // The server allows 5 s when this is unset; no default here, so an unset key stays unset.
    clockToleranceSec: setting(nonNegativeInt('a number of seconds (0 or more)')),
  },
  'expected an object of JWT settings',
  { key: 'jwt', doc: 'JWT verification (contract section 7); no key configured = JWTs are refused.' },
);
