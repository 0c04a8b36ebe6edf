// A local OpenID provider shaped like NHS login, for Tandem's sign-in tests (ADR 16, section 3) and the
// demo (`tandem demo_nhs_login`, started by scripts/serve-demo), where its page lists the demo's people.
// npm oidc-provider (panva, OpenID Certified). Only private_key_jwt client authentication, RS512 for ID
// tokens and client assertions, PKCE required, profile claims in the ID token as NHS login sends them,
// `vtr` per request, and lifetimes from NHS login's EIS v2.1 (table 18): code 600 s, ID token 3600 s,
// access token 300 s. Its own small sign-in route (not the package's development screens) takes a user
// name, reads the request's `vtr`, and finishes with `vot` = the first vector the user's level meets,
// or with access_denied when none is met. A user with "understates" gets a lower `vot` than asked.
//
// Environment: PORT (0 for any free port), CLIENT_FILE (JSON: client_id, redirect_uris, jwks),
// USERS_FILE (JSON: sub -> level, nhs_number, birthdate, family_name, and for the demo a label). Prints {"port": N} as its first stdout line.
import fs from 'node:fs';
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import { Provider, errors, interactionPolicy } from 'oidc-provider';

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const USERS = JSON.parse(fs.readFileSync(process.env.USERS_FILE, 'utf8'));
const client = JSON.parse(fs.readFileSync(process.env.CLIENT_FILE, 'utf8'));
const { privateKey } = await generateKeyPair('RS512', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), alg: 'RS512', use: 'sig', kid: 'local-1' };

const DEFAULT_VTR = '["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]'; // NHS login's default when none is sent
const VECTOR = /^P[059](\.C[pdkm])+$/;
const LEVEL = { P0: 0, P5: 5, P9: 9 };
const CLAIMS = ['vot', 'vtm', 'nhs_number', 'birthdate', 'family_name', 'identity_proofing_level', 'gp_registration_details'];

// NHS login's single sign-on: a request whose vectors the session's do not include goes back to the
// sign-in route (below), which passes straight through when the person is proved to a level asked for
// (a P9 person asked for P9 after signing in at P5) and otherwise asks again ("prove who you are").
const policy = interactionPolicy.base();
policy.get('login').checks.push(new interactionPolicy.Check('vtr_not_met', 'the session does not meet the vtr', (ctx) => {
  const { oidc } = ctx;
  if (!oidc.session.accountId || oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
  const wanted = JSON.parse(oidc.params.vtr ?? DEFAULT_VTR);
  return wanted.includes(oidc.session.acr) ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
}));

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: client.client_id, redirect_uris: client.redirect_uris, jwks: client.jwks,
    token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS512',
    id_token_signed_response_alg: 'RS512', response_types: ['code'], grant_types: ['authorization_code'],
  }],
  jwks: { keys: [signing] },
  enabledJWA: { idTokenSigningAlgValues: ['RS512'], clientAuthSigningAlgValues: ['RS512'] },
  clientAuthMethods: ['private_key_jwt'],
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  scopes: ['openid', 'profile', 'gp_registration_details'],
  claims: {
    openid: ['sub', 'vot', 'vtm'],
    profile: ['nhs_number', 'birthdate', 'family_name', 'identity_proofing_level'],
    gp_registration_details: ['gp_registration_details'],
  },
  extraParams: {
    vtr(ctx, value) {
      let list;
      try { list = JSON.parse(value ?? DEFAULT_VTR); } catch { list = null; }
      if (!Array.isArray(list) || !list.length || !list.every((v) => VECTOR.test(v))) {
        throw new errors.InvalidRequest('vtr is not valid');
      }
    },
  },
  features: { devInteractions: { enabled: false } },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub, token) {
    const user = USERS[sub];
    if (!user || sub.startsWith('_')) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub, vot: token?.acr ?? ctx.oidc?.session?.acr, vtm: 'https://auth.sandpit.signin.nhs.uk/trustmark/auth.sandpit.signin.nhs.uk',
          nhs_number: user.nhs_number, birthdate: user.birthdate, family_name: user.family_name,
          identity_proofing_level: user.level, gp_registration_details: { gp_ods_code: user.gp_ods_code ?? null },
        };
      },
    };
  },
  ttl: {
    AuthorizationCode: 600, IdToken: 3600, AccessToken: 300,
    Interaction: 600, Session: 3600, Grant: 3600,
  },
});

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const wanted = JSON.parse(details.params.vtr ?? DEFAULT_VTR);
  const meets = (user) => user && typeof user === 'object' && wanted.find((v) => LEVEL[v.split('.')[0]] <= LEVEL[user.level]);
  let sub;
  if (details.session?.accountId && meets(USERS[details.session.accountId])) {
    sub = details.session.accountId; // already signed in and proved enough: no question asked
  } else if (ctx.method === 'GET') {
    ctx.type = 'html';
    const listed = Object.entries(USERS).filter(([, u]) => u && u.label)
      .map(([sub, u]) => `<li><button name="user" value="${escape(sub)}">${escape(u.label)}</button></li>`).join('');
    ctx.body = '<!doctype html><html lang="en"><title>Local NHS login</title><h1>Local NHS login (demo)</h1>'
      + '<p>This stands in for NHS login on this machine. Nobody real can sign in here.</p>'
      + (listed ? `<form method="post"><p>Sign in as:</p><ul>${listed}</ul></form>` : '')
      + '<form method="post"><label>User <input name="user"></label><button>Continue</button></form></html>';
    return undefined;
  } else {
    const body = await new Promise((resolve) => {
      let data = '';
      ctx.req.on('data', (chunk) => { data += chunk; });
      ctx.req.on('end', () => resolve(new URLSearchParams(data)));
    });
    sub = body.get('user');
  }
  const user = USERS[sub];
  const fits = meets(user);
  let result;
  if (!user || sub.startsWith('_') || (!fits && !user.understates)) {
    result = { error: 'access_denied', error_description: 'identity not proved to the level asked' };
  } else {
    const vot = fits ?? `${user.level}.Cp.Cd`;
    const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    grant.addOIDCClaims(CLAIMS);
    result = { login: { accountId: sub, acr: vot }, consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  return undefined;
});

server.on('request', provider.callback());
console.log(JSON.stringify({ port: server.address().port }));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
