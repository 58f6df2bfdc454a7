// What a browser does between an MCP client's authorization URL and the
// redirect back to it: follows the authorization server's redirects with
// its cookies, fills in the login form, presses "Allow" on the consent
// form, and hands back the code of the final redirect. Plain HTTP with
// Node's fetch; the forms are the ones tests/oauth-e2e/as.mjs serves.

// Cookies by name, for one authorization server: enough for a flow where
// every cookie comes from that one origin.
class CookieJar {
  constructor() { this.cookies = new Map(); }

  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) ||
        (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (gone || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
}

const formAction = (html, step) => {
  const m = new RegExp(`<form method="post" action="([^"]*/${step})"`).exec(html);
  if (!m) throw new Error(`no ${step} form in: ${html.slice(0, 300)}`);
  return m[1].replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
};

// Resolves the authorization code that the authorization server sends to
// redirectUrl, after signing in as login with password and allowing
// access. steps records what the browser saw, for a test to check.
export async function authorizeInBrowser(authorizationUrl, { redirectUrl, login, password, steps = [] }) {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let method = 'GET';
  let body;
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(redirectUrl)) {
      const error = url.searchParams.get('error');
      if (error) throw new Error(`authorization refused: ${error}: ${url.searchParams.get('error_description')}`);
      steps.push('redirected back with a code');
      return { code: url.searchParams.get('code'), state: url.searchParams.get('state') };
    }
    const headers = { Cookie: jar.header(), Accept: 'text/html' };
    if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    jar.take(res);
    if (res.status >= 300 && res.status < 400) {
      await res.arrayBuffer();
      url = new URL(res.headers.get('location'), url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${url.pathname}: ${res.status}: ${html.slice(0, 300)}`);
    if (html.includes('<title>Sign in</title>')) {
      steps.push('login form');
      url = new URL(formAction(html, 'login'), url);
      body = new URLSearchParams({ login, password }).toString();
    } else if (html.includes('<title>Allow access</title>')) {
      steps.push('consent form');
      url = new URL(formAction(html, 'confirm'), url);
      body = '';
    } else {
      throw new Error(`unexpected page at ${url.pathname}: ${html.slice(0, 300)}`);
    }
    method = 'POST';
  }
  throw new Error('too many redirects');
}
