// Browser test: drives Debian's Chromium through Embargo's pages with playwright-core.
//
// Starts `$EMBARGO_BIN serve` on a free loopback port with a fresh data directory, then walks
// setup → login → TOTP enrolment → recovery codes → API token (checked against /api/v1/me)
// → logout → login with TOTP → users → audit log → logout, checking each page, the layout at
// 360 px, and that no Content-Security-Policy violation or script error shows up. Full-page
// screenshots go to ./screenshots/ (gitignored).
//
//   EMBARGO_BIN=target/debug/embargo node tests/browser/run.mjs
//
// Env: EMBARGO_BIN (required), CHROMIUM (default /usr/bin/chromium), BROWSER_TIMEOUT_SECS
// (whole run, default 180). Exit code 0 when every check passed, 1 otherwise.

import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
// Resolved now: the server runs in a temp dir, so a relative path would break.
const BIN = process.env.EMBARGO_BIN && resolve(process.env.EMBARGO_BIN);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RUN_TIMEOUT_MS = Number(process.env.BROWSER_TIMEOUT_SECS || 180) * 1000;
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 360, height: 740 };

const ADMIN = {
  email: 'admin@example.org',
  name: 'Ada Admin',
  // Random, so never on the common-password list, and ≥ 12 characters.
  password: `emb-${randomBytes(12).toString('hex')}`,
};
const MEMBER = { email: 'dev@example.org', name: 'Dana Developer', role: 'developer' };

// ---------------------------------------------------------------- bookkeeping

let passed = 0;
let failed = 0;
const t0 = Date.now();

class CheckFailed extends Error {}

