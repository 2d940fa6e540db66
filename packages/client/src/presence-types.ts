/**
 * One member of a channel's presence (contract section 6): a connection of the hub's. `client` is the
 * hub's id for that connection; `user` is the identity the hub verified (a JWT's `sub`), set by the
 * hub alone and absent for anonymous clients and API keys; `info` is what the member joined with
 * (`{}` when nothing), chosen by the client and so not to be trusted as an identity.
 */
export interface PresenceMember {
  readonly client: string;
  readonly user?: string;
  readonly info: Readonly<Record<string, unknown>>;
}
