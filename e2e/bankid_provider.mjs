// An independent, certified OpenID provider (panva's oidc-provider) configured like BankID, for
// end-to-end tests of the login. Started by accounts/tests/conftest.py on a free loopback port.
//
//   node e2e/bankid_provider.mjs '<json config>'
//   config: {port, client_id, client_secret, redirect_uri, post_logout_redirect_uri, person}
//
// Like BankID: authorization code flow with PKCE (S256) required, client_secret_basic, RS256 ID
// tokens carrying bankid_altsub, acr and the profile claims, and RP-initiated logout. The login
// page (our own interaction, as BankID's) shows the test person; it finishes with an acr.
// Prints "READY <issuer>" on stdout when it listens.
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const person = config.person;
const host = '127.0.0.1';
const ACR = config.acr || 'urn:bankid:bid;LOA=4';

function html(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function start() {
  const issuerPlaceholder = `http://${host}:${config.port}`;
  const provider = new Provider(issuerPlaceholder, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: [config.redirect_uri],
      post_logout_redirect_uris: [config.post_logout_redirect_uri],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    pkce: { required: () => true },
    scopes: ['openid', 'profile'],
    claims: {
      openid: ['sub', 'bankid_altsub'],
      profile: ['name', 'given_name', 'family_name', 'birthdate'],
    },
    acrValues: ['urn:bankid:bid;LOA=4', 'urn:bankid:bis;LOA=3'],
    conformIdTokenClaims: false, // BankID puts the profile claims in the ID token
    cookies: { keys: ['e2e-only-cookie-key-0123456789abcdef'] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
    async findAccount(ctx, id) {
      if (id !== person.bankid_altsub) return undefined;
      return {
        accountId: id,
        async claims() {
          // sub is per-login at BankID; here it is stable but different from bankid_altsub.
          return { sub: `sub-${id}`, bankid_altsub: id, name: person.name, given_name: person.given_name,
                   family_name: person.family_name, birthdate: person.birthdate };
        },
      };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.proxy = false;

  // The login and consent pages (BankID's own pages in real life).
  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { prompt, params, uid } = details;
    if (prompt.name === 'login' && !match[2]) {
      ctx.type = 'html';
      ctx.body = html('BankID (test)', `<h1>BankID test login</h1>
        <p>Client: ${esc(params.client_id)}</p>
        <form method="get" action="/interaction/${esc(uid)}/login">
          <label><input type="radio" name="person" value="${esc(person.bankid_altsub)}" checked> ${esc(person.name)}</label>
          <button type="submit" id="op-login">Log in</button>
        </form>`);
      return undefined;
    }
    if (prompt.name === 'login') {
      if (ctx.query.person !== person.bankid_altsub) { ctx.status = 400; ctx.body = 'unknown person'; return undefined; }
      const to = await provider.interactionResult(ctx.req, ctx.res, {
        login: { accountId: person.bankid_altsub, acr: ACR, amr: ['BID'] },
      }, { mergeWithLastSubmission: false });
      return ctx.redirect(to);
    }
    if (prompt.name === 'consent') {
      const grant = details.grantId ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      grant.addOIDCScope(params.scope);
      grant.addOIDCClaims(['bankid_altsub', 'name', 'given_name', 'family_name', 'birthdate']);
      const grantId = await grant.save();
      const to = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } },
        { mergeWithLastSubmission: true });
      return ctx.redirect(to);
    }
    ctx.status = 400;
    ctx.body = `unexpected prompt ${prompt.name}`;
    return undefined;
  });

  const server = provider.listen(config.port, host, () => {
    process.stdout.write(`READY ${issuerPlaceholder}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

start().catch((err) => { console.error(err); process.exit(1); });
