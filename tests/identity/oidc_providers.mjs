// Two real OpenID Connect providers for the test suite (oidc-provider, certified): a
// force's and the inspectorate's, each on its own free port with its own RSA signing key
// and one confidential client that must use PKCE (S256).
//
// Usage: node tests/identity/oidc_providers.mjs <redirect_uri>
// Prints one JSON line when both listen: {"force": {issuer, client_id, client_secret},
// "inspectorate": {...}}.
//
// The sign-in page is not a person: the interaction signs in the account named by the
// relying party's login_hint, with the claims (and `amr`) the test set for it through
// POST /__control {"accounts": {"<login_hint>": {sub, oid, email, name, roles, amr}}}
// (`oid`: the person's object id in the directory, as Entra's ID tokens carry it).
// The same control call can set "tamper" to make the token endpoint misbehave as a
// hostile or broken provider would, for the next token response only:
//   forged   - the ID token re-signed with a key that is not the provider's (same kid)
//   expired  - re-signed with the provider's own key, expired an hour ago
//   wrong-aud - re-signed with the provider's own key, for another client
//   replay   - the previous ID token this provider issued (its nonce is another sign-in's)
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const redirectUri = process.argv[2];
if (!redirectUri) {
  console.error('usage: oidc_providers.mjs <redirect_uri>');
  process.exit(2);
}

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 1e6) throw new Error('too large');
  }
  return JSON.parse(body || '{}');
}

async function start(name) {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const key = await signingKey(`${name}-key-1`);
  const clientId = `tracker-${name}`;
  const clientSecret = `secret-${name}-${Math.random().toString(36).slice(2)}`;
  const accounts = {};
  const state = { tamper: null, lastIdToken: null };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [key] },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: {
      acr: null, amr: null, auth_time: null, iss: null, sid: null,
      openid: ['sub', 'oid', 'roles', 'amr'], email: ['email'], profile: ['name'],
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = Object.values(accounts).find((a) => a.sub === id) || { sub: id };
      return {
        accountId: id,
        async claims() {
          return {
            sub: account.sub,
            oid: account.oid,
            email: account.email,
            name: account.name,
            roles: account.roles,
          };
        },
      };
    },
  });
  provider.proxy = false;

  provider.use(async (ctx, next) => {
    if (ctx.path === '/__control' && ctx.method === 'POST') {
      const body = await readJson(ctx.req);
      Object.assign(accounts, body.accounts || {});
      if ('tamper' in body) state.tamper = body.tamper;
      ctx.body = { ok: true };
      return;
    }
    const interaction = ctx.path.match(/^\/interaction\/([\w-]+)$/);
    if (interaction && ctx.method === 'GET') {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const hint = details.params.login_hint;
      const accountId = hint && (accounts[hint] || { sub: `unknown-${hint}` }).sub;
      if (!accountId) {
        ctx.status = 400;
        ctx.body = 'no login_hint';
        return;
      }
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      const account = accounts[hint] || {};
      const login = { accountId, ...(account.amr ? { amr: account.amr } : {}) };
      const returnTo = await provider.interactionResult(
        ctx.req, ctx.res, { login, consent: { grantId } }, { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(returnTo);
      return;
    }
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
      const issued = ctx.body.id_token;
      const mode = state.tamper;
      state.tamper = null;
      if (mode === 'replay' && state.lastIdToken) {
        ctx.body = { ...ctx.body, id_token: state.lastIdToken };
      } else if (mode === 'forged' || mode === 'expired' || mode === 'wrong-aud') {
        const claims = jose.decodeJwt(issued);
        const now = Math.floor(Date.now() / 1000);
        if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
        if (mode === 'wrong-aud') claims.aud = 'another-client';
        const signWith = mode === 'forged' ? await signingKey(key.kid) : key;
        const token = await new jose.SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
          .sign(await jose.importJWK(signWith, 'RS256'));
        ctx.body = { ...ctx.body, id_token: token };
      }
      state.lastIdToken = issued;
    }
  });

  server.on('request', provider.callback());
  return { issuer, client_id: clientId, client_secret: clientSecret };
}

const started = { force: await start('force'), inspectorate: await start('inspectorate') };
process.stdout.write(`${JSON.stringify(started)}\n`);
process.on('SIGTERM', () => process.exit(0));
