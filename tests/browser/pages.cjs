// Drives headless Chromium through Conduit's two HTML pages (see run.sh). Every request to a
// host other than the server's loopback address is blocked and recorded; the test fails if a
// page tried one, broke its Content-Security-Policy, threw, or did not do its job.
'use strict';

const path = require('node:path');
const { chromium } = require(path.join(process.env.BROWSER_DIR, 'node_modules', 'playwright-core'));

const base = process.argv[2];
const TAG = 'offline-tag';
const failures = [];
const check = (condition, message) => {
  if (!condition) failures.push(message);
};

async function api(method, route, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Token ${token}`;
  const response = await fetch(base + route, { method, headers, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

/// A page with its blocked requests, CSP violations and errors recorded.
async function openPage(context, url) {
  const page = await context.newPage();
  const record = { foreign: [], violations: [], errors: [] };
  page.on('pageerror', (error) => record.errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') record.errors.push(message.text());
  });
  await page.exposeFunction('reportViolation', (text) => record.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  await page.route('**/*', (route) => {
    const requested = new URL(route.request().url());
    if (requested.host === new URL(base).host) return route.continue();
    record.foreign.push(requested.href);
    return route.abort('blockedbyclient');
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, record };
}

function report(name, record) {
  check(record.foreign.length === 0, `${name} tried other hosts: ${record.foreign.join(', ')}`);
  check(record.violations.length === 0, `${name} broke its CSP: ${record.violations.join('; ')}`);
  check(record.errors.length === 0, `${name} logged errors: ${record.errors.join('; ')}`);
}

async function screenshot(page, name) {
  if (process.env.SCREENSHOT_DIR) {
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, `${name}.png`) });
  }
}

async function graphiql(context) {
  const { page, record } = await openPage(context, `${base}/graphql`);
  try {
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    check(!(await page.textContent('body')).includes('Loading…'), 'GraphiQL still says Loading…');
    // Type the query as a person would: into the editor, then press the run button.
    await page.locator('.graphiql-query-editor .CodeMirror').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('{ tags }');
    await page.keyboard.press('Escape'); // closes the autocomplete list if it opened
    const typed = await page.evaluate(
      () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue(),
    );
    check(typed.replace(/\s+/g, ' ').startsWith('{ tags }'), `the editor holds ${JSON.stringify(typed)}`);
    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction(
      (tag) => document.querySelector('.graphiql-response')?.textContent.includes(tag),
      TAG,
      { timeout: 20_000 },
    );
    const result = await page.textContent('.graphiql-response');
    check(result.includes('"tags"') && result.includes(TAG), `GraphiQL shows ${result}`);
    await screenshot(page, 'graphiql');
  } catch (error) {
    await screenshot(page, 'graphiql-failed');
    failures.push(`GraphiQL: ${error.message.split('\n')[0]}`);
  }
  report('GraphiQL', record);
}

async function apiDocs(context) {
  const { page, record } = await openPage(context, `${base}/api/docs/`);
  try {
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 });
    const title = await page.textContent('.swagger-ui .info .title');
    check(title.includes('Conduit'), `the docs title is ${title}`);
    await page.waitForSelector('.opblock', { timeout: 10_000 });
    // Every operation of the OpenAPI document the page renders, whatever their number.
    const spec = await api('GET', '/api/openapi.json');
    const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    const expected = Object.values(spec.paths)
      .flatMap((item) => Object.keys(item).filter((key) => methods.includes(key))).length;
    const operations = await page.locator('.opblock').count();
    check(
      expected > 0 && operations === expected,
      `the docs list ${operations} operations, not the document's ${expected}`,
    );
    await screenshot(page, 'api-docs');
  } catch (error) {
    await screenshot(page, 'api-docs-failed');
    failures.push(`API docs: ${error.message.split('\n')[0]}`);
  }
  report('API docs', record);
}

(async () => {
  const { user } = await api('POST', '/api/users', {
    user: { username: 'browser', email: 'browser@example.com', password: 'password-of-browser' },
  });
  await api('POST', '/api/articles', {
    article: { title: 'Offline', description: 'd', body: 'b', tagList: [TAG] },
  }, user.token);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A second wall behind the request blocking: no name but loopback resolves.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  try {
    const context = await browser.newContext();
    await graphiql(context);
    await apiDocs(context);
  } finally {
    await browser.close();
  }
  if (failures.length > 0) {
    console.error(`browser test FAILED:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log('browser test passed: GraphiQL ran a typed query offline; the API docs rendered');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
