// A local identity provider for tests: keys generated here, the JWKS served on 127.0.0.1 by this process;
// rotating a key swaps what the JWKS publishes. Never the internet.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface LocalIssuer {
  issuer: string;
  jwksUrl: string;
  /** The current signing key's id. */
  kid: string;
  /** How often the JWKS was fetched. */
  fetches: number;
  /** Signs a token with the current key (or `key`), expiring in an hour unless the claims say otherwise. */
  sign(claims: JWTPayload, options?: { key?: CryptoKey; kid?: string; alg?: string }): Promise<string>;
  /** A new signing key replaces the old one in the JWKS. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalIssuer(
  options: { alg?: string; audience?: string; now?: () => number } = {},
): Promise<LocalIssuer> {
  const alg = options.alg ?? 'ES256';
  const now = options.now ?? Date.now;
  let seq = 0;
  let current: { kid: string; privateKey: CryptoKey; jwk: JWK };
  const makeKey = async () => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `key-${++seq}`;
    current = { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
  };
  await makeKey();
  const state = { fetches: 0 };
  const server: Server = createServer((request, response) => {
    if (request.url !== '/jwks') {
      response.writeHead(404).end();
      return;
    }
    state.fetches++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [current.jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: base,
    jwksUrl: `${base}/jwks`,
    get kid() {
      return current.kid;
    },
    get fetches() {
      return state.fetches;
    },
    async sign(claims, signOptions = {}) {
      const seconds = Math.floor(now() / 1000);
      return new SignJWT({
        iss: base,
        aud: options.audience ?? 'reflow',
        iat: seconds,
        exp: seconds + 3600,
        ...claims,
      })
        .setProtectedHeader({ alg: signOptions.alg ?? alg, kid: signOptions.kid ?? current.kid })
        .sign(signOptions.key ?? current.privateKey);
    },
    rotate: makeKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