function expect(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

// One check per step; a failed step stops the walk, because later steps build on it.
async function step(name, fn) {
  const start = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`  ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`  FAIL ${name}`);
    console.log(`       ${(e instanceof CheckFailed ? e.message : e.stack || String(e)).replace(/\n/g, '\n       ')}`);
    throw new CheckFailed(`step failed: ${name}`);
  }
}

// ---------------------------------------------------------------- TOTP (RFC 6238)

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new CheckFailed(`TOTP secret is not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// HOTP (RFC 4226 §5.3) over the 30-second time step (RFC 6238 §4), SHA-1, 6 digits.
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}

const currentStep = () => Math.floor(Date.now() / 1000 / 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- server

let server = null;
let dataDir = null;
let serverLog = '';

function startServer() {
  return new Promise((resolve, reject) => {
    dataDir = mkdtempSync(join(tmpdir(), 'embargo-browser-'));
    // A clean environment for the server: EMBARGO_* variables of the caller (EMBARGO_BIN,
    // a developer's EMBARGO_DATABASE_URL…) would otherwise be read as configuration.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('EMBARGO_')),
    );
    server = spawn(
      BIN,
      ['serve', '--data-dir', join(dataDir, 'data'), '--listen', '127.0.0.1:0'],
      // cwd = the temp dir, so an embargo.toml in the caller's directory is not picked up.
      { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error('server printed no URL and setup link within 30 s')), 30_000);
    function finish(err, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    }
    server.stdout.setEncoding('utf8');
    server.stderr.setEncoding('utf8');
    server.stdout.on('data', (chunk) => {
      out += chunk;
      serverLog += chunk;
      const base = out.match(/Embargo listening on (https?:\/\/[^\s/]+)/);
      const setup = out.match(/(https?:\/\/\S+\/setup\/\S+)/);
      if (base && setup) finish(null, { base: base[1], setupLink: setup[1] });
    });
    server.stderr.on('data', (chunk) => {
      serverLog = (serverLog + chunk).slice(-20_000);
    });
    server.on('error', (e) => finish(new Error(`cannot start ${BIN}: ${e.message}`)));
    server.on('exit', (code, signal) => {
      finish(new Error(`server exited early (code ${code}, signal ${signal})`));
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const t = setTimeout(() => server.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

// If the runner dies some other way, never leave the server behind.
process.on('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
});

// ---------------------------------------------------------------- page helpers

let browser = null;
let page = null;
const pageProblems = [];
const expectedErrors = new Set(); // "METHOD URL"s this walk requests on purpose to see them refused

let shots = 0;
// Full-page PNG, numbered in walk order: screenshots/NN-name.png.
async function shot(name) {
  shots += 1;
  const file = `${String(shots).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path: join(SHOTS, file), fullPage: true });
}

async function text(selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

async function goto(base, path) {
  const res = await page.goto(base + path);
  expect(res && res.status() === 200, `GET ${path}: status ${res && res.status()} at ${page.url()}`);
}

// Submits a form by clicking its button and waits for the page it leads to.
async function submit(buttonName, urlPattern) {
  await page.getByRole('button', { name: buttonName, exact: true }).click();
  try {
    await page.waitForURL(urlPattern, { timeout: 10_000 });
  } catch {
    const err = await page.locator('.error').allInnerTexts();
    throw new CheckFailed(
      `after "${buttonName}" expected ${urlPattern}, got ${page.url()}` +
        (err.length ? `; page says: ${err.join(' | ')}` : ''),
    );
  }
}

async function noHorizontalOverflow(label) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(
    scroll <= NARROW.width,
    `${label} at ${NARROW.width} px scrolls horizontally: scrollWidth ${scroll} (clientWidth ${client})`,
  );
}

async function expectLoggedInAs(email) {
  const who = await text('.topbar .who');
  expect(who.includes(email), `top bar shows "${who}", expected ${email}`);
}

// ---------------------------------------------------------------- the walk

async function walk() {
  let base;
  let setupLink;
  let secret;
  let enrolStep;
  let token;

  await step('server starts and prints its URL and a setup link', async () => {
    expect(BIN, 'EMBARGO_BIN is not set (path to the embargo binary)');
    expect(existsSync(BIN), `EMBARGO_BIN=${BIN} does not exist`);
    ({ base, setupLink } = await startServer());
    expect(setupLink.startsWith(`${base}/setup/`), `setup link ${setupLink} is not under ${base}`);
  });

  await step('Chromium starts', async () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
    // chromium.launch gives every run a fresh temporary profile (user-data dir) and removes it
    // on close; Playwright refuses an explicit --user-data-dir here by design.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
      timeout: 30_000,
    });
    const context = await browser.newContext({ viewport: WIDE, locale: 'en-GB' });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    // CSP violations and script errors are reported on the console; there must be none.
    // HTTP errors are checked per response below, so the console's copy of them is skipped.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        pageProblems.push(`console error on ${page.url()}: ${m.text()}`);
      }
    });
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      const key = `${r.request().method()} ${r.url()}`;
      if (r.status() >= 400 && path !== '/favicon.ico' && !expectedErrors.has(key)) {
        pageProblems.push(`HTTP ${r.status()} for ${r.request().method()} ${path}`);
      }
    });
    page.on('pageerror', (e) => pageProblems.push(`page error on ${page.url()}: ${e.message}`));
  });

  await step('setup link creates the first administrator', async () => {
    const res = await page.goto(setupLink);
    expect(res && res.status() === 200, `setup page status ${res && res.status()}`);
    const styled = await page.evaluate(() => {
      const card = document.querySelector('.card');
      return card ? getComputedStyle(card).borderTopLeftRadius : null;
    });
    expect(styled && styled !== '0px', `style.css is not applied (card border radius: ${styled})`);
    await shot('setup');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=display_name]', ADMIN.name);
    await page.fill('input[name=password]', ADMIN.password);
    await page.fill('input[name=password_confirm]', ADMIN.password);
    await submit('Set password', /\/login\?notice=password-set$/);
    expect((await page.locator('.flash').count()) === 1, 'no confirmation shown after setting the password');
    await shot('login-after-setup');
    expectedErrors.add(`GET ${setupLink}`);
    const again = await page.goto(setupLink);
    expect(again && again.status() >= 400, `setup link still works after use (status ${again && again.status()})`);
  });

  await step('wrong password refused, right password logs in', async () => {
    await goto(base, '/login');
    await shot('login');
    // A wrong password first: refused with a message, no session.
    expectedErrors.add(`POST ${base}/login`);
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', `${ADMIN.password}-wrong`);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.locator('.error').waitFor();
    expect(new URL(page.url()).pathname === '/login', `wrong password led to ${page.url()}`);
    await shot('login-error');
    expectedErrors.delete(`POST ${base}/login`);
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', ADMIN.password);
    await submit('Log in', `${base}/`);
    expect((await text('h1')).includes(ADMIN.name), `dashboard greets "${await text('h1')}"`);
    expect(
      (await page.locator('nav a[aria-current="page"]').innerText()).trim() === 'Dashboard',
      'Dashboard is not marked as the current page in the nav',
    );
    await expectLoggedInAs(ADMIN.email);
    await shot('dashboard');
  });

  await step('enrol TOTP two-factor authentication', async () => {
    await goto(base, '/account');
    await shot('account-before-2fa');
    await page.getByRole('link', { name: 'Set up two-factor authentication' }).click();
    await page.waitForURL(/\/account\/totp/);
    secret = await text('#totp-secret');
    expect(/^[A-Z2-7=\s]{16,}$/i.test(secret), `unexpected TOTP secret ${JSON.stringify(secret)}`);
    await shot('totp-enrol');
    enrolStep = currentStep();
    await page.fill('input[name=code]', totp(secret, enrolStep));
    await submit('Enable two-factor authentication', /\/account\/totp/);
  });

  await step('recovery codes are shown once', async () => {
    const codes = await page.locator('#recovery-codes li').allInnerTexts();
    expect(codes.length >= 5, `expected recovery codes, found ${codes.length}`);
    expect(new Set(codes).size === codes.length, 'recovery codes repeat');
    await shot('recovery-codes');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL(/\/account$/);
    const status = await text('.card .pill');
    expect(status === 'On', `account page says two-factor is "${status}"`);
    await shot('account');
  });

  await step('create an API token', async () => {
    await goto(base, '/account/tokens');
    await page.fill('input[name=name]', 'browser test');
    await page.selectOption('select[name=scope]', 'read');
    await page.fill('input[name=expires_in_days]', '7');
    await page.getByRole('button', { name: 'Create token', exact: true }).click();
    await page.locator('#new-token').waitFor();
    token = await text('#new-token');
    expect(token.length >= 20, `token looks too short: ${token}`);
    const rows = await page.locator('table tbody tr').allInnerTexts();
    expect(rows.some((r) => r.includes('browser test')), 'new token is not listed');
    expect(!rows.join('\n').includes(token), 'token secret is listed in the table');
    await shot('tokens');
  });

  await step('API token authenticates /api/v1/me', async () => {
    const res = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await res.text();
    expect(res.status === 200, `/api/v1/me with the token: ${res.status} ${body}`);
    const me = JSON.parse(body);
    expect(me.email === ADMIN.email, `/api/v1/me says email ${me.email}`);
    const bad = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}x` } });
    expect(bad.status === 401, `/api/v1/me with a wrong token: ${bad.status}, expected 401`);
  });

  await step('log out', async () => {
    await submit('Log out', /\/login\?notice=logged-out$/);
    expect((await page.locator('.topbar nav').count()) === 0, 'navigation still shown after logout');
    const res = await page.goto(`${base}/account`);
    expect(/\/login/.test(page.url()), `/account after logout went to ${page.url()} (${res && res.status()})`);
  });

  await step(`login page fits ${NARROW.width} px`, async () => {
    await page.setViewportSize(NARROW);
    await goto(base, '/login');
    await shot('login-360px');
    await noHorizontalOverflow('login page');
  });

  await step('log in again with password and TOTP', async () => {
    await page.setViewportSize(WIDE);
    await goto(base, '/login');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', ADMIN.password);
    await submit('Log in', /\/login\/totp$/);
    await shot('login-totp');
    // A code is accepted once: the enrolment used this time step, so wait for the next one.
    while (currentStep() <= enrolStep) await sleep(250);
    await page.fill('input[name=code]', totp(secret, currentStep()));
    await submit('Verify', `${base}/`);
    await expectLoggedInAs(ADMIN.email);
    const pill = await text('.card .pill');
    expect(pill === '2FA on', `dashboard says "${pill}"`);
    await shot('dashboard-2fa');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('dashboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await step(`dashboard fits ${NARROW.width} px`, async () => {
    await page.setViewportSize(NARROW);
    await goto(base, '/');
    await shot('dashboard-360px');
    await noHorizontalOverflow('dashboard');
    await goto(base, '/admin/users');
    await noHorizontalOverflow('users page');
    await shot('users-360px');
    await page.setViewportSize(WIDE);
  });

  await step('admin creates a user and gets a one-time link', async () => {
    await goto(base, '/admin/users');
    await page.fill('form[action="/admin/users"] input[name=email]', MEMBER.email);
    await page.fill('form[action="/admin/users"] input[name=display_name]', MEMBER.name);
    await page.selectOption('form[action="/admin/users"] select[name=role]', MEMBER.role);
    await page.getByRole('button', { name: 'Create and get link', exact: true }).click();
    await page.locator('#setup-link').waitFor();
    const link = await text('#setup-link');
    expect(link.startsWith(`${base}/setup/`), `setup link ${link} is not under ${base}/setup/`);
    const row = page.locator('table tbody tr', { hasText: MEMBER.email });
    expect((await row.count()) === 1, `${MEMBER.email} is not listed once`);
    const status = await row.locator('.pill').last().innerText();
    expect(status.trim() === 'invited', `new user's status is "${status}", expected invited`);
    await shot('users');
  });

  await step('audit log lists what happened, chain intact', async () => {
    await goto(base, '/admin/audit');
    const verdict = page.locator('[role=status].notice');
    expect((await verdict.count()) === 1, `audit chain not reported intact: ${await text('[role=status]')}`);
    const actions = await page.locator('table tbody td code').allInnerTexts();
    for (const a of ['login.success', 'user.totp_enabled', 'token.created', 'user.created']) {
      expect(actions.includes(a), `audit log lacks ${a}; has ${[...new Set(actions)].join(', ')}`);
    }
    await shot('audit');
    await page.setViewportSize(NARROW);
    await noHorizontalOverflow('audit log');
    await page.setViewportSize(WIDE);
  });

  await step('log out at the end', async () => {
    await submit('Log out', /\/login\?notice=logged-out$/);
    await shot('logged-out');
  });

  await step('no CSP violations, script errors or unexpected HTTP errors', async () => {
    expect(pageProblems.length === 0, pageProblems.join('\n'));
  });
}

// ---------------------------------------------------------------- main

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  for (const f of readdirSync(SHOTS)) if (f.endsWith('.png')) rmSync(join(SHOTS, f));
  console.log(`browser: ${BIN} with ${CHROMIUM}`);

  const watchdog = setTimeout(() => {
    console.log(`FAIL browser test did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
    failed += 1;
    cleanup().finally(() => process.exit(1));
  }, RUN_TIMEOUT_MS);

  try {
    await walk();
  } catch (e) {
    if (!(e instanceof CheckFailed)) {
      failed += 1;
      console.log(`  FAIL unexpected error: ${e.stack || e}`);
    }
    if (page) {
      console.log(`       at ${page.url()}`);
      await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
      console.log(`       screenshot: ${join(SHOTS, 'failure.png')}`);
    }
    if (serverLog) console.log(`--- server output (tail) ---\n${serverLog.slice(-4000)}\n---`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  const n = existsSync(SHOTS) ? readdirSync(SHOTS).filter((f) => f.endsWith('.png')).length : 0;
  console.log(`browser: ${n} screenshots in ${SHOTS}`);
  console.log(`browser: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (browser) await browser.close().catch(() => {});
  await stopServer().catch(() => {});
  if (dataDir && statSync(dataDir, { throwIfNoEntry: false })) {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.log(`browser: interrupted by ${sig}`);
    cleanup().finally(() => process.exit(1));
  });
}

await main();
